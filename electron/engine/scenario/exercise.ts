/**
 * Workshop exercises attached to a scenario in the lab file: a question, the kind of prediction
 * asked for, the answer and the explanation revealed after the prediction.
 *
 * ```json
 * "exercises": [
 *   { "kind": "which-op-fails", "question": "Which operation fails first?", "answer": "2",
 *     "explanation": "pin_user_pages_fast: check_vma_flags refuses VM_IO|VM_PFNMAP." },
 *   { "kind": "errno", "op": 2, "question": "With what errno?", "answer": "EFAULT",
 *     "explanation": "GUP returns -EFAULT for a VMA without struct pages." } ]
 * ```
 *
 * `op` is the 1-based operation the question is about (shown beside it). `choices` are optional:
 * without them the lab offers the scenario's operations (which-op-fails), the modelled errnos
 * (errno) or the map types (map-type). Answers compare without case, leading '-' or spaces; for
 * which-op-fails the answer is the operation's number or its name.
 */
import { z } from 'zod'
import { ERRNO_NAMES } from '../../../shared/model/errno'
import type { ExerciseView } from '../../../shared/model/stepper'

export const EXERCISE_KINDS = ['which-op-fails', 'errno', 'map-type'] as const

export const exerciseSchema = z.strictObject({
  question: z.string().min(1).max(2000),
  kind: z.enum(EXERCISE_KINDS),
  op: z.number().int().min(1).max(500).optional(),
  choices: z.array(z.string().min(1).max(200)).max(16).optional(),
  answer: z.string().min(1).max(200),
  explanation: z.string().max(4000),
})

export type Exercise = z.infer<typeof exerciseSchema>

const MAP_TYPES = ['BUS_ADDR', 'THRU_HOST_BRIDGE', 'NOT_SUPPORTED']
const COMMON_ERRNOS = ['EFAULT', 'EREMOTEIO', 'EINVAL', 'EOPNOTSUPP', 'ENOMEM', 'EPERM', 'EBUSY']

/** The question as the attendee sees it: never the answer. */
export function exerciseView(e: Exercise, index: number, ops: readonly { op: string }[]): ExerciseView {
  let choices = e.choices
  if (!choices) {
    if (e.kind === 'which-op-fails') choices = [...ops.map((o, i) => `${i + 1} ${o.op}`), 'none']
    else if (e.kind === 'errno')
      choices = [...COMMON_ERRNOS.filter((x) => ERRNO_NAMES.includes(x as never)), 'success']
    else choices = MAP_TYPES
  }
  return { index, question: e.question, kind: e.kind, op: e.op ?? null, choices }
}

const norm = (s: string) => s.trim().toLowerCase().replace(/^-/, '').replace(/\s+/g, ' ')

/** Does the prediction match the answer? */
export function isCorrect(e: Exercise, prediction: string, ops: readonly { op: string }[]): boolean {
  const p = norm(prediction)
  const a = norm(e.answer)
  if (p === a) return true
  if (e.kind !== 'which-op-fails') return false
  // '2 pin_user_pages_fast' ↔ '2' or 'pin_user_pages_fast'
  const num = (s: string) => /^(\d+)\b/.exec(s)?.[1] ?? null
  const pn = num(p)
  const an = num(a)
  if (pn && an) return pn === an
  const name = (s: string) => s.replace(/^\d+\s*/, '')
  if (pn && !an) return name(p) === a || ops[Number(pn) - 1]?.op.toLowerCase() === a
  return false
}
