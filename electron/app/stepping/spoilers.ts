/**
 * The spoiler guard: while an exercise is open (no prediction locked in, no instructor reveal),
 * nothing the app sends reveals its answer. Decided here, once, from data — the engine's
 * exerciseCover() (which operation the question is about, the words that name the answer, the
 * matrix cells that hold it) and the recorded run — and applied to every view the app sends:
 *
 * - stepping stops at the open exercise's operation (the hold): no call stack, check, kernel log
 *   line or state change of that operation exists in any view until the reveal;
 * - the steps window and the scrubber's failure marks end at the hold;
 * - the expected outcomes and narration of the operations from the hold on are withheld;
 * - the words that name an answer (an errno, a kernel function, a map type) are masked in every
 *   text, and an era answer in the narration;
 * - the matrix cells in question are listed (WorkshopView.hiddenPairs) so the renderer's one verdict
 *   lookup (stores/lab.ts pair()) masks them.
 *
 * Renderer components only display what they get; none of them decides what to hide.
 * Pure: no electron, no node:*.
 */
import { errnos } from '../../../shared/model/errno'
import type {
  ExerciseAnswer,
  ScenarioSummary,
  StepperView,
  WorkshopView,
} from '../../../shared/model/stepper'
import {
  answerChoices,
  answerText,
  exerciseCover,
  exerciseView,
  type DeviceResolver,
  type Exercise,
  type ExerciseCover,
  type Scenario,
  type ScenarioResult,
} from '../../engine/index'

/** What replaces a masked word. */
export const MASK = '▒▒▒'

export interface Guard {
  /** Open exercises (indexes) and their covers. */
  open: { index: number; cover: ExerciseCover }[]
  /** The first operation (0-based) an open exercise holds at, and its first step (null: none). */
  holdOp: number | null
  holdAt: number | null
  terms: ExerciseCover['terms']
  pairs: [string, string][]
}

export const NO_GUARD: Guard = { open: [], holdOp: null, holdAt: null, terms: [], pairs: [] }

/** The guard for `sc` run as `result`, given which exercises are revealed. */
export function guardOf(
  sc: Scenario,
  result: ScenarioResult,
  revealed: (exercise: number) => boolean,
): Guard {
  const open = (sc.exercises ?? []).flatMap((e, index) =>
    revealed(index) ? [] : [{ index, cover: exerciseCover(e, result) }],
  )
  if (open.length === 0) return NO_GUARD
  const holds = open
    .map((o) => o.cover.holdOp)
    .filter((h): h is number => h !== null && h < result.operations.length)
  const holdOp = holds.length ? Math.min(...holds) : null
  return {
    open,
    holdOp,
    holdAt: holdOp === null ? null : result.operations[holdOp]!.first,
    terms: open.flatMap((o) => o.cover.terms),
    pairs: open.flatMap((o) => o.cover.pairs),
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** One regex per term list: whole words (letters and digits around a term end it; '_' and '-' do not). */
function masker(terms: readonly string[]): ((s: string) => string) | null {
  // an errno also gives itself away by its number as the kernel returns it (-14) and its strerror text
  const spellings = terms.flatMap((t) => {
    const e = (errnos as Record<string, { no: number; text: string } | undefined>)[t]
    return e ? [t, `-${e.no}`, e.text] : [t]
  })
  const words = [...new Set(spellings)].filter((t) => t.length > 1).sort((a, b) => b.length - a.length)
  if (words.length === 0) return null
  const re = new RegExp(`(?<![A-Za-z0-9])(?:${words.map(escape).join('|')})(?![A-Za-z0-9])`, 'g')
  return (s) => s.replace(re, MASK)
}

/** Mask every string in a plain JSON value (a view), except under the keys listed. */
function maskDeep<T>(value: T, mask: (s: string) => string, skip: ReadonlySet<string>): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return mask(v)
    if (Array.isArray(v)) return v.map(walk)
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = skip.has(k) ? x : walk(x)
      return out
    }
    return v
  }
  return walk(value) as T
}

/** Mask the answer words of a guard in narration (prose: era terms too). */
export function maskProse(text: string | null, guard: Guard): string | null {
  if (text === null) return null
  const m = masker(guard.terms.map((t) => t.text))
  return m ? m(text) : text
}

/**
 * The scenario summary with the expected outcome and narration of every operation from the hold on
 * withheld, and answer words masked in what remains. `holdOp` null: nothing is held.
 */
export function guardSummary(
  s: ScenarioSummary,
  guard: Pick<Guard, 'holdOp' | 'terms' | 'open'>,
): ScenarioSummary {
  if (guard.open.length === 0) return s
  const prose = masker(guard.terms.map((t) => t.text))
  const all = masker(guard.terms.filter((t) => t.where === 'all').map((t) => t.text))
  const p = (t: string | null) => (t !== null && prose ? prose(t) : t)
  return {
    ...s,
    narration: p(s.narration),
    operations: s.operations.map((o, i) => {
      const hidden = guard.holdOp !== null && i >= guard.holdOp
      // the operation's name stays (it is what the list is about), the rest is masked
      const m = all ? maskDeep(o, all, new Set(['op'])) : o
      return {
        ...m,
        narration: hidden ? null : p(o.narration),
        expect: hidden ? null : m.expect,
        ...(hidden ? { hidden: true } : {}),
      }
    }),
  }
}

/**
 * The guard a scenario's summary gets without a run (the scenario list): operation questions hold at
 * their operation, the others (pairs, which-op-fails) at the first operation.
 */
export function listGuard(sc: Scenario, revealed: (exercise: number) => boolean): Guard {
  const open = (sc.exercises ?? []).flatMap((e, index) => {
    if (revealed(index)) return []
    const holdOp = e.op !== undefined && e.kind !== 'which-op-fails' ? e.op - 1 : 0
    const terms: ExerciseCover['terms'] =
      typeof e.answer === 'string' &&
      (e.kind === 'errno' || e.kind === 'refusing-function' || e.kind === 'map-type')
        ? [{ text: e.answer.replace(/^-/, '').replace(/\(\)$/, ''), where: 'all' }]
        : []
    return [{ index, cover: { holdOp, terms, pairs: [] } }]
  })
  if (open.length === 0) return NO_GUARD
  return {
    open,
    holdOp: Math.min(...open.map((o) => o.cover.holdOp!)),
    holdAt: null,
    terms: open.flatMap((o) => o.cover.terms),
    pairs: [],
  }
}

/** Keys whose strings are never masked: the exercises themselves (their choices include the answer). */
const KEEP = new Set(['workshop', 'summary', 'era'])

/** A stepper view as the guard allows it to be seen (the cursor is already clamped to the hold). */
export function guardView(v: StepperView, guard: Guard): StepperView {
  if (guard.open.length === 0) return v
  const hold = guard.holdAt
  const cut: StepperView =
    hold === null
      ? v
      : {
          ...v,
          steps: v.steps.filter((s) => s.seq < hold),
          failMarks: v.failMarks.filter((m) => m <= hold),
        }
  const all = masker(guard.terms.filter((t) => t.where === 'all').map((t) => t.text))
  const masked = all ? maskDeep(cut, all, KEEP) : cut
  return { ...masked, scenario: { ...masked.scenario, narration: maskProse(v.scenario.narration, guard) } }
}

/** The answer of one exercise, for a reveal or instructor mode. */
export function exerciseAnswer(e: Exercise, index: number, ops: readonly { op: string }[]): ExerciseAnswer {
  const view = exerciseView(e, index, ops)
  return {
    index,
    answer: answerText(e),
    answerChoices: answerChoices(e, view, ops),
    explanation: e.explanation,
  }
}

/** A revealed answer with the words of the still open exercises masked in its explanation. */
export function maskAnswer(a: ExerciseAnswer, guard: Guard): ExerciseAnswer {
  const m = masker(guard.terms.filter((t) => t.where === 'all').map((t) => t.text))
  return m ? { ...a, explanation: m(a.explanation) } : a
}

/** The workshop part of a stepper view. */
export function workshopView(
  sc: Scenario,
  guard: Guard,
  state: { revealed: (exercise: number) => boolean; lastRevealed: number | null; cursor: number },
  resolve?: DeviceResolver,
): WorkshopView | null {
  const exercises = sc.exercises ?? []
  if (exercises.length === 0) return null
  const open = guard.open.map((o) => o.index)
  const holding = guard.open.filter((o) => o.cover.holdOp === guard.holdOp)
  const focus = state.lastRevealed ?? holding[0]?.index ?? open[0] ?? null
  return {
    exercises: exercises.map((e, i) => exerciseView(e, i, sc.operations, resolve)),
    open,
    focus,
    holdAt: guard.holdAt,
    held: guard.holdAt !== null && state.cursor >= guard.holdAt,
    // An explanation may name another exercise's answer (the errno's explains the function):
    // masked while that one is open.
    revealed: exercises.flatMap((e, i) =>
      state.revealed(i) ? [maskAnswer(exerciseAnswer(e, i, sc.operations), guard)] : [],
    ),
    hiddenPairs: guard.pairs.map(([a, b]) => ({ a, b })),
  }
}
