/**
 * Launch Electron main (electron/main/index.ts) against the fake Electron, as a user would start
 * the app: a fresh module, an argv, a platform, a packaged or development build, a settings folder.
 * Importing this module is the whole set-up of a test file that launches main: it mocks 'electron'
 * with the fake (tests/helpers/fake-electron.ts) and puts process.platform and process.argv back
 * after each test (restoreProcess), as @testing-library's cleanup does for the DOM.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, vi } from 'vitest'
import type { LabView, Result } from '../../shared/ipc/contract'
import { fake, type FakeBrowserWindow } from './fake-electron'

vi.mock('electron', async () => (await import('./fake-electron')).electronModule())

afterEach(() => restoreProcess())

const realPlatform = process.platform
const realArgv = process.argv

export function setPlatform(p: NodeJS.Platform): void {
  Object.defineProperty(process, 'platform', { value: p, configurable: true })
}

/** Put process.platform and process.argv back (after each test; see the header). */
export function restoreProcess(): void {
  setPlatform(realPlatform)
  process.argv = realArgv
  vi.restoreAllMocks()
}

/** Waits for `pred`; the 30 s limit only stops a hang (a loaded machine is slow, not wrong). */
export async function until(pred: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export interface Launch {
  /** Electron's appData for this launch (the settings folder is inside). */
  appData: string
  /** The file:// URL of the app page (trusted IPC sender). */
  appUrl: string
  /** The main window (the first one opened). */
  window: FakeBrowserWindow | undefined
}

export interface LaunchOptions {
  argv?: string[]
  platform?: NodeJS.Platform
  isPackaged?: boolean
  /** Reuse a settings root (a relaunch that should find the last session's files). */
  appData?: string
  /** process.cwd() of this launch. */
  cwd?: string
  /** Runs after main's top level, before 'ready' (e.g. macOS open-file; a spy on main's modules). */
  beforeReady?: () => void | Promise<void>
  /** Do not wait for a window (the launch is expected to quit or run the CLI). */
  noWindow?: boolean
  /** Settings folders whose single-instance lock another running process holds. */
  locksHeldElsewhere?: string[]
}

/** A new launch of the app. */
export async function launch(options: LaunchOptions = {}): Promise<Launch> {
  const appData = options.appData ?? mkdtempSync(join(tmpdir(), 'lab-main-'))
  fake.reset({ isPackaged: options.isPackaged ?? false, appData })
  for (const held of options.locksHeldElsewhere ?? []) fake.holdLockElsewhere(held)
  setPlatform(options.platform ?? 'linux')
  process.argv = options.argv ?? ['/opt/P2P DMA Lab/p2p-dma-lab']
  if (options.cwd) vi.spyOn(process, 'cwd').mockReturnValue(options.cwd)
  delete process.env['ELECTRON_RENDERER_URL']
  delete process.env['P2PLAB_USER_DATA']
  vi.resetModules()
  await import('../../electron/main/index')
  await options.beforeReady?.()
  if (fake.app.exitCode === null) fake.ready()
  if (!options.noWindow) await until(() => fake.windows().length > 0, 'the first window')
  const appUrl = (await import('../../electron/main/window')).appUrl()
  return { appData, appUrl, window: fake.windows()[0] }
}

/** The trusted sender's call of a contract channel (as the app page). */
export function call<T = unknown>(l: Launch, channel: string, ...args: unknown[]): Result<T> {
  return fake.invoke(`lab:${channel}`, l.appUrl, ...args) as Result<T>
}

export function current(l: Launch): LabView {
  const r = call<LabView>(l, 'lab.current')
  if (!r.ok) throw new Error('lab.current failed')
  return r.value
}

/** A new empty folder under the system's temp folder, its name starting lab-<name>-. */
export function tmp(name: string): string {
  return mkdtempSync(join(tmpdir(), `lab-${name}-`))
}

/** T1-intel with another era: a small real lab file. */
export function labWithEra(era: string): string {
  const lab = JSON.parse(
    readFileSync(join(import.meta.dirname, '../fixtures/labs/T1-intel.p2plab'), 'utf8'),
  ) as { settings: { era: string } }
  lab.settings.era = era
  return JSON.stringify(lab, null, 2) + '\n'
}

/** Writes labWithEra(era) to `dir`/`name`; returns the file's path. */
export function labFileAt(dir: string, name: string, era: string): string {
  const file = join(dir, name)
  writeFileSync(file, labWithEra(era))
  return file
}

export type MenuItem = {
  label?: string
  role?: string
  accelerator?: string
  click?: () => void
  submenu?: MenuItem[]
}

export function menu(): MenuItem[] {
  return fake.menuTemplate() as MenuItem[]
}

export function menuItem(top: string, label: string): MenuItem {
  const m = menu().find((x) => x.label?.includes(top) || x.role === top.toLowerCase())
  const item = m?.submenu?.find((i) => i.label === label)
  if (!item) throw new Error(`no menu item ${top} › ${label}`)
  return item
}
