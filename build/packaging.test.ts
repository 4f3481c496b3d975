/**
 * Packaging contents (README "Installing for a workshop"): `electron-vite build`, then `electron-builder --linux --dir`
 * with a stand-in Electron directory (-c.electronDist: a stub `electron`, `version`, LICENSE,
 * LICENSES.chromium.html), because the real Electron archive cannot be downloaded here. The result
 * is not a runnable app, but its resources/app.asar is exactly what `npm run dist` ships: this test
 * lists it and allows only the build output, package.json and the production dependency (zod),
 * with no tests, no sources, no TypeScript and no source maps. The packed zod must still load.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..')
const require = createRequire(import.meta.url)

function resolvable(id: string): boolean {
  try {
    require.resolve(id)
    return true
  } catch {
    return false
  }
}

const haveBuilder = resolvable('electron-builder/package.json') && resolvable('@electron/asar')
if (!haveBuilder)
  console.warn('packaging test SKIPPED: electron-builder or @electron/asar is not installed (run npm ci)')

let work: string
let entries: string[] = []
const timings: Record<string, number> = {}

function run(cmd: string, args: string[], what: string): void {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 170_000 })
  timings[what] = Math.round(performance.now() - t0)
  if (r.status !== 0)
    throw new Error(
      `${what} failed (${r.status ?? r.signal}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(-4000),
    )
}

describe.skipIf(!haveBuilder)('packaging (electron-builder --dir with a stand-in Electron)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'lab-pack-'))
    const dist = join(work, 'electron-dist')
    mkdirSync(dist)
    writeFileSync(join(dist, 'electron'), '#!/bin/sh\necho "stand-in Electron: not runnable"\nexit 1\n')
    chmodSync(join(dist, 'electron'), 0o755)
    const electronVersion = (require('electron/package.json') as { version: string }).version
    writeFileSync(join(dist, 'version'), electronVersion)
    writeFileSync(join(dist, 'LICENSE'), 'MIT (stand-in)\n')
    writeFileSync(join(dist, 'LICENSES.chromium.html'), '<!doctype html><title>stand-in</title>\n')

    run('npx', ['electron-vite', 'build'], 'electron-vite build')
    run(
      'npx',
      [
        'electron-builder',
        '--linux',
        '--dir',
        '--config',
        'build/electron-builder.yml',
        `-c.electronDist=${dist}`,
        `-c.directories.output=${join(work, 'release')}`,
      ],
      'electron-builder --dir',
    )
    const asar = (await import('@electron/asar')) as typeof import('@electron/asar')
    entries = asar.listPackage(join(work, 'release/linux-unpacked/resources/app.asar'), { isPack: false })
    asar.extractAll(join(work, 'release/linux-unpacked/resources/app.asar'), join(work, 'app'))
  }, 180_000)

  afterAll(() => {
    console.log(`packaging: ${entries.length} entries in app.asar; ${JSON.stringify(timings)} ms`)
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('app.asar holds only out/**, package.json and node_modules/zod', () => {
    expect(entries.length).toBeGreaterThan(10)
    const stray = entries.filter(
      (p) =>
        !/^\/out(\/|$)/.test(p) &&
        p !== '/package.json' &&
        p !== '/node_modules' &&
        !/^\/node_modules\/zod(\/|$)/.test(p),
    )
    expect(stray).toEqual([])
    for (const must of [
      '/out/main/index.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/package.json',
    ])
      expect(entries).toContain(must)
  })

  it('has no tests, no sources, no TypeScript, no source maps', () => {
    expect(entries.filter((p) => /\.(map|ts|cts|mts|tsx|vue)$/.test(p))).toEqual([])
    expect(entries.filter((p) => /\/(tests?|__tests__|src|electron|shared|tools)\//.test(p))).toEqual([])
    expect(entries.filter((p) => /\.test\.|\.spec\./.test(p))).toEqual([])
  })

  it('ships the package.json main points at, and a zod that still loads from the packed files', () => {
    const pkg = JSON.parse(readFileSync(join(work, 'app/package.json'), 'utf8')) as { main: string }
    expect(existsSync(join(work, 'app', pkg.main))).toBe(true)
    const probe = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { z } from 'zod'; console.log(z.object({ a: z.number() }).safeParse({ a: 1 }).success)",
      ],
      { cwd: join(work, 'app'), encoding: 'utf8' },
    )
    expect(probe.stderr).toBe('')
    expect(probe.stdout.trim()).toBe('true')
  })

  it('packs the icon electron-builder turns into the platform icons (512×512 PNG)', () => {
    const png = readFileSync(join(root, 'build/icon.png'))
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512])
  })
})
