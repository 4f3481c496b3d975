import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import StepTopology from '../components/stepper/StepTopology.vue'
import PresenterView from './PresenterView.vue'
import StepperView from './StepperView.vue'
import { GPU0, GPU1, NIC, NODES, PAIRS } from '../testing/fake-lab'
import { setup } from '../testing/setup-helpers'
import { DELTAS, SCENARIOS, stepperView } from '../testing/stepper-fixtures'

const pairOf = (p: string, c: string) => PAIRS.find((v) => v.provider === p && v.client === c)!

describe('StepTopology (the devices and path of the current step)', () => {
  it('lights the involved devices and their ancestors only', () => {
    const w = mount(StepTopology, { props: { nodes: NODES, devices: ['gpu0'], verdict: null } })
    const shown = w.findAll('li').map((r) => r.attributes('data-node'))
    expect(shown).toEqual(['hb0', 'rp0', 'usp', 'dsp0', 'gpu0'])
    expect(w.get('[data-node="gpu0"]').classes()).toContain('involved')
    expect(w.get('[data-node="gpu0"]').attributes('data-role')).toBe('involved')
    expect(w.find('[data-test="step-pair"]').exists()).toBe(false)
  })

  it('draws a pair through a switch: every port walked and the common upstream bridge', () => {
    const v = pairOf(GPU0, GPU1)
    const w = mount(StepTopology, { props: { nodes: NODES, devices: ['gpu0', 'gpu1'], verdict: v } })
    const lit = w.findAll('li.on-path').map((r) => r.attributes('data-node')!)
    expect(lit.sort()).toEqual([...v.path].sort())
    expect(w.get('[data-node="usp"]').classes()).toContain('common')
    expect(w.get('[data-node="usp"]').attributes('data-role')).toBe('common upstream')
    expect(w.get('[data-node="gpu0"]').attributes('data-role')).toBe('provider')
    expect(w.get('[data-node="gpu1"]').attributes('data-role')).toBe('client')
    expect(w.findAll('li.hb')).toHaveLength(0)
    expect(w.get('[data-test="step-pair"]').text()).toContain(
      `Tesla V100 → Tesla V100 #2: PCI_P2PDMA_MAP_${v.mapType}, via common upstream PLX upstream (5 nodes)`,
    )
  })

  it('marks the host bridge when the path crosses it, and shows every device on request', async () => {
    const v = pairOf(GPU0, NIC)
    const w = mount(StepTopology, { props: { nodes: NODES, devices: ['gpu0', 'nic'], verdict: v } })
    expect(w.get('[data-node="hb0"]').classes()).toContain('hb')
    expect(w.get('[data-node="hb0"]').attributes('data-role')).toBe('host bridge crossed')
    expect(w.get('[data-test="step-pair"]').text()).toContain('PCI_P2PDMA_MAP_NOT_SUPPORTED')
    const before = w.findAll('li').length
    await w.get('[data-test="topo-all"]').setValue(true)
    expect(w.findAll('li').length).toBe(NODES.length)
    expect(NODES.length).toBeGreaterThan(before)
  })

  it('is fed by the StepperView: its devices and its pair, with the path from the lab matrix', async () => {
    const { pinia, fake } = await setup()
    const view = stepperView({
      devices: [
        { id: 'gpu0', bdf: GPU0, label: 'GPU0' },
        { id: 'gpu1', bdf: GPU1, label: 'GPU1' },
      ],
      pair: { provider: GPU0, client: GPU1 },
    })
    fake.api.invoke['scenario.list'] = vi.fn(() => Promise.resolve({ ok: true as const, value: SCENARIOS }))
    fake.api.invoke['timeline.view'] = vi.fn(() => Promise.resolve({ ok: true as const, value: view }))
    const w = mount(StepperView, { global: { plugins: [pinia] } })
    await flushPromises()
    const topo = w.get('[data-test="step-topology"]')
    expect(
      topo
        .findAll('li.on-path')
        .map((r) => r.attributes('data-node')!)
        .sort(),
    ).toEqual(['dsp0', 'dsp1', 'gpu0', 'gpu1', 'usp'])
    expect(topo.get('[data-node="usp"]').classes()).toContain('common')
    w.unmount()
  })
})

describe('PresenterView (follows the instructor)', () => {
  it('waits, then renders the view main pushes; it never steps', async () => {
    const { pinia, fake } = await setup()
    fake.api.invoke['scenario.list'] = vi.fn(() => Promise.resolve({ ok: true as const, value: SCENARIOS }))
    const w = mount(PresenterView, { global: { plugins: [pinia] } })
    await flushPromises()
    expect(w.find('[data-test="presenter-waiting"]').exists()).toBe(true)

    fake.emit('timeline.changed', stepperView({ deltas: Object.values(DELTAS) }))
    await flushPromises()
    expect(w.find('[data-test="presenter-waiting"]').exists()).toBe(false)
    expect(w.get('[data-test="presenter-fn"]').text()).toBe('check_vma_flags')
    expect(w.get('[data-test="presenter-outcome"]').attributes('data-errno')).toBe('EFAULT')
    expect(w.get('[data-test="presenter-outcome"]').text()).toContain('-EFAULT')
    expect(w.get('[data-test="presenter-check"]').text()).toContain('✗')
    expect(w.get('[data-test="presenter-change"]').text()).toContain(DELTAS['vmas']!.text)
    expect(w.get('[data-test="presenter-narration"]').text().length).toBeGreaterThan(0)
    expect(w.get('[data-test="presenter-devices"]').text()).toContain('GPU0')

    // the next push replaces it
    fake.emit('timeline.changed', stepperView({ cursor: 60, atEnd: true, currentOp: null }))
    await flushPromises()
    expect(w.get('[data-test="presenter"]').attributes('data-cursor')).toBe('60')
    expect(fake.api.invoke['timeline.step']).not.toHaveBeenCalled()
    expect(fake.api.invoke['scenario.start']).not.toHaveBeenCalled()

    // F11 on the presenter steps nothing either
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F11' }))
    await flushPromises()
    expect(fake.api.invoke['timeline.step']).not.toHaveBeenCalled()
    w.unmount()
    expect(fake.listeners.get('timeline.changed')?.size ?? 0).toBe(0)
  })

  it("between two operations shows the one about to start, not the previous one's last call", async () => {
    const { pinia, fake } = await setup()
    fake.api.invoke['scenario.list'] = vi.fn(() => Promise.resolve({ ok: true as const, value: SCENARIOS }))
    const w = mount(PresenterView, { global: { plugins: [pinia] } })
    await flushPromises()
    const base = stepperView()
    // the cursor sits on mmap_bar's return: operation 2 has not started yet
    fake.emit(
      'timeline.changed',
      stepperView({
        cursor: 30,
        current: { ...base.current!, kind: 'return', fn: 'mmap_bar', outcome: null },
        operations: base.operations.map((o) => (o.index === 1 ? { ...o, state: 'pending' as const } : o)),
      }),
    )
    await flushPromises()
    expect(w.get('[data-test="presenter-op"]').text()).toContain('Operation 2 of 2')
    expect(w.get('[data-test="presenter-step"]').attributes('data-state')).toBe('next')
    expect(w.get('[data-test="presenter-fn"]').text()).toBe('pin_user_pages_fast')
    expect(w.get('[data-test="presenter-step"]').text()).toContain('buf=buf, npages=512')
    expect(w.find('[data-test="presenter-outcome"]').exists()).toBe(false)
    expect(w.find('[data-test="presenter-check"]').exists()).toBe(false)

    // one step in: the card follows the step again
    fake.emit('timeline.changed', stepperView())
    await flushPromises()
    expect(w.get('[data-test="presenter-step"]').attributes('data-state')).toBeUndefined()
    expect(w.get('[data-test="presenter-fn"]').text()).toBe('check_vma_flags')
    w.unmount()
  })

  it('has a full-screen button', async () => {
    const { pinia } = await setup()
    const w = mount(PresenterView, { global: { plugins: [pinia] } })
    await flushPromises()
    expect(w.get('[data-test="presenter-fullscreen"]').text()).toBe('Full screen')
    w.unmount()
  })
})
