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
import { CLASS_LIMITS, MASK, type ServerMessage } from '../../../shared/class/protocol'
import type { LabFile } from '../../../shared/model/topology'
import {
  exerciseCover,
  exerciseView,
  resolveDev,
  serializeLab,
  type DeviceResolver,
} from '../../engine/index'
import type { Prediction } from '../../../shared/model/stepper'
import type { LabSession } from '../session'
import { parseLabScenarios, runLabScenario, scenarioAt } from '../stepping/stepper'
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
 * The lab as attendees get it: without exercises (their answers), without the operations'
 * expected outcomes and without narration (sent apart, masked: ScenarioNotes), so nothing of an
 * answer reaches an attendee's browser before the reveal.
 */
export function attendeeLab(lab: LabFile): LabFile {
  const strip = (raw: unknown): unknown => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw
    const { exercises: _e, narration: _n, ...sc } = raw as Record<string, unknown>
    const ops = sc['operations']
    if (Array.isArray(ops))
      sc['operations'] = ops.map((o) => {
        if (o === null || typeof o !== 'object' || Array.isArray(o)) return o
        const { expect: _x, narration: _m, ...rest } = o as Record<string, unknown>
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

/** Mask every whole-word occurrence of `terms` in `text` (an errno, a function, a map type, an era). */
export function maskTerms(text: string, terms: readonly string[]): string {
  let out = text
  for (const t of [...new Set(terms)].sort((a, b) => b.length - a.length)) {
    const esc = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    out = out.replace(new RegExp(`(?<![A-Za-z0-9_.])${esc}(?![A-Za-z0-9_])`, 'g'), MASK)
  }
  return out
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
  /** Per lab revision: the words each exercise's answer would show (exerciseCover), by 'scenario:exercise'. */
  private termsCache: { revision: number; terms: Map<string, string[]> } | null = null
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
      // The scenario as the instructor runs it (their era when they step it): the devices the
      // question names, and the question point (exerciseCover: the operation an attendee must not
      // enter before locking in).
      const pos = this.session.stepping.position()
      const run = runLabScenario(lab, req.scenario, pos?.scenario === req.scenario ? pos.era : undefined)
      const machine = run.kernel.machine
      const resolve: DeviceResolver = (ref) => {
        try {
          const d = resolveDev(machine, ref)
          return d.bdf ? { bdf: d.bdf, label: d.label } : null
        } catch {
          return null
        }
      }
      const cover = exerciseCover(ex, run)
      cls.ask({
        key: `${req.scenario}:${req.exercise}`,
        scenario: req.scenario,
        scenarioName: sc.name,
        exerciseIndex: req.exercise,
        exercise: ex,
        view: exerciseView(ex, req.exercise, sc.operations, resolve),
        operations: sc.operations,
        cap: { op: cover.holdOp, cursor: null },
        words: cover.terms.filter((t) => t.where === 'all').map((t) => t.text),
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
    const rec = cls.reveal()
    // The class's reveal is the instructor's too: their own spoiler guard lets them step on.
    if (rec) this.session.stepping.revealExercise({ index: rec.scenario, exercise: rec.exerciseIndex })
    this.broadcastAsk()
    // The narration's words of this exercise are not secret any more.
    const notes = this.notesMessage()
    this.server?.broadcast(() => notes)
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
    conn.send(this.notesMessage())
    conn.send({ t: 'follow', position: this.followPosition() })
    conn.send({ t: 'ask', ask: cls.attendeeAsk(r.attendee.id) })
    this.emitSoon()
    return { ok: true as const }
  }

  answer(conn: AttendeeConn, msg: { ask: string; prediction: Prediction }): void {
    const cls = this.cls
    if (!cls || conn.attendeeId === null) return
    const r = cls.answer(conn.attendeeId, msg.ask, msg.prediction)
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

  /** The words that would give away each exercise of the lab (computed once per lab revision). */
  private exerciseTerms(): Map<string, string[]> {
    const revision = this.session.currentRevision
    if (this.termsCache?.revision === revision) return this.termsCache.terms
    const lab = this.session.labFile
    const terms = new Map<string, string[]>()
    for (const { index, scenario } of parseLabScenarios(lab)) {
      if (!scenario?.exercises?.length) continue
      let run
      try {
        run = runLabScenario(lab, index)
      } catch {
        continue // a scenario that does not run on this machine: its narration stays as written
      }
      scenario.exercises.forEach((ex, i) =>
        terms.set(
          `${index}:${i}`,
          exerciseCover(ex, run).terms.map((t) => t.text),
        ),
      )
    }
    this.termsCache = { revision, terms }
    return terms
  }

  /** Every scenario's narration, with the words of exercises not yet revealed in this class masked. */
  private notesMessage(): ServerMessage {
    const revealed = new Set(
      (this.cls?.askedExercises() ?? []).filter((a) => a.revealedAt !== null).map((a) => a.key),
    )
    const hidden = new Map<number, string[]>()
    for (const [key, words] of this.exerciseTerms()) {
      if (revealed.has(key)) continue
      const sc = Number(key.split(':')[0])
      hidden.set(sc, [...(hidden.get(sc) ?? []), ...words])
    }
    const mask = (index: number, text: string | null | undefined): string | null =>
      text ? maskTerms(text, hidden.get(index) ?? []) : null
    return {
      t: 'notes',
      revision: this.session.currentRevision,
      scenarios: parseLabScenarios(this.session.labFile).flatMap(({ index, scenario }) =>
        scenario
          ? [
              {
                index,
                narration: mask(index, scenario.narration),
                operations: scenario.operations.map((o) => mask(index, o.narration)),
              },
            ]
          : [],
      ),
    }
  }

  private labChanged(): void {
    const lab = this.labMessage()
    const notes = this.notesMessage()
    const follow: ServerMessage = { t: 'follow', position: this.followPosition() }
    this.server?.broadcast(() => lab)
    this.server?.broadcast(() => notes)
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
