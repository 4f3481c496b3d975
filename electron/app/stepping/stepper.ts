/**
 * Stepper: one scenario of the lab, recorded once and stepped through in any direction. The
 * session owns at most one; every request answers one StepperView (docs/design.md#7-one-answer-per-request).
 *
 * The scenario runs to its end when it starts (runScenario), so every step is recorded and every
 * later move is a replay of recorded deltas (rule 4): stepping is deterministic and cheap, and a
 * "run" request is bounded by MAX_STEPS_PER_REQUEST all the same. Operation outcomes are revealed
 * only once the cursor has passed an operation, so a prediction is never spoiled.
 *
 * Pure: no electron, no node:*.
 */
import type {
  CheckView,
  CompareOp,
  CompareStep,
  CompareView,
  DeltaView,
  ExtraTable,
  FieldChange,
  FrameView,
  OpProgress,
  OutcomeView,
  PaneId,
  ScenarioSummary,
  StepDetail,
  StepperView,
  StepRequestKind,
} from '../../../shared/model/stepper'
import { errnos } from '../../../shared/model/errno'
import type { Era, LabFile } from '../../../shared/model/topology'
import {
  type Delta,
  type Recorded,
  type World,
  worldView,
  runScenario,
  scenarioMachine,
  type ScenarioResult,
  scenarioSchema,
  type Scenario,
  stepView,
  resolveDev,
  exerciseView,
  eraRelease,
  isEra,
} from '../../engine/index'

/** A run request (continue, run to failure, run to a function) moves at most this many steps. */
export const MAX_STEPS_PER_REQUEST = 200_000
/** Steps of context the view carries before and after the cursor. */
const STEP_WINDOW = 40
/** Checks shown per frame. */
const FRAME_CHECKS = 6

export class StepperInputError extends Error {}

/** The lab's scenarios that parse, with their index in the lab file. */
export function parseLabScenarios(
  lab: LabFile,
): { index: number; scenario: Scenario | null; error: string | null }[] {
  return (lab.scenarios ?? []).map((raw, index) => {
    const r = scenarioSchema.safeParse(raw)
    if (r.success) return { index, scenario: r.data, error: null }
    const issue = r.error.issues[0]
    return { index, scenario: null, error: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid' }
  })
}

function argText(v: unknown): string {
  if (Array.isArray(v)) return v.map(argText).join('|')
  if (v !== null && typeof v === 'object') return preview(plain(v))
  return String(v)
}

export function listScenarios(lab: LabFile): ScenarioSummary[] {
  const out: ScenarioSummary[] = []
  for (const { index, scenario: sc } of parseLabScenarios(lab)) {
    if (!sc) continue
    out.push({
      index,
      name: sc.name,
      era: sc.era ?? null,
      narration: sc.narration ?? null,
      operations: sc.operations.map((o) => ({
        op: o.op,
        args: Object.fromEntries(Object.entries(o.args).map(([k, v]) => [k, argText(v)])),
        narration: o.narration ?? null,
        expect: o.expect ? { ret: o.expect.ret, errno: o.expect.errno } : null,
      })),
      exercises: (sc.exercises ?? []).map((e, i) => exerciseView(e, i, sc.operations)),
    })
  }
  return out
}

/** The scenario at `index` of the lab file, or a StepperInputError. */
export function scenarioAt(lab: LabFile, index: number): Scenario {
  const entry = parseLabScenarios(lab).find((s) => s.index === index)
  if (!entry)
    throw new StepperInputError(`the lab has no scenario ${index} (it has ${lab.scenarios?.length ?? 0})`)
  if (!entry.scenario) throw new StepperInputError(`scenario ${index} is not valid: ${entry.error}`)
  return entry.scenario
}

/** Run scenario `index` of `lab` to its end, in `era` (default: the scenario's, else the lab's). */
export function runLabScenario(lab: LabFile, index: number, era?: Era): ScenarioResult {
  const sc = scenarioAt(lab, index)
  const s: Scenario = era ? { ...sc, era } : sc
  const machine = scenarioMachine(lab.machine, lab.settings, s)
  return runScenario(machine, s)
}

// ---- kernel source links ----

/** The elixir.bootlin.com tag of an era, from its release in the era table: v6.12 → 'v6.12', the RFC era → its base, next → 'latest'. */
export function elixirTag(era: string): string {
  if (!isEra(era)) return 'latest'
  const rel = eraRelease(era)
  return /^\d+\.\d+$/.test(rel) ? `v${rel}` : 'latest'
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/
const FILE = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,255}$/

/** https://elixir.bootlin.com/linux/v6.12/C/ident/check_vma_flags (identifier search for the era). */
export function elixirUrl(era: string, fn: string): string {
  const ident = IDENT.test(fn) ? fn : 'lab'
  return `https://elixir.bootlin.com/linux/${elixirTag(era)}/C/ident/${ident}`
}

/** https://elixir.bootlin.com/linux/v6.12/source/mm/gup.c */
export function elixirFileUrl(era: string, file: string): string | null {
  if (!FILE.test(file) || file.includes('..')) return null
  return `https://elixir.bootlin.com/linux/${elixirTag(era)}/source/${file}`
}

// ---- deltas as sentences ----

const PANE_OF: Record<string, PaneId> = {
  mms: 'processes',
  vmas: 'vmas',
  ptes: 'ptes',
  pages: 'pages',
  pgmaps: 'p2pmem',
  p2pdma: 'p2pmem',
  sgts: 'sgts',
  iovas: 'iommu',
  domains: 'iommu',
  umems: 'umems',
  vars: 'vars',
  log: 'log',
  // A WARN event (core/warn.ts) is the splat its log lines show: its delta belongs to the log pane.
  warnings: 'log',
  devptes: 'devptes',
  odps: 'devptes',
  notifiers: 'notifiers',
  subs: 'notifiers',
  dmabufs: 'dmabufs',
  attachments: 'dmabufs',
  umemDmabufs: 'dmabufs',
}

/** Tables worldView() already shows; the others travel as ExtraTable rows. */
const IN_WORLD_VIEW = new Set([
  'mms',
  'vmas',
  'ptes',
  'pages',
  'pgmaps',
  'p2pdma',
  'sgts',
  'iovas',
  'domains',
  'umems',
  'vars',
  'log',
  'warnings', // shown as the splat's lines in the kernel log
])

export function extraTables(w: World): ExtraTable[] {
  const out: ExtraTable[] = []
  for (const [table, rows] of Object.entries(w)) {
    if (table === 'sys' || IN_WORLD_VIEW.has(table) || rows === null || typeof rows !== 'object') continue
    out.push({
      pane: PANE_OF[table] ?? table,
      table,
      rows: Object.entries(rows as Record<string, unknown>).map(([key, row]) => ({
        key,
        text: show(row, 400),
        value: plain(row),
      })),
    })
  }
  return out
}

/** Addresses as hex, small counts as decimal; arrays of names joined with '|'. */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= 0x10000n ? '0x' + v.toString(16) : v.toString()
  if (Array.isArray(v)) return v.map(plain)
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]))
  return v
}

/** An object or array the way a debugger previews it (`{valid: true, pfn: 0x1000}`), not as JSON. */
function preview(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(preview).join(', ')}]`
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}: ${preview(x)}`)
      .join(', ')}}`
  return v === undefined || v === null ? '—' : String(v)
}

function show(v: unknown, max = 120): string {
  const p = plain(v)
  let s: string
  if (p === undefined) s = '—'
  else if (Array.isArray(p) && p.every((x) => typeof x === 'string')) s = p.length ? p.join('|') : '(none)'
  else if (typeof p === 'string') s = p
  else s = preview(p)
  return s.length > max ? s.slice(0, max - 1) + '…' : s
}

function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  if (before === null || after === null || typeof before !== 'object' || typeof after !== 'object')
    return [{ field: '', before: show(before), after: show(after) }]
  const b = before as Record<string, unknown>
  const a = after as Record<string, unknown>
  const out: FieldChange[] = []
  for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (JSON.stringify(plain(b[k])) === JSON.stringify(plain(a[k]))) continue
    out.push({ field: k, before: show(b[k]), after: show(a[k]) })
  }
  return out
}

function flagDiff(before: string, after: string): string | null {
  if (!/^[A-Z_|()a-z]+$/.test(before + after) || !(before + after).includes('_')) return null
  const b = new Set(before.split('|'))
  const a = new Set(after.split('|'))
  const added = [...a].filter((x) => !b.has(x) && x !== '(none)').map((x) => '+' + x)
  const removed = [...b].filter((x) => !a.has(x) && x !== '(none)').map((x) => '−' + x)
  return added.length + removed.length ? [...added, ...removed].join(' ') : null
}

export function deltaView(d: Delta): DeltaView {
  if (d.op === 'sys') {
    const fields = fieldChanges(d.before, d.after)
    return {
      pane: 'sys',
      table: 'sys',
      key: 'sys',
      change: 'changed',
      fields,
      text: `kernel state: ${fields.map((f) => `${f.field} ${f.before} → ${f.after}`).join(', ')}`,
    }
  }
  const pane = PANE_OF[d.table] ?? d.table
  const change = d.before === null ? 'added' : d.after === null ? 'removed' : 'changed'
  if (change !== 'changed') {
    const row = (d.after ?? d.before) as unknown
    const summary = d.table === 'log' ? String(row) : show(row, 160)
    return {
      pane,
      table: d.table,
      key: d.key,
      change,
      fields: [],
      text: `${d.table} ${d.key} ${change}: ${summary}`,
    }
  }
  const fields = fieldChanges(d.before, d.after)
  const before = d.before as unknown as Record<string, unknown>
  for (const f of fields) {
    const flags = Array.isArray(before[f.field]) ? flagDiff(f.before, f.after) : null
    if (flags) f.summary = flags
  }
  const parts = fields.map((f) =>
    f.summary ? `${f.field} ${f.summary}` : `${f.field} ${f.before} → ${f.after}`,
  )
  return {
    pane,
    table: d.table,
    key: d.key,
    change,
    fields,
    text: `${d.table} ${d.key}: ${parts.join(', ')}`,
  }
}

// ---- steps, frames, outcomes ----

function outcomeOf(s: Recorded): OutcomeView | null {
  if (s.kind === 'return') return { kind: 'return', value: s.value }
  if (s.kind === 'fail')
    return {
      kind: 'fail',
      errno: s.error.errno,
      no: errnos[s.error.errno].no,
      why: s.error.why,
      remedy: s.error.remedy ?? null,
    }
  return null
}

function checkOf(s: Recorded): CheckView | null {
  return s.kind === 'check' ? { what: s.what, ok: s.ok, why: s.why } : null
}

export function stepDetail(s: Recorded): StepDetail {
  return {
    ...stepView(s),
    args: s.kind === 'enter' ? { ...s.args } : null,
    check: checkOf(s),
    why: s.kind === 'mutate' ? s.why : null,
    outcome: outcomeOf(s),
  }
}

interface OpenFrame {
  enter: Extract<Recorded, { kind: 'enter' }>
  checks: CheckView[]
}

/** The call stack after the first `cursor` steps; a frame that ended on the last step stays, with its outcome. */
export function callStackAt(
  steps: readonly Recorded[],
  cursor: number,
  from: number,
  era: string,
): FrameView[] {
  const stack: OpenFrame[] = []
  let ended: { frame: OpenFrame; outcome: OutcomeView } | null = null
  for (let i = from; i < cursor; i++) {
    const s = steps[i]!
    ended = null
    if (s.kind === 'enter') stack.push({ enter: s, checks: [] })
    else if (s.kind === 'check') stack[stack.length - 1]?.checks.push({ what: s.what, ok: s.ok, why: s.why })
    else if (s.kind === 'return' || s.kind === 'fail') {
      const f = stack.pop()
      if (f) ended = { frame: f, outcome: outcomeOf(s)! }
    }
  }
  const frames = stack.map((f) => frameView(f, null, era))
  if (ended) frames.push(frameView(ended.frame, ended.outcome, era))
  return frames
}

function frameView(f: OpenFrame, outcome: OutcomeView | null, era: string): FrameView {
  const e = f.enter
  return {
    seq: e.seq,
    depth: e.depth,
    fn: e.fn,
    args: { ...e.args },
    file: e.src.file,
    era: e.src.era,
    checks: f.checks.slice(-FRAME_CHECKS),
    outcome,
    url: elixirUrl(era, e.fn),
  }
}

// ---- the session's stepper ----

export class Stepper {
  private stopped: StepperView['stopped'] = 'start'
  readonly start: number

  constructor(
    readonly index: number,
    readonly scenario: Scenario,
    readonly result: ScenarioResult,
  ) {
    this.start = result.operations[0]?.first ?? result.timeline.frontier
    result.timeline.seek(this.start)
  }

  static create(lab: LabFile, index: number, era?: Era): Stepper {
    const sc = scenarioAt(lab, index)
    return new Stepper(index, sc, runLabScenario(lab, index, era))
  }

  private get tl() {
    return this.result.timeline
  }

  setBreakpoints(fns: readonly string[]): void {
    this.tl.breakpoints.clear()
    for (const f of fns) this.tl.breakpoints.add(f)
  }

  /** The same recorded run with the scenario's exercises changed (an authoring edit): cursor kept. */
  withScenario(sc: Scenario): Stepper {
    const cursor = this.tl.cursor // the same timeline: the constructor moves it to the start
    const s = new Stepper(this.index, sc, this.result)
    s.result.timeline.seek(cursor)
    s.stopped = this.stopped
    return s
  }

  /** Keep the cursor at or before `cursor` (an open exercise's hold); says so in `stopped`. */
  clamp(cursor: number): void {
    if (this.tl.cursor <= cursor) return
    this.tl.seek(Math.max(cursor, 0))
    this.stopped = 'exercise'
  }

  get cursor(): number {
    return this.tl.cursor
  }

  seek(cursor: number): void {
    this.tl.seek(Math.min(cursor, this.tl.frontier))
    this.stopped = this.tl.cursor >= this.tl.frontier ? 'end' : 'step'
  }

  /** Move the cursor; `count` repeats into/over/out/back. Run requests stop after MAX_STEPS_PER_REQUEST. */
  step(kind: StepRequestKind, fn?: string, count = 1): void {
    const tl = this.tl
    let budget = MAX_STEPS_PER_REQUEST
    const fwd = (): Recorded | null => (budget-- > 0 ? tl.forward() : null)
    const runUntil = (stop: (s: Recorded) => boolean, reason: StepperView['stopped']): void => {
      for (;;) {
        const s = fwd()
        if (!s) {
          this.stopped = budget < 0 ? 'limit' : 'end'
          return
        }
        if (stop(s)) {
          this.stopped = reason
          return
        }
      }
    }
    this.stopped = 'step'
    for (let n = 0; n < Math.max(1, count); n++) {
      switch (kind) {
        case 'back':
          if (!tl.back()) this.stopped = 'start'
          break
        case 'into':
          if (!fwd()) this.stopped = 'end'
          break
        case 'over': {
          const s = fwd()
          if (!s) this.stopped = 'end'
          else if (s.kind === 'enter')
            runUntil((x) => (x.kind === 'return' || x.kind === 'fail') && x.depth === s.depth, 'step')
          break
        }
        case 'out': {
          const c = tl.current
          const level = c ? (c.kind === 'enter' ? c.depth : c.depth - 1) : -1
          if (level < 0) {
            if (!fwd()) this.stopped = 'end'
          } else runUntil((x) => (x.kind === 'return' || x.kind === 'fail') && x.depth <= level, 'step')
          break
        }
        case 'continue':
          runUntil((x) => x.kind === 'enter' && tl.breakpoints.has(x.fn), 'breakpoint')
          return
        case 'runToFailure':
          runUntil((x) => x.kind === 'fail', 'failure')
          return
        case 'runTo':
          runUntil((x) => x.kind === 'enter' && x.fn === fn, 'function')
          return
        case 'toEnd':
          runUntil(() => false, 'end')
          return
      }
      if (this.stopped === 'end' || this.stopped === 'start') return
    }
    if (tl.cursor >= tl.frontier) this.stopped = 'end'
  }

  view(): StepperView {
    const tl = this.tl
    const r = this.result
    const cursor = tl.cursor
    const cur = tl.current
    const ops: OpProgress[] = r.operations.map((o, index) => {
      const state = cursor >= o.end ? 'done' : cursor > o.first ? 'running' : 'pending'
      const done = state === 'done'
      const hasExpect = done && this.scenario.operations[index]?.expect !== undefined
      return {
        index,
        op: o.op,
        first: o.first,
        end: o.end,
        state,
        ret: done ? o.ret : null,
        errno: done ? o.errno : null,
        met: hasExpect ? o.ok : null,
        failures: done ? o.failures : [],
      }
    })
    const currentOp = ops.find((o) => o.state !== 'done')?.index ?? null
    const opFirst = cur ? (tl.calls[cur.call]?.first ?? 0) : 0
    const stack = cur ? callStackAt(tl.steps, cursor, opFirst, r.era) : []
    const deltas = tl.lastDeltas().map(deltaView)
    const from = Math.max(0, cursor - STEP_WINDOW)
    const failMarks: number[] = []
    for (const s of tl.steps) if (s.kind === 'fail' && s.depth === 0) failMarks.push(s.seq + 1)
    return {
      scenario: { index: this.index, name: r.name, era: r.era, narration: this.scenario.narration ?? null },
      cursor,
      start: this.start,
      total: tl.frontier,
      atStart: cursor <= this.start,
      atEnd: cursor >= tl.frontier,
      current: cur ? stepDetail(cur) : null,
      callStack: stack,
      deltas,
      changedPanes: [...new Set(deltas.map((d) => d.pane))],
      world: worldView(r.kernel.machine, tl.world),
      operations: ops,
      currentOp,
      breakpoints: [...tl.breakpoints].sort(),
      stopped: this.stopped,
      position: { step: Math.max(0, cursor - this.start), of: Math.max(0, tl.frontier - this.start) },
      steps: tl.steps.slice(from, Math.min(tl.frontier, cursor + STEP_WINDOW)).map(stepView),
      failMarks,
      extra: extraTables(tl.world),
      devices: this.devicesAt(currentOp, stack),
      pair: this.pairAt(currentOp, stack),
    }
  }

  /** The P2P pair of the innermost open frame with provider/client BDF arguments, else of the operation. */
  private pairAt(op: number | null, frames: FrameView[]): StepperView['pair'] {
    for (let i = frames.length - 1; i >= 0; i--) {
      const a = frames[i]!.args
      if (a['provider'] && a['client']) return { provider: a['provider'], client: a['client'] }
    }
    const args = (op === null ? {} : (this.scenario.operations[op]?.args ?? {})) as Record<string, unknown>
    const { provider, client } = args
    if (typeof provider !== 'string' || typeof client !== 'string') return null
    try {
      const m = this.result.kernel.machine
      const p = resolveDev(m, provider).bdf
      const c = resolveDev(m, client).bdf
      return p && c ? { provider: p, client: c } : null
    } catch {
      return null
    }
  }

  /** Devices named by the current operation's arguments, or by a BDF in an argument of an open frame. */
  private devicesAt(op: number | null, frames: FrameView[]): StepperView['devices'] {
    const m = this.result.kernel.machine
    const ids = new Set<string>()
    const args = op === null ? {} : (this.scenario.operations[op]?.args ?? {})
    for (const key of ['dev', 'disk', 'provider', 'client'] as const) {
      const ref = (args as Record<string, unknown>)[key]
      if (typeof ref !== 'string') continue
      try {
        ids.add(resolveDev(m, ref).id)
      } catch {
        // not a device of this machine: nothing to show
      }
    }
    const text = frames.flatMap((f) => Object.values(f.args)).join(' ')
    for (const d of m.devs.values()) if (d.bdf && text.includes(d.bdf)) ids.add(d.id)
    return [...ids].map((id) => {
      const d = m.devs.get(id)!
      return { id, bdf: d.bdf, label: d.label }
    })
  }
}

// ---- compare eras ----

function sig(s: Recorded): string {
  return `${s.depth} ${s.kind} ${s.fn}${s.kind === 'check' ? ` ${s.ok} ${s.what}` : ''}${
    s.kind === 'fail' ? ` ${s.error.errno}` : ''
  }`
}

function compareStep(s: Recorded | undefined): CompareStep | null {
  if (!s) return null
  const v = stepView(s)
  return { seq: v.seq, depth: v.depth, kind: v.kind, fn: v.fn, text: v.text }
}

/** Run scenario `index` in two eras and compare each operation's outcome and call path. */
export function compareEras(lab: LabFile, index: number, eras: [Era, Era]): CompareView {
  const [ra, rb] = eras.map((e) => runLabScenario(lab, index, e)) as [ScenarioResult, ScenarioResult]
  const operations: CompareOp[] = ra.operations.map((oa, i) => {
    const ob = rb.operations[i]!
    const sa = ra.timeline.steps.slice(oa.first, oa.end)
    const sb = rb.timeline.steps.slice(ob.first, ob.end)
    let at = -1
    for (let j = 0; j < Math.max(sa.length, sb.length); j++) {
      const x = sa[j]
      const y = sb[j]
      if (!x || !y || sig(x) !== sig(y)) {
        at = j
        break
      }
    }
    const same = oa.ret === ob.ret && oa.errno === ob.errno && oa.notInEra === ob.notInEra
    return {
      op: oa.op,
      a: { ret: oa.ret, errno: oa.errno, notInEra: oa.notInEra },
      b: { ret: ob.ret, errno: ob.errno, notInEra: ob.notInEra },
      same,
      diverge: at < 0 ? null : { a: compareStep(sa[at]), b: compareStep(sb[at]) },
    }
  })
  const first = operations.findIndex((o) => !o.same || o.diverge)
  return { index, name: ra.name, eras, operations, firstDiverging: first < 0 ? null : first }
}
