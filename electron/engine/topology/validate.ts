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
  /** The child nodes, in (slot, fn) order once validated (spec order before). */
  children: ResolvedNode[]
}

export interface Layout {
  nodes: Map<string, ResolvedNode>
  /** Host bridges sorted by (domain, rootBus): the order the kernel's root buses are listed in. */
  hostBridges: ResolvedNode[]
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

/**
 * Sorts `a` in place and stably, as Array.prototype.sort does; a short list (most buses, most
 * windows) by insertion, which allocates nothing and costs one comparison per item when the list is
 * already in order.
 */
export function stableSort<T>(a: T[], cmp: (x: T, y: T) => number): T[] {
  if (a.length > 16) return a.sort(cmp)
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!
    let j = i - 1
    for (; j >= 0 && cmp(a[j]!, x) > 0; j--) a[j + 1] = a[j]!
    a[j + 1] = x
  }
  return a
}

export function isBridgeKind(kind: NodeKind): boolean {
  return BRIDGE_KINDS.has(kind)
}

/** `switch_downstream "dsp3"`: how issues name a node. */
export function nodeName(n: { kind: string; id: string }): string {
  return `${n.kind} "${n.id}"`
}

/** `nodes[3]`: the JSON path of a node, for issues (built only when there is one). */
function at(r: ResolvedNode): string {
  return `nodes[${r.index}]`
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
  kids: readonly ResolvedNode[],
  reserved00: boolean,
  issues: InputIssue[],
): void {
  // Bit masks (slots 0-31, functions 0-7, both checked by the shape): the functions taken in each
  // slot, and the slots some child names explicitly (plus 00 when it is the host bridge's own).
  const taken = SLOT_FNS.fill(0)
  let explicitSlots = reserved00 ? 1 : 0
  if (reserved00) taken[0] = 1
  for (let kI = 0; kI < kids.length; kI++) {
    const k = kids[kI]!
    if (k.spec.slot !== undefined) explicitSlots |= 1 << k.spec.slot
  }
  const port = PCIE_PORT_KINDS.has(parent.kind)
  let lastAutoSlot = -1
  // Explicit (slot, fn) pairs first, so automatic ones go around them.
  for (let kI = 0; kI < kids.length; kI++) {
    const k = kids[kI]!
    const { slot, fn } = k.spec
    if (slot !== undefined && fn !== undefined) {
      k.slot = slot
      k.fn = fn
      taken[slot] = taken[slot]! | (1 << fn)
    }
  }
  for (let kI = 0; kI < kids.length; kI++) {
    const k = kids[kI]!
    const { slot, fn } = k.spec
    if (slot !== undefined && fn !== undefined) continue
    let s: number
    if (slot !== undefined) s = slot
    else if (port) s = 0
    else if (fn !== undefined && fn > 0 && lastAutoSlot >= 0) s = lastAutoSlot
    else s = nextFreeSlot(explicitSlots, taken)
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
    const f = fn ?? nextFreeFn(taken[s]!)
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
    taken[s] = taken[s]! | (1 << f)
  }
}

/**
 * Per device number (0-31, as the shape check bounds slots), the mask of functions taken: scratch
 * for assignSlots() and checkDevfns(), cleared at the start of each (neither calls the other or
 * itself), so a bus costs no array of its own.
 */
const SLOT_FNS = new Int32Array(32)
const SEEN_FNS = new Int32Array(32)

/** The lowest device number neither named explicitly nor taken, or -1 when all 32 are. */
function nextFreeSlot(explicitSlots: number, taken: Int32Array): number {
  for (let s = 0; s < 32; s++) if (((explicitSlots >>> s) & 1) === 0 && !taken[s]) return s
  return -1
}

/** The lowest function not in the mask `fns`, or -1 when all 8 are taken. */
function nextFreeFn(fns: number): number {
  for (let f = 0; f < 8; f++) if (((fns >>> f) & 1) === 0) return f
  return -1
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
  const list: ResolvedNode[] = []
  const nodes = indexNodes(spec, list, issues)
  const hbs: ResolvedNode[] = []
  for (let rI = 0; rI < list.length; rI++) {
    const r = list[rI]!
    checkNode(r, nodes, issues)
    if (r.spec.kind === 'host_bridge' && r.spec.host) hbs.push(r)
  }
  const inCycle = findCycles(list, nodes, issues)
  stableSort(hbs, byRootBus)
  const busEnd = rootBusRanges(hbs, issues)
  for (let rI = 0; rI < list.length; rI++) {
    const r = list[rI]!
    if (r.children.length > 0) placeChildren(r, issues)
  }
  for (const hb of hbs) checkBusNumbers(hb, busEnd.get(hb.spec.id)!, inCycle, issues)
  return { issues, layout: issues.length === 0 ? { nodes, hostBridges: hbs, busEnd } : null }
}

function byRootBus(a: ResolvedNode, b: ResolvedNode): number {
  const x = a.spec.host!
  const y = b.spec.host!
  return x.domain - y.domain || x.rootBus - y.rootBus
}

/**
 * The children of a node that has none: one shared, frozen list (most nodes are endpoints), replaced
 * by the node's own list when checkNode() links its first child.
 */
const NO_CHILDREN = Object.freeze([]) as unknown as ResolvedNode[]

/** The nodes by id, and in spec order in `list`; a repeated id is an issue and the later node is left out. */
function indexNodes(
  spec: MachineSpec,
  list: ResolvedNode[],
  issues: InputIssue[],
): Map<string, ResolvedNode> {
  const nodes = new Map<string, ResolvedNode>()
  for (let index = 0; index < spec.nodes.length; index++) {
    const n = spec.nodes[index]!
    const first = nodes.get(n.id)
    if (first) {
      issues.push(
        issue(
          `duplicate id "${n.id}" (nodes[${first.index}] and nodes[${index}])`,
          n.id,
          `nodes[${index}].id`,
        ),
      )
      continue
    }
    const r: ResolvedNode = { spec: n, index, slot: -1, fn: -1, children: NO_CHILDREN }
    nodes.set(n.id, r)
    list.push(r)
  }
  return nodes
}

/** One node's kind, parent (LINK_RULES) and per-kind payload; a valid link is recorded in the parent. */
function checkNode(r: ResolvedNode, nodes: Map<string, ResolvedNode>, issues: InputIssue[]): void {
  const n = r.spec
  // The JSON path is built only for an issue: `${at(r)}.parent`.
  if (n.kind === 'host_bridge') {
    if (n.parent !== null)
      issues.push(
        issue(`${nodeName(n)} must not have a parent (it has "${n.parent}")`, n.id, `${at(r)}.parent`),
      )
    if (!n.host)
      issues.push(
        issue(
          `${nodeName(n)} has no "host" object (domain, rootBus, numaNode, hostDevice)`,
          n.id,
          `${at(r)}.host`,
        ),
      )
  } else {
    if (n.host)
      issues.push(
        issue(`${nodeName(n)} carries a "host" object, but only host bridges do`, n.id, `${at(r)}.host`),
      )
    if (n.parent === null) {
      issues.push(
        issue(`${nodeName(n)} has no parent; only host bridges sit at the top`, n.id, `${at(r)}.parent`),
      )
    } else {
      const p = nodes.get(n.parent)
      if (!p) {
        issues.push(issue(`${nodeName(n)} has no parent "${n.parent}"`, n.id, `${at(r)}.parent`))
      } else if (!LINK_RULES[n.kind].parents.includes(p.spec.kind)) {
        const allowed = LINK_RULES[n.kind].parents.join(', ')
        issues.push(
          issue(
            `${nodeName(n)} cannot hang under ${nodeName(p.spec)}; allowed parents: ${allowed}`,
            n.id,
            `${at(r)}.parent`,
          ),
        )
      } else {
        if (p.children === NO_CHILDREN) p.children = [r]
        else p.children.push(r)
      }
    }
  }
  if (n.kind === 'endpoint' && !n.endpoint) {
    issues.push(issue(`${nodeName(n)} has no "endpoint" object (type, bars)`, n.id, `${at(r)}.endpoint`))
  }
  if (n.kind !== 'endpoint' && n.endpoint) {
    issues.push(
      issue(`${nodeName(n)} carries an "endpoint" object, but only endpoints do`, n.id, `${at(r)}.endpoint`),
    )
  }
  if (n.endpoint) checkBars(n, r, issues)
}

/**
 * Cycles: follow parents from every node; a walk that revisits a node of the same walk is a loop.
 * Nodes already known to end at a root (or in a loop) stop later walks: linear overall.
 * Returns the ids of the nodes in a loop.
 */
function findCycles(
  list: readonly ResolvedNode[],
  nodes: Map<string, ResolvedNode>,
  issues: InputIssue[],
): Set<string> {
  const inCycle = new Set<string>()
  // By spec position, the walk (numbered from 1) that first reached each node, 0 for none yet: a node
  // the current walk reaches again closes a loop; one an earlier walk reached is settled (it ends
  // at a root or in a loop).
  const walkOf = new Int32Array(list.length > 0 ? list[list.length - 1]!.index + 1 : 0)
  for (let w = 1; w <= list.length; w++) {
    let cur: ResolvedNode | undefined = list[w - 1]
    while (cur) {
      const seen = walkOf[cur.index]
      if (seen === w) {
        reportCycle(cur.spec.id, nodes, inCycle, issues)
        break
      }
      if (seen !== 0) break
      walkOf[cur.index] = w
      cur = cur.spec.parent === null ? undefined : nodes.get(cur.spec.parent)
    }
  }
  return inCycle
}

/** The loop through `start` (the node a walk reached twice), from `start` up its parents and back. */
function reportCycle(
  start: string,
  nodes: Map<string, ResolvedNode>,
  inCycle: Set<string>,
  issues: InputIssue[],
): void {
  const loop: string[] = []
  let id = start
  do {
    loop.push(id)
    inCycle.add(id)
    id = nodes.get(id)!.spec.parent!
  } while (id !== start)
  issues.push(issue(`cycle in the tree: ${[...loop, start].map((x) => `"${x}"`).join(' -> ')}`, start))
}

/**
 * Host bridges (sorted by domain, root bus): the last bus of each, then unique (domain, rootBus) and
 * non-overlapping bus ranges. Returns the effective last bus of every host bridge.
 */
function rootBusRanges(hbs: readonly ResolvedNode[], issues: InputIssue[]): Map<string, number> {
  // Default last bus: rootBus + 0x7f, capped at 0xff and below the next root bus of the same domain.
  // One pass over the sorted list keeps hostile inputs (thousands of host bridges) linear.
  const busEnd = new Map<string, number>()
  let nextRoot = Infinity
  for (let i = hbs.length - 1; i >= 0; i--) {
    const h = hbs[i]!.spec.host!
    const nh = hbs[i + 1]?.spec.host
    if (!nh || nh.domain !== h.domain) nextRoot = Infinity
    else if (nh.rootBus > h.rootBus) nextRoot = nh.rootBus
    busEnd.set(hbs[i]!.spec.id, h.busEnd ?? Math.min(h.rootBus + 0x7f, 0xff, nextRoot - 1))
  }
  for (const hb of hbs) {
    const h = hb.spec.host!
    const end = busEnd.get(hb.spec.id)!
    if (end < h.rootBus)
      issues.push(
        issue(
          `${nodeName(hb.spec)}: busEnd 0x${end.toString(16)} is below rootBus 0x${h.rootBus.toString(16)}`,
          hb.spec.id,
          `${at(hb)}.host.busEnd`,
        ),
      )
  }
  checkRootBusOverlaps(hbs, busEnd, issues)
  return busEnd
}

/** Duplicates are neighbours in sorted order; an overlap is with the earlier host bridge reaching furthest. */
function checkRootBusOverlaps(
  hbs: readonly ResolvedNode[],
  busEnd: Map<string, number>,
  issues: InputIssue[],
): void {
  let widest: TopoNodeSpec | null = null
  let widestEnd = -1
  for (let i = 0; i < hbs.length; i++) {
    const r = hbs[i]!
    const b = r.spec
    const h = b.host!
    const end = busEnd.get(b.id)!
    const prev = hbs[i - 1]?.spec
    if (prev && prev.host!.domain !== h.domain) widest = null
    if (prev && prev.host!.domain === h.domain && prev.host!.rootBus === h.rootBus) {
      issues.push(
        issue(
          `${nodeName(prev)} and ${nodeName(b)} both claim root bus ${hex4(h.domain)}:${hex2(h.rootBus)}`,
          b.id,
          `${at(r)}.host.rootBus`,
        ),
      )
    } else if (widest && h.rootBus <= widestEnd) {
      issues.push(
        issue(
          `${nodeName(b)} root bus ${hex4(h.domain)}:${hex2(h.rootBus)} lies inside the bus range of ${nodeName(widest)} (${hex2(widest.host!.rootBus)}-${hex2(widestEnd)})`,
          b.id,
          `${at(r)}.host.rootBus`,
        ),
      )
    }
    if (!widest || end > widestEnd) {
      widest = b
      widestEnd = end
    }
  }
}

/**
 * Slots and functions of one parent's children (assignSlots), then the checks the kernel's scan
 * implies: one device per devfn, device 0 only below a PCIe port, function 0 present. Leaves the
 * children in devfn order.
 */
function placeChildren(r: ResolvedNode, issues: InputIssue[]): void {
  const p = r.spec
  const kids = r.children
  const reserved00 = p.kind === 'host_bridge' && !!p.host && p.host.hostDevice !== null
  if (reserved00) {
    for (let kI = 0; kI < kids.length; kI++) {
      const k = kids[kI]!
      if (k.spec.slot === 0 && k.spec.fn === 0) {
        issues.push(
          issue(
            `${nodeName(k.spec)} takes 00.0 on the root bus of ${nodeName(p)}, which is the host bridge's own device (hostDevice); use another slot or set hostDevice to null`,
            k.spec.id,
            `${at(k)}.slot`,
          ),
        )
      }
    }
  }
  assignSlots(p, kids, reserved00, issues)
  checkDevfns(p, kids, issues)
  // The kernel scans fn 0 first (pci_scan_slot) and skips the rest of the slot when it is absent.
  // Reported at the first child of each such slot, slots in the order their first child comes.
  let withFn0 = 0
  for (let kI = 0; kI < kids.length; kI++) {
    const k = kids[kI]!
    if (k.slot >= 0 && k.fn === 0) withFn0 |= 1 << k.slot
  }
  let seen = 0
  for (let kI = 0; kI < kids.length; kI++) {
    const k = kids[kI]!
    if (k.slot < 0) continue
    const bit = 1 << k.slot
    if (seen & bit) continue
    seen |= bit
    if (!(withFn0 & bit) && !(reserved00 && k.slot === 0)) {
      issues.push(
        issue(
          `${nodeName(k.spec)} is function ${k.fn} of device ${k.slot} below ${nodeName(p)}, but that device has no function 0; the kernel scans function 0 first and would not find it`,
          k.spec.id,
          `${at(k)}.fn`,
        ),
      )
    }
  }
  stableSort(kids, byDevfn)
}

function byDevfn(a: ResolvedNode, b: ResolvedNode): number {
  return a.slot - b.slot || a.fn - b.fn
}

/** One child per devfn; below a PCIe port (one link) only device 0. */
function checkDevfns(p: TopoNodeSpec, kids: readonly ResolvedNode[], issues: InputIssue[]): void {
  const port = PCIE_PORT_KINDS.has(p.kind)
  const taken = SEEN_FNS.fill(0) // slot -> mask of functions seen
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i]!
    if (k.slot < 0) continue
    const fns = taken[k.slot]!
    if (fns & (1 << k.fn)) {
      // The child that took this devfn first.
      const prev = kids.find((x) => x.slot === k.slot && x.fn === k.fn)!
      issues.push(
        issue(
          `${nodeName(prev.spec)} and ${nodeName(k.spec)} both sit at ${hex2(k.slot)}.${k.fn} below ${nodeName(p)}`,
          k.spec.id,
          `${at(k)}.slot`,
        ),
      )
    } else taken[k.slot] = fns | (1 << k.fn)
    if (port && k.slot !== 0) {
      issues.push(
        issue(
          `${nodeName(k.spec)} is at device ${k.slot} below ${nodeName(p)}, but a PCIe port has one link: only device 0 exists below it`,
          k.spec.id,
          `${at(k)}.slot`,
        ),
      )
    }
  }
}

/** Bus numbers: every bridge takes one bus below its host bridge's root bus, depth-first. */
function checkBusNumbers(
  hb: ResolvedNode,
  end: number,
  inCycle: ReadonlySet<string>,
  issues: InputIssue[],
): void {
  let next = hb.spec.host!.rootBus
  let reported = false
  const visit = (r: ResolvedNode, depth: number): void => {
    if (depth > 300) return
    for (let kI = 0; kI < r.children.length; kI++) {
      const k = r.children[kI]!
      if (!isBridgeKind(k.spec.kind) || (inCycle.size > 0 && inCycle.has(k.spec.id))) continue
      next++
      if (next > end && !reported) {
        reported = true
        issues.push(
          issue(
            `bus numbers exhausted below ${nodeName(hb.spec)}: ${nodeName(k.spec)} would need bus 0x${next.toString(16)}, past busEnd 0x${end.toString(16)}`,
            k.spec.id,
          ),
        )
      }
      visit(k, depth + 1)
    }
  }
  visit(hb, 0)
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0')
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0')
}

/** BAR checks: index clashes (a 64-bit BAR also uses index+1), impossible flags, p2pmemBar target. */
function checkBars(n: TopoNodeSpec, r: ResolvedNode, issues: InputIssue[]): void {
  let owned = 0 // registers 0-5 an earlier BAR uses (bit mask)
  for (let i = 0; i < n.endpoint!.bars.length; i++) owned = checkBar(n, r, i, owned, issues)
  if (n.endpoint!.p2pmemBar !== undefined) checkP2pmemBar(n, r, issues)
}

/**
 * BAR `i` of the endpoint: its registers against those `owned` by earlier BARs (returns the mask
 * with its own added), its flags and its size.
 */
function checkBar(n: TopoNodeSpec, r: ResolvedNode, i: number, owned: number, issues: InputIssue[]): number {
  const bars = n.endpoint!.bars
  const b = bars[i]!
  if (b.mem64 && b.index === 5)
    issues.push(
      issue(
        `${nodeName(n)} BAR5 is 64-bit, but a 64-bit BAR needs two registers and BAR5 is the last`,
        n.id,
        `${barPath(r, i)}.mem64`,
      ),
    )
  const last = b.mem64 ? b.index + 1 : b.index
  for (let reg = b.index; reg <= last && reg <= 5; reg++) {
    if ((owned & (1 << reg)) === 0) {
      owned |= 1 << reg
      continue
    }
    const pb = bars.find((x) => x.index === reg || (!!x.mem64 && x.index + 1 === reg))!
    issues.push(
      issue(
        `${nodeName(n)} BAR${b.index} overlaps BAR${pb.index}${pb.mem64 ? ' (64-bit, uses two registers)' : ''} at register ${reg}`,
        n.id,
        `${barPath(r, i)}.index`,
      ),
    )
  }
  if (b.io && (b.mem64 || b.prefetch))
    issues.push(
      issue(
        `${nodeName(n)} BAR${b.index} is an I/O BAR and cannot be 64-bit or prefetchable`,
        n.id,
        barPath(r, i),
      ),
    )
  if (!b.io && b.size < 16)
    issues.push(
      issue(
        `${nodeName(n)} BAR${b.index} is a memory BAR of ${b.size} bytes; memory BARs are at least 16 bytes`,
        n.id,
        `${barPath(r, i)}.size`,
      ),
    )
  if (b.io && b.size > 256)
    issues.push(
      issue(
        `${nodeName(n)} BAR${b.index} is an I/O BAR of ${b.size} bytes; I/O BARs are at most 256 bytes`,
        n.id,
        `${barPath(r, i)}.size`,
      ),
    )
  if (!b.io && !b.mem64 && b.size > 2 ** 31)
    issues.push(
      issue(
        `${nodeName(n)} BAR${b.index} is a 32-bit BAR of ${b.size} bytes; a 32-bit BAR is at most 2 GiB (set mem64)`,
        n.id,
        `${barPath(r, i)}.size`,
      ),
    )
  return owned
}

/** The BAR pci_p2pdma_add_resource() is given must exist and be a memory BAR. */
function checkP2pmemBar(n: TopoNodeSpec, r: ResolvedNode, issues: InputIssue[]): void {
  const ep = n.endpoint!
  const bars = ep.bars
  let b: (typeof bars)[number] | undefined
  for (const x of bars)
    if (x.index === ep.p2pmemBar) {
      b = x
      break
    }
  if (!b)
    issues.push(
      issue(
        `${nodeName(n)} p2pmemBar is BAR${ep.p2pmemBar}, but the endpoint has no BAR${ep.p2pmemBar}`,
        n.id,
        `${at(r)}.endpoint.p2pmemBar`,
      ),
    )
  else if (b.io)
    issues.push(
      issue(
        `${nodeName(n)} p2pmemBar is BAR${ep.p2pmemBar}, an I/O BAR; pci_p2pdma_add_resource() accepts memory BARs only`,
        n.id,
        `${at(r)}.endpoint.p2pmemBar`,
      ),
    )
}

/** `nodes[3].endpoint.bars[1]` (for issues only). */
function barPath(r: ResolvedNode, i: number): string {
  return `${at(r)}.endpoint.bars[${i}]`
}
