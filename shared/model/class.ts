/**
 * The class session as the instructor's windows see it (class.* channels, class.changed event):
 * where the class server listens, the join code, who joined, the exercise the class is answering,
 * its live histogram and whether it was revealed. Plain, JSON-safe data. Resume tokens never
 * appear here: they belong to the attendee's browser alone.
 */
import type { ExerciseView } from './stepper'

/** A local address the class server can listen on (from the host's network interfaces). */
export interface ClassAddress {
  address: string
  family: 'IPv4' | 'IPv6'
  /** The interface's name (eth0, wlan0, lo…). */
  iface: string
  /** Loopback: reachable from this machine only. */
  internal: boolean
}

export interface ClassAttendeeView {
  /** A short id, stable for the class (not the resume token). */
  id: string
  name: string
  connected: boolean
  /** Locked in an answer for the open exercise. */
  answered: boolean
}

export interface HistogramBar {
  choice: string
  count: number
  /** Set after the reveal: this choice is the answer. */
  correct: boolean | null
}

/** The exercise the class is answering (the instructor opened it with class.ask). */
export interface ClassAskView {
  /** 'scenario:exercise', e.g. '0:1'. */
  key: string
  scenario: number
  scenarioName: string
  exercise: ExerciseView
  /**
   * One bar per choice, in the choices' order (a multi-select: how many picked each); a typed answer
   * (distance): one bar per distinct answer, as the checker reads it.
   */
  histogram: HistogramBar[]
  answered: number
  /** Set once revealed: the answer (text, and the right choices), the explanation, how many were right. */
  reveal: { answer: string; answerChoices: string[]; explanation: string; correct: number } | null
}

export interface ClassStatus {
  running: boolean
  /** http://HOST:PORT/ (the attendee page), null when stopped. */
  url: string | null
  /** The URL with the code in its fragment (the QR code): http://HOST:PORT/#code=ABCD. */
  joinUrl: string | null
  host: string | null
  port: number | null
  code: string | null
  maxAttendees: number
  attendees: ClassAttendeeView[]
  connected: number
  ask: ClassAskView | null
  /** Keys of every exercise asked so far in this class, oldest first. */
  asked: string[]
  /** ISO times. */
  startedAt: string | null
  /** Why the class stopped last (e.g. the port was taken), null when nothing went wrong. */
  problem: string | null
}

export const CLASS_STOPPED: ClassStatus = Object.freeze({
  running: false,
  url: null,
  joinUrl: null,
  host: null,
  port: null,
  code: null,
  maxAttendees: 300,
  attendees: [],
  connected: 0,
  ask: null,
  asked: [],
  startedAt: null,
  problem: null,
}) as ClassStatus

/** One row of the results: an attendee and an asked exercise (unanswered rows have answer null). */
export interface ClassResultRow {
  attendee: string
  attendeeId: string
  /** The exercise's key in this class ('scenario:exercise') and its id in the lab file. */
  exercise: string
  exerciseId: string
  scenario: number
  scenarioName: string
  question: string
  /** The attendee's first (locked-in) answer (a multi-select: the choices joined with ', '). */
  answer: string | null
  correct: boolean | null
  /** ISO time of the answer. */
  answeredAt: string | null
  /** Seconds from the exercise being asked to the answer. */
  seconds: number | null
}

export interface ClassResults {
  format: 'p2p-dma-lab-class-results'
  version: 1
  lab: string
  startedAt: string
  exportedAt: string
  attendees: { id: string; name: string; joinedAt: string; correct: number; answered: number }[]
  exercises: {
    key: string
    id: string
    scenario: number
    scenarioName: string
    question: string
    kind: string
    answer: string
    askedAt: string
    revealedAt: string | null
    answered: number
    correct: number
  }[]
  rows: ClassResultRow[]
}
