import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import AddressMapView from './AddressMapView.vue'
import type { AddressMapView as Map } from '../../../shared/model/addressmap'
import { setup } from '../testing/setup-helpers'

const MAP: Map = {
  iomem: [
    {
      start: '0xc0000000',
      end: '0xc0ffffff',
      size: 16 * 1024 * 1024,
      name: 'PCI Bus 0000:00 (hb)',
      kind: 'host_window',
      owner: 'hb0',
      bdf: null,
      flags: [],
      children: [
        {
          start: '0xc0000000',
          end: '0xc00fffff',
          size: 1024 * 1024,
          name: '0000:00:01.0 Root port window (bus 01-01)',
          kind: 'bridge_window',
          owner: 'rp0',
          bdf: '0000:00:01.0',
          flags: [],
          children: [
            {
              start: '0xc0000000',
              end: '0xc0003fff',
              size: 16384,
              name: '0000:01:00.0 BAR0 NVMe',
              kind: 'bar',
              owner: 'ep',
              bdf: '0000:01:00.0',
              flags: ['64bit'],
              children: [],
            },
          ],
        },
      ],
    },
    {
      start: '0x100000000',
      end: '0x10fffffff',
      size: 4 * 1024 ** 3,
      name: 'System RAM',
      kind: 'ram',
      owner: null,
      bdf: null,
      flags: [],
      children: [],
    },
  ],
  ioports: [],
  dma: [
    {
      id: 'ep',
      bdf: '0000:01:00.0',
      label: 'NVMe',
      mode: 'direct',
      busOffset: '0x0',
      hostBridge: 'hb0',
      summary: 'dma-direct',
      bars: [{ index: 0, cpu: '0xc0000000', bus: '0xc0000000', size: 16384 }],
    },
  ],
  notes: ['a note'],
}

describe('AddressMapView', () => {
  it('nests ranges from the engine, shows human sizes with exact hex on hover, zooms, lists DMA views', async () => {
    const { pinia, fake } = await setup()
    vi.mocked(fake.api.invoke['topology.iomem']).mockImplementation(() =>
      Promise.resolve({ ok: true, value: MAP }),
    )
    const w = mount(AddressMapView, { global: { plugins: [pinia] } })
    await flushPromises()
    const rows = w.findAll('.range')
    expect(rows.map((r) => r.attributes('data-kind'))).toEqual(['host_window', 'bridge_window', 'bar', 'ram'])
    expect(rows[2]!.attributes('aria-level')).toBe('3')
    expect(rows[2]!.text()).toContain('16 KiB')
    expect(rows[2]!.attributes('title')).toBe('0xc0000000-0xc0003fff\n16,384 bytes (16 KiB)\n64bit')
    await rows[0]!.get('button.zoom').trigger('click')
    expect(w.findAll('.range').map((r) => r.attributes('data-kind'))).toEqual(['bridge_window', 'bar'])
    expect(w.find('.crumbs').text()).toContain('PCI Bus 0000:00')
    expect(w.get('[data-dma-mode="direct"]').text()).toContain('0xc0000000')
  })
})
