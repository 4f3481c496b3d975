/**
 * Topology edits applied to a MachineSpec, purely: applyEdits() returns a new spec (the old one is
 * never touched) or located issues, and a batch either applies as a whole or not at all.
 *
 * The result must still enumerate: applyEdits() runs buildMachine() on it under the lab's settings,
 * so every rule validate.ts knows (duplicate ids, cycles, BARs that do not fit, bus ranges) refuses
 * an edit exactly as it refuses a lab file. The PCIe link rules (validate.ts LINK_RULES) are checked
 * first, here, so a refused connection says which rule it broke instead of only listing the allowed
 * parents.
 */
import type { EditOp, EditRequest, NodePatch } from '../../../shared/model/edit'
import type {
  InputIssue,
  LabSettings,
  MachineSpec,
  NodeKind,
  TopoNodeSpec,
} from '../../../shared/model/topology'
import { buildMachine } from './build'
import type { Machine } from './types'
import { linkRuleViolation, nodeName } from './validate'

export type EditResult =
  { ok: true; spec: MachineSpec; machine: Machine } | { ok: false; issues: InputIssue[] }

/** Id prefixes of generated ids, by kind (and endpoint type). */
const ID_PREFIX: Record<NodeKind, string> = {
  host_bridge: 'hb',
  root_port: 'rp',
  switch_upstream: 'usp',
  switch_downstream: 'dsp',
  pci_bridge: 'br',
  endpoint: 'ep',
}

/** Ids of `id` and everything below it, in spec order. */
export function subtreeIds(spec: MachineSpec, id: string): string[] {
  const kids = new Map<string, string[]>()
  for (const n of spec.nodes) {
    if (n.parent === null) continue
    let l = kids.get(n.parent)
    if (!l) kids.set(n.parent, (l = []))
    l.push(n.id)
  }
  const out: string[] = []
  const seen = new Set<string>()
  const stack = [id]
  while (stack.length > 0) {
    const cur = stack.pop()!
    if (seen.has(cur)) continue
    seen.add(cur)
    out.push(cur)
    for (const k of kids.get(cur) ?? []) stack.push(k)
  }
  return out
}

/** A fresh id `<prefix><n>` not used in `taken`. */
export function freshId(taken: ReadonlySet<string>, prefix: string): string {
  for (let i = 0; ; i++) {
    const id = `${prefix}${i}`
    if (!taken.has(id)) return id
  }
}

/** Assigns `value` to `obj[key]`, or deletes the key for null (patch semantics). */
function put<T extends object>(obj: T, key: keyof T, value: unknown): void {
  if (value === undefined) return
  if (value === null) delete obj[key]
  else (obj as Record<keyof T, unknown>)[key] = value
}

/** The plain fields of a node that a patch and a new node's props set the same way. */
const PLAIN_FIELDS = ['label', 'vendor', 'device', 'classCode', 'slot', 'fn'] as const

function patchNode(n: TopoNodeSpec, p: NodePatch, at: string, issues: InputIssue[]): TopoNodeSpec {
  const out: TopoNodeSpec = { ...n }
  for (const key of PLAIN_FIELDS) put(out, key, p[key])
  /** The patch sets `field` on a node that has no such part. */
  const notA = (field: 'endpoint' | 'host', what: string) =>
    issues.push({
      source: 'topology.edit',
      nodeId: n.id,
      path: `${at}.patch.${field}`,
      message: `${nodeName(n)} is not ${what}`,
    })
  if (p.acs !== undefined) {
    if (p.acs === null) delete out.acs
    else out.acs = { cap: [...p.acs.cap], ctrl: [...p.acs.ctrl] }
  }
  if (p.endpoint !== undefined) {
    if (!n.endpoint) {
      notA('endpoint', 'an endpoint')
    } else {
      const ep = { ...n.endpoint }
      const e = p.endpoint
      put(ep, 'type', e.type)
      if (e.bars !== undefined) ep.bars = e.bars.map((b) => ({ ...b }))
      put(ep, 'driver', e.driver)
      put(ep, 'queueP2p', e.queueP2p)
      put(ep, 'p2pmemBar', e.p2pmemBar)
      out.endpoint = ep
    }
  }
  if (p.host !== undefined) {
    if (!n.host) {
      notA('host', 'a host bridge')
    } else {
      const h = { ...n.host }
      put(h, 'domain', p.host.domain)
      put(h, 'rootBus', p.host.rootBus)
      put(h, 'busEnd', p.host.busEnd)
      put(h, 'numaNode', p.host.numaNode)
      if (p.host.hostDevice !== undefined)
        h.hostDevice = p.host.hostDevice === null ? null : { ...p.host.hostDevice }
      put(h, 'busOffset', p.host.busOffset)
      out.host = h
    }
  }
  return out
}

/** The next free (domain 0) root bus for a new host bridge: 0x80 above the highest one used. */
function nextRootBus(nodes: readonly TopoNodeSpec[]): number {
  const used = nodes.filter((n) => n.host && n.host.domain === 0).map((n) => n.host!.rootBus)
  if (used.length === 0) return 0
  const max = Math.max(...used)
  return max + 0x80 <= 0xff ? max + 0x80 : Math.min(0xff, max + 0x10)
}

/** The spec being edited: the node list and CPU as the ops so far left them. */
interface Draft {
  spec: MachineSpec
  nodes: TopoNodeSpec[]
  cpu: MachineSpec['cpu']
  /** Node id -> position in `nodes`, as of the start of the current op. */
  byId: Map<string, number>
}

/** Why an op is refused (null: it applied). */
type Refusal = { message: string; nodeId?: string } | null

const refuse = (message: string, nodeId?: string): Refusal => ({ message, nodeId })

type OpOf<K extends EditOp['op']> = Extract<EditOp, { op: K }>

function addNode(d: Draft, op: OpOf<'addNode'>): Refusal {
  const taken = new Set(d.byId.keys())
  const id = op.id ?? freshId(taken, op.props?.endpoint?.type ?? ID_PREFIX[op.kind])
  if (taken.has(id)) return refuse(`id "${id}" is already used`, id)
  const parent = op.parent === null ? null : d.nodes[d.byId.get(op.parent) ?? -1]
  if (op.parent !== null && !parent) return refuse(`no node "${op.parent}" to add under`, op.parent)
  const rule = linkRuleViolation({ id, kind: op.kind }, parent ?? null)
  if (rule) return refuse(rule, op.parent ?? id)
  const p = op.props ?? {}
  const n: TopoNodeSpec = { id, kind: op.kind, parent: op.parent }
  for (const key of PLAIN_FIELDS) put(n, key, p[key])
  if (p.acs) n.acs = { cap: [...p.acs.cap], ctrl: [...p.acs.ctrl] }
  if (op.kind === 'endpoint') {
    n.endpoint = p.endpoint
      ? { ...p.endpoint, bars: p.endpoint.bars.map((b) => ({ ...b })) }
      : { type: 'generic', bars: [] }
  } else if (p.endpoint) {
    return refuse(`${nodeName(n)} cannot carry endpoint properties`, id)
  }
  if (op.kind === 'host_bridge') {
    n.host = p.host
      ? { ...p.host }
      : { domain: 0, rootBus: nextRootBus(d.nodes), numaNode: 0, hostDevice: null }
  } else if (p.host) {
    return refuse(`${nodeName(n)} cannot carry host bridge properties`, id)
  }
  d.nodes.push(n)
  return null
}

function removeNodes(d: Draft, op: OpOf<'removeNodes'>): Refusal {
  const gone = new Set<string>()
  for (const id of op.ids) {
    if (!d.byId.has(id)) return refuse(`no node "${id}" to remove`, id)
    for (const s of subtreeIds({ ...d.spec, nodes: d.nodes }, id)) gone.add(s)
  }
  if (gone.size === d.nodes.length) return refuse('a machine keeps at least one host bridge')
  d.nodes = d.nodes.filter((n) => !gone.has(n.id))
  return null
}

function reparent(d: Draft, op: OpOf<'reparent'>): Refusal {
  const at = d.byId.get(op.id)
  if (at === undefined) return refuse(`no node "${op.id}" to move`, op.id)
  const child = d.nodes[at]!
  const parent = d.nodes[d.byId.get(op.parent) ?? -1]
  if (!parent) return refuse(`no node "${op.parent}" to move ${nodeName(child)} under`, op.id)
  if (subtreeIds({ ...d.spec, nodes: d.nodes }, op.id).includes(op.parent)) {
    return refuse(`${nodeName(child)} cannot move under ${nodeName(parent)}, which sits below it`, op.id)
  }
  const rule = linkRuleViolation(child, parent)
  if (rule) return refuse(rule, op.id)
  // A moved node takes the first free device number under its new parent.
  const moved: TopoNodeSpec = { ...child, parent: op.parent }
  delete moved.slot
  delete moved.fn
  d.nodes[at] = moved
  return null
}

/** One op on the draft; a patch that does not fit the node adds its own located issues. */
function applyOp(d: Draft, op: EditOp, at: string, issues: InputIssue[]): Refusal {
  switch (op.op) {
    case 'addNode':
      return addNode(d, op)
    case 'removeNodes':
      return removeNodes(d, op)
    case 'updateNode': {
      const i = d.byId.get(op.id)
      if (i === undefined) return refuse(`no node "${op.id}" to update`, op.id)
      const before = issues.length
      const next = patchNode(d.nodes[i]!, op.patch, at, issues)
      if (issues.length === before) d.nodes[i] = next
      return null
    }
    case 'reparent':
      return reparent(d, op)
    case 'setCpu':
      d.cpu = op.cpu === null ? null : { ...op.cpu }
      return null
  }
}

/**
 * Applies the ops of one request to `spec` in order. Refuses (issues located at `ops[i]`) when an op
 * is malformed for this spec, breaks a PCIe link rule, or the resulting machine does not build.
 */
export function applyEdits(spec: MachineSpec, req: EditRequest, settings: LabSettings): EditResult {
  const ops: EditOp[] = Array.isArray(req) ? req : [req]
  const d: Draft = { spec, nodes: spec.nodes.slice(), cpu: spec.cpu, byId: new Map() }
  const issues: InputIssue[] = []
  for (const [i, op] of ops.entries()) {
    d.byId = new Map(d.nodes.map((n, j) => [n.id, j]))
    const refusal = applyOp(d, op, `ops[${i}]`, issues)
    if (refusal) {
      const is: InputIssue = { source: 'topology.edit', path: `ops[${i}]`, message: refusal.message }
      if (refusal.nodeId !== undefined) is.nodeId = refusal.nodeId
      issues.push(is)
    }
    if (issues.length > 0) break
  }
  if (issues.length > 0) return { ok: false, issues }
  const next: MachineSpec = { ...spec, cpu: d.cpu, nodes: d.nodes }
  const built = buildMachine(next, settings)
  if (!built.ok) return { ok: false, issues: built.issues }
  return { ok: true, spec: next, machine: built.machine }
}

/** A lab with one host bridge and nothing below it: the editor's "New empty lab". */
export function emptyMachine(): MachineSpec {
  return {
    name: 'New lab',
    cpu: null,
    nodes: [
      {
        id: 'hb0',
        kind: 'host_bridge',
        parent: null,
        label: 'Host bridge 0',
        host: {
          domain: 0,
          rootBus: 0,
          numaNode: 0,
          hostDevice: { vendor: 0x8086, device: 0x2020, label: 'Sky Lake-E DMI3 Registers' },
        },
      },
    ],
  }
}
