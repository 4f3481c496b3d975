/**
 * The stepper's views: what the renderer sees of a stepped scenario, sent in one batch per request
 * (docs/design.md#7-one-answer-per-request: never one message per step while running). Plain, JSON-safe data.
 */
import type { Era } from './topology'
import type { WorldView } from './mm'
import type { StepKind, StepView } from './trace'

/** How to move the cursor (timeline.step). */
export type StepRequestKind =
  'into' | 'over' | 'out' | 'back' | 'continue' | 'runToFailure' | 'runTo' | 'toEnd'

/** One operation of a scenario as the list shows it before it runs. */
export interface ScenarioOpSummary {
  op: string
  /** The arguments as the lab file spells them, shown as `key=value`. */
  args: Record<string, string>
  narration: string | null
  /** The expected outcome from the lab file (null: none stated). */
  expect: { ret: number | null | undefined; errno: string | null | undefined } | null
  /** The expected outcome and narration are withheld until an open exercise about this operation is revealed. */
  hidden?: boolean
}

export interface ScenarioSummary {
  index: number
  name: string
  /** The scenario's own era, or null (it runs in the lab's era). */
  era: Era | null
  narration: string | null
  operations: ScenarioOpSummary[]
  /** Workshop exercises, without their answers. */
  exercises: ExerciseView[]
  /** Predictions in this session: per exercise right / wrong (first prediction), revealed without one, or open. */
  progress?: {
    total: number
    answered: number
    correct: number
    byExercise: ('right' | 'wrong' | 'revealed' | 'open')[]
  }
}

export type ExerciseKind =
  'which-op-fails' | 'errno' | 'map-type' | 'refusing-function' | 'era-changed' | 'distance' | 'p2p-pairs'

/** What each kind asks, for headings (the stepper, the presenter, the attendee page, the CLI). */
export const EXERCISE_KIND_LABEL: Record<ExerciseKind, string> = {
  'which-op-fails': 'Which call fails?',
  errno: 'Which errno?',
  'map-type': 'Which map type?',
  'refusing-function': 'Which kernel function refuses?',
  'era-changed': 'Which era changed this?',
  distance: 'What distance?',
  'p2p-pairs': 'Which pairs can do P2P?',
}

/**
 * A prediction: one choice (or typed text, when `choices` is empty), or for `select: 'many'` the
 * chosen subset of `choices` (possibly empty: "none of them"). Checked by the engine's
 * isCorrect()/predictionKey() (electron/engine/scenario/exercise.ts), wherever it is made.
 */
export type Prediction = string | string[]

/** An exercise as the attendee sees it before predicting: no answer, no explanation. */
export interface ExerciseView {
  /** Position in the scenario's `exercises` (what exercise.check takes). */
  index: number
  /** Stable id: the file's, else `ex<N>`. */
  id: string
  question: string
  kind: ExerciseKind
  /** The 1-based operation it is about, or null (the whole scenario, or a pair). */
  op: number | null
  /** 'one': pick one choice (type it when `choices` is empty: distance); 'many': any subset. */
  select: 'one' | 'many'
  choices: string[]
  /** map-type / distance / era-changed on a pair: the devices as the file names them, and their BDFs. */
  pair: { provider: string; client: string; providerBdf: string | null; clientBdf: string | null } | null
  /** p2p-pairs: the devices asked about (rows and columns of the mini matrix). */
  devices: string[]
  /** p2p-pairs: each choice's matrix cell (BDFs; the pair is unordered). Empty when unresolved. */
  cells: { choice: string; a: string; b: string }[]
  /** era-changed: the eras compared, oldest first; others: the eras the answer holds in (may be empty). */
  eras: Era[]
}

/** An exercise's answer: what a reveal shows (and the instructor sees in instructor mode). */
export interface ExerciseAnswer {
  /** Position in the scenario's `exercises`. */
  index: number
  /** The answer as text (p2p-pairs: the pairs joined with ', ', or 'none of them'). */
  answer: string
  /** The choices that are right (for marking them; several for p2p-pairs, none for typed answers). */
  answerChoices: string[]
  explanation: string
}

/** The reveal after a prediction, and the lab's score so far (first predictions count). */
export interface ExerciseReveal extends ExerciseAnswer {
  correct: boolean
  score: WorkshopScore
}

/**
 * The workshop state of the scenario being stepped, decided by the app's spoiler guard
 * (electron/app/stepping/spoilers.ts) from the exercises and the recorded run: what is still open,
 * where stepping stops until the reveal, which matrix cells are hidden, and what has been revealed.
 */
export interface WorkshopView {
  /** Every exercise of the scenario (no answers). */
  exercises: ExerciseView[]
  /** Exercises not revealed yet (no prediction locked in here, no instructor reveal). */
  open: number[]
  /**
   * The exercise to show now (the presenter's card): the one just revealed until the cursor moves,
   * else the first open exercise the stepper will stop at; null when there is none.
   */
  focus: number | null
  /** The cursor stepping cannot pass before the focus-open exercises are revealed (null: none). */
  holdAt: number | null
  /** The cursor is at holdAt: stepping on needs a prediction or the instructor's reveal. */
  held: boolean
  /** Answers revealed so far (lock-ins here and instructor reveals), by exercise. */
  revealed: ExerciseAnswer[]
  /** Matrix cells (BDFs, either direction) whose verdict would answer an open exercise. */
  hiddenPairs: { a: string; b: string }[]
}

export interface WorkshopScore {
  correct: number
  answered: number
  total: number
}

export interface CheckView {
  what: string
  ok: boolean
  why: string
}

/** How a function ended: its return value, or -ERRNO with the number and the reason. */
export type OutcomeView =
  | { kind: 'return'; value: string }
  | { kind: 'fail'; errno: string; no: number; why: string; remedy: string | null }

/** A frame of the kernel call stack at the cursor. */
export interface FrameView {
  /** Seq of the frame's enter step. */
  seq: number
  depth: number
  fn: string
  args: Record<string, string>
  /** The kernel source the function models: file, function, eras. */
  file: string
  era: string
  /** The checks this frame made so far (the last few, oldest first). */
  checks: CheckView[]
  /** Set when the cursor is on this frame's return or fail step (the frame just ended). */
  outcome: OutcomeView | null
  /** https://elixir.bootlin.com/linux/<tag>/C/ident/<fn> for the scenario's era. */
  url: string
}

/** A field whose value changed in a delta: 'refcount' 1 → 2. */
export interface FieldChange {
  field: string
  before: string
  after: string
  /** For flag lists: what was set and cleared, e.g. '+VM_IO +VM_PFNMAP'. */
  summary?: string
}

/** Which state pane a world table belongs to. */
export type PaneId =
  | 'processes'
  | 'vmas'
  | 'ptes'
  | 'pages'
  | 'p2pmem'
  | 'sgts'
  | 'iommu'
  | 'umems'
  | 'vars'
  | 'log'
  | 'sys'
  | 'devptes'
  | 'notifiers'
  | 'dmabufs'
  /** A world table no pane knows yet: its own name. */
  | (string & {})

/** One delta of the last step, with before/after and a sentence for the learner. */
export interface DeltaView {
  pane: PaneId
  table: string
  key: string
  change: 'added' | 'removed' | 'changed'
  fields: FieldChange[]
  /** e.g. "vmas app:0x7f0000000000: vm_flags +VM_IO +VM_PFNMAP"; "pages 0x100000: refcount 1 → 2". */
  text: string
}

/** The step at the cursor, in full. */
export interface StepDetail extends StepView {
  args: Record<string, string> | null
  check: CheckView | null
  /** The mutate step's reason. */
  why: string | null
  outcome: OutcomeView | null
}

export interface OpProgress {
  index: number
  op: string
  /** Steps [first, end) of this operation in the timeline. */
  first: number
  end: number
  /** done: the cursor passed its last step; running: the cursor is inside it. */
  state: 'pending' | 'running' | 'done'
  /** Known once done (null before, so a prediction is never spoiled). */
  ret: number | null
  errno: string | null
  /** Every expectation held (null before it is done, or when there are none). */
  met: boolean | null
  failures: string[]
}

export interface StepperView {
  scenario: { index: number; name: string; era: Era; narration: string | null }
  /** Steps applied. `start` is the cursor before the first operation (processes created). */
  cursor: number
  start: number
  /** Every step of the scenario is recorded up front; total = the last cursor. */
  total: number
  atStart: boolean
  atEnd: boolean
  current: StepDetail | null
  callStack: FrameView[]
  deltas: DeltaView[]
  changedPanes: PaneId[]
  world: WorldView
  operations: OpProgress[]
  /** Index of the operation the cursor is in (or about to start), null past the end. */
  currentOp: number | null
  breakpoints: string[]
  /** Why the last run request stopped ('exercise': at an open exercise, until it is revealed). */
  stopped: 'step' | 'breakpoint' | 'failure' | 'function' | 'start' | 'end' | 'limit' | 'exercise' | null
  /** The position every window shows: steps of the scenario's operations (process setup excluded). */
  position: { step: number; of: number }
  /** A window of steps before and after the cursor. */
  steps: StepView[]
  /** Fail steps that end an operation (top-level), for scrubber marks. */
  failMarks: number[]
  /**
   * World tables the WorldView does not carry (device page tables, interval notifiers, dma-bufs and
   * their attachments, ODP umems…), one row per entry as text, grouped by pane.
   */
  extra: ExtraTable[]
  /** PCI functions the current operation and call stack involve (by operation argument or BDF in an argument). */
  devices: { id: string; bdf: string; label: string }[]
  /**
   * The P2P pair the current step concerns (provider/client BDFs): the innermost open frame with
   * provider and client arguments (pci_p2pdma_distance, the map type of a P2PDMA sg entry, a
   * dma-buf attach), else the current operation's provider/client. Null: no pair.
   */
  pair?: { provider: string; client: string } | null
  /** The scenario as the list shows it, after the spoiler guard (expected outcomes and narration of open questions hidden). */
  summary?: ScenarioSummary
  /** Exercises of this scenario and the spoiler guard's decisions; null when it has none. */
  workshop?: WorkshopView | null
}

export interface ExtraTable {
  pane: PaneId
  table: string
  /** `text`: the row on one line; `value`: the row itself as plain data (hex addresses, no bigint), for the variables tree. */
  rows: { key: string; text: string; value?: unknown }[]
}

/** One operation compared in two eras. */
export interface CompareOp {
  op: string
  a: { ret: number | null; errno: string | null; notInEra: string | null }
  b: { ret: number | null; errno: string | null; notInEra: string | null }
  same: boolean
  /** The first step where the two call trees differ (null: identical step sequence). */
  diverge: { a: CompareStep | null; b: CompareStep | null } | null
}

export interface CompareStep {
  seq: number
  depth: number
  kind: StepKind
  fn: string
  text: string
}

export interface CompareView {
  index: number
  name: string
  eras: [Era, Era]
  operations: CompareOp[]
  /** Index of the first operation whose outcome or path differs, or null. */
  firstDiverging: number | null
}

export interface ReportText {
  fileName: string
  mime: string
  text: string
}

/**
 * One authoring edit of a scenario's exercises (exercise.edit). `exercise` is the object as the lab
 * file holds it (question, kind, op, pair, devices, eras, choices, answer, explanation, id); the
 * app validates it with the lab file's own schema and refuses it, with located issues, otherwise.
 */
export type ExerciseEdit =
  | { op: 'add'; scenario: number; exercise: Record<string, unknown>; at?: number }
  | { op: 'update'; scenario: number; index: number; exercise: Record<string, unknown> }
  | { op: 'delete'; scenario: number; index: number }
  | { op: 'move'; scenario: number; from: number; to: number }

/** An exercise checked against the engine (exercise.verify): what `lab run` prints for it. */
export interface ExerciseCheckView {
  index: number
  id: string
  ok: boolean
  actual: { era: string; value: string }[]
  problems: string[]
}
