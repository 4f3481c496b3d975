/**
 * The stepper end to end: the real renderer (production build) against the real engine, in
 * Chromium, through the browser harness. From app start one click to the first scenario; step
 * "BAR via remap_pfn_range, then GUP" (case C22) with the keyboard to check_vma_flags failing with
 * -EFAULT, back before the failure and forward again; compare two eras; export a report.
 * Screenshots: test-results/screens/stepper-*.png.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { ScenarioSummary } from '../../shared/model/stepper'
import { ROOT as root, shooter, useE2e, cursorOf, pressStep, scenarioList, stepperViewOf } from './helpers'
import { revealAllInUi } from '../helpers/workshop'
const C22 = join(root, 'tests/scenarios/C22-gup-on-remap-pfn-range.p2plab')

let page: Page
let problems: string[]

const shot = (name: string) => shooter(page, 'stepper-')(name)
const stepperView = () => stepperViewOf(page)

const cursor = () => cursorOf(page)
/** Press a key and wait for the stepper to show a different cursor. */
const press = (key: string) => pressStep(page, key)

useE2e(
  { viewport: { width: 1440, height: 900 }, acceptDownloads: true, ready: true },
  (e) => ({ page, problems } = e),
)

describe('the kernel-call stepper in Chromium against the real engine', () => {
  it('is one click from app start', async () => {
    await page.click('[data-test="step-debate"]')
    await page.waitForSelector('[data-test="stepper"]')
    const list = await scenarioList(page)
    if (list.length > 0) {
      // The default lab has scenarios: the first one is started by that click.
      await expect
        .poll(async () => (await stepperView())?.scenario.index, { timeout: 60_000 })
        .toBe(list[0]!.index)
      await page.waitForSelector('[data-test="op"]')
      // the header names the era the scenario runs in (the default lab itself is v6.12)
      const run = (await stepperView())!.scenario.era
      if (run !== 'v6.12') expect(await page.textContent('[data-test="run-era-label"]')).toContain(run)
      else expect(await page.inputValue('select[data-test="era"]')).toBe('v6.12')
    }
    await shot('01-launched')
  })

  it('steps C22 with the keyboard to check_vma_flags failing with -EFAULT, back and forward', async () => {
    const list = await scenarioList(page)
    const isC22 = (x: ScenarioSummary) =>
      /remap_pfn_range/.test(x.name) && x.operations.some((o) => o.op.startsWith('pin_user_pages'))
    let index = list.findIndex((x) => isC22(x) && x.era === 'v6.12')
    if (index < 0) index = list.findIndex(isC22)
    if (index < 0) {
      // The default lab lacks it: open the case file like a user would.
      await page.setInputFiles('[data-test="file-input"]', C22)
      await page.waitForSelector('[data-test="scenario"]')
      index = 0
    }
    await page.locator('[data-test="scenario"]').nth(index).click()
    await page.waitForSelector('[data-test="op"][data-state="pending"]')
    const v0 = (await stepperView())!
    expect(v0.cursor).toBe(v0.start)
    // The course asks about this scenario: stepping would wait for predictions. The instructor
    // reveals its exercises first (the workshop flow has its own tests).
    if (v0.workshop?.open.length) await revealAllInUi(page)

    // F11 into ksys_mmap_pgoff, F10 over it: the whole mmap runs as one step over.
    await press('F11')
    expect(await page.textContent('[data-test="current-step"]')).toContain('ksys_mmap_pgoff')
    await press('F11')
    await shot('02-step-into')
    await press('Shift+F11')
    // F10 until the mmap is done (its return, then the lab's step that names the buffer).
    for (let i = 0; i < 5 && (await page.locator('[data-test="op"][data-state="done"]').count()) === 0; i++)
      await press('F10')
    await page.waitForSelector('[data-test="op"][data-state="done"]')
    expect(await page.locator('[data-test="op-actual"]').first().textContent()).toMatch(/ok/)

    // Into pin_user_pages_fast and down to check_vma_flags.
    await press('F11')
    let v = (await stepperView())!
    for (let i = 0; i < 60 && !(v.current?.fn === 'check_vma_flags' && v.current.kind === 'check'); i++) {
      await press('F11')
      v = (await stepperView())!
    }
    expect(v.current).toMatchObject({ fn: 'check_vma_flags', kind: 'check' })
    expect(v.current!.check!.ok).toBe(false)
    const checkCursor = v.cursor
    await shot('03-check-fails')

    const failCursor = await press('F11')
    v = (await stepperView())!
    expect(v.current).toMatchObject({ fn: 'check_vma_flags', kind: 'fail' })
    const top = page.locator('[data-test="frame"]').last()
    expect(await top.getAttribute('data-fn')).toBe('check_vma_flags')
    expect(await top.locator('[data-test="frame-outcome"]').textContent()).toContain('-EFAULT (-14)')
    expect(await top.locator('[data-test="frame-check"]').last().textContent()).toContain('✗')
    await shot('04-efault')

    // Step back to before the failure, then forward again: the same step, the same state.
    expect(await press('Shift+F10')).toBe(checkCursor)
    expect(
      await page.locator('[data-test="frame"]').last().locator('[data-test="frame-outcome"]').count(),
    ).toBe(0)
    await shot('05-stepped-back')
    expect(await press('F11')).toBe(failCursor)
    expect((await stepperView())!.current).toEqual(v.current)

    // The frame's source link: the harness answers the elixir URL.
    await top.locator('[data-test="frame-source"]').click()
    await expect
      .poll(() => page.textContent('[data-test="source-url"]'))
      .toContain(`https://elixir.bootlin.com/linux/${v.scenario.era}/C/ident/check_vma_flags`)

    // Run to the end: every operation done, with its expected outcome met.
    await page.click('[data-step="continue"]')
    await page.waitForSelector('[data-test="stopped"]')
    v = (await stepperView())!
    expect(v.atEnd).toBe(true)
    expect(v.operations.every((o) => o.state === 'done' && o.met !== false)).toBe(true)
    await page.fill('[data-test="scrubber"]', String(Math.floor(v.total / 2)))
    await expect.poll(() => cursor()).toBe(Math.floor(v.total / 2))
    await shot('06-scrubbed')
  })

  it('sets a breakpoint and continues to it', async () => {
    await page.fill('[data-test="scrubber"]', '0')
    await page.fill('[data-test="bp-input"]', 'ib_umem_get')
    await page.press('[data-test="bp-input"]', 'Enter')
    await page.waitForSelector('[data-test="breakpoints"] .bp')
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('F5')
    await expect.poll(async () => (await stepperView())?.current?.fn).toBe('ib_umem_get')
    expect(await page.textContent('[data-test="stopped"]')).toContain('breakpoint')
    await shot('07-breakpoint')
  })

  it('highlights and explains the changes of the last step', async () => {
    await page.fill('[data-test="bp-input"]', 'remap_pfn_range')
    await page.press('[data-test="bp-input"]', 'Enter')
    await page.fill('[data-test="scrubber"]', '0')
    await expect.poll(() => cursor()).toBe(0)
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('F5')
    await expect.poll(async () => (await stepperView())?.current?.fn).toBe('remap_pfn_range')
    await press('F11')
    const vmas = page.locator('[data-test="pane"][data-pane="vmas"]')
    expect(await vmas.getAttribute('class')).toContain('changed')
    expect(await vmas.locator('[data-test="delta"]').first().textContent()).toMatch(/vm_flags/)
    expect(await vmas.locator('[data-test="var-row"].hot').count()).toBe(1)
    await shot('08-delta-highlight')
  })

  it('compares two eras side by side', async () => {
    await page.click('[data-test="compare-toggle"]')
    await page.selectOption('[data-test="era-a"]', 'v5.0')
    await page.selectOption('[data-test="era-b"]', 'v6.12')
    await page.click('[data-test="compare-run"]')
    await page.waitForSelector('[data-test="compare-op"]')
    const rows = await page.locator('[data-test="compare-op"]').allTextContents()
    expect(rows.length).toBeGreaterThanOrEqual(4)
    // pin_user_pages_fast() first appeared in 5.6: v5.0 has no such call, v6.12 refuses the VMA
    expect(rows[1]).toMatch(/pin_user_pages_fast.*not in era.*-EFAULT/)
    await shot('09-compare')
    await page.click('[data-test="compare-toggle"]')
  })

  it('exports a report', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-test="report-html"]'),
    ])
    const path = await download.path()
    const html = readFileSync(path, 'utf8')
    expect(download.suggestedFilename()).toMatch(/\.html$/)
    expect(html).toContain('check_vma_flags')
    expect(html).toContain('-EFAULT')
    expect(html).not.toMatch(/<script/i)
    await page.waitForSelector('[data-test="report-saved"]')
  })

  it('workshop: a wrong prediction, then the reveal and the score', async () => {
    const lab = JSON.parse(readFileSync(C22, 'utf8')) as {
      name: string
      scenarios: Record<string, unknown>[]
    }
    lab.name = 'Workshop: C22'
    lab.scenarios[0]!['exercises'] = [
      {
        kind: 'which-op-fails',
        question: 'The BAR is mapped with remap_pfn_range. Which operation fails first?',
        answer: '2',
        explanation:
          'pin_user_pages_fast: check_vma_flags() refuses a VM_IO | VM_PFNMAP VMA, there is no struct page.',
      },
      {
        kind: 'errno',
        op: 2,
        question: 'With what errno?',
        answer: 'EFAULT',
        explanation: 'GUP answers -EFAULT.',
      },
    ]
    await page.setInputFiles('[data-test="file-input"]', {
      name: 'workshop-c22.p2plab',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(lab)),
    })
    await expect.poll(() => page.textContent('[data-test="lab-name"]')).toBe('Workshop: C22')
    await page.locator('[data-test="scenario"]').first().click()
    await page.waitForSelector('[data-test="exercise"]')
    const first = page.locator('[data-test="exercise"]').first()
    await first.getByText('1 mmap_bar').click()
    await first.locator('[data-test="predict"]').click()
    await first.locator('[data-test="reveal"]').waitFor()
    expect(await first.locator('[data-test="reveal"]').textContent()).toMatch(/Not quite.*answer is\s*2/s)
    expect(await page.textContent('[data-test="score"]')).toContain('0 / 2')
    const second = page.locator('[data-test="exercise"]').nth(1)
    await second.getByText('EFAULT', { exact: true }).click()
    await second.locator('[data-test="predict"]').click()
    await expect.poll(() => page.textContent('[data-test="score"]')).toContain('1 / 2')
    await shot('11-workshop')
  })

  it('opens the help with F1', async () => {
    await page.keyboard.press('F1')
    await page.waitForSelector('[data-test="help"]')
    expect(await page.textContent('[data-test="help"]')).toContain('Shift+F10')
    await shot('10-help')
    await page.click('[data-test="help-close"]')
    expect(problems).toEqual([])
  })
})
