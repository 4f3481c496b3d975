import { describe, expect, it, vi } from 'vitest'
import { LabSession } from './session'
import { createHandlers } from './ipc/handlers'
import type { LabView, Result } from '../../shared/ipc/contract'
import type { ExerciseCheckView, ScenarioSummary, StepperView } from '../../shared/model/stepper'

function setup() {
  const session = new LabSession({ version: '0' })
  const h = createHandlers(session, vi.fn())
  const val = <T>(r: unknown): T => {
    const x = r as Result<T>
    if (!x.ok) throw new Error(x.error.message)
    return x.value
  }
  return { session, h, val }
}

const exercisesOf = (v: LabView, i: number) =>
  ((v.lab.scenarios![i] as { exercises?: { id?: string; question: string }[] }).exercises ?? []).map(
    (e) => e.id ?? e.question,
  )

const NEW = {
  id: 'mr-errno',
  kind: 'errno',
  op: 3,
  question: 'And ibv_reg_mr on the BAR mapping?',
  answer: 'EFAULT',
  explanation: 'ib_umem_get() pins with pin_user_pages_fast(); check_vma_flags() in mm/gup.c refuses.',
}

describe('authoring exercises (exercise.edit / undo / redo)', () => {
  it('adds, updates, moves and deletes, each one undo step; the file carries the result', () => {
    const { h, val } = setup()
    const l01 = 1 // L01 (v6.12): bar-gup-errno, bar-gup-refuser
    const start = val<LabView>(h['lab.current']())
    expect(exercisesOf(start, l01)).toEqual(['bar-gup-errno', 'bar-gup-refuser'])
    let v = val<LabView>(h['exercise.edit']({ op: 'add', scenario: l01, exercise: NEW }))
    expect(exercisesOf(v, l01)).toEqual(['bar-gup-errno', 'bar-gup-refuser', 'mr-errno'])
    expect(v.revision).toBeGreaterThan(start.revision)
    expect(v).toMatchObject({ dirty: true, canUndoExercises: true, canRedoExercises: false, canUndo: false })
    // the machine is not enumerated again: the same node views and matrix
    expect(v.nodes).toBe(start.nodes)
    v = val<LabView>(h['exercise.edit']({ op: 'move', scenario: l01, from: 2, to: 0 }))
    expect(exercisesOf(v, l01)).toEqual(['mr-errno', 'bar-gup-errno', 'bar-gup-refuser'])
    v = val<LabView>(
      h['exercise.edit']({
        op: 'update',
        scenario: l01,
        index: 0,
        exercise: { ...NEW, question: 'ib_umem_get()?' },
      }),
    )
    expect((v.lab.scenarios![l01] as { exercises: { question: string }[] }).exercises[0]!.question).toBe(
      'ib_umem_get()?',
    )
    v = val<LabView>(h['exercise.edit']({ op: 'delete', scenario: l01, index: 1 }))
    expect(exercisesOf(v, l01)).toEqual(['mr-errno', 'bar-gup-refuser'])
    const text = val<{ text: string }>(h['lab.exportText']()).text
    expect(text).toContain('"id": "mr-errno"')
    expect(text).toContain('ib_umem_get()?')

    // undo all four, redo one
    for (let i = 0; i < 4; i++) v = val<LabView>(h['exercise.undo']())
    expect(exercisesOf(v, l01)).toEqual(['bar-gup-errno', 'bar-gup-refuser'])
    expect(v.canUndoExercises).toBe(false)
    expect(h['exercise.undo']().ok).toBe(false)
    v = val<LabView>(h['exercise.redo']())
    expect(exercisesOf(v, l01)).toEqual(['bar-gup-errno', 'bar-gup-refuser', 'mr-errno'])
    // a new edit drops the redo tail
    v = val<LabView>(h['exercise.edit']({ op: 'delete', scenario: l01, index: 2 }))
    expect(v.canRedoExercises).toBe(false)
  })

  it('refuses what the lab file would refuse, with the field, and changes nothing', () => {
    const { h, val } = setup()
    const before = val<LabView>(h['lab.current']())
    const cases: [Record<string, unknown>, string][] = [
      [
        { op: 'add', scenario: 1, exercise: { ...NEW, choices: ['EINVAL', 'ENOMEM'] } },
        'scenarios.1.exercises.2.answer',
      ],
      [{ op: 'add', scenario: 1, exercise: { ...NEW, kind: 'guess' } }, 'scenarios.1.exercises.2.kind'],
      [{ op: 'add', scenario: 1, exercise: { ...NEW, id: 'bar-gup-errno' } }, 'scenarios.1.exercises'],
      [
        { op: 'add', scenario: 1, exercise: { ...NEW, kind: 'distance', op: undefined } },
        'scenarios.1.exercises.2.pair',
      ],
      [{ op: 'update', scenario: 1, index: 9, exercise: NEW }, 'scenarios.1.index'],
      [{ op: 'move', scenario: 1, from: 0, to: 5 }, 'scenarios.1.to'],
      [{ op: 'delete', scenario: 99, index: 0 }, 'scenario'],
    ]
    for (const [edit, path] of cases) {
      const r = h['exercise.edit'](edit) as Result<LabView>
      expect(r.ok, JSON.stringify(edit)).toBe(false)
      if (!r.ok) expect(r.error.issues[0]?.path).toBe(path)
    }
    // malformed payloads never reach the session
    for (const bad of [
      { op: 'add', scenario: 1 },
      { op: 'swap', scenario: 1 },
      'x',
      { op: 'delete', scenario: -1, index: 0 },
    ])
      expect((h['exercise.edit'](bad) as Result<LabView>).ok).toBe(false)
    const after = val<LabView>(h['lab.current']())
    expect(after.revision).toBe(before.revision)
    expect(after.lab).toBe(before.lab)
  })

  it("keeps a running stepper (only exercises changed) and its own history beside the topology's", () => {
    const { h, val } = setup()
    const list = val<ScenarioSummary[]>(h['scenario.list']())
    const l01 = list.findIndex((s) => s.name.startsWith('L01') && s.era === 'v6.12')
    for (const e of list[l01]!.exercises) h['exercise.reveal']({ index: l01, exercise: e.index })
    val<StepperView>(h['scenario.start']({ index: l01 }))
    const v1 = val<StepperView>(h['timeline.step']({ kind: 'into' }))
    val<LabView>(h['exercise.edit']({ op: 'add', scenario: l01, exercise: NEW }))
    // the stepper survives, and the new exercise is open: stepping holds before operation 3
    const v2 = val<StepperView>(h['timeline.view']())
    expect(v2.cursor).toBe(v1.cursor)
    expect(v2.workshop!.exercises.map((e) => e.id)).toContain('mr-errno')
    const end = val<StepperView>(h['timeline.step']({ kind: 'toEnd' }))
    expect(end.stopped).toBe('exercise')
    expect(end.currentOp).toBe(2)
    // a topology edit does not drop the exercise history, nor the other way round
    const lab = val<LabView>(h['lab.current']())
    const gpu = lab.nodes.find((n) => n.endpointType === 'gpu')!
    val<LabView>(h['topology.edit']({ op: 'updateNode', id: gpu.id, patch: { label: 'GPU zero' } }))
    expect(val<LabView>(h['lab.current']())).toMatchObject({ canUndo: true, canUndoExercises: true })
    val<LabView>(h['exercise.undo']())
    expect(val<LabView>(h['lab.current']())).toMatchObject({ canUndo: true, canUndoExercises: false })
    // another lab: a fresh history
    val<LabView>(h['lab.loadDefault']())
    expect(val<LabView>(h['lab.current']())).toMatchObject({
      canUndoExercises: false,
      canRedoExercises: false,
    })
  })

  it('exercise.verify says what the engine answers, per exercise (as lab run)', () => {
    const { h, val } = setup()
    val<LabView>(h['exercise.edit']({ op: 'add', scenario: 1, exercise: { ...NEW, answer: 'EREMOTEIO' } }))
    const checks = val<ExerciseCheckView[]>(h['exercise.verify']({ index: 1 }))
    expect(checks.map((c) => c.ok)).toEqual([true, true, false])
    expect(checks[2]!.problems[0]).toBe('v6.12: the engine says EFAULT, the answer says EREMOTEIO')
  })
})
