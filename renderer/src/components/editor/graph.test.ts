import { describe, expect, it } from 'vitest'
import { buildGraph, CULL_ABOVE, FOLD_MIN, nodeDetail, treeLayout } from './graph'
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
