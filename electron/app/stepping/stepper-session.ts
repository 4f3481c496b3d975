/**
 * StepperSession: the stepping part of LabSession (issue 3 §7). It holds at most one Stepper, for
 * the lab it was started on; when the lab changes (import, edit, settings), the stepper is stale
 * and every request says so until a scenario is started again. Answers are Result values; bad
 * requests (unknown scenario, no stepper) are kind 'input' and change nothing.
 */
import type { IpcError, Result } from '../../../shared/ipc/contract'
import type {
  CompareView,
  ExerciseReveal,
  WorkshopScore,
  Prediction,
  ReportText,
  ScenarioSummary,
  StepperView,
  StepRequestKind,
} from '../../../shared/model/stepper'
import type { Era, LabFile } from '../../../shared/model/topology'
import { ScenarioInputError, answerChoices, answerText, exerciseView, isCorrect } from '../../engine/index'
import { scenarioReport, type ReportFormat } from './report'
import { compareEras, listScenarios, runLabScenario, scenarioAt, Stepper, StepperInputError } from './stepper'

function inputError(source: string, message: string): { ok: false; error: IpcError } {
  return {
    ok: false,
    error: { kind: 'input', message: `${source}: ${message}`, issues: [{ source, message }] },
  }
}

export class StepperSession {
  private stepper: Stepper | null = null
  /** First predictions per 'scenario:exercise' for scoreLab; a new lab starts a new score. */
  private readonly scores = new Map<string, boolean>()
  private scoreLab: LabFile | null = null
  private lab: LabFile | null = null

  constructor(private readonly currentLab: () => LabFile) {}

  list(): Result<ScenarioSummary[]> {
    return { ok: true, value: listScenarios(this.currentLab()) }
  }

  start(req: { index: number; era?: Era }): Result<StepperView> {
    return this.guard('scenario.start', () => {
      const lab = this.currentLab()
      const s = Stepper.create(lab, req.index, req.era)
      // Keep the breakpoints across restarts: they belong to the learner, not to the run.
      if (this.stepper) s.setBreakpoints(this.stepper.view().breakpoints)
      this.stepper = s
      this.lab = lab
      return s.view()
    })
  }

  step(req: { kind: StepRequestKind; fn?: string; count?: number }): Result<StepperView> {
    if (req.kind === 'runTo' && !req.fn) return inputError('timeline.step', "'runTo' needs fn")
    return this.withStepper('timeline.step', (s) => {
      s.step(req.kind, req.fn, req.count ?? 1)
      return s.view()
    })
  }

  seek(req: { cursor: number }): Result<StepperView> {
    return this.withStepper('timeline.seek', (s) => {
      s.seek(req.cursor)
      return s.view()
    })
  }

  breakpoints(req: { fns: string[] }): Result<StepperView> {
    return this.withStepper('timeline.breakpoints', (s) => {
      s.setBreakpoints(req.fns)
      return s.view()
    })
  }

  view(): Result<StepperView | null> {
    if (!this.stepper || this.lab !== this.currentLab()) return { ok: true, value: null }
    return { ok: true, value: this.stepper.view() }
  }

  compare(req: { index: number; eras: [Era, Era] }): Result<CompareView> {
    return this.guard('scenario.compare', () => compareEras(this.currentLab(), req.index, req.eras))
  }

  report(req: { index: number; era?: Era; format: ReportFormat }): Result<ReportText> {
    return this.guard('scenario.report', () => {
      const lab = this.currentLab()
      const sc = scenarioAt(lab, req.index)
      return scenarioReport(sc, runLabScenario(lab, req.index, req.era), req.format)
    })
  }

  /** Check a prediction and reveal the answer; the first prediction per exercise counts for the score. */
  checkExercise(req: { index: number; exercise: number; prediction: Prediction }): Result<ExerciseReveal> {
    return this.guard('exercise.check', () => {
      const lab = this.currentLab()
      const sc = scenarioAt(lab, req.index)
      const ex = sc.exercises?.[req.exercise]
      if (!ex)
        throw new StepperInputError(
          `scenario ${req.index} has no exercise ${req.exercise} (it has ${sc.exercises?.length ?? 0})`,
        )
      if (this.scoreLab !== lab) {
        this.scores.clear()
        this.scoreLab = lab
      }
      const correct = isCorrect(ex, req.prediction, sc.operations)
      const key = `${req.index}:${req.exercise}`
      if (!this.scores.has(key)) this.scores.set(key, correct)
      const view = exerciseView(ex, req.exercise, sc.operations)
      return {
        correct,
        answer: answerText(ex),
        answerChoices: answerChoices(ex, view, sc.operations),
        explanation: ex.explanation,
        score: this.score(lab),
      }
    })
  }

  private score(lab: LabFile): WorkshopScore {
    const total = listScenarios(lab).reduce((n, s) => n + s.exercises.length, 0)
    const answered = this.scoreLab === lab ? this.scores.size : 0
    const correct = this.scoreLab === lab ? [...this.scores.values()].filter(Boolean).length : 0
    return { correct, answered, total }
  }

  private withStepper<T>(source: string, f: (s: Stepper) => T): Result<T> {
    const s = this.stepper
    if (!s) return inputError(source, 'no scenario is being stepped: start one first (scenario.start)')
    if (this.lab !== this.currentLab())
      return inputError(source, 'the lab changed since the scenario started: start it again')
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
