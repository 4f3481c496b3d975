import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import PairExplanation from './PairExplanation.vue'
import { useSelectionStore } from '../stores/selection'
import { GPU0, GPU1, NIC } from '../testing/fake-lab'
import { setup } from '../testing/setup-helpers'

describe('PairExplanation', () => {
  it('asks for a selection when there is none', async () => {
    const { pinia } = await setup()
    const w = mount(PairExplanation, { global: { plugins: [pinia] } })
    expect(w.text()).toContain('Select a cell')
  })

  it('shows the verdict, path, decisions, kernel log and the disable_acs_redir hint', async () => {
    const { pinia, fake } = await setup()
    useSelectionStore().selectPair(GPU0, GPU1)
    const w = mount(PairExplanation, { global: { plugins: [pinia] } })
    await flushPromises()
    expect(w.get('[data-test="verdict"]').text()).toBe('THRU_HOST_BRIDGE')
    expect(w.get('[data-test="score"]').attributes('title')).toMatch(/pci_p2pdma_distance_many\(\)/)
    const path = w.findAll('[data-test="path"] li')
    expect(path.map((li) => li.find('.bdf').text())).toEqual([
      GPU0,
      '0000:02:00.0',
      '0000:01:00.0',
      '0000:02:01.0',
      GPU1,
    ])
    expect(path[2]!.classes()).toContain('common')
    expect(path[1]!.classes()).toContain('acs')

    const decisions = w.findAll('[data-test="decisions"] li')
    expect(decisions).toHaveLength(2)
    expect(decisions[0]!.text()).toContain('calc_map_type_and_dist()')
    expect(decisions[0]!.text()).toContain('drivers/pci/p2pdma.c')
    expect(decisions[0]!.text()).toContain('v6.0–v7.2')
    expect(decisions[0]!.text()).toContain('S4')
    // what S4 is: the badge's tooltip and the Sources list (from app.info, electron/engine/sources.ts)
    expect(decisions[0]!.get('.badge.source').attributes('title')).toMatch(/^S4: drivers\/pci\/p2pdma\.c/)
    const sources = w.get('[data-test="sources"]')
    expect(sources.findAll('dt').map((d) => d.text())).toEqual(['S4'])
    expect(sources.get('dd').text()).toContain('NVIDIA/NV-Kernels drivers/pci/p2pdma.c @ 2f18f71dae62')
    expect(decisions[0]!.get('.mark').text()).toBe('✓')
    expect(decisions[1]!.get('.mark').text()).toBe('✗')
    expect(decisions[1]!.classes()).toContain('no')

    expect(w.get('[data-test="warnings"]').text()).toContain(
      'ACS redirect is set between the client and provider',
    )
    expect(w.get('[data-test="acs-hint"]').text()).toContain('pci=disable_acs_redir=0000:02:00.0')
    expect(w.get('[data-test="acs-hint"]').text()).toContain('THRU_HOST_BRIDGE → BUS_ADDR')
    expect(w.find('[data-test="no-fix"]').exists()).toBe(false)

    await w.get('[data-test="apply-hint"]').trigger('click')
    await flushPromises()
    expect(fake.api.invoke['lab.setSettings']).toHaveBeenCalledWith({ disableAcsRedir: '0000:02:00.0' })
    // the new settings carry the port, so the button reports it as applied
    expect(w.get('[data-test="apply-hint"]').text()).toBe('Applied')
  })

  it('has no hint without ACS redirect, and marks the host bridge crossed', async () => {
    const { pinia } = await setup()
    useSelectionStore().selectPair(GPU0, NIC)
    const w = mount(PairExplanation, { global: { plugins: [pinia] } })
    await flushPromises()
    expect(w.get('[data-test="verdict"]').text()).toBe('NOT_SUPPORTED')
    expect(w.find('[data-test="acs-hint"]').exists()).toBe(false)
    // the engine's advice: what would have to change, and that no kernel parameter helps
    expect(w.get('[data-test="no-fix"]').text()).toContain('no kernel parameter helps')
    expect(w.find('[data-test="path"] li.hb').text()).toContain('host bridge crossed')
  })
})
