/**
 * `npm start` on a machine where the Electron binary cannot be downloaded (tools/start.mjs): the
 * one good message, no stack trace from the electron package's installer. The download is pointed
 * at a closed local port (ELECTRON_MIRROR), so it fails the same way on any machine.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..')
const haveBinary = existsSync(join(root, 'node_modules/electron/path.txt'))

describe.skipIf(haveBinary)('npm start without the Electron binary', () => {
  it('prints only the explanation (with the reason in one line), no stack trace; exits 1', () => {
    const r = spawnSync(process.execPath, ['tools/start.mjs'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 150_000,
      env: {
        ...process.env,
        LAB_START_SKIP_BUILD: '1',
        ELECTRON_MIRROR: 'http://127.0.0.1:9/',
        ELECTRON_GET_USE_PROXY: '',
      },
    })
    expect(r.status).toBe(1)
    const all = r.stdout + r.stderr
    expect(r.stderr).toMatch(/npm start: the Electron binary is not available \(the download failed: .+\)/)
    expect(r.stderr).toMatch(/npm run serve/)
    expect(all).not.toMatch(/^\s+at\s/m) // no stack frame
    expect(all).not.toMatch(/node:internal|FetchDownloader/)
  })
})
