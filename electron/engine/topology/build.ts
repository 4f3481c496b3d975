/**
 * Builds the enumerated Machine from a MachineSpec: what the kernel knows after PCI enumeration
 * (drivers/pci/probe.c), resource assignment (drivers/pci/setup-bus.c) and ACS setup
 * (drivers/pci/pci.c: pci_enable_acs()). Pure and deterministic; never throws on bad input, it
 * returns located issues instead.
 *
 * Era: enumeration and resource assignment are the same for every era the lab models; the
 * pci=disable_acs_redir= arithmetic changed (see configAcs()).
 */
import { behaves } from '../era/index'
import {
  ACS_BIT,
  type AcsFlag,
  type CpuSpec,
  type EndpointSpec,
  type EndpointType,
  type InputIssue,
  type LabSettings,
  type MachineSpec,
  type TopoNodeSpec,
} from '../../../shared/model/topology'
import type { Bar, HostBridge, Machine, PciDev, PcieType, Window } from './types'
import {
  isBridgeKind,
  nodeName,
  stableSort,
  validateMachine,
  type Layout,
  type ResolvedNode,
} from './validate'
import { cpuFromHostBridgeVendor } from '../p2pdma/cpu'

export type BuildResult = { ok: true; machine: Machine } | { ok: false; issues: InputIssue[] }

const MiB = 1024 * 1024
const GiB = 1024 * MiB
/** Default 64-bit MMIO window of the first host bridge: Skylake-SP firmware puts socket 0's at 0x3800_0000_0000. */
export const DEFAULT_MMIO64_BASE = 0x3800_0000_0000
/** Default size of an automatic 64-bit window (256 GiB), grown to the next power of two when needed. */
export const DEFAULT_MMIO64_SIZE = 256 * GiB
/** Below-4G MMIO hole used for 32-bit / non-prefetchable BARs: [0xc000_0000, 0xfec0_0000) (IOAPIC above). */
export const MMIO32_BASE = 0xc000_0000
export const MMIO32_LIMIT = 0xfec0_0000
/** I/O port space handed to host bridges: [0x1000, 0x10000). */
export const IO_BASE = 0x1000
export const IO_LIMIT = 0x1_0000

const RR_CR_EC = ACS_BIT.RR | ACS_BIT.CR | ACS_BIT.EC

/** Host-device suffix of a node id: '/' is not allowed in spec ids, so it can never clash. */
export const HOST_DEVICE_SUFFIX = '/hostdev'

/** Two lowercase hex digits of every byte: pci_name() is called for every function. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hex(n: number, width: 2 | 4): string {
  if (Number.isInteger(n) && n >= 0 && n < 0x100) return width === 2 ? HEX2[n]! : '00' + HEX2[n]!
  if (width === 4 && Number.isInteger(n) && n >= 0 && n < 0x10000) return HEX2[n >> 8]! + HEX2[n & 0xff]!
  return n.toString(16).padStart(width, '0')
}

/** 'dd.f' of every devfn (slot * 8 + fn): the end of pci_name(). */
const DEVFN_NAME: readonly string[] = Array.from({ length: 256 }, (_, i) => `${HEX2[i >> 3]!}.${i & 7}`)

/** pci_name(): 'dddd:bb:dd.f', lowercase hex. */
export function pciName(domain: number, bus: number, slot: number, fn: number): string {
  return busName(domain, bus) + devfnName(slot, fn)
}

/** 'dddd:bb:', the start of pci_name() of every function on a bus. */
function busName(domain: number, bus: number): string {
  return hex(domain, 4) + ':' + hex(bus, 2) + ':'
}

/** 'dd.f', the end of pci_name(). */
function devfnName(slot: number, fn: number): string {
  if (Number.isInteger(slot) && slot >= 0 && slot < 32 && Number.isInteger(fn) && fn >= 0 && fn < 8)
    return DEVFN_NAME[slot * 8 + fn]!
  return hex(slot, 2) + '.' + fn
}

export function acsBits(flags: readonly AcsFlag[]): number {
  let m = 0
  for (const f of flags) m |= ACS_BIT[f]
  return m
}

function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align
}

function nextPow2(x: number): number {
  let p = 1
  while (p < x) p *= 2
  return p
}

const CLOSED: Window = { start: 0, end: -1 }

/** The PCI class code an endpoint of each type gets when the lab gives none (an RDMA NIC: 0200). */
export const ENDPOINT_CLASS: Record<EndpointType, number | null> = {
  gpu: 0x030200,
  rnic: 0x020000,
  nic: 0x020000,
  nvme: 0x010802,
  ahci: 0x010601,
  accelerator: 0x120000,
  nvswitch: 0x068000,
  generic: null,
}

function defaultClass(n: TopoNodeSpec): number {
  if (isBridgeKind(n.kind)) return 0x060400
  return (n.endpoint && ENDPOINT_CLASS[n.endpoint.type]) ?? 0xff0000
}

/** The kernel driver that binds (used as the pci_warn()/dev_warn() prefix). */
export function driverName(kind: TopoNodeSpec['kind'], vendor: number, ep: EndpointSpec | undefined): string {
  if (kind === 'root_port' || kind === 'switch_upstream' || kind === 'switch_downstream') return 'pcieport'
  if (!ep) return 'pci'
  if (ep.driver) return ep.driver
  switch (ep.type) {
    case 'nvme':
      return 'nvme'
    case 'rnic':
      return 'mlx5_core'
    case 'ahci':
      return 'ahci'
    case 'gpu':
      return vendor === 0x10de ? 'nvidia' : vendor === 0x1002 ? 'amdgpu' : 'pci'
    default:
      return 'pci'
  }
}

function pcieTypeOf(n: TopoNodeSpec, parentKind: TopoNodeSpec['kind'] | null): PcieType {
  switch (n.kind) {
    case 'root_port':
      return 'root_port'
    case 'switch_upstream':
      return 'upstream'
    case 'switch_downstream':
      return 'downstream'
    case 'pci_bridge':
      return 'pci_bridge'
    default:
      return parentKind === 'host_bridge' ? 'rc_endpoint' : 'endpoint'
  }
}

/**
 * Infers cpu_data(0) from the host bridges when the spec has no CPU: the first host bridge device
 * decides (p2pdma/cpu.ts cpuFromHostBridgeVendor).
 */
export function inferCpu(layout: Layout): { cpu: CpuSpec; why: string } {
  for (const hb of layout.hostBridges) {
    const hd = hb.spec.host!.hostDevice
    if (!hd) continue
    const key = `${hd.vendor.toString(16).padStart(4, '0')}:${hd.device.toString(16).padStart(4, '0')}`
    return cpuFromHostBridgeVendor(hd.vendor, key)
  }
  return {
    cpu: { vendor: 'other', family: 0 },
    why: 'no host bridge has a device at 00.0 to infer the CPU from: assumed a CPU other than Intel/AMD/Hygon',
  }
}

/**
 * Enumerates a machine spec.
 *
 * Mirrors drivers/pci/probe.c: pci_scan_child_bus_extend() / pci_scan_bridge_extend() (bus numbers),
 * drivers/pci/setup-bus.c: pbus_size_mem() / __pci_bus_assign_resources() (windows and BARs) and
 * drivers/pci/pci.c: pci_enable_acs() (ACS Control after boot).
 * Simplification: firmware-assigned bus numbers and BARs are ignored; everything is assigned as if
 * by `pci=assign-busses,realloc`, which gives the same numbers as typical firmware for trees without
 * hotplug reservations.
 */
export function buildMachine(spec: MachineSpec, settings: LabSettings): BuildResult {
  try {
    return buildChecked(spec, settings)
  } catch (e) {
    // A bug of ours, not the user's: still a value, never a throw across the engine boundary.
    return {
      ok: false,
      issues: [{ source: 'topology', message: `internal error while building the topology: ${String(e)}` }],
    }
  }
}

function buildChecked(spec: MachineSpec, settings: LabSettings): BuildResult {
  const v = validateMachine(spec)
  if (!v.layout) return { ok: false, issues: v.issues }
  const layout = v.layout
  const issues: InputIssue[] = []
  const assumptions: string[] = []
  const devs = new Map<string, PciDev>()
  const hostBridges: HostBridge[] = []
  for (const hbNode of layout.hostBridges) {
    const hb = hostBridgeOf(layout, hbNode)
    hostBridges.push(hb)
    const hd = hostDeviceOf(hbNode, hb, devs.size)
    if (hd) {
      devs.set(hd.id, hd)
      hb.rootBusDevices.push(hd.id)
    }
    const busState = { max: hb.busStart }
    scanBus(hbNode, hb, null, hb.busStart, busState, devs, issues)
    for (const c of hbNode.children) hb.rootBusDevices.push(c.spec.id)
  }
  if (issues.length > 0) return { ok: false, issues }

  assignResources(layout, hostBridges, devs, issues)
  if (issues.length > 0) return { ok: false, issues }

  const byBdf = new Map<string, string>()
  devs.forEach((d) => byBdf.set(d.bdf, d.id))

  const bootLog: string[] = []
  firmwareAcs(spec, devs, assumptions)
  enableAcs(devs, settings, bootLog, assumptions)

  const inf = spec.cpu ? null : inferCpu(layout)
  if (inf) assumptions.push(`CPU not given: ${inf.why}.`)
  const machine: Machine = {
    name: spec.name,
    cpu: spec.cpu ? { ...spec.cpu } : inf!.cpu,
    cpuInferred: !spec.cpu,
    cpuWhy: inf ? inf.why : 'CPU given by the lab',
    settings: { ...settings },
    hostBridges,
    devs,
    byBdf,
    bootLog,
    assumptions,
  }
  return { ok: true, machine }
}

/** A host bridge before its tree is scanned: root bus, bus range, NUMA node, closed windows. */
function hostBridgeOf(layout: Layout, hbNode: ResolvedNode): HostBridge {
  const hbId = hbNode.spec.id
  const h = hbNode.spec.host!
  return {
    id: hbId,
    label: hbNode.spec.label ?? hbId,
    domain: h.domain,
    busStart: h.rootBus,
    busEnd: layout.busEnd.get(hbId)!,
    numaNode: h.numaNode,
    busOffset: h.busOffset ?? 0,
    mmio: CLOSED,
    mmio32: CLOSED,
    io: CLOSED,
    rootBusDevices: [],
  }
}

/** The host bridge's own pci_dev at 00.0 of its root bus (pci_host_bridge_dev()), when the lab gives one. */
function hostDeviceOf(hbNode: ResolvedNode, hb: HostBridge, index: number): PciDev | null {
  const h = hbNode.spec.host!
  const hd = h.hostDevice
  if (!hd) return null
  return {
    id: hb.id + HOST_DEVICE_SUFFIX,
    index,
    kind: 'host_bridge',
    pcieType: 'host_device',
    label: hd.label ?? `${hb.label} host bridge device`,
    bdf: pciName(h.domain, h.rootBus, 0, 0),
    domain: h.domain,
    bus: h.rootBus,
    slot: 0,
    fn: 0,
    devfn: 0,
    vendor: hd.vendor,
    device: hd.device,
    classCode: hd.classCode ?? 0x060000,
    hostBridge: hb.id,
    upstream: null,
    children: [],
    isBridge: false,
    // Children are in (slot, fn) order: another function of device 0 comes first.
    isMultiFunction: hbNode.children.length > 0 && hbNode.children[0]!.slot === 0,
    secondary: null,
    subordinate: null,
    memWindow: null,
    prefWindow: null,
    ioWindow: null,
    bars: [],
    acsCap: null,
    acsCtrl: 0,
    acsCtrlFirmware: 0,
    endpoint: null,
    driver: 'pci',
  }
}

/**
 * Creates the pci_devs on one bus and recurses into bridges, numbering buses depth-first.
 *
 * Mirrors drivers/pci/probe.c: pci_scan_child_bus_extend() and pci_scan_bridge_extend() (pass 1):
 * each bridge gets secondary = max + 1, then its subtree is scanned, then subordinate = the highest
 * bus number used below it.
 * Simplification: no extra bus numbers are reserved for hotplug bridges (pci_hotplug_bus_size).
 */
function scanBus(
  parent: ResolvedNode,
  hb: HostBridge,
  upstream: string | null,
  bus: number,
  state: { max: number },
  devs: Map<string, PciDev>,
  issues: InputIssue[],
): void {
  const kids = parent.children
  const hostDev00 = parent.spec.kind === 'host_bridge' && parent.spec.host?.hostDevice ? 1 : 0
  const onBus = busName(hb.domain, bus)
  for (let i = 0; i < kids.length; i++) {
    const r = kids[i]!
    const n = r.spec
    const vendor = n.vendor ?? 0
    const bridge = isBridgeKind(n.kind)
    const ep = n.endpoint
    const dev: PciDev = {
      id: n.id,
      index: devs.size,
      kind: n.kind,
      pcieType: pcieTypeOf(n, parent.spec.kind),
      label: n.label ?? n.id,
      bdf: onBus + devfnName(r.slot, r.fn),
      domain: hb.domain,
      bus,
      slot: r.slot,
      fn: r.fn,
      devfn: r.slot * 8 + r.fn,
      vendor,
      device: n.device ?? 0,
      classCode: n.classCode ?? defaultClass(n),
      hostBridge: hb.id,
      upstream,
      children: bridge ? childIds(r) : [],
      isBridge: bridge,
      // Children are in (slot, fn) order, so the functions of one device are neighbours; device 0
      // of a root bus with a host device (00.0) is multi-function whatever else sits there.
      isMultiFunction:
        (i > 0 && kids[i - 1]!.slot === r.slot) ||
        (i + 1 < kids.length && kids[i + 1]!.slot === r.slot) ||
        (r.slot === 0 && hostDev00 === 1),
      secondary: null,
      subordinate: null,
      memWindow: bridge ? CLOSED : null,
      prefWindow: bridge ? CLOSED : null,
      ioWindow: bridge ? CLOSED : null,
      bars: ep ? barsOf(ep) : [],
      acsCap: n.acs ? acsBits(n.acs.cap) : null,
      acsCtrl: 0,
      acsCtrlFirmware: 0,
      endpoint: ep ? copyEndpoint(ep) : null,
      driver: driverName(n.kind, vendor, ep),
    }
    devs.set(n.id, dev)
    if (bridge) {
      state.max++
      if (state.max > hb.busEnd) {
        issues.push({
          source: 'topology',
          nodeId: n.id,
          message: `bus numbers exhausted: ${nodeName(n)} would need bus 0x${state.max.toString(16)}, past the last bus 0x${hb.busEnd.toString(16)} of host bridge "${hb.id}"`,
        })
        return
      }
      dev.secondary = state.max
      scanBus(r, hb, n.id, state.max, state, devs, issues)
      dev.subordinate = state.max
    }
  }
}

function childIds(r: ResolvedNode): string[] {
  const ids = new Array<string>(r.children.length)
  for (let i = 0; i < ids.length; i++) ids[i] = r.children[i]!.spec.id
  return ids
}

/** The function's BARs in register order, not yet placed. */
function barsOf(ep: EndpointSpec): Bar[] {
  const bars = new Array<Bar>(ep.bars.length)
  let sorted = true
  for (let i = 0; i < bars.length; i++) {
    const b = ep.bars[i]!
    bars[i] = {
      index: b.index,
      size: b.size,
      io: !!b.io,
      mem64: !!b.mem64,
      prefetch: !!b.prefetch,
      start: 0,
      busStart: 0,
    }
    if (i > 0 && b.index < bars[i - 1]!.index) sorted = false
  }
  return sorted ? bars : stableSort(bars, byIndex)
}

function byIndex(a: Bar, b: Bar): number {
  return a.index - b.index
}

/** The machine's own copy of the lab's endpoint (BAR list included). */
function copyEndpoint(ep: EndpointSpec): EndpointSpec {
  const bars = new Array<EndpointSpec['bars'][number]>(ep.bars.length)
  for (let i = 0; i < bars.length; i++) bars[i] = { ...ep.bars[i]! }
  return { ...ep, bars }
}

type ResClass = 'io' | 'mem' | 'pref'

/**
 * Which bridge window a BAR is routed through.
 * Simplification: only 64-bit prefetchable BARs use the prefetchable window (placed above 4 GiB);
 * every other memory BAR goes to the 32-bit non-prefetchable window, as pbus_size_mem() does when the
 * bridge's prefetchable window is 64-bit.
 */
function resClass(b: Bar): ResClass {
  if (b.io) return 'io'
  return b.prefetch && b.mem64 ? 'pref' : 'mem'
}

/** Bridge window granularity: 4 KiB for I/O, 1 MiB for memory windows (PCI-to-PCI bridge spec). */
const GRAN: Record<ResClass, number> = { io: 4096, mem: MiB, pref: MiB }

/** One thing to place in a window: a BAR, or a bridge's window of one class with what sits in it. */
interface Item {
  size: number
  align: number
  bar: Bar | null
  /** A bridge window: the bridge, the window's class and its items in packing order. */
  bridge: PciDev | null
  cls: ResClass
  items: Item[] | null
}

/** What sits below a bus, per window class, in the order found (packed by pack()); null for nothing. */
interface Below {
  pref: Item[] | null
  mem: Item[] | null
  io: Item[] | null
}

/** No items: never added to (addItem() starts a new list), so sorting it in pack() changes nothing. */
const NO_ITEMS: Item[] = []

function addItem(out: Below, cls: ResClass, item: Item): void {
  const list = out[cls]
  if (list) list.push(item)
  else out[cls] = [item]
}

/** What one host bridge's walk needs besides the devices: where BARs too large for it are reported. */
interface HostCtx {
  layout: Layout
  hb: HostBridge
  devs: Map<string, PciDev>
  /** The 64-bit window's size when the lab sets it. */
  mmioSize: number | undefined
  issues: InputIssue[]
}

/**
 * Sizes a bus's windows of all three classes from its subtree, in one walk, and reports single BARs
 * that cannot fit the host bridge's window whatever the packing (at the endpoint).
 * Mirrors drivers/pci/setup-bus.c: pbus_size_mem() / pbus_size_io().
 * Simplification: a straightforward largest-alignment-first packing; the window is rounded to its
 * granularity and aligned to max(granularity, largest child alignment) instead of the kernel's
 * calculate_mem_align() order table.
 */
function sizeBus(devIds: readonly string[], ctx: HostCtx, out: Below): void {
  for (let idI = 0; idI < devIds.length; idI++) {
    const id = devIds[idI]!
    const d = ctx.devs.get(id)!
    for (let bI = 0; bI < d.bars.length; bI++) {
      const b = d.bars[bI]!
      const cls = resClass(b)
      checkBarFits(d, b, cls, ctx)
      addItem(out, cls, { size: b.size, align: b.size, bar: b, bridge: null, cls, items: null })
    }
    if (d.isBridge) {
      const sub: Below = { pref: null, mem: null, io: null }
      sizeBus(d.children, ctx, sub)
      windowItem(d, 'pref', sub.pref, out)
      windowItem(d, 'mem', sub.mem, out)
      windowItem(d, 'io', sub.io, out)
    }
  }
}

/** The bridge's window of class `cls` as an item of its parent bus (none when nothing is below it). */
function windowItem(d: PciDev, cls: ResClass, items: Item[] | null, out: Below): void {
  if (!items) return
  const packed = pack(items)
  if (packed === 0) return
  const g = GRAN[cls]
  addItem(out, cls, {
    size: alignUp(packed, g),
    align: Math.max(g, alignOf(items)),
    bar: null,
    bridge: d,
    cls,
    items,
  })
}

/**
 * Sorts the items largest alignment first, then largest size (stable, in place); returns their total
 * extent packed from 0.
 */
function pack(items: Item[]): number {
  stableSort(items, byAlignThenSize)
  let off = 0
  for (let itI = 0; itI < items.length; itI++) {
    const it = items[itI]!
    off = alignUp(off, it.align) + it.size
  }
  return off
}

function byAlignThenSize(a: Item, b: Item): number {
  return b.align - a.align || b.size - a.size
}

/** The largest alignment of packed items (the first), at least 1. */
function alignOf(items: readonly Item[]): number {
  return items.length > 0 ? Math.max(1, items[0]!.align) : 1
}

/**
 * Places packed items from `start` (assumed aligned to the largest item alignment): BAR addresses,
 * with pci_bus_address() = CPU physical + the host bridge's offset for memory BARs, and bridge
 * windows with what sits in them. Returns the end.
 */
function placeAll(items: readonly Item[], start: number, busOffset: number): number {
  let cur = start
  for (let itI = 0; itI < items.length; itI++) {
    const it = items[itI]!
    cur = alignUp(cur, it.align)
    const b = it.bar
    if (b) {
      b.start = cur
      b.busStart = b.io ? cur : cur + busOffset
    } else {
      const d = it.bridge!
      const w = { start: cur, end: cur + it.size - 1 }
      if (it.cls === 'io') d.ioWindow = w
      else if (it.cls === 'mem') d.memWindow = w
      else d.prefWindow = w
      placeAll(it.items!, cur, busOffset)
    }
    cur += it.size
  }
  return cur
}

function hexn(n: number): string {
  return '0x' + n.toString(16)
}

/**
 * Assigns host windows, bridge windows and BAR addresses.
 * Mirrors drivers/pci/setup-bus.c: __pci_bus_size_bridges() then __pci_bus_assign_resources().
 * Simplification: host windows come from the spec (mmioBase/mmioSize) or are laid out automatically
 * (64-bit: from 0x3800_0000_0000, one naturally aligned window per host bridge; 32-bit: consecutive
 * ranges in 0xc000_0000-0xfebf_ffff; I/O: consecutive ranges from 0x1000).
 */
function assignResources(
  layout: Layout,
  hostBridges: HostBridge[],
  devs: Map<string, PciDev>,
  issues: InputIssue[],
): void {
  const cursor = { auto64: DEFAULT_MMIO64_BASE, cur32: MMIO32_BASE, curIo: IO_BASE }
  for (const hb of hostBridges) {
    const h = layout.nodes.get(hb.id)!.spec.host!
    const below: Below = { pref: null, mem: null, io: null }
    sizeBus(hb.rootBusDevices, { layout, hb, devs, mmioSize: h.mmioSize, issues }, below)
    if (issues.length > 0) continue
    assignMmio64(layout, hb, below.pref ?? NO_ITEMS, cursor, issues)
    // 32-bit non-prefetchable window, then I/O ports.
    const mem32 = placeWindow(below.mem ?? NO_ITEMS, hb.busOffset, cursor.cur32, MiB, MMIO32_LIMIT)
    const io = placeWindow(below.io ?? NO_ITEMS, hb.busOffset, cursor.curIo, 4096, IO_LIMIT)
    hb.mmio32 = mem32.window
    cursor.cur32 = mem32.next
    hb.io = io.window
    cursor.curIo = io.next
    if (mem32.exhausted)
      issues.push({
        source: 'topology',
        nodeId: hb.id,
        message: `host bridge "${hb.id}": 32-bit MMIO space below 4 GiB (${hexn(MMIO32_BASE)}-${hexn(MMIO32_LIMIT - 1)}) is exhausted by the non-prefetchable BARs`,
      })
    if (io.exhausted)
      issues.push({
        source: 'topology',
        nodeId: hb.id,
        message: `host bridge "${hb.id}": I/O port space (0x1000-0xffff) is exhausted`,
      })
  }
}

/** A single BAR that cannot fit whatever the packing: reported at the endpoint. */
function checkBarFits(d: PciDev, b: Bar, cls: ResClass, ctx: HostCtx): void {
  const limit =
    cls === 'pref'
      ? (ctx.mmioSize ?? Infinity)
      : cls === 'mem'
        ? MMIO32_LIMIT - MMIO32_BASE
        : IO_LIMIT - IO_BASE
  if (b.size <= limit) return
  const idx = d.endpoint?.bars.findIndex((x) => x.index === b.index) ?? -1
  ctx.issues.push({
    source: 'topology',
    nodeId: d.id,
    path: `nodes[${ctx.layout.nodes.get(d.id)?.index ?? 0}].endpoint.bars[${idx}].size`,
    message: `${nodeName(d)} BAR${b.index} (${hexn(b.size)} bytes) is larger than the ${cls === 'pref' ? '64-bit MMIO' : cls === 'mem' ? '32-bit MMIO' : 'I/O'} window of host bridge "${ctx.hb.id}" (${hexn(limit)} bytes)`,
  })
}

/** The 64-bit prefetchable window: the lab's mmioBase/mmioSize, or the next free aligned range. */
function assignMmio64(
  layout: Layout,
  hb: HostBridge,
  pref: Item[],
  cursor: { auto64: number },
  issues: InputIssue[],
): void {
  const node = layout.nodes.get(hb.id)!
  const h = node.spec.host!
  const prefSize = pack(pref)
  const size64 = h.mmioSize ?? Math.max(DEFAULT_MMIO64_SIZE, nextPow2(prefSize))
  let base64: number
  if (h.mmioBase !== undefined) base64 = h.mmioBase
  else {
    base64 = alignUp(cursor.auto64, nextPow2(Math.max(size64, alignOf(pref))))
    cursor.auto64 = base64 + size64
  }
  const end64 = placeAll(pref, base64, hb.busOffset)
  if (end64 > base64 + size64) {
    issues.push({
      source: 'topology',
      nodeId: hb.id,
      path: `nodes[${node.index}].host.mmioSize`,
      message: `host bridge "${hb.id}": the 64-bit prefetchable BARs below it need ${hexn(end64 - base64)} bytes from ${hexn(base64)}, but its MMIO window is ${hexn(size64)} bytes`,
    })
  }
  hb.mmio = { start: base64, end: base64 + size64 - 1 }
}

/**
 * A 32-bit memory or I/O window: the resources packed and placed from `cur` (aligned to `granule`),
 * the window rounded up to the granule, and whether it runs past `limit`. An empty window is
 * [cur, cur - 1].
 */
function placeWindow(
  items: Item[],
  busOffset: number,
  cur: number,
  granule: number,
  limit: number,
): { window: Window; next: number; exhausted: boolean } {
  const size = pack(items)
  if (size <= 0) return { window: { start: cur, end: cur - 1 }, next: cur, exhausted: false }
  const start = alignUp(cur, Math.max(granule, alignOf(items)))
  const top = alignUp(placeAll(items, start, busOffset), granule)
  return { window: { start, end: top - 1 }, next: top, exhausted: top > limit }
}

/**
 * Parses pci=disable_acs_redir= into matchers.
 * Mirrors drivers/pci/pci.c: pci_dev_str_match() as used by __pci_config_acs(): entries separated by
 * ';' (or ','), each `[dddd:]bb:dd.f` or `pci:vvvv:dddd`.
 * Simplification: the `[dddd:]bb:dd.f/dd.f...` path form is not supported (reported as an assumption).
 */
export function parseAcsRedirParam(
  param: string,
): { match: (d: PciDev) => boolean; text: string }[] | { error: string } {
  const out: { match: (d: PciDev) => boolean; text: string }[] = []
  for (const raw of param.split(/[;,]/)) {
    const t = raw.trim().toLowerCase()
    if (t === '') continue
    let m = /^pci:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(t)
    if (m) {
      const ven = parseInt(m[1]!, 16)
      const dev = parseInt(m[2]!, 16)
      out.push({ text: t, match: (d) => d.vendor === ven && d.device === dev })
      continue
    }
    m = /^(?:([0-9a-f]{1,4}):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/.exec(t)
    if (m) {
      const dom = m[1] ? parseInt(m[1], 16) : 0
      const bus = parseInt(m[2]!, 16)
      const slot = parseInt(m[3]!, 16)
      const fn = parseInt(m[4]!, 16)
      out.push({ text: t, match: (d) => d.domain === dom && d.bus === bus && d.slot === slot && d.fn === fn })
      continue
    }
    return { error: t }
  }
  return out
}

/**
 * ACS Control after boot, per function.
 *
 * Mirrors drivers/pci/pci.c: pci_enable_acs(): fw_ctrl = the firmware value; if an IOMMU driver called
 * pci_request_acs(), pci_std_enable_acs() sets SV, RR, CR and UF where the capability has them; then
 * __pci_config_acs() applies pci=disable_acs_redir= (mask RR|CR|EC) on the listed functions.
 * Applies to every function with an ACS capability: pci_enable_acs() itself has no port/type check
 * (read in drivers/pci/pci.c); that pci_acs_init() calls it for every pci_dev is recalled, not re-read.
 * Verified text: "Configured ACS to %#06x" (6.12+, also seen on 6.12.117 in docs/kernel/oracle.md#what-the-real-kernels-showed),
 * "disabled ACS redirect" and "cannot disable ACS redirect for this hardware as it does not have ACS
 * capabilities" (older pci_disable_acs_redir(), read in the diff that removed it).
 * Era: from v6.12 (commit 47c8846a49ba "PCI: Extend ACS configurability" plus its fix 9cf8a952d57b,
 * backported to 6.12.y) the result is `(fw_ctrl & ~mask) | (flags & mask)`, i.e. built from the
 * *firmware* value, so SV/UF set by pci_std_enable_acs() are dropped too: the oracle saw
 * "Configured ACS to 0x0000" on a root port the IOMMU had set to 0x001d. Before that, the old
 * pci_disable_acs_redir() cleared RR|CR|EC from the current value and printed "disabled ACS redirect".
 * Simplification: TB (set for external-facing/untrusted ports or with ATS disabled), device-specific
 * ACS quirks (pci_dev_specific_enable_acs()) and pci=config_acs= are not modelled. Which release first
 * carried 47c8846a49ba (6.11 assumed) is unverified; for 6.11-6.13 without the stable fix the bit
 * arithmetic differed.
 */
function enableAcs(
  devs: Map<string, PciDev>,
  settings: LabSettings,
  log: string[],
  assumptions: string[],
): void {
  const newStyle = behaves(settings.era, 'pci.acs-config-from-firmware')
  let matchers: { match: (d: PciDev) => boolean; text: string }[] = []
  if (settings.disableAcsRedir.trim() !== '') {
    const parsed = parseAcsRedirParam(settings.disableAcsRedir)
    if ('error' in parsed) {
      log.push(
        newStyle
          ? "PCI: Can't parse ACS command line parameter"
          : `PCI: Can't parse disable_acs_redir parameter: ${settings.disableAcsRedir}`,
      )
      assumptions.push(
        `pci=disable_acs_redir=: "${parsed.error}" is not a [dddd:]bb:dd.f or pci:vvvv:dddd entry the lab understands; the parameter was ignored.`,
      )
    } else {
      matchers = parsed
      for (const m of parsed) {
        const any = [...devs.values()].some((d) => m.match(d))
        if (!any)
          assumptions.push(`pci=disable_acs_redir=: no function matches "${m.text}"; nothing to do for it.`)
      }
    }
  }
  devs.forEach((d) => {
    if (d.acsCap === null) {
      if (matchesAny(matchers, d)) {
        if (!newStyle)
          log.push(
            `pci ${d.bdf}: cannot disable ACS redirect for this hardware as it does not have ACS capabilities`,
          )
        else
          assumptions.push(
            `pci=disable_acs_redir= lists ${d.bdf}, which has no ACS capability; the kernel skips it silently.`,
          )
      }
      return
    }
    const fw = d.acsCtrlFirmware
    let ctrl = fw
    // pci_std_enable_acs(): SV, RR, CR, UF where the capability has them.
    if (settings.iommu) ctrl |= d.acsCap & (ACS_BIT.SV | ACS_BIT.RR | ACS_BIT.CR | ACS_BIT.UF)
    if (matchesAny(matchers, d)) {
      if (newStyle) {
        // __pci_config_acs(dev, caps, param, mask = RR|CR|EC, flags = ~(RR|CR|EC))
        const mask = RR_CR_EC
        const flags = ~RR_CR_EC
        ctrl = (fw & ~mask) | (flags & mask)
        log.push(`pci ${d.bdf}: Configured ACS to 0x${ctrl.toString(16).padStart(4, '0')}`)
      } else {
        ctrl &= ~RR_CR_EC
        log.push(`pci ${d.bdf}: disabled ACS redirect`)
      }
    }
    d.acsCtrl = ctrl & 0xffff
  })
}

function matchesAny(matchers: readonly { match: (d: PciDev) => boolean }[], d: PciDev): boolean {
  if (matchers.length === 0) return false
  for (const m of matchers) if (m.match(d)) return true
  return false
}

/** Sets the firmware ACS Control values from the spec (masked to the capability: unimplemented bits read 0). */
export function firmwareAcs(spec: MachineSpec, devs: Map<string, PciDev>, assumptions: string[]): void {
  for (let nI = 0; nI < spec.nodes.length; nI++) {
    const n = spec.nodes[nI]!
    if (!n.acs) continue
    const d = devs.get(n.id)
    if (!d) continue
    const raw = acsBits(n.acs.ctrl)
    const fw = raw & (d.acsCap ?? 0)
    if (fw !== raw)
      assumptions.push(
        `${nodeName(n)}: ACS control bits outside its capability read as 0 (0x${raw.toString(16)} -> 0x${fw.toString(16)}).`,
      )
    d.acsCtrlFirmware = fw
    d.acsCtrl = fw
  }
}
