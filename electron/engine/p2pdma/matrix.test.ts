/**
 * computeMatrix / explainPair / toP2pJson and the nvidia-smi level mapping.
 */
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SETTINGS,
  type Era,
  type LabSettings,
  type MachineSpec,
} from '../../../shared/model/topology'
import { buildMachine } from '../topology/build'
import type { Machine } from '../topology/types'
import { qemuPxb2, t1, t1nw } from '../../../tests/helpers/topologies'
import { computeMatrix, explainPair, isProvider, toP2pJson } from './matrix'
import { smiLevel } from './smi'

function mk(spec: MachineSpec, era: Era, s: Partial<LabSettings> = {}): Machine {
  const r = buildMachine(spec, { ...DEFAULT_SETTINGS, era, ...s })
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  return r.machine
}

describe('computeMatrix', () => {
  it('providers are endpoints with a memory BAR; clients are every endpoint (not the host bridge function)', () => {
    const m = mk(t1(), 'v6.12')
    const mx = computeMatrix(m)
    expect(mx.clients).toEqual([
      '0000:03:00.0',
      '0000:04:00.0',
      '0000:05:00.0',
      '0000:06:00.0',
      '0000:06:00.1',
      '0000:07:00.0',
    ])
    expect(mx.providers).toEqual(mx.clients) // every T1 endpoint has a memory BAR (AHCI: BAR5)
    expect(mx.pairs).toHaveLength(36)
    expect(isProvider(m.devs.get('hb0/hostdev')!)).toBe(false)
    expect(mx.cpu).toMatchObject({ vendor: 'intel', family: 6 })
    for (const p of mx.pairs.filter((x) => x.provider === x.client))
      expect(p).toMatchObject({ mapType: 'BUS_ADDR', distance: 0, smiLevel: 'X' })
  })

  it('v5.0 JSON: raw upstream_bridge_distance() values (-2 ACS, -1 no common bridge) and derived map types', () => {
    const json = toP2pJson(computeMatrix(mk(t1(), 'v5.0', { iommu: true })))
    const pair = (p: string, c: string) => json.pairs.find((x) => x.provider === p && x.client === c)
    expect(pair('0000:03:00.0', '0000:04:00.0')).toMatchObject({
      mapType: 'NOT_SUPPORTED',
      distance: -2,
      acsRedirect: ['0000:02:00.0', '0000:02:01.0'],
    })
    expect(pair('0000:03:00.0', '0000:04:00.0')?.warnings).toHaveLength(2)
    expect(pair('0000:06:00.0', '0000:04:00.0')).toMatchObject({ mapType: 'NOT_SUPPORTED', distance: -1 })
    expect(pair('0000:06:00.0', '0000:06:00.0')).toMatchObject({ mapType: 'BUS_ADDR', distance: 0 })
    expect(json.era).toBe('v5.0')
  })

  it('v6.12 JSON: map type and computed distance; T1-nw refuses across root ports with the 6.x text', () => {
    const json = toP2pJson(computeMatrix(mk(t1(), 'v6.12')))
    expect(
      json.pairs.find((x) => x.provider === '0000:06:00.0' && x.client === '0000:04:00.0'),
    ).toMatchObject({ mapType: 'THRU_HOST_BRIDGE', distance: 6, warnings: [] })
    const nw = toP2pJson(computeMatrix(mk(t1nw(), 'v6.12')))
    const p = nw.pairs.find((x) => x.provider === '0000:06:00.0' && x.client === '0000:04:00.0')
    expect(p).toMatchObject({ mapType: 'NOT_SUPPORTED', distance: 6 })
    expect(p?.warnings).toEqual([
      'mlx5_core 0000:04:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:06:00.0) do not share an upstream bridge or whitelisted host bridge',
    ])
  })

  it('explainPair by BDF or id; null for a non-provider or a non-endpoint', () => {
    const m = mk(t1(), 'v6.12')
    const v = explainPair(m, '0000:03:00.0', '0000:04:00.0')
    expect(v).toMatchObject({
      providerId: 'gpu0',
      clientId: 'nic0',
      mapType: 'BUS_ADDR',
      distance: 4,
      score: 4,
      commonUpstream: 'usp',
      smiLevel: 'PIX',
    })
    expect(v?.path).toEqual(['gpu0', 'dsp0', 'usp', 'dsp1', 'nic0'])
    expect(v?.decisions.some((d) => d.fn === 'calc_map_type_and_dist')).toBe(true)
    expect(explainPair(m, 'gpu0', 'nic0')?.distance).toBe(4)
    expect(explainPair(m, '0000:01:00.0', '0000:04:00.0')).toBeNull()
    expect(explainPair(m, '0000:03:00.0', '0000:00:00.0')).toBeNull()
    expect(explainPair(m, '0000:99:00.0', '0000:04:00.0')).toBeNull()
    const v54 = explainPair(mk(t1(), 'v5.4'), 'nvme0', 'nic0')
    expect(v54?.mapType).toBe('NOT_SUPPORTED') // 8086:2020 is not in the 5.4 table
    expect(v54?.decisions.at(-1)?.text).toContain('only reads that cache')
    expect(v54?.hostBridges).toEqual(['hb0'])
  })

  it('lean mode leaves decisions empty and says so', () => {
    const mx = computeMatrix(mk(t1(), 'v6.12'), { explain: false })
    expect(mx.pairs.every((p) => p.decisions.length === 0)).toBe(true)
    expect(mx.assumptions.at(-1)).toContain('explainPair()')
  })
})

describe('nvidia-smi topo -m levels', () => {
  it('PXB for two switches below one root port; NODE across host bridges of one NUMA node', () => {
    const spec = t1()
    spec.nodes.push(
      {
        id: 'dsp3',
        kind: 'switch_downstream',
        parent: 'usp',
        label: 'DSP3',
        slot: 3,
        vendor: 0x10b5,
        device: 0x9781,
      },
      { id: 'usp2', kind: 'switch_upstream', parent: 'dsp3', label: 'USP2', vendor: 0x10b5, device: 0x9781 },
      {
        id: 'dsp4',
        kind: 'switch_downstream',
        parent: 'usp2',
        label: 'DSP4',
        vendor: 0x10b5,
        device: 0x9781,
      },
      {
        id: 'x',
        kind: 'endpoint',
        parent: 'dsp4',
        label: 'X',
        vendor: 0x10de,
        device: 0x20b0,
        endpoint: { type: 'gpu', bars: [{ index: 0, size: 16 * 1024 * 1024 }] },
      },
    )
    const m = mk(spec, 'v6.12')
    expect(smiLevel(m, 'gpu0', 'x')).toBe('PXB')
    expect(smiLevel(m, 'gpu0', 'nic0')).toBe('PIX')
    const q = mk(qemuPxb2(), 'v6.12')
    expect(smiLevel(q, 'C', 'E')).toBe('NODE')
    expect(smiLevel(q, 'E', 'F')).toBe('PHB')
  })
})
