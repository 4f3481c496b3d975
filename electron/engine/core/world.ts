/**
 * The World: every piece of kernel state a scenario can change, as plain, immutable-ish data in
 * flat tables keyed by string ids. Nothing assigns to it except applyDelta() (docs/design.md#1-only-the-timeline-changes-the-world);
 * each delta replaces one table entry, so a changed world shares every untouched table and entry
 * with the one before it.
 *
 * Range-based throughout: a page run, a PTE run, an SG entry or an IOVA mapping covers any number of
 * pages, so a 64 GiB BAR or buffer is a handful of objects.
 *
 * The static topology (Machine) is not part of the world: it does not change while a scenario runs.
 */
import type { DmaDirection, MemoryType, VmFlag } from '../../../shared/model/mm'
import type { MapType } from '../../../shared/model/p2p'
import type { RngState } from './rng'
import { rngInit } from './rng'
import type { DmaAddr, Paddr, Pfn, Vaddr } from './addr'
import type { Delta } from './delta'
import { runsOf, runTable, type RunTable } from './runmap'

/** struct mm_struct, reduced to what the lab shows. */
export interface Mm {
  id: string
  pid: number
  comm: string
  /** mm->pinned_vm in pages (atomic64_t). */
  pinned_vm: bigint
  /** Where the next mmap() without MAP_FIXED is placed (bottom-up; Simplification: no mmap_base randomisation). */
  mmapNext: Vaddr
}

/** struct vm_area_struct. Key: `${mm}:${hex(vm_start)}`. */
export interface VmArea {
  mm: string
  vm_start: Vaddr
  vm_end: Vaddr
  vm_flags: readonly VmFlag[]
  /** vm_pgoff in pages; a pfnmap sets it to the first pfn (remap_pfn_range for COW, pci_mmap_resource_range). */
  vm_pgoff: bigint
  /** The backing file, e.g. '/dev/gpu0', '/sys/bus/pci/devices/0000:03:00.0/resource1', or null (anonymous). */
  file: string | null
  /** Name of the vm_operations_struct, e.g. 'pci_phys_vm_ops', or null. */
  vm_ops: string | null
  /** vm_page_prot as a name: 'PAGE_SHARED', 'pgprot_noncached', 'pgprot_writecombine', 'pgprot_device'. */
  vm_page_prot: string
}

/** A run of consecutive PTEs mapping consecutive pfns. Key: `${mm}:${hex(va)}`. */
export interface PteRun {
  mm: string
  va: Vaddr
  npages: bigint
  pfn: Pfn
  present: boolean
  writable: boolean
  /** pte_special(): set by remap_pfn_range/vmf_insert_pfn; vm_normal_page() returns NULL. */
  special: boolean
  /** pte_devmap() (ZONE_DEVICE pages mapped with struct page; removed in newer kernels). */
  devmap: boolean
  /**
   * A non-present swap-like entry: 'device_private' (make_writable_device_private_entry(), the page
   * was migrated to DEVICE_PRIVATE memory; pfn is the device page). Absent for ordinary PTEs.
   */
  swp?: 'device_private'
}

/** A run of struct pages with equal state. Key: hex(first pfn). */
export interface PageRun {
  pfn: Pfn
  count: bigint
  kind: 'ram' | 'zone_device'
  /** The dev_pagemap id for ZONE_DEVICE pages, else null. */
  pgmap: string | null
  /** page_ref_count(). Pins with FOLL_PIN add GUP_PIN_COUNTING_BIAS (1024) per pin on small folios. */
  refcount: number
  /** Number of FOLL_PIN pins (folio_maybe_dma_pinned()). Model bookkeeping, not a kernel field for small folios. */
  pins: number
  /** Number of FOLL_GET references (model bookkeeping). */
  gets: number
  /** Mapped into a page table (page_mapcount() > 0). */
  mapcount: number
}

/** struct dev_pagemap. Key: its id ('pgmap:<dev>:<bar>'). */
export interface DevPagemap {
  id: string
  type: MemoryType
  /** The owning PCI device node id. */
  dev: string
  bar: number
  start: Paddr
  size: bigint
  /** pci_p2pdma_pagemap.bus_offset: pci_bus_address() - pci_resource_start(). */
  bus_offset: bigint
  /** pgmap->owner (DEVICE_PRIVATE/COHERENT): compared with hmm_range.dev_private_owner and migrate owners. */
  owner?: string
  /** The ops table name (pgmap->ops, or the 2019 hmm_devmem_ops), e.g. 'dmirror_devmem_ops'. */
  ops?: string
  /** RFC 4/5: hmm_devmem_ops has p2p_map/p2p_unmap. */
  p2pMap?: boolean
}

/** One mmu_interval_notifier (mm/mmu_notifier.c). Key: its id. */
export interface IntervalNotifier {
  id: string
  mm: string
  start: Vaddr
  end: Vaddr
  /** Who registered it: 'odp' (ib_umem_odp), 'mirror' (a GPU mirror / dmirror), 'rfc' (2019 hmm_range). */
  kind: 'odp' | 'mirror' | 'rfc'
  /** The device node id of the driver. */
  dev: string
  /** The ops' invalidate callback name, e.g. 'ib_umem_notifier_invalidate_range_start'. */
  ops: string
  /** sub->invalidate_seq: odd from mmu_interval_set_seq() inside invalidate() until the mm's seq moves on. */
  invalidate_seq: number
  /** The last invalidation it received (event, range), for the lesson. */
  last: string | null
  /**
   * mmu_notifier_range.owner of that invalidation (the pgmap owner a migration passes as
   * MIGRATE_VMA_SELECT_DEVICE_PRIVATE's owner, a device node id), or null; absent before the
   * first invalidation.
   */
  lastOwner?: string | null
}

/** mm->notifier_subscriptions. Key: the mm id. */
export interface NotifierSubs {
  mm: string
  /** subscriptions->invalidate_seq: even when idle, odd during an invalidation. */
  invalidate_seq: number
}

/** A run of a device page table (an HMM mirror's GPU page table or an ODP MR's device PTEs). Key: `${owner}:${hex(va)}`. */
export interface DevPteRun {
  /** The notifier / umem that owns the device page table. */
  owner: string
  dev: string
  va: Vaddr
  npages: bigint
  pfn: Pfn
  writable: boolean
  /** The DMA address the device uses for the first page, or null (a mirror of device-private memory). */
  dma: DmaAddr | null
  /** HMM_PFN_P2PDMA / _BUS flags of the mapping, for the lesson. */
  how: string
}

/** An ODP umem (struct ib_umem_odp). Key: the MR name. */
export interface OdpUmem {
  id: string
  mm: string
  dev: string
  address: Vaddr
  length: bigint
  notifier: string
  /** Pages currently DMA-mapped (device PTEs present). */
  npagesMapped: bigint
}

/** A dma-buf (struct dma_buf) and its exporter's state. Key: the scenario's name. */
export interface DmaBuf {
  id: string
  exporter: 'amdgpu' | 'vfio'
  dev: string
  size: bigint
  /** amdgpu: where the BO lives. */
  placement: 'VRAM' | 'GTT' | null
  /** amdgpu: BO offset in VRAM (aperture), and the GTT pages after a move. */
  vramOffset: bigint
  gttPfn: Pfn | null
  pinCount: number
  /** vfio: the BAR and the exported physical ranges. */
  bar: number | null
  phys: readonly { start: Paddr; len: bigint }[]
  revoked: boolean
  /** dma_resv kernel fences not yet signalled (the lab's switch for dma_resv_wait_timeout()). */
  fencePending: boolean
}

/** struct dma_buf_attachment. Key: the scenario's name. */
export interface DmaBufAttachment {
  id: string
  dmabuf: string
  dev: string
  dynamic: boolean
  peer2peer: boolean
  /** importer_ops name with a move_notify, or null. */
  importerOps: string | null
  /** The mapped sg table id, or null. */
  sgt: string | null
  /** Who imported it: an ib_umem_dmabuf id, or null. */
  importer: string | null
  moveNotifies: number
}

/** struct ib_umem_dmabuf. Key: the MR name. */
export interface UmemDmabuf {
  id: string
  dev: string
  attach: string
  offset: bigint
  length: bigint
  revoked: boolean
  /** The trimmed first/last entries' originals while mapped (first_sg_offset, last_sg_trim). */
  firstSgOffset: bigint
  lastSgTrim: bigint
}

/** One gen_pool chunk allocation in a provider's p2pmem pool. */
export interface PoolAlloc {
  start: Paddr
  size: bigint
  /** Who holds it: a VMA key for p2pmem mmaps, a var name for pci_alloc_p2pmem. */
  owner: string
}

/** struct pci_p2pdma of one provider. Key: the provider's node id. */
export interface P2pdmaState {
  dev: string
  /**
   * The gen_pool chunks, newest first (gen_pool_add_owner() uses list_add_rcu(), and allocation walks
   * the list in order): [start, start+size) in CPU physical addresses (the kernel's chunks record bus
   * addresses as "phys"; the lab keeps the pgmap's bus_offset instead).
   */
  chunks: readonly { start: Paddr; size: bigint; bar: number; pgmap: string }[]
  allocs: readonly PoolAlloc[]
  /** p2pmem_published */
  published: boolean
  /** The map_types xarray: client node id -> map type (5.4+). */
  map_types: Readonly<Record<string, MapType>>
}

/** One struct scatterlist entry. */
export interface SgEntry {
  /** sg_page(): first pfn of the segment, or null for sg_set_page(sg, NULL, ...). */
  page: Pfn | null
  offset: number
  length: number
  dma_address: DmaAddr | null
  dma_length: number
  /** SG_DMA_BUS_ADDRESS in sg->dma_flags (6.0+). */
  bus_address: boolean
}

/** struct sg_table. Key: the scenario's name for it ('sgt0'). */
export interface SgTable {
  id: string
  sgl: readonly SgEntry[]
  orig_nents: number
  /** Mapped DMA segments (0 while unmapped). */
  nents: number
  /** The device it is mapped for (node id), null while unmapped. */
  mappedFor: string | null
  dir: DmaDirection | null
  /** IOVA ranges this mapping allocated (to free on unmap). */
  iovas: readonly string[]
}

/** One IOMMU mapping IOVA -> CPU physical. Key: `${domainDev}:${hex(iova)}`. */
export interface IovaMapping {
  dev: string
  iova: DmaAddr
  paddr: Paddr
  size: bigint
  /**
   * The IOVA allocation it belongs to (the base IOVA of one iommu_dma_alloc_iova() /
   * dma_iova_try_alloc() range, as hex): several mappings of one sg table share it.
   */
  alloc?: string
}

/** Per-device IOMMU domain bookkeeping. Key: device node id. */
export interface IommuDomain {
  dev: string
  /** Next IOVA top (the allocator hands out ranges top-down below it). */
  iovaTop: bigint
}

/** struct ib_umem (RDMA memory region). Key: the scenario's name. */
export interface Umem {
  id: string
  mm: string
  dev: string
  address: Vaddr
  length: bigint
  pages: readonly { pfn: Pfn; count: bigint }[]
  sgt: string
}

/**
 * Entries of a pages[] array GUP counted but never wrote (the 5.6–5.17 FOLL_PIN bug: follow_pfn_pte()
 * returned -EEXIST for a raw pfn and __get_user_pages() skipped the entry, 7196040e19ad): `at` is the
 * array index, `pfn` the raw pfn the PTE maps there.
 */
export interface PagesHole {
  at: bigint
  count: bigint
  pfn: Pfn
}

/** A name a scenario gave to a result: a user buffer, a pinned pages array. Key: the name. */
export type Var =
  | { kind: 'buf'; mm: string; va: Vaddr; len: bigint; vma: string }
  | {
      kind: 'pages'
      mm: string
      /** The struct pages GUP returned, in array order (holes left out). */
      runs: readonly { pfn: Pfn; count: bigint }[]
      foll: 'pin' | 'get'
      /** Array entries GUP never wrote (see PagesHole); absent when there are none. */
      holes?: readonly PagesHole[]
    }
  /** A struct pci_dev * a kernel call returned (pci_p2pmem_find_many()), or NULL. */
  | { kind: 'pci_dev'; dev: string | null }
  /** A kernel virtual address (pci_alloc_p2pmem()): `provider` is the device it came from. */
  | { kind: 'kaddr'; addr: bigint; size: bigint; provider: string }
  /** A number a kernel call returned (pci_p2pmem_virt_to_bus(): a pci_bus_addr_t). */
  | { kind: 'value'; value: bigint; what: string }
  | {
      /** The output of hmm_range_fault() (or the 2019 hmm_vma_fault/hmm_range_dma_map): runs of equal entries. */
      kind: 'hmm'
      mm: string
      start: Vaddr
      npages: bigint
      /** dev_private_owner / the mirroring device. */
      dev: string
      entries: readonly HmmEntryRun[]
      /** The notifier it was faulted under (read_begin seq), or null. */
      notifier: string | null
      seq: number | null
    }

/** A run of hmm_pfns[] entries: consecutive pages with consecutive pfns (or none) and equal flags. */
export interface HmmEntryRun {
  /** Index of the first page in the range. */
  idx: bigint
  count: bigint
  /** The pfn part of the first entry, or null (HMM_PFN_ERROR / SPECIAL / NONE). */
  pfn: Pfn | null
  /** HMM_PFN_* names set in each entry (current API), or the 2019 value names (HMM_PFN_SPECIAL, HMM_PFN_P2P). */
  flags: readonly string[]
  /** DMA address of the first page after hmm_dma_map_pfn / hmm_range_dma_map / p2p_map, or null. */
  dma: DmaAddr | null
}

/**
 * One WARN_ON()/WARN_ON_ONCE() that printed a splat (lib/bug.c report_bug() -> kernel/panic.c
 * __warn()). Key: a zero-padded sequence number. A WARN_ON_ONCE() site with an entry here stays
 * silent for the rest of the boot (BUGFLAG_DONE); any entry means TAINT_WARN is set.
 */
export interface WarnEvent {
  /** The site's id (core/warn.ts WARN_SITES). */
  site: string
  /** The function containing the WARN (the RIP of the splat). */
  fn: string
  file: string
  line: number
  once: boolean
  pid: number
  comm: string
}

/**
 * A struct device that is not a PCI function, declared by a scenario (`devices`): a platform device,
 * or a class device under a PCI function (an ib_device, a block device, a net device).
 * Key: its dev_name().
 */
export interface PlainDevice {
  name: string
  kind: 'platform' | 'ib_device' | 'block' | 'net'
  /** dev_driver_string(): the bound driver, else the bus ('platform') or class name. */
  driverString: string
  /** The parent: a topology node id (a PCI function), another PlainDevice's name, or null. */
  parent: { pci: string } | { dev: string } | null
}

/** Kernel-wide state that is not a table. */
export interface SysState {
  rng: RngState
  /** Next free RAM pfn of the (bump) page allocator. */
  ramNext: Pfn
  /** security_locked_down(LOCKDOWN_PCI_ACCESS) would refuse. */
  lockdown: boolean
  nextPid: number
}

export interface World {
  sys: SysState
  mms: Readonly<Record<string, Mm>>
  /** Ordered by (mm, vm_start): core/runmap.ts. */
  vmas: RunTable<VmArea>
  /** Ordered by (mm, va). */
  ptes: RunTable<PteRun>
  /** Ordered by pfn. */
  pages: RunTable<PageRun>
  pgmaps: Readonly<Record<string, DevPagemap>>
  p2pdma: Readonly<Record<string, P2pdmaState>>
  sgts: Readonly<Record<string, SgTable>>
  iovas: Readonly<Record<string, IovaMapping>>
  domains: Readonly<Record<string, IommuDomain>>
  umems: Readonly<Record<string, Umem>>
  vars: Readonly<Record<string, Var>>
  notifiers: Readonly<Record<string, IntervalNotifier>>
  subs: Readonly<Record<string, NotifierSubs>>
  devptes: Readonly<Record<string, DevPteRun>>
  odps: Readonly<Record<string, OdpUmem>>
  dmabufs: Readonly<Record<string, DmaBuf>>
  attachments: Readonly<Record<string, DmaBufAttachment>>
  umemDmabufs: Readonly<Record<string, UmemDmabuf>>
  /** Kernel log lines (dmesg), keyed by a zero-padded sequence number. */
  log: Readonly<Record<string, string>>
  /** WARN splats printed so far (the WARN_ON_ONCE state and TAINT_WARN). */
  warnings: Readonly<Record<string, WarnEvent>>
  /** Devices that are not PCI functions (scenario `devices`). */
  devices: Readonly<Record<string, PlainDevice>>
}

export type Table = Exclude<keyof World, 'sys'>
export type Row<T extends Table> = World[T][string]

/** Simplification: RAM is one fixed range [4 GiB, 68 GiB); pages are handed out bump-wise from its start. */
export const RAM_START = 0x1_0000_0000n
export const RAM_SIZE = 64n << 30n

export function emptyWorld(seed: number): World {
  return {
    sys: { rng: rngInit(seed), ramNext: (RAM_START >> 12n) as Pfn, lockdown: false, nextPid: 1000 },
    mms: {},
    vmas: runTable<VmArea>(),
    ptes: runTable<PteRun>(),
    pages: runTable<PageRun>(),
    pgmaps: {},
    p2pdma: {},
    sgts: {},
    iovas: {},
    domains: {},
    umems: {},
    vars: {},
    notifiers: {},
    subs: {},
    devptes: {},
    odps: {},
    dmabufs: {},
    attachments: {},
    umemDmabufs: {},
    log: {},
    warnings: {},
    devices: {},
  }
}

/**
 * Apply one delta: the only way the world changes. Returns a new World; the old one is untouched.
 * Throws (an engine bug, VM_BUG_ON) when the delta's `before` does not match the world.
 * A run table (vmas, ptes, pages) changes in O(log n) and shares the rest with the old world; a
 * plain table is copied.
 */
export function applyDelta(w: World, d: Delta): World {
  if (d.op === 'sys') return { ...w, sys: d.after }
  const table = w[d.table] as Record<string, unknown>
  const cur = table[d.key]
  if ((cur === undefined) !== (d.before === null)) {
    throw new Error(
      `applyDelta: ${d.table}[${d.key}] is ${cur === undefined ? 'absent' : 'present'} but the delta expects the opposite`,
    )
  }
  const runs = runsOf(table)
  if (runs) return { ...w, [d.table]: runTable(runs.with(d.key, d.after)) }
  const next = { ...table }
  if (d.after === null) delete next[d.key]
  else next[d.key] = d.after
  return { ...w, [d.table]: next }
}

export function applyAll(w: World, ds: readonly Delta[]): World {
  if (ds.length === 1) return applyDelta(w, ds[0]!)
  // Copy each touched table once, then write into the copy (the input world is never modified).
  let x = w
  const owned = new Set<Table>()
  for (const d of ds) {
    if (d.op === 'sys') {
      x = { ...x, sys: d.after }
      continue
    }
    x = writeOwned(x, owned, d)
  }
  return x
}

function writeOwned(x: World, owned: Set<Table>, d: Extract<Delta, { op: 'set' }>): World {
  let table = x[d.table] as Record<string, unknown>
  if (runsOf(table)) return applyDelta(x, d)
  if (!owned.has(d.table)) {
    table = { ...table }
    x = { ...x, [d.table]: table }
    owned.add(d.table)
  }
  const cur = table[d.key]
  if ((cur === undefined) !== (d.before === null)) {
    throw new Error(
      `applyDelta: ${d.table}[${d.key}] is ${cur === undefined ? 'absent' : 'present'} but the delta expects the opposite`,
    )
  }
  if (d.after === null) delete table[d.key]
  else table[d.key] = d.after
  return x
}

/**
 * A change being prepared: records deltas (before taken from the world as changed so far) and keeps
 * the resulting world so later reads in the same step see earlier writes. A generator yields
 * `frame.mutate(tx.deltas, why)`; the Timeline then applies exactly those deltas.
 */
export class Tx {
  world: World
  readonly deltas: Delta[] = []
  constructor(world: World) {
    this.world = world
  }
  private readonly owned = new Set<Table>()
  set<T extends Table>(table: T, key: string, after: Row<T> | null): this {
    const before = ((this.world[table] as Record<string, Row<T>>)[key] ?? null) as Row<T> | null
    if (before === null && after === null) return this
    const d = { op: 'set', table, key, before, after } as Extract<Delta, { op: 'set' }>
    this.deltas.push(d)
    this.world = writeOwned(this.world, this.owned, d)
    return this
  }
  sys(after: SysState): this {
    const d: Delta = { op: 'sys', before: this.world.sys, after }
    this.deltas.push(d)
    this.world = applyDelta(this.world, d)
    return this
  }
  get empty(): boolean {
    return this.deltas.length === 0
  }
}
