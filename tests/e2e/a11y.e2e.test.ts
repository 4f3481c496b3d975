/**
 * The accessibility stage: axe-core (from npm, evaluated into the page through playwright-core, so
 * the app's CSP stays as it ships) audits every view in the light and the dark theme: the default
 * lab, a DGX-2H import, the editor, the address map, the stepper, its help dialog, an open
 * exercise and the presenter page. Any violation, of any impact (minor and moderate too: one main
 * landmark, one h1, headings in order), fails the stage; the whole
 * report (every impact, every node) is written to test-results/axe-report.json and a readable
 * summary to test-results/axe-report.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { ScenarioSummary, StepperView } from '../../shared/model/stepper'
import { ROOT, call, changes, useE2e, type E2e } from './helpers'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const REPORT_DIR = join(ROOT, 'test-results')
const FAILING = new Set(['minor', 'moderate', 'serious', 'critical'])

interface AxeNode {
  target: string[]
  html: string
  failureSummary?: string
}
interface AxeViolation {
  id: string
  impact: string | null
  help: string
  helpUrl: string
  nodes: AxeNode[]
}
interface Audit {
  view: string
  scheme: 'light' | 'dark'
  violations: AxeViolation[]
}

let e: E2e
let page: Page
const audits: Audit[] = []

useE2e({ viewport: { width: 1440, height: 900 }, ready: true }, (x) => {
  e = x
  page = x.page
})

/** Runs axe on `p` (injecting it once per document) in both colour schemes; records the result. */
async function audit(view: string, p: Page = page): Promise<AxeViolation[]> {
  const bad: AxeViolation[] = []
  for (const scheme of ['light', 'dark'] as const) {
    await p.emulateMedia({ colorScheme: scheme })
    if (!(await p.evaluate(`typeof window.axe === 'object'`))) await p.evaluate(`${AXE_SOURCE};0`)
    const violations = (await p.evaluate(
      `axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })) })))`,
    )) as AxeViolation[]
    audits.push({ view, scheme, violations })
    bad.push(...violations.filter((v) => FAILING.has(v.impact ?? '')))
  }
  await p.emulateMedia({ colorScheme: 'light' })
  return bad
}

/** What a failing audit says: rule, impact and the first nodes, enough to find it. */
function describeBad(vs: AxeViolation[]): string[] {
  return vs.map(
    (v) =>
      `${v.impact} ${v.id}: ${v.help} — ${v.nodes
        .slice(0, 4)
        .map(
          (n) => `${n.target.join(' ')} (${n.failureSummary?.split('\n').slice(1, 2).join('').trim() ?? ''})`,
        )
        .join('; ')}${v.nodes.length > 4 ? ` … ${v.nodes.length} nodes` : ''}`,
  )
}

function writeReport(): void {
  mkdirSync(REPORT_DIR, { recursive: true })
  writeFileSync(join(REPORT_DIR, 'axe-report.json'), JSON.stringify(audits, null, 2))
  const lines = [
    '# axe-core audit',
    '',
    '| view | scheme | violations | impact unknown |',
    '| --- | --- | --- | --- |',
  ]
  for (const a of audits) {
    const hard = a.violations.filter((v) => FAILING.has(v.impact ?? ''))
    lines.push(
      `| ${a.view} | ${a.scheme} | ${hard.map((v) => v.id).join(', ') || '0'} | ${
        a.violations
          .filter((v) => !FAILING.has(v.impact ?? ''))
          .map((v) => `${v.id} (${v.impact})`)
          .join(', ') || '0'
      } |`,
    )
  }
  writeFileSync(join(REPORT_DIR, 'axe-report.md'), `${lines.join('\n')}\n`)
}

const stepperView = () => call<StepperView | null>(page, `window.lab.invoke['timeline.view']()`)

describe('axe-core: no serious or critical violation in any view, light or dark', () => {
  it('the default lab (Topology & P2P), with a pair selected', async () => {
    expect(describeBad(await audit('default lab'))).toEqual([])
    await page.locator('[data-test="matrix-scroller"] [role="gridcell"]').nth(1).click()
    await page.waitForSelector('[data-test="explanation"]')
    expect(describeBad(await audit('default lab, pair selected'))).toEqual([])
  })

  it('the editor and the address map', async () => {
    await page.click('#tab-editor')
    await page.waitForSelector('#view-editor')
    expect(describeBad(await audit('editor'))).toEqual([])
    await page.click('#tab-addressmap')
    await page.waitForSelector('#view-addressmap')
    expect(describeBad(await audit('address map'))).toEqual([])
  })

  it('the stepper, its help dialog and an open exercise', async () => {
    await page.click('[data-test="step-debate"]')
    await page.waitForSelector('[data-test="stepper"]')
    await page.keyboard.press('F11')
    expect(describeBad(await audit('stepper'))).toEqual([])
    await page.keyboard.press('F1')
    await page.waitForSelector('[data-test="help"]')
    expect(describeBad(await audit('stepper help'))).toEqual([])
    await page.keyboard.press('Escape')
    await page.waitForSelector('[data-test="help"]', { state: 'detached' })

    const list = await call<ScenarioSummary[]>(page, `window.lab.invoke['scenario.list']()`)
    const withExercise = list.find((s) => s.exercises.length > 0)!
    await page.locator(`[data-test="scenario"][data-index="${withExercise.index}"]`).click()
    await expect.poll(async () => (await stepperView())?.scenario.index).toBe(withExercise.index)
    await page.click('[data-step="continue"]')
    await expect
      .poll(async () => {
        const v = await stepperView()
        return v?.stopped === 'exercise' || v?.atEnd
      })
      .toBe(true)
    await page.waitForSelector('[data-test="exercise"]')
    expect(describeBad(await audit('open exercise'))).toEqual([])
  })

  it('the presenter page', async () => {
    const opened = e.context.waitForEvent('page')
    await page.click('[data-test="presenter-open"]')
    const presenter = await opened
    e.watch(presenter, { who: 'presenter' })
    await presenter.waitForSelector('[data-test="presenter"]')
    expect(describeBad(await audit('presenter', presenter))).toEqual([])
    await presenter.close()
  })

  it('a DGX-2H machine imported from hwloc XML', async () => {
    await page.click('#tab-topology')
    await changes(page, () =>
      page.setInputFiles(
        '[data-test="file-input"]',
        join(ROOT, 'tests/fixtures/realdata/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml'),
      ),
    )
    await page.waitForSelector('[data-test="import-summary"]')
    expect(describeBad(await audit('DGX-2H import'))).toEqual([])
  })

  it('writes its report and the pages reported no problem', () => {
    writeReport()
    expect(audits.length).toBeGreaterThanOrEqual(2 * 9)
    expect(e.problems).toEqual([])
  })
})
