/**
 * Exercises checked against the engine, and what each one covers for the spoiler guard.
 *
 * verifyExercises() answers every exercise of a scenario the way the engine does — which operation
 * fails first, its errno, the kernel function where the error began, the map type or distance of a
 * pair, the set of P2P-capable pairs, the era from which an outcome changes — in every era the
 * exercise names, and compares that with the file's answer. `lab run` prints it and fails on a
 * mismatch, so a course stays true when the engine's kernel model changes: fix the exercise, not
 * the check.
 *
 * exerciseCover() says, from the same data, what would give an open exercise away: the operation the
 * stepper must not pass before the reveal, the words to mask, and the matrix cells to hide.
 *
 * Pure: no electron, no node:*.
 */
import type { Era, LabSettings, MachineSpec } from '../../../shared/model/topology'
import type { Recorded } from '../core/timeline'
import { isProvider, pairVerdict } from '../p2pdma/matrix'
import type { Machine } from '../topology/types'
import { type Exercise, exerciseId, exerciseView, answerText, pairChoices, predictionKey } from './exercise'
import { resolveDev, ScenarioInputError } from './ops'
import { runScenario, scenarioMachine, type OpResult, type ScenarioResult } from './runner'
import type { Scenario } from './schema'

export interface ExerciseCheck {
  index: number
  id: string
  kind: Exercise['kind']
  /** The file's answer, as text. */
  answer: string
  /** Every era agrees with the answer (era-changed: the outcome changes exactly once, at the answer). */
  ok: boolean
  /** What the engine produced in each era checked. */
  actual: { era: Era; value: string }[]
  /** Why it is not ok, as sentences (empty when ok). */
  problems: string[]
}

/** What `compute` returns, or the ScenarioInputError it threw (kept, so it is thrown again when asked). */
function inputErrorOr<T>(compute: () => T): T | ScenarioInputError {
  try {
    return compute()
  } catch (e) {
    if (!(e instanceof ScenarioInputError)) throw e
    return e
  }
}

/**
 * The engine's runs and machines of one scenario, per era, computed once. A question about
 * operation N runs the operations up to N only: what comes after cannot change N's outcome, and in
 * an era where a later operation cannot run (it needs a buffer an operation that did not exist yet
 * would have made) operation N still has an answer.
 */
class Runs {
  private readonly runs = new Map<string, ScenarioResult | Error>()
  private readonly machines = new Map<Era, Machine | Error>()

  constructor(
    readonly spec: MachineSpec,
    readonly settings: LabSettings,
    readonly sc: Scenario,
    base?: ScenarioResult,
  ) {
    if (base) this.runs.set(`${base.era}:all`, base)
  }

  get defaultEra(): Era {
    return this.sc.era ?? this.settings.era
  }

  /** The scenario in `era`, all operations or the first `upTo`. */
  run(era: Era, upTo?: number): ScenarioResult {
    const whole = this.runs.get(`${era}:all`)
    if (upTo !== undefined && whole && !(whole instanceof Error)) return whole
    const key = `${era}:${upTo ?? 'all'}`
    let r = this.runs.get(key)
    if (!r) {
      const s: Scenario = {
        ...this.sc,
        era,
        ...(upTo !== undefined ? { operations: this.sc.operations.slice(0, upTo) } : {}),
      }
      r = inputErrorOr(() => runScenario(scenarioMachine(this.spec, this.settings, s), s))
      this.runs.set(key, r)
    }
    if (r instanceof Error) throw r
    return r
  }

  machine(era: Era): Machine {
    let m = this.machines.get(era)
    if (!m) {
      const r = this.runs.get(`${era}:all`)
      if (r && !(r instanceof Error)) m = r.kernel.machine
      else m = inputErrorOr(() => scenarioMachine(this.spec, this.settings, { ...this.sc, era }))
      this.machines.set(era, m)
    }
    if (m instanceof Error) throw m
    return m
  }
}

const failed = (o: OpResult) => o.errno !== null || o.notInEra !== null

function outcomeText(o: OpResult): string {
  if (o.notInEra) return 'not in this era'
  if (o.errno) return o.errno
  return 'success'
}

/**
 * The kernel function where an operation's error began: follow the failure down from the
 * operation's top-level fail step, through the last callee that failed with the same errno, to the
 * frame that failed on its own (its own check refused). Null when the operation did not fail.
 */
export function refusingFunction(steps: readonly Recorded[], first: number, end: number): string | null {
  let at = -1
  for (let i = end - 1; i >= first; i--) {
    const s = steps[i]!
    if (s.kind === 'fail' && s.depth === 0) {
      at = i
      break
    }
  }
  if (at < 0) return null
  for (;;) {
    const f = steps[at]!
    if (f.kind !== 'fail') return null
    let next = -1
    for (let j = at - 1; j >= first; j--) {
      const s = steps[j]!
      if (s.depth === f.depth && s.kind === 'enter') break // the frame's own entry: no callee failed
      if (s.depth === f.depth + 1 && s.kind === 'fail' && s.error.errno === f.error.errno) {
        next = j
        break
      }
    }
    if (next < 0) return f.fn
    at = next
  }
}

function firstFailing(r: ScenarioResult): number | null {
  const i = r.operations.findIndex(failed)
  return i < 0 ? null : i
}

function opAt(r: ScenarioResult, op: number): OpResult {
  const o = r.operations[op - 1]
  if (!o) throw new ScenarioInputError(`the scenario has no operation ${op} (it has ${r.operations.length})`)
  return o
}

function verdictOf(m: Machine, pair: { provider: string; client: string }) {
  const p = resolveDev(m, pair.provider)
  const c = resolveDev(m, pair.client)
  if (!isProvider(p))
    throw new ScenarioInputError(`${pair.provider} (${p.bdf}) is not a P2PDMA provider (no memory BAR)`)
  return pairVerdict(m, p, c)
}

/** p2p-pairs: the canonical answer the engine gives, or a problem when a pair is asymmetric. */
function p2pPairs(m: Machine, devices: readonly string[], problems: string[], era: Era): string[] {
  const capable: string[] = []
  for (const choice of pairChoices(devices)) {
    const [a, b] = choice.split(' ↔ ') as [string, string]
    const da = resolveDev(m, a)
    const db = resolveDev(m, b)
    const verdicts = [
      isProvider(da) ? pairVerdict(m, da, db) : null,
      isProvider(db) ? pairVerdict(m, db, da) : null,
    ].filter((v) => v !== null)
    if (verdicts.length === 0) {
      problems.push(`${era}: neither ${a} nor ${b} is a P2PDMA provider`)
      continue
    }
    const ok = verdicts.map((v) => v.mapType !== 'NOT_SUPPORTED')
    if (ok.some((x) => x !== ok[0]))
      problems.push(
        `${era}: ${choice} is P2P-capable in one direction only (${verdicts.map((v) => v.mapType).join(' / ')})`,
      )
    if (ok[0]) capable.push(choice)
  }
  return capable
}

/** The engine's answer to one exercise in one era (raw, before canonicalisation). */
function engineAnswer(e: Exercise, runs: Runs, era: Era, problems: string[]): string | string[] {
  switch (e.kind) {
    case 'which-op-fails': {
      const i = firstFailing(runs.run(era))
      return i === null ? 'none' : String(i + 1)
    }
    case 'errno': {
      const r = runs.run(era, e.op)
      const o = e.op !== undefined ? opAt(r, e.op) : r.operations[firstFailing(r) ?? -1]
      return o ? outcomeText(o) : 'success'
    }
    case 'refusing-function': {
      const r = runs.run(era, e.op)
      const o = opAt(r, e.op!)
      return (
        refusingFunction(r.timeline.steps, o.first, o.end) ?? `none (operation ${e.op} ${outcomeText(o)})`
      )
    }
    case 'map-type':
      return verdictOf(runs.machine(era), e.pair!).mapType
    case 'distance':
      return String(verdictOf(runs.machine(era), e.pair!).distance)
    case 'p2p-pairs':
      return p2pPairs(runs.machine(era), e.devices!, problems, era)
    case 'era-changed':
      return e.pair
        ? verdictOf(runs.machine(era), e.pair).mapType
        : outcomeText(opAt(runs.run(era, e.op), e.op!))
  }
}

/** Check one exercise against the engine in every era it names (default: the scenario's era). */
function verifyExercise(e: Exercise, index: number, runs: Runs): ExerciseCheck {
  const ops = runs.sc.operations
  const problems: string[] = []
  const actual: { era: Era; value: string }[] = []
  const eras = e.eras?.length ? e.eras : [runs.defaultEra]
  const values: (string | null)[] = []
  for (const era of eras) {
    try {
      const v = engineAnswer(e, runs, era, problems)
      values.push(predictionKey(e, v, ops))
      actual.push({ era, value: Array.isArray(v) ? (v.length ? v.join(', ') : 'none of them') : v })
    } catch (err) {
      if (!(err instanceof ScenarioInputError)) throw err
      values.push(null)
      actual.push({ era, value: `error: ${err.message}` })
      problems.push(`${era}: ${err.message}`)
    }
  }
  const answer = predictionKey(e, e.answer, ops)
  const offered = exerciseView(e, index, ops).choices
  if (e.kind !== 'p2p-pairs' && offered.length && !offered.some((c) => predictionKey(e, c, ops) === answer))
    problems.push(`the answer ${answerText(e)} is not among the choices offered (${offered.join(', ')})`)
  if (e.kind === 'era-changed') {
    const changes: number[] = []
    for (let i = 1; i < values.length; i++) if (values[i] !== values[i - 1]) changes.push(i)
    const said = actual.map((a) => `${a.era} ${a.value}`).join(', ')
    if (changes.length === 0) problems.push(`the outcome does not change over ${eras.join(', ')} (${said})`)
    else if (changes.length > 1)
      problems.push(`the outcome changes more than once (${said}): pick eras around one change`)
    else if (eras[changes[0]!] !== answer)
      problems.push(`the outcome changes in ${eras[changes[0]!]}, not ${answerText(e)} (${said})`)
  } else {
    actual.forEach((a, i) => {
      if (values[i] !== null && values[i] !== answer)
        problems.push(`${a.era}: the engine says ${a.value}, the answer says ${answerText(e)}`)
    })
  }
  return {
    index,
    id: exerciseId(e, index),
    kind: e.kind,
    answer: answerText(e),
    ok: problems.length === 0,
    actual,
    problems,
  }
}

/**
 * verifyExercises - check every exercise of `sc` on the lab's machine. `base` is a run of `sc` in
 * its own era the caller already has (reused, not run again).
 */
export function verifyExercises(
  spec: MachineSpec,
  settings: LabSettings,
  sc: Scenario,
  base?: ScenarioResult,
): ExerciseCheck[] {
  const runs = new Runs(spec, settings, sc, base)
  return (sc.exercises ?? []).map((e, i) => verifyExercise(e, i, runs))
}

/** What would give an open exercise away (the spoiler guard's input, decided from data). */
export interface ExerciseCover {
  /** The 0-based operation the stepper may not enter before the reveal (null: none). */
  holdOp: number | null
  /** Words that name the answer: masked in every text ('all') or in narration only ('prose'). */
  terms: { text: string; where: 'all' | 'prose' }[]
  /** Matrix cells (BDFs, unordered) whose verdict is the answer. */
  pairs: [string, string][]
}

function bdfOf(m: Machine, ref: string): string | null {
  try {
    return resolveDev(m, ref).bdf || null
  } catch {
    return null
  }
}

/** The first operation whose kernel calls decide a P2P verdict for one of `pairs` (either order). */
function firstOpDeciding(r: ScenarioResult, pairs: [string, string][]): number | null {
  const wanted = new Set(pairs.flatMap(([a, b]) => [`${a}|${b}`, `${b}|${a}`]))
  for (let i = 0; i < r.operations.length; i++) {
    const o = r.operations[i]!
    for (const s of r.timeline.steps.slice(o.first, o.end))
      if (s.kind === 'enter' && wanted.has(`${s.args['provider']}|${s.args['client']}`)) return i
  }
  return null
}

/** exerciseCover - what the stepper, the narration and the matrix must hide while `e` is open. */
export function exerciseCover(e: Exercise, r: ScenarioResult): ExerciseCover {
  const m = r.kernel.machine
  const terms: ExerciseCover['terms'] = []
  const pairs: [string, string][] = []
  const answer = typeof e.answer === 'string' ? e.answer.trim() : ''
  const resolvedPair = (p: { provider: string; client: string }) => {
    const a = bdfOf(m, p.provider)
    const b = bdfOf(m, p.client)
    if (a && b) pairs.push([a, b])
  }
  let holdOp: number | null = null
  switch (e.kind) {
    case 'which-op-fails':
      holdOp = 0
      break
    case 'errno': {
      holdOp = e.op !== undefined ? e.op - 1 : 0
      const errno = answer.replace(/^-/, '').toUpperCase()
      if (/^E[A-Z0-9]+$/.test(errno)) terms.push({ text: errno, where: 'all' })
      break
    }
    case 'refusing-function':
      holdOp = e.op! - 1
      terms.push({ text: answer.replace(/\(\)$/, ''), where: 'all' })
      break
    case 'map-type':
    case 'distance':
      resolvedPair(e.pair!)
      if (e.kind === 'map-type')
        terms.push({ text: answer.toUpperCase().replace(/^PCI_P2PDMA_MAP_/, ''), where: 'all' })
      holdOp = firstOpDeciding(r, pairs)
      break
    case 'era-changed': {
      if (e.pair) resolvedPair(e.pair)
      holdOp = e.op !== undefined ? e.op - 1 : firstOpDeciding(r, pairs)
      const v = answer.replace(/^v/, '')
      terms.push({ text: `v${v}`, where: 'prose' }, { text: v, where: 'prose' })
      break
    }
    case 'p2p-pairs':
      for (const choice of pairChoices(e.devices ?? [])) {
        const [a, b] = choice.split(' ↔ ') as [string, string]
        resolvedPair({ provider: a, client: b })
      }
      holdOp = firstOpDeciding(r, pairs)
      break
  }
  return { holdOp, terms: terms.filter((t) => t.text.length > 1), pairs }
}
