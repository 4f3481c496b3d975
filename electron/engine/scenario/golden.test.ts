/**
 * The golden traces of the kernel-case scenarios (tests/scenarios/golden) match what the engine
 * produces now. A diff is a changed kernel story: review it, then regenerate with
 * `npx tsx tests/scenarios/generate.ts`. (tests/scenarios/scenarios.test.ts checks the same from disk.)
 */
import { describe, expect, it } from 'vitest'
import { CASES, labFileOf } from '../../../tests/scenarios/cases'
import { goldenTrace, labText } from '../../../tests/scenarios/golden-io'

const golden = import.meta.glob<string>('../../../tests/scenarios/golden/*.trace.txt', {
  query: '?raw',
  import: 'default',
  eager: true,
})
const labs = import.meta.glob<string>('../../../tests/scenarios/*.p2plab', {
  query: '?raw',
  import: 'default',
  eager: true,
})

describe('golden traces', () => {
  it('covers every case', () => {
    // library-*.trace.txt are the built-in scenarios' traces (tests/scenarios/scenarios.test.ts checks them)
    expect(Object.keys(golden).filter((f) => !f.includes('/golden/library-')).length).toBe(CASES.length)
  })
  for (const c of CASES) {
    it(`${c.file}: lab file and trace match cases.ts`, () => {
      expect(
        labs[`../../../tests/scenarios/${c.file}.p2plab`],
        `${c.file}.p2plab is stale: run npx tsx tests/scenarios/generate.ts`,
      ).toBe(labText(labFileOf(c)))
      expect(
        goldenTrace(labFileOf(c)),
        `${c.file}: the kernel story changed; review the diff, then run npx tsx tests/scenarios/generate.ts`,
      ).toBe(golden[`../../../tests/scenarios/golden/${c.file}.trace.txt`])
    })
  }
})
