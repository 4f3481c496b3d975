import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonErrorOffset, loadLab } from './lab'

describe('jsonErrorOffset (our own locator for JSON syntax errors)', () => {
  it('agrees with JSON.parse on valid and mutated JSON', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.string({ maxLength: 3 }), (json, at, junk) => {
        expect(jsonErrorOffset(json)).toBe(-1)
        const pos = json.length ? at % json.length : 0
        const broken = json.slice(0, pos) + junk + json.slice(pos + 1)
        let valid = true
        try {
          JSON.parse(broken)
        } catch {
          valid = false
        }
        expect(jsonErrorOffset(broken) === -1).toBe(valid)
      }),
      { numRuns: 2000 },
    )
  })

  it('puts the line and column of a lab file syntax error where the error is', () => {
    const r = loadLab('x.p2plab', '{\n  "format": "p2p-dma-lab",\n  "name": oops\n}')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues[0]).toMatchObject({ source: 'x.p2plab', line: 3, column: 11 })
  })
})
