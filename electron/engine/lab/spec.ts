/**
 * Builders for a lab file's node specs (shared/model/topology.ts TopoNodeSpec): the built-in lab and
 * the test topologies write a machine as a list of calls, one line per PCI function, instead of
 * object literals. Nothing here decides anything: each builder returns exactly the spec it is given,
 * with the PCI id written as lspci prints it ('10de:1db6').
 */
import type {
  AcsFlag,
  AcsSpec,
  BarSpec,
  EndpointSpec,
  HostBridgeSpec,
  NodeKind,
  TopoNodeSpec,
} from '../../../shared/model/topology'

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB

/** 'vvvv:dddd' (hex, as lspci -n prints it) → { vendor, device }. */
export function pciId(id: string): { vendor: number; device: number } {
  const m = /^([0-9a-f]{4}):([0-9a-f]{4})$/i.exec(id)
  if (!m) throw new Error(`pciId: '${id}' is not vvvv:dddd`)
  return { vendor: parseInt(m[1]!, 16), device: parseInt(m[2]!, 16) }
}

/** ACS capability `cap` with the control register firmware left (`ctrl`, default clear). */
export function acs(cap: readonly AcsFlag[], ctrl: readonly AcsFlag[] = []): AcsSpec {
  return { cap: [...cap], ctrl: [...ctrl] }
}

/** Optional fields of a node spec beside its kind, id, parent and PCI id. */
export type NodeExtra = Omit<Partial<TopoNodeSpec>, 'id' | 'kind' | 'parent' | 'vendor' | 'device'>

/** A bridge function: root port, switch upstream or downstream port, PCI bridge. */
export function bridge(
  kind: Exclude<NodeKind, 'host_bridge' | 'endpoint'>,
  id: string,
  parent: string,
  ids: string,
  extra: NodeExtra = {},
): TopoNodeSpec {
  return { ...head(kind, id, parent, ids, extra), ...extra }
}

/** The fields every function has, in the lab file's order: id, kind, parent, label, slot, fn, ids. */
function head(kind: NodeKind, id: string, parent: string, ids: string, extra: NodeExtra): TopoNodeSpec {
  const n: TopoNodeSpec = { id, kind, parent, label: extra.label ?? id }
  if (extra.slot !== undefined) n.slot = extra.slot
  if (extra.fn !== undefined) n.fn = extra.fn
  return Object.assign(n, pciId(ids))
}

/** An endpoint function with its BARs and role. */
export function endpoint(
  id: string,
  parent: string,
  ids: string,
  ep: EndpointSpec,
  extra: NodeExtra = {},
): TopoNodeSpec {
  return { ...head('endpoint', id, parent, ids, extra), ...extra, endpoint: ep }
}

/** A host bridge (a root bus) with its host device at bus:00.0, or none. */
export function hostBridge(id: string, label: string, host: HostBridgeSpec): TopoNodeSpec {
  return { id, kind: 'host_bridge', parent: null, label, host }
}

/** BAR specs: 32-bit memory, 64-bit memory, 64-bit prefetchable memory, I/O ports. */
export const bar = {
  mem32: (index: number, size: number): BarSpec => ({ index, size }),
  mem64: (index: number, size: number): BarSpec => ({ index, size, mem64: true }),
  pref64: (index: number, size: number): BarSpec => ({ index, size, mem64: true, prefetch: true }),
  io: (index: number, size: number): BarSpec => ({ index, size, io: true }),
}
