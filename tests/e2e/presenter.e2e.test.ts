/**
 * The presenter view end to end: two pages on the browser harness, the instructor's page and
 * '/#presenter'. The instructor steps with the keyboard; the presenter page follows every step
 * (main pushes timeline.changed) without stepping itself. The instructor's stepper also shows the
 * topology of the current step: the devices involved and, for a P2P pair, the path.
 * Screenshots: test-results/screens/presenter-*.png.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { Result } from '../../shared/ipc/contract'
import type { ScenarioSummary, StepperView } from '../../shared/model/stepper'
import { startBridge, type Bridge } from '../../tools/bridge/server'

const root = resolve(import.meta.dirname, '../..')
const builtIndex = join(root, 'out/renderer/index.html')
const screens = join(root, 'test-results/screens')
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

let bridge: Bridge
let browser: Browser
let context: BrowserContext
let instructor: Page
let presenter: Page
const problems: string[] = []

function watch(p: Page, who: string): void {
  p.on('pageerror', (e) => problems.push(`${who} pageerror: ${e.message}`))
  p.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${who} console.error: ${m.text()}`)
  })
}

async function engine<T>(expr: string): Promise<T> {
  const r = (await instructor.evaluate(expr)) as Result<T>
  if (!r.ok) throw new Error(r.error.message)
  return r.value
}
const stepperView = () => engine<StepperView | null>(`window.lab.invoke['timeline.view']()`)

const cursorOf = async (p: Page, sel: string) => Number(await p.getAttribute(sel, 'data-cursor'))
const instructorCursor = () => cursorOf(instructor, '[data-test="stepper"]')
const presenterCursor = () => cursorOf(presenter, '[data-test="presenter"]')

/** Press a key on the instructor's page; the presenter must show the same cursor. */
async function step(key: string): Promise<number> {
  const before = await instructorCursor()
  await instructor.keyboard.press(key)
  await expect.poll(() => instructorCursor(), { timeout: 60_000 }).not.toBe(before)
  const now = await instructorCursor()
  await expect.poll(() => presenterCursor(), { timeout: 60_000 }).toBe(now)
  return now
}

async function presenterShot(name: string): Promise<void> {
  await presenter.bringToFront()
  await presenter.screenshot({ path: join(screens, `presenter-${name}.png`) })
  await instructor.bringToFront()
}

beforeAll(async () => {
  if (!existsSync(builtIndex))
    throw new Error(
      `E2E needs the production renderer build (${builtIndex}). Run \`npx electron-vite build\` first.`,
    )
  mkdirSync(screens, { recursive: true })
  bridge = await startBridge({ port: 0 })
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })
  context = await browser.newContext()
  context.setDefaultTimeout(60_000) // both windows; a loaded machine, not a slow app (vitest.config.ts)
  instructor = await context.newPage()
  await instructor.setViewportSize({ width: 1440, height: 900 })
  watch(instructor, 'instructor')
  await instructor.goto(bridge.url)
  await instructor.waitForSelector('.app[data-ready="true"]')
})

afterAll(async () => {
  await browser?.close()
  await bridge?.close()
})

describe('the presenter page follows the instructor', () => {
  it('opens from the stepper in a second tab (/#presenter)', async () => {
    await instructor.click('[data-test="step-debate"]')
    await instructor.waitForSelector('[data-test="stepper"]')
    const opened = context.waitForEvent('page')
    await instructor.click('[data-test="presenter-open"]')
    presenter = await opened
    watch(presenter, 'presenter')
    await presenter.setViewportSize({ width: 1280, height: 720 })
    expect(new URL(presenter.url()).hash).toBe('#presenter')
    await presenter.waitForSelector('[data-test="presenter"]')
    // It starts from the current stepper (if any), then follows.
    const v = await stepperView()
    if (v) await expect.poll(() => presenterCursor(), { timeout: 60_000 }).toBe(v.cursor)
    else await presenter.waitForSelector('[data-test="presenter-waiting"]')
  })

  it('follows F11 steps into the kernel; the stepper shows the step topology with the pair path', async () => {
    const list = await engine<ScenarioSummary[]>(`window.lab.invoke['scenario.list']()`)
    const index = list.findIndex(
      (s) => s.operations.some((o) => o.op === 'dma_map_sgtable') && /IOMMU off/.test(s.name),
    )
    expect(index).toBeGreaterThanOrEqual(0)
    await instructor.locator('[data-test="scenario"]').nth(index).click()
    await expect.poll(async () => (await stepperView())?.scenario.index, { timeout: 60_000 }).toBe(index)
    await expect.poll(() => presenterCursor(), { timeout: 60_000 }).toBe(await instructorCursor())
    await presenterShot('01-started')

    // F11 into the first operation: the presenter shows the same function.
    await step('F11')
    let v = (await stepperView())!
    await expect.poll(() => presenter.textContent('[data-test="presenter-fn"]')).toBe(v.current!.fn)
    await step('F11')
    v = (await stepperView())!
    expect(await presenter.textContent('[data-test="presenter-fn"]')).toBe(v.current!.fn)
    await presenterShot('02-step-into')

    // Down to the map type of the P2PDMA entry: a pair, with its path in the step's topology.
    for (let i = 0; i < 200 && !v.pair; i++) {
      await step(i < 3 ? 'F10' : 'F11')
      v = (await stepperView())!
    }
    expect(v.pair).toBeTruthy()
    const topo = instructor.locator('[data-test="step-topology"]')
    await expect.poll(() => topo.locator('[data-role="provider"]').count()).toBe(1)
    expect(await topo.locator('[data-role="client"]').count()).toBe(1)
    expect(await topo.locator('li.on-path').count()).toBeGreaterThanOrEqual(3)
    expect(await topo.locator('[data-role="common upstream"]').count()).toBe(1)
    expect(await instructor.textContent('[data-test="step-pair"]')).toContain('PCI_P2PDMA_MAP_BUS_ADDR')
    await instructor.screenshot({ path: join(screens, 'presenter-03-instructor-topology.png') })
    expect(await presenter.textContent('[data-test="presenter-fn"]')).toBe(v.current!.fn)
    await presenterShot('04-pair')
  })

  it('shows the errno large when the instructor runs to the first failure, and steps back with him', async () => {
    const list = await engine<ScenarioSummary[]>(`window.lab.invoke['scenario.list']()`)
    const index = list.findIndex((s) => s.operations.some((o) => o.expect?.errno === 'EFAULT'))
    expect(index).toBeGreaterThanOrEqual(0)
    await instructor.locator('[data-test="scenario"]').nth(index).click()
    await expect.poll(async () => (await stepperView())?.scenario.index, { timeout: 60_000 }).toBe(index)
    await step('F8')
    const v = (await stepperView())!
    expect(v.current?.outcome?.kind).toBe('fail')
    const outcome = presenter.locator('[data-test="presenter-outcome"]')
    await expect.poll(() => outcome.getAttribute('data-errno')).toBe('EFAULT')
    expect(await outcome.textContent()).toContain('-EFAULT')
    await presenterShot('05-efault')
    await step('Shift+F10')
    expect(await presenter.locator('[data-test="presenter-outcome"][data-errno]').count()).toBe(0)
    // The presenter never steps: F11 there changes nothing.
    const before = await instructorCursor()
    await presenter.keyboard.press('F11')
    await presenter.waitForTimeout(300)
    expect(await instructorCursor()).toBe(before)
    expect(await presenterCursor()).toBe(before)
    expect(problems).toEqual([])
  })
})
