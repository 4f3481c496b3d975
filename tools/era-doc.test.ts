import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { eraDoc } from './era-doc'

describe('docs/kernel/eras.md', () => {
  it('is generated from the era table (run `npx tsx tools/gen-era-doc.ts` after changing it)', () => {
    expect(readFileSync(new URL('../docs/kernel/eras.md', import.meta.url), 'utf8')).toBe(eraDoc())
  })
  it('lists the kernels people run and the GUP-fast rename', () => {
    const doc = eraDoc()
    expect(doc).toContain('| v5.10 | 5.10 |')
    expect(doc).toMatch(/`internal_get_user_pages_fast` \| function \| 5\.6–6\.9 \| gup_fast_fallback/)
  })
})
