/**
 * Test-only: fast-check mutations of real inputs (byte-level and line-level) and the property every
 * importer must keep: importText never throws and never hangs; it returns either a lab that passes
 * labFileSchema or at least one issue.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import { labFileSchema } from '../../../shared/model/lab-schema'
import { importText } from './index'

const TOKENS = [
  '<',
  '>',
  '/>',
  '"',
  "'",
  '</object>',
  '<object type="Bridge" bridge_type="1-1" pci_busid="0000:05:00.0">',
  '<object type="PCIDev" pci_busid="0000:ff:1f.7"/>',
  '<pci busid="0000:01:00.0" class="0x060400">',
  '</pci>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '&',
  '&amp;',
  '&#x0;',
  '&#1114112;',
  '-+-',
  '\\-',
  '+-',
  '----',
  '--',
  '-[',
  ']',
  '[0000:00]',
  '00.0',
  '1f.7',
  '-[ff-00]',
  '|',
  '\n',
  '\r\n',
  '\t',
  '        ',
  'X',
  'PIX',
  'PXB',
  'NV12',
  'SYS',
  'GPU0',
  'NIC0',
  'CPU Affinity',
  '00:00.0 PCI bridge [0604]: x',
  '\tBus: primary=00, secondary=00, subordinate=ff',
  '\tRegion 0: Memory at 0 (64-bit, prefetchable) [size=3G]',
  '{',
  '}',
  '[',
  '"format": "p2p-dma-lab"',
  '"schemaVersion": 2',
  '0x',
  'ffff',
  '\u0000',
  '\uFFFD',
  'é',
]

type Mutation =
  | { k: 'replace'; pos: number; ch: number }
  | { k: 'delete'; pos: number; len: number }
  | { k: 'insert'; pos: number; s: string }
  | { k: 'token'; pos: number; t: number }
  | { k: 'truncate'; pos: number }
  | { k: 'dupRange'; pos: number; len: number }
  | { k: 'delLine'; line: number }
  | { k: 'dupLine'; line: number }
  | { k: 'swapLines'; a: number; b: number }
  | { k: 'copyLine'; from: number; to: number }

const pos = fc.nat()
export const mutationArb: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ k: fc.constant('replace' as const), pos, ch: fc.integer({ min: 0, max: 0x2fff }) }),
    fc.record({ k: fc.constant('delete' as const), pos, len: fc.integer({ min: 1, max: 200 }) }),
    fc.record({ k: fc.constant('insert' as const), pos, s: fc.string({ maxLength: 12 }) }),
    fc.record({ k: fc.constant('token' as const), pos, t: fc.nat({ max: TOKENS.length - 1 }) }),
    fc.record({ k: fc.constant('truncate' as const), pos }),
    fc.record({ k: fc.constant('dupRange' as const), pos, len: fc.integer({ min: 1, max: 400 }) }),
    fc.record({ k: fc.constant('delLine' as const), line: pos }),
    fc.record({ k: fc.constant('dupLine' as const), line: pos }),
    fc.record({ k: fc.constant('swapLines' as const), a: pos, b: pos }),
    fc.record({ k: fc.constant('copyLine' as const), from: pos, to: pos }),
  ),
  { minLength: 1, maxLength: 4 },
)

export function applyMutations(text: string, ms: Mutation[]): string {
  let t = text
  for (const m of ms) {
    const at = (p: number): number => (t.length === 0 ? 0 : p % (t.length + 1))
    switch (m.k) {
      case 'replace': {
        const p = at(m.pos)
        t = t.slice(0, p) + String.fromCharCode(m.ch) + t.slice(p + 1)
        break
      }
      case 'delete': {
        const p = at(m.pos)
        t = t.slice(0, p) + t.slice(p + m.len)
        break
      }
      case 'insert':
      case 'token': {
        const p = at(m.pos)
        t = t.slice(0, p) + (m.k === 'insert' ? m.s : TOKENS[m.t]!) + t.slice(p)
        break
      }
      case 'truncate':
        t = t.slice(0, at(m.pos))
        break
      case 'dupRange': {
        const p = at(m.pos)
        t = t.slice(0, p + m.len) + t.slice(p, p + m.len) + t.slice(p + m.len)
        break
      }
      default: {
        const lines = t.split('\n')
        const L = (i: number): number => i % lines.length
        if (m.k === 'delLine') lines.splice(L(m.line), 1)
        else if (m.k === 'dupLine') lines.splice(L(m.line), 0, lines[L(m.line)]!)
        else if (m.k === 'swapLines') {
          const a = L(m.a)
          const b = L(m.b)
          ;[lines[a], lines[b]] = [lines[b]!, lines[a]!]
        } else lines[L(m.to)] = lines[L(m.from)]!
        t = lines.join('\n')
      }
    }
  }
  return t
}

/** Runs the property on one real file; numRuns scaled by the caller. Returns [ok, refused] counts. */
export function fuzzFile(
  name: string,
  text: string,
  numRuns: number,
): { ok: number; refused: number; slowestMs: number } {
  const stats = { ok: 0, refused: 0, slowestMs: 0 }
  fc.assert(
    fc.property(mutationArb, (ms) => {
      const input = applyMutations(text, ms)
      const t0 = performance.now()
      const r = importText(name, input)
      const ms_ = performance.now() - t0
      stats.slowestMs = Math.max(stats.slowestMs, ms_)
      expect(ms_).toBeLessThan(2000)
      if (r.ok) {
        stats.ok++
        const parsed = labFileSchema.safeParse(r.lab)
        expect(parsed.success, JSON.stringify(!parsed.success && parsed.error.issues.slice(0, 3))).toBe(true)
      } else {
        stats.refused++
        expect(r.issues.length).toBeGreaterThan(0)
        for (const i of r.issues) {
          expect(i.source).toBe(name)
          expect(i.message.length).toBeGreaterThan(0)
          expect(i.message).not.toMatch(/internal error/)
        }
      }
    }),
    { numRuns },
  )
  return stats
}

/** About a few hundred cases for small files, fewer for the big ones (their import costs 10–60 ms). */
export function runsFor(text: string): number {
  if (text.length < 25_000) return 250
  if (text.length < 80_000) return 100
  return 30
}
