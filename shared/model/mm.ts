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
export const FOLL_FLAGS = ['FOLL_WRITE', 'FOLL_GET', 'FOLL_PIN', 'FOLL_LONGTERM', 'FOLL_FORCE', 'FOLL_PCI_P2PDMA', 'FOLL_FAST_ONLY'] as const
export type FollFlag = (typeof FOLL_FLAGS)[number]

/** enum memory_type (include/linux/memremap.h, current numbering: 0 is reserved). */
export type MemoryType = 'MEMORY_DEVICE_PRIVATE' | 'MEMORY_DEVICE_COHERENT' | 'MEMORY_DEVICE_FS_DAX' | 'MEMORY_DEVICE_GENERIC' | 'MEMORY_DEVICE_PCI_P2PDMA'

/** What backs a physical page: RAM with struct page, ZONE_DEVICE with a pgmap, or MMIO without struct page. */
export type PageKind = 'ram' | 'zone_device' | 'mmio'

/** DMA data direction (include/linux/dma-direction.h). */
export type DmaDirection = 'DMA_BIDIRECTIONAL' | 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE'
