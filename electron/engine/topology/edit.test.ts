import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type MachineSpec } from '../../../shared/model/topology'
import { defaultLab } from '../lab/default-lab'
import { applyEdits, emptyMachine, subtreeIds } from './edit'
import { linkRuleViolation } from './validate'
import { iomemTree } from './iomem'
import { buildMachine } from './build'

const S = DEFAULT_SETTINGS
const spec = (): MachineSpec => defaultLab().machine

function ok(r: ReturnType<typeof applyEdits>): MachineSpec {
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  return r.spec
}

describe('applyEdits', () => {
  it('builds a small machine from an empty lab: root port, switch, two endpoints', () => {
    const m = ok(
      applyEdits(
        emptyMachine(),
        [
          { op: 'addNode', id: 'rp', kind: 'root_port', parent: 'hb0' },
          { op: 'addNode', id: 'usp', kind: 'switch_upstream', parent: 'rp' },
          {
            op: 'addNode',
            id: 'd0',
            kind: 'switch_downstream',
            parent: 'usp',
            props: { acs: { cap: ['RR', 'CR'], ctrl: [] } },
          },
          { op: 'addNode', id: 'd1', kind: 'switch_downstream', parent: 'usp' },
          {
            op: 'addNode',
            kind: 'endpoint',
            parent: 'd0',
            props: {
              endpoint: {
                type: 'gpu',
                bars: [{ index: 0, size: 1 << 24, mem64: true, prefetch: true }],
                p2pmemBar: 0,
              },
            },
          },
          {
            op: 'addNode',
            kind: 'endpoint',
            parent: 'd1',
            props: { endpoint: { type: 'nvme', bars: [{ index: 0, size: 16384 }] } },
          },
        ],
        S,
      ),
    )
    expect(m.nodes.map((n) => n.id)).toEqual(['hb0', 'rp', 'usp', 'd0', 'd1', 'gpu0', 'nvme0'])
    const built = buildMachine(m, S)
    expect(built.ok).toBe(true)
  })

  it('never mutates its input', () => {
    const before = spec()
    const frozen = JSON.stringify(before)
    ok(
      applyEdits(
        before,
        [
          { op: 'updateNode', id: 'gpu0', patch: { label: 'x' } },
          { op: 'removeNodes', ids: ['sw1_usp'] },
        ],
        S,
      ),
    )
    expect(JSON.stringify(before)).toBe(frozen)
  })

  it('refuses an endpoint under a switch upstream port, naming the PCIe link rule', () => {
    const r = applyEdits(spec(), { op: 'addNode', kind: 'endpoint', parent: 'sw0_usp' }, S)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues[0]!.message).toMatch(
      /PCIe link rule: .*cannot go under switch_upstream "sw0_usp".*holds only the switch's own downstream ports/,
    )
    expect(r.issues[0]!.path).toBe('ops[0]')
  })

  it('refuses a downstream port outside a switch and a move below itself', () => {
    expect(linkRuleViolation({ id: 'd', kind: 'switch_downstream' }, { id: 'r', kind: 'root_port' })).toMatch(
      /downstream port exists only inside a switch/,
    )
    const r = applyEdits(spec(), { op: 'reparent', id: 'sw0_usp', parent: 'sw0_dsp1' }, S)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues[0]!.message).toMatch(/sits below it/)
  })

  it('refuses the whole batch when one op fails, and results that do not build', () => {
    const r = applyEdits(
      spec(),
      [
        { op: 'updateNode', id: 'gpu0', patch: { label: 'fine' } },
        { op: 'removeNodes', ids: ['nope'] },
      ],
      S,
    )
    expect(r.ok).toBe(false)
    const bad = applyEdits(
      spec(),
      { op: 'updateNode', id: 'gpu0', patch: { endpoint: { bars: [{ index: 0, size: 3000 }] } } },
      S,
    )
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.issues.some((i) => i.nodeId === 'gpu0')).toBe(true)
  })

  it('removes a bridge with its subtree', () => {
    expect(subtreeIds(spec(), 'sw0_usp').sort()).toEqual(
      ['sw0_usp', 'sw0_dsp0', 'sw0_dsp1', 'sw0_dsp2', 'sw0_dsp3', 'gpu0', 'gpu1', 'nic0', 'nvme1'].sort(),
    )
    const m = ok(applyEdits(spec(), { op: 'removeNodes', ids: ['sw0_usp'] }, S))
    expect(m.nodes.find((n) => n.id === 'gpu0')).toBeUndefined()
    expect(m.nodes.find((n) => n.id === 'rp0_sw')).toBeDefined()
  })

  it('patches ACS, endpoint and host fields; null clears', () => {
    const m = ok(
      applyEdits(
        spec(),
        [
          {
            op: 'updateNode',
            id: 'sw0_dsp0',
            patch: { acs: { cap: ['SV', 'RR', 'CR'], ctrl: ['RR', 'CR'] } },
          },
          {
            op: 'updateNode',
            id: 'gpu0',
            patch: { label: null, endpoint: { driver: 'nouveau', p2pmemBar: null } },
          },
          { op: 'updateNode', id: 'hb0', patch: { host: { numaNode: 3 } } },
          { op: 'setCpu', cpu: { vendor: 'amd', family: 0x19 } },
        ],
        S,
      ),
    )
    const byId = new Map(m.nodes.map((n) => [n.id, n]))
    expect(byId.get('sw0_dsp0')!.acs).toEqual({ cap: ['SV', 'RR', 'CR'], ctrl: ['RR', 'CR'] })
    expect(byId.get('gpu0')!.label).toBeUndefined()
    expect(byId.get('gpu0')!.endpoint!.driver).toBe('nouveau')
    expect(byId.get('gpu0')!.endpoint!.p2pmemBar).toBeUndefined()
    expect(byId.get('hb0')!.host!.numaNode).toBe(3)
    expect(m.cpu).toEqual({ vendor: 'amd', family: 0x19 })
  })

  it('refuses an endpoint patch on a port', () => {
    const r = applyEdits(
      spec(),
      { op: 'updateNode', id: 'sw0_dsp0', patch: { endpoint: { driver: 'x' } } },
      S,
    )
    expect(r.ok).toBe(false)
  })

  it('adds a second host bridge on a free root bus', () => {
    const m = ok(applyEdits(emptyMachine(), [{ op: 'addNode', kind: 'host_bridge', parent: null }], S))
    expect(m.nodes[1]!.host!.rootBus).toBe(0x80)
  })
})

describe('iomemTree', () => {
  it('nests BARs inside bridge windows inside host bridge apertures, and lists DMA views', () => {
    const built = buildMachine(spec(), S)
    if (!built.ok) throw new Error('default lab does not build')
    const map = iomemTree(built.machine)
    expect(map.iomem[0]!.kind).not.toBe('bar')
    expect(map.iomem.some((r) => r.kind === 'ram')).toBe(true)
    const find = (rs: typeof map.iomem, pred: (r: (typeof map.iomem)[number]) => boolean): boolean =>
      rs.some((r) => pred(r) || find(r.children, pred))
    const host = map.iomem.find(
      (r) => r.kind === 'host_window' && find(r.children, (c) => c.kind === 'bar' && c.owner === 'gpu0'),
    )
    expect(host).toBeDefined()
    expect(
      find(host!.children, (c) => c.kind === 'bridge_window' && find(c.children, (b) => b.owner === 'gpu0')),
    ).toBe(true)
    expect(map.dma.find((d) => d.id === 'gpu0')!.mode).toBe('direct')
    expect(JSON.parse(JSON.stringify(map))).toEqual(map)
    const iommu = buildMachine(spec(), { ...S, iommu: true })
    if (iommu.ok) expect(iomemTree(iommu.machine).dma[0]!.mode).toBe('iommu')
  })
})
