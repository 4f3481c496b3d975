import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import TheHeader from './TheHeader.vue'
import { useLabStore } from '../stores/lab'
import { setup } from '../testing/setup-helpers'
import { useEditorStore } from '../stores/editor'
import { useTimelineStore } from '../stores/timeline'
import { stepperView } from '../testing/stepper-fixtures'

describe('TheHeader', () => {
  it('shows the lab name and the era labels from app.info', async () => {
    const { pinia } = await setup()
    const w = mount(TheHeader, { global: { plugins: [pinia] } })
    expect(w.get('[data-test="lab-name"]').text()).toBe('Fake lab')
    const options = w.findAll('[data-test="era"] option')
    expect(options.map((o) => o.text())).toContain('Linux v5.0')
    expect((w.get('[data-test="era"]').element as HTMLSelectElement).value).toBe('v6.12')
    expect(w.get('[data-test="cpu"]').text()).toContain('(inferred)')
    // the CPU menu is the engine's preset list (app.info cpus), not a list of the renderer's own
    const cpus = w.findAll('[data-test="cpu"] option').map((o) => o.attributes('value'))
    expect(cpus).toEqual(['inferred', 'amd-zen', 'amd-zen3', 'amd-fam16', 'hygon', 'intel', 'other'])
  })

  it('changing the era calls lab.setSettings({ era })', async () => {
    const { pinia, fake } = await setup()
    const w = mount(TheHeader, { global: { plugins: [pinia] } })
    await w.get('[data-test="era"]').setValue('v5.0')
    await flushPromises()
    expect(fake.api.invoke['lab.setSettings']).toHaveBeenCalledWith({ era: 'v5.0' })
    expect(useLabStore().view?.lab.settings.era).toBe('v5.0')
  })

  it("in the Stepper, names the era the scenario runs in, not the lab's", async () => {
    const { pinia } = await setup()
    const w = mount(TheHeader, { global: { plugins: [pinia] } })
    const timeline = useTimelineStore()
    const v = stepperView()
    timeline.view = { ...v, scenario: { ...v.scenario, era: 'v5.0' } }
    await flushPromises()
    // on the topology tab the header is the lab's settings
    expect(w.find('[data-test="run-era"]').exists()).toBe(false)
    useEditorStore().tab = 'stepper'
    await flushPromises()
    expect(w.get('[data-test="run-era-label"]').text()).toBe('Linux v5.0')
    expect(w.get('[data-test="run-era"]').text()).toContain('lab: v6.12')
    expect(w.find('[data-test="era"]').exists()).toBe(false)
    // a scenario in the lab's own era: the usual select
    timeline.view = { ...v, scenario: { ...v.scenario, era: 'v6.12' } }
    await flushPromises()
    expect(w.find('[data-test="run-era"]').exists()).toBe(false)
    expect((w.get('[data-test="era"]').element as HTMLSelectElement).value).toBe('v6.12')
  })

  it('toggles the IOMMU, picks a CPU and applies disable_acs_redir on Enter', async () => {
    const { pinia, fake } = await setup()
    const w = mount(TheHeader, { global: { plugins: [pinia] } })
    const set = fake.api.invoke['lab.setSettings']
    await w.get('[data-test="iommu"]').setValue(true)
    expect(set).toHaveBeenCalledWith({ iommu: true })
    await w.get('[data-test="cpu"]').setValue('amd-zen3')
    expect(set).toHaveBeenCalledWith({
      cpu: { vendor: 'amd', family: 0x19, name: 'AMD Zen 3/4 (family 0x19)' },
    })
    await w.get('[data-test="cpu"]').setValue('inferred')
    expect(set).toHaveBeenCalledWith({ cpu: null })
    const acs = w.get('[data-test="acs-redir"]')
    await acs.setValue('0000:02:00.0')
    expect(set).not.toHaveBeenCalledWith({ disableAcsRedir: '0000:02:00.0' })
    await acs.trigger('keydown', { key: 'Enter' })
    expect(set).toHaveBeenCalledWith({ disableAcsRedir: '0000:02:00.0' })
  })

  it('offers "This machine" only where the host can read its sysfs, and imports through lab.importThisMachine', async () => {
    const { pinia, fake } = await setup()
    const w = mount(TheHeader, { global: { plugins: [pinia] } })
    expect(w.find('[data-test="this-machine"]').exists()).toBe(false)
    useLabStore().info = { ...useLabStore().info!, thisMachine: true }
    await flushPromises()
    await w.get('[data-test="this-machine"]').trigger('click')
    await flushPromises()
    expect(fake.api.invoke['lab.importThisMachine']).toHaveBeenCalledTimes(1)
  })

  it('imports the chosen file through lab.importText', async () => {
    const { pinia, fake } = await setup()
    const w = mount(TheHeader, { global: { plugins: [pinia] } })
    const input = w.get('[data-test="file-input"]')
    const file = new File(['GPU0\tX\n'], 'box.topo-m.txt', { type: 'text/plain' })
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
    await input.trigger('change')
    await flushPromises()
    expect(fake.api.invoke['lab.importText']).toHaveBeenCalledWith({
      fileName: 'box.topo-m.txt',
      text: 'GPU0\tX\n',
    })
  })
})
