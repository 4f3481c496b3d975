/**
 * Read-only views of the enumerated machine for the renderer (TopoNodeView in shared/ipc/contract.ts):
 * one entry per spec node, host bridges first, in depth-first (devfn) order, with addresses as hex
 * strings so the 64-bit values survive JSON and read like /proc/iomem.
 */
import {
  ACS_BIT,
  ACS_FLAGS,
  type AcsFlag,
  type MachineSpec,
  type TopoNodeSpec,
} from '../../../shared/model/topology'
import { hex, idsName, p2pmemPublished, pciIdentity, type Machine, type PciDev } from '../../engine/index'
import type { TopoNodeView } from '../../../shared/ipc/contract'
import { noPciFunctionFields } from '../../../shared/ipc/views'

/** 0x3800000000-style lowercase hex of a non-negative integer (negative values keep their sign). */

/** 'vvvv:dddd' (lspci -n style). */
function key(vendor: number, device: number): string {
  return `${vendor.toString(16).padStart(4, '0')}:${device.toString(16).padStart(4, '0')}`
}

/** PCI_ACS_* bitmask -> flag names in pci_regs.h order. */
export function acsFlags(mask: number): AcsFlag[] {
  return ACS_FLAGS.filter((f) => (mask & ACS_BIT[f]) !== 0)
}

/**
 * What a person calls a function: the label the lab (the source file or the user) gives it, else the
 * PCI ID database's short name, else the enumerated label (its id).
 */
export function nodeName(d: PciDev, spec: TopoNodeSpec | undefined): string {
  return spec?.label ?? idsName(d.vendor, d.device, d.classCode) ?? d.label
}

/** Names by BDF for every function of the machine (the CLI's tables and JSON). */
export function namesByBdf(m: Machine, spec: MachineSpec): Map<string, string> {
  const specById = new Map(spec.nodes.map((n) => [n.id, n]))
  const out = new Map<string, string>()
  for (const d of m.devs.values()) out.set(d.bdf, nodeName(d, specById.get(d.id)))
  return out
}

/** The top-most switch upstream port above a function, walking the enumerated parents. */
function topSwitch(m: Machine, d: PciDev): string | null {
  let top: string | null = null
  for (let up = d.upstream; up !== null;) {
    const u = m.devs.get(up)
    if (!u) break
    if (u.pcieType === 'upstream') top = u.id
    up = u.upstream
  }
  return top
}

function devView(
  m: Machine,
  d: PciDev,
  spec: TopoNodeSpec | undefined,
  parent: string | null,
  isProvider: (dev: PciDev) => boolean,
): TopoNodeView {
  const id = pciIdentity(d.vendor, d.device, d.classCode)
  const provider = isProvider(d)
  return {
    id: d.id,
    kind: d.kind,
    label: d.label,
    bdf: d.bdf,
    parent,
    children: [...d.children],
    vendor: d.vendor,
    device: d.device,
    classCode: d.classCode,
    endpointType: d.endpoint?.type ?? null,
    pcieType: d.pcieType,
    secondary: d.secondary,
    subordinate: d.subordinate,
    acsCap: d.acsCap === null ? null : acsFlags(d.acsCap),
    acsCtrl: acsFlags(d.acsCtrl),
    bars: d.bars.map((b) => ({
      index: b.index,
      size: b.size,
      start: hex(b.start),
      busStart: hex(b.busStart),
      io: b.io,
      mem64: b.mem64,
      prefetch: b.prefetch,
    })),
    host: null,
    isProvider: provider,
    name: nodeName(d, spec),
    lspciName: id.lspci,
    className: id.className,
    osDevices: d.endpoint?.osDevices ? [...d.endpoint.osDevices] : [],
    p2pmem: !provider ? null : p2pmemPublished(d) ? 'published' : 'bar',
    numaNode: m.hostBridges.find((h) => h.id === d.hostBridge)?.numaNode ?? null,
    hostBridge: d.hostBridge,
    switchId: topSwitch(m, d),
  }
}

/**
 * Views of every spec node. The host bridge's own device at 00.0 is not a spec node: it shows up
 * as the host bridge view's `host.key` (and its vendor/device).
 */
export function nodeViews(
  m: Machine,
  spec: MachineSpec,
  isProvider: (dev: PciDev) => boolean,
): TopoNodeView[] {
  const out: TopoNodeView[] = []
  const specById = new Map(spec.nodes.map((n) => [n.id, n]))
  const walk = (ids: readonly string[], parent: string): void => {
    for (const id of ids) {
      const d = m.devs.get(id)
      if (!d || !specById.has(id)) continue
      out.push(devView(m, d, specById.get(id), parent, isProvider))
      if (d.isBridge) walk(d.children, id)
    }
  }
  for (const hb of m.hostBridges) {
    const n = specById.get(hb.id)
    const hd = n?.host?.hostDevice ?? null
    const children = hb.rootBusDevices.filter((id) => specById.has(id))
    out.push({
      id: hb.id,
      kind: 'host_bridge',
      label: hb.label,
      bdf: null,
      parent: null,
      children,
      vendor: hd ? hd.vendor : null,
      device: hd ? hd.device : null,
      classCode: hd ? (hd.classCode ?? 0x060000) : null,
      // a host bridge is no pci_dev: no endpoint type, port type, bus range, ACS or BARs of its own
      ...noPciFunctionFields(),
      host: {
        domain: hb.domain,
        busStart: hb.busStart,
        busEnd: hb.busEnd,
        numaNode: hb.numaNode,
        key: hd ? key(hd.vendor, hd.device) : null,
        cpus: n?.host?.cpus ?? null,
      },
      isProvider: false,
      name: hb.label,
      lspciName: hd ? pciIdentity(hd.vendor, hd.device, null).lspci : null,
      className: null,
      osDevices: [],
      p2pmem: null,
      numaNode: hb.numaNode,
      hostBridge: hb.id,
      switchId: null,
    })
    walk(children, hb.id)
  }
  return out
}
