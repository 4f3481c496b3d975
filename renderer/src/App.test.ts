import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import App from './App.vue'
import { GPU0, GPU1, installFakeLab, makeView } from './testing/fake-lab'

afterEach(() => {
  localStorage.clear()
  document.documentElement.style.fontSize = ''
})

describe('App', () => {
  it('loads the lab on mount and wires matrix → explanation → tree', async () => {
    const fake = installFakeLab(makeView(3))
    const pinia = createPinia()
    setActivePinia(pinia)
    const w = mount(App, { global: { plugins: [pinia] } })
    await flushPromises()
    expect(fake.api.invoke['lab.current']).toHaveBeenCalledTimes(1)
    expect(w.get('.app').attributes('data-revision')).toBe('3')
    expect(w.findAll('button.cell')).toHaveLength(6)
    expect(w.find('[data-test="no-pair"]').text()).toContain('host bridge 8086:2020')

    await w.get(`button.cell[data-provider="${GPU0}"][data-client="${GPU1}"]`).trigger('click')
    expect(w.get('[data-test="verdict"]').text()).toBe('THRU_HOST_BRIDGE')
    expect(w.get('.workspace').classes()).toContain('has-pair')
    expect(w.get('[data-node-id="usp"]').classes()).toContain('common')

    // a pushed change replaces the view; a newer machine without the pair clears the selection
    const base = makeView()
    fake.emit(
      'lab.changed',
      makeView(4, {
        matrix: {
          ...base.matrix,
          providers: [GPU1],
          pairs: base.matrix.pairs.filter((p) => p.provider === GPU1),
        },
      }),
    )
    await flushPromises()
    expect(w.findAll('button.cell')).toHaveLength(3)
    expect(w.find('[data-test="verdict"]').exists()).toBe(false)
  })

  it('scales the whole UI with the presenter buttons and remembers the scale', async () => {
    installFakeLab()
    const pinia = createPinia()
    setActivePinia(pinia)
    const w = mount(App, { global: { plugins: [pinia] } })
    await flushPromises()
    expect(document.documentElement.style.fontSize).toBe('14px')
    await w.get('[data-test="font-bigger"]').trigger('click')
    await w.get('[data-test="font-bigger"]').trigger('click')
    await flushPromises()
    expect(document.documentElement.style.fontSize).toBe('18.2px')
    expect(localStorage.getItem('p2p-dma-lab.fontScale')).toBe('3')
    await w.get('[data-test="font-smaller"]').trigger('click')
    await flushPromises()
    expect(document.documentElement.style.fontSize).toBe('16.1px')
  })

  it('shows a failed request as an error banner', async () => {
    const fake = installFakeLab()
    ;(
      fake.api.invoke['lab.current'] as unknown as { mockResolvedValueOnce(v: unknown): void }
    ).mockResolvedValueOnce({
      ok: false,
      error: { kind: 'internal', message: 'engine exploded', issues: [] },
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    const w = mount(App, { global: { plugins: [pinia] } })
    await flushPromises()
    expect(w.get('[data-test="error-banner"]').text()).toContain('engine exploded')
    await w.get('[data-test="dismiss-error"]').trigger('click')
    expect(w.find('[data-test="error-banner"]').exists()).toBe(false)
  })
})
