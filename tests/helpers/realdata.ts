/**
 * Test-only helper: reads tests/fixtures/realdata (copies of shared/realdata plus files generated
 * from them, see each folder's SOURCES.md). Imported by the *.test.ts files only, never by the engine.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

export const REALDATA = fileURLToPath(new URL('../fixtures/realdata/', import.meta.url))

/** Files that are not topology inputs: the provenance notes. */
export const NOT_IMPORTABLE = new Set(['SOURCES.md'])

export function readFixture(rel: string): string {
  return readFileSync(join(REALDATA, rel), 'utf8')
}

/** Every importable realdata fixture, as 'folder/file'. */
export function importableFixtures(): string[] {
  const out: string[] = []
  for (const d of readdirSync(REALDATA).sort()) {
    if (!statSync(join(REALDATA, d)).isDirectory()) continue
    for (const f of readdirSync(join(REALDATA, d)).sort()) if (!NOT_IMPORTABLE.has(f)) out.push(`${d}/${f}`)
  }
  return out
}
