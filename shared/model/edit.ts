/**
 * Topology edits: the operations the editor sends to the engine (`topology.edit`). Each request is
 * one op or a batch of ops, applied in order to the lab's MachineSpec as ONE undo step. The engine
 * applies them purely (electron/engine/topology/edit.ts) and refuses the whole batch, changing
 * nothing, when the result does not validate.
 *
 * Plain JSON data. In patches `null` clears an optional field; an absent key leaves it alone.
 */
import type { AcsFlag, BarSpec, CpuSpec, EndpointType, NodeKind } from './topology'

export interface EndpointPatch {
  type?: EndpointType
  bars?: BarSpec[]
  driver?: string | null
  queueP2p?: boolean | null
  p2pmemBar?: number | null
}

export interface HostPatch {
  domain?: number
  rootBus?: number
  busEnd?: number | null
  numaNode?: number
  hostDevice?: { vendor: number; device: number; classCode?: number; label?: string } | null
  busOffset?: number | null
}

/** The properties of a node an edit may set (never id, kind or parent). */
export interface NodePatch {
  label?: string | null
  vendor?: number | null
  device?: number | null
  classCode?: number | null
  slot?: number | null
  fn?: number | null
  /** null removes the ACS extended capability. */
  acs?: { cap: AcsFlag[]; ctrl: AcsFlag[] } | null
  endpoint?: EndpointPatch
  host?: HostPatch
}

/** Properties of a new node: a NodePatch without nulls, plus a full endpoint/host where needed. */
export interface NewNodeProps {
  label?: string
  vendor?: number
  device?: number
  classCode?: number
  slot?: number
  fn?: number
  acs?: { cap: AcsFlag[]; ctrl: AcsFlag[] }
  endpoint?: { type: EndpointType; bars: BarSpec[]; driver?: string; queueP2p?: boolean; p2pmemBar?: number }
  host?: {
    domain: number
    rootBus: number
    numaNode: number
    hostDevice: { vendor: number; device: number; classCode?: number; label?: string } | null
    busOffset?: number
  }
}

export type EditOp =
  /** Add a node. `id` is generated (kind prefix + number) when absent; parent null only for host bridges. */
  | { op: 'addNode'; id?: string; kind: NodeKind; parent: string | null; props?: NewNodeProps }
  /** Remove nodes; removing a bridge or host bridge removes its whole subtree. */
  | { op: 'removeNodes'; ids: string[] }
  | { op: 'updateNode'; id: string; patch: NodePatch }
  /** Move a node (and its subtree) under another parent: the PCIe link rules decide. */
  | { op: 'reparent'; id: string; parent: string }
  /** null: infer the CPU from the host bridges again. */
  | { op: 'setCpu'; cpu: CpuSpec | null }

export type EditRequest = EditOp | EditOp[]
