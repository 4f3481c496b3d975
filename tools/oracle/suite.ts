/**
 * `npm run test:kernel`: the differential suite of issue 7 §3. Boots the QEMU machines of
 * docs/kernel/oracle.md#the-qemu-machines (tests/helpers/topologies.ts) with Debian sid's 7.2 kernel and
 * checks, for every run, that
 *   1. the engine (era v7.2, on the export's twin) agrees with the kernel on every pair: allowed or
 *      refused, and the errno of a refused O_DIRECT read (EINVAL in 7.2);
 *   2. the kernel's allowed pairs are the ones docs/kernel/oracle.md#the-32-runs recorded (so the run really
 *      exercises what its name says: the ACS write happened, the CPU model took, ...);
 *   3. with a vIOMMU, the map type of every allowed pair (BUS_ADDR or THRU_HOST_BRIDGE, told apart by
 *      the data check: run.ts kernelVerdict()) is the engine's and the one recorded here;
 *   4. the whitelist-positive runs boot a copy of QEMU whose root ports report 8086:2030 / 8086:3c00
 *      (qemu-patch.ts), and the guest really sees that id.
 * Thirteen boots of 5-15 s each under TCG. Prints the pairs over all runs as confirmed / not
 * reproducible / disagree / no result, and ends with the plain line "N passed, N failed" (one per run).
 *
 *   npm run test:kernel [-- --only NAME[,NAME]] [--verbose] [--keep]
 */
import {
  DEFAULT_SETTINGS,
  type AcsFlag,
  type CpuSpec,
  type LabSettings,
  type MachineSpec,
} from '../../shared/model/topology'
import { CPUS, qemuMf, qemuPxb, qemuPxb2, qemuSw } from '../../tests/helpers/topologies'
import type { MapType } from '../../shared/model/p2p'
import type { Scenario } from '../../electron/engine/index'
import { pxbReplays } from './replays'
import { EnvError, KERNELS } from './kernels'
import {
  PAIR_STATUSES,
  formatReplays,
  formatResult,
  runMain,
  runOracle,
  runPassed,
  statusCounts,
  type OracleResult,
  type PairStatus,
} from './run'

interface SuiteRun {
  name: string
  covers: string
  spec: MachineSpec
  settings?: Partial<LabSettings>
  /** Allowed (provider, client) pairs other than self pairs, as docs/kernel/oracle.md#the-32-runs lists them. */
  allowed: string
  /**
   * With a vIOMMU: the allowed pairs the kernel mapped as BUS_ADDR (the others must be
   * THRU_HOST_BRIDGE); the data check tells them apart (tools/oracle/run.ts kernelVerdict()).
   */
  busAddr?: string
  /** Boot the byte-patched QEMU whose root ports report 8086:<this id> (tools/oracle/qemu-patch.ts). */
  rootPortId?: number
  /** Scenarios replayed in the guest and compared with lab run (tools/oracle/replays.ts). */
  replays?: (diskOf: (id: string) => string) => Scenario[]
  /** Extra kernel parameters. */
  append?: string[]
}

const cpu = (k: keyof typeof CPUS): CpuSpec => ({ ...CPUS[k] })
const RR_CR: AcsFlag[] = ['RR', 'CR']
const PXB_ALL = 'AB AC AD AE BA BC BD BE CA CB CD CE DA DB DC DE EA EB EC ED'

export const RUNS: SuiteRun[] = [
  {
    name: 'k72-skx-pxb',
    covers:
      'same switch (AB), across root ports (AC), root-bus device (D), second host bridge (E), Intel, EINVAL; replays sysfs resource2 and p2pmem/allocate mmaps with O_DIRECT',
    spec: qemuPxb(cpu('skylakeServer')),
    allowed: 'AB BA',
    replays: pxbReplays,
    // The engine models iomem_is_exclusive() as false (electron/engine/mm/mmap.ts): Debian's kernel
    // has strict iomem checks, under which a BAR the nvme driver holds cannot be mmapped through
    // sysfs (-EINVAL, kernel/resource.c:1822-1827); iomem=relaxed turns them off (docs/kernel/oracle.md#limits).
    append: ['iomem=relaxed'],
  },
  {
    name: 'k72-epyc-pxb',
    covers: 'AMD Zen (family 0x17): cpu_supports_p2pdma() allows THRU_HOST_BRIDGE, also across host bridges',
    spec: qemuPxb(cpu('epyc')),
    allowed: PXB_ALL,
  },
  {
    name: 'k72-epycfam22-sw',
    covers: 'AMD family 0x16 (EPYC,family=22): no cpu_supports_p2pdma()',
    spec: qemuSw(cpu('epycFamily22')),
    allowed: 'AB BA',
  },
  {
    name: 'k72-dhyana-sw',
    covers: 'Hygon Dhyana (family 0x18): the vendor check is AMD only',
    spec: qemuSw(cpu('dhyana')),
    allowed: 'AB BA',
  },
  {
    name: 'k72-skx-mf',
    covers: 'two functions of one slot without ACS: common upstream bridge = the root port, BUS_ADDR',
    spec: qemuMf({ cpu: cpu('skylakeServer') }),
    allowed: 'AB BA',
  },
  {
    name: 'k72-skx-mf-acs',
    covers: 'ACS RR|CR written from the guest to the common upstream root port: redirect, Intel refuses',
    spec: qemuMf({ cpu: cpu('skylakeServer'), rp1Ctrl: RR_CR }),
    allowed: '',
  },
  {
    name: 'k72-epyc-mf-acs',
    covers: 'the same ACS redirect on AMD Zen: THRU_HOST_BRIDGE',
    spec: qemuMf({ cpu: cpu('epyc'), rp1Ctrl: RR_CR }),
    allowed: 'AB AC BA BC CA CB',
  },
  {
    name: 'k72-skx-mf-iommu',
    covers: 'vIOMMU (intel_iommu=on): the kernel enables ACS redirect on the root ports itself',
    spec: qemuMf({ cpu: cpu('skylakeServer') }),
    settings: { iommu: true },
    allowed: '',
  },
  {
    name: 'k72-skx-mf-iommu-noredir',
    covers:
      'vIOMMU with pci=disable_acs_redir=0000:00:10.0: BUS_ADDR again (the DMA to the bus address faults in the vIOMMU: data absent)',
    spec: qemuMf({ cpu: cpu('skylakeServer') }),
    settings: { iommu: true, disableAcsRedir: '0000:00:10.0' },
    allowed: 'AB BA',
    busAddr: 'AB BA',
  },
  {
    name: 'k72-skx-pxb2',
    covers: 'two pxb-pcie host bridges, first devices 1b36:000c (no whitelist): all refused on Intel',
    spec: qemuPxb2(undefined, cpu('skylakeServer')),
    allowed: '',
  },
  {
    name: 'k72-skx-pxb2-rp2030',
    covers:
      'whitelist positive: root ports patched to 8086:2030 (flags 0), pairs within and across the two pxb host bridges allowed on Intel; C behind q35 29c0 refused',
    spec: qemuPxb2(0x2030, cpu('skylakeServer')),
    rootPortId: 0x2030,
    allowed: 'EF EG FE FG GE GF',
  },
  {
    name: 'k72-skx-pxb2-rp3c00',
    covers: 'whitelist positive with REQ_SAME_HOST_BRIDGE (8086:3c00): only pairs on one pxb allowed',
    spec: qemuPxb2(0x3c00, cpu('skylakeServer')),
    rootPortId: 0x3c00,
    allowed: 'EF FE',
  },
  {
    name: 'k72-epyc-mf-iommu-noredir',
    covers:
      'map types under a vIOMMU: AB BA BUS_ADDR (no ACS redirect: the bus address bypasses the IOMMU, the data does not arrive), the pairs across root ports THRU_HOST_BRIDGE on AMD Zen (an IOVA: the data arrives)',
    spec: qemuMf({ cpu: cpu('epyc') }),
    settings: { iommu: true, disableAcsRedir: '0000:00:10.0' },
    allowed: 'AB AC BA BC CA CB',
    busAddr: 'AB BA',
  },
]

/** Letter pairs "XY" (provider X, client Y) the kernel allowed, self pairs left out. */
function kernelAllowed(r: OracleResult, mapType?: MapType): string[] {
  return r.rows
    .filter(
      (x) => x.providerId !== x.clientId && x.kernel?.allowed && (!mapType || x.kernel.mapType === mapType),
    )
    .map((x) => x.providerId + x.clientId)
    .sort()
}

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose')
  const keep = argv.includes('--keep')
  const oi = argv.indexOf('--only')
  const only = oi >= 0 ? new Set((argv[oi + 1] ?? '').split(',')) : null
  const runs = RUNS.filter((r) => !only || only.has(r.name))
  const kernel = KERNELS['7.2']!
  const t0 = Date.now()
  let passed = 0
  let failed = 0
  let fetchSeconds = 0
  const boots: number[] = []
  const totals: Record<PairStatus, number> = statusCounts([])
  let typed = 0
  let replayed = 0
  let replayBad = 0
  const notReplayed: string[] = []
  process.stdout.write(`kernel differential suite: ${runs.length} runs, ${kernel.label}\n`)
  for (const [i, run] of runs.entries()) {
    process.stdout.write(`\n[${i + 1}/${runs.length}] ${run.name}: ${run.covers}\n`)
    let res: OracleResult
    try {
      res = await runOracle({
        name: run.name,
        spec: run.spec,
        settings: { ...DEFAULT_SETTINGS, ...run.settings },
        kernel,
        keep,
        rootPortId: run.rootPortId ? { vendor: 0x8086, device: run.rootPortId } : undefined,
        replays: run.replays,
        append: run.append,
        progress: (l) => process.stdout.write(`  ${l}\n`),
      })
    } catch (e) {
      if (e instanceof EnvError && run.rootPortId) {
        // Only this run needs the patched QEMU: it fails, the others still run.
        process.stdout.write(`  error: ${e.message}\n  FAIL ${run.name}\n`)
        failed++
        continue
      }
      if (e instanceof EnvError) {
        process.stdout.write(`error: ${e.message}\n\n0 passed, ${runs.length} failed\n`)
        return 2
      }
      throw e
    }
    fetchSeconds += res.fetchSeconds
    boots.push(res.bootSeconds)
    const got = kernelAllowed(res)
    const want = run.allowed.split(' ').filter(Boolean).sort()
    const docOk = got.join(' ') === want.join(' ')
    // With a vIOMMU every allowed pair must have a map type, and BUS_ADDR exactly where recorded.
    const gotBus = kernelAllowed(res, 'BUS_ADDR')
    const wantBus = (run.busAddr ?? '').split(' ').filter(Boolean).sort()
    const typesOk =
      !res.iommu ||
      (gotBus.join(' ') === wantBus.join(' ') &&
        res.rows.every((x) => !x.kernel?.allowed || x.providerId === x.clientId || x.kernel.mapType))
    const ok = runPassed(res) && docOk && typesOk
    for (const x of res.rows) totals[x.status]++
    replayed += res.replays.length
    replayBad += res.replays.filter((x) => !x.agree).length
    notReplayed.push(...res.notReplayed)
    typed += res.rows.filter((x) => x.status === 'confirmed' && x.kernel?.allowed && x.kernel.mapType).length
    const agree = res.rows.filter((x) => x.agree).length
    const refusedErrnos = [
      ...new Set(res.rows.flatMap((x) => (x.kernel && !x.kernel.allowed ? [x.kernel.errno] : []))),
    ]
    process.stdout.write(
      `  kernel ${res.kernelRelease} · -cpu ${res.cpuModel} (guest ${res.guestCpu}) · ${res.rows.length} pairs · ${agree} agree · allowed ${got.join(' ') || '-'} · refused with ${refusedErrnos.join('/') || '-'} · boot ${res.bootSeconds.toFixed(1)} s\n`,
    )
    if (res.iommu)
      process.stdout.write(
        `  map types: BUS_ADDR ${gotBus.join(' ') || '-'}, THRU_HOST_BRIDGE ${kernelAllowed(res, 'THRU_HOST_BRIDGE').join(' ') || '-'}${typesOk ? '' : ` (expected BUS_ADDR ${wantBus.join(' ') || '-'})`}\n`,
      )
    if (!docOk)
      process.stdout.write(
        `  the kernel allowed [${got.join(' ')}], docs/kernel/oracle.md#the-32-runs recorded [${want.join(' ')}]: the run did not set up what it claims\n`,
      )
    if (verbose || !ok) process.stdout.write(formatResult(res).join('\n') + '\n')
    else if (res.replays.length || res.notReplayed.length)
      process.stdout.write(formatReplays(res).join('\n') + '\n')
    process.stdout.write(`  ${ok ? 'PASS' : 'FAIL'} ${run.name}\n`)
    if (ok) passed++
    else failed++
  }
  const total = (Date.now() - t0) / 1000
  process.stdout.write(
    `\nsuite: ${total.toFixed(0)} s total; kernel fetch ${fetchSeconds.toFixed(1)} s; boots ${boots.map((b) => b.toFixed(1)).join(', ')} s\n`,
  )
  process.stdout.write(
    `pairs over all runs: ${PAIR_STATUSES.map((st) => `${totals[st]} ${st.replace('-', ' ')}`).join(' · ')} (${typed} confirmed allowed pairs with BUS_ADDR or THRU_HOST_BRIDGE told apart)\n`,
  )
  process.stdout.write(
    `replayed operations: ${replayed - replayBad} agree with lab run · ${replayBad} do not${notReplayed.length ? ` · ${notReplayed.length} scenarios not replayable` : ''}\n`,
  )
  process.stdout.write(`${passed} passed, ${failed} failed\n`)
  return failed ? 1 : 0
}

runMain(main)
