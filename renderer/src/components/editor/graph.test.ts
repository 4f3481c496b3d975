import { describe, expect, it } from 'vitest'
import {
  buildGraph,
  CULL_ABOVE,
  cullRegion,
  FOLD_MIN,
  graphBounds,
  mountedIds,
  NODE_H,
  NODE_W,
  nodeDetail,
  regionServes,
  treeLayout,
  viewRect,
  type Graph,
} from './graph'
import type { TopoNodeView } from '../../../../shared/ipc/contract'
import { nodeView } from '../../testing/fake-lab'

function node(
  id: string,
  kind: TopoNodeView['kind'],
  parent: string | null,
  children: string[] = [],
): TopoNodeView {
  const ep = kind === 'endpoint'
  return nodeView({
    id,
    kind,
    label: `${id} label`,
    bdf: parent ? `0000:00:00.${id.length % 8}` : null,
    parent,
    children,
    vendor: ep ? 0x8086 : null,
    device: ep ? 0x10ed : null,
    classCode: ep ? 0x020000 : null,
    endpointType: ep ? 'nic' : null,
    hostBridge: 'hb',
  })
}

const VFS = ['vf0', 'vf1', 'vf2', 'vf3']
const NODES: TopoNodeView[] = [
  node('hb', 'host_bridge', null, ['rp']),
  node('rp', 'root_port', 'hb', ['pf', ...VFS]),
  node('pf', 'pci_bridge', 'rp', []),
  ...VFS.map((id) => node(id, 'endpoint', 'rp')),
]

describe('editor graph', () => {
  it(`folds ${FOLD_MIN}+ identical sibling functions like lstopo's N x { … }`, () => {
    const g = buildGraph(NODES, new Set(), new Set())
    const fold = g.nodes.find((n) => n.count > 1)!
    expect(fold.count).toBe(4)
    expect(fold.members).toEqual(VFS)
    expect(g.nodes).toHaveLength(4)
    for (const id of VFS) expect(g.shownAs.get(id)).toBe(fold.id)
    const open = buildGraph(NODES, new Set(), new Set([fold.foldKey!]))
    expect(open.nodes).toHaveLength(NODES.length)
  })

  it('collapses a bridge: its subtree is hidden and counted', () => {
    const g = buildGraph(NODES, new Set(['rp']), new Set())
    expect(g.nodes.map((n) => n.id)).toEqual(['hb', 'rp'])
    expect(g.nodes[1]!.hidden).toBe(5)
    expect(g.shownAs.get('vf2')).toBe('rp')
    expect(g.edges).toEqual([{ id: 'e:hb>rp', source: 'hb', target: 'rp' }])
  })
})

describe('treeLayout', () => {
  it('places children below their parent, left to right, the parent centred over them', () => {
    const g = buildGraph(NODES, new Set(), new Set(['rp|endpoint/nic/32902/4333/131072/-']))
    const pos = treeLayout(g)
    expect(pos.size).toBe(g.nodes.length)
    const rp = pos.get('rp')!
    const kids = ['pf', ...VFS].map((id) => pos.get(id)!)
    for (const k of kids) expect(k.y).toBeGreaterThan(rp.y)
    for (let i = 1; i < kids.length; i++) expect(kids[i]!.x).toBeGreaterThan(kids[i - 1]!.x)
    const mid = (kids[0]!.x + kids[kids.length - 1]!.x) / 2
    expect(Math.abs(rp.x - mid)).toBeLessThan(1)
  })
})

describe('nodeDetail: what a node draws at a zoom', () => {
  it('small machines in full at any zoom; large ones lose detail as they shrink', () => {
    expect(nodeDetail(0.05, CULL_ABOVE)).toBe('full')
    expect(nodeDetail(1, 1000)).toBe('full')
    expect(nodeDetail(0.45, 1000)).toBe('full')
    expect(nodeDetail(0.3, 1000)).toBe('label')
    expect(nodeDetail(0.1, 1000)).toBe('box')
  })
})

describe('culling: which nodes a large canvas mounts', () => {
  // A host bridge far to the left above a row of 40 endpoints, 300 px apart.
  const g: Graph = {
    nodes: [],
    edges: [],
    shownAs: new Map(),
  }
  const pos = new Map<string, { x: number; y: number }>([['hb', { x: 0, y: 0 }]])
  for (let i = 0; i < 40; i++) {
    pos.set(`e${i}`, { x: i * 300, y: 400 })
    g.edges.push({ id: `hb-e${i}`, source: 'hb', target: `e${i}` })
  }
  g.nodes = [...pos.keys()].map((id) => ({
    id,
    node: node(id, id === 'hb' ? 'host_bridge' : 'endpoint', null),
    count: 1,
    members: [id],
    foldKey: null,
    hidden: 0,
    collapsed: false,
    parent: null,
  }))

  it('the view of a pane at a viewport, in canvas coordinates', () => {
    expect(viewRect({ x: -600, y: -100, zoom: 2 }, { width: 800, height: 400 })).toEqual({
      x: 300,
      y: 50,
      width: 400,
      height: 200,
    })
  })

  it('mounts nodes overlapping the region and both ends of an edge crossing it, nothing else', () => {
    // x 5950..6750, y 300..700: endpoints 20, 21 and 22 (at x 6000, 6300, 6600); 19 ends at 5900
    const region = { x: 5950, y: 300, width: 800, height: 400 }
    // The host bridge far to the left: its links come down into the region. The links to endpoints
    // further right cross the region's x range, but at half height (y 239), above it.
    expect([...mountedIds(g, pos, region)].sort()).toEqual(['e20', 'e21', 'e22', 'hb'])
    // A strip at the links' horizontal legs (y 239): every link whose leg reaches x 5950 is drawn.
    const strip = mountedIds(g, pos, { ...region, y: 200, height: 50 })
    expect([...strip].sort()).toEqual(['hb', ...Array.from({ length: 20 }, (_, i) => `e${i + 20}`)].sort())
    // Below the row nothing is drawn.
    expect(mountedIds(g, pos, { x: 5950, y: 400 + NODE_H + 1, width: 800, height: 100 }).size).toBe(0)
  })

  it('a pan inside the mounted region keeps it; leaving it or zooming far in replaces it', () => {
    const view = { x: 1000, y: 0, width: 1000, height: 500 }
    const region = cullRegion(view)
    expect(region).toEqual({ x: 500, y: -250, width: 2000, height: 1000 })
    expect(regionServes(region, view)).toBe(true)
    expect(regionServes(region, { ...view, x: 1400, y: 200 })).toBe(true)
    expect(regionServes(region, { ...view, x: 1600 })).toBe(false)
    expect(regionServes(region, { x: 1200, y: 0, width: 200, height: 100 })).toBe(false)
  })

  it('the box around every laid-out node', () => {
    expect(graphBounds(pos)).toEqual({ x: 0, y: 0, width: 39 * 300 + NODE_W, height: 400 + NODE_H })
    expect(graphBounds(new Map())).toBeNull()
  })
})
