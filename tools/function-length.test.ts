/**
 * Readable units (issue #14): no function in electron/engine longer than 80 lines unless the line
 * above it says why (`// long: <reason>`). `npx tsx tools/function-length.ts` lists the offenders.
 */
import { describe, expect, it } from 'vitest'
import { engineFunctions, functionSpans, LIMIT, offenders } from './function-length'

describe('function length', () => {
  it('measures functions, methods and arrows, and reads a // long: reason above them', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const x${i} = ${i}`).join('\n')
    const text = [
      `export function short() {\n${body(3)}\n}`,
      `// long: mirrors one kernel function step by step\nfunction* tall() {\n${body(90)}\n  function* inner() {\n${body(85)}\n  }\n}`,
      `const arrow = () => {\n${body(100)}\n}`,
      `class K {\n  method() {\n${body(82)}\n  }\n}`,
    ].join('\n')
    const spans = functionSpans('x.ts', text)
    const by = new Map(spans.map((s) => [s.name, s]))
    expect(by.get('short')!.lines).toBe(5)
    expect(by.get('tall')!.reason).toBe('mirrors one kernel function step by step')
    expect(by.get('inner')!.reason).toBe('mirrors one kernel function step by step') // inherited
    expect(offenders(spans).map((s) => s.name)).toEqual(['arrow', 'method'])
  })

  it(`no function in electron/engine is over ${LIMIT} lines without a reason written beside it`, () => {
    const found = offenders(engineFunctions()).map((s) => `${s.file}:${s.line} ${s.name} (${s.lines} lines)`)
    expect(found).toEqual([])
  })
})
