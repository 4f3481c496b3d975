/** A test file's scratch folder: a new one for every test, removed with what is in it after the test. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'

/**
 * Registers the file's beforeEach/afterEach: before each test a new folder under the system's temp
 * folder (its name starting with `prefix`) is handed to `use`; after the test it is removed.
 */
export function tempDirEach(prefix: string, use: (dir: string) => void): void {
  let dir: string | null = null
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix))
    use(dir)
  })
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = null
  })
}
