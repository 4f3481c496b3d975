/**
 * Steps and scenario results as the renderer and the CLI see them: plain, JSON-safe data
 * (addresses are already text).
 */

export type StepKind = 'enter' | 'check' | 'mutate' | 'return' | 'fail'

export interface StepView {
  seq: number
  depth: number
  kind: StepKind
  /** The kernel function, spelled as in C ('check_vma_flags'), or 'lab' for scenario bookkeeping. */
  fn: string
  /** Kernel source file the step models, e.g. 'mm/gup.c'. */
  file: string
  /** Eras the modelled behaviour holds for, e.g. 'v6.2+'. */
  era: string
  /** The golden-trace line: `depth kind fn detail`. */
  text: string
}

/** One operation's outcome (`lab run --json`). */
export interface OpRunJson {
  op: string
  ret: number | null
  errno: string | null
  /** Every expectation of this operation held (true when it has none). */
  ok: boolean
}

export interface ScenarioRunJson {
  name: string
  era: string
  operations: OpRunJson[]
  expectationsMet: boolean
  /** Each workshop exercise checked against the engine (absent when the scenario has none). */
  exercises?: ExerciseRunJson[]
}

/** One exercise of `lab run --json`: the file's answer and what the engine produced per era. */
export interface ExerciseRunJson {
  id: string
  kind: string
  answer: string
  ok: boolean
  actual: { era: string; value: string }[]
  problems: string[]
}

/** The stable `lab run --json` output. */
export interface LabRunJson {
  scenarios: ScenarioRunJson[]
}

/** The stepper's view of a timeline, sent in one batch (never one message per step). */
export interface TimelineView {
  /** Steps applied (0 = before the first step). */
  cursor: number
  /** Steps recorded so far. */
  frontier: number
  atEnd: boolean
  /** The last applied step, or null at the start. */
  current: StepView | null
  /** The enter steps of the functions open at the cursor, outermost first (the call stack). */
  callStack: StepView[]
  /** A window of recorded steps around the cursor. */
  steps: StepView[]
  /** What the last step changed: 'table/key' (e.g. 'vmas/app:0x7f0000000000', 'sys'). */
  changed: string[]
  /** Operation labels and their step ranges. */
  calls: { label: string; first: number; end: number | null }[]
}
