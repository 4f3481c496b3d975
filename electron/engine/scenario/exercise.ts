/**
 * Workshop exercises attached to a scenario in the lab file: a question, the kind of prediction
 * asked for, the answer and the explanation revealed after the prediction. Every kind is
 * machine-checkable: ./exercise-verify.ts runs the scenario (in every era the exercise names) and
 * compares the answer with what the engine produces (`lab run` does this for every lab).
 *
 * ```json
 * "exercises": [
 *   { "id": "gup-errno", "kind": "errno", "op": 2, "question": "With what errno?", "answer": "EFAULT",
 *     "eras": ["v5.0", "v6.12"],
 *     "explanation": "check_vma_flags() in mm/gup.c refuses VM_IO|VM_PFNMAP with -EFAULT." },
 *   { "kind": "p2p-pairs", "devices": ["gpu0", "nic0", "nvme0", "gpu2"],
 *     "question": "Which pairs can do P2P?", "answer": ["gpu0 <-> nic0", "gpu0 <-> nvme0"],
 *     "explanation": "…" } ]
 * ```
 *
 * Kinds and what they need (the answer, and what `lab run` compares it with):
 * - which-op-fails     the 1-based number (or name) of the first operation that fails, or "none"
 * - errno              `op`'s errno ("EFAULT"), or "success"; without `op`: the first failure's
 * - refusing-function  `op` + `choices`: the kernel function that refused (where the error began)
 * - map-type           `pair`: the map type calc_map_type_and_dist() gives the pair
 * - distance           `pair`: the distance (v5.x: upstream_bridge_distance()'s return value)
 * - era-changed        `eras` (≥ 2, oldest first) + `op` or `pair`: the era from which the
 *                      outcome differs (it must change exactly once over the list)
 * - p2p-pairs          `devices`: the unordered pairs that can do P2P (map type not
 *                      NOT_SUPPORTED), as an array of "a <-> b"; multi-select
 * `eras` for the other kinds: the eras the answer holds in (default: the scenario's era).
 *
 * Pure: no electron, no node:*. The class session counts answers with predictionKey()/isCorrect(),
 * so a prediction means the same thing in the app, on the attendee page and in the CLI.
 */
import { z } from 'zod'
import { ERRNO_NAMES } from '../../../shared/model/errno'
import { ERAS, type Era } from '../../../shared/model/topology'
import { compareEras } from '../era/index'
import type { ExerciseKind, ExerciseView, Prediction } from '../../../shared/model/stepper'
export { EXERCISE_KIND_LABEL } from '../../../shared/model/stepper'

export const EXERCISE_KINDS = [
  'which-op-fails',
  'errno',
  'map-type',
  'refusing-function',
  'era-changed',
  'distance',
  'p2p-pairs',
] as const satisfies readonly ExerciseKind[]

const ref = z.string().min(1).max(100)
const text = z.string().min(1).max(200)
/** Exercise ids: stable names for results and the CLI ('gup-errno'); unique within a scenario. */
export const EXERCISE_ID = /^[A-Za-z0-9_.-]{1,64}$/

export const exerciseSchema = z
  .strictObject({
    /** Stable id (default: `ex<N>`, N = 1-based position). */
    id: z.string().regex(EXERCISE_ID, 'an id of letters, digits, _ . -').optional(),
    question: z.string().min(1).max(2000),
    kind: z.enum(EXERCISE_KINDS),
    /** The 1-based operation the question is about. */
    op: z.number().int().min(1).max(500).optional(),
    /** map-type, distance, era-changed: the provider and client (device ids, labels or BDFs). */
    pair: z.strictObject({ provider: ref, client: ref }).optional(),
    /** p2p-pairs: the devices whose pairs are asked about. */
    devices: z.array(ref).min(2).max(8).optional(),
    /** era-changed: the eras compared, oldest first; other kinds: the eras the answer holds in. */
    eras: z.array(z.enum(ERAS)).min(1).max(ERAS.length).optional(),
    choices: z.array(text).max(16).optional(),
    /** A string; for p2p-pairs an array of "a <-> b" (possibly empty). */
    answer: z.union([text, z.array(text).max(28)]),
    explanation: z.string().max(4000),
  })
  .superRefine((e, ctx) => {
    const need = (field: string, why: string) =>
      ctx.addIssue({ code: 'custom', path: [field], message: `${e.kind} exercises need ${why}` })
    const multi = e.kind === 'p2p-pairs'
    if (multi !== Array.isArray(e.answer))
      ctx.addIssue({
        code: 'custom',
        path: ['answer'],
        message: multi ? 'a list of pairs like "gpu0 <-> nic0"' : 'a single answer (text)',
      })
    if ((e.kind === 'map-type' || e.kind === 'distance') && !e.pair) need('pair', '`pair`')
    if (e.kind === 'refusing-function') {
      if (e.op === undefined) need('op', '`op`')
      if (!e.choices || e.choices.length < 2) need('choices', 'at least two `choices`')
    }
    if (e.kind === 'era-changed') {
      if (!e.eras || e.eras.length < 2) need('eras', 'at least two `eras`')
      if (e.op === undefined && !e.pair) need('op', '`op` or `pair`')
      const eras = e.eras ?? []
      if (eras.some((v, i) => i > 0 && compareEras(v, eras[i - 1]!) <= 0))
        ctx.addIssue({ code: 'custom', path: ['eras'], message: 'eras must be distinct, oldest first' })
    }
    if (multi) {
      if (!e.devices) need('devices', '`devices`')
      else if (Array.isArray(e.answer)) {
        const known = new Set(pairChoices(e.devices).map(norm))
        e.answer.forEach((a, i) => {
          const k = pairKey(a, e.devices!)
          if (!k || !known.has(k))
            ctx.addIssue({
              code: 'custom',
              path: ['answer', i],
              message: `'${a}' is not a pair of two different devices of \`devices\``,
            })
        })
      }
    }
    if (e.choices && !multi && e.kind !== 'which-op-fails' && typeof e.answer === 'string') {
      const a = canonical(e.kind, e.answer, [])
      if (!e.choices.some((c) => canonical(e.kind, c, []) === a))
        ctx.addIssue({ code: 'custom', path: ['answer'], message: 'the answer is not one of the choices' })
    }
  })

export type Exercise = z.infer<typeof exerciseSchema>

const MAP_TYPES = ['BUS_ADDR', 'THRU_HOST_BRIDGE', 'NOT_SUPPORTED']
const COMMON_ERRNOS = ['EFAULT', 'EREMOTEIO', 'EINVAL', 'EOPNOTSUPP', 'ENODEV', 'ENOMEM', 'EPERM', 'EBUSY']

/** The exercise's id: its own, else `ex<N>` (N = 1-based position in the scenario). */
export function exerciseId(e: Pick<Exercise, 'id'>, index: number): string {
  return e.id ?? `ex${index + 1}`
}

/** "a ↔ b" for every unordered pair of different devices, in the order the devices are listed. */
export function pairChoices(devices: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < devices.length; i++)
    for (let j = i + 1; j < devices.length; j++) out.push(`${devices[i]} ↔ ${devices[j]}`)
  return out
}

/** Resolve device references to BDFs (the app passes the lab's machine; null: not resolvable). */
export type DeviceResolver = (ref: string) => { bdf: string; label: string } | null

/**
 * The question as the attendee sees it: never the answer. `ops` are the scenario's operations;
 * `resolve` (optional) turns device references into BDFs so a view can light matrix cells.
 */
export function exerciseView(
  e: Exercise,
  index: number,
  ops: readonly { op: string }[],
  resolve?: DeviceResolver,
): ExerciseView {
  let choices = e.choices
  if (!choices) {
    switch (e.kind) {
      case 'which-op-fails':
        choices = [...ops.map((o, i) => `${i + 1} ${o.op}`), 'none']
        break
      case 'errno':
        choices = [...COMMON_ERRNOS.filter((x) => ERRNO_NAMES.includes(x as never)), 'success']
        break
      case 'map-type':
        choices = MAP_TYPES
        break
      case 'era-changed':
        choices = (e.eras ?? []).slice(1)
        break
      case 'p2p-pairs':
        choices = pairChoices(e.devices ?? [])
        break
      default:
        choices = [] // distance: a number is typed
    }
  }
  const cells =
    e.kind === 'p2p-pairs' && resolve
      ? pairChoices(e.devices ?? []).flatMap((choice) => {
          const [a, b] = choice.split(' ↔ ')
          const ra = resolve(a!)
          const rb = resolve(b!)
          return ra && rb ? [{ choice, a: ra.bdf, b: rb.bdf }] : []
        })
      : []
  const pair = e.pair
    ? {
        provider: e.pair.provider,
        client: e.pair.client,
        providerBdf: resolve?.(e.pair.provider)?.bdf ?? null,
        clientBdf: resolve?.(e.pair.client)?.bdf ?? null,
      }
    : null
  return {
    index,
    id: exerciseId(e, index),
    question: e.question,
    kind: e.kind,
    op: e.op ?? null,
    select: e.kind === 'p2p-pairs' ? 'many' : 'one',
    choices: [...choices],
    pair,
    devices: e.devices ? [...e.devices] : [],
    cells,
    eras: e.eras ? [...e.eras] : [],
  }
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ')

/** "gpu0 <-> nic0", "gpu0 ↔ nic0", "nic0 - gpu0", "gpu0 nic0" -> the canonical unordered key, or null. */
function pairKey(s: string, devices: readonly string[]): string | null {
  const parts = s
    .split(/\s*(?:<->|↔|<=>|—|,)\s*|\s+-\s+|\s+/)
    .map((x) => x.trim())
    .filter(Boolean)
  if (parts.length !== 2) return null
  const order = devices.map(norm)
  const [a, b] = parts.map(norm) as [string, string]
  if (a === b) return null
  const ia = order.indexOf(a)
  const ib = order.indexOf(b)
  if (ia < 0 || ib < 0) return `${[a, b].sort().join(' ↔ ')}` // unknown devices: still canonical
  return ia < ib ? `${a} ↔ ${b}` : `${b} ↔ ${a}`
}

/** One answer of a single-answer kind in canonical form ('' when empty). */
function canonical(kind: ExerciseKind, s: string, ops: readonly { op: string }[]): string {
  const t = norm(s)
  switch (kind) {
    case 'which-op-fails': {
      if (t === 'none' || t === 'nothing' || t === 'none fails') return 'none'
      const num = /^(\d+)\b/.exec(t)?.[1]
      if (num) return String(Number(num))
      const i = ops.findIndex((o) => o.op.toLowerCase() === t)
      return i >= 0 ? String(i + 1) : t
    }
    case 'errno': {
      const e = t.replace(/^-/, '').replace(/\s*\(.*\)$/, '')
      return e === 'success' || e === '0' || e === 'none' || e === 'ok' ? 'success' : e.toUpperCase()
    }
    case 'map-type':
      return t.toUpperCase().replace(/^PCI_P2PDMA_MAP_/, '')
    case 'refusing-function':
      return t.replace(/\(\)$/, '')
    case 'era-changed': {
      const e = t.replace(/^linux\s*/, '')
      return /^\d/.test(e) ? `v${e}` : e
    }
    case 'distance': {
      const n = Number(t)
      return Number.isFinite(n) && t !== '' ? String(n) : t
    }
    case 'p2p-pairs':
      return t
  }
}

/**
 * The canonical form of a prediction (or of the answer): what answers are counted by (the class
 * histogram) and compared with. Single-answer kinds: one string; p2p-pairs: the sorted set of pair
 * keys joined with ', ' ('' for "none of them"). Null when the prediction is unreadable (a
 * malformed pair, an empty string).
 */
export function predictionKey(e: Exercise, p: Prediction, ops: readonly { op: string }[]): string | null {
  if (e.kind === 'p2p-pairs') {
    const items = typeof p === 'string' ? (p.trim() ? p.split(/\s*[;,]\s*/) : []) : p
    const keys = new Set<string>()
    for (const item of items) {
      if (!item.trim()) continue
      const k = pairKey(item, e.devices ?? [])
      if (!k) return null
      keys.add(k)
    }
    return [...keys].sort().join(', ')
  }
  const one = typeof p === 'string' ? p : p.length === 1 ? p[0]! : null
  if (one === null || !one.trim()) return null
  return canonical(e.kind, one, ops)
}

/** Does the prediction match the answer? */
export function isCorrect(e: Exercise, prediction: Prediction, ops: readonly { op: string }[]): boolean {
  const p = predictionKey(e, prediction, ops)
  return p !== null && p === predictionKey(e, e.answer, ops)
}

/** The answer as text for the reveal ("none of them" for an empty pair list). */
export function answerText(e: Exercise): string {
  if (typeof e.answer === 'string') return e.answer
  return e.answer.length ? e.answer.map((a) => a.replace(/\s*<->\s*/, ' ↔ ')).join(', ') : 'none of them'
}

/** The choices an answer selects (for marking them in the reveal): for p2p-pairs every right pair. */
export function answerChoices(e: Exercise, view: ExerciseView, ops: readonly { op: string }[]): string[] {
  if (e.kind === 'p2p-pairs') {
    const right = new Set((e.answer as string[]).map((a) => pairKey(a, e.devices ?? [])))
    return view.choices.filter((c) => right.has(pairKey(c, e.devices ?? [])))
  }
  const a = predictionKey(e, e.answer, ops)
  return view.choices.filter((c) => canonical(e.kind, c, ops) === a)
}

/** Exercise ids must be unique within a scenario. */
export function duplicateExerciseIds(exercises: readonly Exercise[]): string[] {
  const seen = new Set<string>()
  const dup = new Set<string>()
  exercises.forEach((e, i) => {
    const id = exerciseId(e, i)
    if (seen.has(id)) dup.add(id)
    seen.add(id)
  })
  return [...dup]
}

export type { Era }
