/**
 * StepperSession: the stepping part of LabSession (issue 3 §7). It holds at most one Stepper, for
 * the lab it was started on; when the lab changes (import, edit, settings), the stepper is stale
 * and every request says so until a scenario is started again. Answers are Result values; bad
 * requests (unknown scenario, no stepper) are kind 'input' and change nothing.
 */
import type { IpcError, Result } from '../../../shared/ipc/contract'
import type {
  CompareView,
  ReportText,
  ScenarioSummary,
  StepperView,
  StepRequestKind,
} from '../../../shared/model/stepper'
import type { Era, LabFile } from '../../../shared/model/topology'
import { ScenarioInputError } from './ops'
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
