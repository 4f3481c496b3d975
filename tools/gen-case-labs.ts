/**
 * Writes the docs/kernel/cases.md topologies as lab files under tests/fixtures/labs/, one per case
 * setting, so the CLI tests (electron/app/cli/lab.test.ts) run them through the real command path and
 * so that people can open them in the app. `npx tsx tools/gen-case-labs.ts`; a unit test checks
 * that the committed files are current.
 */
import { writeFileSync } from 'node:fs'
import { caseLabs } from './case-labs'
import { serializeLab } from '../electron/engine/index'

for (const [name, lab] of Object.entries(caseLabs())) {
  writeFileSync(new URL(`../tests/fixtures/labs/${name}.p2plab`, import.meta.url), serializeLab(lab))
}
