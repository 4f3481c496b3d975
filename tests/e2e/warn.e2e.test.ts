/**
 * A WARN splat in the Stepper, end to end: open the F03 case file (a long-term pin of P2PDMA
 * memory), run the v6.12 scenario to the failing is_valid_gup_args() and look at the kernel log
 * pane: the whole splat, from the cut-here line to the end-trace line, its WARNING line marked.
 * Screenshots: test-results/screens/warn-*.png (laptop size, and 1280x720 with the font enlarged).
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ROOT as root, scenarioList, shooter, stepperViewOf, useE2e } from './helpers'

const F03 = join(root, 'tests/scenarios/F03-warn-splat.p2plab')

let page: Page
let problems: string[]

const shot = (name: string) => shooter(page, 'warn-')(name)
const stepperView = () => stepperViewOf(page)

useE2e({ viewport: { width: 1440, height: 900 }, ready: true }, (e) => ({ page, problems } = e))

describe('a WARN splat in the kernel log pane', () => {
  it('shows the whole splat of is_valid_gup_args() in v6.12, its WARNING line marked', async () => {
    await page.click('[data-test="step-debate"]')
    await page.waitForSelector('[data-test="stepper"]')
    await page.setInputFiles('[data-test="file-input"]', F03)
    await expect.poll(async () => (await scenarioList(page))[0]?.name ?? '').toContain('F03')
    const list = await scenarioList(page)
    const index = list.findIndex((s) => s.name.includes('is_valid_gup_args (v6.12)'))
    expect(index).toBeGreaterThanOrEqual(0)
    await page.locator('[data-test="scenario"]').nth(index).click()
    await page.waitForSelector('[data-test="op"][data-state="pending"]')
    await page.click('[data-step="continue"]')
    await page.waitForSelector('[data-test="stopped"]')
    const v = (await stepperView())!
    expect(v.atEnd).toBe(true)
    // The end of the run: the kernel log ends with the run's splats.
    const log = page.locator('[data-pane="log"] [data-test="kernel-log"]')
    await log.scrollIntoViewIfNeeded()
    const text = (await log.textContent()) ?? ''
    expect(text).toContain('------------[ cut here ]------------')
    expect(text).toContain('---[ end trace 0000000000000000 ]---')
    // Two sites fired: the LONGTERM|P2PDMA one (once, for the first of two offending pins), then
    // the GET+PIN one; both splats show whole.
    expect(await page.locator('[data-test="warn-line"]').allTextContents()).toEqual([
      'WARNING: CPU: 0 PID: 1000 at mm/gup.c:2633 is_valid_gup_args+0x…/0x…',
      'WARNING: CPU: 0 PID: 1000 at mm/gup.c:2620 is_valid_gup_args+0x…/0x…',
    ])
    await shot('01-splat')
    await page.setViewportSize({ width: 1280, height: 720 })
    await page.evaluate(`document.documentElement.style.fontSize = '125%'`)
    await page.evaluate(
      `document.querySelector('[data-test="kernel-log"]').scrollIntoView({ block: 'start' })`,
    )
    expect(await page.locator('[data-test="warn-line"]').first().isVisible()).toBe(true)
    await shot('02-splat-large-font')
    await log.screenshot({ path: join(root, 'test-results/screens/warn-03-log-pane-large-font.png') })
    await page.evaluate(`document.documentElement.style.fontSize = ''`)
    expect(problems).toEqual([])
  })
})
