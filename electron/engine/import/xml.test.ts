import { describe, expect, it } from 'vitest'
import { ImportFailure } from './common'
import { parseXml, walkXml } from './xml'

const located = (text: string): ImportFailure => {
  try {
    parseXml(text)
  } catch (e) {
    if (e instanceof ImportFailure) return e
    throw e
  }
  throw new Error('expected a parse error')
}

describe('parseXml', () => {
  it('reads elements, attributes, self-closing tags, entities, CDATA and skips PI/DOCTYPE/comments', () => {
    const doc = parseXml(
      '\uFEFF<?xml version="1.0"?>\n<!DOCTYPE topology SYSTEM "hwloc2.dtd">\n<!-- c1 -->\n<a x="1" y=\'&lt;&#65;&#x42;&amp;\'>\n  <!-- c2 > -- still a comment -->\n  <b/>text<![CDATA[<raw>]]>\n  <c z="q"></c>\n</a>\n<!-- trailing -->',
    )
    expect(doc.comments).toBe(3)
    expect(doc.root.name).toBe('a')
    expect(doc.root.attrs.get('y')).toBe('<AB&')
    expect(doc.root.children.map((c) => c.name)).toEqual(['b', 'c'])
    expect(doc.root.text).toBe('text <raw>')
    expect(doc.root.children[1]).toMatchObject({ line: 7, column: 3 })
  })

  it('a comment never truncates the tree (the hwloc 2.9 bug)', () => {
    const doc = parseXml(
      '<t><o id="1"/><!-- 11 should not be counted --><o id="2"><o id="3"/></o><!--x--><o id="4"/></t>',
    )
    const ids: string[] = []
    walkXml(doc.root, (el) => {
      const id = el.attrs.get('id')
      if (id) ids.push(id)
    })
    expect(ids).toEqual(['1', '2', '3', '4'])
  })

  it('reports located errors', () => {
    expect(located('<a>\n  <b>\n</a>')).toMatchObject({ line: 3, column: 1 })
    expect(located('<a>\n<b x="1" x="2"/></a>').message).toMatch(/duplicate attribute x/)
    expect(located('<a b=c/>').message).toMatch(/must be quoted/)
    expect(located('<a>&nbsp;</a>').message).toMatch(/unknown entity &nbsp;/)
    expect(located('<a>&#0;</a>').message).toMatch(/bad character reference/)
    expect(located('<a/><b/>').message).toMatch(/second root/)
    expect(located('text<a/>').message).toMatch(/text before the root/)
    expect(located('<a><!-- open').message).toMatch(/comment is not closed/)
    expect(located('<a>').message).toMatch(/end of input: <a> opened at 1:1 is not closed/)
    expect(located('').message).toMatch(/no root element/)
  })

  it('reads a tag the same in the canonical spelling (one space, name="value") and in any other', () => {
    // aXb and aYb share a name hash (length, first and last character): the list is searched, and
    // neither is a duplicate.
    const canonical = parseXml('<r><o aXb="1" aYb="2" amp="&lt;x" c=""/></r>').root.children[0]!
    const other = parseXml("<r><o  aXb='1'\taYb = \"2\" amp='&lt;x' c=''/></r>").root.children[0]!
    for (const o of [canonical, other]) {
      expect([o.attrs.get('aXb'), o.attrs.get('aYb'), o.attrs.get('amp'), o.attrs.get('c')]).toEqual([
        '1',
        '2',
        '<x',
        '',
      ])
      expect(o.attrs.size).toBe(4)
    }
  })

  it('which(): the index of the value an attribute has, written plainly or with entities', () => {
    const [plain, escaped, other] = parseXml(
      '<r><o type="PCIDev"/><o type="P&#67;IDev"/><o kind="PCIDev" type="PCIDevice"/></r>',
    ).root.children
    const types = ['Bridge', 'PCIDev']
    expect(plain!.attrs.which('type', types)).toBe(1)
    expect(escaped!.attrs.which('type', types)).toBe(1)
    expect(other!.attrs.which('type', types)).toBe(-1)
    expect(other!.attrs.which('name', types)).toBe(-1)
  })

  it('refuses a duplicate attribute in a canonical tag where the other spelling does', () => {
    // The canonical reading gives the tag up at the duplicate; the reading after it says where.
    for (const tag of ['<o a="1" b="2" a="3"/>', '<o a="1" b="2"  a="3"/>', '<o a="1" b=\'2\' a="3"/>']) {
      const e = located(`<r>\n${tag}</r>`)
      expect(e.message).toBe('XML: duplicate attribute a')
      expect({ line: e.line, column: e.column }).toEqual({ line: 2, column: tag.lastIndexOf('"3"') + 1 })
    }
  })

  it('an end tag is read the same whether or not it is the exact close of the open element', () => {
    // `</b>` closing <b> is taken in place; `</b >`, a longer or a shorter name go the general way.
    expect(parseXml('<a><b></b ><c/></a >').root.children.map((c) => c.name)).toEqual(['b', 'c'])
    const longer = located('<a>\n<b></bc></a>')
    expect(longer.message).toBe('XML: mismatched closing tag </bc>: <b> opened at 2:1 is still open')
    expect({ line: longer.line, column: longer.column }).toEqual({ line: 2, column: 4 })
    expect(located('<ab></a>').message).toBe(
      'XML: mismatched closing tag </a>: <ab> opened at 1:1 is still open',
    )
  })

  it('bounds depth and element count', () => {
    expect(located('<a>'.repeat(300) + '</a>'.repeat(300)).message).toMatch(/deeper than 256/)
    expect(() => parseXml('<r>' + '<x/>'.repeat(11) + '</r>', { maxElements: 10 })).toThrow(
      /more than 10 elements/,
    )
  })
})
