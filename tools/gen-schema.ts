/**
 * Writes docs/lab-file.schema.json (JSON Schema of the lab file) and docs/scenario.schema.json (one
 * scenario of its `scenarios` array) from the zod schemas that the loader itself uses, so the
 * published schemas cannot drift from what the app accepts.
 * `npx tsx tools/gen-schema.ts` (a unit test checks the committed files are current).
 */
import { writeFileSync } from 'node:fs'
import { labSchemaJson, scenarioSchemaJson } from './schema-json'

writeFileSync(new URL('../docs/lab-file.schema.json', import.meta.url), labSchemaJson())
writeFileSync(new URL('../docs/scenario.schema.json', import.meta.url), scenarioSchemaJson())
