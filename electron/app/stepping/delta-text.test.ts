import { describe, expect, it } from 'vitest'
import type { Delta } from '../../engine'
import { deltaView, extraTables } from './stepper'

describe('what the state panes say about an object', () => {
  it('an added or removed object reads like a debugger preview, not JSON', () => {
    const d = {
      op: 'set',
      table: 'devptes',
      key: 'gpu0:0x7f0000000000',
      before: null,
      after: { valid: true, pfn: 0x123456n, flags: ['R', 'W'] },
    } as unknown as Delta
    expect(deltaView(d).text).toBe(
      'devptes gpu0:0x7f0000000000 added: {valid: true, pfn: 0x123456, flags: [R, W]}',
    )
    expect(deltaView(d).text).not.toMatch(/[{,]"/)
  })

  it('a table outside the WorldView carries its rows as data for the tree', () => {
    const world = { sys: {}, devptes: { 'gpu0:0x1000': { valid: true, pfn: 0x123456n } } } as never
    const [t] = extraTables(world)
    expect(t!.rows[0]!.value).toEqual({ valid: true, pfn: '0x123456' })
  })
})
