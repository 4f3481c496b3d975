/**
 * Writes tests/scenarios/<case>.p2plab and tests/scenarios/golden/<case>.trace.txt from cases.ts.
 * Run: npx tsx tests/scenarios/generate.ts   (then review the trace diffs before committing)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CASES, labFileOf } from './cases'
import { defaultLab, builtinScenarios } from '../../electron/engine/index'
import { goldenTrace, labText, librarySlug, libraryTrace } from './golden-io'

const here = dirname(fileURLToPath(import.meta.url))
mkdirSync(join(here, 'golden'), { recursive: true })
for (const c of CASES) {
  const lab = labFileOf(c)
  writeFileSync(join(here, `${c.file}.p2plab`), labText(lab))
  writeFileSync(join(here, 'golden', `${c.file}.trace.txt`), goldenTrace(lab))
  console.log(`wrote ${c.file}`)
}
const lab = defaultLab()
for (const sc of builtinScenarios()) {
  writeFileSync(join(here, 'golden', `${librarySlug(sc)}.trace.txt`), libraryTrace(lab, sc))
  console.log(`wrote ${librarySlug(sc)}`)
}
