/** Property: random byte- and line-level mutations of every realdata/hwloc file never throw or hang (see fuzz.ts). */
import { describe, it } from 'vitest'
import { fuzzFile, runsFor } from './fuzz'
import { importableFixtures, readFixture } from '../../../tests/helpers/realdata'

describe('mutated realdata/hwloc never throws or hangs', () => {
  for (const rel of importableFixtures().filter((f) => f.startsWith('hwloc/'))) {
    it(rel, () => {
      const text = readFixture(rel)
      fuzzFile(rel.split('/').pop()!, text, runsFor(text))
    })
  }
})
