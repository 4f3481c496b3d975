/**
 * Errnos as values (docs/design.md#errors-are-values). Numbers and texts as in include/uapi/asm-generic/errno-base.h
 * and include/uapi/asm-generic/errno.h.
 */
export const errnos = {
  EPERM: { no: 1, text: 'Operation not permitted' },
  ENOENT: { no: 2, text: 'No such file or directory' },
  EIO: { no: 5, text: 'I/O error' },
  ENXIO: { no: 6, text: 'No such device or address' },
  EAGAIN: { no: 11, text: 'Try again' },
  ENOMEM: { no: 12, text: 'Out of memory' },
  EFAULT: { no: 14, text: 'Bad address' },
  EBUSY: { no: 16, text: 'Device or resource busy' },
  EEXIST: { no: 17, text: 'File exists' },
  ENODEV: { no: 19, text: 'No such device' },
  EINVAL: { no: 22, text: 'Invalid argument' },
  ENOSPC: { no: 28, text: 'No space left on device' },
  ERANGE: { no: 34, text: 'Math result not representable' },
  EOPNOTSUPP: { no: 95, text: 'Operation not supported on transport endpoint' },
  ETIMEDOUT: { no: 110, text: 'Connection timed out' },
  EREMOTEIO: { no: 121, text: 'Remote I/O error' },
} as const

export type Errno = keyof typeof errnos
export const ERRNO_NAMES = Object.keys(errnos) as Errno[]

/** Whether retrying can help, from the kernel-doc contract (dma_map_sgtable: "Will not succeed if retried"). */
export type Retry = 'never' | 'later' | 'after-invalidation'

export interface KernelError {
  /** Symbolic first, like printk's %pe. */
  errno: Errno
  /** Who returned it, e.g. 'dma_map_sgtable'. */
  fn: string
  /** The cause in model terms, one sentence. */
  why: string
  /** What to change (the pci_warn second line). */
  remedy?: string
  /** Topology node ids the renderer should highlight. */
  culprits?: readonly string[]
  retry: Retry
}

/** '-EREMOTEIO (121)' */
export function errnoLabel(e: Errno): string {
  return `-${e} (${errnos[e].no})`
}
