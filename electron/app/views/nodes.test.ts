import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type LabSettings, type MachineSpec } from '../../../shared/model/topology'
import { buildMachine, type Machine } from '../../engine/index'
import { qemuPxb, t1 } from '../../../tests/helpers/topologies'
import { nodeViews } from './nodes'

function build(spec: MachineSpec, settings: Partial<LabSettings> = {}): Machine {
  const r = buildMachine(spec, { ...DEFAULT_SETTINGS, ...settings })
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'))
  return r.machine
}

describe('views', () => {
  it('one view per spec node, host bridges with their key, hex addresses', () => {
    const spec = t1()
    const m = build(spec, { iommu: true })
    const views = nodeViews(m, spec, (d) => d.endpoint?.p2pmemBar !== undefined)
    expect(views).toHaveLength(spec.nodes.length)
    expect(views.map((v) => v.id).slice(0, 5)).toEqual(['hb0', 'rpA', 'usp', 'dsp0', 'gpu0'])
    const hb = views[0]!
    expect(hb.host).toEqual({
      domain: 0,
      busStart: 0,
      busEnd: 0x7f,
      numaNode: 0,
      key: '8086:2020',
      cpus: null,
    })
    expect(hb.children).toEqual(['rpA', 'rpB', 'rpC'])
    const gpu = views.find((v) => v.id === 'gpu0')!
    expect(gpu.bdf).toBe('0000:03:00.0')
    expect(gpu.parent).toBe('dsp0')
    expect(gpu.isProvider).toBe(true)
    expect(gpu.bars.find((b) => b.index === 1)!.start).toBe('0x3800000000')
    const rp = views.find((v) => v.id === 'rpA')!
    expect(rp.acsCap).toEqual(['SV', 'RR', 'CR', 'UF'])
    expect(rp.acsCtrl).toEqual(['SV', 'RR', 'CR', 'UF'])
    expect(rp.secondary).toBe(1)
    expect(views.find((v) => v.id === 'usp')!.acsCap).toBeNull()
    expect(
      nodeViews(build(qemuPxb()), qemuPxb(), () => false).find((v) => v.id === 'pxb1')!.host!.key,
    ).toBeNull()
  })
})
