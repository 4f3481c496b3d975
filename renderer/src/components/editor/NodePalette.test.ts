import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import NodePalette from './NodePalette.vue'
import { PALETTE } from './palette'
import { applyEdits, emptyMachine } from '../../../../electron/engine/topology/edit'
import { DEFAULT_SETTINGS, type MachineSpec } from '../../../../shared/model/topology'

function add(spec: MachineSpec, key: string, parent: string | null): MachineSpec {
  const item = PALETTE.find((p) => p.key === key)!
  const r = applyEdits(spec, item.ops(parent, new Set(spec.nodes.map((n) => n.id))), DEFAULT_SETTINGS)
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  return r.spec
}

describe('NodePalette', () => {
  it('offers every item as a draggable, keyboard-reachable button and emits add on click', async () => {
    const w = mount(NodePalette)
    const tiles = w.findAll('[data-palette]')
    expect(tiles.map((t) => t.attributes('data-palette'))).toEqual([
      'host_bridge',
      'root_port',
      'switch',
      'gpu',
      'rnic',
      'nvme',
      'generic',
    ])
    for (const t of tiles) {
      expect(t.element.tagName).toBe('BUTTON')
      expect(t.attributes('draggable')).toBe('true')
      expect(t.attributes('title')).toBeTruthy()
    }
    await tiles[2]!.trigger('click')
    expect(w.emitted('add')).toEqual([['switch']])
  })

  it('builds a valid machine the engine accepts, with fresh ids', () => {
    let m = emptyMachine()
    m = add(m, 'root_port', 'hb0')
    m = add(m, 'switch', 'rp0')
    m = add(m, 'gpu', 'usp0_dsp0')
    m = add(m, 'rnic', 'usp0_dsp1')
    m = add(m, 'nvme', 'usp0_dsp2')
    m = add(m, 'generic', 'usp0_dsp3')
    m = add(m, 'host_bridge', null)
    const ids = m.nodes.map((n) => n.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toContain('usp0_dsp3')
    expect(m.nodes.filter((n) => n.kind === 'switch_downstream')).toHaveLength(4)
    expect(m.nodes.filter((n) => n.kind === 'host_bridge').map((n) => n.host?.hostDevice?.device)).toEqual([
      0x2020, 0x2020,
    ])
    const ops = PALETTE.find((p) => p.key === 'switch')!.ops('rp0', new Set(['usp0', 'usp0_dsp0']))
    expect(ops[0]).toMatchObject({ op: 'addNode', id: 'usp1', kind: 'switch_upstream', parent: 'rp0' })
    expect(ops.slice(1).every((o) => o.op === 'addNode' && o.parent === 'usp1')).toBe(true)
  })
})
