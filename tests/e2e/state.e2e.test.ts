/**
 * Issue 6 in the real renderer (production build) against the real engine through the browser
 * harness: state lives in main (a page reload comes back with the same lab and selection), and the
 * CSP blocks an injected inline script. Build first: `npx electron-vite build`.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { LabView, UiState } from '../../shared/ipc/contract'
import { call as callIn, scrollMatrixTo, useE2e } from './helpers'

let page: Page

const call = <T>(expr: string) => callIn<T>(page, expr)
const engineView = () => call<LabView>(`window.lab.invoke['lab.current']()`)
const uiState = () => call<UiState>(`window.lab.invoke['ui.state']()`)

useE2e({ ready: true }, (e) => (page = e.page))

describe('state lives in main', () => {
  it('a reload comes back with the same lab (settings changed) and the same selection', async () => {
    await call(`window.lab.invoke['lab.setSettings']({ era: 'v5.4' })`)
    const view = await engineView()
    const pair = view.matrix.pairs.find((p) => p.provider !== p.client)!
    const node = view.nodes.find((n) => n.kind === 'endpoint')!
    // Select in the UI: a tree node, then a matrix cell (scrolled into view first).
    await page.locator(`[data-node-id="${node.id}"]`).first().click()
    const r = view.matrix.providers.indexOf(pair.provider)
    const c = view.matrix.clients.indexOf(pair.client)
    await scrollMatrixTo(page, r, c)
    const cellSel = `button.cell[data-provider="${pair.provider}"][data-client="${pair.client}"]`
    await page.locator(cellSel).click()
    await expect
      .poll(async () => (await uiState()).selectedPair, { timeout: 60_000 })
      .toEqual({ provider: pair.provider, client: pair.client })
    const selectedNode = (await uiState()).selectedNode

    await page.reload()
    await page.waitForSelector('.app[data-ready="true"]')
    const after = await engineView()
    expect(after.revision).toBe(view.revision)
    expect(after.lab.settings.era).toBe('v5.4')
    expect(await page.getAttribute('.app', 'data-revision')).toBe(String(view.revision))
    await page.locator('[data-test="explanation"]').waitFor()
    expect(await page.locator(`${cellSel}.selected`).count()).toBe(1)
    expect((await uiState()).selectedPair).toEqual({ provider: pair.provider, client: pair.client })
    if (selectedNode)
      expect(
        await page.locator(`[data-node-id="${selectedNode}"][aria-selected="true"]`).count(),
      ).toBeGreaterThan(0)
  })
})

describe('stepping position lives in main', () => {
  it('a reload finds the running scenario at the same cursor (timeline.view)', async () => {
    const list = await call<{ exercises: unknown[] }[]>(`window.lab.invoke['scenario.list']()`)
    expect(list.length).toBeGreaterThan(0)
    // the course's exercises would hold stepping at the start: the instructor reveals them
    for (let e = 0; e < list[0]!.exercises.length; e++)
      await call(`window.lab.invoke['exercise.reveal']({ index: 0, exercise: ${e} })`)
    await call(`window.lab.invoke['scenario.start']({ index: 0 })`)
    for (let i = 0; i < 5; i++) await call(`window.lab.invoke['timeline.step']({ kind: 'into' })`)
    const before = await call<{ cursor: number; start: number }>(`window.lab.invoke['timeline.view']()`)
    expect(before.cursor).toBe(before.start + 5)
    await page.reload()
    await page.waitForSelector('.app[data-ready="true"]')
    const after = await call<{ cursor: number } | null>(`window.lab.invoke['timeline.view']()`)
    expect(after?.cursor).toBe(before.cursor)
  })
})

describe('content security policy', () => {
  it('blocks an injected inline script and reports a securitypolicyviolation', async () => {
    // Resolves on the violation event itself (no fixed wait): a loaded machine only delays it; the
    // 30 s fallback only stops a hang, and then the expectations below fail with what was seen.
    const result = (await page.evaluate(`new Promise((resolve) => {
      const violations = []
      const done = () => resolve({ ran: window.__inlineRan === true, violations })
      document.addEventListener('securitypolicyviolation', (e) => {
        violations.push(e.violatedDirective)
        done()
      })
      const s = document.createElement('script')
      s.textContent = 'window.__inlineRan = true'
      document.head.appendChild(s)
      setTimeout(done, 30000)
    })`)) as { ran: boolean; violations: string[] }
    expect(result.ran).toBe(false)
    expect(result.violations.some((d) => d.startsWith('script-src'))).toBe(true)
  })
})
