/**
 * The address map view (`topology.iomem`): the CPU physical address space as /proc/iomem nests it,
 * the I/O port space as /proc/ioports does, and every endpoint's DMA view. Addresses are 0x… hex
 * strings (docs/design.md#the-ipc-contract); `size` is a byte count as a number (< 2^53 for any modelled range).
 */
export type AddressRangeKind =
  | 'ram' // System RAM (with struct page)
  | 'host_window' // a host bridge aperture (PCI Bus dddd:bb)
  | 'bridge_window' // a bridge's memory, prefetchable or I/O window
  | 'bar' // a BAR of a function
  | 'io_space' // the whole I/O port space

export interface AddressRange {
  start: string
  /** inclusive, like struct resource */
  end: string
  size: number
  name: string
  kind: AddressRangeKind
  /** The node id that owns the range (host bridge, bridge or function), if any. */
  owner: string | null
  /** pci_name() of the owner, if it is a PCI function. */
  bdf: string | null
  /** 'pref' / '64bit' / 'io' flags in /proc/iomem words. */
  flags: string[]
  children: AddressRange[]
}

export interface DeviceDmaView {
  id: string
  bdf: string
  label: string
  /** 'direct': dma-direct, DMA address = bus address; 'iommu': the DMA API hands out IOVAs of the device's domain. */
  mode: 'direct' | 'iommu'
  /** pci_bus_address() offset of the host bridge: bus address = CPU physical + busOffset. */
  busOffset: string
  hostBridge: string
  /** What the DMA view means for this device, in one sentence. */
  summary: string
  /** The device's own BARs as peers see them: CPU physical and PCI bus address. */
  bars: { index: number; cpu: string; bus: string; size: number }[]
}

export interface AddressMapView {
  /** Top-level physical ranges in address order, with nested children. */
  iomem: AddressRange[]
  /** I/O port ranges (host bridge I/O windows, bridge I/O windows, I/O BARs). */
  ioports: AddressRange[]
  dma: DeviceDmaView[]
  /** Simplifications the map makes, in plain words. */
  notes: string[]
}
