import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import TopologyTree from './TopologyTree.vue'
import ImportSummary from './ImportSummary.vue'
import { useSelectionStore } from '../stores/selection'
import { GPU0, GPU1, makeView } from '../testing/fake-lab'
import { setup } from '../testing/setup-helpers'

describe('TopologyTree', () => {
  it('draws every node with BDF, vendor:device, BARs in human units and ACS flags', async () => {
    const { pinia } = await setup()
    const w = mount(TopologyTree, { global: { plugins: [pinia] } })
    expect(w.findAll('[role="treeitem"]')).toHaveLength(8)
    const hb = w.get('[data-node-id="hb0"]')
    expect(hb.text()).toContain('NUMA 0')
    expect(hb.text()).toContain('8086:2020')
    const gpu = w.get('[data-node-id="gpu0"]')
    expect(gpu.text()).toContain(GPU0)
    expect(gpu.text()).toContain('10de:1db4')
    expect(gpu.text()).toContain('BAR1 32 GiB 64-bit pref')
    expect(gpu.text()).toContain('GPU')
    const dsp = w.get('[data-node-id="dsp0"]')
    expect(dsp.findAll('.flag.redir').map((f) => f.text())).toEqual(['RR'])
    expect(dsp.findAll('.flag:not(.on)').map((f) => f.text())).toEqual(['SV', 'CR'])
  })

  it('"Text" downloads the topology as main writes it (lstopo --of console style)', async () => {
    const { pinia, fake } = await setup()
    const w = mount(TopologyTree, { global: { plugins: [pinia] } })
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    const clicked: string[] = []
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      clicked.push(this.download)
    })
    await w.get('[data-test="topology-text"]').trigger('click')
    await flushPromises()
    expect(fake.api.invoke['topology.text']).toHaveBeenCalledTimes(1)
    expect(clicked).toEqual(['fake.topology.txt'])
    expect(vi.mocked(URL.createObjectURL).mock.calls[0]![0]).toBeInstanceOf(Blob)
    expect(w.get('[data-test="topology-text-status"]').text()).toBe('fake.topology.txt: 1 line')
    click.mockRestore()
    w.unmount()
  })

  it('highlights the path of the selected pair and the common upstream bridge', async () => {
    const { pinia } = await setup()
    const w = mount(TopologyTree, { global: { plugins: [pinia] } })
    useSelectionStore().selectPair(GPU0, GPU1)
    await w.vm.$nextTick()
    const onPath = w.findAll('.row.on-path').map((r) => r.attributes('data-node-id'))
    expect(onPath).toEqual(['usp', 'dsp0', 'dsp1', 'gpu0', 'gpu1'])
    expect(w.get('[data-node-id="usp"]').classes()).toContain('common')
    expect(w.get('[data-node-id="dsp0"]').classes()).toContain('acs-hit')
  })

  it('is keyboard navigable: one tab stop, arrows move, Enter selects', async () => {
    const { pinia } = await setup()
    const w = mount(TopologyTree, { global: { plugins: [pinia] }, attachTo: document.body })
    const rows = w.findAll('[role="treeitem"]')
    expect(rows.filter((r) => r.attributes('tabindex') === '0')).toHaveLength(1)
    await rows[0]!.trigger('keydown', { key: 'ArrowDown' })
    await w.vm.$nextTick()
    expect(w.get('[data-node-id="rp0"]').attributes('tabindex')).toBe('0')
    await w.get('[data-node-id="rp0"]').trigger('keydown', { key: 'Enter' })
    expect(useSelectionStore().selectedNode).toBe('rp0')
    await w.get('[data-node-id="rp0"]').trigger('keydown', { key: 'ArrowLeft' })
    expect(w.findAll('[role="treeitem"]')).toHaveLength(3) // rp0 collapsed: hb0, rp0, nic
    w.unmount()
  })
})

describe('ImportSummary', () => {
  it('shows format, counts, what the format cannot carry and what was assumed, and can be dismissed', async () => {
    const { pinia } = await setup(
      makeView(1, {
        importReport: {
          format: 'nvidia-smi-topo',
          source: 'dgx1.topo-m.txt',
          counts: { gpus: 8, nics: 4 },
          cannotCarry: ['BAR sizes', 'ACS control bits'],
          assumed: ['one PCIe switch per PIX pair'],
          warnings: [],
        },
      }),
    )
    const w = mount(ImportSummary, { global: { plugins: [pinia] } })
    const t = w.get('[data-test="import-summary"]').text()
    expect(t).toContain('nvidia-smi topo -m')
    expect(t).toContain('8 gpus')
    expect(t).toContain('ACS control bits')
    expect(t).toContain('one PCIe switch per PIX pair')
    await w.get('[data-test="dismiss-import"]').trigger('click')
    expect(w.find('[data-test="import-summary"]').exists()).toBe(false)
  })
})
