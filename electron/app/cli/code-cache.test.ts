/**
 * The built CLI's command loader: a CommonJS bundle run with V8's code cache, the cache written
 * once the command is done and used by the next load; a cache V8 refuses is written anew.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDirEach } from '../../../tests/helpers/temp-dir'
import { loadBundle, saveCodeCaches } from './code-cache'

let dir: string
tempDirEach('lab-code-cache-', (d) => (dir = d))

function bundle(): { file: string; cache: string } {
  const file = join(dir, 'cmd.cjs')
  writeFileSync(
    file,
    "const path = require('node:path');\nexports.where = () => path.basename(__filename) + ' ' + path.basename(__dirname)\nexports.answer = (n) => n * 6\n",
  )
  return { file, cache: join(dir, 'cmd.0123456789abcdef.cache') }
}

describe('loadBundle', () => {
  it('runs the bundle as CommonJS (require, __filename, __dirname) and returns its exports', () => {
    const { file, cache } = bundle()
    const m = loadBundle(file, cache) as { where: () => string; answer: (n: number) => number }
    expect(m.answer(7)).toBe(42)
    expect(m.where()).toBe(`cmd.cjs ${dir.split('/').pop()}`)
  })

  it('writes the code cache once the command is done, and the next load uses it', () => {
    const { file, cache } = bundle()
    ;(loadBundle(file, cache) as { answer: (n: number) => number }).answer(1)
    expect(existsSync(cache)).toBe(false)
    saveCodeCaches()
    const written = readFileSync(cache)
    expect(written.length).toBeGreaterThan(0)
    const mtime = statSync(cache).mtimeMs
    expect((loadBundle(file, cache) as { answer: (n: number) => number }).answer(2)).toBe(12)
    saveCodeCaches()
    expect(statSync(cache).mtimeMs).toBe(mtime)
    expect(readFileSync(cache).equals(written)).toBe(true)
  })

  it('a cache V8 refuses (damaged, or from another V8) costs only the compile, and is written anew', () => {
    const { file, cache } = bundle()
    writeFileSync(cache, 'not a code cache')
    expect((loadBundle(file, cache) as { answer: (n: number) => number }).answer(3)).toBe(18)
    saveCodeCaches()
    expect(readFileSync(cache, 'latin1')).not.toBe('not a code cache')
    expect(readdirTemps()).toEqual([])
  })

  it('a cache that cannot be written is left unwritten, without an error', () => {
    const { file } = bundle()
    const cache = join(dir, 'missing-dir', 'cmd.cache')
    expect((loadBundle(file, cache) as { answer: (n: number) => number }).answer(4)).toBe(24)
    expect(() => saveCodeCaches()).not.toThrow()
    expect(existsSync(cache)).toBe(false)
  })
})

function readdirTemps(): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.tmp'))
}
