import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ExerciseEditor from './ExerciseEditor.vue'
import ExercisePanel from './ExercisePanel.vue'
import { NODES } from '../../testing/fake-lab'
import type { ExerciseEdit, ExerciseView } from '../../../../shared/model/stepper'
import type { InputIssue } from '../../../../shared/model/topology'

afterEach(() => {
  document.body.innerHTML = ''
})

const SCENARIO = { index: 3, name: 'C22', operations: [{ op: 'mmap_bar' }, { op: 'pin_user_pages_fast' }] }
const EXERCISES = [
  { id: 'a', kind: 'which-op-fails', question: 'Which fails?', answer: '2', explanation: 'GUP.' },
  {
    id: 'b',
    kind: 'errno',
    op: 2,
    question: 'Which errno?',
    answer: 'EFAULT',
    explanation: 'check_vma_flags().',
  },
]

function editor(
  apply = vi.fn<(e: ExerciseEdit) => Promise<InputIssue[] | null>>(() => Promise.resolve(null)),
) {
  const verify = vi.fn(() =>
    Promise.resolve([
      { index: 0, id: 'a', ok: true, actual: [{ era: 'v6.12', value: '2' }], problems: [] },
      {
        index: 1,
        id: 'b',
        ok: false,
        actual: [{ era: 'v6.12', value: 'EFAULT' }],
        problems: ['v6.12: the engine says EFAULT, the answer says EINVAL'],
      },
    ]),
  )
  const w = mount(ExerciseEditor, {
    props: {
      scenario: SCENARIO,
      exercises: EXERCISES,
      nodes: NODES,
      eras: [
        { id: 'v5.0', label: '5.0' },
        { id: 'v6.2', label: '6.2' },
        { id: 'v6.12', label: '6.12' },
      ],
      canUndo: true,
      canRedo: false,
      apply,
      verify,
    },
  })
  return { w, apply, verify }
}

describe('ExerciseEditor (authoring)', () => {
  it('lists the exercises with what the engine says of each', async () => {
    const { w } = editor()
    await flushPromises()
    const rows = w.findAll('[data-test="ex-row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.get('[data-test="ex-check"]').text()).toBe('✓ the engine agrees')
    expect(rows[1]!.get('[data-test="ex-check"]').text()).toContain('✗ v6.12: the engine says EFAULT')
    expect(w.get('[data-test="ex-undo"]').attributes('disabled')).toBeUndefined()
    expect(w.get('[data-test="ex-redo"]').attributes('disabled')).toBeDefined()
    await w.get('[data-test="ex-undo"]').trigger('click')
    expect(w.emitted('undo')).toHaveLength(1)
  })

  it('adds an exercise built from the form, exactly as the lab file holds it', async () => {
    const { w, apply } = editor()
    await w.get('[data-test="ex-add"]').trigger('click')
    await w.get('[data-test="ex-kind"]').setValue('era-changed')
    await w.get('[data-test="ex-id"]').setValue('allocate-era')
    await w.get('[data-test="ex-op"]').setValue('2')
    await w.get('[data-test="ex-question"]').setValue('From which kernel?')
    const eras = w.findAll('[data-test="ex-era"]')
    await eras[2]!.setValue(true) // checked out of order: saved oldest first
    await eras[1]!.setValue(true)
    await w.get('[data-test="ex-answer"]').setValue('v6.2')
    await w.get('[data-test="ex-explanation"]').setValue('p2pmem_alloc_mmap() in drivers/pci/p2pdma.c.')
    await w.get('[data-test="ex-form"]').trigger('submit')
    await flushPromises()
    expect(apply).toHaveBeenCalledWith({
      op: 'add',
      scenario: 3,
      exercise: {
        id: 'allocate-era',
        kind: 'era-changed',
        question: 'From which kernel?',
        op: 2,
        eras: ['v6.2', 'v6.12'],
        answer: 'v6.2',
        explanation: 'p2pmem_alloc_mmap() in drivers/pci/p2pdma.c.',
      },
    })
    expect(w.find('[data-test="ex-form"]').exists()).toBe(false) // saved: back to the list
  })

  it('p2p-pairs: devices give the pairs, the answer is the checked ones', async () => {
    const { w, apply } = editor()
    await w.get('[data-test="ex-add"]').trigger('click')
    await w.get('[data-test="ex-kind"]').setValue('p2p-pairs')
    const devices = w.findAll('[data-test="ex-device"]')
    await devices[0]!.setValue(true)
    await devices[1]!.setValue(true)
    await devices[2]!.setValue(true)
    const pairs = w.findAll('[data-test="ex-answer-pair"]')
    expect(pairs).toHaveLength(3)
    await pairs[0]!.setValue(true)
    await w.get('[data-test="ex-question"]').setValue('Which pairs?')
    await w.get('[data-test="ex-form"]').trigger('submit')
    await flushPromises()
    const ex = (apply.mock.calls[0]![0] as { exercise: Record<string, unknown> }).exercise
    expect(ex['devices']).toHaveLength(3)
    expect(ex['answer']).toEqual([(pairs[0]!.element as HTMLInputElement).value])
  })

  it('shows a refusal at its field and keeps the form; edits, moves and deletes by index', async () => {
    const refuse = vi.fn<(e: ExerciseEdit) => Promise<InputIssue[] | null>>((e) =>
      Promise.resolve(
        e.op === 'update'
          ? [
              {
                source: 'exercise.edit',
                path: 'scenarios.3.exercises.1.answer',
                message: 'the answer is not one of the choices',
              },
            ]
          : null,
      ),
    )
    const { w } = editor(refuse)
    await w.findAll('[data-test="ex-edit"]')[1]!.trigger('click')
    expect((w.get('[data-test="ex-answer"]').element as HTMLInputElement).value).toBe('EFAULT')
    await w.get('[data-test="ex-choices"]').setValue('EINVAL\nENOMEM')
    await w.get('[data-test="ex-form"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-test="ex-issues"]').text()).toContain('the answer is not one of the choices')
    expect(w.get('[data-test="ex-answer"]').classes()).toContain('bad')
    expect(w.find('[data-test="ex-form"]').exists()).toBe(true)
    await w.findAll('[data-test="ex-down"]')[0]!.trigger('click')
    await flushPromises()
    await w.findAll('[data-test="ex-delete"]')[1]!.trigger('click')
    await flushPromises()
    expect(refuse.mock.calls.map((c) => c[0])).toEqual([
      expect.objectContaining({ op: 'update', scenario: 3, index: 1 }),
      { op: 'move', scenario: 3, from: 0, to: 1 },
      { op: 'delete', scenario: 3, index: 1 },
    ])
  })
})

describe('ExercisePanel: the new kinds', () => {
  /** The first exercise of its scenario, one choice, no operation, pair, devices or eras unless given. */
  const exercise = (
    e: Pick<ExerciseView, 'question' | 'kind' | 'choices'> & Partial<ExerciseView>,
  ): ExerciseView => ({
    index: 0,
    select: 'one',
    op: null,
    pair: null,
    devices: [],
    cells: [],
    eras: [],
    id: 'x',
    ...e,
  })

  it('a multi-select mini matrix for p2p-pairs, a typed answer for distance', async () => {
    const pairs = exercise({
      question: 'Which pairs?',
      kind: 'p2p-pairs',
      select: 'many',
      devices: ['gpu0', 'nic0', 'gpu2'],
      choices: ['gpu0 ↔ nic0', 'gpu0 ↔ gpu2', 'nic0 ↔ gpu2'],
    })
    const dist = exercise({ index: 1, question: 'Distance?', kind: 'distance', choices: [] })
    const w = mount(ExercisePanel, { props: { exercises: [pairs, dist], reveals: {}, score: null } })
    const cells = w.findAll('[data-test="pair-cell"]')
    expect(cells).toHaveLength(6) // both halves of the 3×3 matrix, not the diagonal
    await cells[0]!.trigger('click') // gpu0 ↔ nic0
    const mirror = cells.find((c) => c.attributes('data-choice') === 'gpu0 ↔ nic0' && c !== cells[0])!
    expect(mirror.attributes('aria-pressed')).toBe('true')
    await w.findAll('form')[0]!.trigger('submit')
    expect(w.emitted('predict')![0]).toEqual([0, ['gpu0 ↔ nic0']])
    const second = w.findAll('[data-test="exercise"]')[1]!
    expect(second.get('[data-test="predict"]').attributes('disabled')).toBeDefined()
    await second.get('[data-test="typed"]').setValue(' 6 ')
    await second.get('form').trigger('submit')
    expect(w.emitted('predict')![1]).toEqual([1, '6'])
  })

  it('instructor mode shows the answer and a Reveal button; the reveal shows the explanation', async () => {
    const ex = exercise({ question: 'Errno?', kind: 'errno', choices: ['EFAULT', 'EINVAL'] })
    const w = mount(ExercisePanel, { props: { exercises: [ex], reveals: {}, score: null } })
    expect(w.find('[data-test="instructor-answer"]').exists()).toBe(false)
    expect(w.find('[data-test="reveal-all"]').exists()).toBe(false)
    await w.setProps({
      instructor: true,
      answers: {
        0: { index: 0, answer: 'EFAULT', answerChoices: ['EFAULT'], explanation: 'check_vma_flags().' },
      },
    })
    expect(w.get('[data-test="instructor-answer"]').text()).toContain('EFAULT')
    await w.get('[data-test="reveal-all"]').trigger('click')
    expect(w.emitted('reveal')![0]).toEqual([0])
    await w.setProps({
      workshop: {
        exercises: [ex],
        open: [],
        focus: 0,
        holdAt: null,
        held: false,
        revealed: [
          { index: 0, answer: 'EFAULT', answerChoices: ['EFAULT'], explanation: 'check_vma_flags().' },
        ],
        hiddenPairs: [],
      },
    })
    expect(w.get('[data-test="reveal"]').text()).toMatch(/Revealed.*the answer is\s*EFAULT.*check_vma_flags/s)
  })
})
