import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import P2pMatrix from './P2pMatrix.vue'
import { useSelectionStore } from '../stores/selection'
import { useLabStore } from '../stores/lab'
import { useMatrixStore } from '../stores/matrix'
import { GPU0, GPU1, NIC, NODES, PAIRS, fakeCells, makeView, type FakeLab } from '../testing/fake-lab'
import { setup } from '../testing/setup-helpers'
import type { LabView, TopoNodeView } from '../../../shared/ipc/contract'

/** Mounts the matrix on `view`; `before` may change the fake engine first. */
async function mountMatrix(view?: LabView, before?: (fake: FakeLab) => void) {
  const { pinia, fake } = await setup(view)
  before?.(fake)
  const w = mount(P2pMatrix, { global: { plugins: [pinia] }, attachTo: document.body })
  await flushPromises()
  return { w, fake }
}
/** The fake lab's view with matrix fields replaced (`patch` sees the default matrix). */
function viewWithMatrix(
  revision: number,
  patch: (m: LabView['matrix']) => Partial<LabView['matrix']>,
  rest: Partial<LabView> = {},
): LabView {
  const base = makeView().matrix
  return makeView(revision, { ...rest, matrix: { ...base, ...patch(base) } })
}
const cellSel = (p: string, c: string) => `button.cell[data-provider="${p}"][data-client="${c}"]`

describe('P2pMatrix', () => {
  it('renders one cell per provider × client with the map type class, abbreviation and distance', async () => {
    const { w, fake } = await mountMatrix()
    const cells = w.findAll('button.cell')
    expect(cells).toHaveLength(2 * 3)
    expect(fake.api.invoke['p2p.cells']).toHaveBeenCalled()
    const abbr = { BUS_ADDR: 'BUS', THRU_HOST_BRIDGE: 'HOST', NOT_SUPPORTED: '✗' } as Record<string, string>
    for (const v of PAIRS) {
      const cell = w.get(cellSel(v.provider, v.client))
      expect(cell.classes()).toContain(`map-${v.mapType}`)
      expect(cell.get('.cell-main').text()).toBe(abbr[v.mapType])
      expect(cell.get('.cell-dist').text()).toBe(String(v.distance))
    }
    // headers carry the device's name and BDF
    const rowHeads = w.findAll('[role="rowheader"]')
    expect(rowHeads.map((h) => h.get('.head-label').text())).toEqual(['Tesla V100', 'Tesla V100 #2'])
    expect(rowHeads.map((h) => h.get('.head-bdf').text())[0]).toMatch(/^03:00\.0\s+nvml0$/)
    expect(w.findAll('[role="columnheader"]')[3]!.text()).toContain('ConnectX-5')
    w.unmount()
  })

  it('"Text" asks the engine for the filtered matrix as text', async () => {
    const { w, fake } = await mountMatrix()
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    await w.get('[data-test="matrix-text"]').trigger('click')
    await flushPromises()
    const req = vi.mocked(fake.api.invoke['p2p.text']).mock.calls[0]![0] as {
      providers: string[]
      clients: string[]
    }
    expect(req.providers.length).toBeGreaterThan(0)
    expect(req.clients.length).toBeGreaterThan(0)
    expect(w.get('[data-test="matrix-text-status"]').text()).toMatch(/fake\.p2p\.txt/)
    w.unmount()
  })

  it('selects the pair when a cell is clicked', async () => {
    const { w } = await mountMatrix()
    const cell = w.get(cellSel(GPU0, NIC))
    await cell.trigger('click')
    expect(useSelectionStore().selectedPair).toEqual({ provider: GPU0, client: NIC })
    expect(cell.classes()).toContain('selected')
    expect(cell.attributes('aria-selected')).toBe('true')
    w.unmount()
  })

  it('is an ARIA grid with one Tab stop that arrow keys move', async () => {
    const { w } = await mountMatrix()
    const grid = w.get('[role="grid"]')
    expect(grid.attributes('aria-rowcount')).toBe('3')
    expect(grid.attributes('aria-colcount')).toBe('4')
    const tabStops = () => w.findAll('[tabindex="0"]')
    expect(tabStops()).toHaveLength(1)
    expect(tabStops()[0]!.attributes('data-r')).toBe('0')
    expect(tabStops()[0]!.attributes('data-c')).toBe('0')
    ;(tabStops()[0]!.element as HTMLElement).focus()
    await grid.trigger('keydown', { key: 'ArrowRight' })
    await flushPromises()
    await grid.trigger('keydown', { key: 'ArrowDown' })
    await flushPromises()
    expect(tabStops()).toHaveLength(1)
    expect(document.activeElement?.getAttribute('data-r')).toBe('1')
    expect(document.activeElement?.getAttribute('data-c')).toBe('1')
    await grid.trigger('keydown', { key: 'End' })
    await flushPromises()
    expect(document.activeElement?.getAttribute('data-c')).toBe('2')
    await grid.trigger('keydown', { key: 'Enter' })
    expect(useSelectionStore().selectedPair).toEqual({ provider: GPU1, client: NIC })
    w.unmount()
  })

  it('shows the raw upstream_bridge_distance() value in v5.x eras and the nvidia-smi level on demand', async () => {
    const view = viewWithMatrix(1, (m) => ({
      era: 'v5.0',
      distanceIsReturnValue: true,
      pairs: m.pairs.map((p) => (p.client === NIC ? { ...p, distance: -1 } : p)),
    }))
    const { w } = await mountMatrix(view)
    expect(w.get(`${cellSel(GPU1, NIC)} .cell-main`).text()).toBe('-1')
    expect(w.get(`${cellSel(GPU1, GPU0)} .cell-main`).text()).toBe('4')
    expect(w.find('.cell-smi').exists()).toBe(false)
    await w.get('[data-test="smi-toggle"]').setValue(true)
    expect(w.get(`${cellSel(GPU0, NIC)} .cell-smi`).text()).toBe('SYS')
    w.unmount()
  })

  it('filters by class, NUMA node and search, and groups by switch with collapsible groups', async () => {
    const { w } = await mountMatrix()
    await w.get('[data-test="class-nic"]').trigger('click')
    expect(w.findAll('[role="columnheader"]').map((h) => h.text())).not.toContain('ConnectX-5')
    await w.get('[data-test="class-nic"]').trigger('click')
    await w.get('[data-test="filter-numa"]').setValue('1')
    await flushPromises()
    expect(w.text()).toContain('No device matches the filter')
    await w.get('[data-test="filter-numa"]').setValue('')
    await w.get('[data-test="matrix-search"]').setValue('mlx5')
    await flushPromises()
    expect(w.findAll('button.cell')).toHaveLength(0) // NIC has no memory BAR here: no row matches
    await w.get('[data-test="matrix-search"]').setValue('03:00')
    await flushPromises()
    expect(w.findAll('button.cell')).toHaveLength(1)
    await w.get('[data-test="matrix-search"]').setValue('')
    await w.get('[data-test="group-by"]').setValue('switch')
    await flushPromises()
    const groups = w.findAll('[data-group]')
    expect(groups.map((g) => g.attributes('aria-expanded'))).toEqual(['true', 'true'])
    expect(groups[0]!.text()).toContain('switch 01:00.0')
    await groups[0]!.trigger('click')
    await flushPromises()
    expect(w.findAll('button.cell[data-provider="' + GPU0 + '"]')).toHaveLength(0)
    expect(w.get('[data-group]').attributes('aria-expanded')).toBe('false')
    w.unmount()
  })

  it('marks the cells the last settings change changed', async () => {
    const view = viewWithMatrix(2, (m) => ({
      lastChange: { what: 'era v6.12 → v5.0', revision: 2 },
      summary: { ...m.summary, revision: 2, changed: 1 },
    }))
    const { w, fake } = await mountMatrix(view, (fake) => {
      fake.api.invoke['p2p.cells'] = (req) =>
        Promise.resolve({
          ok: true as const,
          value: {
            revision: 2,
            cells: fakeCells(view, req.providers, req.clients).map((c) =>
              c.provider === GPU0 && c.client === NIC ? { ...c, changed: true, before: 'BUS_ADDR' } : c,
            ),
          },
        })
    })
    expect(fake).toBeTruthy()
    expect(w.findAll('button.cell.changed').map((c) => c.attributes('data-client'))).toEqual([NIC])
    expect(w.get(cellSel(GPU0, NIC)).attributes('title')).toContain(
      'changed by era v6.12 → v5.0 (was BUS_ADDR)',
    )
    expect(w.get('[data-test="matrix-changed"]').text()).toContain('1 changed by era v6.12 → v5.0')
    w.unmount()
  })

  it('renders and asks for only a window of a very large matrix', async () => {
    const bdf = (i: number) =>
      `0000:${(i >> 3).toString(16).padStart(2, '0')}:${(i & 7).toString(16).padStart(2, '0')}.0`
    const many = Array.from({ length: 300 }, (_, i) => bdf(i))
    const nodes: TopoNodeView[] = [
      NODES[0]!,
      ...many.map((b, i) => ({ ...NODES.find((n) => n.id === 'gpu0')!, id: `g${i}`, bdf: b, parent: 'hb0' })),
    ]
    const { w, fake } = await mountMatrix(
      viewWithMatrix(1, () => ({ providers: many, clients: many, pairs: [], pairsOmitted: true }), { nodes }),
    )
    const n = w.findAll('button.cell').length
    expect(n).toBeGreaterThan(0)
    expect(n).toBeLessThan((300 * 300) / 10)
    const asked = (
      fake.api.invoke['p2p.cells'] as unknown as {
        mock: { calls: [{ providers: string[]; clients: string[] }][] }
      }
    ).mock.calls
    const cellsAsked = asked.reduce((a, [r]) => a + r.providers.length * r.clients.length, 0)
    expect(cellsAsked).toBeLessThan((300 * 300) / 10)
    expect(useLabStore().view?.matrix.providers).toHaveLength(300)
    expect(useMatrixStore().filter.classes).toEqual(['gpu', 'nic', 'nvme'])
    w.unmount()
  })
})
