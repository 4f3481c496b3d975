/**
 * StepperSession: the stepping part of LabSession (issue 3 §7). It holds at most one Stepper, for
 * the lab it was started on; when the lab changes (import, edit, settings), the stepper is stale
 * and every request says so until a scenario is started again — except when only the exercises
 * changed (authoring), which keeps the recorded run and the cursor. Answers are Result values; bad
 * requests (unknown scenario, no stepper) are kind 'input' and change nothing.
 *
 * Workshop: every view passes the spoiler guard (./spoilers.ts): an exercise stays open until a
 * prediction is locked in here (exercise.check) or the instructor reveals it (exercise.reveal);
 * stepping cannot pass an open exercise's operation, and compare/report (which show every outcome)
 * wait until the scenario's exercises are revealed. Predictions, reveals and the score belong to
 * the lab that is open: loading another lab starts afresh (an edit of the same lab does not).
 */
import type { IpcError, Result } from '../../../shared/ipc/contract'
import type {
  CompareView,
  ExerciseAnswer,
  ExerciseCheckView,
  ExerciseReveal,
  WorkshopScore,
  Prediction,
  ReportText,
  ScenarioSummary,
  StepperView,
  StepRequestKind,
} from '../../../shared/model/stepper'
import type { Era, LabFile } from '../../../shared/model/topology'
import {
  ScenarioInputError,
  exerciseId,
  isCorrect,
  resolveDev,
  verifyExercises,
  type Exercise,
  type Scenario,
} from '../../engine/index'
import { scenarioReport, type ReportFormat } from './report'
import {
  compareEras,
  listScenarios,
  parseLabScenarios,
  runLabScenario,
  scenarioAt,
  Stepper,
  StepperInputError,
} from './stepper'
import {
  exerciseAnswer,
  guardOf,
  guardSummary,
  guardView,
  listGuard,
  maskAnswer,
  NO_GUARD,
  workshopView,
} from './spoilers'

function inputError(source: string, message: string): { ok: false; error: IpcError } {
  return {
    ok: false,
    error: { kind: 'input', message: `${source}: ${message}`, issues: [{ source, message }] },
  }
}

/** Where the stepping is: the class session follows the instructor through this. */
export interface SteppingPosition {
  scenario: number
  scenarioName: string
  era: Era
  cursor: number
}

export type MoveListener = (position: SteppingPosition | null) => void

export class StepperSession {
  private stepper: Stepper | null = null
  private readonly moveListeners = new Set<MoveListener>()
  private lab: LabFile | null = null
  /** First predictions per 'scenario:exerciseId' (true = right); they count for the score. */
  private readonly scores = new Map<string, boolean>()
  /** Revealed exercises ('scenario:exerciseId'): a prediction was locked in, or the instructor revealed. */
  private readonly revealed = new Set<string>()
  /** The exercise revealed last, shown (with its answer) until the cursor moves. */
  private lastRevealed: { scenario: number; exercise: number } | null = null
  private generation: number | null = null

  /**
   * `currentLab`: the lab that is open; `labGeneration`: changes when another lab is opened (not on
   * edits of the same lab), which starts predictions and the score afresh.
   */
  constructor(
    private readonly currentLab: () => LabFile,
    private readonly labGeneration: () => number = () => 0,
  ) {}

  /** Called after every start, step and seek that succeeded (the class follows the instructor). */
  onDidMove(listener: MoveListener): () => void {
    this.moveListeners.add(listener)
    return () => {
      this.moveListeners.delete(listener)
    }
  }

  /** The stepping position on the current lab, or null (nothing started, or the lab changed since). */
  position(): SteppingPosition | null {
    const s = this.stepper
    if (!s || this.lab !== this.currentLab()) return null
    const r = s.result
    return { scenario: s.index, scenarioName: r.name, era: r.era, cursor: r.timeline.cursor }
  }

  private moved<T>(r: Result<T>): Result<T> {
    if (r.ok && this.moveListeners.size) {
      const p = this.position()
      for (const l of [...this.moveListeners]) l(p)
    }
    return r
  }

  list(): Result<ScenarioSummary[]> {
    const lab = this.currentLab()
    this.sync()
    return {
      ok: true,
      value: listScenarios(lab).map((sum) => {
        const sc = scenarioAt(lab, sum.index)
        const open = (i: number) => this.isRevealed(sum.index, sc, i)
        const guarded = guardSummary(sum, listGuard(sc, open))
        return { ...guarded, progress: this.progress(sum.index, sc) }
      }),
    }
  }

  start(req: { index: number; era?: Era }): Result<StepperView> {
    return this.moved(
      this.guard('scenario.start', () => {
        const lab = this.currentLab()
        this.sync()
        const s = Stepper.create(lab, req.index, req.era)
        // Keep the breakpoints across restarts: they belong to the learner, not to the run.
        if (this.stepper) s.setBreakpoints(this.stepper.view().breakpoints)
        this.stepper = s
        this.lab = lab
        this.lastRevealed = null
        return this.present(s)
      }),
    )
  }

  step(req: { kind: StepRequestKind; fn?: string; count?: number }): Result<StepperView> {
    if (req.kind === 'runTo' && !req.fn) return inputError('timeline.step', "'runTo' needs fn")
    return this.moved(
      this.withStepper('timeline.step', (s) => {
        s.step(req.kind, req.fn, req.count ?? 1)
        return this.present(s, true)
      }),
    )
  }

  seek(req: { cursor: number }): Result<StepperView> {
    return this.moved(
      this.withStepper('timeline.seek', (s) => {
        s.seek(req.cursor)
        return this.present(s, true)
      }),
    )
  }

  breakpoints(req: { fns: string[] }): Result<StepperView> {
    return this.withStepper('timeline.breakpoints', (s) => {
      s.setBreakpoints(req.fns)
      return this.present(s)
    })
  }

  view(): Result<StepperView | null> {
    const s = this.current()
    return { ok: true, value: s ? this.present(s) : null }
  }

  compare(req: { index: number; eras: [Era, Era] }): Result<CompareView> {
    return this.guard('scenario.compare', () => {
      this.refuseWhileOpen('compare the eras of', req.index)
      return compareEras(this.currentLab(), req.index, req.eras)
    })
  }

  report(req: { index: number; era?: Era; format: ReportFormat }): Result<ReportText> {
    return this.guard('scenario.report', () => {
      this.refuseWhileOpen('write a report of', req.index)
      const lab = this.currentLab()
      const sc = scenarioAt(lab, req.index)
      return scenarioReport(sc, runLabScenario(lab, req.index, req.era), req.format)
    })
  }

  /** Check a prediction and reveal the answer; the first prediction per exercise counts for the score. */
  checkExercise(req: { index: number; exercise: number; prediction: Prediction }): Result<ExerciseReveal> {
    return this.guard('exercise.check', () => {
      const { sc, ex, key } = this.exerciseAt('exercise.check', req.index, req.exercise)
      const correct = isCorrect(ex, req.prediction, sc.operations)
      if (!this.scores.has(key)) this.scores.set(key, correct)
      this.reveal(req.index, req.exercise, key)
      return { ...this.answerOf(req.index, sc, ex, req.exercise), correct, score: this.score() }
    })
  }

  /** The instructor reveals an exercise to everyone without predicting (no score). */
  revealExercise(req: { index: number; exercise: number }): Result<ExerciseAnswer> {
    return this.guard('exercise.reveal', () => {
      const { sc, ex, key } = this.exerciseAt('exercise.reveal', req.index, req.exercise)
      this.reveal(req.index, req.exercise, key)
      return this.answerOf(req.index, sc, ex, req.exercise)
    })
  }

  /** Instructor mode: every answer of a scenario (the requesting window shows them; nothing is revealed). */
  answers(req: { index: number }): Result<ExerciseAnswer[]> {
    return this.guard('exercise.answers', () => {
      const sc = scenarioAt(this.currentLab(), req.index)
      return (sc.exercises ?? []).map((e, i) => exerciseAnswer(e, i, sc.operations))
    })
  }

  /** Authoring: each exercise of scenario `index` checked against the engine (what `lab run` says). */
  verify(req: { index: number }): Result<ExerciseCheckView[]> {
    return this.guard('exercise.verify', () => {
      const lab = this.currentLab()
      const sc = scenarioAt(lab, req.index)
      return verifyExercises(lab.machine, lab.settings, sc).map((c) => ({
        index: c.index,
        id: c.id,
        ok: c.ok,
        actual: c.actual,
        problems: c.problems,
      }))
    })
  }

  /** The lab's score: first predictions, over every exercise of the lab. */
  score(): WorkshopScore {
    this.sync()
    const lab = this.currentLab()
    const total = parseLabScenarios(lab).reduce((n, s) => n + (s.scenario?.exercises?.length ?? 0), 0)
    return {
      correct: [...this.scores.values()].filter(Boolean).length,
      answered: this.scores.size,
      total,
    }
  }

  /** A revealed answer; its explanation masks the answers of the scenario's still open exercises. */
  private answerOf(index: number, sc: Scenario, ex: Exercise, exercise: number): ExerciseAnswer {
    const a = exerciseAnswer(ex, exercise, sc.operations)
    return maskAnswer(
      a,
      listGuard(sc, (i) => this.isRevealed(index, sc, i)),
    )
  }

  private progress(index: number, sc: Scenario): NonNullable<ScenarioSummary['progress']> {
    const byExercise = (sc.exercises ?? []).map((e, i) => {
      const key = `${index}:${exerciseId(e, i)}`
      const first = this.scores.get(key)
      return first === true
        ? 'right'
        : first === false
          ? 'wrong'
          : this.revealed.has(key)
            ? 'revealed'
            : 'open'
    })
    return {
      total: byExercise.length,
      answered: byExercise.filter((x) => x === 'right' || x === 'wrong').length,
      correct: byExercise.filter((x) => x === 'right').length,
      byExercise,
    }
  }

  private exerciseAt(source: string, index: number, exercise: number) {
    this.sync()
    const sc = scenarioAt(this.currentLab(), index)
    const ex = sc.exercises?.[exercise]
    if (!ex)
      throw new StepperInputError(
        `scenario ${index} has no exercise ${exercise} (it has ${sc.exercises?.length ?? 0}) [${source}]`,
      )
    return { sc, ex, key: `${index}:${exerciseId(ex, exercise)}` }
  }

  private reveal(scenario: number, exercise: number, key: string): void {
    this.revealed.add(key)
    this.lastRevealed = { scenario, exercise }
  }

  private isRevealed(index: number, sc: Scenario, exercise: number): boolean {
    const e = sc.exercises?.[exercise]
    return !e || this.revealed.has(`${index}:${exerciseId(e, exercise)}`)
  }

  private refuseWhileOpen(what: string, index: number): void {
    this.sync()
    const sc = scenarioAt(this.currentLab(), index)
    const open = (sc.exercises ?? []).filter((_, i) => !this.isRevealed(index, sc, i)).length
    if (open)
      throw new StepperInputError(
        `cannot ${what} scenario ${index} while ${open} of its exercise${open === 1 ? ' is' : 's are'} open: it would show the answers (lock in a prediction, or reveal them in instructor mode)`,
      )
  }

  /** A new lab (not an edit of this one): predictions, reveals and the score start afresh. */
  private sync(): void {
    const g = this.labGeneration()
    if (g === this.generation) return
    this.generation = g
    this.scores.clear()
    this.revealed.clear()
    this.lastRevealed = null
  }

  /**
   * The stepper if it still belongs to the open lab. A lab that differs only in the stepped
   * scenario's exercises (an authoring edit) keeps the run: the stepper takes the new exercises.
   */
  private current(): Stepper | null {
    const s = this.stepper
    const lab = this.currentLab()
    if (!s || !this.lab) return null
    if (this.lab === lab) return s
    const next = sameRun(this.lab, lab, s.index)
    if (!next) return null
    this.stepper = s.withScenario(next)
    this.lab = lab
    return this.stepper
  }

  /** The guarded view: clamp to the open exercises' hold, then hide what would answer them. */
  private present(s: Stepper, stepped = false): StepperView {
    this.sync()
    const sc = s.scenario
    const open = (i: number) => this.isRevealed(s.index, sc, i)
    const g = sc.exercises?.length ? guardOf(sc, s.result, open) : NO_GUARD
    if (g.holdAt !== null) s.clamp(g.holdAt)
    // The card of the exercise just revealed stays until the next step request (even one the
    // hold keeps in place: then the next open question at this operation takes the card).
    if (stepped) this.lastRevealed = null
    const m = s.result.kernel.machine
    const resolve = (ref: string) => {
      try {
        const d = resolveDev(m, ref)
        return { bdf: d.bdf, label: d.label }
      } catch {
        return null
      }
    }
    const last = this.lastRevealed?.scenario === s.index ? this.lastRevealed.exercise : null
    const view = s.view()
    const summary = listScenarios(this.currentLab()).find((x) => x.index === s.index)
    return {
      ...guardView(view, g),
      ...(summary ? { summary: { ...guardSummary(summary, g), progress: this.progress(s.index, sc) } } : {}),
      workshop: workshopView(sc, g, { revealed: open, lastRevealed: last, cursor: s.cursor }, resolve),
    }
  }

  private withStepper<T>(source: string, f: (s: Stepper) => T): Result<T> {
    if (!this.stepper)
      return inputError(source, 'no scenario is being stepped: start one first (scenario.start)')
    const s = this.current()
    if (!s) return inputError(source, 'the lab changed since the scenario started: start it again')
    return { ok: true, value: f(s) }
  }

  private guard<T>(source: string, f: () => T): Result<T> {
    try {
      return { ok: true, value: f() }
    } catch (e) {
      if (e instanceof StepperInputError || e instanceof ScenarioInputError)
        return inputError(source, e.message)
      throw e
    }
  }
}

/**
 * The stepped scenario of `next` when `next` differs from `prev` only in that scenario's exercises
 * (same machine and settings objects, same scenario otherwise), else null.
 */
function sameRun(prev: LabFile, next: LabFile, index: number): Scenario | null {
  if (prev.machine !== next.machine || prev.settings !== next.settings) return null
  const a = prev.scenarios?.[index] as Record<string, unknown> | undefined
  const b = next.scenarios?.[index] as Record<string, unknown> | undefined
  if (!a || !b) return null
  const { exercises: _a, ...restA } = a
  const { exercises: _b, ...restB } = b
  if (JSON.stringify(restA) !== JSON.stringify(restB)) return null
  const parsed = parseLabScenarios(next).find((x) => x.index === index)
  return parsed?.scenario ?? null
}
