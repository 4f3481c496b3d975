/**
 * The P2PDMA parts of docs/kernel/cases.md, named by case id: distances, map types, ACS,
 * whitelist, CPU check, distance_many, find_many, the RFC's pci_test_p2p and add_resource.
 */
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SETTINGS,
  ERAS,
  type Era,
  type LabSettings,
  type MachineSpec,
} from '../../../shared/model/topology'
import { eraDef, p2pRules } from '../era/index'
import { belowN, rngInit } from '../core/rng'
import { buildMachine } from '../topology/build'
import type { Machine } from '../topology/types'
import { t1, t1amd, t1nw, t3 } from '../../../tests/helpers/topologies'
import { cpuSupportsP2pdma } from './cpu'
import { acsListString, calcMapTypeAndDist, upstreamBridgeDistance, walkUpstream } from './distance'
import {
  cacheLookup,
  deviceTestP2p,
  pciP2pdmaDistance,
  pciP2pdmaDistanceMany,
  pciP2pdmaMapType,
  pciP2pmemFindMany,
  pciTestP2p,
} from './distance-many'
import { computeMatrix, explainPair, toP2pJson } from './matrix'
import { pciDev } from './pci'
import {
  EMPTY_REGISTRY,
  hasP2pdmaFn,
  p2pmemSysfs,
  pciAllocP2pmem,
  pciHasP2pmem,
  pciP2pdmaAddResource,
  pciP2pmemAllocSgl,
  pciP2pmemPublish,
  pciP2pmemVirtToBus,
  publishedProviders,
} from './provider'
import { smiLevel } from './smi'
import { hostBridgeWhitelist, pciHostBridgeDev } from './whitelist'

const GiB = 1024 ** 3

function mk(spec: MachineSpec, era: Era, s: Partial<LabSettings> = {}): Machine {
  const r = buildMachine(spec, { ...DEFAULT_SETTINGS, era, ...s })
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  return r.machine
}

const ACS_WARN_GPU0_NIC0 = [
  'mlx5_core 0000:04:00.0: cannot be used for peer-to-peer DMA as ACS redirect is set between the client and provider (0000:03:00.0)',
  'mlx5_core 0000:04:00.0: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=0000:02:00.0;0000:02:01.0',
]
const DENY_NVME0_NIC0_6X =
  'mlx5_core 0000:04:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:06:00.0) do not share an upstream bridge or whitelisted host bridge'

describe('eras table and RNG', () => {
  it('every era has a label, a summary and sources', () => {
    for (const era of ERAS) {
      expect(eraDef(era).label).not.toBe('')
      expect(eraDef(era).sources.length).toBeGreaterThan(0)
      expect(p2pRules(era)).toBeDefined()
    }
  })
  it('belowN is deterministic, in range and covers every value', () => {
    let s = rngInit(42)
    const seen = new Set<number>()
    for (let i = 0; i < 200; i++) {
      const r = belowN(s, 3)
      expect(r.value).toBeGreaterThanOrEqual(0)
      expect(r.value).toBeLessThan(3)
      seen.add(r.value)
      s = r.state
    }
    expect(seen.size).toBe(3)
    expect(belowN(rngInit(7), 1000)).toEqual(belowN(rngInit(7), 1000))
    expect(belowN(rngInit(7), 2 ** 31).value).toBeLessThan(2 ** 31)
  })
})

describe('T1 walk distances (docs/kernel/cases.md#shared-topologies)', () => {
  const m = mk(t1(), 'v6.12')
  it.each([
    ['gpu0', 'nic0', 4],
    ['gpu0', 'nvme2', 4],
    ['nic0', 'nvme2', 4],
    ['nvme0', 'nvme0f1', 2],
    ['gpu0', 'nvme0', 6],
    ['nic0', 'nvme0', 6],
    ['gpu0', 'gpu0', 0],
  ])('%s <-> %s = %i', (a, b, d) => {
    expect(walkUpstream(m, pciDev(m, a), pciDev(m, b)).dist).toBe(d)
    expect(walkUpstream(m, pciDev(m, b), pciDev(m, a)).dist).toBe(d)
  })
  it('T3: GPU0 <-> NIC1 has no common ancestor: 2 + 2 = 4', () => {
    const m3 = mk(t3('8086:2020', '8086:2020'), 'v6.12')
    const w = walkUpstream(m3, pciDev(m3, 'gpu0'), pciDev(m3, 'nic1'))
    expect(w.common).toBeNull()
    expect(w.dist).toBe(4)
    expect(smiLevel(m3, 'gpu0', 'nic1')).toBe('SYS')
  })
  it('nvidia-smi levels: X, PIX, PHB', () => {
    expect(smiLevel(m, 'gpu0', 'gpu0')).toBe('X')
    expect(smiLevel(m, 'gpu0', 'nic0')).toBe('PIX')
    expect(smiLevel(m, 'nvme0', 'nvme0f1')).toBe('PIX')
    expect(smiLevel(m, 'gpu0', 'nvme0')).toBe('PHB')
  })
})

describe('kernel cases', () => {
  it('C01: same switch, bus addresses: add_resource, publish, distance 4 cached as BUS_ADDR, one SG entry; v5.0 also 4', () => {
    const m = mk(t1(), 'v6.12')
    const add = pciP2pdmaAddResource(m, EMPTY_REGISTRY, 'gpu0', 1, 0, 0)
    expect(add.ret).toBe(0)
    expect(add.log).toBe('nvidia 0000:03:00.0: added peer-to-peer DMA memory 0x3800000000-0x3bffffffff')
    let reg = add.registry
    expect(p2pmemSysfs(m, reg, 'gpu0')?.text.size).toBe('17179869184\n')
    reg = pciP2pmemPublish(m, reg, 'gpu0', true)
    expect(p2pmemSysfs(m, reg, 'gpu0')?.published).toBe(1)
    const d = pciP2pdmaDistance(m, 'gpu0', 'nic0', true, { hasP2pdma: hasP2pdmaFn(reg) })
    expect(d.ret).toBe(4)
    expect(d.logs).toEqual([])
    expect(cacheLookup(d.cache, 'gpu0', pciDev(m, 'nic0'))).toBe('BUS_ADDR')
    expect(d.cacheWrites).toEqual([
      { provider: 'gpu0', client: 'nic0', idx: 0x0400, before: 'UNKNOWN', after: 'BUS_ADDR' },
    ])
    const sgl = pciP2pmemAllocSgl(m, reg, 'gpu0', 64 * 1024)
    expect(sgl.nents).toBe(1)
    expect(sgl.sgl?.[0]?.length).toBe(65536)
    expect(sgl.sgl?.[0]?.bus).toBe(0x38_0000_0000)
    // contrast v5.0: same distance, no cache
    const m50 = mk(t1(), 'v5.0')
    const d50 = pciP2pdmaDistance(m50, 'gpu0', 'nic0', true)
    expect(d50.ret).toBe(4)
    expect(d50.cacheWrites).toEqual([])
    expect(add.decisions.every((x) => x.ok)).toBe(true)
  })

  it('C03: same switch with IOMMU on, v5.0 -> -2 -> distance_many -1 with the ACS warnings; RFC pci_test_p2p false', () => {
    const m = mk(t1(), 'v5.0-rfc', { iommu: true })
    const u = upstreamBridgeDistance(m, 'gpu0', 'nic0', false)
    expect(u.ret).toBe(-2)
    expect(u.acsList).toEqual(['0000:02:00.0', '0000:02:01.0'])
    const r = pciP2pdmaDistanceMany(m, 'gpu0', ['nic0'], true)
    expect(r.ret).toBe(-1)
    expect(r.logs).toEqual(ACS_WARN_GPU0_NIC0)
    expect(pciTestP2p(m, 'gpu0', 'nic0', 'as-posted').ret).toBe(false)
    const intended = pciTestP2p(m, 'gpu0', 'nic0', 'as-intended')
    expect(intended.tmp).toBe(-2)
    expect(intended.ret).toBe(false)
    // the same machine on 6.12: ACS below a common bridge -> THRU_HOST_BRIDGE; 8086:2020 is whitelisted
    const m612 = mk(t1(), 'v6.12', { iommu: true })
    const c = calcMapTypeAndDist(m612, 'gpu0', 'nic0', true)
    expect(c.mapType).toBe('THRU_HOST_BRIDGE')
    expect(c.dist).toBe(4)
    expect(c.logs).toEqual([
      'mlx5_core 0000:04:00.0: ACS redirect is set between the client and provider (0000:03:00.0)',
      'mlx5_core 0000:04:00.0: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=0000:02:00.0;0000:02:01.0',
    ])
  })

  it('C04: IOMMU on, ACS redirect disabled on DSP0/DSP1 by pci=disable_acs_redir= -> distance 4, BUS_ADDR', () => {
    const m = mk(t1(), 'v6.12', { iommu: true, disableAcsRedir: '0000:02:00.0;0000:02:01.0' })
    const c = calcMapTypeAndDist(m, 'gpu0', 'nic0', true)
    expect(c.mapType).toBe('BUS_ADDR')
    expect(c.dist).toBe(4)
    expect(c.acsList).toEqual([])
    expect(pciP2pdmaDistance(m, 'gpu0', 'nic0', true).ret).toBe(4)
  })

  it('C05: across root ports on a whitelisted Intel host (8086:2020), IOMMU on -> THRU_HOST_BRIDGE, distance 6', () => {
    const m = mk(t1(), 'v6.12', { iommu: true })
    const add = pciP2pdmaAddResource(m, EMPTY_REGISTRY, 'nvme0', 2, 0, 0)
    expect(add.ret).toBe(0)
    const reg = pciP2pmemPublish(m, add.registry, 'nvme0', true)
    expect(pciHasP2pmem(m, reg, 'nvme0')).toBe(true)
    const d = pciP2pdmaDistance(m, 'nvme0', 'nic0', true, { hasP2pdma: hasP2pdmaFn(reg) })
    expect(d.ret).toBe(6)
    const r = d.perClient[0]
    expect(r && 'mapType' in r ? r.mapType : null).toBe('THRU_HOST_BRIDGE')
    expect(d.logs).toEqual([]) // ACS on RP-B is counted but there is no common bridge: no ACS warning
    expect(cacheLookup(d.cache, 'nvme0', pciDev(m, 'nic0'))).toBe('THRU_HOST_BRIDGE')
    expect(pciHostBridgeDev(m, 'hb0', 'first-devfn0-or-root-port')?.bdf).toBe('0000:00:00.0')
  })

  it('C06: AMD Zen 2 (1022:1480, family 0x19), IOMMU off -> cpu_supports_p2pdma(): THRU_HOST_BRIDGE, 6; v5.4 refuses 1480', () => {
    const m = mk(t1amd(0x1480, 0x19), 'v6.12')
    expect(cpuSupportsP2pdma(m.cpu)).toBe(true)
    const c = calcMapTypeAndDist(m, 'nvme0', 'nic0', true)
    expect(c.mapType).toBe('THRU_HOST_BRIDGE')
    expect(c.dist).toBe(6)
    expect(c.decisions.some((d) => d.fn === '__host_bridge_whitelist')).toBe(false) // the host-bridge id is never looked at
    const m54 = mk(t1amd(0x1480, 0x19), 'v5.4')
    expect(pciP2pdmaDistance(m54, 'nvme0', 'nic0', false).ret).toBe(-1)
    const m54z = mk(t1amd(0x1450, 0x17), 'v5.4')
    expect(pciP2pdmaDistance(m54z, 'nvme0', 'nic0', false).ret).toBe(6)
  })

  it('C07: across root ports on a non-whitelisted host (8086:a700): -1, cached NOT_SUPPORTED, no whitelist line; next prints it', () => {
    const m = mk(t1nw(), 'v6.12')
    const r = pciP2pdmaDistanceMany(m, 'nvme0', ['nic0'], true)
    expect(r.ret).toBe(-1)
    expect(r.logs).toEqual([DENY_NVME0_NIC0_6X])
    expect(cacheLookup(r.cache, 'nvme0', pciDev(m, 'nic0'))).toBe('NOT_SUPPORTED')
    const next = pciP2pdmaDistanceMany(mk(t1nw(), 'next'), 'nvme0', ['nic0'], true)
    expect(next.logs).toEqual([
      'pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:a700',
      DENY_NVME0_NIC0_6X,
    ])
    // 7.2 still uses warn = acs_redirects
    expect(pciP2pdmaDistanceMany(mk(t1nw(), 'v7.2'), 'nvme0', ['nic0'], true).logs).toEqual([
      DENY_NVME0_NIC0_6X,
    ])
  })

  it('C08: across root ports on the 2019 kernel: -1 "do not share an upstream bridge", even on AMD', () => {
    for (const spec of [t1(), t1amd(0x1450, 0x17)]) {
      const r = pciP2pdmaDistanceMany(mk(spec, 'v5.0'), 'nvme0', ['nic0'], true)
      expect(r.ret).toBe(-1)
      expect(r.logs).toEqual([
        'mlx5_core 0000:04:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:06:00.0) do not share an upstream bridge',
      ])
    }
  })

  it('C09: v5.2 AMD root complex 1022:1450 -> 0x1000 + 6 = 4102; 1022:1480 -> -1', () => {
    const m = mk(t1amd(0x1450, 0x17), 'v5.2')
    expect(pciP2pdmaDistanceMany(m, 'nvme0', ['nic0'], false).ret).toBe(4102)
    const u = upstreamBridgeDistance(m, 'nvme0', 'nic0', true)
    expect(u.mapType).toBe('BUS_ADDR') // no separate host-bridge map type yet
    expect(u.logs).toEqual([])
    expect(pciP2pdmaDistanceMany(mk(t1amd(0x1480, 0x17), 'v5.2'), 'nvme0', ['nic0'], false).ret).toBe(-1)
    // the allowance ignores ACS (it is only consulted with no common bridge)
    expect(
      pciP2pdmaDistanceMany(mk(t1amd(0x1450, 0x17), 'v5.2', { iommu: true }), 'nvme0', ['nic0'], false).ret,
    ).toBe(4102)
    expect(
      toP2pJson(computeMatrix(m)).pairs.find(
        (p) => p.provider === '0000:06:00.0' && p.client === '0000:04:00.0',
      ),
    ).toMatchObject({ mapType: 'BUS_ADDR', distance: 4102 })
  })

  it('C13: provider is also the client: 0, BUS_ADDR; find_many([NVMe0]) prefers NVMe0', () => {
    for (const era of ['v5.0', 'v5.4', 'v6.12'] as const) {
      const m = mk(t1(), era)
      expect(pciP2pdmaDistance(m, 'nvme0', 'nvme0', true).ret).toBe(0)
      expect(explainPair(m, '0000:06:00.0', '0000:06:00.0')?.mapType).toBe('BUS_ADDR')
    }
    const m = mk(t1(), 'v6.12')
    let reg = pciP2pdmaAddResource(m, EMPTY_REGISTRY, 'gpu0', 1, 0, 0).registry
    reg = pciP2pdmaAddResource(m, reg, 'nvme0', 2, 0, 0).registry
    reg = pciP2pmemPublish(m, pciP2pmemPublish(m, reg, 'gpu0', true), 'nvme0', true)
    const f = pciP2pmemFindMany(m, publishedProviders(m, reg), ['nvme0'], rngInit(1))
    expect(f.chosen).toBe('nvme0')
    expect(f.candidates).toEqual([
      { provider: 'gpu0', bdf: '0000:03:00.0', score: 6 },
      { provider: 'nvme0', bdf: '0000:06:00.0', score: 0 },
    ])
  })

  it('C16: several clients: T1 4 + 6 = 10; T1-nw -1 (verbose=false stops, verbose=true warns and caches both)', () => {
    const m = mk(t1(), 'v6.12')
    expect(pciP2pdmaDistanceMany(m, 'gpu0', ['nic0', 'nvme0'], true).ret).toBe(10)
    const nw = mk(t1nw(), 'v6.12')
    const quiet = pciP2pdmaDistanceMany(nw, 'gpu0', ['nic0', 'nvme0'], false)
    expect(quiet.ret).toBe(-1)
    expect(quiet.logs).toEqual([])
    expect(quiet.cacheWrites.map((w) => [w.client, w.after])).toEqual([
      ['nic0', 'BUS_ADDR'],
      ['nvme0', 'NOT_SUPPORTED'],
    ])
    const loud = pciP2pdmaDistanceMany(nw, 'gpu0', ['nic0', 'nvme0'], true)
    expect(loud.ret).toBe(-1)
    expect(loud.logs).toEqual([
      'nvme 0000:06:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:03:00.0) do not share an upstream bridge or whitelisted host bridge',
    ])
    expect(loud.cacheWrites).toHaveLength(2)
    // order matters for verbose=false: a refused first client stops the loop before NIC0
    const stop = pciP2pdmaDistanceMany(nw, 'gpu0', ['nvme0', 'nic0'], false)
    expect(stop.perClient).toHaveLength(1)
    expect(stop.cacheWrites).toHaveLength(1)
    expect(pciP2pdmaDistanceMany(nw, 'gpu0', ['nvme0', 'nic0'], true).perClient).toHaveLength(2)
    // edge cases: n == 0, non-PCI client
    expect(pciP2pdmaDistanceMany(m, 'gpu0', [], true).ret).toBe(-1)
    const np = pciP2pdmaDistanceMany(
      m,
      'gpu0',
      ['nic0', { notPci: true, name: 'rxe0', driver: 'rdma_rxe' }],
      true,
    )
    expect(np.ret).toBe(-1)
    expect(np.logs).toEqual(['rdma_rxe rxe0: cannot be used for peer-to-peer DMA as it is not a PCI device'])
    expect(
      pciP2pdmaDistanceMany(m, 'gpu0', [{ notPci: true, name: 'nvme0n1', parentPci: 'nvme2' }], true).ret,
    ).toBe(4)
  })

  it('C18: find_many: GPU0 and GPU1 tie at 8, NVMe0 12, unpublished NVMe2 skipped; random choice, never NVMe0', () => {
    const spec = t1()
    spec.nodes.splice(
      spec.nodes.findIndex((n) => n.id === 'rpB'),
      0,
      {
        id: 'dsp3',
        kind: 'switch_downstream',
        parent: 'usp',
        label: 'DSP3',
        slot: 3,
        vendor: 0x10b5,
        device: 0x9781,
        acs: { cap: ['SV', 'RR', 'CR', 'UF'], ctrl: [] },
      },
      {
        id: 'gpu1',
        kind: 'endpoint',
        parent: 'dsp3',
        label: 'GPU1',
        vendor: 0x10de,
        device: 0x20b0,
        endpoint: {
          type: 'gpu',
          bars: [{ index: 1, size: 16 * GiB, mem64: true, prefetch: true }],
          p2pmemBar: 1,
        },
      },
    )
    const m = mk(spec, 'v6.12')
    let reg = EMPTY_REGISTRY
    for (const [dev, bar] of [
      ['gpu0', 1],
      ['gpu1', 1],
      ['nvme0', 2],
      ['nvme2', 0],
    ] as const) {
      const a = pciP2pdmaAddResource(m, reg, dev, bar, 0, 0)
      expect(a.ret).toBe(0)
      reg = a.registry
    }
    for (const dev of ['gpu0', 'gpu1', 'nvme0']) reg = pciP2pmemPublish(m, reg, dev, true)
    expect(pciHasP2pmem(m, reg, 'nvme2')).toBe(false)
    const chosen = new Set<string>()
    let rng = rngInit(DEFAULT_SETTINGS.seed)
    for (let i = 0; i < 40; i++) {
      const f = pciP2pmemFindMany(m, publishedProviders(m, reg), ['nic0', 'nvme2'], rng)
      expect(f.candidates.map((c) => [c.provider, c.score])).toEqual([
        ['gpu0', 8],
        ['gpu1', 8],
        ['nvme0', 12],
      ])
      expect(f.closest).toEqual(['gpu0', 'gpu1'])
      expect(f.logs).toEqual([])
      chosen.add(f.chosen as string)
      rng = f.rng
    }
    expect([...chosen].sort()).toEqual(['gpu0', 'gpu1'])
    // deterministic for a given RNG state
    expect(pciP2pmemFindMany(m, publishedProviders(m, reg), ['nic0', 'nvme2'], rngInit(9)).chosen).toBe(
      pciP2pmemFindMany(m, publishedProviders(m, reg), ['nic0', 'nvme2'], rngInit(9)).chosen,
    )
  })

  it('C19: pci_p2pdma_add_resource argument checks and pci_alloc_p2pmem NULL cases', () => {
    const m = mk(t1({ busOffset: 0x1000_0000 }), 'v6.12')
    const gpu0 = pciDev(m, 'gpu0')
    const bar1 = gpu0.bars.find((b) => b.index === 1)
    expect(pciP2pdmaAddResource(m, EMPTY_REGISTRY, 'gpu0', 5, 0, 0)).toMatchObject({
      ret: -22,
      errno: 'EINVAL',
    })
    expect(pciP2pdmaAddResource(m, EMPTY_REGISTRY, 'gpu0', 1, 0, 16 * GiB)).toMatchObject({
      ret: -22,
      errno: 'EINVAL',
    })
    expect(pciP2pdmaAddResource(m, EMPTY_REGISTRY, 'gpu0', 1, 13 * GiB, 4 * GiB)).toMatchObject({
      ret: -22,
      errno: 'EINVAL',
    })
    const d = pciP2pdmaAddResource(m, EMPTY_REGISTRY, 'gpu0', 1, 0, 4 * GiB)
    expect(d.ret).toBe(0)
    const st = d.registry.devs['gpu0']
    expect(st?.pagemaps[0]).toMatchObject({
      start: (bar1?.start ?? 0) + 4 * GiB,
      end: (bar1?.start ?? 0) + 16 * GiB - 1,
      bus_offset: 0x1000_0000,
    })
    expect(st?.chunks[0]?.bus).toBe((bar1?.busStart ?? 0) + 4 * GiB) // the gen_pool stores bus addresses
    expect(p2pmemSysfs(m, d.registry, 'gpu0')).toMatchObject({
      size: 12 * GiB,
      available: 12 * GiB,
      published: 0,
    })
    expect(pciAllocP2pmem(m, d.registry, 'nic0', 4096).addr).toBeNull()
    expect(pciAllocP2pmem(m, d.registry, 'gpu0', 13 * GiB).addr).toBeNull()
    const ok = pciAllocP2pmem(m, d.registry, 'gpu0', 4096)
    expect(ok.addr).toBe((bar1?.start ?? 0) + 4 * GiB)
    expect(pciP2pmemVirtToBus(m, ok.registry, 'gpu0', ok.addr)).toBe((bar1?.busStart ?? 0) + 4 * GiB)
    expect(p2pmemSysfs(m, ok.registry, 'gpu0')?.available).toBe(12 * GiB - 4096)
  })

  it('C21: a client whose map type was never computed: v5.4 UNKNOWN (map_sg WARNs, returns 0); v6.0+ computes on demand', () => {
    const m54 = mk(t1(), 'v5.4')
    const u = pciP2pdmaMapType(m54, 'nvme0', 'nic0', {})
    expect(u.mapType).toBe('UNKNOWN')
    expect(u.decisions.at(-1)?.text).toContain('WARN_ON_ONCE(1)')
    // after a distance call 5.4 has an entry: 8086:2020 is not in the 5.4 table
    const d54 = pciP2pdmaDistance(m54, 'nvme0', 'nic0', true)
    expect(pciP2pdmaMapType(m54, 'nvme0', 'nic0', { cache: d54.cache }).mapType).toBe('NOT_SUPPORTED')
    for (const era of ['v6.0', 'v6.12', 'v7.2', 'next'] as const) {
      const m = mk(t1(), era)
      const r = pciP2pdmaMapType(m, 'nvme0', 'nic0', {})
      expect(r.mapType).toBe('THRU_HOST_BRIDGE')
      expect(r.computed?.dist).toBe(6)
      expect(cacheLookup(r.cache, 'nvme0', pciDev(m, 'nic0'))).toBe('THRU_HOST_BRIDGE')
      expect(
        pciP2pdmaMapType(m, 'nvme0', { notPci: true, name: 'nvme0n1', parentPci: 'nic0' }, {}).mapType,
      ).toBe('NOT_SUPPORTED')
    }
    expect(pciP2pdmaMapType(mk(t1(), 'v5.0'), 'nvme0', 'nic0').mapType).toBeNull()
  })

  it('C36: the RFC device_test_p2p as posted returns false (distance 4); as intended true', () => {
    const m = mk(t1(), 'v5.0-rfc')
    const posted = deviceTestP2p(m, 'gpu0', 'nic0')
    expect(m.settings.rfcTestP2p).toBe('as-posted')
    expect(posted.ret).toBe(false)
    expect(posted.tmp).toBe(4)
    expect(posted.intended).toBe(true)
    expect(deviceTestP2p(m, 'gpu0', 'nic0', 'as-intended').ret).toBe(true)
    expect(deviceTestP2p(m, 'gpu0', 'nvme0', 'as-intended')).toMatchObject({ ret: false, tmp: -1 })
    expect(deviceTestP2p(m, 'gpu0', { notPci: true, name: 'virt0' }, 'as-intended')).toMatchObject({
      ret: false,
      tmp: null,
    })
  })
})

describe('walk details', () => {
  it('the ACS list keeps walk order, drops the final ";" and truncates at the seq_buf size', () => {
    expect(acsListString(['0000:02:00.0', '0000:02:01.0'], 128)).toEqual({
      text: '0000:02:00.0;0000:02:01.0',
      overflowed: false,
    })
    const ten = Array.from({ length: 10 }, (_, i) => `0000:0${i}:00.0`)
    const r = acsListString(ten, 128)
    expect(r.overflowed).toBe(true)
    expect(r.text).toHaveLength(127)
    expect(acsListString(ten, 4096).text).toBe(ten.join(';'))
  })
  it('host_bridge_whitelist on T3: REQ_SAME_HOST_BRIDGE refuses across hosts without a warning; flags 0 allows', () => {
    const same = mk(t3('8086:3c00', '8086:3c00'), 'v6.12')
    expect(hostBridgeWhitelist(same, 'v6.12', 'gpu0', 'nic1', true)).toMatchObject({ ok: false, logs: [] })
    const sky = mk(t3('8086:2020', '8086:2030'), 'v6.12')
    expect(hostBridgeWhitelist(sky, 'v6.12', 'gpu0', 'nic1', true).ok).toBe(true)
    const half = mk(t3('8086:a700', '8086:2030'), 'v6.12')
    expect(hostBridgeWhitelist(half, 'v6.12', 'gpu0', 'nic1', true).logs).toEqual([
      'pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:a700',
    ])
    const google = mk(t3('1ae0:0042', '1ae0:abcd'), 'v7.2')
    expect(hostBridgeWhitelist(google, 'v7.2', 'gpu0', 'nic1', false).ok).toBe(true)
    expect(hostBridgeWhitelist(google, 'v6.12', 'gpu0', 'nic1', false).ok).toBe(false)
    const nv = mk(t3('10de:2f95', '10de:2f98'), 'next')
    expect(hostBridgeWhitelist(nv, 'next', 'gpu0', 'nic1', false).ok).toBe(true)
    expect(hostBridgeWhitelist(nv, 'v7.2', 'gpu0', 'nic1', false).ok).toBe(false)
  })
  it('6.x prints the whitelist line with ACS redirect even when !verbose (warn = acs_redirects)', () => {
    const m = mk(t1nw(), 'v6.12', { iommu: true })
    const c = calcMapTypeAndDist(m, 'gpu0', 'nic0', false)
    expect(c.mapType).toBe('NOT_SUPPORTED')
    expect(c.logs).toEqual(['pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:a700'])
  })
})
