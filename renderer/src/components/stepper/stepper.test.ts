import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import CallStack from './CallStack.vue'
import StatePanes from './StatePanes.vue'
import StepToolbar from './StepToolbar.vue'
import ScenarioOps from './ScenarioOps.vue'
import ExercisePanel from './ExercisePanel.vue'
import StepperView from '../../views/StepperView.vue'
import { outcomeText } from './ret'
import { matchStepKey, STEP_KEYS } from '../../composables/useStepKeys'
import { useTimelineStore } from '../../stores/timeline'
import { setup } from '../../testing/setup-helpers'
import { DELTAS, FAIL_FRAMES, SCENARIOS, WORLD, stepperView } from '../../testing/stepper-fixtures'

afterEach(() => {
  document.body.innerHTML = ''
})

describe('CallStack', () => {
  it('while an open exercise masks the errno, its number is not shown either (-14 would say EFAULT)', () => {
    const v = stepperView()
    const masked = <T extends { outcome: (typeof v.callStack)[number]['outcome'] }>(f: T): T =>
      f.outcome?.kind === 'fail' ? { ...f, outcome: { ...f.outcome, errno: '▒▒▒' } } : f
    const w = mount(CallStack, {
      props: { frames: v.callStack.map(masked), current: masked(v.current!), breakpoints: [] },
    })
    expect(w.findAll('[data-test="frame-outcome"]').at(-1)!.text()).toBe('-▒▒▒')
    expect(w.get('[data-test="current-step"]').text()).not.toMatch(/-14|\(/)
    expect(w.text()).not.toContain('-14')
    // the operations list's outcome text likewise
    expect(outcomeText({ ret: -14, errno: '▒▒▒' })).toBe('-▒▒▒')
    expect(outcomeText({ ret: -14, errno: 'EFAULT' })).toBe('-EFAULT (-14)')
  })

  it('shows each frame with args, checks ✓/✗, source link, and the -ERRNO (number) of the frame that failed', async () => {
    const v = stepperView()
    const w = mount(CallStack, {
      props: { frames: v.callStack, current: v.current, breakpoints: ['__get_user_pages'] },
    })
    const frames = w.findAll('[data-test="frame"]')
    expect(frames.map((f) => f.attributes('data-fn'))).toEqual(FAIL_FRAMES.map((f) => f.fn))
    const top = frames[3]!
    expect(top.classes()).toContain('failed')
    expect(top.get('[data-test="frame-outcome"]').text()).toBe('-EFAULT (-14)')
    expect(top.get('[data-test="frame-check"]').text()).toContain('✗')
    expect(top.get('[data-test="frame-check"]').classes()).toContain('bad')
    expect(top.text()).toContain('vm_flags=VM_IO|VM_PFNMAP')
    expect(top.get('a').attributes('href')).toBe(
      'https://elixir.bootlin.com/linux/v6.12/C/ident/check_vma_flags',
    )
    expect(frames[0]!.find('[data-test="frame-outcome"]').exists()).toBe(false)
    expect(w.get('[data-test="current-step"]').text()).toContain('-EFAULT (-14)')
    expect(w.get('[data-test="current-step"]').text()).toContain('map the BAR as p2pmem')
    // the breakpoint dot reflects the list
    expect(frames[2]!.get('.bp').classes()).toContain('on')
    expect(frames[3]!.get('.bp').classes()).not.toContain('on')

    await top.get('a').trigger('click')
    expect(w.emitted('open-source')![0]).toEqual([FAIL_FRAMES[3]])
    await top.get('.bp').trigger('click')
    expect(w.emitted('toggle-breakpoint')![0]).toEqual(['check_vma_flags'])
  })

  it('shows a returned frame with its value and a check step with its outcome', () => {
    const frames = [{ ...FAIL_FRAMES[0]!, outcome: { kind: 'return' as const, value: '0x7f0000000000' } }]
    const current = {
      ...stepperView().current!,
      kind: 'check' as const,
      outcome: null,
      check: { what: 'ok?', ok: true, why: 'fine' },
    }
    const w = mount(CallStack, { props: { frames, current, breakpoints: [] } })
    expect(w.get('[data-test="frame-outcome"]').text()).toBe('= 0x7f0000000000')
    expect(w.get('[data-test="frame"]').classes()).toContain('returned')
    expect(w.get('[data-test="current-step"] .check').text()).toBe('✓')
  })
})

describe('StatePanes', () => {
  for (const [pane, d] of Object.entries(DELTAS)) {
    it(`highlights and explains a change in the ${pane} pane`, () => {
      const w = mount(StatePanes, { props: { view: { world: WORLD, deltas: [d], extra: [] } } })
      const p = w.get(`[data-pane="${pane}"]`)
      expect(p.classes()).toContain('changed')
      expect(p.get('.changed-badge').text()).toBe('changed')
      const item = p.get('[data-test="delta"]')
      expect(item.text()).toContain(d.fields[0]!.field)
      expect(item.get('s').text()).toBe(d.fields[0]!.before)
      expect(item.get('b').text()).toBe(d.fields[0]!.after)
      expect(p.findAll('.hot').length).toBe(1)
      // no other pane claims the change
      expect(w.findAll('.pane.changed')).toHaveLength(1)
    })
  }

  it('summarises a flag list change as set/cleared flags', () => {
    const d = DELTAS['vmas']!
    const flags = { ...d, fields: [{ ...d.fields[0]!, summary: '+VM_IO +VM_PFNMAP' }] }
    const w = mount(StatePanes, { props: { view: { world: WORLD, deltas: [flags], extra: [] } } })
    expect(w.get('[data-pane="vmas"] .summary').text()).toBe('+VM_IO +VM_PFNMAP')
    expect(w.find('[data-pane="vmas"] [data-test="delta"] s').exists()).toBe(false)
  })

  it('lists removed objects and shows tables the WorldView does not carry', () => {
    const removed = {
      ...DELTAS['vmas']!,
      change: 'removed' as const,
      fields: [],
      text: 'vmas app:0x1 removed: {…}',
    }
    const dev = {
      pane: 'devptes',
      table: 'devptes',
      key: 'gpu0:0x7f0000000000',
      change: 'added' as const,
      fields: [],
      text: 'devptes gpu0:0x7f0000000000 added: {"valid":true}',
    }
    const w = mount(StatePanes, {
      props: {
        view: {
          world: WORLD,
          deltas: [removed, dev],
          extra: [
            {
              pane: 'devptes',
              table: 'devptes',
              rows: [{ key: 'gpu0:0x7f0000000000', text: '{"valid":true}', value: { valid: true } }],
            },
          ],
        },
      },
    })
    expect(w.get('[data-pane="vmas"] .c-removed').text()).toContain('removed')
    expect(w.get('[data-pane="vmas"]').findAll('.hot')).toHaveLength(0)
    const p = w.get('[data-pane="devptes"]')
    expect(p.text()).toContain('Device page tables')
    expect(p.classes()).toContain('changed')
    expect(p.findAll('.vrow.hot')).toHaveLength(1)
    // a row of a table the WorldView does not carry is a tree of its fields, not JSON text
    expect(p.get('[data-test="var-tree"]').text()).toBe('▾gpu0:0x7f0000000000{valid: true}validtrue')
  })
})

describe('StatePanes kernel log', () => {
  const splat = [
    '------------[ cut here ]------------',
    'WARNING: CPU: 0 PID: 1000 at mm/gup.c:2633 is_valid_gup_args+0x…/0x…',
    'Modules linked in: nvme',
    'CPU: 0 UID: 0 PID: 1000 Comm: app Not tainted 6.12.0 #1',
    'Tainted: [W]=WARN',
    'Hardware name: lab (P2P DMA Lab machine)',
    'RIP: 0010:is_valid_gup_args+0x…/0x…',
    'Call Trace:',
    ' <TASK>',
    ' pin_user_pages_fast+0x…/0x…',
    ' </TASK>',
    '---[ end trace 0000000000000000 ]---',
  ]
  it('shows a whole WARN splat (not only the last 8 lines), its WARNING line marked', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`)
    const w = mount(StatePanes, {
      props: { view: { world: { ...WORLD, log: [...before, ...splat] }, deltas: [], extra: [] } },
    })
    const log = w.get('[data-pane="log"] [data-test="kernel-log"]')
    expect(log.text()).toContain('------------[ cut here ]------------')
    expect(log.text()).toContain('---[ end trace 0000000000000000 ]---')
    expect(log.text()).not.toContain('line 19')
    expect(w.get('[data-test="warn-line"]').text()).toBe(splat[1])
  })
  it('shows the last 8 lines when no splat is near the end', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `line ${i}`)
    const w = mount(StatePanes, {
      props: { view: { world: { ...WORLD, log: [...splat, ...lines] }, deltas: [], extra: [] } },
    })
    const text = w.get('[data-test="kernel-log"]').text()
    expect(text).toContain('line 59')
    expect(text).toContain('line 52')
    expect(text).not.toContain('line 51')
    expect(w.find('[data-test="warn-line"]').exists()).toBe(false)
  })
})

describe('step controls and keys', () => {
  it('maps the debugger keys', () => {
    const k = (key: string, shiftKey = false) =>
      matchStepKey({ key, shiftKey, ctrlKey: false, altKey: false, metaKey: false })?.action
    expect(k('F10')).toBe('over')
    expect(k('F11')).toBe('into')
    expect(k('F11', true)).toBe('out')
    expect(k('F10', true)).toBe('back')
    expect(k('F5')).toBe('continue')
    expect(k('F8')).toBe('runToFailure')
    expect(k('F1')).toBe('help')
    expect(k('F9')).toBeUndefined()
    expect(
      matchStepKey({ key: 'F10', shiftKey: false, ctrlKey: true, altKey: false, metaKey: false }),
    ).toBeNull()
    expect(new Set(STEP_KEYS.map((x) => x.action)).size).toBe(STEP_KEYS.length)
  })

  it('toolbar: buttons emit steps, back is disabled at 0, the scrubber seeks, breakpoints are added and removed', async () => {
    const w = mount(StepToolbar, {
      props: { view: stepperView({ breakpoints: ['ib_umem_get'] }), busy: true },
    })
    await w.get('[data-step="over"]').trigger('click')
    expect(w.emitted('step')![0]).toEqual(['over'])
    expect(w.get('[data-step="over"]').attributes('title')).toBe('Step over (F10)')
    // the app's position (operation steps, process setup excluded): the presenter shows the same
    expect(w.get('[data-test="cursor"]').text()).toBe('48 / 105')
    expect(w.get('.busy').classes()).toContain('on')
    const range = w.get('[data-test="scrubber"]')
    ;(range.element as HTMLInputElement).value = '12'
    await range.trigger('change')
    expect(w.emitted('seek')![0]).toEqual([12])
    await w.get('[data-test="bp-input"]').setValue('check_vma_flags')
    await w.get('form.add').trigger('submit')
    expect(w.emitted('add-breakpoint')![0]).toEqual(['check_vma_flags'])
    await w.get('.bp .x').trigger('click')
    expect(w.emitted('remove-breakpoint')![0]).toEqual(['ib_umem_get'])
    await w.setProps({ view: stepperView({ cursor: 0 }), busy: false })
    expect(w.get('[data-step="back"]').attributes('disabled')).toBeDefined()
    expect(w.get('[data-test="stopped"]').text()).toContain('failure')
  })

  it('operations: expected vs actual only once done, the current one highlighted, click seeks', async () => {
    const w = mount(ScenarioOps, { props: { scenarios: SCENARIOS, view: stepperView() } })
    const ops = w.findAll('[data-test="op"]')
    expect(ops[0]!.get('[data-test="op-actual"]').text()).toContain('ok (0x7f0000000000)')
    expect(ops[1]!.find('[data-test="op-actual"]').exists()).toBe(false)
    expect(ops[1]!.text()).toContain('expected -EFAULT')
    expect(ops[1]!.classes()).toContain('current')
    await ops[1]!.get('.op-btn').trigger('click')
    expect(w.emitted('seek')![0]).toEqual([30])
    await w.get('[data-test="scenario"]').trigger('click')
    expect(w.emitted('start')![0]).toEqual([0])
  })

  it('StepperView: keys drive timeline.step, F1 opens the help, a frame link asks main for the source', async () => {
    const { pinia, fake } = await setup()
    const view = stepperView()
    fake.api.invoke['scenario.list'] = vi.fn(() => Promise.resolve({ ok: true as const, value: SCENARIOS }))
    fake.api.invoke['timeline.view'] = vi.fn(() => Promise.resolve({ ok: true as const, value: view }))
    const step = vi.fn(() => Promise.resolve({ ok: true as const, value: view }))
    fake.api.invoke['timeline.step'] = step
    const w = mount(StepperView, { global: { plugins: [pinia] }, attachTo: document.body })
    await flushPromises()
    expect(useTimelineStore().view).toEqual(view)
    expect(w.get('[data-test="device"]').text()).toBe('GPU0 0000:03:00.0')
    for (const [key, shiftKey, kind] of [
      ['F10', false, 'over'],
      ['F11', false, 'into'],
      ['F11', true, 'out'],
      ['F10', true, 'back'],
      ['F5', false, 'continue'],
      ['F8', false, 'runToFailure'],
    ] as const) {
      const e = new KeyboardEvent('keydown', { key, shiftKey, cancelable: true })
      window.dispatchEvent(e)
      await flushPromises()
      expect(step).toHaveBeenLastCalledWith({ kind })
      expect(e.defaultPrevented).toBe(true)
    }
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F1' }))
    await flushPromises()
    expect(w.find('[data-test="help"]').exists()).toBe(true)
    await w.get('[data-test="help-close"]').trigger('click')
    await w.findAll('[data-test="frame-source"]').at(-1)!.trigger('click')
    await flushPromises()
    expect(fake.api.invoke['app.openSource']).toHaveBeenCalledWith({ era: 'v6.12', fn: 'check_vma_flags' })
    expect(w.get('[data-test="source-url"]').text()).toContain(
      'elixir.bootlin.com/linux/v6.12/C/ident/check_vma_flags',
    )
    w.unmount()
    // keys are released with the view
    step.mockClear()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F10' }))
    await flushPromises()
    expect(step).not.toHaveBeenCalled()
  })
})

describe('workshop exercises', () => {
  const ex = SCENARIOS[0]!.exercises

  it('asks for a prediction before revealing, then shows right/wrong, the answer, the explanation and the score', async () => {
    const w = mount(ExercisePanel, { props: { exercises: ex, reveals: {}, score: null } })
    expect(w.find('[data-test="reveal"]').exists()).toBe(false)
    expect(w.text()).not.toContain('answer is')
    expect(w.get('[data-test="predict"]').attributes('disabled')).toBeDefined()
    await w.findAll('input[type="radio"]')[0]!.setValue(true)
    await w.get('form').trigger('submit')
    expect(w.emitted('predict')![0]).toEqual([0, '1 mmap_bar'])
    const wrong = {
      index: 0,
      correct: false,
      answer: '2',
      answerChoices: ['2 pin_user_pages_fast'],
      explanation: 'check_vma_flags refuses the PFN map.',
      score: { correct: 0, answered: 1, total: 3 },
    }
    await w.setProps({ reveals: { 0: wrong }, score: wrong.score })
    const r = w.get('[data-test="reveal"]')
    expect(r.classes()).toContain('wrong')
    expect(r.text()).toContain('Not quite')
    expect(r.text()).toContain('1 mmap_bar')
    expect(r.get('.answer').text()).toBe('2')
    expect(r.text()).toContain('check_vma_flags refuses the PFN map.')
    expect(w.get('[data-test="score"]').text()).toBe('score 0 / 3')
    await w.setProps({
      reveals: { 0: { ...wrong, correct: true } },
      score: { correct: 1, answered: 1, total: 3 },
    })
    expect(w.get('[data-test="reveal"]').classes()).toContain('right')
    expect(w.get('[data-test="score"]').text()).toBe('score 1 / 3')
  })

  it('the store records reveals and the engine score per lab', async () => {
    const { fake } = await setup()
    const reveal = {
      index: 1,
      correct: true,
      answer: 'EFAULT',
      answerChoices: ['EFAULT'],
      explanation: 'x',
      score: { correct: 1, answered: 1, total: 2 },
    }
    fake.api.invoke['exercise.check'] = vi.fn(() => Promise.resolve({ ok: true as const, value: reveal }))
    const t = useTimelineStore()
    expect(await t.predict(0, 1, 'EFAULT')).toBe(true)
    expect(fake.api.invoke['exercise.check']).toHaveBeenCalledWith({
      index: 0,
      exercise: 1,
      prediction: 'EFAULT',
    })
    expect(t.reveals['0:1']).toEqual(reveal)
    expect(t.score).toEqual(reveal.score)
    t.resetWorkshop()
    expect(t.reveals).toEqual({})
    expect(t.score).toBeNull()
  })
})
