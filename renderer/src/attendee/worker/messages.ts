/**
 * Messages between the attendee page and its engine worker (./engine.worker.ts). Types only: the
 * page's bundle does not pull the engine in; the worker's does.
 */
import type { AttendeeAsk } from '../../../../shared/class/protocol'
import type { Era } from '../../../../shared/model/topology'
import type { StepRequestKind, StepperView } from '../../../../shared/model/stepper'

export type Cap = AttendeeAsk['cap'] | null
/** The open exercise's masked words (salted hashes), while the attendee has not locked in. */
export type Mask = AttendeeAsk['mask'] | null

export type WorkerRequest =
  | { id: number; t: 'lab'; text: string }
  | { id: number; t: 'start'; scenario: number; era: Era; cursor: number | null; cap: Cap; mask: Mask }
  | { id: number; t: 'step'; kind: StepRequestKind; cap: Cap; mask: Mask }
  | { id: number; t: 'seek'; cursor: number; cap: Cap; mask: Mask }

export interface AttendeeScenario {
  index: number
  name: string
  era: Era | null
  narration: string | null
  operations: { op: string; narration: string | null }[]
}

export interface LabLoaded {
  name: string
  scenarios: AttendeeScenario[]
  eras: { id: Era; label: string }[]
}

/**
 * What the attendee page shows of the step at its own cursor: the part of the app's StepperView
 * the page uses (same meaning, field by field), plus where this run stops for the open question.
 */
export interface AttendeeStepView extends Pick<
  StepperView,
  | 'cursor'
  | 'start'
  | 'total'
  | 'atStart'
  | 'atEnd'
  | 'current'
  | 'callStack'
  | 'deltas'
  | 'operations'
  | 'currentOp'
> {
  scenario: Pick<StepperView['scenario'], 'index' | 'name' | 'era'>
  /** The question point in this run (null: none), and whether the last move was stopped there. */
  limit: number | null
  capped: boolean
}

export type WorkerReply =
  | { id: number; ok: true; lab: LabLoaded }
  | { id: number; ok: true; view: AttendeeStepView }
  | { id: number; ok: false; error: string }
