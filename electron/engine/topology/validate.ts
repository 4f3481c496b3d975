/**
 * Semantic validation of a MachineSpec, with located issues (node id, JSON path, plain English).
 *
 * Order: the shape first (machineSchema's rules: shape, ranges, LIMITS, checked by
 * shared/model/lab-check.ts, which skips a spec object it already found valid — importText() checked
 * the lab it returned — so a checked spec must never be mutated); when the shape is right, the semantic
 * checks below run and collect every problem they find instead of stopping at the first one. The
 * result also carries the resolved layout (slot/fn of every node, children in devfn order, bus
 * ranges of the host bridges) that build.ts enumerates from, so both agree on one reading of the
 * spec.
 */
import type { InputIssue, MachineSpec, NodeKind, TopoNodeSpec } from '../../../shared/model/topology'
import { machineShapeIssues } from '../../../shared/model/lab-check'

/** A spec node after slot/function assignment. */
export interface ResolvedNode {
  spec: TopoNodeSpec
  /** Position in spec.nodes (for JSON paths in issues). */
  index: number
  slot: number
  fn: number
  /** Child node ids in (slot, fn) order. */
  children: string[]
}

export interface Layout {
  nodes: Map<string, ResolvedNode>
  /** Host bridge node ids sorted by (domain, rootBus): the order the kernel's root buses are listed in. */
  hostBridges: string[]
  /** Effective last bus number of each host bridge (spec busEnd or the default). */
  busEnd: Map<string, number>
}

export interface ValidationResult {
  issues: InputIssue[]
  /** null when the spec is too broken to enumerate (the issues say why). */
  layout: Layout | null
}

const BRIDGE_KINDS: ReadonlySet<NodeKind> = new Set([
  'root_port',
  'switch_upstream',
  'switch_downstream',
  'pci_bridge',
])
/** PCIe ports whose secondary side is a single link: only device 0 exists below them (ARI aside). */
const PCIE_PORT_KINDS: ReadonlySet<NodeKind> = new Set(['root_port', 'switch_downstream'])

/**
 * The PCIe link rules: which parent kinds each node kind may link to, with the rule in words. One
 * table for the lab-file check below and for the editor (edit.ts), which names the broken rule.
 */
export const LINK_RULES: Record<NodeKind, { parents: readonly NodeKind[]; rule: string }> = {
  host_bridge: { parents: [], rule: 'a host bridge is the top of a PCI hierarchy and has no parent' },
  root_port: { parents: ['host_bridge'], rule: "a root port sits on a host bridge's root bus" },
  switch_upstream: {
    parents: ['root_port', 'switch_downstream', 'pci_bridge'],
    rule: "a switch upstream port links to a root port or to another switch's downstream port",
  },
  switch_downstream: {
    parents: ['switch_upstream'],
    rule: "a downstream port exists only inside a switch, on its upstream port's secondary bus",
  },
  pci_bridge: {
    parents: ['host_bridge', 'root_port', 'switch_downstream', 'pci_bridge'],
    rule: 'a PCI bridge links to a root port, a downstream port, another PCI bridge or a root bus',
  },
  endpoint: {
    parents: ['host_bridge', 'root_port', 'switch_downstream', 'pci_bridge'],
    rule: "an endpoint links to a root port or a switch downstream port (or sits on a root bus as an RCiEP); a switch upstream port's secondary bus holds only the switch's own downstream ports",
  },
}

/** The link rule `child` under `parent` breaks, or null when the link is allowed. */
export function linkRuleViolation(
  child: Pick<TopoNodeSpec, 'id' | 'kind'>,
  parent: Pick<TopoNodeSpec, 'id' | 'kind'> | null,
): string | null {
  const r = LINK_RULES[child.kind]
  if (parent === null) {
    return child.kind === 'host_bridge'
      ? null
      : `PCIe link rule: ${nodeName(child)} needs a parent (${r.rule})`
  }
  if (r.parents.includes(parent.kind)) return null
  return `PCIe link rule: ${nodeName(child)} cannot go under ${nodeName(parent)}: ${r.rule}`
}

export function isBridgeKind(kind: NodeKind): boolean {
  return BRIDGE_KINDS.has(kind)
}

/** `switch_downstream "dsp3"`: how issues name a node. */
export function nodeName(n: { kind: string; id: string }): string {
  return `${n.kind} "${n.id}"`
}

function issue(message: string, nodeId?: string, path?: string): InputIssue {
  const i: InputIssue = { source: 'topology', message }
  if (nodeId !== undefined) i.nodeId = nodeId
  if (path !== undefined) i.path = path
  return i
}

/** Converts a zod issue path (['nodes', 3, 'endpoint', 'bars', 0, 'size']) to `nodes[3].endpoint.bars[0].size`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += out === '' ? String(p) : `.${String(p)}`
  }
  return out
}

function schemaIssues(spec: unknown): InputIssue[] {
  const found = machineShapeIssues(spec)
  if (found.length === 0) return []
  const nodes = (spec as { nodes?: unknown } | null)?.nodes
  return found.map((zi) => {
    const path = formatPath(zi.path)
    let nodeId: string | undefined
    if (zi.path[0] === 'nodes' && typeof zi.path[1] === 'number' && Array.isArray(nodes)) {
      const n = nodes[zi.path[1]] as { id?: unknown } | undefined
      if (n && typeof n.id === 'string') nodeId = n.id
    }
    const where = path === '' ? 'machine' : path
    return issue(`${where}: ${zi.message}`, nodeId, path || undefined)
  })
}

/**
 * Assigns slot/fn to the children of one parent, in spec order.
 * Explicit slots are reserved first. Below a PCIe port (root/downstream port) a child without a slot
 * goes to device 0 (one link); elsewhere it takes the next free device number, fn 0. A child with a
 * slot but no fn takes the next free function of that slot. `reserved00` is the host bridge's own
 * device at 00.0.
 */
function assignSlots(
  parent: TopoNodeSpec,
  kids: ResolvedNode[],
  reserved00: boolean,
  issues: InputIssue[],
): void {
  const used = new Map<number, Set<number>>() // slot -> fns
  const take = (slot: number, fn: number): void => {
    let s = used.get(slot)
    if (!s) used.set(slot, (s = new Set()))
    s.add(fn)
  }
  if (reserved00) take(0, 0)
  const explicitSlots = new Set(kids.filter((k) => k.spec.slot !== undefined).map((k) => k.spec.slot!))
  if (reserved00) explicitSlots.add(0)
  const port = PCIE_PORT_KINDS.has(parent.kind)
  let lastAutoSlot = -1
  const nextFreeSlot = (): number => {
    for (let s = 0; s < 32; s++) if (!explicitSlots.has(s) && !used.has(s)) return s
    return -1
  }
  const nextFreeFn = (slot: number): number => {
    const s = used.get(slot)
    for (let f = 0; f < 8; f++) if (!s || !s.has(f)) return f
    return -1
  }
  // Explicit (slot, fn) pairs first, so automatic ones go around them.
  for (const k of kids) {
    if (k.spec.slot !== undefined && k.spec.fn !== undefined) {
      k.slot = k.spec.slot
      k.fn = k.spec.fn
      take(k.slot, k.fn)
    }
  }
  for (const k of kids) {
    const { slot, fn } = k.spec
    if (slot !== undefined && fn !== undefined) continue
    let s: number
    if (slot !== undefined) s = slot
    else if (port) s = 0
    else if (fn !== undefined && fn > 0 && lastAutoSlot >= 0) s = lastAutoSlot
    else s = nextFreeSlot()
    if (s < 0) {
      issues.push(
        issue(
          `${nodeName(parent)} has no free device number left (32 devices per bus) for ${nodeName(k.spec)}`,
          k.spec.id,
        ),
      )
      k.slot = -1
      continue
    }
    const f = fn ?? nextFreeFn(s)
    if (f < 0) {
      issues.push(
        issue(
          `device ${s} below ${nodeName(parent)} has no free function left (8 per device) for ${nodeName(k.spec)}`,
          k.spec.id,
        ),
      )
      k.slot = -1
      continue
    }
    k.slot = s
    k.fn = f
    if (slot === undefined) lastAutoSlot = s
    take(s, f)
  }
}

/**
 * Validates a machine spec and resolves slots/functions.
 * Simplification: only the checks the lab needs; the kernel itself would silently skip most of these
 * (a device it cannot reach is simply not enumerated).
 */
export function validateMachine(spec: MachineSpec): ValidationResult {
  const shape = schemaIssues(spec)
  if (shape.length > 0) return { issues: shape, layout: null }

  const issues: InputIssue[] = []
  const nodes = indexNodes(spec, issues)
  for (const r of nodes.values()) checkNode(r, nodes, issues)
  const inCycle = findCycles(nodes, issues)
  const hbs = [...nodes.values()]
    .filter((r) => r.spec.kind === 'host_bridge' && r.spec.host)
    .map((r) => r.spec)
  hbs.sort((a, b) => a.host!.domain - b.host!.domain || a.host!.rootBus - b.host!.rootBus)
  const busEnd = rootBusRanges(hbs, nodes, issues)
  for (const r of nodes.values()) if (r.children.length > 0) placeChildren(r, nodes, issues)
  for (const hb of hbs) checkBusNumbers(hb, busEnd.get(hb.id)!, nodes, inCycle, issues)
  return { issues, layout: issues.length === 0 ? { nodes, hostBridges: hbs.map((h) => h.id), busEnd } : null }
}

/** The nodes by id; a repeated id is an issue and the later node is left out. */
function indexNodes(spec: MachineSpec, issues: InputIssue[]): Map<string, ResolvedNode> {
  const nodes = new Map<string, ResolvedNode>()
  spec.nodes.forEach((n, index) => {
    if (nodes.has(n.id)) {
      issues.push(
        issue(
          `duplicate id "${n.id}" (nodes[${nodes.get(n.id)!.index}] and nodes[${index}])`,
          n.id,
          `nodes[${index}].id`,
        ),
      )
      return
    }
    nodes.set(n.id, { spec: n, index, slot: -1, fn: -1, children: [] })
  })
  return nodes
}

/** One node's kind, parent (LINK_RULES) and per-kind payload; a valid link is recorded in the parent. */
function checkNode(r: ResolvedNode, nodes: Map<string, ResolvedNode>, issues: InputIssue[]): void {
  const n = r.spec
  const at = `nodes[${r.index}]`
  if (n.kind === 'host_bridge') {
    if (n.parent !== null)
      issues.push(issue(`${nodeName(n)} must not have a parent (it has "${n.parent}")`, n.id, `${at}.parent`))
    if (!n.host)
      issues.push(
        issue(
          `${nodeName(n)} has no "host" object (domain, rootBus, numaNode, hostDevice)`,
          n.id,
          `${at}.host`,
        ),
      )
  } else {
    if (n.host)
      issues.push(
        issue(`${nodeName(n)} carries a "host" object, but only host bridges do`, n.id, `${at}.host`),
      )
    if (n.parent === null) {
      issues.push(
        issue(`${nodeName(n)} has no parent; only host bridges sit at the top`, n.id, `${at}.parent`),
      )
    } else {
      const p = nodes.get(n.parent)
      if (!p) {
        issues.push(issue(`${nodeName(n)} has no parent "${n.parent}"`, n.id, `${at}.parent`))
      } else if (!LINK_RULES[n.kind].parents.includes(p.spec.kind)) {
        const allowed = LINK_RULES[n.kind].parents.join(', ')
        issues.push(
          issue(
            `${nodeName(n)} cannot hang under ${nodeName(p.spec)}; allowed parents: ${allowed}`,
            n.id,
            `${at}.parent`,
          ),
        )
      } else {
        p.children.push(n.id)
      }
    }
  }
  if (n.kind === 'endpoint' && !n.endpoint) {
    issues.push(issue(`${nodeName(n)} has no "endpoint" object (type, bars)`, n.id, `${at}.endpoint`))
  }
  if (n.kind !== 'endpoint' && n.endpoint) {
    issues.push(
      issue(`${nodeName(n)} carries an "endpoint" object, but only endpoints do`, n.id, `${at}.endpoint`),
    )
  }
  if (n.endpoint) checkBars(n, at, issues)
}

/**
 * Cycles: follow parents from every node; a walk that revisits a node of the same walk is a loop.
 * Nodes already known to end at a root (or in a loop) stop later walks: linear overall.
 * Returns the ids of the nodes in a loop.
 */
function findCycles(nodes: Map<string, ResolvedNode>, issues: InputIssue[]): Set<string> {
  const inCycle = new Set<string>()
  const settled = new Set<string>()
  for (const r of nodes.values()) {
    const pos = new Map<string, number>()
    const walk: string[] = []
    let cur: string | null = r.spec.id
    while (cur !== null && nodes.has(cur) && !settled.has(cur)) {
      const at = pos.get(cur)
      if (at !== undefined) {
        const loop = walk.slice(at)
        loop.forEach((id) => inCycle.add(id))
        issues.push(issue(`cycle in the tree: ${[...loop, cur].map((id) => `"${id}"`).join(' -> ')}`, cur))
        break
      }
      pos.set(cur, walk.length)
      walk.push(cur)
      cur = nodes.get(cur)!.spec.parent
    }
    walk.forEach((id) => settled.add(id))
  }
  return inCycle
}

/**
 * Host bridges (sorted by domain, root bus): the last bus of each, then unique (domain, rootBus) and
 * non-overlapping bus ranges. Returns the effective last bus of every host bridge.
 */
function rootBusRanges(
  hbs: readonly TopoNodeSpec[],
  nodes: Map<string, ResolvedNode>,
  issues: InputIssue[],
): Map<string, number> {
  // Default last bus: rootBus + 0x7f, capped at 0xff and below the next root bus of the same domain.
  // One pass over the sorted list keeps hostile inputs (thousands of host bridges) linear.
  const busEnd = new Map<string, number>()
  let nextRoot = Infinity
  for (let i = hbs.length - 1; i >= 0; i--) {
    const h = hbs[i]!.host!
    const nh = hbs[i + 1]?.host
    if (!nh || nh.domain !== h.domain) nextRoot = Infinity
    else if (nh.rootBus > h.rootBus) nextRoot = nh.rootBus
    busEnd.set(hbs[i]!.id, h.busEnd ?? Math.min(h.rootBus + 0x7f, 0xff, nextRoot - 1))
  }
  for (const hb of hbs) {
    const h = hb.host!
    const end = busEnd.get(hb.id)!
    const at = `nodes[${nodes.get(hb.id)!.index}].host`
    if (end < h.rootBus)
      issues.push(
        issue(
          `${nodeName(hb)}: busEnd 0x${end.toString(16)} is below rootBus 0x${h.rootBus.toString(16)}`,
          hb.id,
          `${at}.busEnd`,
        ),
      )
  }
  checkRootBusOverlaps(hbs, busEnd, nodes, issues)
  return busEnd
}

/** Duplicates are neighbours in sorted order; an overlap is with the earlier host bridge reaching furthest. */
function checkRootBusOverlaps(
  hbs: readonly TopoNodeSpec[],
  busEnd: Map<string, number>,
  nodes: Map<string, ResolvedNode>,
  issues: InputIssue[],
): void {
  let widest: TopoNodeSpec | null = null
  for (let i = 0; i < hbs.length; i++) {
    const b = hbs[i]!
    const prev = hbs[i - 1]
    if (prev && prev.host!.domain !== b.host!.domain) widest = null
    const at = `nodes[${nodes.get(b.id)!.index}].host.rootBus`
    const bdfDomain = b.host!.domain.toString(16).padStart(4, '0')
    if (prev && prev.host!.domain === b.host!.domain && prev.host!.rootBus === b.host!.rootBus) {
      issues.push(
        issue(
          `${nodeName(prev)} and ${nodeName(b)} both claim root bus ${bdfDomain}:${hex2(b.host!.rootBus)}`,
          b.id,
          at,
        ),
      )
    } else if (widest && b.host!.rootBus <= busEnd.get(widest.id)!) {
      issues.push(
        issue(
          `${nodeName(b)} root bus ${bdfDomain}:${hex2(b.host!.rootBus)} lies inside the bus range of ${nodeName(widest)} (${hex2(widest.host!.rootBus)}-${hex2(busEnd.get(widest.id)!)})`,
          b.id,
          at,
        ),
      )
    }
    if (!widest || busEnd.get(b.id)! > busEnd.get(widest.id)!) widest = b
  }
}

/**
 * Slots and functions of one parent's children (assignSlots), then the checks the kernel's scan
 * implies: one device per devfn, device 0 only below a PCIe port, function 0 present. Leaves the
 * children in devfn order.
 */
function placeChildren(r: ResolvedNode, nodes: Map<string, ResolvedNode>, issues: InputIssue[]): void {
  const p = r.spec
  const kids = r.children.map((id) => nodes.get(id)!)
  const reserved00 = p.kind === 'host_bridge' && !!p.host && p.host.hostDevice !== null
  if (reserved00) {
    for (const k of kids) {
      if (k.spec.slot === 0 && k.spec.fn === 0) {
        issues.push(
          issue(
            `${nodeName(k.spec)} takes 00.0 on the root bus of ${nodeName(p)}, which is the host bridge's own device (hostDevice); use another slot or set hostDevice to null`,
            k.spec.id,
            `nodes[${k.index}].slot`,
          ),
        )
      }
    }
  }
  assignSlots(p, kids, reserved00, issues)
  checkDevfns(p, kids, issues)
  // The kernel scans fn 0 first (pci_scan_slot) and skips the rest of the slot when it is absent.
  const slots = new Set(kids.filter((k) => k.slot >= 0).map((k) => k.slot))
  for (const s of slots) {
    const fns = kids.filter((k) => k.slot === s)
    if (!fns.some((k) => k.fn === 0) && !(reserved00 && s === 0)) {
      const k = fns[0]!
      issues.push(
        issue(
          `${nodeName(k.spec)} is function ${k.fn} of device ${s} below ${nodeName(p)}, but that device has no function 0; the kernel scans function 0 first and would not find it`,
          k.spec.id,
          `nodes[${k.index}].fn`,
        ),
      )
    }
  }
  kids.sort((a, b) => a.slot - b.slot || a.fn - b.fn)
  r.children = kids.map((k) => k.spec.id)
}

/** One child per devfn; below a PCIe port (one link) only device 0. */
function checkDevfns(p: TopoNodeSpec, kids: readonly ResolvedNode[], issues: InputIssue[]): void {
  const byDevfn = new Map<number, ResolvedNode>()
  for (const k of kids) {
    if (k.slot < 0) continue
    const devfn = k.slot * 8 + k.fn
    const prev = byDevfn.get(devfn)
    if (prev) {
      issues.push(
        issue(
          `${nodeName(prev.spec)} and ${nodeName(k.spec)} both sit at ${k.slot.toString(16).padStart(2, '0')}.${k.fn} below ${nodeName(p)}`,
          k.spec.id,
          `nodes[${k.index}].slot`,
        ),
      )
    } else byDevfn.set(devfn, k)
    if (PCIE_PORT_KINDS.has(p.kind) && k.slot !== 0) {
      issues.push(
        issue(
          `${nodeName(k.spec)} is at device ${k.slot} below ${nodeName(p)}, but a PCIe port has one link: only device 0 exists below it`,
          k.spec.id,
          `nodes[${k.index}].slot`,
        ),
      )
    }
  }
}

/** Bus numbers: every bridge takes one bus below its host bridge's root bus, depth-first. */
function checkBusNumbers(
  hb: TopoNodeSpec,
  end: number,
  nodes: Map<string, ResolvedNode>,
  inCycle: ReadonlySet<string>,
  issues: InputIssue[],
): void {
  let next = hb.host!.rootBus
  let reported = false
  const visit = (id: string, depth: number): void => {
    if (depth > 300) return
    for (const c of nodes.get(id)!.children) {
      const k = nodes.get(c)!
      if (!isBridgeKind(k.spec.kind) || inCycle.has(c)) continue
      next++
      if (next > end && !reported) {
        reported = true
        issues.push(
          issue(
            `bus numbers exhausted below ${nodeName(hb)}: ${nodeName(k.spec)} would need bus 0x${next.toString(16)}, past busEnd 0x${end.toString(16)}`,
            c,
          ),
        )
      }
      visit(c, depth + 1)
    }
  }
  visit(hb.id, 0)
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0')
}

/** BAR checks: index clashes (a 64-bit BAR also uses index+1), impossible flags, p2pmemBar target. */
function checkBars(n: TopoNodeSpec, at: string, issues: InputIssue[]): void {
  const ep = n.endpoint!
  const owner = new Map<number, number>() // register index -> bars[] position
  ep.bars.forEach((b, i) => {
    const p = `${at}.endpoint.bars[${i}]`
    const regs = b.mem64 ? [b.index, b.index + 1] : [b.index]
    if (b.mem64 && b.index === 5)
      issues.push(
        issue(
          `${nodeName(n)} BAR5 is 64-bit, but a 64-bit BAR needs two registers and BAR5 is the last`,
          n.id,
          `${p}.mem64`,
        ),
      )
    for (const r of regs) {
      if (r > 5) continue
      const prev = owner.get(r)
      if (prev !== undefined) {
        const pb = ep.bars[prev]!
        issues.push(
          issue(
            `${nodeName(n)} BAR${b.index} overlaps BAR${pb.index}${pb.mem64 ? ' (64-bit, uses two registers)' : ''} at register ${r}`,
            n.id,
            `${p}.index`,
          ),
        )
      } else owner.set(r, i)
    }
    if (b.io && (b.mem64 || b.prefetch))
      issues.push(
        issue(`${nodeName(n)} BAR${b.index} is an I/O BAR and cannot be 64-bit or prefetchable`, n.id, p),
      )
    if (!b.io && b.size < 16)
      issues.push(
        issue(
          `${nodeName(n)} BAR${b.index} is a memory BAR of ${b.size} bytes; memory BARs are at least 16 bytes`,
          n.id,
          `${p}.size`,
        ),
      )
    if (b.io && b.size > 256)
      issues.push(
        issue(
          `${nodeName(n)} BAR${b.index} is an I/O BAR of ${b.size} bytes; I/O BARs are at most 256 bytes`,
          n.id,
          `${p}.size`,
        ),
      )
    if (!b.io && !b.mem64 && b.size > 2 ** 31)
      issues.push(
        issue(
          `${nodeName(n)} BAR${b.index} is a 32-bit BAR of ${b.size} bytes; a 32-bit BAR is at most 2 GiB (set mem64)`,
          n.id,
          `${p}.size`,
        ),
      )
  })
  if (ep.p2pmemBar !== undefined) {
    const b = ep.bars.find((x) => x.index === ep.p2pmemBar)
    const p = `${at}.endpoint.p2pmemBar`
    if (!b)
      issues.push(
        issue(
          `${nodeName(n)} p2pmemBar is BAR${ep.p2pmemBar}, but the endpoint has no BAR${ep.p2pmemBar}`,
          n.id,
          p,
        ),
      )
    else if (b.io)
      issues.push(
        issue(
          `${nodeName(n)} p2pmemBar is BAR${ep.p2pmemBar}, an I/O BAR; pci_p2pdma_add_resource() accepts memory BARs only`,
          n.id,
          p,
        ),
      )
  }
}
