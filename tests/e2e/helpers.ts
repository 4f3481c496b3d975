/**
 * What every end-to-end test does the same way: the production renderer build served by the browser
 * harness (tools/bridge/server.ts, docs/design.md#the-browser-harness), Debian's Chromium driven by
 * playwright-core (headless, no sandbox, no GPU), every console error / page error / failed request collected as a problem, calls into
 * the engine through the page's own window.lab, and screenshots under test-results/screens.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { Result } from '../../shared/ipc/contract'
import type { ScenarioSummary, StepperView } from '../../shared/model/stepper'
import { startBridge, type Bridge } from '../../tools/bridge/server'

export const ROOT = resolve(import.meta.dirname, '../..')
export const SCREENS = join(ROOT, 'test-results/screens')
const BUILT_RENDERER = join(ROOT, 'out/renderer')
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface WatchOptions {
  /** Count console warnings as problems too (not only errors). */
  warnings?: boolean
  /** Count failed requests and HTTP responses >= 400 as problems. */
  network?: boolean
  /** Prefix of every problem line (the page's role when a test drives several). */
  who?: string
}

export interface E2e {
  bridge: Bridge
  browser: Browser
  context: BrowserContext
  /** The first page, at `bridge.url`. */
  page: Page
  /** Everything watched pages reported; a test ends with expect(problems).toEqual([]). */
  problems: string[]
  /** Watch another page of the context (e.g. the presenter window) into `problems`. */
  watch(p: Page, opts?: WatchOptions): void
  close(): Promise<void>
}

export interface E2eOptions extends WatchOptions {
  viewport?: { width: number; height: number }
  acceptDownloads?: boolean
  /** Wait until the app says it is ready (.app[data-ready]) before returning. */
  ready?: boolean
  /** Start the harness with the real-kernel oracle on (npm run serve -- --oracle). */
  oracle?: boolean
}

/** Fails with what to run when a page of the production renderer build (out/renderer) is missing. */
export function requireRendererBuild(pages: string[] = ['index.html']): void {
  for (const p of pages)
    if (!existsSync(join(BUILT_RENDERER, p)))
      throw new Error(
        `E2E needs the production renderer build (${join(BUILT_RENDERER, p)}). Run \`npx electron-vite build\` first.`,
      )
}

/** Debian's Chromium, headless, without sandbox, GPU or background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

/**
 * Starts the harness and Chromium and opens the app in one page. Fails with what to run when the
 * production build is missing.
 */
export async function startE2e(opts: E2eOptions = {}): Promise<E2e> {
  requireRendererBuild()
  mkdirSync(SCREENS, { recursive: true })
  const bridge = await startBridge({ port: 0, oracle: opts.oracle === true })
  const browser = await launchChromium()
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    acceptDownloads: opts.acceptDownloads ?? false,
  })
  context.setDefaultTimeout(60_000) // a loaded machine, not a slow app (vitest.config.ts)
  const problems: string[] = []
  const watch = (p: Page, w: WatchOptions = opts): void => watchPage(p, problems, w)
  const page = await context.newPage()
  watch(page)
  // CSP violations also reach the console, but record them explicitly too.
  await page.addInitScript(
    `document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')))`,
  )
  await page.goto(bridge.url)
  if (opts.ready) await page.waitForSelector('.app[data-ready="true"]')
  const close = async (): Promise<void> => {
    await browser.close()
    await bridge.close()
  }
  return { bridge, browser, context, page, problems, watch, close }
}

/** Records a page's console errors (and warnings), page errors and, optionally, network failures. */
export function watchPage(p: Page, problems: string[], opts: WatchOptions = {}): void {
  const who = opts.who ? `${opts.who} ` : ''
  p.on('console', (m) => {
    if (m.type() === 'error' || (opts.warnings && m.type() === 'warning'))
      problems.push(`${who}console.${m.type()}: ${m.text()}`)
  })
  p.on('pageerror', (e) => problems.push(`${who}pageerror: ${e.message}`))
  if (!opts.network) return
  p.on('requestfailed', (r) =>
    problems.push(`${who}requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`),
  )
  p.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${who}HTTP ${r.status()}: ${r.url()}`)
  })
}

/** Evaluates a window.lab call in the page and unwraps its Result (a failure throws its message). */
export async function call<T>(page: Page, expr: string): Promise<T> {
  const r = (await page.evaluate(expr)) as Result<T>
  if (!r.ok) throw new Error(`${expr} failed: ${r.error.message}`)
  return r.value
}

/** The lab's scenarios as the engine lists them (scenario.list). */
export function scenarioList(page: Page): Promise<ScenarioSummary[]> {
  return call<ScenarioSummary[]>(page, `window.lab.invoke['scenario.list']()`)
}

/** The stepper as the engine has it (timeline.view); null when no scenario is running. */
export function stepperViewOf(page: Page): Promise<StepperView | null> {
  return call<StepperView | null>(page, `window.lab.invoke['timeline.view']()`)
}

/** A screenshot function for one page: shot('01-x') writes test-results/screens/<prefix>01-x.png. */
export function shooter(page: Page, prefix = ''): (name: string) => Promise<void> {
  return async (name) => {
    await page.screenshot({ path: join(SCREENS, `${prefix}${name.endsWith('.png') ? name : `${name}.png`}`) })
  }
}

/** Scrolls the virtualised matrix so that row `r`, column `c` is rendered. */
export async function scrollMatrixTo(page: Page, r: number, c: number): Promise<void> {
  await page.evaluate(
    `(() => { const s = document.querySelector('[data-test="matrix-scroller"]'); const b = s.querySelector('.cell');
      const w = b ? b.offsetWidth : 70, h = b ? b.offsetHeight : 38;
      s.scrollLeft = Math.max(0, ${c} * w - s.clientWidth / 3); s.scrollTop = Math.max(0, ${r} * h - s.clientHeight / 3);
      s.dispatchEvent(new Event('scroll')) })()`,
  )
}

/**
 * Registers the suite's beforeAll/afterAll: starts the harness and Chromium before the first test
 * (then hands the handle to `ready`, e.g. to set the file's `page`) and closes both after the last.
 */
export function useE2e(opts: E2eOptions, ready: (e: E2e) => void): void {
  let e: E2e | undefined
  beforeAll(async () => {
    e = await startE2e(opts)
    ready(e)
  })
  afterAll(async () => {
    await e?.close()
  })
}

/** The engine revision the renderer shows (.app data-revision). */
export async function revision(page: Page): Promise<number> {
  return Number(await page.getAttribute('.app', 'data-revision'))
}

/** Runs `act` and waits until the renderer shows a newer engine revision. */
export async function changes(page: Page, act: () => Promise<unknown>): Promise<void> {
  const before = await revision(page)
  await act()
  // Polled from Node: a string predicate would be eval'ed in the page, which our CSP forbids.
  await expect.poll(() => revision(page), { timeout: 60_000 }).toBeGreaterThan(before)
}

/** The stepper cursor a page shows (data-cursor of `sel`). */
export async function cursorOf(page: Page, sel = '[data-test="stepper"]'): Promise<number> {
  return Number(await page.getAttribute(sel, 'data-cursor'))
}

/** Presses a key and waits for the stepper to show a different cursor; returns the new one. */
export async function pressStep(page: Page, key: string): Promise<number> {
  const before = await cursorOf(page)
  await page.keyboard.press(key)
  await expect.poll(() => cursorOf(page), { timeout: 60_000 }).not.toBe(before)
  return cursorOf(page)
}
