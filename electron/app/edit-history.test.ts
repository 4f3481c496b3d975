/** EditHistory: undo/redo stacks that belong to one value of a part of the lab. */
import { describe, expect, it } from 'vitest'
import { EditHistory } from './edit-history'

const v = (name: string) => ({ name })

describe('EditHistory', () => {
  it('undoes and redoes edits in order; a new edit drops the redo stack', () => {
    const h = new EditHistory<{ name: string }>(10)
    const [a, b, c, d] = [v('a'), v('b'), v('c'), v('d')]
    h.edited(a, b)
    h.edited(b, c)
    expect(h.can('undo', c)).toBe(true)
    expect(h.can('redo', c)).toBe(false)
    expect(h.next('undo', c)).toBe(b)
    h.travelled('undo', c, b)
    expect(h.next('redo', b)).toBe(c)
    expect(h.can('redo', b)).toBe(true)
    h.edited(b, d)
    expect(h.can('redo', d)).toBe(false)
    expect(h.next('undo', d)).toBe(b)
  })

  it('a change made some other way (not the head) starts a fresh history', () => {
    const h = new EditHistory<{ name: string }>(10)
    const [a, b, other] = [v('a'), v('b'), v('other')]
    h.edited(a, b)
    expect(h.can('undo', other)).toBe(false)
    expect(h.next('undo', other)).toBeUndefined()
    // dropped for good: the old head does not bring the stacks back
    expect(h.can('undo', b)).toBe(false)
  })

  it('keeps at most `limit` undo steps, the newest', () => {
    const h = new EditHistory<number>(3)
    for (let i = 0; i < 5; i++) h.edited(i, i + 1)
    const undone: number[] = []
    for (let cur = 5; ;) {
      const prev = h.next('undo', cur)
      if (prev === undefined) break
      h.travelled('undo', cur, prev)
      undone.push(prev)
      cur = prev
    }
    expect(undone).toEqual([4, 3, 2])
  })
})
