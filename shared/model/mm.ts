/**
 * Memory-model vocabulary shared by the engine and the renderer: VMA flags, GUP flags, ZONE_DEVICE
 * memory types, page-table entry kinds. Spelled like the kernel (include/linux/mm.h,
 * include/linux/memremap.h).
 */

/** vm_flags bits the lab models (include/linux/mm.h). */
export const VM_FLAGS = [
  'VM_READ',
  'VM_WRITE',
  'VM_EXEC',
  'VM_SHARED',
  'VM_MAYREAD',
  'VM_MAYWRITE',
  'VM_MAYEXEC',
  'VM_MAYSHARE',
  'VM_IO',
  'VM_PFNMAP',
  'VM_MIXEDMAP',
  'VM_DONTEXPAND',
  'VM_DONTDUMP',
  'VM_DONTCOPY',
] as const
export type VmFlag = (typeof VM_FLAGS)[number]

/** gup_flags the lab models (include/linux/mm_types.h enum / mm.h FOLL_*). */
export const FOLL_FLAGS = [
  'FOLL_WRITE',
  'FOLL_GET',
  'FOLL_PIN',
  'FOLL_LONGTERM',
  'FOLL_FORCE',
  'FOLL_PCI_P2PDMA',
  'FOLL_FAST_ONLY',
] as const
export type FollFlag = (typeof FOLL_FLAGS)[number]

/** enum memory_type (include/linux/memremap.h, current numbering: 0 is reserved). */
export type MemoryType =
  | 'MEMORY_DEVICE_PRIVATE'
  | 'MEMORY_DEVICE_COHERENT'
  | 'MEMORY_DEVICE_FS_DAX'
  | 'MEMORY_DEVICE_GENERIC'
  | 'MEMORY_DEVICE_PCI_P2PDMA'

/** What backs a physical page: RAM with struct page, ZONE_DEVICE with a pgmap, or MMIO without struct page. */
export type PageKind = 'ram' | 'zone_device' | 'mmio'

/** DMA data direction (include/linux/dma-direction.h). */
export type DmaDirection = 'DMA_BIDIRECTIONAL' | 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE'

// ---- JSON-safe views of the engine's memory model (addresses as '0x…' strings) ----

export interface VmaView {
  key: string
  mm: string
  vm_start: string
  vm_end: string
  vm_flags: VmFlag[]
  vm_pgoff: string
  file: string | null
  vm_ops: string | null
  vm_page_prot: string
}

export interface PteRunView {
  mm: string
  va: string
  npages: string
  pfn: string
  present: boolean
  writable: boolean
  special: boolean
  devmap: boolean
}

export interface PageRunView {
  pfn: string
  count: string
  kind: 'ram' | 'zone_device'
  /** The pgmap's memory type for ZONE_DEVICE pages. */
  type: MemoryType | null
  pgmap: string | null
  refcount: number
  pins: number
  mapcount: number
}

export interface SgEntryView {
  page: string | null
  offset: number
  length: number
  dma_address: string | null
  dma_length: number
  bus_address: boolean
}

export interface SgTableView {
  id: string
  nents: number
  orig_nents: number
  /** BDF of the device it is mapped for, or null. */
  mappedFor: string | null
  sgl: SgEntryView[]
}

export interface P2pmemView {
  dev: string
  bdf: string
  size: string
  available: string
  published: boolean
  /** client BDF -> map type */
  map_types: Record<string, string>
}

export interface IomemRange {
  start: string
  end: string
  name: string
  /** 'System RAM', 'PCI BAR' (no struct page), 'ZONE_DEVICE' (a pgmap covers it). */
  kind: 'ram' | 'bar' | 'zone_device'
}

export interface WorldView {
  processes: { name: string; pid: number; comm: string; pinned_vm: string }[]
  vmas: VmaView[]
  ptes: PteRunView[]
  pages: PageRunView[]
  p2pmem: P2pmemView[]
  sgts: SgTableView[]
  iommu: { dev: string; bdf: string; iova: string; paddr: string; size: string }[]
  umems: { id: string; dev: string; address: string; length: string; npages: string }[]
  vars: Record<string, string>
  log: string[]
  iomem: IomemRange[]
}
