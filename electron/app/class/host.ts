/**
 * ClassHost: runs a class for one LabSession — starts and stops the class server (./server.ts) on
 * the address the instructor picked, keeps the ClassSession (./class-session.ts), follows the
 * instructor's stepping (StepperSession.onDidMove) and lab (LabSession.onDidChange) and pushes
 * both to every attendee, opens exercises, reveals them, and exports the results. Electron main,
 * the browser harness and the CLI (`lab class`) each host one; the IPC handlers reach it through
 * HandlerServices.class.
 *
 * Status changes reach the instructor's windows through onDidChange: at once for the instructor's
 * own actions, and at most every `throttleMs` for attendees' joins and answers (200 answers in a
 * second make a handful of updates, not 200).
 */
import { randomBytes } from 'node:crypto'
import type { IpcError, Result } from '../../../shared/ipc/contract'
import { CLASS_STOPPED, type ClassAddress, type ClassStatus } from '../../../shared/model/class'
import { CLASS_LIMITS, type ServerMessage } from '../../../shared/class/protocol'
import type { LabFile } from '../../../shared/model/topology'
import { exerciseView, serializeLab } from '../../engine/index'
import type { LabSession } from '../session'
import { scenarioAt } from '../stepping/stepper'
import { classAddresses } from './addresses'
import { ClassSession, resultsCsv } from './class-session'
import {
  startClassServer,
  type AttendeeConn,
  type ClassLimits,
  type ClassServer,
  type ProtocolHandler,
} from './server'

export interface ClassStartRequest {
  host: string
  /** 0 = any free port. */
  port: number
  maxAttendees?: number | undefined
}

export interface ClassHostOptions {
  /** The built renderer holding attendee.html (out/renderer). */
  rendererDir: string
  /** The addresses the instructor may pick (default: the host's interfaces). */
  addresses?: () => ClassAddress[]
  now?: () => number
  random?: (n: number) => Uint8Array
  /** Coalesce attendee-driven status updates to one per this many ms. */
  throttleMs?: number
  limits?: Partial<ClassLimits>
}

export type ClassListener = (status: ClassStatus) => void

/** Extra sockets allowed above the attendee cap: pages still on the join form, second tabs. */
const SOCKET_MARGIN = 32

function inputError(source: string, message: string): { ok: false; error: IpcError } {
  return {
    ok: false,
    error: { kind: 'input', message: `${source}: ${message}`, issues: [{ source, message }] },
  }
}

/**
 * The lab as attendees get it: without exercises (their answers) and without the operations'
 * expected outcomes, so nothing of an answer reaches an attendee's browser before the reveal.
 */
export function attendeeLab(lab: LabFile): LabFile {
  const strip = (raw: unknown): unknown => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw
    const { exercises: _e, ...sc } = raw as Record<string, unknown>
    const ops = sc['operations']
    if (Array.isArray(ops))
      sc['operations'] = ops.map((o) => {
        if (o === null || typeof o !== 'object' || Array.isArray(o)) return o
        const { expect: _x, ...rest } = o as Record<string, unknown>
        return rest
      })
    return sc
  }
  const { scenarios, ...rest } = lab as LabFile & Record<string, unknown>
  const out = { ...rest } as Record<string, unknown>
  delete out['exercises']
  delete out['course']
  return { ...(out as unknown as LabFile), ...(scenarios ? { scenarios: scenarios.map(strip) } : {}) }
}

export class ClassHost implements ProtocolHandler {
  private cls: ClassSession | null = null
  private server: ClassServer | null = null
  private problem: string | null = null
  private starting = false
  private readonly listeners = new Set<ClassListener>()
  private readonly now: () => number
  private readonly random: (n: number) => Uint8Array
  private readonly throttleMs: number
  private timer: ReturnType<typeof setTimeout> | null = null
  private lastEmit = 0
  private labCache: { revision: number; msg: ServerMessage } | null = null
  private unsubscribe: (() => void)[] = []
  private closing: Promise<void> = Promise.resolve()

  constructor(
    private readonly session: LabSession,
    private readonly options: ClassHostOptions,
  ) {
    this.now = options.now ?? Date.now
    this.random = options.random ?? ((n) => new Uint8Array(randomBytes(n)))
    this.throttleMs = options.throttleMs ?? 100
  }

  onDidChange(listener: ClassListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  addresses(): ClassAddress[] {
    return (this.options.addresses ?? classAddresses)()
  }

  get running(): boolean {
    return this.server !== null
  }

  /** The class in progress, or the last one (its results stay exportable after it ended). */
  get classSession(): ClassSession | null {
    return this.cls
  }

  status(): ClassStatus {
    const cs = this.cls
    const srv = this.server
    if (!cs) return { ...CLASS_STOPPED, problem: this.problem }
    return {
      running: srv !== null,
      url: srv?.url ?? null,
      joinUrl: srv ? `${srv.url}#code=${cs.code}` : null,
      host: srv?.host ?? null,
      port: srv?.port ?? null,
      code: srv ? cs.code : null,
      maxAttendees: cs.maxAttendees,
      attendees: cs.attendeeViews(),
      connected: cs.connectedCount(),
      ask: cs.askView(),
      asked: cs.askedExercises().map((a) => a.key),
      startedAt: new Date(cs.startedAt).toISOString(),
      problem: this.problem,
    }
  }

  async start(req: ClassStartRequest): Promise<Result<ClassStatus>> {
    if (this.server || this.starting)
      return inputError('class.start', `a class is already running at ${this.server?.url ?? '…'}`)
    const known = this.addresses()
    if (!known.some((a) => a.address === req.host))
      return inputError(
        'class.start',
        `${req.host} is not an address of this machine (one of: ${known.map((a) => a.address).join(', ')})`,
      )
    const maxAttendees = req.maxAttendees ?? CLASS_LIMITS.maxAttendees
    this.starting = true
    await this.closing
    const cls = new ClassSession({ maxAttendees, now: this.now, random: this.random })
    try {
      this.server = await startClassServer({
        host: req.host,
        port: req.port,
        rendererDir: this.options.rendererDir,
        handler: this,
        maxSockets: maxAttendees + SOCKET_MARGIN,
        now: this.now,
        ...(this.options.limits ? { limits: this.options.limits } : {}),
      })
    } catch (e) {
      const err = e as NodeJS.ErrnoException
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${req.port} on ${req.host} is in use: pick another port (or 0 for any free port)`
          : err.code === 'EADDRNOTAVAIL'
            ? `${req.host} is not available on this machine any more`
            : err.code === 'EACCES'
              ? `port ${req.port} needs privileges: pick one above 1024`
              : err.message
      return inputError('class.start', why)
    } finally {
      this.starting = false
    }
    this.cls = cls
    this.problem = null
    this.labCache = null
    this.unsubscribe = [
      this.session.onDidChange(() => this.labChanged()),
      this.session.stepping.onDidMove((p) => this.moved(p)),
    ]
    this.emitNow()
    return { ok: true, value: this.status() }
  }

  /** End the class: attendees are told, sockets closed, the server stops. Results stay exportable. */
  async stop(): Promise<Result<ClassStatus>> {
    const srv = this.server
    if (srv) {
      this.server = null
      for (const off of this.unsubscribe) off()
      this.unsubscribe = []
      this.closing = srv.close()
      this.emitNow()
    }
    await this.closing
    return { ok: true, value: this.status() }
  }

  /** Open exercise `exercise` of scenario `scenario` for answers (null: close the open one). */
  ask(req: { scenario: number; exercise: number } | null): Result<ClassStatus> {
    const cls = this.cls
    if (!cls || !this.server) return inputError('class.ask', 'no class is running: start one first')
    if (req === null) {
      cls.closeAsk()
    } else {
      const lab = this.session.labFile
      let sc
      try {
        sc = scenarioAt(lab, req.scenario)
      } catch (e) {
        return inputError('class.ask', (e as Error).message)
      }
      const ex = sc.exercises?.[req.exercise]
      if (!ex)
        return inputError(
          'class.ask',
          `scenario ${req.scenario} has no exercise ${req.exercise} (it has ${sc.exercises?.length ?? 0})`,
        )
      const pos = this.session.stepping.position()
      const op = ex.op !== undefined ? ex.op - 1 : null
      cls.ask({
        key: `${req.scenario}:${req.exercise}`,
        scenario: req.scenario,
        scenarioName: sc.name,
        exerciseIndex: req.exercise,
        exercise: ex,
        view: exerciseView(ex, req.exercise, sc.operations),
        operations: sc.operations,
        // The question point: the start of the operation asked about, else where the instructor is.
        cap: {
          op,
          cursor: op === null ? (pos && pos.scenario === req.scenario ? pos.cursor : 0) : null,
        },
      })
    }
    this.broadcastAsk()
    this.emitNow()
    return { ok: true, value: this.status() }
  }

  reveal(): Result<ClassStatus> {
    const cls = this.cls
    if (!cls || !this.server) return inputError('class.reveal', 'no class is running')
    if (!cls.open) return inputError('class.reveal', 'no exercise is open: ask one first')
    cls.reveal()
    this.broadcastAsk()
    this.emitNow()
    return { ok: true, value: this.status() }
  }

  results(format: 'csv' | 'json'): Result<{ fileName: string; mime: string; text: string }> {
    const cls = this.cls
    if (!cls) return inputError('class.results', 'no class has run yet')
    const r = cls.results(this.session.labFile.name ?? this.session.fileName)
    const stamp = r.startedAt.slice(0, 16).replace(/[-:]/g, '').replace('T', '-')
    return format === 'csv'
      ? { ok: true, value: { fileName: `class-${stamp}.csv`, mime: 'text/csv', text: resultsCsv(r) } }
      : {
          ok: true,
          value: {
            fileName: `class-${stamp}.json`,
            mime: 'application/json',
            text: JSON.stringify(r, null, 2) + '\n',
          },
        }
  }

  // ---- the attendee protocol (called by the server with validated messages) ----

  join(conn: AttendeeConn, msg: { code: string; name: string; token?: string | undefined }) {
    const cls = this.cls
    if (!cls || !this.server)
      return { ok: false as const, code: 'bad-code' as const, reason: 'no class is running' }
    const r = cls.join(msg.code, msg.name, msg.token)
    if (!r.ok) return r
    conn.attendeeId = r.attendee.id
    conn.send({
      t: 'welcome',
      id: r.attendee.id,
      name: r.attendee.name,
      token: r.attendee.token,
      resumed: r.resumed,
    })
    conn.send(this.labMessage())
    conn.send({ t: 'follow', position: this.followPosition() })
    conn.send({ t: 'ask', ask: cls.attendeeAsk(r.attendee.id) })
    this.emitSoon()
    return { ok: true as const }
  }

  answer(conn: AttendeeConn, msg: { ask: string; choice: string }): void {
    const cls = this.cls
    if (!cls || conn.attendeeId === null) return
    const r = cls.answer(conn.attendeeId, msg.ask, msg.choice)
    if (!r.ok) return conn.send({ t: 'error', message: r.reason })
    conn.send({ t: 'ask', ask: cls.attendeeAsk(conn.attendeeId) })
    this.emitSoon()
  }

  closed(conn: AttendeeConn): void {
    if (conn.attendeeId === null || !this.cls || !this.server) return
    this.cls.disconnected(conn.attendeeId)
    this.emitSoon()
  }

  // ---- pushing to attendees ----

  private followPosition() {
    const p = this.session.stepping.position()
    return p ? { ...p, revision: this.session.currentRevision } : null
  }

  private labMessage(): ServerMessage {
    const revision = this.session.currentRevision
    if (this.labCache?.revision !== revision) {
      const lab = this.session.labFile
      this.labCache = {
        revision,
        msg: { t: 'lab', revision, name: lab.name ?? 'lab', text: serializeLab(attendeeLab(lab)) },
      }
    }
    return this.labCache.msg
  }

  private labChanged(): void {
    const lab = this.labMessage()
    const follow: ServerMessage = { t: 'follow', position: this.followPosition() }
    this.server?.broadcast(() => lab)
    this.server?.broadcast(() => follow)
  }

  private moved(p: unknown): void {
    if (!this.server) return
    const msg: ServerMessage = { t: 'follow', position: p === null ? null : this.followPosition() }
    this.server.broadcast(() => msg)
  }

  private broadcastAsk(): void {
    const cls = this.cls
    this.server?.broadcast((conn) => ({
      t: 'ask',
      ask: conn.attendeeId ? cls!.attendeeAsk(conn.attendeeId) : null,
    }))
  }

  // ---- status events ----

  private fire(): void {
    this.lastEmit = this.now()
    if (!this.listeners.size) return
    const s = this.status()
    for (const l of [...this.listeners]) l(s)
  }

  private emitNow(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.fire()
  }

  private emitSoon(): void {
    if (this.timer) return
    const wait = this.lastEmit + this.throttleMs - this.now()
    if (wait <= 0) return this.fire()
    this.timer = setTimeout(() => {
      this.timer = null
      this.fire()
    }, wait)
  }
}
