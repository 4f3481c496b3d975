import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { IpcError, Result } from '../../../shared/ipc/contract'
import type {
  CompareView,
  ExerciseAnswer,
  ExerciseReveal,
  Prediction,
  FrameView,
  ReportText,
  ScenarioSummary,
  StepperView,
  StepRequestKind,
  WorkshopScore,
} from '../../../shared/model/stepper'
import type { Era } from '../../../shared/model/topology'
import { invoke, on } from '../api/lab'

/**
 * The stepper's engine views (docs/design.md#the-renderer): the StepperView is replaced wholesale on every answer,
 * never mutated. Requests are serialised; an answer older than the last request sent is dropped,
 * so a held-down F10 never shows an out-of-order state.
 */
export const useTimelineStore = defineStore('timeline', () => {
  const scenarios = shallowRef<ScenarioSummary[]>([])
  const view = shallowRef<StepperView | null>(null)
  const compare = shallowRef<CompareView | null>(null)
  const lastError = shallowRef<IpcError | null>(null)
  /** Workshop reveals by 'scenario:exercise', and the lab's score (from the engine). */
  const reveals = shallowRef<Record<string, ExerciseReveal>>({})
  const score = shallowRef<WorkshopScore | null>(null)
  /**
   * Instructor mode (this window only, off by default): the answers of the active scenario's
   * exercises, shown beside the questions, and a Reveal button. The projected presenter never
   * shows an answer before it is revealed.
   */
  const instructor = ref(false)
  const answers = shallowRef<Record<number, ExerciseAnswer>>({})
  /** The spoiler guard's decisions for the stepped scenario (from the app). */
  const workshop = computed(() => view.value?.workshop ?? null)
  /** Matrix cells an open exercise asks about, by 'a|b' BDFs in both directions. */
  const hiddenPairs = computed(() => {
    const out = new Set<string>()
    for (const p of workshop.value?.hiddenPairs ?? []) out.add(`${p.a}|${p.b}`).add(`${p.b}|${p.a}`)
    return out
  })
  /** Requests in flight (the busy indicator). */
  const pending = ref(0)
  const busy = computed(() => pending.value > 0)
  let sent = 0
  let queue: Promise<unknown> = Promise.resolve()

  const current = computed(() => view.value?.current ?? null)
  const canStepBack = computed(() => (view.value?.cursor ?? 0) > 0)
  const canStepForward = computed(() => !!view.value && !view.value.atEnd)

  /** `latest`: skip accepting this answer when a newer view request is already queued. */
  function run<T>(p: () => Promise<Result<T>>, accept: (v: T) => void, latest = true): Promise<boolean> {
    const id = latest ? ++sent : sent
    pending.value++
    const next = queue.then(async () => {
      try {
        const r = await p()
        if (!r.ok) {
          lastError.value = r.error
          return false
        }
        if (!latest || id === sent) accept(r.value)
        lastError.value = null
        return true
      } finally {
        pending.value--
      }
    })
    queue = next.catch(() => undefined)
    return next
  }

  const setView = (v: StepperView | null) => {
    view.value = v
  }

  async function loadScenarios(): Promise<boolean> {
    const r = await invoke('scenario.list')
    if (!r.ok) {
      lastError.value = r.error
      return false
    }
    scenarios.value = r.value
    return true
  }

  /** The stepper of the current lab, if one is running (after a reload of the renderer). */
  const refresh = () => run(() => invoke('timeline.view'), setView)
  const start = (index: number, era?: Era) =>
    run(() => invoke('scenario.start', era ? { index, era } : { index }), setView)
  const step = (kind: StepRequestKind, fn?: string) =>
    run(() => invoke('timeline.step', fn ? { kind, fn } : { kind }), setView)
  const seek = (cursor: number) => run(() => invoke('timeline.seek', { cursor }), setView)
  const setBreakpoints = (fns: string[]) => run(() => invoke('timeline.breakpoints', { fns }), setView)

  function addBreakpoint(fn: string) {
    const bps = view.value?.breakpoints ?? []
    if (!bps.includes(fn)) return setBreakpoints([...bps, fn])
    return Promise.resolve(true)
  }
  function removeBreakpoint(fn: string) {
    return setBreakpoints((view.value?.breakpoints ?? []).filter((f) => f !== fn))
  }

  const compareEras = (index: number, eras: [Era, Era]) =>
    run(
      () => invoke('scenario.compare', { index, eras }),
      (v) => {
        compare.value = v
      },
      false,
    )

  async function report(index: number, format: 'html' | 'md', era?: Era): Promise<ReportText | null> {
    const r = await invoke('scenario.report', era ? { index, format, era } : { index, format })
    if (!r.ok) {
      lastError.value = r.error
      return null
    }
    return r.value
  }

  /** Open the frame's kernel source; in the browser harness main only answers the URL. */
  async function openSource(f: Pick<FrameView, 'fn' | 'file'>): Promise<string | null> {
    const era = view.value?.scenario.era
    if (!era) return null
    const r = await invoke('app.openSource', { era, fn: f.fn })
    if (!r.ok) {
      lastError.value = r.error
      return null
    }
    return r.value.opened ? null : r.value.url
  }

  /** Lock in a prediction: the answer is revealed, the stepper may pass the exercise's operation. */
  async function predict(index: number, exercise: number, prediction: Prediction): Promise<boolean> {
    const r = await invoke('exercise.check', { index, exercise, prediction })
    if (!r.ok) {
      lastError.value = r.error
      return false
    }
    reveals.value = { ...reveals.value, [`${index}:${exercise}`]: r.value }
    score.value = r.value.score
    await afterReveal()
    return true
  }
  /** Instructor: reveal an exercise to everyone (the presenter shows the answer), no prediction. */
  async function reveal(index: number, exercise: number): Promise<boolean> {
    const r = await invoke('exercise.reveal', { index, exercise })
    if (!r.ok) {
      lastError.value = r.error
      return false
    }
    await afterReveal()
    return true
  }
  /** The guard changed for every window: the new view (hold lifted) and the list's progress. */
  async function afterReveal() {
    await Promise.all([refresh(), loadScenarios()])
  }
  /** Instructor mode on/off; on, the answers of scenario `index` are fetched for this window. */
  async function setInstructor(on: boolean, index?: number): Promise<void> {
    instructor.value = on
    answers.value = {}
    if (on && index !== undefined) await loadAnswers(index)
  }
  async function loadAnswers(index: number): Promise<void> {
    if (!instructor.value) return
    const r = await invoke('exercise.answers', { index })
    if (!r.ok) {
      lastError.value = r.error
      return
    }
    answers.value = Object.fromEntries(r.value.map((a) => [a.index, a]))
  }
  /** A new lab: its exercises start unanswered. */
  function resetWorkshop() {
    reveals.value = {}
    score.value = null
    answers.value = {}
  }

  /**
   * Presenter: render every stepping answer main pushes (timeline.changed), never step. Starts from
   * the current view; a new lab drops the stepper (timeline.view answers null). Returns the unsubscribe.
   */
  function follow(): () => void {
    const offStep = on('timeline.changed', (v) => {
      sent++
      setView(v)
    })
    const offLab = on('lab.changed', () => {
      void loadScenarios().then(() => refresh())
    })
    void loadScenarios().then(() => refresh())
    return () => {
      offStep()
      offLab()
    }
  }

  /** Open the presenter window (Electron); false when the host cannot (the browser harness). */
  async function openPresenter(): Promise<boolean> {
    const r = await invoke('app.presenter.open')
    if (!r.ok) {
      lastError.value = r.error
      return false
    }
    return r.value.opened
  }

  function clearError() {
    lastError.value = null
  }

  return {
    scenarios,
    view,
    compare,
    lastError,
    reveals,
    score,
    predict,
    reveal,
    resetWorkshop,
    instructor,
    answers,
    setInstructor,
    loadAnswers,
    workshop,
    hiddenPairs,
    pending,
    busy,
    current,
    canStepBack,
    canStepForward,
    loadScenarios,
    refresh,
    start,
    step,
    seek,
    setBreakpoints,
    addBreakpoint,
    removeBreakpoint,
    compareEras,
    report,
    openSource,
    clearError,
    follow,
    openPresenter,
  }
})
