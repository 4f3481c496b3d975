#!/usr/bin/env node
/**
 * `npm start`: build with electron-vite, then run the app in Electron.
 *
 * The electron npm package no longer downloads its binary at install time; it fetches it on first
 * use. This script looks for the binary itself (never `require('electron')`, which would start an
 * unbounded download), tries the package's installer once with a time limit, and when there is
 * still no binary explains that `npm run serve` runs the same app in a browser, and exits non-zero.
 * The installer's own output (a raw `TypeError: fetch failed` stack when offline) is never shown:
 * only its last error line, inside our message.
 *
 * LAB_START_SKIP_BUILD=1 skips step 1 (tools/start.test.ts: the build is there already).
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const DOWNLOAD_TIMEOUT_MS = 120_000

function binFor(pkg, name) {
  const pkgJson = require.resolve(`${pkg}/package.json`, { paths: [root] })
  const meta = JSON.parse(readFileSync(pkgJson, 'utf8'))
  const bin = typeof meta.bin === 'string' ? meta.bin : meta.bin?.[name ?? pkg]
  return { dir: dirname(pkgJson), bin: join(dirname(pkgJson), bin) }
}

/** The Electron executable, or null when it is not installed (mirrors node_modules/electron/index.js). */
function electronExecutable(electronDir) {
  const pathFile = join(electronDir, 'path.txt')
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron')
    return existsSync(p) ? p : null
  }
  if (!rel) return null
  const p = join(electronDir, 'dist', rel)
  return existsSync(p) ? p : null
}

/** The installer's error in one line (no stack): its first line that names an error. */
function oneLine(output) {
  const lines = String(output ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const error = lines.find((l) => /^(\w*Error|Error)\b|ENOTFOUND|ECONNREFUSED|fetch failed/.test(l))
  return (error ?? lines.at(-1) ?? '').replace(/\s+at\s.*$/, '').slice(0, 200)
}

function unavailable(reason) {
  console.error(
    `\nnpm start: the Electron binary is not available (${reason}). The electron npm package downloads ` +
      'its binary from GitHub on first use, and that download failed or is blocked on this machine, so ' +
      'the desktop app cannot start here. The build in out/ is complete and fine. To use the app anyway, ' +
      'run `npm run serve`: it serves the same renderer to a browser (Chromium) against the real engine, ' +
      'through the same IPC contract and handlers, and prints the address to open. On a machine with network ' +
      'access, `npx install-electron` (or deleting node_modules/electron and running `npm ci`) fetches ' +
      'the binary, after which `npm start` works.\n',
  )
  process.exit(1)
}

// 1. Build main, preload and renderer.
if (process.env.LAB_START_SKIP_BUILD !== '1') {
  const ev = binFor('electron-vite')
  const built = spawnSync(process.execPath, [ev.bin, 'build'], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) {
    console.error('npm start: electron-vite build failed')
    process.exit(built.status ?? 1)
  }
}

// 2. Find (or try once to fetch) the Electron binary, without ever hanging.
const electronDir = dirname(require.resolve('electron/package.json', { paths: [root] }))
let exe = electronExecutable(electronDir)
if (!exe) {
  const installer = join(electronDir, 'install.js')
  if (!existsSync(installer)) unavailable('node_modules/electron has no binary and no installer')
  console.log('npm start: the Electron binary is missing; trying to download it once…')
  // Its output is captured, not shown: offline it is a stack trace that explains nothing.
  const got = spawnSync(process.execPath, [installer], {
    cwd: electronDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: DOWNLOAD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  })
  if (got.error?.code === 'ETIMEDOUT')
    unavailable(`the download did not finish within ${DOWNLOAD_TIMEOUT_MS / 1000} s`)
  exe = electronExecutable(electronDir)
  if (!exe) {
    const why = oneLine(got.stderr) || oneLine(got.stdout)
    unavailable(`the download failed${why ? `: ${why}` : ''}`)
  }
}

// 3. Run the app; forward signals and the exit code.
const child = spawn(exe, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', windowsHide: false })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('error', (err) => unavailable(`it could not be started: ${err.message}`))
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
