/** Writes docs/kernel/eras.md from the era table (tools/era-doc.ts). `npx tsx tools/gen-era-doc.ts` */
import { writeFileSync } from 'node:fs'
import { eraDoc } from './era-doc'

writeFileSync(new URL('../docs/kernel/eras.md', import.meta.url), eraDoc())
