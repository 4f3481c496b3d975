/**
 * compactMatrix() and compactRows() must give exactly the verdicts of the detailed classification
 * (p2pdmaClassify, the per-pair path the UI explains) for every pair, era, CPU, IOMMU setting and
 * firmware ACS state: checked exhaustively on the case topologies and by a property test on
 * randomly configured ones. p2pJsonPairs(), which reads them, must give the detailed matrix's JSON.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ERAS,
  type AcsFlag,
  type CpuSpec,
  type Era,
  type LabSettings,
  type MachineSpec,
  type TopoNodeSpec,
} from '../../../shared/model/topology'
import { DEFAULT_SETTINGS } from '../../../shared/model/topology'
import { buildMachine } from '../topology/build'
import { defaultLab } from '../lab/default-lab'
import { syntheticMachine } from '../topology/synthetic'
import { qemuMf, qemuPxb, qemuPxb2, qemuSw, t1, t1amd, t1nw, t3 } from '../../../tests/helpers/topologies'
import { compactMatrix, compactRows, mapTypeName } from './compact'
import { importText } from '../import/index'
import { readFixture } from '../../../tests/helpers/realdata'
import { acs as acsSpec, bar, bridge, endpoint, GiB, hostBridge, MiB } from '../lab/spec'
import { computeMatrix, p2pJsonPairs, toP2pJson } from './matrix'
import { p2pdmaClassify } from './distance'

function agree(spec: MachineSpec, settings: LabSettings): number {
  const built = buildMachine(spec, settings)
  if (!built.ok) throw new Error(JSON.stringify(built.issues.slice(0, 3)))
  const m = built.machine
  const cm = compactMatrix(m)
  let n = 0
  cm.providers.forEach((p, pi) => {
    cm.clients.forEach((c, ci) => {
      const k = pi * cm.clients.length + ci
      const d = p2pdmaClassify(m, p, c, false, settings.era, false)
      const want = { mapType: d.mapType, distance: d.ret, acs: d.acsList.length > 0 }
      const got = { mapType: mapTypeName(cm.mapType[k]!), distance: cm.distance[k]!, acs: cm.acs[k] === 1 }
      expect(got, `${settings.era} ${p} -> ${c}`).toEqual(want)
      n++
    })
  })
  // compactRows(): the same verdicts, one provider row at a time
  const C = cm.clients.length
  let rows = 0
  for (const row of compactRows(m)) {
    expect(row.provider.id).toBe(cm.providers[rows])
    expect(row.clients.map((d) => d.id)).toEqual(cm.clients)
    const at = rows * C
    expect([...row.mapType]).toEqual([...cm.mapType.subarray(at, at + C)])
    expect([...row.distance]).toEqual([...cm.distance.subarray(at, at + C)])
    expect([...row.acs]).toEqual([...cm.acs.subarray(at, at + C)])
    rows++
  }
  expect(rows).toBe(cm.providers.length)
  // p2pJsonPairs() (built on compactRows) is the detailed matrix's stable JSON, warnings included
  expect([...p2pJsonPairs(m)], settings.era).toEqual(toP2pJson(computeMatrix(m, { explain: false })).pairs)
  return n
}

const CPUS: CpuSpec[] = [
  { vendor: 'intel', family: 6 },
  { vendor: 'amd', family: 0x17 },
  { vendor: 'amd', family: 0x16 },
  { vendor: 'hygon', family: 0x18 },
]

describe('compactMatrix agrees with the detailed classification', () => {
  const specs: [string, () => MachineSpec][] = [
    ['T1', () => t1()],
    ['T1-nw', () => t1nw()],
    ['T1-amd-1450', () => t1amd(0x1450)],
    ['T3 2030/3c00', () => t3('8086:2030', '8086:3c00')],
    ['T3 3c00/3c00', () => t3('8086:3c00', '8086:3c00')],
    ['qemu sw', () => qemuSw()],
    ['qemu pxb', () => qemuPxb()],
    ['qemu mf', () => qemuMf()],
    ['qemu pxb2 2030', () => qemuPxb2('8086:2030' as never)],
    ['default lab', () => defaultLab().machine],
  ]
  it.each(specs)('%s: every era, CPU and IOMMU setting', (_name, make) => {
    let pairs = 0
    for (const era of ERAS)
      for (const cpu of CPUS)
        for (const iommu of [false, true])
          pairs += agree({ ...make(), cpu }, { ...DEFAULT_SETTINGS, era, iommu })
    expect(pairs).toBeGreaterThan(0)
  })

  it('random firmware ACS states on T1 and a synthetic machine (property)', () => {
    const ids = ['rpA', 'usp', 'dsp0', 'dsp1', 'dsp2', 'gpu0', 'nic0', 'rpB', 'nvme0', 'nvme0f1']
    const flags: AcsFlag[][] = [[], ['RR'], ['CR'], ['RR', 'CR'], ['EC']]
    fc.assert(
      fc.property(
        fc.constantFrom<Era>(...ERAS),
        fc.constantFrom(...CPUS),
        fc.boolean(),
        fc.array(fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...flags)), { maxLength: 6 }),
        (era, cpu, iommu, acs) => {
          const spec = t1({ cpu, acsCtrl: Object.fromEntries(acs) })
          agree(spec, { ...DEFAULT_SETTINGS, era, iommu })
        },
      ),
      { numRuns: 150 },
    )
    agree(syntheticMachine(100, { perSwitch: 8 }), { ...DEFAULT_SETTINGS, iommu: true })
  })
  it('sibling functions with an ACS capability of their own (property)', () => {
    // A second function beside nic0 on DSP1: seen from GPU0 (below DSP0) both walk up to the
    // switch's USP, and each client's own ACS redirect counts in that walk. With redirect on one
    // function only, the two are not interchangeable columns and must not share a run.
    const flags: AcsFlag[][] = [[], ['RR'], ['CR'], ['EC'], ['SV']]
    fc.assert(
      fc.property(
        fc.constantFrom<Era>(...ERAS),
        fc.constantFrom(...flags),
        fc.constantFrom(...flags),
        (era, f0, f1) => {
          const spec = t1()
          const withCap = (n: TopoNodeSpec, f: AcsFlag[]) => ({
            ...n,
            acs: acsSpec(['SV', 'RR', 'CR', 'EC'], f),
          })
          const nodes = spec.nodes.flatMap((n) =>
            n.id === 'nic0'
              ? [withCap(n, f0), withCap({ ...n, id: 'nic0f1', fn: 1, label: 'NIC0 fn1' }, f1)]
              : [n],
          )
          agree({ ...spec, nodes }, { ...DEFAULT_SETTINGS, era })
        },
      ),
      { numRuns: 120 },
    )
  })

  it('two sockets with a switch each and random ACS on the ports (property)', () => {
    // Consecutive providers below one host bridge at the same depth, one of them behind a port
    // with ACS redirect: seen from the other socket their rows differ only in the ACS flag, so a
    // row must not be taken over from the one before it.
    const gpu = {
      type: 'gpu' as const,
      bars: [bar.mem32(0, 16 * MiB), bar.pref64(1, 16 * GiB)],
      p2pmemBar: 1,
    }
    const socket = (i: number, ctrl: AcsFlag[][]): TopoNodeSpec[] => [
      hostBridge(`hb${i}`, `HB${i}`, {
        domain: 0,
        rootBus: i * 0x80,
        numaNode: i,
        hostDevice: { vendor: 0x8086, device: 0x2020 },
      }),
      bridge('root_port', `rp${i}`, `hb${i}`, '8086:2030', {
        slot: 1,
        acs: acsSpec(['SV', 'RR', 'CR'], ctrl[0]),
      }),
      bridge('switch_upstream', `usp${i}`, `rp${i}`, '10b5:9781'),
      ...[0, 1, 2].flatMap((d) => [
        bridge('switch_downstream', `dsp${i}${d}`, `usp${i}`, '10b5:9781', {
          acs: acsSpec(['SV', 'RR', 'CR'], ctrl[d + 1]),
        }),
        endpoint(`gpu${i}${d}`, `dsp${i}${d}`, '10de:20b0', gpu),
      ]),
    ]
    const flags: AcsFlag[][] = [[], ['RR'], ['CR']]
    const four = fc.tuple(...[0, 1, 2, 3].map(() => fc.constantFrom(...flags)))
    fc.assert(
      fc.property(fc.constantFrom<Era>(...ERAS), fc.constantFrom(...CPUS), four, four, (era, cpu, a, b) => {
        agree(
          { name: 'two sockets', cpu, nodes: [...socket(0, a), ...socket(1, b)] },
          { ...DEFAULT_SETTINGS, era },
        )
      }),
      { numRuns: 150 },
    )
  })

  it('an imported DGX-2H, whose switches and root buses give long runs of sibling columns', () => {
    // 323 endpoints in 58 runs of siblings (up to 70 long): each run is walked once per row.
    const file = 'hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.nocomments.xml'
    const r = importText('dgx2h.xml', readFixture(file))
    if (!r.ok) throw new Error('DGX-2H does not import')
    let pairs = 0
    for (const era of ['v5.2', 'v6.12'] as const)
      for (const cpu of [r.lab.machine.cpu!, CPUS[1]!])
        pairs += agree({ ...r.lab.machine, cpu }, { ...r.lab.settings, era, iommu: false })
    expect(pairs).toBe(4 * 50 * 323)
  })
})
