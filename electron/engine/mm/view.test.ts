import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../../shared/model/topology'
import { runScenario, scenarioMachine } from '../scenario/runner'
import type { Scenario } from '../scenario/schema'
import { t1 } from '../../../tests/helpers/topologies'
import { worldView } from './view'

describe('worldView', () => {
  it('is JSON-safe and shows the p2pmem mapping, its pages and the /proc/iomem ranges', () => {
    const sc: Scenario = {
      name: 'view',
      era: 'v6.12',
      operations: [
        { op: 'p2pdma_add_resource', args: { dev: 'gpu0', bar: 1 } },
        { op: 'mmap_p2pmem', args: { dev: 'gpu0', len: '2M', as: 'buf' } },
        { op: 'pci_p2pdma_distance', args: { provider: 'gpu0', client: 'nic0' } },
      ],
    }
    const r = runScenario(scenarioMachine(t1(), DEFAULT_SETTINGS, sc), sc)
    const v = worldView(r.kernel.machine, r.timeline.world)
    expect(JSON.parse(JSON.stringify(v))).toEqual(v)
    expect(v.vmas[0]!.vm_flags).toContain('VM_MIXEDMAP')
    expect(v.p2pmem[0]).toMatchObject({
      bdf: '0000:03:00.0',
      size: String(16 * 2 ** 30),
      available: String(16 * 2 ** 30 - 2 * 2 ** 20),
      map_types: { '0000:04:00.0': 'BUS_ADDR' },
    })
    expect(v.pages.map((p) => [p.type, p.refcount])).toEqual([
      ['MEMORY_DEVICE_PCI_P2PDMA', 1],
      ['MEMORY_DEVICE_PCI_P2PDMA', 0],
    ])
    expect(v.iomem.find((x) => x.kind === 'zone_device')).toMatchObject({
      start: '0x3800000000',
      end: '0x3bffffffff',
    })
    expect(v.vars.buf).toMatch(/^buffer 0x7f0000000000/)
  })
})
