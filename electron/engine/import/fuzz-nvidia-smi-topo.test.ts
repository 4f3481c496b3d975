/** Property: random byte- and line-level mutations of every realdata/nvidia-smi-topo file never throw or hang (see fuzz.ts). */
import { describe, it } from 'vitest'
import { fuzzFile, runsFor } from './fuzz'
import { importableFixtures, readFixture } from '../../../tests/helpers/realdata'

describe('mutated realdata/nvidia-smi-topo never throws or hangs', () => {
  for (const rel of importableFixtures().filter((f) => f.startsWith('nvidia-smi-topo/'))) {
    it(rel, () => {
      const text = readFixture(rel)
      fuzzFile(rel.split('/').pop()!, text, runsFor(text))
    })
  }
})
