/**
 * One oracle run: export a lab to QEMU, boot it with a real kernel, read the kernel's verdict for
 * every (provider, client) pair, and compare it with the engine's verdict on the same machine.
 *
 * "The same machine" is the export's twin (what QEMU really builds: q35's host bridge, QEMU's port
 * ids and ACS, NVMe endpoints), with the kernel's era and the guest's CPU model. Where the lab's own
 * verdict differs from the twin's, QEMU could not reproduce the lab; that is listed, not counted.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MapType, PairVerdict } from '../../shared/model/p2p'
import type { Era, LabSettings, MachineSpec } from '../../shared/model/topology'
import {
  refusedReadErrno,
  computeMatrix,
  qemuCommand,
  type QemuExport,
  buildMachine,
  shellQuote,
  type Machine,
  type Scenario,
} from '../../electron/engine/index'
import { EnvError, cacheDir, fetchKernel, hasCommand, type FetchedKernel, type KernelSpec } from './kernels'
import { QEMU_ROOT_PORT_ID, idText, patchedQemu, type PciId } from './qemu-patch'
import { compareReplay, planReplay, type ReplayRow } from './replay'
import { buildInitramfs, busyboxStatic, compileP2ptest } from './initramfs'
import { P2P_LEN, errnoName, parseGuestLog, type GuestLog, type KernelPair } from './parse'

/**
 * What the kernel said about a pair, as far as the run can tell:
 *   confirmed         the kernel answered and agrees with the engine on the twin, and the twin's
 *                     verdict is the lab's (so the kernel speaks for the lab)
 *   not-reproducible  the kernel agrees with the twin, but the lab's own verdict differs from the
 *                     twin's: QEMU cannot build what decides this pair in the lab
 *   disagree          the kernel answered differently from the engine (verdict, errno or map type)
 *   no-result         the kernel gave no answer for the pair (the guest died, timed out, ...)
 */
export type PairStatus = 'confirmed' | 'not-reproducible' | 'disagree' | 'no-result'
export const PAIR_STATUSES: PairStatus[] = ['confirmed', 'not-reproducible', 'disagree', 'no-result']

export interface KernelVerdict {
  allowed: boolean
  errno: string | null
  /**
   * The data check: 'ok' the client's fill byte arrived in the provider's CMB, 'absent' it did not,
   * 'n/a' the read was refused.
   */
  data: 'ok' | 'absent' | 'n/a'
  /**
   * The map type the kernel used, where the run can tell: NOT_SUPPORTED for a refused read; with a
   * vIOMMU, BUS_ADDR (the DMA went to the bus address, which the vIOMMU faults on: data absent) or
   * THRU_HOST_BRIDGE (an IOVA the vIOMMU translates to the CMB: data ok). Without an IOMMU both
   * allowed types reach the CMB, so it is null.
   */
  mapType: MapType | null
}

export interface PairRow {
  providerId: string
  clientId: string
  provider: string
  client: string
  kernel: KernelVerdict | null
  engine: { mapType: MapType; allowed: boolean; errno: string | null }
  /** The engine's verdict on the lab itself (null: not a pair there, e.g. no memory BAR). */
  lab: MapType | null
  agree: boolean
  status: PairStatus
  /** Why the pair is not confirmed ('' when it is). */
  reason: string
  /** Engine log lines for the pair that the kernel did not print. */
  logsMissing: string[]
}

export interface OracleResult {
  name: string
  kernelRelease: string
  guestCpu: string
  cpuModel: string
  era: Era
  iommu: boolean
  rows: PairRow[]
  /** Problems that make the run invalid (no boot, wrong CPU, a missing pair, ...). */
  problems: string[]
  notes: string[]
  /** Every replayed operation: the guest's return value and errno beside lab run's. */
  replays: ReplayRow[]
  /** Scenarios that could not be replayed, with the reason. */
  notReplayed: string[]
  bootSeconds: number
  fetchSeconds: number
  logPath: string
  /** The run directory (serial log, command.sh, initramfs) was kept. */
  kept: boolean
  export: QemuExport
  guest: GuestLog
}

export interface RunOptions {
  name: string
  /** The lab's machine and settings (IOMMU, pci=disable_acs_redir=); the era comes from the kernel. */
  spec: MachineSpec
  settings: LabSettings
  kernel: KernelSpec
  keep?: boolean
  timeoutSec?: number
  qemu?: string
  /**
   * Boot a copy of the installed QEMU whose pcie-root-port reports this id (tools/oracle/qemu-patch.ts;
   * the whitelist-positive runs). The twin's root ports carry it too.
   */
  rootPortId?: PciId
  /**
   * Scenarios to replay in the guest (tools/oracle/replay.ts), written against the twin: diskOf(id)
   * is the twin's namespace name of NVMe node id.
   */
  replays?: (diskOf: (id: string) => string) => Scenario[]
  /** Extra kernel parameters (e.g. iomem=relaxed for the resourceN replays). */
  append?: string[]
  progress: (line: string) => void
}

const ALLOWED: MapType[] = ['BUS_ADDR', 'THRU_HOST_BRIDGE']

/**
 * The kernel's verdict from one O_DIRECT read. With a vIOMMU the data check tells the two allowed
 * map types apart (6.12 source; 7.2's blk-mq DMA iterator makes the same split):
 *  - BUS_ADDR: pci_p2pdma_map_segment() puts the PCI bus address in the sg entry and marks it a bus
 *    address (drivers/pci/p2pdma.c:1026-1030), and iommu_dma_map_sg() leaves such entries out of the
 *    IOMMU mapping (drivers/iommu/dma-iommu.c:1418-1425). The device then DMAs to the bus address,
 *    which QEMU's intel-iommu treats as an unmapped IOVA (a DMAR fault): the read completes, the data
 *    does not arrive.
 *  - THRU_HOST_BRIDGE: "mapped with regular IOVAs" (dma-iommu.c:1426-1432); the vIOMMU translates the
 *    IOVA to the CMB's address and the data arrives.
 * Without an IOMMU both reach the CMB (bus address = CPU physical address on q35), so the type is
 * not known. Nor is it for a self pair (provider = client): QEMU's nvme serves a DMA address inside
 * its own CMB from the CMB directly, before the vIOMMU sees it, so the data arrives either way.
 */
export function kernelVerdict(kp: KernelPair, iommu: boolean): KernelVerdict {
  const typed = iommu && kp.provider !== kp.client
  const allowed = kp.ret === P2P_LEN
  const arrived = kp.first === kp.expect && kp.last === kp.expect && kp.expect !== 0
  const data = !allowed ? 'n/a' : arrived ? 'ok' : 'absent'
  return {
    allowed,
    errno: allowed ? null : kp.ret < 0 ? errnoName(kp.errno) : `short read ${kp.ret}`,
    data,
    mapType: !allowed ? 'NOT_SUPPORTED' : !typed ? null : arrived ? 'THRU_HOST_BRIDGE' : 'BUS_ADDR',
  }
}

/** A pair's status and, unless confirmed, the reason in one line. */
export function pairStatus(
  kernel: KernelVerdict | null,
  engine: PairRow['engine'],
  lab: MapType | null,
  agree: boolean,
  noResultWhy = '',
): { status: PairStatus; reason: string } {
  if (!kernel)
    return { status: 'no-result', reason: noResultWhy || 'the guest printed no result for this pair' }
  if (!agree) {
    const k = kernel.allowed
      ? `allowed${kernel.mapType ? ` as ${kernel.mapType}` : ''} (data ${kernel.data})`
      : `refused with ${kernel.errno}`
    const e = engine.allowed ? `${engine.mapType}` : `${engine.mapType}, ${engine.errno}`
    return { status: 'disagree', reason: `kernel ${k}; engine ${e}` }
  }
  if (lab !== null && lab !== engine.mapType)
    return {
      status: 'not-reproducible',
      reason: `the lab's verdict is ${lab}, but QEMU builds a machine where it is ${engine.mapType} (see "QEMU cannot reproduce")`,
    }
  return { status: 'confirmed', reason: '' }
}

/** Pairs per status. */
export function statusCounts(rows: PairRow[]): Record<PairStatus, number> {
  const c = { confirmed: 0, 'not-reproducible': 0, disagree: 0, 'no-result': 0 }
  for (const r of rows) c[r.status]++
  return c
}

/** "N confirmed (M with the map type) · N not reproducible · N disagree · N no result" */
export function countsLine(rows: PairRow[]): string {
  const c = statusCounts(rows)
  const typed = rows.filter((r) => r.status === 'confirmed' && r.kernel?.allowed && r.kernel.mapType).length
  return `${c.confirmed} confirmed (${typed} allowed pairs with BUS_ADDR or THRU_HOST_BRIDGE told apart) · ${c['not-reproducible']} not reproducible · ${c.disagree} disagree · ${c['no-result']} no result`
}
const VENDORS: Record<string, string> = { GenuineIntel: 'intel', AuthenticAMD: 'amd', HygonGenuine: 'hygon' }

/** QEMU children alive now, and run directories to remove if the process is told to stop. */
const live = new Set<ChildProcess>()
const liveDirs = new Set<string>()
let signalsHooked = false

/**
 * SIGTERM/SIGINT (the app's Cancel, Ctrl-C, CI's timeout): kill the guests, remove the unfinished
 * run directories, and exit 128+signal, instead of leaving a QEMU running behind a dead parent.
 */
function hookSignals(): void {
  if (signalsHooked) return
  signalsHooked = true
  const stop = (sig: NodeJS.Signals, code: number) => () => {
    for (const c of live) c.kill('SIGKILL')
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true })
    process.stderr.write(`oracle: ${sig}: QEMU killed, run directory removed\n`)
    process.exit(code)
  }
  process.once('SIGTERM', stop('SIGTERM', 143))
  process.once('SIGINT', stop('SIGINT', 130))
}

interface QemuBinary {
  path: string
  /** Arguments put before the export's. */
  args: string[]
  env: Record<string, string>
}

function boot(
  qemu: QemuBinary,
  argv: string[],
  logPath: string,
  timeoutSec: number,
  progress: (l: string) => void,
): Promise<{ log: string; seconds: number; timedOut: boolean; code: number | null }> {
  hookSignals()
  return new Promise((resolve, reject) => {
    const t0 = Date.now()
    const child = spawn(qemu.path, [...qemu.args, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...qemu.env },
    })
    live.add(child)
    let log = ''
    let pairs = 0
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutSec * 1000)
    let partial = ''
    const onData = (b: Buffer) => {
      const s = b.toString('latin1')
      log += s
      const lines = (partial + s).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        const k = line.indexOf('KQ ')
        if (k < 0) continue
        const l = line.slice(k + 3).trim()
        const t = ((Date.now() - t0) / 1000).toFixed(1)
        if (l.startsWith('KERNEL ')) progress(`  ${t} s: guest kernel ${l.slice(7)} is up`)
        else if (l.startsWith('WAIT ')) progress(`  ${t} s: waiting for NVMe namespaces: ${l.slice(5)}`)
        else if (l.startsWith('NAMESPACES'))
          progress(`  ${t} s: NVMe namespaces: ${l.slice(11).trim() || 'none'}`)
        else if (l.startsWith('PAIR ')) {
          pairs++
          if (pairs % 25 === 0) progress(`  ${t} s: ${pairs} reads done`)
        } else if (l === 'END') progress(`  ${t} s: test done (${pairs} reads), powering off`)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (b: Buffer) => {
      const s = b.toString('latin1')
      // QEMU under TCG warns about every CPUID feature it cannot emulate; keep only the rest
      log += s
        .split('\n')
        .filter((l) => l && !/TCG doesn't support requested feature/.test(l))
        .map((l) => l + '\n')
        .join('')
    })
    child.on('error', (e) => {
      clearTimeout(timer)
      live.delete(child)
      reject(new EnvError(`cannot run ${qemu.path}: ${e.message}`))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      live.delete(child)
      writeFileSync(logPath, log)
      resolve({ log, seconds: (Date.now() - t0) / 1000, timedOut, code })
    })
  })
}

/** Runs the whole oracle for one lab; throws EnvError when the environment is not fit. */
export async function runOracle(o: RunOptions): Promise<OracleResult> {
  const stock = o.qemu ?? 'qemu-system-x86_64'
  if (!hasCommand(stock)) throw new EnvError(`${stock} not found: apt-get install qemu-system-x86`)
  const era = o.kernel.era
  const settings = { ...o.settings, era }
  const labBuilt = buildMachine(o.spec, settings)
  if (!labBuilt.ok) throw new EnvError(`the lab does not build: ${labBuilt.issues[0]?.message}`)
  const lab = labBuilt.machine
  const rootPortId =
    o.rootPortId && idText(o.rootPortId) !== idText(QEMU_ROOT_PORT_ID) ? o.rootPortId : undefined
  const patched = rootPortId ? patchedQemu(rootPortId, o.progress) : undefined
  const qemu: QemuBinary = patched ?? { path: stock, args: [], env: {} }

  const k = fetchKernel(o.kernel, o.progress)
  const busybox = busyboxStatic()
  mkdirSync(join(cacheDir(), 'runs'), { recursive: true })
  const work = mkdtempSync(join(cacheDir(), 'runs', `${o.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-`))
  liveDirs.add(work)
  try {
    const r = await runIn(work, o, { lab, settings, era, qemu, rootPortId, k, busybox })
    if (patched)
      r.notes.unshift(`QEMU: root ports report ${idText(patched.rootPortId)} (copy of ${patched.source})`)
    return r
  } catch (e) {
    // A run that did not finish leaves nothing behind (a finished one keeps its directory on failure).
    rmSync(work, { recursive: true, force: true })
    throw e
  } finally {
    liveDirs.delete(work)
  }
}

interface RunContext {
  lab: Machine
  settings: LabSettings
  era: Era
  qemu: QemuBinary
  rootPortId: PciId | undefined
  k: FetchedKernel
  busybox: string
}

async function runIn(
  work: string,
  o: RunOptions,
  { lab, settings, era, qemu, rootPortId, k, busybox }: RunContext,
): Promise<OracleResult> {
  const p2ptest = compileP2ptest(work)
  const initrd = join(work, 'initrd.cpio.gz')

  const exp = qemuCommand(lab, {
    diskDir: join(work, 'disks'),
    kernel: k.vmlinuz,
    initrd,
    append: ['console=ttyS0', 'quiet', 'panic=-1', 'nvme_core.multipath=N', ...(o.append ?? [])],
    // One vCPU: a 2-vCPU guest under multi-threaded TCG on a loaded host sometimes dies in early
    // boot (int3 Oops in sched_clock_cpu while the kernel patches its text); the verdicts do not
    // depend on the CPU count.
    smp: 1,
    rootPortId,
  })
  // Replays use the guest BDFs the export predicts (checked against the controllers' serials below).
  const twinNode = (id: string) => exp.twin.nodes.find((n) => n.id === id)
  const diskOf = (id: string) => twinNode(id)?.endpoint?.osDevices?.[0] ?? `(${id}: no NVMe)`
  const guestOf = (id: string) => exp.devices.find((d) => d.labId === id)?.guestBdf || undefined
  const plans = (o.replays?.(diskOf) ?? []).map((sc) =>
    planReplay(sc, guestOf, (disk) => {
      const n = exp.twin.nodes.find((x) => x.endpoint?.osDevices?.includes(disk))
      return n ? guestOf(n.id) : undefined
    }),
  )
  buildInitramfs({
    out: initrd,
    busybox,
    p2ptest,
    modules: k.modules,
    replays: plans.flatMap((p, i) =>
      p.lines.length ? [{ name: `r${i}`, text: p.lines.join('\n') + '\n' }] : [],
    ),
  })
  mkdirSync(join(work, 'disks'), { recursive: true })
  for (const d of exp.nvme) writeFileSync(d.disk!, Buffer.alloc(P2P_LEN, d.fill!))
  const envText = Object.entries(qemu.env).map(([n, v]) => `${n}=${shellQuote(v)} `)
  writeFileSync(
    join(work, 'command.sh'),
    envText.join('') +
      [qemu.path, ...qemu.args].map(shellQuote).join(' ') +
      exp.shell.replace(/^\S+/, '') +
      '\n',
  )

  const n = exp.nvme.length
  // A hang limit, not a speed target: an idle host boots T1 in ~20 s, but TCG on a 2-core machine
  // that other work loads can take several times that, and a killed boot is a failed run.
  const timeoutSec = o.timeoutSec ?? Math.max(600, 300 + Math.ceil(n * n * 0.3))
  o.progress(
    `booting ${o.name}: ${exp.cpuModel}, ${n} NVMe, ${n * n} reads, kernel ${k.release}${settings.iommu ? ', vIOMMU' : ''} (TCG, limit ${timeoutSec} s)`,
  )
  const logPath = join(work, 'serial.log')
  let b = await boot(qemu, exp.argv, logPath, timeoutSec, o.progress)
  if (!b.timedOut && !b.log.includes('KQ BEGIN')) {
    // The guest kernel died before /init ran: no verdict was asked yet, so one retry is fair.
    const why = /(Oops[^\n]*|Kernel panic[^\n]*)/.exec(b.log)?.[1] ?? `QEMU exit ${b.code}`
    o.progress(`the guest died before /init (${why.trim()}); booting once more`)
    b = await boot(qemu, exp.argv, logPath, timeoutSec, o.progress)
  }
  const guest = parseGuestLog(b.log)

  const problems: string[] = []
  const notes: string[] = []
  if (b.timedOut) problems.push(`the guest did not finish within ${timeoutSec} s (killed); see ${logPath}`)
  else if (!guest.complete) {
    const qerr = b.log
      .split('\n')
      .filter((l) => l.startsWith('qemu-system'))
      .slice(0, 3)
    problems.push(
      `the guest did not complete its test (QEMU exit ${b.code}${qerr.length ? `: ${qerr.join(' / ')}` : ''}); see ${logPath}`,
    )
  }
  const want = exp.twin.cpu!
  if (guest.cpu && (VENDORS[guest.cpu.vendor] !== want.vendor || guest.cpu.family !== want.family))
    problems.push(
      `the guest CPU is ${guest.cpu.vendor} family ${guest.cpu.family}, not ${want.vendor} family ${want.family} (-cpu ${exp.cpuModel})`,
    )
  for (const s of guest.setacs) if (/error/.test(s)) problems.push(`ACS write failed in the guest: ${s}`)
  if (guest.complete) {
    // The patched (or stock) root port id is what the twin assumes: check the guest saw it.
    const want = `0x${idText(rootPortId ?? QEMU_ROOT_PORT_ID).replace(':', ':0x')}`
    for (const d of exp.devices)
      if (d.role === 'pcie-root-port' && d.guestBdf && guest.pci.get(d.guestBdf) !== want)
        problems.push(
          `root port ${d.guestBdf} reports ${guest.pci.get(d.guestBdf) ?? 'nothing'} in the guest, not ${want}`,
        )
  }

  // the engine on the twin (what QEMU built) and on the lab
  const twinBuilt = buildMachine(exp.twin, { ...exp.twinSettings, era })
  if (!twinBuilt.ok) throw new Error(`the twin does not build: ${twinBuilt.issues[0]?.message}`)
  const twin = computeMatrix(twinBuilt.machine)
  const labPairs = new Map(computeMatrix(lab).pairs.map((p) => [`${p.providerId}|${p.clientId}`, p.mapType]))
  const refusedErrno = refusedReadErrno(era)

  const actual = new Map<string, string>() // lab id -> guest BDF, from the controllers' serials
  for (const d of exp.nvme) {
    const a = guest.controllers.get(d.serial!)
    if (a) {
      actual.set(d.labId, a)
      if (a !== d.guestBdf)
        notes.push(`${d.labId}: the guest enumerated it at ${a}, the export predicted ${d.guestBdf}`)
    } else if (guest.complete)
      problems.push(`${d.labId} (serial ${d.serial}): no NVMe controller in the guest`)
  }
  const kpairs = new Map<string, KernelPair>(guest.pairs.map((p) => [`${p.provider}|${p.client}`, p]))
  const nvmeIds = new Set(exp.nvme.map((d) => d.labId))
  const rows: PairRow[] = []
  for (const v of twin.pairs as PairVerdict[]) {
    if (!nvmeIds.has(v.providerId) || !nvmeIds.has(v.clientId)) continue
    const pb = actual.get(v.providerId) ?? v.provider
    const cb = actual.get(v.clientId) ?? v.client
    const kp = kpairs.get(`${pb}|${cb}`)
    const engineAllowed = ALLOWED.includes(v.mapType)
    const engine = { mapType: v.mapType, allowed: engineAllowed, errno: engineAllowed ? null : refusedErrno }
    const kernel = kp ? kernelVerdict(kp, settings.iommu) : null
    if (kernel?.data === 'absent' && !kernel.mapType)
      notes.push(`${v.providerId} <- ${v.clientId}: allowed, but the data did not arrive`)
    if (!kp && guest.complete) problems.push(`no kernel result for provider ${pb} client ${cb}`)
    const agree =
      !!kernel &&
      kernel.allowed === engine.allowed &&
      kernel.errno === engine.errno &&
      (kernel.mapType === null || !kernel.allowed || kernel.mapType === engine.mapType)
    const logsMissing = kernel ? v.warnings.filter((w) => !guest.dmesg.some((l) => l.includes(w))) : []
    const labType = labPairs.get(`${v.providerId}|${v.clientId}`) ?? null
    const { status, reason } = pairStatus(kernel, engine, labType, agree, guest.complete ? '' : problems[0])
    rows.push({
      providerId: v.providerId,
      clientId: v.clientId,
      provider: pb,
      client: cb,
      kernel,
      engine,
      lab: labType,
      agree,
      status,
      reason,
      logsMissing,
    })
  }
  const replays: ReplayRow[] = []
  const notReplayed: string[] = []
  for (const [i, p] of plans.entries()) {
    if (p.notReplayable) {
      notReplayed.push(`${p.scenario.name}: ${p.notReplayable}`)
      continue
    }
    for (const d of exp.nvme)
      if (actual.get(d.labId) && actual.get(d.labId) !== d.guestBdf)
        problems.push(`replay ${p.scenario.name}: ${d.labId} is not at the predicted ${d.guestBdf}`)
    replays.push(...compareReplay(p, exp.twin, exp.twinSettings, era, guest.replays.get(`r${i}`)))
  }
  const kept =
    !!o.keep || problems.length > 0 || !rows.every((r) => r.agree) || !replays.every((r) => r.agree)
  if (!kept) rmSync(work, { recursive: true, force: true })
  return {
    name: o.name,
    kernelRelease: guest.kernel || k.release,
    guestCpu: guest.cpu ? `${guest.cpu.vendor} family ${guest.cpu.family} model ${guest.cpu.model}` : '?',
    cpuModel: exp.cpuModel,
    era,
    iommu: settings.iommu,
    rows,
    problems,
    notes,
    replays,
    notReplayed,
    bootSeconds: b.seconds,
    fetchSeconds: k.fetchSeconds,
    logPath,
    kept,
    export: exp,
    guest,
  }
}

const short = (t: MapType) => (t === 'THRU_HOST_BRIDGE' ? 'THRU_HOST' : t)

/** The side-by-side table and the result lines. */
export function formatResult(r: OracleResult): string[] {
  const out: string[] = []
  out.push(
    `${r.name}: kernel ${r.kernelRelease}, -cpu ${r.cpuModel} (guest: ${r.guestCpu}), engine era ${r.era}${r.iommu ? ', vIOMMU' : ''}, boot ${r.bootSeconds.toFixed(1)} s`,
  )
  const w = Math.max(...r.rows.map((x) => x.providerId.length + x.clientId.length), 8) + 32
  out.push(`  ${'provider -> client'.padEnd(w)} ${'kernel'.padEnd(30)} ${'engine'.padEnd(24)} status`)
  for (const x of r.rows) {
    const pair = `${x.providerId} ${x.provider.slice(5)} -> ${x.clientId} ${x.client.slice(5)}`
    const k = !x.kernel
      ? 'no result'
      : x.kernel.allowed
        ? `allowed${x.kernel.mapType ? ` ${short(x.kernel.mapType)}` : ''}, data ${x.kernel.data}`
        : `refused ${x.kernel.errno}`
    const e = `${short(x.engine.mapType)}${x.engine.errno ? ` ${x.engine.errno}` : ''}`
    out.push(`  ${pair.padEnd(w)} ${k.padEnd(30)} ${e.padEnd(24)} ${x.status}`)
    for (const m of x.logsMissing) out.push(`      engine log line not in dmesg: ${m}`)
  }
  const dm = r.guest.dmesg.filter((l) =>
    /peer-to-peer|whitelist|ACS redirect|Configured ACS|acs_redir|DMAR: \[DMA/.test(l),
  )
  if (dm.length) {
    out.push(`  kernel p2pdma log (${dm.length} lines):`)
    for (const l of dm.slice(0, 12)) out.push(`    ${l}`)
    if (dm.length > 12)
      out.push(
        `    … ${dm.length - 12} more ${r.kept ? `in ${r.logPath}` : '(run with --keep to keep the serial log)'}`,
      )
  }
  for (const n of r.notes) out.push(`  note: ${n}`)
  for (const p of r.problems) out.push(`  PROBLEM: ${p}`)
  for (const x of r.rows)
    if (x.status !== 'confirmed')
      out.push(`  ${x.status.toUpperCase()} ${x.providerId}->${x.clientId}: ${x.reason}`)
  out.push(`  pairs: ${countsLine(r.rows)}`)
  if (r.replays.length || r.notReplayed.length) out.push(...formatReplays(r))
  return out
}

/** The replayed operations, one line each, and their counts. */
export function formatReplays(r: OracleResult): string[] {
  const out: string[] = []
  let last = ''
  for (const x of r.replays) {
    if (x.scenario !== last) out.push(`  ${x.scenario}`)
    last = x.scenario
    const v = (y: { ret: number | null; errno: string | null } | null) =>
      !y ? 'no result' : y.errno ? `-${y.errno}` : x.op === 'pread' ? `${y.ret}` : 'ok'
    out.push(
      `    ${String(x.index + 1).padStart(2)} ${x.op.padEnd(20)} guest ${v(x.guest).padEnd(12)} lab run ${v(x.engine).padEnd(12)} ${x.agree ? 'agree' : `DISAGREE: ${x.reason}`}`,
    )
  }
  for (const n of r.notReplayed) out.push(`  not replayed: ${n}`)
  const bad = r.replays.filter((x) => !x.agree).length
  out.push(`  replayed operations: ${r.replays.length - bad} agree · ${bad} do not`)
  return out
}

export const runPassed = (r: OracleResult) =>
  r.problems.length === 0 &&
  r.rows.length > 0 &&
  r.rows.every((x) => x.agree) &&
  r.replays.every((x) => x.agree)

/**
 * Runs a command-line entry point: the number its promise gives is the exit code; an exception is
 * an internal error (exit 3) with its stack on stderr.
 */
export function runMain(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (e: unknown) => {
      process.stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`)
      process.exitCode = 3
    },
  )
}
