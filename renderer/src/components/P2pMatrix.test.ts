import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import P2pMatrix from './P2pMatrix.vue'
import { useSelectionStore } from '../stores/selection'
import { useLabStore } from '../stores/lab'
import { GPU0, GPU1, NIC, PAIRS, makeView } from '../testing/fake-lab'
import { setup } from '../testing/setup-helpers'

describe('P2pMatrix', () => {
  it('renders one button per provider × client with the map type class, abbreviation and distance', async () => {
    const { pinia } = await setup()
    const w = mount(P2pMatrix, { global: { plugins: [pinia] } })
    const cells = w.findAll('button.cell')
    expect(cells).toHaveLength(2 * 3)
    const abbr = { BUS_ADDR: 'BUS', THRU_HOST_BRIDGE: 'HOST', NOT_SUPPORTED: '✗' } as Record<string, string>
    for (const v of PAIRS) {
      const cell = w.get(`button.cell[data-provider="${v.provider}"][data-client="${v.client}"]`)
      expect(cell.classes()).toContain(`map-${v.mapType}`)
      expect(cell.get('.cell-main').text()).toBe(abbr[v.mapType])
      expect(cell.get('.cell-dist').text()).toBe(String(v.distance))
    }
    // headers carry BDF and label
    const rowHeads = w.findAll('[role="rowheader"]')
    expect(rowHeads.map((h) => h.get('.head-label').text())).toEqual(['Tesla V100', 'Tesla V100 #2'])
    expect(rowHeads.map((h) => h.get('.head-bdf').text())).toEqual(['03:00.0', '04:00.0'])
    expect(w.findAll('[role="columnheader"]')[2]!.text()).toContain('ConnectX-5')
  })

  it('selects the pair when a cell is clicked', async () => {
    const { pinia } = await setup()
    const w = mount(P2pMatrix, { global: { plugins: [pinia] } })
    const cell = w.get(`button.cell[data-provider="${GPU0}"][data-client="${NIC}"]`)
    expect(cell.element.tagName).toBe('BUTTON')
    await cell.trigger('click')
    expect(useSelectionStore().selectedPair).toEqual({ provider: GPU0, client: NIC })
    expect(cell.classes()).toContain('selected')
    expect(cell.attributes('aria-pressed')).toBe('true')
  })

  it('shows the raw upstream_bridge_distance() value in v5.x eras and the nvidia-smi level on demand', async () => {
    const base = makeView()
    const view = makeView(1, {
      matrix: {
        ...base.matrix,
        era: 'v5.0',
        distanceIsReturnValue: true,
        pairs: base.matrix.pairs.map((p) => (p.client === NIC ? { ...p, distance: -1 } : p)),
      },
    })
    const { pinia } = await setup(view)
    const w = mount(P2pMatrix, { global: { plugins: [pinia] } })
    expect(w.get(`button.cell[data-provider="${GPU1}"][data-client="${NIC}"] .cell-main`).text()).toBe('-1')
    expect(w.get(`button.cell[data-provider="${GPU1}"][data-client="${GPU0}"] .cell-main`).text()).toBe('4')
    expect(w.find('.cell-smi').exists()).toBe(false)
    await w.get('[data-test="smi-toggle"]').setValue(true)
    expect(w.get(`button.cell[data-provider="${GPU0}"][data-client="${NIC}"] .cell-smi`).text()).toBe('SYS')
  })

  it('renders only a window of a very large matrix', async () => {
    const bdf = (i: number) =>
      `0000:${(i >> 3).toString(16).padStart(2, '0')}:${(i & 7).toString(16).padStart(2, '0')}.0`
    const many = Array.from({ length: 300 }, (_, i) => bdf(i))
    const base = makeView()
    const { pinia } = await setup(
      makeView(1, { matrix: { ...base.matrix, providers: many, clients: many, pairs: [] } }),
    )
    const w = mount(P2pMatrix, { global: { plugins: [pinia] } })
    await flushPromises()
    const n = w.findAll('button.cell').length
    expect(n).toBeGreaterThan(0)
    expect(n).toBeLessThan((300 * 300) / 10)
    expect(useLabStore().view?.matrix.providers).toHaveLength(300)
  })
})
