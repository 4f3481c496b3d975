import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { labSchemaJson } from './schema-json'

describe('docs/lab-file.schema.json', () => {
  it('is generated from the loader schema (run `npx tsx tools/gen-schema.ts` after changing it)', () => {
    const committed = readFileSync(new URL('../docs/lab-file.schema.json', import.meta.url), 'utf8')
    expect(committed).toBe(labSchemaJson())
  })
})
