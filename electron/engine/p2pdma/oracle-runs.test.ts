/**
 * All 32 runs of docs/kernel/oracle.md#the-32-runs (real 6.12.117 and 7.2.13 kernels booted in QEMU),
 * replayed on the engine: 6.12 runs with era v6.12, 7.2 runs with era v7.2. Each run lists the
 * allowed and refused (provider, client) pairs exactly as the oracle table does (XY = provider X,
 * client Y), and the dmesg expectations.
 *
 * Modelling of the run options:
 * - "-acs" runs: the guest wrote ACS Control RR|CR (0x000c) to root port 00:10.0 before the first
 *   P2P mapping; modelled as firmware ACS Control RR|CR on rp1.
 * - "-iommu" runs: intel_iommu=on, so the kernel sets SV|RR|CR|UF (0x001d) on every port with ACS.
 * - "-noredir": plus pci=disable_acs_redir=0000:00:10.0 (the oracle saw "Configured ACS to 0x0000").
 * - "-rp2030" / "-rp3c00": every pcie-root-port reports 8086:2030 / 8086:3c00; the first device of
 *   each pxb root bus is such a root port at 80:00.0 / 90:00.0 and pci_host_bridge_dev() picks it.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type CpuSpec, type Era, type MachineSpec } from '../../../shared/model/topology'
import { refusedReadErrno } from '../era/index'
import { buildMachine } from '../topology/build'
import { CPUS, qemuMf, qemuPxb, qemuPxb2, qemuSw } from '../../../tests/helpers/topologies'
import { computeMatrix } from './matrix'

type CpuKey = keyof typeof CPUS
type Topo = 'sw' | 'pxb' | 'mf' | 'pxb2'

interface OracleRun {
  name: string
  kernel: '6.12' | '7.2'
  cpu: CpuKey
  topo: Topo
  iommu?: boolean
  /** ACS Control written to rp1 (00:10.0) before the first mapping. */
  rp1Acs?: boolean
  disableAcsRedir?: string
  rootPortId?: number
  allowed: string
  refused: string
  /** Kernel allowed, but QEMU's vIOMMU dropped the data (kernel verdict = allowed). */
  dataAbsent?: string
}

const SW = 'A=03:00.0, B=04:00.0, C=05:00.0, D=00:12.0'
const MF = 'A=01:00.0, B=01:00.1, C=02:00.0'
const PXB = `${SW}, E=81:00.0`
const PXB2 = 'C=01:00.0, E=81:00.0, F=82:00.0, G=91:00.0'
const DEVICES: Record<Topo, string> = { sw: SW, mf: MF, pxb: PXB, pxb2: PXB2 }

const SW_ALL = 'AB AC AD BA BC BD CA CB CD DA DB DC'
const SW_REFUSED = 'AC AD BC BD CA CB CD DA DB DC'
const MF_ALL = 'AB AC BA BC CA CB'
const PXB_ALL = 'AB AC AD AE BA BC BD BE CA CB CD CE DA DB DC DE EA EB EC ED'
const PXB_REFUSED = 'AC AD AE BC BD BE CA CB CD CE DA DB DC DE EA EB EC ED'
const PXB2_ALL = 'CE CF CG EC EF EG FC FE FG GC GE GF'

// docs/kernel/oracle.md#the-32-runs, in the order they were run.
const RUNS: OracleRun[] = [
  { name: 'k72-epyc-sw', kernel: '7.2', cpu: 'epyc', topo: 'sw', allowed: SW_ALL, refused: '' },
  { name: 'k612-epyc-sw', kernel: '6.12', cpu: 'epyc', topo: 'sw', allowed: SW_ALL, refused: '' },
  {
    name: 'k72-skx-sw',
    kernel: '7.2',
    cpu: 'skylakeServer',
    topo: 'sw',
    allowed: 'AB BA',
    refused: SW_REFUSED,
  },
  {
    name: 'k612-skx-sw',
    kernel: '6.12',
    cpu: 'skylakeServer',
    topo: 'sw',
    allowed: 'AB BA',
    refused: SW_REFUSED,
  },
  { name: 'k72-qemu64-sw', kernel: '7.2', cpu: 'qemu64', topo: 'sw', allowed: 'AB BA', refused: SW_REFUSED },
  {
    name: 'k612-qemu64-sw',
    kernel: '6.12',
    cpu: 'qemu64',
    topo: 'sw',
    allowed: 'AB BA',
    refused: SW_REFUSED,
  },
  {
    name: 'k72-epycfam22-sw',
    kernel: '7.2',
    cpu: 'epycFamily22',
    topo: 'sw',
    allowed: 'AB BA',
    refused: SW_REFUSED,
  },
  {
    name: 'k612-epycfam22-sw',
    kernel: '6.12',
    cpu: 'epycFamily22',
    topo: 'sw',
    allowed: 'AB BA',
    refused: SW_REFUSED,
  },
  { name: 'k72-dhyana-sw', kernel: '7.2', cpu: 'dhyana', topo: 'sw', allowed: 'AB BA', refused: SW_REFUSED },
  {
    name: 'k612-dhyana-sw',
    kernel: '6.12',
    cpu: 'dhyana',
    topo: 'sw',
    allowed: 'AB BA',
    refused: SW_REFUSED,
  },
  {
    name: 'k72-skx-mf',
    kernel: '7.2',
    cpu: 'skylakeServer',
    topo: 'mf',
    allowed: 'AB BA',
    refused: 'AC BC CA CB',
  },
  {
    name: 'k612-skx-mf',
    kernel: '6.12',
    cpu: 'skylakeServer',
    topo: 'mf',
    allowed: 'AB BA',
    refused: 'AC BC CA CB',
  },
  {
    name: 'k72-skx-mf-acs',
    kernel: '7.2',
    cpu: 'skylakeServer',
    topo: 'mf',
    rp1Acs: true,
    allowed: '',
    refused: MF_ALL,
  },
  {
    name: 'k612-skx-mf-acs',
    kernel: '6.12',
    cpu: 'skylakeServer',
    topo: 'mf',
    rp1Acs: true,
    allowed: '',
    refused: MF_ALL,
  },
  {
    name: 'k72-epyc-mf-acs',
    kernel: '7.2',
    cpu: 'epyc',
    topo: 'mf',
    rp1Acs: true,
    allowed: MF_ALL,
    refused: '',
  },
  {
    name: 'k612-epyc-mf-acs',
    kernel: '6.12',
    cpu: 'epyc',
    topo: 'mf',
    rp1Acs: true,
    allowed: MF_ALL,
    refused: '',
  },
  {
    name: 'k72-skx-mf-iommu',
    kernel: '7.2',
    cpu: 'skylakeServer',
    topo: 'mf',
    iommu: true,
    allowed: '',
    refused: MF_ALL,
  },
  {
    name: 'k612-skx-mf-iommu',
    kernel: '6.12',
    cpu: 'skylakeServer',
    topo: 'mf',
    iommu: true,
    allowed: '',
    refused: MF_ALL,
  },
  // The same run on both kernels: pci=disable_acs_redir= on the multifunction device.
  ...(['7.2', '6.12'] as const).map((kernel): OracleRun => ({
    name: `k${kernel.replace('.', '')}-skx-mf-iommu-noredir`,
    kernel,
    cpu: 'skylakeServer',
    topo: 'mf',
    iommu: true,
    disableAcsRedir: '0000:00:10.0',
    allowed: '',
    refused: 'AC BC CA CB',
    dataAbsent: 'AB BA',
  })),
  {
    name: 'k612-epyc-mf-iommu',
    kernel: '6.12',
    cpu: 'epyc',
    topo: 'mf',
    iommu: true,
    allowed: MF_ALL,
    refused: '',
  },
  {
    name: 'k72-skx-pxb',
    kernel: '7.2',
    cpu: 'skylakeServer',
    topo: 'pxb',
    allowed: 'AB BA',
    refused: PXB_REFUSED,
  },
  {
    name: 'k612-skx-pxb',
    kernel: '6.12',
    cpu: 'skylakeServer',
    topo: 'pxb',
    allowed: 'AB BA',
    refused: PXB_REFUSED,
  },
  { name: 'k72-epyc-pxb', kernel: '7.2', cpu: 'epyc', topo: 'pxb', allowed: PXB_ALL, refused: '' },
  { name: 'k612-epyc-pxb', kernel: '6.12', cpu: 'epyc', topo: 'pxb', allowed: PXB_ALL, refused: '' },
  { name: 'k72-skx-pxb2', kernel: '7.2', cpu: 'skylakeServer', topo: 'pxb2', allowed: '', refused: PXB2_ALL },
  {
    name: 'k612-skx-pxb2',
    kernel: '6.12',
    cpu: 'skylakeServer',
    topo: 'pxb2',
    allowed: '',
    refused: PXB2_ALL,
  },
  {
    name: 'k72-skx-pxb2-rp2030',
    kernel: '7.2',
    cpu: 'skylakeServer',
    topo: 'pxb2',
    rootPortId: 0x2030,
    allowed: 'EF EG FE FG GE GF',
    refused: 'CE CF CG EC FC GC',
  },
  {
    name: 'k612-skx-pxb2-rp2030',
    kernel: '6.12',
    cpu: 'skylakeServer',
    topo: 'pxb2',
    rootPortId: 0x2030,
    allowed: 'EF EG FE FG GE GF',
    refused: 'CE CF CG EC FC GC',
  },
  {
    name: 'k72-skx-pxb2-rp3c00',
    kernel: '7.2',
    cpu: 'skylakeServer',
    topo: 'pxb2',
    rootPortId: 0x3c00,
    allowed: 'EF FE',
    refused: 'CE CF CG EC EG FC FG GC GE GF',
  },
  {
    name: 'k612-skx-pxb2-rp3c00',
    kernel: '6.12',
    cpu: 'skylakeServer',
    topo: 'pxb2',
    rootPortId: 0x3c00,
    allowed: 'EF FE',
    refused: 'CE CF CG EC EG FC FG GC GE GF',
  },
  { name: 'k612-epyc-pxb2', kernel: '6.12', cpu: 'epyc', topo: 'pxb2', allowed: PXB2_ALL, refused: '' },
]

function specOf(run: OracleRun): MachineSpec {
  const cpu: CpuSpec = { ...CPUS[run.cpu] }
  switch (run.topo) {
    case 'sw':
      return qemuSw(cpu)
    case 'pxb':
      return qemuPxb(cpu)
    case 'mf':
      return qemuMf({ cpu, rp1Ctrl: run.rp1Acs ? ['RR', 'CR'] : [] })
    case 'pxb2':
      return run.rootPortId === undefined ? qemuPxb2(undefined, cpu) : qemuPxb2(run.rootPortId, cpu)
  }
}

const pairsOf = (s: string | undefined): string[] => (s ? s.split(' ').filter(Boolean).sort() : [])

function replay(run: OracleRun) {
  const era: Era = run.kernel === '6.12' ? 'v6.12' : 'v7.2'
  const built = buildMachine(specOf(run), {
    ...DEFAULT_SETTINGS,
    era,
    iommu: !!run.iommu,
    disableAcsRedir: run.disableAcsRedir ?? '',
  })
  if (!built.ok) throw new Error(JSON.stringify(built.issues))
  const m = built.machine
  const letters = DEVICES[run.topo].split(', ').map((x) => x.split('=') as [string, string])
  const letterOf = new Map(letters.map(([l, b]) => [`0000:${b}`, l]))
  for (const [l, b] of letters) expect(m.devs.get(l)?.bdf, `${run.name}: ${l}`).toBe(`0000:${b}`)
  const matrix = computeMatrix(m)
  const allowed: string[] = []
  const refused: string[] = []
  const selfOk: boolean[] = []
  const byPair = new Map<string, (typeof matrix.pairs)[number]>()
  for (const p of matrix.pairs) {
    const a = letterOf.get(p.provider)
    const b = letterOf.get(p.client)
    if (!a || !b) continue
    const ok = p.mapType === 'BUS_ADDR' || p.mapType === 'THRU_HOST_BRIDGE'
    if (a === b) {
      selfOk.push(ok)
      continue
    }
    byPair.set(a + b, p)
    ;(ok ? allowed : refused).push(a + b)
  }
  return { m, era, allowed: allowed.sort(), refused: refused.sort(), selfOk, byPair, letters }
}

const totals = { deny: 0, acs: 0, hint: 0, whitelist: 0 }

describe('the 32 QEMU runs of docs/kernel/oracle.md#the-32-runs (6.12 -> v6.12, 7.2 -> v7.2)', () => {
  it('the table has all 32 runs', () => {
    expect(RUNS).toHaveLength(32)
    expect(new Set(RUNS.map((r) => r.name)).size).toBe(32)
  })

  it.each(RUNS.map((r) => [r.name, r] as const))('%s', (_name, run) => {
    const r = replay(run)
    expect(r.allowed).toEqual(pairsOf([run.allowed, run.dataAbsent].filter(Boolean).join(' ')))
    expect(r.refused).toEqual(pairsOf(run.refused))
    expect(r.selfOk.every(Boolean)).toBe(true)
    expect(refusedReadErrno(r.era)).toBe(run.kernel === '6.12' ? 'EREMOTEIO' : 'EINVAL')

    const acsRun = !!run.rp1Acs || (!!run.iommu && !run.disableAcsRedir)
    const intel = run.cpu !== 'epyc'
    for (const [pair, v] of r.byPair) {
      const [a, b] = [pair[0] as string, pair[1] as string]
      const provider = r.m.devs.get(a)?.bdf
      const client = r.m.devs.get(b)?.bdf
      const deny = `nvme ${client}: cannot be used for peer-to-peer DMA as the client and provider (${provider}) do not share an upstream bridge or whitelisted host bridge`
      const acsLine = `nvme ${client}: ACS redirect is set between the client and provider (${provider})`
      const hint = `nvme ${client}: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=0000:00:10.0`
      const wl = 'pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:29c0'
      const sameSlot = run.topo === 'mf' && (pair === 'AB' || pair === 'BA')
      const expected: string[] = []
      if (acsRun && sameSlot) {
        // the common upstream bridge 00:10.0 itself is the redirecting port
        expected.push(acsLine, hint)
        if (intel) expected.push(wl)
        expect(v.acsRedirect).toEqual(['0000:00:10.0'])
        expect(v.mapType).toBe(intel ? 'NOT_SUPPORTED' : 'THRU_HOST_BRIDGE')
      }
      if (v.mapType === 'NOT_SUPPORTED') expected.push(deny)
      expect(v.warnings, `${run.name} ${pair}`).toEqual(expected)
      for (const w of v.warnings) {
        if (w === deny) totals.deny++
        if (w === acsLine) totals.acs++
        if (w === hint) totals.hint++
        if (w === wl) totals.whitelist++
      }
    }
  })

  it('dmesg line counts over the 32 runs match the oracle (212 deny, 14 ACS, 14 hints, 8 whitelist lines)', () => {
    expect(totals).toEqual({ deny: 212, acs: 14, hint: 14, whitelist: 8 })
  })
})

describe('docs/kernel/oracle.md#what-the-real-kernels-showed item 7: verdicts are cached per (provider, client) at the first mapping', () => {
  it('a later ACS change does not change a cached verdict; a fresh pair is computed once and logged once', async () => {
    const { pciP2pdmaMapType } = await import('./distance-many')
    const build = (rp1Ctrl: ('RR' | 'CR')[]) => {
      const b = buildMachine(qemuMf({ rp1Ctrl }), { ...DEFAULT_SETTINGS, era: 'v6.12' })
      if (!b.ok) throw new Error('build')
      return b.machine
    }
    const first = pciP2pdmaMapType(build([]), 'A', 'B')
    expect(first.mapType).toBe('BUS_ADDR')
    // ACS RR|CR written to 00:10.0 after the first mapping: the cached BUS_ADDR stays
    const later = pciP2pdmaMapType(build(['RR', 'CR']), 'A', 'B', { cache: first.cache })
    expect(later).toMatchObject({ mapType: 'BUS_ADDR', computed: null, logs: [], cacheWrites: [] })
    // without the cache entry the same machine refuses, logging once
    const fresh = pciP2pdmaMapType(build(['RR', 'CR']), 'A', 'B')
    expect(fresh.mapType).toBe('NOT_SUPPORTED')
    expect(fresh.logs).toHaveLength(4)
    expect(pciP2pdmaMapType(build(['RR', 'CR']), 'A', 'B', { cache: fresh.cache }).logs).toEqual([])
  })
})
