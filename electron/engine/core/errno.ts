/**
 * Kernel results as values: Result<T> with a KernelError (docs/design.md#errors-are-values). Re-exports the shared
 * errno table so engine code has one import.
 */
import { errnos, type Errno, type KernelError, type Retry } from '../../../shared/model/errno'

export { errnos, type Errno, type KernelError, type Retry }

export type KResult<T> = { ok: true; value: T } | { ok: false; error: KernelError }

export function ok<T>(value: T): KResult<T> {
  return { ok: true, value }
}

export function kerr(
  errno: Errno,
  fn: string,
  why: string,
  retry: Retry = 'never',
  remedy?: string,
  culprits?: readonly string[],
): KernelError {
  const e: KernelError = { errno, fn, why, retry }
  if (remedy !== undefined) e.remedy = remedy
  if (culprits !== undefined) e.culprits = culprits
  return e
}

export function fail<T = never>(error: KernelError): KResult<T> {
  return { ok: false, error }
}

/** The negative errno number the kernel returns (-EFAULT = -14). */
export function errnoValue(e: Errno): number {
  return -errnos[e].no
}
