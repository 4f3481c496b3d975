/**
 * Scenario setup builders: the operations that set the stage before a scenario's point is made
 * (offer BAR memory as p2pmem, map and touch a buffer, register device memory), written once for the
 * built-in library (./library.ts) and the kernel-case files (tests/scenarios/cases.ts).
 *
 * Each builder returns the plain operation object the scenario format holds, with its arguments in
 * the order the format lists them (the lab files are these objects as JSON). `more` adds the step's
 * narration and expectations.
 */
import type { Errno } from '../../../shared/model/errno'
import type { FollFlag } from '../../../shared/model/mm'
import { parseSize, type Expect, type Operation } from './schema'

/** A step's narration and expectations. */
export interface StepNotes {
  narration?: string
  expect?: Expect
}

type Size = string | number

/** The step fails with `errno`, for the reason the narration gives. */
export function failsWith(errno: Errno, narration: string): StepNotes {
  return { narration, expect: { errno } }
}

/** Only the keys whose value is given, in the order written. */
function given<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

/** pci_p2pdma_add_resource(): offer `bar` of `dev` (from `offset`, `size` bytes; 0 = the rest) as p2pmem. */
export function addResource(
  dev: string,
  bar: number,
  where: { size?: Size; offset?: Size } = {},
  more: StepNotes = {},
): Operation {
  return {
    op: 'p2pdma_add_resource',
    args: given({ dev, bar, size: where.size, offset: where.offset }),
    ...more,
  }
}

/** pci_p2pmem_publish(): the provider's memory may be found by pci_p2pmem_find(). */
export function publish(dev: string, more: StepNotes = {}): Operation {
  return { op: 'p2pmem_publish', args: { dev }, ...more }
}

/** Both: `dev`'s BAR offered as p2pmem and published. */
export function publishedP2pmem(dev: string, bar: number, size?: Size): Operation[] {
  return [addResource(dev, bar, { size }), publish(dev)]
}

/** mmap of /sys/bus/pci/devices/…/p2pmem/allocate (6.2+). */
export function mmapP2pmem(dev: string, len: Size, as: string, more: StepNotes = {}): Operation {
  return { op: 'mmap_p2pmem', args: { dev, len, as }, ...more }
}

/** pci_p2pmem_alloc_sgl(): a kernel user's scatterlist of p2pmem. */
export function allocSgl(dev: string, len: Size, as: string, more: StepNotes = {}): Operation {
  return { op: 'pci_p2pmem_alloc_sgl', args: { dev, len, as }, ...more }
}

/** pci_p2pdma_distance(provider, &client, 1, verbose): the path check that fills the map-type cache. */
export function distance(provider: string, client: string, more: StepNotes = {}): Operation {
  return { op: 'pci_p2pdma_distance', args: { provider, client }, ...more }
}

/** An anonymous mapping of `len` bytes named `as`. */
export function mmapAnon(len: Size, as: string, more: StepNotes = {}): Operation {
  return { op: 'mmap_anon', args: { len, as }, ...more }
}

/** The program writes `len` bytes of its buffer (page faults populate it). */
export function touch(buf: string, len: Size, more: StepNotes = {}): Operation {
  return { op: 'touch', args: { buf, len }, ...more }
}

/** An anonymous buffer the program has written all of: mmap_anon, then touch. */
export function writtenBuffer(as: string, len: Size): Operation[] {
  return [mmapAnon(len, as), touch(as, len)]
}

/** memremap_pages() of ZONE_DEVICE memory: `dev`'s VRAM as device-private or device-coherent. */
export function devmemAdd(
  dev: string,
  type: 'private' | 'coherent',
  size: Size,
  more: StepNotes = {},
): Operation {
  return { op: 'devmem_add', args: { dev, type, size }, ...more }
}

/** Device memory to migrate into and a written RAM buffer to migrate: devmem_add, mmap_anon, touch. */
export function devmemAndBuffer(
  mem: { dev: string; type: 'private' | 'coherent'; size: Size },
  buf: { as: string; len: Size },
): Operation[] {
  return [devmemAdd(mem.dev, mem.type, mem.size), ...writtenBuffer(buf.as, buf.len)]
}

/** The step returns `ret`, as the narration explains. */
export function returns(ret: number, narration: string): StepNotes {
  return { narration, expect: { ret } }
}

/** mmu_interval_notifier_insert(): `dev` mirrors buffer `buf`; the mirror is named `as`. */
export function mirrorRegister(dev: string, buf: string, as: string, more: StepNotes = {}): Operation {
  return { op: 'hmm_mirror_register', args: { dev, buf, as }, ...more }
}

/** A get_user_pages*() / pin_user_pages*() call on the first `npages` pages of buffer `buf`. */
export function gup(
  call: 'pin_user_pages_fast' | 'get_user_pages_fast' | 'pin_user_pages' | 'get_user_pages',
  buf: string,
  npages: number,
  flags: FollFlag[],
  more: StepNotes = {},
): Operation {
  return { op: call, args: { buf, npages, flags }, ...more }
}

/** An O_DIRECT read of `len` bytes from `disk` into buffer `buf`. */
export function pread(disk: string, buf: string, len: Size, more: StepNotes = {}): Operation {
  return { op: 'pread', args: { disk, buf, len }, ...more }
}

/** migrate_vma_*(): the device driver moves the first `npages` pages of `buf` into `dev`'s memory. */
export function migrateToDevice(buf: string, npages: number, dev: string, more: StepNotes = {}): Operation {
  return { op: 'migrate_to_device', args: { buf, npages, dev }, ...more }
}

/** `len` bytes of `provider`'s p2pmem in a new sg table `sgt`, then dma_map_sgtable() of it for `client`. */
export function mappedSgl(
  provider: string,
  len: Size,
  sgt: string,
  client: string,
  more: StepNotes = {},
): Operation[] {
  return [
    allocSgl(provider, len, sgt, { expect: { ret: 1 } }),
    { op: 'dma_map_sgtable', args: { dev: client, sgt }, ...more },
  ]
}

/** ibv_reg_mr(): an RDMA memory region `as` over `len` bytes of buffer `buf`, for `dev`, with `access`. */
export function regMr(
  dev: string,
  buf: string,
  len: Size,
  access: string[],
  as: string,
  more: StepNotes = {},
): Operation {
  return { op: 'ibv_reg_mr', args: { dev, buf, len, access, as }, ...more }
}

/** The NIC reads (or, with `write`, writes) `len` bytes of MR `mr` from `offset`; `race`: an invalidation races the fault. */
export function rdmaAccess(
  mr: string,
  at: { offset?: number; len: Size; write?: boolean; race?: boolean },
  more: StepNotes = {},
): Operation {
  return {
    op: 'rdma_access',
    args: given({ mr, offset: at.offset, len: at.len, write: at.write, race: at.race }),
    ...more,
  }
}

/**
 * The first RDMA WRITE over all `len` bytes of ODP MR `mr`, raced by an invalidation: the retry
 * (mmu_interval_read_retry()) faults every page in, so the NIC ends up with one device PTE a page.
 */
export function odpRacedFirstWrite(mr: string, len: Size, narration: string): Operation {
  const bytes = Number(parseSize(len))
  return {
    op: 'rdma_access',
    args: { mr, len, write: true, race: true },
    narration,
    expect: { ret: bytes, state: [{ devptes: mr, count: bytes / 4096 }] },
  }
}

/**
 * hmm_range_fault() of `npages` pages of p2pmem mapping `buf` for writing, on behalf of `dev`: 0,
 * and the first entry is the P2PDMA pfn with HMM_PFN_VALID | HMM_PFN_WRITE (VM_MIXEDMAP is walked
 * since 5.17). The range is named `as`.
 */
export function hmmFaultP2pmem(
  buf: string,
  npages: number,
  dev: string,
  as: string,
  narration: string,
): Operation {
  return {
    op: 'hmm_range_fault',
    args: { buf, npages, fault: true, write: true, dev, as },
    narration,
    expect: {
      ret: 0,
      state: [{ hmm: as, page: 0, flags: ['HMM_PFN_VALID', 'HMM_PFN_WRITE'], pfn: 'p2pdma' }],
    },
  }
}

/** munmap() of `len` bytes of buffer `buf` from `offset` (the whole buffer when neither is given). */
export function munmap(
  buf: string,
  at: { offset?: number; len?: Size } = {},
  more: StepNotes = {},
): Operation {
  return { op: 'munmap', args: given({ buf, offset: at.offset, len: at.len }), ...more }
}

/**
 * The process exits: exit_mmap() -> mmu_notifier_release(), and the ODP MR `mr` loses every device
 * PTE, its notifier's last event MMU_NOTIFY_RELEASE.
 */
export function exitReleasing(mr: string, notes: { narration: string }): Operation {
  return {
    op: 'exit',
    args: {},
    narration: notes.narration,
    expect: {
      state: [
        { devptes: mr, count: 0 },
        { notifier: mr, lastContains: 'MMU_NOTIFY_RELEASE' },
      ],
    },
  }
}
