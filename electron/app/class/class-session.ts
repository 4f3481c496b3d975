/**
 * ClassSession: the instructor-side state of one class, next to LabSession — the join code, the
 * attendees (name, resume token, connection count), the exercises asked, every attendee's first
 * answer, and the reveal. No sockets and no timers here: the server (./server.ts) and the host
 * (./host.ts) drive it, and tests drive it directly. Every refusal is a value and changes nothing.
 *
 * Answers are locked in: an attendee's first answer to an exercise is the one that counts (and the
 * only one accepted). Each asked exercise keeps a snapshot of the exercise (question, choices,
 * answer, explanation) taken when it was asked, so a later change of the lab changes neither the
 * counting nor the exported results.
 */
import type {
  ClassAskView,
  ClassAttendeeView,
  ClassResultRow,
  ClassResults,
  HistogramBar,
} from '../../../shared/model/class'
import type { AttendeeAsk, RefusalCode } from '../../../shared/class/protocol'
import { hashWord } from '../../../shared/class/mask'
import {
  CLASS_LIMITS,
  CODE_ALPHABET,
  CODE_LENGTH,
  cleanName,
  normaliseCode,
} from '../../../shared/class/protocol'
import type { ExerciseView, Prediction } from '../../../shared/model/stepper'
import { answerChoices, answerText, isCorrect, predictionKey, type Exercise } from '../../engine/index'

/** An exercise as it was when the instructor asked it. */
export interface AskedExercise {
  key: string
  scenario: number
  scenarioName: string
  exerciseIndex: number
  exercise: Exercise
  view: ExerciseView
  /** The scenario's operations (the checker matches 'which-op-fails' answers by name too). */
  operations: readonly { op: string }[]
  cap: AttendeeAsk['cap']
  /** Words that name the answer anywhere on a page (exerciseCover's 'all' terms). */
  words: string[]
  askedAt: number
  revealedAt: number | null
  /** Salt of the hashed words sent to attendees (per exercise asked). */
  salt: string
}

export interface Answer {
  prediction: Prediction
  /** The prediction as the checker reads it (predictionKey): what the histogram counts by. */
  key: string
  correct: boolean
  at: number
}

export interface Attendee {
  id: string
  name: string
  token: string
  joinedAt: number
  /** Open sockets of this attendee (a second tab, a reconnect racing the old socket). */
  sockets: number
  answers: Map<string, Answer>
}

export type JoinResult =
  { ok: true; attendee: Attendee; resumed: boolean } | { ok: false; code: RefusalCode; reason: string }

export type AnswerResult = { ok: true } | { ok: false; reason: string }

export interface ClassSessionOptions {
  code?: string
  maxAttendees?: number
  now?: () => number
  /** Random bytes (node:crypto's randomBytes in the app; a seeded source in tests). */
  random: (n: number) => Uint8Array
}

export function randomCode(random: (n: number) => Uint8Array): string {
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 31).
  const limit = 256 - (256 % CODE_ALPHABET.length)
  let out = ''
  while (out.length < CODE_LENGTH) {
    for (const b of random(8)) {
      if (b < limit && out.length < CODE_LENGTH) out += CODE_ALPHABET[b % CODE_ALPHABET.length]
    }
  }
  return out
}

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')

/** Compare two short strings in time independent of where they differ. */
function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0)
  return diff === 0
}

export class ClassSession {
  readonly code: string
  readonly maxAttendees: number
  readonly startedAt: number
  private readonly now: () => number
  private readonly random: (n: number) => Uint8Array
  private readonly byId = new Map<string, Attendee>()
  private readonly byToken = new Map<string, Attendee>()
  private readonly asks = new Map<string, AskedExercise>()
  private openKey: string | null = null
  private nextId = 1

  constructor(options: ClassSessionOptions) {
    this.random = options.random
    this.now = options.now ?? Date.now
    this.code = options.code ?? randomCode(this.random)
    this.maxAttendees = options.maxAttendees ?? CLASS_LIMITS.maxAttendees
    this.startedAt = this.now()
  }

  get attendeeCount(): number {
    return this.byId.size
  }

  attendee(id: string): Attendee | undefined {
    return this.byId.get(id)
  }

  attendees(): Attendee[] {
    return [...this.byId.values()]
  }

  /** The exercise the class is answering (or whose reveal it is looking at). */
  get open(): AskedExercise | null {
    return this.openKey ? (this.asks.get(this.openKey) ?? null) : null
  }

  askedExercises(): AskedExercise[] {
    return [...this.asks.values()]
  }

  /**
   * Join with the code and a display name, or resume with a token (name and answers kept; the
   * name given is ignored then). A resume is accepted even when the class is full: the seat is theirs.
   */
  join(code: string, name: string, token?: string): JoinResult {
    if (!sameText(normaliseCode(code), this.code))
      return { ok: false, code: 'bad-code', reason: 'wrong join code' }
    if (token) {
      const known = this.byToken.get(token)
      if (known) {
        known.sockets++
        return { ok: true, attendee: known, resumed: true }
      }
    }
    const clean = cleanName(name)
    if (!clean) return { ok: false, code: 'bad-name', reason: 'enter a display name' }
    if (this.byId.size >= this.maxAttendees)
      return { ok: false, code: 'full', reason: `the class is full (${this.maxAttendees} attendees)` }
    const attendee: Attendee = {
      id: `a${this.nextId++}`,
      name: this.uniqueName(clean),
      token: hex(this.random(16)),
      joinedAt: this.now(),
      sockets: 1,
      answers: new Map(),
    }
    this.byId.set(attendee.id, attendee)
    this.byToken.set(attendee.token, attendee)
    return { ok: true, attendee, resumed: false }
  }

  /** Two attendees called "Alex" become "Alex" and "Alex (2)". */
  private uniqueName(name: string): string {
    const taken = new Set([...this.byId.values()].map((a) => a.name))
    if (!taken.has(name)) return name
    for (let n = 2; ; n++) {
      const candidate = `${name.slice(0, CLASS_LIMITS.maxNameLength - 5)} (${n})`
      if (!taken.has(candidate)) return candidate
    }
  }

  disconnected(id: string): void {
    const a = this.byId.get(id)
    if (a && a.sockets > 0) a.sockets--
  }

  /** Open an exercise for answers (asked again: reopened as it was, answers and reveal kept). */
  ask(ex: Omit<AskedExercise, 'askedAt' | 'revealedAt' | 'salt'>): AskedExercise {
    let rec = this.asks.get(ex.key)
    if (!rec) {
      rec = { ...ex, askedAt: this.now(), revealedAt: null, salt: hex(this.random(8)) }
      this.asks.set(ex.key, rec)
    }
    this.openKey = ex.key
    return rec
  }

  /** Close the open exercise (nothing asked any more); its answers stay in the results. */
  closeAsk(): void {
    this.openKey = null
  }

  reveal(): AskedExercise | null {
    const rec = this.open
    if (rec && rec.revealedAt === null) rec.revealedAt = this.now()
    return rec
  }

  /** Lock in `prediction` for the open exercise `key`. */
  answer(attendeeId: string, key: string, prediction: Prediction): AnswerResult {
    const a = this.byId.get(attendeeId)
    if (!a) return { ok: false, reason: 'not joined' }
    const rec = this.open
    if (!rec || rec.key !== key) return { ok: false, reason: 'that exercise is not open' }
    if (rec.revealedAt !== null) return { ok: false, reason: 'the answer was already revealed' }
    if (a.answers.has(key)) return { ok: false, reason: 'you already locked in an answer' }
    const refused = unreadable(rec.view, prediction)
    if (refused) return { ok: false, reason: refused }
    const k = predictionKey(rec.exercise, prediction, rec.operations)
    if (k === null) return { ok: false, reason: 'this answer cannot be read' }
    a.answers.set(key, {
      prediction,
      key: k,
      correct: isCorrect(rec.exercise, prediction, rec.operations),
      at: this.now(),
    })
    return { ok: true }
  }

  // ---- views ----

  attendeeViews(): ClassAttendeeView[] {
    const key = this.openKey
    return [...this.byId.values()].map((a) => ({
      id: a.id,
      name: a.name,
      connected: a.sockets > 0,
      answered: key !== null && a.answers.has(key),
    }))
  }

  connectedCount(): number {
    let n = 0
    for (const a of this.byId.values()) if (a.sockets > 0) n++
    return n
  }

  askView(): ClassAskView | null {
    const rec = this.open
    if (!rec) return null
    const answers: Answer[] = []
    for (const a of this.byId.values()) {
      const ans = a.answers.get(rec.key)
      if (ans) answers.push(ans)
    }
    const answered = answers.length
    const correct = answers.filter((x) => x.correct).length
    const revealed = rec.revealedAt !== null
    const histogram = histogramOf(rec, answers, revealed)
    return {
      key: rec.key,
      scenario: rec.scenario,
      scenarioName: rec.scenarioName,
      exercise: rec.view,
      histogram,
      answered,
      reveal: revealed
        ? {
            answer: answerText(rec.exercise),
            answerChoices: answerChoices(rec.exercise, rec.view, rec.operations),
            explanation: rec.exercise.explanation,
            correct,
          }
        : null,
    }
  }

  /** The open exercise as attendee `id` sees it: never the answer before the reveal. */
  attendeeAsk(id: string): AttendeeAsk | null {
    const rec = this.open
    if (!rec) return null
    const mine = this.byId.get(id)?.answers.get(rec.key) ?? null
    return {
      key: rec.key,
      scenario: rec.scenario,
      scenarioName: rec.scenarioName,
      exercise: rec.view,
      cap: rec.cap,
      mask: { salt: rec.salt, hashes: rec.words.map((w) => hashWord(rec.salt, w)) },
      mine: mine ? { prediction: mine.prediction, at: new Date(mine.at).toISOString() } : null,
      reveal:
        rec.revealedAt !== null
          ? {
              answer: answerText(rec.exercise),
              answerChoices: answerChoices(rec.exercise, rec.view, rec.operations),
              explanation: rec.exercise.explanation,
              correct: mine ? mine.correct : null,
            }
          : null,
    }
  }

  // ---- results ----

  results(labName: string): ClassResults {
    const asks = [...this.asks.values()]
    const attendees = [...this.byId.values()]
    const rows: ClassResultRow[] = []
    for (const a of attendees) {
      for (const rec of asks) {
        const ans = a.answers.get(rec.key)
        rows.push({
          attendee: a.name,
          attendeeId: a.id,
          exercise: rec.key,
          exerciseId: rec.view.id,
          scenario: rec.scenario,
          scenarioName: rec.scenarioName,
          question: rec.view.question,
          answer: ans ? predictionText(ans.prediction) : null,
          correct: ans ? ans.correct : null,
          answeredAt: ans ? new Date(ans.at).toISOString() : null,
          seconds: ans ? Math.round((ans.at - rec.askedAt) / 100) / 10 : null,
        })
      }
    }
    return {
      format: 'p2p-dma-lab-class-results',
      version: 1,
      lab: labName,
      startedAt: new Date(this.startedAt).toISOString(),
      exportedAt: new Date(this.now()).toISOString(),
      attendees: attendees.map((a) => {
        const answers = [...a.answers.values()]
        return {
          id: a.id,
          name: a.name,
          joinedAt: new Date(a.joinedAt).toISOString(),
          answered: answers.length,
          correct: answers.filter((x) => x.correct).length,
        }
      }),
      exercises: asks.map((rec) => {
        const answers = attendees.map((a) => a.answers.get(rec.key)).filter((x) => x !== undefined)
        return {
          key: rec.key,
          id: rec.view.id,
          scenario: rec.scenario,
          scenarioName: rec.scenarioName,
          question: rec.view.question,
          kind: rec.view.kind,
          answer: answerText(rec.exercise),
          askedAt: new Date(rec.askedAt).toISOString(),
          revealedAt: rec.revealedAt === null ? null : new Date(rec.revealedAt).toISOString(),
          answered: answers.length,
          correct: answers.filter((x) => x.correct).length,
        }
      }),
      rows,
    }
  }
}

/** Why a prediction does not fit the exercise's form (null: it does). */
function unreadable(view: ExerciseView, p: Prediction): string | null {
  if (view.select === 'many') {
    if (!Array.isArray(p)) return 'pick any number of the choices'
    if (new Set(p).size !== p.length) return 'a choice was picked twice'
    return p.every((c) => view.choices.includes(c)) ? null : 'not one of the choices'
  }
  if (typeof p !== 'string') return 'pick one answer'
  if (view.choices.length) return view.choices.includes(p) ? null : 'not one of the choices'
  return p.trim().length > 0 && p.length <= 40 ? null : 'type a short answer'
}

/** A prediction as one line of text: a multi-select's choices joined with ', ' ('none of them' when empty). */
export function predictionText(p: Prediction): string {
  if (typeof p === 'string') return p
  return p.length ? p.join(', ') : 'none of them'
}

/**
 * The histogram's bars: one per choice, counting the answers the checker reads as that choice (a
 * multi-select: how many picked it); typed answers (no choices): one bar per distinct reading,
 * numbers in order. After the reveal each bar says whether it is (part of) the answer.
 */
function histogramOf(rec: AskedExercise, answers: Answer[], revealed: boolean): HistogramBar[] {
  const right = revealed ? new Set(answerChoices(rec.exercise, rec.view, rec.operations)) : null
  const { view, exercise, operations } = rec
  if (view.select === 'many') {
    return view.choices.map((choice) => ({
      choice,
      count: answers.filter((a) => Array.isArray(a.prediction) && a.prediction.includes(choice)).length,
      correct: right ? right.has(choice) : null,
    }))
  }
  if (view.choices.length) {
    return view.choices.map((choice) => {
      const k = predictionKey(exercise, choice, operations)
      return {
        choice,
        count: answers.filter((a) => a.key === k).length,
        correct: right ? right.has(choice) : null,
      }
    })
  }
  const answerKey = predictionKey(exercise, exercise.answer, operations)
  const keys = [...new Set(answers.map((a) => a.key))].sort((a, b) =>
    Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a.localeCompare(b),
  )
  return keys.map((k) => ({
    choice: k,
    count: answers.filter((a) => a.key === k).length,
    correct: revealed ? k === answerKey : null,
  }))
}

const CSV_COLUMNS: (keyof ClassResultRow)[] = [
  'attendee',
  'attendeeId',
  'exercise',
  'exerciseId',
  'scenario',
  'scenarioName',
  'question',
  'answer',
  'correct',
  'answeredAt',
  'seconds',
]

/** RFC 4180 CSV; a cell that a spreadsheet would run as a formula (=, +, -, @) is prefixed with '. */
export function resultsCsv(r: ClassResults): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return ''
    let s = String(v)
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  const lines = [CSV_COLUMNS.join(',')]
  for (const row of r.rows) lines.push(CSV_COLUMNS.map((c) => cell(row[c])).join(','))
  return lines.join('\r\n') + '\r\n'
}
