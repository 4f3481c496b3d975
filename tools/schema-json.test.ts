import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { labSchemaJson, scenarioSchemaJson } from './schema-json'

describe('docs/lab-file.schema.json', () => {
  it('is generated from the loader schema (run `npx tsx tools/gen-schema.ts` after changing it)', () => {
    const committed = readFileSync(new URL('../docs/lab-file.schema.json', import.meta.url), 'utf8')
    expect(committed).toBe(labSchemaJson())
  })
})

describe('docs/scenario.schema.json', () => {
  it('is generated from the scenario schema (run `npx tsx tools/gen-schema.ts` after changing it)', () => {
    const committed = readFileSync(new URL('../docs/scenario.schema.json', import.meta.url), 'utf8')
    expect(committed).toBe(scenarioSchemaJson())
  })

  it('lists every operation name the engine accepts', () => {
    const json = JSON.parse(scenarioSchemaJson()) as Record<string, unknown>
    const text = JSON.stringify(json)
    for (const op of ['mmap_bar', 'touch', 'hmm_range_fault', 'ib_umem_dmabuf_get'])
      expect(text).toContain(`"${op}"`)
    expect(text).toContain('"lazy"')
  })
})
