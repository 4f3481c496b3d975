/**
 * Views that never go stale, and the keyboard-first matrix and state trees, in Chromium against the
 * real engine: an editor refusal belongs to its lab (cleared by loading another, never covering a
 * node, never in the export); the Compare-eras pane belongs to its scenario; "Step through the 2019
 * debate" on an imported lab says why it cannot and offers the default lab's course; report file
 * names carry the era once; the matrix is one Tab stop driven by the arrow keys and keeps its rows
 * when a cell is selected; the state panes are trees. Screenshots: test-results/screens/views-*.png,
 * at a laptop size and at 1280×720 with A+ pressed three times.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { LabView } from '../../shared/ipc/contract'
import type { ScenarioSummary, StepperView } from '../../shared/model/stepper'
import { ROOT, call, changes, cursorOf, shooter, useE2e, type E2e } from './helpers'
import { revealAllInUi } from '../helpers/workshop'

let e: E2e
let page: Page

const LAPTOP = { width: 1366, height: 768 }
const engineView = () => call<LabView>(page, `window.lab.invoke['lab.current']()`)
const stepperView = () => call<StepperView | null>(page, `window.lab.invoke['timeline.view']()`)
const shot = (name: string) => shooter(page, 'views-')(name)
const focused = () =>
  page.evaluate(`document.activeElement?.getAttribute('data-test') ?? ''`) as Promise<string>
const activeCell = () =>
  page.evaluate(
    `(() => { const a = document.activeElement; return a && a.getAttribute('role') === 'gridcell' ? a.dataset.r + ',' + a.dataset.c : null })()`,
  ) as Promise<string | null>

async function importDgx(): Promise<void> {
  await changes(page, () =>
    page.setInputFiles(
      '[data-test="file-input"]',
      join(ROOT, 'tests/fixtures/realdata/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml'),
    ),
  )
}

async function fontSteps(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await page.click('[data-test="font-bigger"]')
}
async function fontReset(): Promise<void> {
  for (let i = 0; i < 6; i++) await page.click('[data-test="font-smaller"]')
  await page.click('[data-test="font-bigger"]') // index 1: 100 %
}

useE2e({ viewport: LAPTOP, acceptDownloads: true, ready: true }, (x) => {
  e = x
  page = x.page
})

describe('the P2P matrix from the keyboard', () => {
  it('is one Tab stop; arrows, Home/End move; Enter selects; the matrix keeps its rows', async () => {
    const cells = page.locator('[data-test="matrix-scroller"] [role="gridcell"]')
    await cells.first().waitFor()
    expect(await page.locator('[data-test="matrix-scroller"] [role="gridcell"][tabindex="0"]').count()).toBe(
      1,
    )
    // Tab from the control before the grid lands on the grid's one stop, the next Tab leaves it.
    await page.locator('[data-test="matrix-scroller"] [role="gridcell"][tabindex="0"]').focus()
    expect(await activeCell()).toBe('0,0')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowDown')
    expect(await activeCell()).toBe('1,2')
    await page.keyboard.press('End')
    const cols = Number(await page.getAttribute('[role="grid"]', 'aria-colcount')) - 1
    expect(await activeCell()).toBe(`1,${cols - 1}`)
    await page.keyboard.press('Home')
    expect(await activeCell()).toBe('1,0')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Tab')
    expect(await activeCell()).toBeNull()
    await page.keyboard.press('Shift+Tab')
    expect(await activeCell()).toBe('1,1')

    const scroller = page.locator('[data-test="matrix-scroller"]')
    const before = await scroller.evaluate((el) => el.clientHeight)
    const rowsBefore = await page.locator('[data-test="matrix-scroller"] [role="row"]').count()
    await page.keyboard.press('Enter')
    await page.waitForSelector('[data-test="explanation"]')
    const sel = page.locator('[role="gridcell"][aria-selected="true"]')
    expect(await sel.getAttribute('data-r')).toBe('1')
    expect(await sel.getAttribute('data-c')).toBe('1')
    // Selecting a cell opens its explanation below; the matrix keeps its height and its rows.
    expect(await scroller.evaluate((el) => el.clientHeight)).toBe(before)
    expect(await page.locator('[data-test="matrix-scroller"] [role="row"]').count()).toBe(rowsBefore)
    await shot('01-matrix-keyboard-laptop')
  })

  it('at 1280×720 with A+ ×3 the focused cell stays in view and shows it is focused', async () => {
    await page.setViewportSize({ width: 1280, height: 720 })
    await fontSteps(3)
    const stop = page.locator('[data-test="matrix-scroller"] [role="gridcell"][tabindex="0"]')
    await stop.focus()
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown')
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight')
    expect(await activeCell()).toBe('4,3')
    const box = (await page.locator('[role="gridcell"][tabindex="0"]').boundingBox())!
    const view = (await page.locator('[data-test="matrix-scroller"]').boundingBox())!
    expect(box.y + box.height).toBeLessThanOrEqual(view.y + view.height + 1)
    expect(box.x + box.width).toBeLessThanOrEqual(view.x + view.width + 1)
    await shot('02-matrix-keyboard-1280x720-a3')
    await fontReset()
    await page.setViewportSize(LAPTOP)
  })
})

describe('an editor refusal belongs to its lab', () => {
  it('never covers a node, is not in the export, and goes when another lab is loaded', async () => {
    await page.click('#tab-editor')
    await page.waitForSelector('.editor-canvas[data-laid-out="true"]')
    await changes(page, () => page.click('[data-test="new-lab"]'))
    await page.waitForSelector('.vue-flow__node[data-id="hb0"]')
    await page.click('.canvas-tools [aria-label="Fit"]')
    await page.locator('.vue-flow__node[data-id="hb0"]').click()
    await changes(page, () => page.click('[data-palette="root_port"]'))
    await page.locator('.vue-flow__node[data-id="rp0"]').click()
    await changes(page, () => page.click('[data-palette="switch"]'))
    await page.click('.canvas-tools [aria-label="Fit"]')
    await page.waitForTimeout(300)
    await page.locator('.vue-flow__node[data-id="usp0"]').click()
    const svgBefore = await exportSvg()
    await page.click('[data-palette="gpu"]') // an endpoint under an upstream port: refused
    await page.waitForSelector('[data-test="refusal"]')
    await page.waitForSelector('.topo-node.error')
    // The banner sits above the canvas, not over it.
    const banner = (await page.locator('[data-test="refusal"]').boundingBox())!
    const canvas = (await page.locator('.editor-canvas').boundingBox())!
    expect(banner.y + banner.height).toBeLessThanOrEqual(canvas.y + 1)
    expect(await page.locator('.err-msg').count()).toBe(0)
    // ⛔ comes from the font the app ships (renderer/src/assets/fonts), not a missing-glyph box.
    const faces = (await page.evaluate(
      `document.fonts.load('16px "Lab Glyphs"', '⛔').then((fs) => fs.map((f) => f.family + ' ' + f.status))`,
    )) as string[]
    expect(faces).toEqual([expect.stringMatching(/Lab Glyphs\W* loaded/)])
    await shot('03-editor-refusal')
    // The export draws the topology, not the refusal (nor the selection).
    expect(await exportSvg()).toBe(svgBefore)

    await changes(page, () => page.click('button[title="Reload the default lab"]'))
    await page.waitForSelector('.vue-flow__node[data-id="rp0_sw"]')
    expect(await page.locator('[data-test="refusal"]').count()).toBe(0)
    expect(await page.locator('.topo-node.error').count()).toBe(0)
    expect(await page.locator('.topo-node.selected').count()).toBe(0)
  })
})

async function exportSvg(): Promise<string> {
  const dl = page.waitForEvent('download')
  await page.click('[data-test="export-svg"]')
  const d = await dl
  return readFileSync((await d.path())!, 'utf8')
}

describe('the stepper belongs to its lab and scenario', () => {
  it('an imported lab: the launcher says why and offers the default lab course', async () => {
    await page.click('#tab-topology')
    await importDgx()
    expect((await engineView()).lab.scenarios ?? []).toEqual([])
    const launch = page.locator('[data-test="step-debate"]')
    await launch.focus()
    await page.keyboard.press('Enter')
    await page.waitForSelector('[data-test="course-offer"]')
    expect(await page.textContent('[data-test="course-offer-why"]')).toMatch(/has no scenarios/)
    expect(await focused()).toBe('course-offer-load')
    await shot('04-course-offer')
    // Esc closes it and gives the focus back; the imported lab is still open.
    await page.keyboard.press('Escape')
    await page.waitForSelector('[data-test="course-offer"]', { state: 'detached' })
    expect(await focused()).toBe('step-debate')
    expect((await engineView()).importReport?.format).toBe('hwloc-xml')

    await page.keyboard.press('Enter')
    await page.waitForSelector('[data-test="course-offer"]')
    await changes(page, () => page.click('[data-test="course-offer-load"]'))
    await page.waitForSelector('[data-test="stepper"]')
    await expect.poll(async () => (await stepperView())?.scenario.index).toBe(0)
    expect((await engineView()).importReport).toBeNull()
  })

  it('the step counter starts at the first step and counts what the presenter counts', async () => {
    const v = (await stepperView())!
    expect(await page.textContent('[data-test="cursor"]')).toBe(`${v.position.step} / ${v.position.of}`)
    expect(v.position.step).toBeLessThanOrEqual(1)
    if (v.workshop?.open.length) await revealAllInUi(page)
    await page.keyboard.press('F11')
    await expect.poll(async () => (await stepperView())?.position.step).toBe(v.position.step + 1)
    expect(await page.textContent('[data-test="cursor"]')).toMatch(new RegExp(`^${v.position.step + 1} / `))
  })

  it('the state panes are trees: one Tab stop each, arrow keys open objects', async () => {
    for (let i = 0; i < 60; i++) {
      const v = (await stepperView())!
      if (v.world.vmas.length > 0 || v.atEnd) break
      await page.keyboard.press('F10')
      await expect.poll(async () => cursorOf(page)).not.toBe(v.cursor)
    }
    const tree = page.locator('[data-pane="vmas"] [role="tree"]')
    await tree.waitFor()
    expect(await tree.locator('[role="treeitem"][tabindex="0"]').count()).toBe(1)
    const first = tree.locator('[role="treeitem"][aria-level="1"]').first()
    await first.focus()
    if ((await first.getAttribute('aria-expanded')) === 'true') await page.keyboard.press('ArrowLeft')
    expect(await first.getAttribute('aria-expanded')).toBe('false')
    await page.keyboard.press('ArrowRight')
    expect(await first.getAttribute('aria-expanded')).toBe('true')
    await page.keyboard.press('ArrowRight') // into its first field
    await page.keyboard.press('ArrowDown')
    const fields = await tree.locator('[role="treeitem"][aria-level="2"] .name').allTextContents()
    expect(fields).toEqual(expect.arrayContaining(['vm_start', 'vm_end', 'vm_flags']))
    // no pane shows JSON
    expect(await page.textContent('[data-test="state-panes"] [role="tree"]')).not.toMatch(/\{"/)
    await page
      .locator('[data-test="state-panes"]')
      .evaluate((el) => el.closest('.panel-body')?.scrollTo(0, 0))
    await shot('05-state-tree-laptop')
    await page.setViewportSize({ width: 1280, height: 720 })
    await fontSteps(3)
    await first.scrollIntoViewIfNeeded()
    await shot('06-state-tree-1280x720-a3')
    await fontReset()
    await page.setViewportSize(LAPTOP)
  })

  it('the Compare-eras pane closes when another scenario is picked', async () => {
    await page.click('[data-test="compare-toggle"]')
    await page.waitForSelector('[data-test="compare-run"]')
    const list = await call<ScenarioSummary[]>(page, `window.lab.invoke['scenario.list']()`)
    const other = list.find((s) => s.index !== 0)!
    await page.locator(`[data-test="scenario"][data-index="${other.index}"]`).click()
    await expect.poll(async () => (await stepperView())?.scenario.index).toBe(other.index)
    await page.waitForSelector('[data-test="compare-run"]', { state: 'detached' })
    expect(await page.getAttribute('[data-test="compare-toggle"]', 'class')).not.toContain('primary')
  })

  it('a report file name carries the scenario once and the era once', async () => {
    const list = await call<ScenarioSummary[]>(page, `window.lab.invoke['scenario.list']()`)
    const rfc = list.find((s) => /\(v5\.0-rfc\)$/.test(s.name))!
    await page.locator(`[data-test="scenario"][data-index="${rfc.index}"]`).click()
    await expect.poll(async () => (await stepperView())?.scenario.index).toBe(rfc.index)
    if ((await stepperView())!.workshop?.open.length) await revealAllInUi(page)
    const dl = page.waitForEvent('download')
    await page.click('[data-test="report-md"]')
    const name = (await dl).suggestedFilename()
    expect(name).toMatch(/^l\d\d-[a-z0-9-]+-v5\.0-rfc\.md$/)
    expect(name).not.toMatch(/-v5-0|-v-v/)
    expect(e.problems).toEqual([])
  })
})
