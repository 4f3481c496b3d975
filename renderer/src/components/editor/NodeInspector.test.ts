import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import NodeInspector from './NodeInspector.vue'
import { CPU_PRESETS } from '../../../../electron/engine/index'
import type { EditOp } from '../../../../shared/model/edit'
import type { TopoNodeSpec } from '../../../../shared/model/topology'

const DSP: TopoNodeSpec = {
  id: 'dsp0',
  kind: 'switch_downstream',
  parent: 'usp',
  label: 'PEX downstream 0',
  vendor: 0x10b5,
  device: 0x8747,
  acs: { cap: ['SV', 'RR', 'CR', 'UF'], ctrl: [] },
}
const GPU: TopoNodeSpec = {
  id: 'gpu0',
  kind: 'endpoint',
  parent: 'dsp0',
  label: 'V100',
  endpoint: {
    type: 'gpu',
    p2pmemBar: 1,
    bars: [
      { index: 0, size: 16 * 1024 * 1024 },
      { index: 1, size: 32 * 1024 ** 3, mem64: true, prefetch: true },
    ],
  },
}
const HB: TopoNodeSpec = {
  id: 'hb0',
  kind: 'host_bridge',
  parent: null,
  host: { domain: 0, rootBus: 0, numaNode: 0, hostDevice: { vendor: 0x8086, device: 0x2020 } },
}

function ops(w: ReturnType<typeof mount>): EditOp[] {
  return (w.emitted('edit') ?? []).map((e) => e[0] as EditOp)
}
function inspector(spec: TopoNodeSpec | null, cpu: null | { vendor: 'amd'; family: number } = null) {
  return mount(NodeInspector, { props: { spec, view: null, cpu, cpuPresets: [...CPU_PRESETS] } })
}

describe('NodeInspector', () => {
  it('toggles ACS control bits as updateNode ops keeping the capability', async () => {
    const w = inspector(DSP)
    await w.get('[data-acs="ctrl-RR"]').setValue(true)
    expect(ops(w)).toEqual([
      { op: 'updateNode', id: 'dsp0', patch: { acs: { cap: ['SV', 'RR', 'CR', 'UF'], ctrl: ['RR'] } } },
    ])
    await w.get('[data-acs="cap-EC"]').setValue(true)
    expect(ops(w)[1]).toEqual({
      op: 'updateNode',
      id: 'dsp0',
      patch: { acs: { cap: ['SV', 'RR', 'CR', 'UF', 'EC'], ctrl: [] } },
    })
    await w.get('[data-field="acs-present"]').setValue(false)
    expect(ops(w)[2]).toEqual({ op: 'updateNode', id: 'dsp0', patch: { acs: null } })
  })

  it('edits label, ids, class and slot; empty clears', async () => {
    const w = inspector(DSP)
    await w.get('[data-field="label"]').setValue('Port A')
    await w.get('[data-field="vendor"]').setValue('1000')
    await w.get('[data-field="classCode"]').setValue('060400')
    await w.get('[data-field="slot"]').setValue('3')
    await w.get('[data-field="label"]').setValue('')
    expect(ops(w)).toEqual([
      { op: 'updateNode', id: 'dsp0', patch: { label: 'Port A' } },
      { op: 'updateNode', id: 'dsp0', patch: { vendor: 0x1000 } },
      { op: 'updateNode', id: 'dsp0', patch: { classCode: 0x060400 } },
      { op: 'updateNode', id: 'dsp0', patch: { slot: 3 } },
      { op: 'updateNode', id: 'dsp0', patch: { label: null } },
    ])
  })

  it('refuses a malformed hex id in place, emitting nothing', async () => {
    const w = inspector(DSP)
    await w.get('[data-field="device"]').setValue('zz')
    expect(ops(w)).toEqual([])
  })

  it('edits BARs with units, flags, add and remove, and the p2pmem BAR', async () => {
    const w = inspector(GPU)
    const rows = w.findAll('.bar-row')
    expect(rows).toHaveLength(2)
    expect((rows[1]!.get('[data-field="bar-size"]').element as HTMLInputElement).value).toBe('32')
    expect((rows[1]!.get('[data-field="bar-unit"]').element as HTMLSelectElement).value).toBe('GiB')
    await rows[1]!.get('[data-field="bar-unit"]').setValue('MiB')
    expect(ops(w)[0]).toEqual({
      op: 'updateNode',
      id: 'gpu0',
      patch: {
        endpoint: {
          bars: [
            { index: 0, size: 16 * 1024 * 1024 },
            { index: 1, size: 32 * 1024 * 1024, mem64: true, prefetch: true },
          ],
        },
      },
    })
    await rows[0]!.get('[aria-label="BAR 0 prefetchable"]').setValue(true)
    expect(ops(w)[1]).toMatchObject({
      patch: { endpoint: { bars: [{ index: 0, prefetch: true }, { index: 1 }] } },
    })
    await w.get('[data-test="add-bar"]').trigger('click')
    expect(ops(w)[2]).toMatchObject({
      patch: { endpoint: { bars: [{}, {}, { index: 3, size: 1024 * 1024 }] } },
    })
    await rows[0]!.get('[aria-label="Remove BAR 0"]').trigger('click')
    expect(ops(w)[3]).toMatchObject({ patch: { endpoint: { bars: [{ index: 1 }] } } })
    await w.get('[data-field="p2pmemBar"]').setValue('')
    expect(ops(w)[4]).toEqual({ op: 'updateNode', id: 'gpu0', patch: { endpoint: { p2pmemBar: null } } })
    await w.get('[data-field="type"]').setValue('accelerator')
    expect(ops(w)[5]).toEqual({ op: 'updateNode', id: 'gpu0', patch: { endpoint: { type: 'accelerator' } } })
  })

  it('edits host bridge fields and the CPU', async () => {
    const w = inspector(HB)
    expect(w.find('[data-acs="cap-RR"]').exists()).toBe(false)
    await w.get('[data-field="numaNode"]').setValue('1')
    await w.get('[data-field="hostDevice"]').setValue('1022:1480')
    await w.get('[data-field="rootBus"]').setValue('80')
    await w.get('[data-field="cpu-vendor"]').setValue('amd')
    expect(ops(w)).toEqual([
      { op: 'updateNode', id: 'hb0', patch: { host: { numaNode: 1 } } },
      { op: 'updateNode', id: 'hb0', patch: { host: { hostDevice: { vendor: 0x1022, device: 0x1480 } } } },
      { op: 'updateNode', id: 'hb0', patch: { host: { rootBus: 0x80 } } },
      { op: 'setCpu', cpu: { vendor: 'amd', family: 0x17 } },
    ])
    const amd = inspector(null, { vendor: 'amd', family: 0x17 })
    await amd.get('[data-field="cpu-family"]').setValue('0x19')
    expect(ops(amd)).toEqual([{ op: 'setCpu', cpu: { vendor: 'amd', family: 0x19 } }])
    await amd.get('[data-field="cpu-vendor"]').setValue('auto')
    expect(ops(amd)[1]).toEqual({ op: 'setCpu', cpu: null })
    // a vendor starts at the family of its first preset (the engine's list, app.info cpus)
    await amd.get('[data-field="cpu-vendor"]').setValue('hygon')
    expect(ops(amd)[2]).toEqual({ op: 'setCpu', cpu: { vendor: 'hygon', family: 0x18 } })
  })
})
