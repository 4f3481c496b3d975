/**
 * The enumerated machine: what the kernel knows after PCI enumeration (drivers/pci/probe.c) and
 * resource assignment (drivers/pci/setup-bus.c), computed from a MachineSpec by build.ts.
 *
 * Ids are the spec's node ids. Relations are ids, never pointers (docs/design.md#the-domain-model).
 */
import type { CpuSpec, EndpointSpec, LabSettings, NodeKind } from '../../../shared/model/topology'

/** PCI Express Capability "Device/Port Type" plus the non-PCIe cases the walk cares about. */
export type PcieType =
  | 'root_port' // PCI_EXP_TYPE_ROOT_PORT
  | 'upstream' // PCI_EXP_TYPE_UPSTREAM
  | 'downstream' // PCI_EXP_TYPE_DOWNSTREAM
  | 'pci_bridge' // PCI_EXP_TYPE_PCI_BRIDGE or a conventional P2P bridge
  | 'endpoint' // PCI_EXP_TYPE_ENDPOINT
  | 'rc_endpoint' // PCI_EXP_TYPE_RC_END (an endpoint on the root bus)
  | 'host_device' // the host bridge's own function at 00.0 on the root bus (class 0x0600)

export interface Bar {
  index: number
  size: number
  io: boolean
  mem64: boolean
  prefetch: boolean
  /** CPU physical start (pci_resource_start); for I/O BARs an I/O port number. */
  start: number
  /** PCI bus address of the start (pci_bus_address = start + host busOffset). */
  busStart: number
}

export interface Window {
  start: number
  /** inclusive end, like struct resource; end < start means the window is closed */
  end: number
}

export interface PciDev {
  id: string
  /** Its place in Machine.devs (insertion order, from 0): a dense number for typed-array tables. */
  index: number
  kind: NodeKind
  pcieType: PcieType
  label: string
  /** Kernel-style name: pci_name() = 'dddd:bb:dd.f' */
  bdf: string
  domain: number
  bus: number
  slot: number
  fn: number
  devfn: number
  vendor: number
  device: number
  classCode: number
  /** The host bridge node id this function sits under. */
  hostBridge: string
  /**
   * pci_upstream_bridge(): the bridge whose secondary bus this function sits on, or null on a root bus.
   * (It is the spec parent unless the parent is the host bridge.)
   */
  upstream: string | null
  /** Bridge functions below this one on its secondary bus (bridges only), in devfn order. */
  children: string[]
  isBridge: boolean
  /** Another function shares this function's bus and device number (a multi-function device). */
  isMultiFunction: boolean
  /** Bridges: secondary and subordinate bus numbers. */
  secondary: number | null
  subordinate: number | null
  /** Bridges: memory window (non-prefetchable) and prefetchable window, CPU physical. */
  memWindow: Window | null
  prefWindow: Window | null
  /** Bridges: I/O window (port numbers). */
  ioWindow: Window | null
  bars: Bar[]
  /** ACS extended capability (bitmask of PCI_ACS_*) or null when the function has none. */
  acsCap: number | null
  /** ACS Control after boot: firmware value, then pci_enable_acs() and pci=disable_acs_redir=. */
  acsCtrl: number
  /** ACS Control as firmware left it (spec value). */
  acsCtrlFirmware: number
  endpoint: EndpointSpec | null
  /** Kernel driver name for log prefixes ('pcieport' for ports, 'pci' when unknown). */
  driver: string
}

export interface HostBridge {
  id: string
  label: string
  domain: number
  busStart: number
  busEnd: number
  numaNode: number
  busOffset: number
  /** The MMIO window (CPU physical) BARs were placed in. */
  mmio: Window
  /** The below-4G MMIO window that non-prefetchable and 32-bit BARs were placed in. */
  mmio32: Window
  /** The I/O port range of this host bridge (closed when no I/O BARs sit below it). */
  io: Window
  /** Functions on the root bus in devfn order (host->bus->devices). */
  rootBusDevices: string[]
}

export interface Machine {
  name: string
  cpu: CpuSpec
  /** Whether the CPU came from the spec or was inferred (and why). */
  cpuInferred: boolean
  cpuWhy: string
  settings: LabSettings
  hostBridges: HostBridge[]
  /**
   * Every pci_dev by node id, in enumeration (depth-first, devfn) order. The host bridge's own
   * device at 00.0 (HostBridgeSpec.hostDevice) is a pci_dev too: id `<host bridge id>/hostdev`,
   * kind 'host_bridge', pcieType 'host_device'.
   */
  devs: Map<string, PciDev>
  byBdf: Map<string, string>
  /** Boot log lines the kernel would print while setting up ACS (pci_std_enable_acs, disable_acs_redir). */
  bootLog: string[]
  assumptions: string[]
}
