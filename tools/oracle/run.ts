/**
 * One oracle run: export a lab to QEMU, boot it with a real kernel, read the kernel's verdict for
 * every (provider, client) pair, and compare it with the engine's verdict on the same machine.
 *
 * "The same machine" is the export's twin (what QEMU really builds: q35's host bridge, QEMU's port
 * ids and ACS, NVMe endpoints), with the kernel's era and the guest's CPU model. Where the lab's own
 * verdict differs from the twin's, QEMU could not reproduce the lab; that is listed, not counted.
 */
import { spawn } from 'node:child_process'
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
} from '../../electron/engine/index'
import { EnvError, cacheDir, fetchKernel, hasCommand, type KernelSpec } from './kernels'
import { buildInitramfs, busyboxStatic, compileP2ptest } from './initramfs'
import { P2P_LEN, errnoName, parseGuestLog, type GuestLog, type KernelPair } from './parse'

export interface PairRow {
  providerId: string
  clientId: string
  provider: string
  client: string
  kernel: { allowed: boolean; errno: string | null; data: 'ok' | 'absent' | 'n/a' } | null
  engine: { mapType: MapType; allowed: boolean; errno: string | null }
  /** The engine's verdict on the lab itself (null: not a pair there, e.g. no memory BAR). */
  lab: MapType | null
  agree: boolean
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
  progress: (line: string) => void
}

const ALLOWED: MapType[] = ['BUS_ADDR', 'THRU_HOST_BRIDGE']
const VENDORS: Record<string, string> = { GenuineIntel: 'intel', AuthenticAMD: 'amd', HygonGenuine: 'hygon' }

function boot(
  qemu: string,
  argv: string[],
  logPath: string,
  timeoutSec: number,
  progress: (l: string) => void,
): Promise<{ log: string; seconds: number; timedOut: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now()
    const child = spawn(qemu, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
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
      reject(new EnvError(`cannot run ${qemu}: ${e.message}`))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      writeFileSync(logPath, log)
      resolve({ log, seconds: (Date.now() - t0) / 1000, timedOut, code })
    })
  })
}

/** Runs the whole oracle for one lab; throws EnvError when the environment is not fit. */
export async function runOracle(o: RunOptions): Promise<OracleResult> {
  const qemu = o.qemu ?? 'qemu-system-x86_64'
  if (!hasCommand(qemu)) throw new EnvError(`${qemu} not found: apt-get install qemu-system-x86`)
  const era = o.kernel.era
  const settings = { ...o.settings, era }
  const labBuilt = buildMachine(o.spec, settings)
  if (!labBuilt.ok) throw new EnvError(`the lab does not build: ${labBuilt.issues[0]?.message}`)
  const lab = labBuilt.machine

  const k = fetchKernel(o.kernel, o.progress)
  const busybox = busyboxStatic(o.progress)
  mkdirSync(join(cacheDir(), 'runs'), { recursive: true })
  const work = mkdtempSync(join(cacheDir(), 'runs', `${o.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-`))
  const p2ptest = compileP2ptest(work)
  const initrd = join(work, 'initrd.cpio.gz')
  buildInitramfs({ out: initrd, busybox, p2ptest, modules: k.modules })

  const exp = qemuCommand(lab, {
    diskDir: join(work, 'disks'),
    kernel: k.vmlinuz,
    initrd,
    append: ['console=ttyS0', 'quiet', 'panic=-1', 'nvme_core.multipath=N'],
    // One vCPU: a 2-vCPU guest under multi-threaded TCG on a loaded host sometimes dies in early
    // boot (int3 Oops in sched_clock_cpu while the kernel patches its text); the verdicts do not
    // depend on the CPU count.
    smp: 1,
  })
  mkdirSync(join(work, 'disks'), { recursive: true })
  for (const d of exp.nvme) writeFileSync(d.disk!, Buffer.alloc(P2P_LEN, d.fill!))
  writeFileSync(join(work, 'command.sh'), exp.shell.replace(/^\S+/, qemu) + '\n')

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
    let kernel: PairRow['kernel'] = null
    if (kp) {
      const allowed = kp.ret === P2P_LEN
      const data = !allowed
        ? 'n/a'
        : settings.iommu
          ? 'n/a' // QEMU's vIOMMU translates the P2P bus address as an IOVA (docs/kernel/oracle.md#limits)
          : kp.first === kp.expect && kp.last === kp.expect && kp.expect !== 0
            ? 'ok'
            : 'absent'
      kernel = {
        allowed,
        errno: allowed ? null : kp.ret < 0 ? errnoName(kp.errno) : `short read ${kp.ret}`,
        data,
      }
      if (data === 'absent')
        notes.push(`${v.providerId} <- ${v.clientId}: allowed, but the data did not arrive`)
    } else if (guest.complete) problems.push(`no kernel result for provider ${pb} client ${cb}`)
    const agree = !!kernel && kernel.allowed === engine.allowed && kernel.errno === engine.errno
    const logsMissing = kernel ? v.warnings.filter((w) => !guest.dmesg.some((l) => l.includes(w))) : []
    rows.push({
      providerId: v.providerId,
      clientId: v.clientId,
      provider: pb,
      client: cb,
      kernel,
      engine,
      lab: labPairs.get(`${v.providerId}|${v.clientId}`) ?? null,
      agree,
      logsMissing,
    })
  }
  const kept = !!o.keep || problems.length > 0 || !rows.every((r) => r.agree)
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
  const bad = r.rows.filter((x) => !x.agree)
  out.push(
    `${r.name}: kernel ${r.kernelRelease}, -cpu ${r.cpuModel} (guest: ${r.guestCpu}), engine era ${r.era}${r.iommu ? ', vIOMMU' : ''}, boot ${r.bootSeconds.toFixed(1)} s`,
  )
  const w = Math.max(...r.rows.map((x) => x.providerId.length + x.clientId.length), 8) + 32
  out.push(`  ${'provider -> client'.padEnd(w)} ${'kernel'.padEnd(22)} ${'engine'.padEnd(24)} agree  lab`)
  for (const x of r.rows) {
    const pair = `${x.providerId} ${x.provider.slice(5)} -> ${x.clientId} ${x.client.slice(5)}`
    const k = !x.kernel
      ? 'no result'
      : x.kernel.allowed
        ? `allowed${x.kernel.data === 'ok' ? ', data ok' : x.kernel.data === 'absent' ? ', DATA ABSENT' : ''}`
        : `refused ${x.kernel.errno}`
    const e = `${short(x.engine.mapType)}${x.engine.errno ? ` ${x.engine.errno}` : ''}`
    const lab =
      x.lab === null ? '-' : x.lab === x.engine.mapType ? 'same' : `${short(x.lab)} (QEMU cannot reproduce)`
    out.push(
      `  ${pair.padEnd(w)} ${k.padEnd(22)} ${e.padEnd(24)} ${(x.agree ? 'yes' : 'NO').padEnd(6)} ${lab}`,
    )
    for (const m of x.logsMissing) out.push(`      engine log line not in dmesg: ${m}`)
  }
  const dm = r.guest.dmesg.filter((l) =>
    /peer-to-peer|whitelist|ACS redirect|Configured ACS|acs_redir/.test(l),
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
  out.push(
    `  ${r.rows.length - bad.length}/${r.rows.length} pairs agree${bad.length ? `; DISAGREE: ${bad.map((x) => `${x.providerId}->${x.clientId}`).join(' ')}` : ''}`,
  )
  return out
}

export const runPassed = (r: OracleResult) =>
  r.problems.length === 0 && r.rows.length > 0 && r.rows.every((x) => x.agree)

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
