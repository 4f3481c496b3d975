/**
 * Projector-ready layout: every view at 1280×720 with the header's A+ pressed three times (a typical
 * projector, text large enough for the back of the room), and at a laptop size (1440×900). Each view
 * stays usable: the P2P matrix shows at least 4 rows and 4 columns, nothing is pushed out of the
 * window sideways, the main controls are on screen, and the presenter shows the open exercise.
 * Screenshots: test-results/screens/projector-<size>-<view>.png (looked at, not compared).
 */
import { describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import type { ScenarioSummary, StepperView } from '../../shared/model/stepper'
import { call, shooter, useE2e, type E2e } from './helpers'

let e: E2e
let context: BrowserContext
let page: Page
let problems: string[]

useE2e({ viewport: { width: 1280, height: 720 }, ready: true }, (x) => {
  e = x
  ;({ context, page, problems } = x)
})

const SIZES = [
  { name: '1280x720-a3', width: 1280, height: 720, bigger: 3 },
  { name: '1440x900', width: 1440, height: 900, bigger: 0 },
] as const

/** Elements of the page that stick out of the window sideways (clipped), by data-test or class. */
function overflowing(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const out: string[] = []
    const w = document.documentElement.clientWidth
    if (document.documentElement.scrollWidth > w + 1)
      out.push(`page scrolls sideways (${document.documentElement.scrollWidth} > ${w})`)
    for (const el of document.querySelectorAll<HTMLElement>('button, select, input, [data-test]')) {
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0) continue
      const style = getComputedStyle(el)
      if (style.visibility === 'hidden') continue
      // inside a scrolling container is fine: only what leaves the window itself counts
      if (r.right > w + 1 && !el.closest('.panel-body, [data-test="matrix-scroller"], .scroll, .vue-flow'))
        out.push(`${el.dataset['test'] ?? el.className ?? el.tagName} ends at ${Math.round(r.right)} > ${w}`)
    }
    return out
  })
}

/** Matrix cells whose box is fully inside the matrix scroller's visible area: distinct rows, columns. */
function visibleMatrix(p: Page): Promise<{ rows: number; cols: number }> {
  return p.evaluate(() => {
    const s = document.querySelector('[data-test="matrix-scroller"]')
    if (!s) return { rows: 0, cols: 0 }
    const box = s.getBoundingClientRect()
    const vw = document.documentElement.clientWidth
    const vh = document.documentElement.clientHeight
    const rows = new Set<number>()
    const cols = new Set<number>()
    for (const c of s.querySelectorAll<HTMLElement>('.cell[data-r]')) {
      const r = c.getBoundingClientRect()
      const inside =
        r.left >= Math.max(box.left, 0) - 1 &&
        r.right <= Math.min(box.right, vw) + 1 &&
        r.top >= Math.max(box.top, 0) - 1 &&
        r.bottom <= Math.min(box.bottom, vh) + 1
      if (inside) {
        rows.add(Math.round(r.top))
        cols.add(Math.round(r.left))
      }
    }
    return { rows: rows.size, cols: cols.size }
  })
}

async function setFont(p: Page, bigger: number): Promise<void> {
  for (let i = 0; i < 6; i++) await p.click('[data-test="font-smaller"]')
  for (let i = 0; i < 1 + bigger; i++) await p.click('[data-test="font-bigger"]') // index 1 = 100 %
}

describe('projector-ready layout', () => {
  for (const size of SIZES) {
    it(`every view is usable at ${size.name}`, async () => {
      const shot = shooter(page, `projector-${size.name}-`)
      await page.setViewportSize({ width: size.width, height: size.height })
      await setFont(page, size.bigger)

      await page.click('[data-tab="topology"]')
      await page.waitForSelector('[data-test="matrix-scroller"]')
      await expect.poll(() => visibleMatrix(page)).toMatchObject({ rows: expect.any(Number) })
      const m = await visibleMatrix(page)
      expect(m.rows, 'matrix rows on screen').toBeGreaterThanOrEqual(4)
      expect(m.cols, 'matrix columns on screen').toBeGreaterThanOrEqual(4)
      expect(await overflowing(page)).toEqual([])
      await shot('1-topology')

      await page.click('[data-tab="editor"]')
      await page.waitForSelector('.vue-flow__node')
      expect(await overflowing(page)).toEqual([])
      await shot('2-editor')

      await page.click('[data-tab="addressmap"]')
      await page.waitForSelector('[data-test="address-map"]')
      expect(await overflowing(page)).toEqual([])
      await shot('3-addressmap')

      // the stepper held at an open exercise of the course (L04: the pin without FOLL_PCI_P2PDMA)
      await page.click('[data-tab="stepper"]')
      const list = await call<ScenarioSummary[]>(page, `window.lab.invoke['scenario.list']()`)
      const l12 = list.find((s) => s.name.startsWith('L12'))!
      await page.locator(`[data-test="scenario"][data-index="${l12.index}"]`).click()
      await page.click('[data-step="continue"]')
      await expect
        .poll(
          async () => (await call<StepperView | null>(page, `window.lab.invoke['timeline.view']()`))?.stopped,
        )
        .toBe('exercise')
      const card = page.locator('[data-test="exercise"].focus')
      await card.waitFor()
      // the open question and its lock-in button are on screen without scrolling the page
      expect(await card.locator('[data-test="question"]').isVisible()).toBe(true)
      await card.locator('[data-test="predict"]').scrollIntoViewIfNeeded()
      expect(await card.locator('[data-test="predict"]').isVisible()).toBe(true)
      for (const sel of ['[data-step="into"]', '[data-test="cursor"]', '[data-test="instructor-toggle"]'])
        expect(await page.locator(sel).isVisible(), sel).toBe(true)
      expect(await overflowing(page)).toEqual([])
      await shot('4-stepper-exercise')

      // the presenter: the question, never the answer, big
      const opened = context.waitForEvent('page')
      await page.click('[data-test="presenter-open"]')
      const presenter = await opened
      e.watch(presenter, { who: 'presenter' })
      await presenter.setViewportSize({ width: size.width, height: size.height })
      await presenter.waitForSelector('[data-test="presenter-exercise"]')
      expect(await presenter.locator('[data-test="presenter-question"]').isVisible()).toBe(true)
      expect(await presenter.locator('[data-test="presenter-pos"]').textContent()).toBe(
        `step ${(await page.textContent('[data-test="cursor"]'))!.trim()}`,
      )
      expect(await overflowing(presenter)).toEqual([])
      await shooter(presenter, `projector-${size.name}-`)('5-presenter')
      await presenter.close()
      // back to a fresh lab for the next size (the exercise stays open)
      expect(problems).toEqual([])
    })
  }
})
