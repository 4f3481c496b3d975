import { describe, expect, it } from 'vitest'
import { fnv1a, hashWord, maskDeep, maskWords } from './mask'
import { MASK } from './protocol'

describe('masking the words of an open exercise', () => {
  const salt = '5eed'
  const set = (...w: string[]) => new Set(w.map((x) => hashWord(salt, x)))

  it('hashes with FNV-1a (32 bits) and the salt', () => {
    expect(fnv1a('')).toBe('811c9dc5')
    expect(fnv1a('a')).toBe('e40c292c')
    expect(hashWord('x', 'EFAULT')).not.toBe(hashWord('y', 'EFAULT'))
  })

  it('masks whole words, and words ending in _WORD, nothing else', () => {
    const h = set('EFAULT', 'BUS_ADDR', 'check_vma_flags')
    expect(maskWords('ret -EFAULT (-14), EFAULTS, XEFAULT', salt, h)).toBe(
      `ret -${MASK} (-${MASK}), EFAULTS, XEFAULT`,
    )
    expect(maskWords('PCI_P2PDMA_MAP_BUS_ADDR and SG_DMA_BUS_ADDRESS', salt, h)).toBe(
      `${MASK} and SG_DMA_BUS_ADDRESS`,
    )
    expect(maskWords('check_vma_flags() refused; my_check_vma_flags_x', salt, h)).toBe(
      `${MASK}() refused; my_check_vma_flags_x`,
    )
    expect(maskWords('EFAULT', salt, new Set())).toBe('EFAULT')
  })

  it("masks a masked errno's number and strerror text too, and only that errno's", () => {
    const h = set('EFAULT')
    expect(maskWords('get_user_pages_fast = -14; returned -14 (Bad address)', salt, h)).toBe(
      `get_user_pages_fast = -${MASK}; returned -${MASK} (${MASK})`,
    )
    // other numbers stay: a length of 14, -140, 0x-14 style parts of words, another errno's -22
    expect(maskWords('14 pages, -140, x-14, -22 (Invalid argument)', salt, h)).toBe(
      '14 pages, -140, x-14, -22 (Invalid argument)',
    )
    expect(maskWords('-14', salt, set('BUS_ADDR'))).toBe('-14')
  })

  it('masks every string of a view, keeping its shape', () => {
    const view = { a: ['-EFAULT', { b: 'EFAULT here', n: 14 }], c: null, d: true }
    expect(maskDeep(view, salt, set('EFAULT'))).toEqual({
      a: [`-${MASK}`, { b: `${MASK} here`, n: 14 }],
      c: null,
      d: true,
    })
  })
})
