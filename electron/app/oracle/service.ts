/**
 * "Verify with a real kernel" (issue 7, item 4), main side: runs the oracle CLI
 * (`tsx tools/oracle/oracle.ts <lab> --json`) for the current lab as a CHILD PROCESS, so the main
 * process never blocks (a run takes 20–60 s of QEMU under TCG). Progress lines (the CLI's stderr:
 * download, boot, test) are streamed; cancel kills the child's whole process group (tsx → node →
 * QEMU); the end is the CLI's JSON, parsed into per-pair results.
 *
 * The oracle is TypeScript run by tsx, so the feature needs the development checkout (a packaged
 * app has neither tsx nor tools/): availability says so, first and plainly, with everything else it
 * needs, so nobody installs QEMU only to learn that the app cannot use it.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import type { OracleHost, OracleSink } from '../ipc/handlers'
import type {
  OracleAvailability,
  OracleFinished,
  OraclePair,
  OracleReport,
} from '../../../shared/ipc/contract'

/** The subset of ChildProcess the service uses (a fake in unit tests). */
export interface OracleChild {
  pid?: number | undefined
  stdout: NodeJS.ReadableStream | null
  stderr: NodeJS.ReadableStream | null
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  kill(signal?: NodeJS.Signals): boolean
}

export type Spawner = (command: string, args: string[], options: { cwd: string }) => OracleChild

export interface OracleServiceOptions {
  /** The repository checkout (holds node_modules/.bin/tsx and tools/oracle/oracle.ts). */
  repoRoot: string
  /** The installed app (electron-builder package): the oracle is not in it. */
  packaged?: boolean
  /**
   * false: this host does not offer the oracle at all, with `disabledReason` as the reason (the
   * browser harness unless started with --oracle: a run may call apt-get and boots QEMU).
   */
  enabled?: boolean
  disabledReason?: string
  spawn?: Spawner
  platform?: NodeJS.Platform
  arch?: string
  /** Is a command on PATH? (default: searches process.env.PATH) */
  hasCommand?: (cmd: string) => boolean
  exists?: (path: string) => boolean
  /** Send a signal to a process group (default: process.kill(-pid)). */
  killGroup?: (pid: number, signal: NodeJS.Signals) => void
  /** Where the lab file for a run is written (default: a fresh dir in the OS temp dir). */
  writeLab?: (fileName: string, text: string) => { path: string; cleanup: () => void }
  now?: () => number
}

const QEMU = 'qemu-system-x86_64'

/** What the oracle needs, said to a user of the installed app before anything else. */
export const PACKAGED_REASON =
  'The installed app cannot run the real-kernel check: it needs a development checkout of P2P DMA Lab ' +
  '(the oracle is TypeScript run by tsx and is not shipped in the app) on Linux x86_64, with ' +
  'qemu-system-x86_64, gcc and apt access to Debian’s archive (about 125 MB, downloaded once). ' +
  'There: npm ci, then npm run oracle -- <lab.p2plab>.'
const MAX_LINE = 500

export function onPath(cmd: string, path = process.env['PATH'] ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    try {
      accessSync(join(dir, cmd), constants.X_OK)
      return true
    } catch {
      // not here
    }
  }
  return false
}

/** Spawn in a new process group (detached), so cancel can kill tsx, node and QEMU together. */
const defaultSpawn: Spawner = (command, args, options) =>
  nodeSpawn(command, args, {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess as OracleChild

function defaultWriteLab(fileName: string, text: string): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'p2p-oracle-'))
  const safe = fileName.replace(/[^A-Za-z0-9_.-]/g, '_') || 'lab.p2plab'
  const path = join(dir, safe)
  writeFileSync(path, text)
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

const str = (x: unknown): string => (typeof x === 'string' ? x : '')
const strs = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s) => typeof s === 'string') : [])

/** The CLI's --json output → the contract's report; throws on anything else. */
export function parseOracleJson(text: string): OracleReport {
  const start = text.indexOf('{')
  if (start < 0) throw new Error('the oracle printed no JSON result')
  const j = JSON.parse(text.slice(start)) as Record<string, unknown>
  if (!Array.isArray(j['pairs'])) throw new Error('the oracle JSON has no pairs')
  const pairs: OraclePair[] = (j['pairs'] as Record<string, unknown>[]).map((p) => {
    const k = p['kernel'] as OraclePair['kernel'] | null
    const e = (p['engine'] ?? {}) as Record<string, unknown>
    const status = p['status']
    return {
      provider: str(p['provider']),
      client: str(p['client']),
      kernel: k
        ? {
            allowed: !!k.allowed,
            errno: typeof k.errno === 'string' ? k.errno : null,
            data: k.data === 'ok' || k.data === 'absent' ? k.data : 'n/a',
          }
        : null,
      engine: {
        mapType: str(e['mapType']),
        allowed: !!e['allowed'],
        errno: typeof e['errno'] === 'string' ? e['errno'] : null,
      },
      agree: !!p['agree'],
      status: status === 'confirmed' || status === 'contradicted' ? status : 'unreproducible',
      log: strs(p['log']),
    }
  })
  return {
    kernelRelease: str(j['kernelRelease']),
    cpuModel: str(j['cpuModel']),
    era: str(j['era']),
    bootSeconds: typeof j['bootSeconds'] === 'number' ? j['bootSeconds'] : 0,
    problems: strs(j['problems']),
    cannotReproduce: strs(j['cannotReproduce']),
    pairs,
  }
}

interface Running {
  runId: string
  child: OracleChild
  cancelled: boolean
}

export class OracleService implements OracleHost {
  private readonly o: Required<Omit<OracleServiceOptions, 'platform' | 'arch' | 'disabledReason'>> & {
    disabledReason: string
    platform: NodeJS.Platform
    arch: string
  }
  private run: Running | null = null
  private seq = 0

  constructor(options: OracleServiceOptions) {
    this.o = {
      repoRoot: options.repoRoot,
      packaged: options.packaged ?? false,
      enabled: options.enabled ?? true,
      disabledReason: options.disabledReason ?? 'this host does not run the oracle',
      spawn: options.spawn ?? defaultSpawn,
      platform: options.platform ?? process.platform,
      arch: options.arch ?? process.arch,
      hasCommand: options.hasCommand ?? ((c) => onPath(c)),
      exists: options.exists ?? existsSync,
      killGroup:
        options.killGroup ??
        ((pid, signal) => {
          process.kill(-pid, signal)
        }),
      writeLab: options.writeLab ?? defaultWriteLab,
      now: options.now ?? Date.now,
    }
  }

  private get tsx(): string {
    return join(this.o.repoRoot, 'node_modules', '.bin', 'tsx')
  }
  private get cli(): string {
    return join(this.o.repoRoot, 'tools', 'oracle', 'oracle.ts')
  }

  availability(): OracleAvailability {
    const running = this.run?.runId ?? null
    const no = (reason: string): OracleAvailability => ({ available: false, reason, running })
    if (!this.o.enabled) return no(this.o.disabledReason)
    if (this.o.packaged) return no(PACKAGED_REASON)
    if (this.o.platform !== 'linux' || this.o.arch !== 'x64')
      return no(`needs Linux on x86_64 (this is ${this.o.platform} ${this.o.arch})`)
    if (!this.o.hasCommand(QEMU)) return no(`${QEMU} is not installed (apt-get install qemu-system-x86)`)
    if (!this.o.exists(this.cli) || !this.o.exists(this.tsx))
      return no('needs the development checkout (tools/oracle and tsx); a packaged app cannot run the oracle')
    return { available: true, reason: null, running }
  }

  get running(): string | null {
    return this.run?.runId ?? null
  }

  /** Start a run for the lab text; throws when unavailable or already running. */
  start(lab: { fileName: string; text: string }, revision: number, sink: OracleSink): string {
    const a = this.availability()
    if (!a.available) throw new OracleUnavailable(a.reason ?? 'unavailable')
    if (this.run) throw new OracleUnavailable(`a run is already in progress (${this.run.runId})`)
    const runId = `oracle-${++this.seq}`
    const t0 = this.o.now()
    const file = this.o.writeLab(lab.fileName, lab.text)
    const child = this.o.spawn(this.tsx, [this.cli, file.path, '--json'], { cwd: this.o.repoRoot })
    const run: Running = { runId, child, cancelled: false }
    this.run = run
    sink.progress({ runId, line: `starting the oracle for ${lab.fileName}` })

    let out = ''
    let errTail: string[] = []
    let partial = ''
    child.stdout?.on('data', (b: Buffer | string) => {
      out += b.toString()
    })
    child.stderr?.on('data', (b: Buffer | string) => {
      const lines = (partial + b.toString()).split('\n')
      partial = lines.pop() ?? ''
      for (const raw of lines) {
        const line = raw.replace(/^oracle: /, '').trimEnd()
        if (!line) continue
        errTail = [...errTail.slice(-4), line]
        sink.progress({ runId, line: line.length > MAX_LINE ? line.slice(0, MAX_LINE - 1) + '…' : line })
      }
    })
    let ended = false
    const end = (f: Omit<OracleFinished, 'runId' | 'revision' | 'seconds'>) => {
      if (ended) return
      ended = true
      if (this.run === run) this.run = null
      file.cleanup()
      sink.finished({ runId, revision, seconds: (this.o.now() - t0) / 1000, ...f })
    }
    child.on('error', (e) =>
      end({ outcome: 'failed', report: null, error: `cannot start the oracle: ${e.message}` }),
    )
    child.on('close', (code, signal) => {
      if (partial.trim()) sink.progress({ runId, line: partial.replace(/^oracle: /, '').trimEnd() })
      if (run.cancelled) return end({ outcome: 'cancelled', report: null, error: null })
      // exit 0: all agree; 1: a disagreement (still a result); 2: bad input or environment
      if (code === 0 || code === 1) {
        try {
          return end({ outcome: 'done', report: parseOracleJson(out), error: null })
        } catch (e) {
          return end({
            outcome: 'failed',
            report: null,
            error: `${(e as Error).message}; ${errTail.join(' / ')}`,
          })
        }
      }
      end({
        outcome: 'failed',
        report: null,
        error: `the oracle exited ${signal ?? `with code ${code}`}${errTail.length ? `: ${errTail.join(' / ')}` : ''}`,
      })
    })
    return runId
  }

  /** Kill the running oracle's process group; false when nothing runs. */
  cancel(): boolean {
    const run = this.run
    if (!run) return false
    run.cancelled = true
    const pid = run.child.pid
    try {
      if (pid) this.o.killGroup(pid, 'SIGKILL')
      else run.child.kill('SIGKILL')
    } catch {
      run.child.kill('SIGKILL')
    }
    return true
  }
}

export class OracleUnavailable extends Error {}
