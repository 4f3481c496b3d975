/**
 * Packaging, for every target, from build/electron-builder.yml. The real Electron archive cannot be
 * downloaded on the build machines, so electron-builder gets a stand-in Electron directory
 * (-c.electronDist) whose executable carries Electron's fuse wire (tests/helpers/fuse-wire.ts):
 *
 *  - Linux `--dir`: resources/app.asar is exactly what `npm run dist` ships (the build output and
 *    package.json: every dependency, zod included, is bundled into main), package.json names the
 *    product, and the fuses are flipped in the packaged binary;
 *  - the AppImage's desktop entry and the deb's files (desktop entry, MIME type, icon), read through
 *    electron-builder's own effectiveOptionComputed hook just before its tools would run
 *    (tests/helpers/builder-targets.mjs);
 *  - Windows `--win --dir` with a stand-in electron.exe: "P2P DMA Lab.exe" with its fuses flipped
 *    and the CLI launcher lab.cmd beside it (NSIS itself needs a download);
 *  - macOS and NSIS options from the parsed configuration (signing and dmg need macOS/network).
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFuseWires, standInElectron, type FuseWire } from '../tests/helpers/fuse-wire'
import { APP_ID, PRODUCT_NAME } from '../electron/app/identity'

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

function run(cmd: string, args: string[], what: string): string {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 280_000 })
  timings[what] = Math.round(performance.now() - t0)
  if (r.status !== 0)
    throw new Error(
      `${what} failed (${r.status ?? r.signal}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(-4000),
    )
  return r.stdout
}

/** A stand-in Electron distribution: the executable (named for the platform) plus what electron-builder copies. */
function standInDist(dir: string, executable: string): string {
  mkdirSync(dir)
  writeFileSync(join(dir, executable), standInElectron())
  chmodSync(join(dir, executable), 0o755)
  writeFileSync(join(dir, 'version'), (require('electron/package.json') as { version: string }).version)
  writeFileSync(join(dir, 'LICENSE'), 'MIT (stand-in)\n')
  writeFileSync(join(dir, 'LICENSES.chromium.html'), '<!doctype html><title>stand-in</title>\n')
  return dir
}

/**
 * electron-builder for `target` (platform, --dir, arch) on the project's configuration, with the
 * stand-in Electron `dist`, writing into `work`/`output`; `options` are further -c overrides.
 */
function electronBuilder(target: string[], dist: string, output: string, options: string[] = []): void {
  run(
    'npx',
    [
      'electron-builder',
      ...target,
      '--config',
      'build/electron-builder.yml',
      `-c.electronDist=${dist}`,
      `-c.directories.output=${join(work, output)}`,
      ...options,
    ],
    `electron-builder ${target.join(' ')}`,
  )
}

const yml = () =>
  (require('js-yaml') as { load(t: string): unknown }).load(
    readFileSync(join(root, 'build/electron-builder.yml'), 'utf8'),
  ) as Record<string, unknown> & {
    mac: Record<string, unknown>
    win: Record<string, unknown>
    linux: Record<string, unknown>
    fileAssociations: Record<string, unknown>[]
  }

/** The fuses the configuration asks for (issue 15): the same on every platform. */
function expectHardened(w: FuseWire): void {
  expect(w.named).toEqual({
    RunAsNode: 'off',
    EnableCookieEncryption: 'on',
    EnableNodeOptionsEnvironmentVariable: 'off',
    EnableNodeCliInspectArguments: 'off',
    EnableEmbeddedAsarIntegrityValidation: 'on',
    OnlyLoadAppFromAsar: 'on',
    LoadBrowserProcessSpecificV8Snapshot: 'off', // Electron's default, untouched
    GrantFileProtocolExtraPrivileges: 'on', // default kept: the renderer loads from file://
  })
}

interface Targets {
  appImage: { desktop: string; desktopFileName: string } | null
  deb: { args: string[]; desktop: string; installs: Record<string, string> } | null
}
let targets: Targets

describe.skipIf(!haveBuilder)('packaging (electron-builder with a stand-in Electron)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'lab-pack-'))
    const dist = standInDist(join(work, 'electron-dist'), 'electron')
    // `npm run build` as a developer runs it: out/cli exists too, and must stay out of app.asar.
    run('npm', ['run', 'build', '--silent'], 'npm run build')
    electronBuilder(['--linux', '--dir'], dist, 'release')
    run(
      process.execPath,
      ['tests/helpers/builder-targets.mjs', dist, join(work, 'targets'), join(work, 'targets.json')],
      'AppImage + deb configuration',
    )
    targets = JSON.parse(readFileSync(join(work, 'targets.json'), 'utf8')) as Targets
    const asar = (await import('@electron/asar')) as typeof import('@electron/asar')
    entries = asar.listPackage(join(work, 'release/linux-unpacked/resources/app.asar'), { isPack: false })
    asar.extractAll(join(work, 'release/linux-unpacked/resources/app.asar'), join(work, 'app'))
  }, 600_000)

  afterAll(() => {
    console.log(`packaging: ${entries.length} entries in app.asar; ${JSON.stringify(timings)} ms`)
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('app.asar holds only out/** and package.json: zod is bundled into main, no node_modules', () => {
    expect(entries.length).toBeGreaterThan(10)
    expect(entries.filter((p) => !/^\/out(\/|$)/.test(p) && p !== '/package.json')).toEqual([])
    // The node-run CLI bundle (out/cli, from `npm run build`) is not shipped: `--cli` runs the CLI in main.
    expect(entries.filter((p) => p.startsWith('/out/cli'))).toEqual([])
    for (const must of ['/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html'])
      expect(entries).toContain(must)
    // The main bundle loads nothing from node_modules: only Electron and Node's own modules.
    // (rolldown writes module specifiers in double quotes; single-quoted ones are inside strings,
    // such as the development-only worker bootstrap of electron/app/matrix/worker-host.ts.)
    const main = readFileSync(join(work, 'app/out/main/index.js'), 'utf8')
    const specifiers = [
      ...main.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)"([^"./][^"]*)"/g),
    ].map((m) => m[1]!)
    expect(specifiers).toContain('electron')
    expect(specifiers.filter((s) => s !== 'electron' && !s.startsWith('node:'))).toEqual([])
    expect(main).toMatch(/safeParse/) // zod itself is in the bundle
  })

  it('has no tests, no sources, no TypeScript, no source maps', () => {
    expect(entries.filter((p) => /\.(map|ts|cts|mts|tsx|vue)$/.test(p))).toEqual([])
    expect(entries.filter((p) => /\/(tests?|__tests__|src|electron|shared|tools)\//.test(p))).toEqual([])
    expect(entries.filter((p) => /\.test\.|\.spec\./.test(p))).toEqual([])
  })

  it('ships a package.json that names the product (menus say "Quit P2P DMA Lab") and has no dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(work, 'app/package.json'), 'utf8')) as Record<string, unknown>
    expect(existsSync(join(work, 'app', pkg['main'] as string))).toBe(true)
    expect(pkg['productName']).toBe(PRODUCT_NAME)
    expect(pkg['desktopName']).toBe('p2p-dma-lab.desktop')
    expect(pkg['dependencies'] ?? {}).toEqual({})
  })

  it('flips the fuses in the packaged Linux binary (the stand-in in electronDist stays as it was)', () => {
    const wires = readFuseWires(readFileSync(join(work, 'release/linux-unpacked/p2p-dma-lab')))
    expect(wires).toHaveLength(1)
    expectHardened(wires[0]!)
    expect(readFuseWires(readFileSync(join(work, 'electron-dist/electron')))[0]!.named.RunAsNode).toBe('on')
  })

  it('AppImage: a desktop entry with the .p2plab MIME type; the image carries the type for registration', () => {
    const d = targets.appImage!
    expect(d.desktopFileName).toBe('p2p-dma-lab.desktop')
    expect(d.desktop).toMatch(/^Exec=AppRun --no-sandbox %U$/m)
    expect(d.desktop).toMatch(/^MimeType=application\/x-p2plab\+json;$/m)
    expect(d.desktop).toMatch(/^StartupWMClass=p2p-dma-lab$/m)
    expect(d.desktop).toMatch(/^Name=P2P DMA Lab$/m)
  })

  it('deb: /usr/bin/p2p-dma-lab, the desktop entry, the MIME XML for *.p2plab and the icon', () => {
    const deb = targets.deb!
    expect(deb.desktop).toMatch(/^Exec="\/opt\/P2P DMA Lab\/p2p-dma-lab" %U$/m)
    expect(deb.desktop).toMatch(/^MimeType=application\/x-p2plab\+json;$/m)
    expect(Object.keys(deb.installs).sort()).toEqual([
      '/usr/share/applications/p2p-dma-lab.desktop',
      '/usr/share/icons/hicolor/512x512/apps/p2p-dma-lab.png',
      '/usr/share/mime/packages/p2p-dma-lab.xml',
    ])
    const xml = deb.installs['/usr/share/mime/packages/p2p-dma-lab.xml']!
    expect(xml).toContain('<mime-type type="application/x-p2plab+json">')
    expect(xml).toContain('<glob pattern="*.p2plab"/>')
    // electron-builder's after-install script links /usr/bin/<executable>: `p2p-dma-lab --cli …` works in a shell.
    const afterInstall = readFileSync(
      join(root, 'node_modules/app-builder-lib/templates/linux/after-install.tpl'),
      'utf8',
    )
    expect(afterInstall).toContain(
      "ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'",
    )
  })

  it('Windows: "P2P DMA Lab.exe" with its fuses flipped, and lab.cmd beside it for the CLI', () => {
    const dist = standInDist(join(work, 'electron-dist-win'), 'electron.exe')
    electronBuilder(['--win', '--dir', '--x64'], dist, 'release-win', [
      // the stand-in is not a PE file: no resource editing, no asar-integrity resource
      '-c.win.signAndEditExecutable=false',
      '-c.disableAsarIntegrity=true',
    ])
    const dir = join(work, 'release-win/win-unpacked')
    expectHardened(readFuseWires(readFileSync(join(dir, 'P2P DMA Lab.exe')))[0]!)
    const cmd = readFileSync(join(dir, 'lab.cmd'), 'utf8')
    expect(cmd).toContain('"%~dp0P2P DMA Lab.exe" --cli %*\r\n')
    expect(cmd).toContain('exit /b %ERRORLEVEL%')
  }, 300_000)

  it('every target registers .p2plab; appId and productName are the app’s own (AppUserModelID, bundle id)', () => {
    const c = yml()
    expect(c['appId']).toBe(APP_ID)
    expect(c['productName']).toBe(PRODUCT_NAME)
    expect(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { productName: string }).productName,
    ).toBe(PRODUCT_NAME)
    // NSIS stamps appId on its shortcuts as their AppUserModelID; no other id for Windows.
    expect(c.win['appId']).toBeUndefined()
    expect(c.fileAssociations).toEqual([
      expect.objectContaining({
        ext: 'p2plab',
        mimeType: 'application/x-p2plab+json',
        role: 'Editor',
        rank: 'Owner',
      }),
    ])
  })

  it('macOS: one universal dmg, ad-hoc signed after the fuses are flipped (no notarization)', () => {
    const c = yml()
    expect(c.mac['target']).toEqual([{ target: 'dmg', arch: ['universal'] }])
    expect(c.mac['identity']).toBe('-')
    expect(c.mac['hardenedRuntime']).toBe(false)
    expect(c.mac['notarize']).toBe(false)
    expect(c['electronFuses']).toMatchObject({ runAsNode: false, onlyLoadAppFromAsar: true })
  })

  it('packs the icon electron-builder turns into the platform icons (512×512 PNG)', () => {
    const png = readFileSync(join(root, 'build/icon.png'))
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512])
  })
})
