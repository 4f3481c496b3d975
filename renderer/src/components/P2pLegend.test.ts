import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import P2pLegend from './P2pLegend.vue'
import { MAP_TYPE_INFO } from '../display/verdict'

describe('P2pLegend', () => {
  it('lists every map type with its abbreviation and meaning', () => {
    const w = mount(P2pLegend)
    const items = w.findAll('[data-map-type]')
    const types = items.map((i) => i.attributes('data-map-type'))
    expect(types.sort()).toEqual(['BUS_ADDR', 'NONE', 'NOT_SUPPORTED', 'THRU_HOST_BRIDGE', 'UNKNOWN'])
    for (const i of items) {
      const t = i.attributes('data-map-type') as keyof typeof MAP_TYPE_INFO
      expect(i.text()).toContain(t)
      expect(i.text()).toContain(MAP_TYPE_INFO[t].abbr)
      expect(i.text()).toContain(MAP_TYPE_INFO[t].short)
      expect(i.attributes('title')).toBe(MAP_TYPE_INFO[t].meaning)
      expect(i.find('.swatch').classes()).toContain(`map-${t}`)
    }
    expect(w.text()).toMatch(/PCI bus addresses/)
    expect(w.text()).toMatch(/allowed host bridge/)
  })

  it('explains the nvidia-smi levels and the raw v5.x values when asked', () => {
    const w = mount(P2pLegend, { props: { showSmi: true, rawEra: true } })
    expect(w.findAll('[data-smi]').map((i) => i.attributes('data-smi'))).toEqual([
      'X',
      'PIX',
      'PXB',
      'PHB',
      'NODE',
      'SYS',
    ])
    expect(w.text()).toContain('upstream_bridge_distance()')
  })
})
