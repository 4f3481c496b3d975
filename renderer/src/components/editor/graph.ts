/**
 * The canvas's graph: which nodes are drawn (collapsed subtrees hidden, identical sibling functions
 * folded like lstopo's `N x { … }`), and an ELK layered layout, top-down like lstopo's tree.
 * Display only: every fact on a node comes from the engine's TopoNodeView.
 */
import ELK from 'elkjs/lib/elk.bundled.js'
import type { TopoNodeView } from '../../../../shared/ipc/contract'

export const NODE_W = 200
export const NODE_H = 78
/** Endpoint siblings this many or more, identical, fold into one `N x { … }` node. */
export const FOLD_MIN = 3

export interface GraphNode {
  id: string
  node: TopoNodeView
  /** Fold nodes: how many functions they stand for, their ids and the fold key; 1 otherwise. */
  count: number
  members: string[]
  foldKey: string | null
  /** Nodes hidden below a collapsed node (a host bridge or bridge whose subtree is folded away). */
  hidden: number
  collapsed: boolean
  parent: string | null
}

export interface Graph {
  nodes: GraphNode[]
  edges: { id: string; source: string; target: string }[]
  /** Which drawn node stands for each spec node (itself, its fold, or its collapsed ancestor). */
  shownAs: Map<string, string>
}

function signature(n: TopoNodeView): string {
  // Like lstopo: same kind, ids and class (imported labels differ by BDF, so they do not count).
  return [n.kind, n.endpointType, n.vendor, n.device, n.classCode, n.acsCap?.join('') ?? '-'].join('/')
}

/** The drawn graph for `nodes` (depth-first order) given the collapsed nodes and expanded folds. */
export function buildGraph(
  nodes: readonly TopoNodeView[],
  collapsed: ReadonlySet<string>,
  expandedFolds: ReadonlySet<string>,
): Graph {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const out: GraphNode[] = []
  const edges: Graph['edges'] = []
  const shownAs = new Map<string, string>()
  const countBelow = (id: string): number => {
    const n = byId.get(id)
    if (!n) return 0
    let c = 0
    for (const k of n.children) c += 1 + countBelow(k)
    return c
  }
  const hideBelow = (id: string, as: string): void => {
    for (const k of byId.get(id)?.children ?? []) {
      shownAs.set(k, as)
      hideBelow(k, as)
    }
  }
  const visit = (n: TopoNodeView, parent: string | null): void => {
    const isCollapsed = collapsed.has(n.id) && n.children.length > 0
    out.push({
      id: n.id,
      node: n,
      count: 1,
      members: [n.id],
      foldKey: null,
      hidden: isCollapsed ? countBelow(n.id) : 0,
      collapsed: isCollapsed,
      parent,
    })
    shownAs.set(n.id, n.id)
    if (parent) edges.push({ id: `e:${parent}>${n.id}`, source: parent, target: n.id })
    if (isCollapsed) {
      hideBelow(n.id, n.id)
      return
    }
    // Group childless identical siblings.
    const kids = n.children.map((k) => byId.get(k)).filter((k): k is TopoNodeView => !!k)
    const groups = new Map<string, TopoNodeView[]>()
    for (const k of kids) {
      if (k.children.length > 0 || k.kind !== 'endpoint') continue
      const sig = signature(k)
      const g = groups.get(sig)
      if (g) g.push(k)
      else groups.set(sig, [k])
    }
    const emitted = new Set<string>()
    for (const k of kids) {
      if (emitted.has(k.id)) continue
      const g = groups.get(signature(k))
      const key = `${n.id}|${signature(k)}`
      if (g && g.length >= FOLD_MIN && !expandedFolds.has(key)) {
        const id = `fold:${key}`
        out.push({
          id,
          node: k,
          count: g.length,
          members: g.map((x) => x.id),
          foldKey: key,
          hidden: 0,
          collapsed: false,
          parent: n.id,
        })
        edges.push({ id: `e:${n.id}>${id}`, source: n.id, target: id })
        for (const x of g) {
          emitted.add(x.id)
          shownAs.set(x.id, id)
        }
        continue
      }
      emitted.add(k.id)
      visit(k, n.id)
    }
  }
  for (const n of nodes) if (n.parent === null) visit(n, null)
  return { nodes: out, edges, shownAs }
}

/** Above this many drawn nodes the canvas uses treeLayout(): ELK layered needs seconds there. */
export const ELK_MAX_NODES = 120
const GAP_X = 22
const GAP_Y = 46

/**
 * A tidy top-down tree in O(n), like lstopo's drawing: children left to right in devfn order,
 * each parent centred over its children, host bridges side by side.
 */
export function treeLayout(g: Graph): Map<string, { x: number; y: number }> {
  const kids = new Map<string, string[]>()
  const roots: string[] = []
  for (const n of g.nodes) {
    if (n.parent === null) roots.push(n.id)
    else {
      const l = kids.get(n.parent)
      if (l) l.push(n.id)
      else kids.set(n.parent, [n.id])
    }
  }
  const width = new Map<string, number>()
  const measure = (id: string): number => {
    const ks = kids.get(id) ?? []
    let w = 0
    for (const k of ks) w += measure(k)
    w += Math.max(0, ks.length - 1) * GAP_X
    const out = Math.max(NODE_W, w)
    width.set(id, out)
    return out
  }
  const pos = new Map<string, { x: number; y: number }>()
  const place = (id: string, left: number, depth: number): void => {
    const w = width.get(id)!
    pos.set(id, { x: left + (w - NODE_W) / 2, y: depth * (NODE_H + GAP_Y) })
    const ks = kids.get(id) ?? []
    let inner = 0
    for (const k of ks) inner += width.get(k)!
    inner += Math.max(0, ks.length - 1) * GAP_X
    let x = left + (w - inner) / 2
    for (const k of ks) {
      place(k, x, depth + 1)
      x += width.get(k)! + GAP_X
    }
  }
  let x = 0
  for (const r of roots) {
    measure(r)
    place(r, x, 0)
    x += width.get(r)! + 3 * GAP_X
  }
  return pos
}

let elk: InstanceType<typeof ELK> | null = null

/**
 * Top-left positions of the drawn nodes: ELK's layered algorithm (direction DOWN) for machines up
 * to ELK_MAX_NODES drawn nodes, the O(n) treeLayout() above that.
 */
export async function layoutGraph(g: Graph): Promise<Map<string, { x: number; y: number }>> {
  if (g.nodes.length > ELK_MAX_NODES) return treeLayout(g)
  elk ??= new ELK()
  const res = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.layered.spacing.nodeNodeBetweenLayers': String(GAP_Y),
      'elk.spacing.nodeNode': String(GAP_X),
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.separateConnectedComponents': 'false',
      'elk.spacing.componentComponent': '60',
    },
    children: g.nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
    edges: g.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  })
  const pos = new Map<string, { x: number; y: number }>()
  for (const c of res.children ?? []) pos.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 })
  return pos
}

/**
 * Above this many drawn nodes the canvas mounts only the nodes near the view (cullRegion,
 * mountedIds): a pan then styles, lays out and paints what is on screen, not the whole machine.
 */
export const CULL_ABOVE = 150

/** A rectangle in canvas (flow) coordinates. */
export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

/** The part of the canvas on screen: a pane of `size` pixels at viewport translate x, y and zoom. */
export function viewRect(
  vp: { x: number; y: number; zoom: number },
  size: { width: number; height: number },
): Rect {
  return {
    x: -vp.x / vp.zoom,
    y: -vp.y / vp.zoom,
    width: size.width / vp.zoom,
    height: size.height / vp.zoom,
  }
}

/** The region the canvas mounts for a view: the view grown by `margin` of its size on every side. */
export function cullRegion(view: Rect, margin = 0.5): Rect {
  return {
    x: view.x - view.width * margin,
    y: view.y - view.height * margin,
    width: view.width * (1 + 2 * margin),
    height: view.height * (1 + 2 * margin),
  }
}

/**
 * Whether the mounted `region` still serves `view`: the view lies inside it and the region is not
 * far larger than the view (after zooming in a lot, a smaller region mounts fewer nodes). While it
 * holds, panning changes nothing the canvas mounts: the node layer is not re-rendered.
 */
export function regionServes(region: Rect, view: Rect): boolean {
  return (
    view.x >= region.x &&
    view.y >= region.y &&
    view.x + view.width <= region.x + region.width &&
    view.y + view.height <= region.y + region.height &&
    region.width <= view.width * 4
  )
}

function overlaps(a: Rect, x0: number, y0: number, x1: number, y1: number): boolean {
  return x1 >= a.x && x0 <= a.x + a.width && y1 >= a.y && y0 <= a.y + a.height
}

/**
 * The drawn node ids to mount for a region: every node whose box overlaps it, and both ends of
 * every edge that passes through it, so a link into the region from far away is still drawn with
 * its node. An edge is drawn as a smooth step (EditorCanvas): down from the parent's bottom centre
 * to half way, across, and down to the child's top centre; each of the three legs is tested.
 */
export function mountedIds(
  g: Graph,
  pos: ReadonlyMap<string, { x: number; y: number }>,
  region: Rect,
): Set<string> {
  const ids = new Set<string>()
  for (const n of g.nodes) {
    const p = pos.get(n.id)
    if (p && overlaps(region, p.x, p.y, p.x + NODE_W, p.y + NODE_H)) ids.add(n.id)
  }
  for (const e of g.edges) {
    if (ids.has(e.source) && ids.has(e.target)) continue
    const a = pos.get(e.source)
    const b = pos.get(e.target)
    if (!a || !b) continue
    const sx = a.x + NODE_W / 2
    const sy = a.y + NODE_H
    const tx = b.x + NODE_W / 2
    const ty = b.y
    const my = (sy + ty) / 2
    if (
      overlaps(region, sx, Math.min(sy, my), sx, Math.max(sy, my)) ||
      overlaps(region, Math.min(sx, tx), my, Math.max(sx, tx), my) ||
      overlaps(region, tx, Math.min(my, ty), tx, Math.max(my, ty))
    ) {
      ids.add(e.source)
      ids.add(e.target)
    }
  }
  return ids
}

/** The box around every laid-out node (null when nothing is laid out). */
export function graphBounds(pos: ReadonlyMap<string, { x: number; y: number }>): Rect | null {
  let x0 = Infinity
  let y0 = Infinity
  let x1 = -Infinity
  let y1 = -Infinity
  for (const p of pos.values()) {
    x0 = Math.min(x0, p.x)
    y0 = Math.min(y0, p.y)
    x1 = Math.max(x1, p.x + NODE_W)
    y1 = Math.max(y1, p.y + NODE_H)
  }
  return Number.isFinite(x0) ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null
}

/**
 * How much of a node the canvas draws at a zoom: 'full' (kind, BDF, name, ids, badges, buttons),
 * 'label' below 45 % (the kind colour and the name: the rest is unreadable there) and 'box' below
 * 20 % (the kind colour only). Small machines are always drawn in full.
 */
export type NodeDetail = 'full' | 'label' | 'box'

export function nodeDetail(zoom: number, drawn: number): NodeDetail {
  if (drawn <= CULL_ABOVE) return 'full'
  return zoom < 0.2 ? 'box' : zoom < 0.45 ? 'label' : 'full'
}
