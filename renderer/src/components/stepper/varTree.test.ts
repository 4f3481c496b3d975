import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { preview, treeKey, valueNode, visibleRows } from './varTree'
import VarTree from './VarTree.vue'

const SGT = { id: 'sgt0', nents: 2, mappedFor: null, sgl: [{ page: 'pfn 0x10', length: 4096 }] }

describe('the variables tree model', () => {
  it('previews objects and arrays on one line, as a debugger does', () => {
    expect(preview(SGT)).toBe('{id: sgt0, nents: 2, mappedFor: —, sgl: [1]}')
    expect(preview(['VM_IO', 'VM_PFNMAP'])).toBe('[VM_IO, VM_PFNMAP]')
    expect(preview([])).toBe('[]')
    expect(preview({ a: 'x'.repeat(200) }).length).toBeLessThanOrEqual(72)
  })

  it('turns a value into named nodes with children for objects and arrays, changed fields marked', () => {
    const n = valueNode('sgts', 'sgt0', SGT, new Set(['nents']))
    expect(n.children!.map((c) => [c.name, c.value, c.changed ?? false])).toEqual([
      ['id', 'sgt0', false],
      ['nents', '2', true],
      ['mappedFor', '—', false],
      ['sgl', '[{…}]', false],
    ])
    const sgl = n.children![3]!
    expect(sgl.children![0]!.name).toBe('[0]')
    expect(sgl.children![0]!.children!.map((c) => c.value)).toEqual(['pfn 0x10', '4096'])
  })

  it('shows only the children of expanded nodes, with ARIA levels and positions', () => {
    const n = valueNode('sgts', 'sgt0', SGT)
    expect(visibleRows([n], new Set()).map((r) => r.node.name)).toEqual(['sgt0'])
    const rows = visibleRows([n], new Set([n.id, `${n.id}/sgl`]))
    expect(rows.map((r) => `${r.level}:${r.node.name}:${r.posinset}/${r.setsize}`)).toEqual([
      '1:sgt0:1/1',
      '2:id:1/4',
      '2:nents:2/4',
      '2:mappedFor:3/4',
      '2:sgl:4/4',
      '3:[0]:1/1',
    ])
    expect(rows[0]!.expanded).toBe(true)
    expect(rows[1]!.expanded).toBeUndefined()
    expect(rows[5]!.expanded).toBe(false)
  })

  it('moves like the WAI-ARIA tree pattern', () => {
    const n = valueNode('p', 'sgt0', SGT)
    const closed = visibleRows([n], new Set())
    expect(treeKey(closed, n.id, 'ArrowRight')).toEqual({ kind: 'expand', id: n.id })
    expect(treeKey(closed, n.id, 'Enter')).toEqual({ kind: 'toggle', id: n.id })
    const open = visibleRows([n], new Set([n.id]))
    expect(treeKey(open, n.id, 'ArrowRight')).toEqual({ kind: 'focus', id: `${n.id}/id` })
    expect(treeKey(open, `${n.id}/nents`, 'ArrowLeft')).toEqual({ kind: 'focus', id: n.id })
    expect(treeKey(open, n.id, 'ArrowLeft')).toEqual({ kind: 'collapse', id: n.id })
    expect(treeKey(open, n.id, 'End')).toEqual({ kind: 'focus', id: `${n.id}/sgl` })
    expect(treeKey(open, `${n.id}/sgl`, 'Home')).toEqual({ kind: 'focus', id: n.id })
    expect(treeKey(open, `${n.id}/sgl`, 'ArrowDown')).toBeNull()
    expect(treeKey(open, `${n.id}/id`, 'Enter')).toBeNull()
  })
})

describe('VarTree', () => {
  it('is one Tab stop and expands with the keyboard', async () => {
    const nodes = [valueNode('p', 'a', { x: 1 }), valueNode('p', 'b', { y: 2 })]
    const w = mount(VarTree, { props: { nodes, label: 'Things', expanded: new Set<string>() } })
    const rows = () => w.findAll('[role="treeitem"]')
    expect(rows().map((r) => r.attributes('tabindex'))).toEqual(['0', '-1'])
    expect(rows()[0]!.attributes('aria-expanded')).toBe('false')
    await rows()[0]!.trigger('keydown', { key: 'ArrowRight' })
    const next = w.emitted('update:expanded')![0]![0] as Set<string>
    expect([...next]).toEqual(['p/a'])
    await w.setProps({ expanded: next })
    expect(rows().map((r) => r.text())).toEqual(['▾a{x: 1}', 'x1', '▸b{y: 2}'])
  })
})
