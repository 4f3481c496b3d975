/**
 * Writes docs/lab-file.schema.json (JSON Schema of the lab file) from the zod schema that the
 * loader itself uses, so the published schema cannot drift from what the app accepts.
 * `npx tsx tools/gen-schema.ts` (a unit test checks the committed file is current).
 */
import { writeFileSync } from 'node:fs'
import { labSchemaJson } from './schema-json'

writeFileSync(new URL('../docs/lab-file.schema.json', import.meta.url), labSchemaJson())
