/**
 * The attendee protocol: the ONLY thing the class server speaks (electron/app/class/server.ts) and
 * the attendee page (renderer/src/attendee) uses. JSON text frames over one WebSocket at
 * CLASS_WS_PATH. An attendee can join, and lock in an answer for the open exercise; everything else
 * (the lab, the instructor's position, the exercise, the reveal) is pushed by the server. No lab
 * channel, file, import, oracle or save exists here, by construction: the server validates every
 * frame against `clientMessageSchema` (./schema.ts) and closes the socket on anything else.
 */
import type { Era } from '../model/topology'
import type { ExerciseView, Prediction } from '../model/stepper'

export const CLASS_WS_PATH = '/class/ws'

/** Join codes: 4 characters from an alphabet without look-alikes (no 0/O, 1/I/L). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
export const CODE_LENGTH = 4

export const CLASS_LIMITS = {
  /** Largest frame an attendee may send (bytes); the server closes the socket above it (1009). */
  maxMessageBytes: 2048,
  /** Sustained messages per second per socket, and the burst allowed above it. */
  messagesPerSecond: 5,
  messageBurst: 20,
  /** A socket that has not joined after this long is closed. */
  joinTimeoutMs: 10_000,
  maxNameLength: 40,
  /** Default cap on attendees (the 301st is refused). */
  maxAttendees: 300,
  /** Wrong codes from one address within a minute before its upgrades are refused for a minute. */
  badCodesPerMinute: 20,
} as const

/** Close codes the server uses (RFC 6455 §7.4.1). */
export const CLOSE = { policy: 1008, tooBig: 1009, going: 1001, ended: 4000 } as const

/** What an attendee may send (validated by ./schema.ts). */
export type ClientMessage =
  | { t: 'join'; code: string; name: string; token?: string | undefined }
  | { t: 'answer'; ask: string; prediction: Prediction }

/**
 * A scenario's narration (and each operation's), sent apart from the lab: words that would give away
 * an exercise not yet revealed in this class are masked (▒▒▒); they come back after its reveal.
 */
export interface ScenarioNotes {
  index: number
  narration: string | null
  operations: (string | null)[]
}

export const MASK = '▒▒▒'

/** Where the instructor is: scenario, era and cursor on lab `revision` (null: not stepping). */
export interface FollowPosition {
  revision: number
  scenario: number
  scenarioName: string
  era: Era
  cursor: number
}

/** The open exercise as one attendee sees it. */
export interface AttendeeAsk {
  key: string
  scenario: number
  scenarioName: string
  exercise: ExerciseView
  /**
   * The question point: the attendee's own stepping in this scenario stops there until they lock
   * in. `op` (0-based): at the start of that operation, in whichever era they step; else `cursor`:
   * the instructor's cursor when the exercise was asked. Both null: no limit.
   */
  cap: { op: number | null; cursor: number | null }
  /**
   * The words that would name the answer (errno, kernel function, map type), as salted hashes: the
   * attendee's page masks them everywhere until the attendee locks in (./mask.ts).
   */
  mask: { salt: string; hashes: string[] }
  /** This attendee's locked-in answer. */
  mine: { prediction: Prediction; at: string } | null
  /**
   * After the reveal: the answer (as text, and the choices that are right), the explanation and
   * whether this attendee was right (null: did not answer).
   */
  reveal: { answer: string; answerChoices: string[]; explanation: string; correct: boolean | null } | null
}

export type ServerMessage =
  | { t: 'welcome'; id: string; name: string; token: string; resumed: boolean }
  | { t: 'refused'; reason: string; code: RefusalCode }
  | { t: 'lab'; revision: number; name: string; text: string }
  | { t: 'notes'; revision: number; scenarios: ScenarioNotes[] }
  | { t: 'follow'; position: FollowPosition | null }
  | { t: 'ask'; ask: AttendeeAsk | null }
  | { t: 'error'; message: string }
  | { t: 'ended'; reason: string }

export type RefusalCode = 'bad-code' | 'full' | 'bad-name' | 'malformed' | 'rate' | 'timeout' | 'not-joined'

/** A display name as shown: control characters dropped, spaces collapsed, trimmed, at most 40 characters. */
export function cleanName(name: string): string {
  return (
    name
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, CLASS_LIMITS.maxNameLength)
  )
}

export function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase()
}
