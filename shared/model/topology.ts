/**
 * The topology a user builds, imports or loads from a lab file (the *spec*), as plain JSON data.
 *
 * This is what crosses the IPC boundary and what lab files store. The engine turns a spec into an
 * enumerated machine (bus numbers, windows, BAR addresses, effective ACS) in
 * electron/engine/topology/build.ts; nothing here is derived.
 *
 * Identity follows hwloc's gp_index idea: `id` is stable across edits; the BDF is derived by
 * enumeration and may change when a user re-parents a switch.
 */

/**
 * Kernel eras the engine models, oldest first: the one ordered list of era ids (the schemas validate
 * against it). Everything else about an era — its release, label, distributions, rules, which kernel
 * names and behaviours it has — is in the engine's era table (electron/engine/era/), which asks this
 * list for the order.
 */
export const ERAS = [
  'v5.0',
  'v5.0-rfc',
  'v5.2',
  'v5.4',
  'v5.10',
  'v5.15',
  'v6.0',
  'v6.1',
  'v6.2',
  'v6.4',
  'v6.12',
  'v6.16',
  'v7.2',
  'next',
] as const
export type Era = (typeof ERAS)[number]

/** ACS capability / control bits, spelled like PCI_ACS_* in include/uapi/linux/pci_regs.h. */
export const ACS_FLAGS = ['SV', 'TB', 'RR', 'CR', 'UF', 'EC', 'DT'] as const
export type AcsFlag = (typeof ACS_FLAGS)[number]
/** PCI_ACS_SV 0x01, TB 0x02, RR 0x04, CR 0x08, UF 0x10, EC 0x20, DT 0x40 (pci_regs.h). */
export const ACS_BIT: Record<AcsFlag, number> = {
  SV: 0x01,
  TB: 0x02,
  RR: 0x04,
  CR: 0x08,
  UF: 0x10,
  EC: 0x20,
  DT: 0x40,
}

/** What kind of device an endpoint is (the lab's model of its driver and BARs). */
export const ENDPOINT_TYPES = [
  'gpu',
  'rnic',
  'nic',
  'nvme',
  'ahci',
  'accelerator',
  'nvswitch',
  'generic',
] as const
export type EndpointType = (typeof ENDPOINT_TYPES)[number]

/** The kinds of node in a lab's tree; docs/glossary.md defines each word. */
export const NODE_KINDS = [
  'host_bridge', // a pci_host_bridge with its root bus (not itself a pci_dev)
  'root_port', // PCI Express Root Port (a pci_dev on the root bus)
  'switch_upstream', // Switch Upstream Port
  'switch_downstream', // Switch Downstream Port
  'pci_bridge', // any other PCI-to-PCI bridge (PCIe-to-PCI, legacy) — walked like any bridge
  'endpoint', // an endpoint function (or a Root Complex Integrated Endpoint when its parent is a host bridge)
] as const
export type NodeKind = (typeof NODE_KINDS)[number]

export type CpuVendor = 'intel' | 'amd' | 'hygon' | 'other'

/** cpu_data(0): what cpu_supports_p2pdma() in drivers/pci/p2pdma.c reads (x86_vendor, x86 family). */
export interface CpuSpec {
  vendor: CpuVendor
  /** x86 family as the kernel computes it (base + extended), e.g. 0x17 for Zen, 0x19 for Zen 3/4, 6 for Intel. */
  family: number
  model?: number
  name?: string
}

/** A CPU the lab offers by name (CLI --cpu, the app's CPU menu), and what cpu_supports_p2pdma() says of it. */
export interface CpuPreset {
  /** The CLI's name: 'amd-zen', 'hygon', … */
  key: string
  label: string
  cpu: CpuSpec
  /** cpu_supports_p2pdma() (drivers/pci/p2pdma.c): AMD family >= 0x17. */
  p2pdma: boolean
}

export interface BarSpec {
  /** BAR index 0..5 (a 64-bit BAR also consumes index+1). */
  index: number
  /** Size in bytes, a power of two (memory BARs >= 16 bytes, I/O BARs >= 4 bytes). */
  size: number
  /** I/O-port BAR (IORESOURCE_IO) instead of memory (IORESOURCE_MEM). */
  io?: boolean
  mem64?: boolean
  prefetch?: boolean
}

export interface AcsSpec {
  /** ACS Capability register bits the function implements. Absent = no ACS extended capability. */
  cap: AcsFlag[]
  /** ACS Control register as firmware left it at boot, before the kernel's pci_enable_acs(). */
  ctrl: AcsFlag[]
}

export interface HostBridgeSpec {
  domain: number
  /** First bus number of the root bus (00 for the first host bridge, 0x80 for a second one, ...). */
  rootBus: number
  /** Last bus number this host bridge decodes; defaults to rootBus + 0x7f capped at 0xff. */
  busEnd?: number
  numaNode: number
  /** The CPUs local to this host bridge, as a Linux CPU list ('0-23,48-71'; sysfs local_cpulist), when known. */
  cpus?: string
  /**
   * The pci_dev at devfn 00.0 on the root bus, if the platform has one (e.g. 8086:2020 "Sky Lake-E DMI3
   * Registers", 1022:1480 AMD root complex). pci_host_bridge_dev() may pick it as the whitelist key.
   * null: no such device (then the first device on the root bus decides, see pci_host_bridge_dev()).
   */
  hostDevice: { vendor: number; device: number; classCode?: number; label?: string } | null
  /** CPU physical base of the host bridge's MMIO window used for 64-bit BARs; auto when absent. */
  mmioBase?: number
  /** Size of that window in bytes; auto when absent. */
  mmioSize?: number
  /** bus address = CPU physical address + busOffset (pci_bus_address(); 0 on typical x86). */
  busOffset?: number
}

export interface EndpointSpec {
  type: EndpointType
  bars: BarSpec[]
  /** Kernel driver name used as the pci_warn() prefix (nvme, mlx5_core, nvidia, amdgpu, ahci). */
  driver?: string
  /** Block devices: does the request queue support P2PDMA (blk_queue_pci_p2pdma)? nvme: yes, ahci: no. */
  queueP2p?: boolean
  /** Which BAR a p2pmem provider registers with pci_p2pdma_add_resource() (e.g. NVMe CMB BAR, GPU BAR1). */
  p2pmemBar?: number
  /** OS device name(s), e.g. nvme0n1, mlx5_0, sda. */
  osDevices?: string[]
}

export interface TopoNodeSpec {
  id: string
  kind: NodeKind
  /** The parent node id: a host bridge or a bridge (root/downstream port, upstream port, pci bridge). */
  parent: string | null
  label?: string
  /** Device number on the parent's secondary (or root) bus, 0..31; assigned in order when absent. */
  slot?: number
  /** Function number 0..7; functions sharing a parent and slot form one multi-function device. */
  fn?: number
  vendor?: number
  device?: number
  /** 24-bit class code, e.g. 0x030200 (3D controller), 0x010802 (NVMe). */
  classCode?: number
  acs?: AcsSpec
  host?: HostBridgeSpec
  endpoint?: EndpointSpec
}

export interface MachineSpec {
  name: string
  /** null: infer from the host bridge vendors, and report the assumption. */
  cpu: CpuSpec | null
  nodes: TopoNodeSpec[]
}

export interface LabSettings {
  era: Era
  /** An IOMMU driver is active and called pci_request_acs() (intel_iommu=on, amd_iommu, arm-smmu-v3). */
  iommu: boolean
  /** The value of pci=disable_acs_redir= (e.g. "0000:02:00.0;0000:02:01.0"), "" for none. */
  disableAcsRedir: string
  /** v5.0-rfc only: RFC 1/5 pci_test_p2p() as posted (always false) or as intended. */
  rfcTestP2p: 'as-posted' | 'as-intended'
  /** Seed of the engine's RNG (pci_p2pmem_find_many's random choice, ...). */
  seed: number
}

export const LAB_FORMAT = 'p2p-dma-lab' as const
export const LAB_SCHEMA_VERSION = 1 as const

export interface LabFile {
  format: typeof LAB_FORMAT
  schemaVersion: number
  name: string
  description?: string
  machine: MachineSpec
  settings: LabSettings
  /** A workshop course over the lab's scenarios (their exercises, in order). */
  course?: { title: string; description?: string }
  /** Added by later issues (scenarios, exercises); kept opaque and preserved here. */
  scenarios?: unknown[]
}

/** Where an imported or validated fact came from and what had to be assumed. */
export interface ImportReport {
  format: ImportFormat
  source: string
  /** Counts from the source file, e.g. { pciDevices: 324, bridges: 99, hostBridges: 8 }. */
  counts: Record<string, number>
  /** What this format cannot carry (no BARs, no ACS, ...). */
  cannotCarry: string[]
  /** What the importer assumed in place of missing facts. */
  assumed: string[]
  warnings: string[]
}

export type ImportFormat =
  'lab' | 'lspci-vvv' | 'lspci-tv' | 'hwloc-xml' | 'nvidia-smi-topo' | 'nccl-xml' | 'sysfs'

/** A located, human-readable problem with user input (a file, a topology, an IPC payload). */
export interface InputIssue {
  /** What the location refers to: a file path, or "topology", or an IPC channel. */
  source: string
  /** 1-based line when the input is text, or a node id / JSON path / XML element path. */
  line?: number
  column?: number
  path?: string
  nodeId?: string
  message: string
}

/** Settings of a new lab: the 6.12 LTS kernel (checked against a real kernel, docs/kernel/oracle.md), no IOMMU. */
export const DEFAULT_SETTINGS: LabSettings = {
  era: 'v6.12',
  iommu: false,
  disableAcsRedir: '',
  rfcTestP2p: 'as-posted',
  seed: 1,
}
