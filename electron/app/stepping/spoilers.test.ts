import { describe, expect, it, vi } from 'vitest'
import { errnos } from '../../../shared/model/errno'
import { LabSession } from '../session'
import { createHandlers } from '../ipc/handlers'
import type { Result } from '../../../shared/ipc/contract'
import type { ExerciseView, ScenarioSummary, StepperView } from '../../../shared/model/stepper'
import { MASK } from './spoilers'

function setup() {
  const session = new LabSession({ version: '0' })
  const emit = vi.fn()
  const h = createHandlers(session, emit)
  const val = <T>(r: unknown): T => {
    const x = r as Result<T>
    if (!x.ok) throw new Error(x.error.message)
    return x.value
  }
  return { session, emit, h, val }
}

/** Every string in a value, except under the keys listed (the exercises themselves: their choices). */
function texts(v: unknown, skip: ReadonlySet<string>): string[] {
  if (typeof v === 'string') return [v]
  if (Array.isArray(v)) return v.flatMap((x) => texts(x, skip))
  if (v !== null && typeof v === 'object')
    return Object.entries(v).flatMap(([k, x]) => (skip.has(k) ? [] : texts(x, skip)))
  return []
}
const word = (t: string) =>
  new RegExp(`(?<![A-Za-z0-9])${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`)
const SKIP = new Set(['workshop', 'exercises'])

describe('spoiler guard', () => {
  it('for every course exercise: stepping stops at its operation and no view names its answer before lock-in', () => {
    const { h, val } = setup()
    const list = val<ScenarioSummary[]>(h['scenario.list']())
    let checked = 0
    for (const sc of list) {
      for (const ex of sc.exercises) {
        h['lab.loadDefault']() // a fresh lab: every exercise open again
        val<StepperView>(h['scenario.start']({ index: sc.index }))
        // try to run past everything: the guard holds at the first open exercise
        const v = val<StepperView>(h['timeline.step']({ kind: 'toEnd' }))
        const w = v.workshop!
        expect(w.open).toContain(ex.index)
        if (w.holdAt !== null) {
          expect(v.stopped).toBe('exercise')
          expect(v.cursor).toBe(w.holdAt)
          expect(w.held).toBe(true)
          expect(v.steps.every((s) => s.seq < w.holdAt!)).toBe(true)
        }
        const answers = val<{ index: number; answer: string }[]>(h['exercise.answers']({ index: sc.index }))
        const answer = answers[ex.index]!.answer
        const seen = [
          ...texts(v, SKIP),
          // the list shows names (and this scenario through v.summary)
          ...val<ScenarioSummary[]>(h['scenario.list']()).map((x) => x.name),
          ...texts(
            w.exercises.map((e) => e.question),
            new Set(),
          ),
        ].join('\n')
        if (ex.kind === 'errno' || ex.kind === 'refusing-function' || ex.kind === 'map-type') {
          const term = answer.replace(/^-/, '')
          if (term !== 'success') expect(seen, `${sc.name} / ${ex.id}: '${term}'`).not.toMatch(word(term))
          // nor its number (-14 for EFAULT) or its strerror text (Bad address)
          const e = (errnos as Record<string, { no: number; text: string } | undefined>)[term]
          if (e) {
            expect(seen, `${sc.name} / ${ex.id}: -${e.no}`).not.toMatch(
              new RegExp(`(?<![A-Za-z0-9])-${e.no}(?![0-9])`),
            )
            expect(seen, `${sc.name} / ${ex.id}: ${e.text}`).not.toContain(e.text)
          }
        }
        // the view's exercise has the BDFs (the list's has none: it resolves no devices)
        const resolved = w.exercises[ex.index]!
        const hidden = w.hiddenPairs.map((p) => `${p.a}|${p.b}`)
        if (resolved.pair) expect(hidden).toContain(`${resolved.pair.providerBdf}|${resolved.pair.clientBdf}`)
        for (const c of resolved.cells) expect(hidden).toContain(`${c.a}|${c.b}`)
        if (ex.kind === 'p2p-pairs') expect(resolved.cells.length).toBe(resolved.choices.length)
        checked++
      }
    }
    expect(checked).toBeGreaterThanOrEqual(16)
  })

  it('a lock-in reveals the answer to every window and lets stepping pass; the card stays until the next step', () => {
    const { h, val, emit } = setup()
    const list = val<ScenarioSummary[]>(h['scenario.list']())
    const l01 = list.find((s) => s.name.startsWith('L01') && s.era === 'v6.12')!
    val<StepperView>(h['scenario.start']({ index: l01.index }))
    let v = val<StepperView>(h['timeline.step']({ kind: 'toEnd' }))
    const hold = v.workshop!.holdAt!
    expect(v.cursor).toBe(hold)
    expect(v.summary!.operations[1]!.hidden).toBe(true) // op 2's expected -EFAULT is withheld
    expect(v.summary!.operations[1]!.expect).toBeNull()
    expect(v.summary!.operations[0]!.hidden).toBeUndefined()
    expect(v.workshop!.focus).toBe(0) // bar-gup-errno: the first question at op 2
    // compare and report would show every outcome
    expect(h['scenario.compare']({ index: l01.index, eras: ['v5.0', 'v6.12'] }).ok).toBe(false)
    expect(h['scenario.report']({ index: l01.index, format: 'md' }).ok).toBe(false)

    emit.mockClear()
    const r = val<{ correct: boolean; answer: string }>(
      h['exercise.check']({ index: l01.index, exercise: 0, prediction: 'EREMOTEIO' }),
    )
    expect(r).toMatchObject({ correct: false, answer: 'EFAULT' })
    // every window (the requester too) gets the new view, with the answer revealed
    const pushed = emit.mock.calls.filter((c) => c[0] === 'timeline.changed')
    expect(pushed.length).toBe(1)
    const after = pushed[0]![1] as StepperView
    expect(after.workshop!.revealed.map((a) => a.answer)).toEqual(['EFAULT'])
    // its explanation names check_vma_flags(), the answer of the next open exercise: masked
    expect(after.workshop!.revealed[0]!.explanation).toContain(`${MASK}() in mm/gup.c`)
    expect((r as unknown as { explanation: string }).explanation).not.toMatch(word('check_vma_flags'))
    expect(after.workshop!.focus).toBe(0) // the revealed card stays …
    // bar-gup-refuser (op 2) is still open: the hold stays at op 2, and check_vma_flags stays masked
    expect(after.workshop!.holdAt).toBe(hold)
    h['exercise.check']({ index: l01.index, exercise: 1, prediction: 'check_vma_flags' })
    v = val<StepperView>(h['timeline.step']({ kind: 'over' }))
    expect(v.cursor).toBeGreaterThan(hold)
    expect(v.workshop!.focus).toBeNull() // the next step request retires the card; nothing is open
    expect(v.operations[1]!.errno).toBe('EFAULT') // op 2's outcome is visible now
    v = val<StepperView>(h['timeline.step']({ kind: 'toEnd' }))
    expect(v.atEnd).toBe(true)
    expect(v.workshop!.open).toEqual([])
    expect(h['scenario.report']({ index: l01.index, format: 'md' }).ok).toBe(true)
    // first predictions count; the instructor's reveal counts for nothing
    const l12 = list.find((s) => s.name.startsWith('L12'))!
    h['exercise.reveal']({ index: l12.index, exercise: 0 })
    const list2 = val<ScenarioSummary[]>(h['scenario.list']())
    expect(list2.find((s) => s.index === l01.index)!.progress).toEqual({
      total: 2,
      answered: 2,
      correct: 1,
      byExercise: ['wrong', 'right'],
    })
    expect(list2.find((s) => s.index === l12.index)!.progress!.byExercise).toEqual([
      'revealed',
      'open',
      'open',
    ])
  })

  it('masks an open answer everywhere it would show, and nowhere once revealed', () => {
    const { h, val } = setup()
    const list = val<ScenarioSummary[]>(h['scenario.list']())
    const l04 = list.find((s) => s.name.startsWith('L04'))!
    // reveal everything but the O_DIRECT-to-AHCI question (EREMOTEIO, operation 7)
    for (const e of l04.exercises)
      if (e.id !== 'p2pmem-sata-errno') h['exercise.reveal']({ index: l04.index, exercise: e.index })
    val<StepperView>(h['scenario.start']({ index: l04.index }))
    const v = val<StepperView>(h['timeline.step']({ kind: 'toEnd' }))
    expect(v.stopped).toBe('exercise')
    expect(v.currentOp).toBe(6)
    // operation 4 failed with -EREMOTEIO before: the word is masked while the question is open
    expect(v.operations[3]!.errno).toBe(MASK)
    expect(JSON.stringify(texts(v, SKIP))).not.toMatch(word('EREMOTEIO'))
    const sata = l04.exercises.find((e) => e.id === 'p2pmem-sata-errno')!
    h['exercise.check']({ index: l04.index, exercise: sata.index, prediction: 'EREMOTEIO' })
    const after = val<StepperView>(h['timeline.view']())
    expect(after.operations[3]!.errno).toBe('EREMOTEIO')
    expect(after.workshop!.open).toEqual([])
  })

  it('the matrix cell in question is listed until the reveal; presenter and main window share the step numbers', () => {
    const { h, val } = setup()
    const list = val<ScenarioSummary[]>(h['scenario.list']())
    const l03 = list.find((s) => s.exercises.some((e: ExerciseView) => e.id === 'switch-distance'))!
    let v = val<StepperView>(h['scenario.start']({ index: l03.index }))
    expect(v.workshop!.hiddenPairs).toContainEqual({ a: '0000:03:00.0', b: '0000:05:00.0' })
    expect(v.position).toEqual({ step: 0, of: v.total - v.start })
    v = val<StepperView>(h['timeline.step']({ kind: 'into' }))
    expect(v.position.step).toBe(v.cursor - v.start)
    for (const e of l03.exercises) h['exercise.reveal']({ index: l03.index, exercise: e.index })
    v = val<StepperView>(h['timeline.view']())
    expect(v.workshop!.hiddenPairs).toEqual([])
  })

  it('loading another lab starts predictions afresh; an edit of the same lab does not', () => {
    const { h, val } = setup()
    const list = val<ScenarioSummary[]>(h['scenario.list']())
    const first = list.find((s) => s.exercises.length)!
    h['exercise.check']({ index: first.index, exercise: 0, prediction: 'x' })
    expect(val<ScenarioSummary[]>(h['scenario.list']())[first.index]!.progress!.answered).toBe(1)
    h['lab.setSettings']({ iommu: true })
    expect(val<ScenarioSummary[]>(h['scenario.list']())[first.index]!.progress!.answered).toBe(1)
    h['lab.loadDefault']()
    expect(val<ScenarioSummary[]>(h['scenario.list']())[first.index]!.progress!.answered).toBe(0)
  })
})
