import { describe, expect, it } from 'vitest'
import { applyExerciseEdit } from './exercise-edit'

const SC = {
  name: 's',
  operations: [{ op: 'mmap_anon', args: { len: '4K', as: 'a' } }],
  exercises: [
    { id: 'a', kind: 'which-op-fails', question: 'q', answer: 'none', explanation: '' },
    { id: 'b', kind: 'which-op-fails', question: 'q', answer: '1', explanation: '' },
  ],
}
const C = { id: 'c', kind: 'errno', op: 1, question: 'q', answer: 'success', explanation: '' }
const ids = (r: ReturnType<typeof applyExerciseEdit>) =>
  r.ok ? ((r.scenario['exercises'] as { id: string }[] | undefined) ?? []).map((e) => e.id) : r.issues

describe('applyExerciseEdit', () => {
  it('adds (at a position), updates, moves and deletes without touching the input', () => {
    const before = JSON.stringify(SC)
    expect(ids(applyExerciseEdit(SC, { op: 'add', scenario: 0, exercise: C }))).toEqual(['a', 'b', 'c'])
    expect(ids(applyExerciseEdit(SC, { op: 'add', scenario: 0, exercise: C, at: 0 }))).toEqual([
      'c',
      'a',
      'b',
    ])
    expect(ids(applyExerciseEdit(SC, { op: 'update', scenario: 0, index: 1, exercise: C }))).toEqual([
      'a',
      'c',
    ])
    expect(ids(applyExerciseEdit(SC, { op: 'move', scenario: 0, from: 0, to: 1 }))).toEqual(['b', 'a'])
    const gone = applyExerciseEdit(
      { ...SC, exercises: [SC.exercises[0]] },
      { op: 'delete', scenario: 0, index: 0 },
    )
    expect(gone.ok && !('exercises' in gone.scenario)).toBe(true) // no empty list left in the file
    expect(JSON.stringify(SC)).toBe(before)
  })

  it('refuses with the path of what is wrong, as the lab file loader would', () => {
    const path = (r: ReturnType<typeof applyExerciseEdit>) => (r.ok ? null : r.issues.map((i) => i.path))
    expect(path(applyExerciseEdit(SC, { op: 'add', scenario: 0, exercise: { ...C, op: 7 } }))).toBeNull() // op range is the runner's
    expect(path(applyExerciseEdit(SC, { op: 'add', scenario: 0, exercise: { ...C, kind: 'x' } }))).toEqual([
      'exercises.2.kind',
    ])
    expect(path(applyExerciseEdit(SC, { op: 'add', scenario: 0, exercise: { ...C, id: 'a' } }))).toEqual([
      'exercises',
    ])
    expect(path(applyExerciseEdit(SC, { op: 'add', scenario: 0, exercise: C, at: 9 }))).toEqual(['at'])
    expect(path(applyExerciseEdit(SC, { op: 'move', scenario: 0, from: 2, to: 0 }))).toEqual(['from'])
    expect(path(applyExerciseEdit(null, { op: 'delete', scenario: 4, index: 0 }))).toEqual(['scenarios.4'])
  })
})
