import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeUtf8, firstInvalidUtf8, lineColumn } from '../../../shared/text/utf8'
import { jsonPathLocation, jsonPathOffset } from './json-locate'

describe('strict UTF-8', () => {
  it('finds exactly the bytes the WHATWG decoder rejects', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        let valid = true
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes)
        } catch {
          valid = false
        }
        expect(firstInvalidUtf8(bytes) === -1).toBe(valid)
      }),
      { numRuns: 5000 },
    )
  })

  it('locates the first bad byte by line and column', () => {
    const bytes = Buffer.concat([Buffer.from('ok\nné '), Buffer.from([0xc3, 0x28])])
    const r = decodeUtf8(bytes)
    expect(r).toMatchObject({ ok: false, location: { line: 2, column: 4 }, byteOffset: 7 })
    expect(decodeUtf8(Buffer.from([0xe2, 0x82]))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/ends inside a character/) as unknown as string,
    })
    expect(decodeUtf8(Buffer.from('fine ✓'))).toEqual({ ok: true, text: 'fine ✓' })
    // Overlong forms and surrogates are invalid too.
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0xaf]))).toBe(0)
    expect(firstInvalidUtf8(Buffer.from([0x41, 0xed, 0xa0, 0x80]))).toBe(1)
  })

  it('counts lines and columns from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 })
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 })
    expect(lineColumn('ab\n', 3)).toEqual({ line: 2, column: 1 })
  })
})

describe('JSON path → line:column', () => {
  const text =
    '{\n  "name": "x",\n  "scenarios": [\n    { "ops": [1, {"size": 3}] },\n    {"a.b": [true]}\n  ]\n}\n'
  it('finds values by key and index', () => {
    expect(jsonPathLocation(text, 'name')).toEqual({ line: 2, column: 11 })
    expect(jsonPathLocation(text, 'scenarios.0.ops.1.size')).toEqual({ line: 4, column: 27 })
    expect(jsonPathLocation(text, ['scenarios', 1, 'a.b', 0])).toEqual({ line: 5, column: 14 })
    expect(jsonPathLocation(text, '(root)')).toEqual({ line: 1, column: 1 })
  })

  it('stops at the deepest value that exists', () => {
    expect(jsonPathLocation(text, 'scenarios.0.missing')).toEqual({ line: 4, column: 5 })
    expect(jsonPathLocation(text, 'scenarios.7')).toEqual({ line: 3, column: 16 })
  })

  it('agrees with JSON.parse on random documents', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const doc = JSON.stringify({ root: value }, null, 1)
        const at = jsonPathOffset(doc, ['root'])
        // The value starting at `at` is the one JSON.parse finds at that key.
        const rest = doc.slice(at)
        const parsedFromOffset = (() => {
          for (let end = rest.length; end > 0; end--) {
            try {
              return JSON.parse(rest.slice(0, end)) as unknown
            } catch {
              /* shorter */
            }
          }
          return Symbol('none')
        })()
        expect(parsedFromOffset).toEqual(JSON.parse(doc).root)
      }),
      { numRuns: 200 },
    )
  })
})

describe('JSON paths as issues carry them', () => {
  it('accepts bracket indices', () => {
    const t = '{"nodes": [{"a": 1}, {"parent": "x"}]}'
    expect(jsonPathOffset(t, 'nodes[1].parent')).toBe(t.indexOf('"x"'))
    expect(jsonPathOffset(t, 'nodes.1.parent')).toBe(t.indexOf('"x"'))
  })
})
