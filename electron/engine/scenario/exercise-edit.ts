/**
 * Authoring exercises: add, update, delete and move one exercise of a scenario, validated with the
 * very schema the lab file is read with (scenarioSchema → exerciseSchema), so what the app accepts
 * is exactly what a saved lab file will load. An edit that does not validate is refused with
 * located issues ('exercises.2.answer: the answer is not one of the choices') and changes nothing.
 *
 * Pure: no electron, no node:*. The application layer keeps the undo history (electron/app/session.ts).
 */
import type { InputIssue } from '../../../shared/model/topology'
import type { ExerciseEdit } from '../../../shared/model/stepper'
import { scenarioSchema } from './schema'

export type ExerciseEditResult =
  { ok: true; scenario: Record<string, unknown> } | { ok: false; issues: InputIssue[] }

const issue = (path: string, message: string): ExerciseEditResult => ({
  ok: false,
  issues: [{ source: 'exercise.edit', path, message }],
})

/**
 * applyExerciseEdit - the scenario object (as the lab file holds it) with the edit applied, or the
 * issues that refuse it. `raw` is not modified.
 */
export function applyExerciseEdit(raw: unknown, edit: ExerciseEdit): ExerciseEditResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return issue(`scenarios.${edit.scenario}`, 'no such scenario in the lab')
  const sc = raw as Record<string, unknown>
  const before = Array.isArray(sc['exercises']) ? [...(sc['exercises'] as unknown[])] : []
  const n = before.length
  const at = (i: number, what: string) =>
    Number.isInteger(i) && i >= 0 && i < n ? null : issue(what, `no exercise ${i} (the scenario has ${n})`)
  let after: unknown[]
  switch (edit.op) {
    case 'add': {
      const pos = edit.at ?? n
      if (!Number.isInteger(pos) || pos < 0 || pos > n)
        return issue('at', `position ${pos} is outside 0–${n}`)
      after = [...before.slice(0, pos), edit.exercise, ...before.slice(pos)]
      break
    }
    case 'update': {
      const bad = at(edit.index, 'index')
      if (bad) return bad
      after = before.map((e, i) => (i === edit.index ? edit.exercise : e))
      break
    }
    case 'delete': {
      const bad = at(edit.index, 'index')
      if (bad) return bad
      after = before.filter((_, i) => i !== edit.index)
      break
    }
    case 'move': {
      const bad = at(edit.from, 'from') ?? at(edit.to, 'to')
      if (bad) return bad
      after = [...before]
      const [e] = after.splice(edit.from, 1)
      after.splice(edit.to, 0, e)
      break
    }
  }
  const next: Record<string, unknown> = { ...sc }
  if (after.length) next['exercises'] = after
  else delete next['exercises']
  const parsed = scenarioSchema.safeParse(next)
  if (!parsed.success)
    return {
      ok: false,
      issues: parsed.error.issues.slice(0, 20).map((i) => ({
        source: 'exercise.edit',
        path: i.path.map(String).join('.') || '(scenario)',
        message: i.message,
      })),
    }
  return { ok: true, scenario: next }
}
