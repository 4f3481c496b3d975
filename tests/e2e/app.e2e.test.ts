/**
 * The real renderer (production build) against the real engine, in Debian Chromium, through the
 * browser harness (tools/bridge/server.ts). Build first: `npx electron-vite build`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { LabView } from '../../shared/ipc/contract'
import type { PairVerdict } from '../../shared/model/p2p'
import { ROOT as root, call, scrollMatrixTo, shooter, useE2e, revision as revisionOf } from './helpers'

const ABBR: Record<string, string> = { BUS_ADDR: 'BUS', THRU_HOST_BRIDGE: 'HOST', NOT_SUPPORTED: '✗' }

let page: Page
let problems: string[]

/** The engine's current view, read through the page's own window.lab (the bridge shim). */
const engineView = () => call<LabView>(page, `window.lab.invoke['lab.current']()`)

const revision = () => revisionOf(page)
async function waitRevisionAbove(n: number): Promise<void> {
  await expect.poll(() => revision(), { timeout: 60_000 }).toBeGreaterThan(n)
}

/** Scroll the (virtualised) matrix so the cell is rendered, and return its locator. */
async function cell(view: LabView, v: Pick<PairVerdict, 'provider' | 'client'>) {
  const r = view.matrix.providers.indexOf(v.provider)
  const c = view.matrix.clients.indexOf(v.client)
  expect(r, `provider ${v.provider} in the matrix`).toBeGreaterThanOrEqual(0)
  expect(c, `client ${v.client} in the matrix`).toBeGreaterThanOrEqual(0)
  await scrollMatrixTo(page, r, c)
  const loc = page.locator(`button.cell[data-provider="${v.provider}"][data-client="${v.client}"]`)
  await loc.waitFor({ state: 'visible' })
  return loc
}

async function expectCellMatches(view: LabView, v: PairVerdict): Promise<void> {
  const loc = await cell(view, v)
  expect(await loc.getAttribute('data-map-type')).toBe(v.mapType)
  expect((await loc.locator('.cell-main').textContent())?.trim()).toBe(ABBR[v.mapType])
  expect((await loc.locator('.cell-dist').textContent())?.trim()).toBe(String(v.distance))
}

function find(view: LabView, pred: (v: PairVerdict) => boolean, what: string): PairVerdict {
  const v = view.matrix.pairs.find((p) => p.provider !== p.client && pred(p))
  if (!v) throw new Error(`the engine's matrix has no ${what} pair`)
  return v
}

const shot = (name: string) => shooter(page)(name)

useE2e({ warnings: true, network: true }, (e) => ({ page, problems } = e))

describe('P2P DMA Lab in Chromium against the real engine', () => {
  it('loads the default lab and shows the engine verdicts in the matrix', async () => {
    await page.waitForSelector('.app[data-ready="true"]')
    await page.waitForSelector('button.cell')
    const view = await engineView()
    expect(view.lab.settings.era).toBe('v6.12')
    expect(await page.textContent('[data-test="lab-name"]')).toBe(view.lab.name)

    const bus = find(view, (v) => v.mapType === 'BUS_ADDR', 'BUS_ADDR')
    const host = find(view, (v) => v.mapType === 'THRU_HOST_BRIDGE', 'THRU_HOST_BRIDGE')
    const nosup = find(view, (v) => v.mapType === 'NOT_SUPPORTED', 'NOT_SUPPORTED')
    const picked = [bus, host, nosup]
    for (const v of view.matrix.pairs) {
      if (picked.length >= 6) break
      if (!picked.includes(v)) picked.push(v)
    }
    for (const v of picked) await expectCellMatches(view, v)
    await page.evaluate(`document.querySelector('[data-test="matrix-scroller"]').scrollTo(0, 0)`)
    await shot('01-default-lab.png')
  })

  it('explains a selected pair: path, reasons and kernel log', async () => {
    const view = await engineView()
    const v = find(
      view,
      (p) => p.mapType === 'THRU_HOST_BRIDGE' && p.path.length > 2,
      'THRU_HOST_BRIDGE with a path',
    )
    await (await cell(view, v)).click()
    const explanation = page.locator('[data-test="explanation"]')
    await explanation.waitFor()
    expect((await page.textContent('[data-test="verdict"]'))?.trim()).toBe(v.mapType)
    const pathText = (await page.textContent('[data-test="path"]')) ?? ''
    const byId = new Map(view.nodes.map((n) => [n.id, n]))
    for (const id of v.path) {
      const n = byId.get(id)!
      expect(pathText).toContain(n.bdf ?? n.label)
    }
    const decisions = page.locator('[data-test="decisions"] li')
    expect(await decisions.count()).toBe(v.decisions.length)
    for (const d of v.decisions)
      expect(await page.textContent('[data-test="decisions"]')).toContain(`${d.fn}()`)
    // the tree lights the same path
    for (const id of v.path)
      expect(await page.getAttribute(`[data-node-id="${id}"]`, 'class')).toContain('on-path')
    await shot('02-pair-selected.png')

    // What the decisions' source keys mean (app.info carries electron/engine/sources.ts): every key
    // cited is listed once, with its definition.
    const sources = page.locator('[data-test="sources"]')
    const keys = [...new Set(v.decisions.flatMap((d) => d.source.match(/\bS\d{1,2}\b|\boracle\b/g) ?? []))]
    expect(keys.length).toBeGreaterThan(0)
    expect(await sources.locator('dt').allTextContents()).toEqual(keys)
    expect(await sources.textContent()).not.toContain('not defined')
    expect(await page.getAttribute('[data-test="decisions"] .badge.source', 'title')).toMatch(/^S\d+: /)
    await sources.scrollIntoViewIfNeeded()
    await shot('02b-sources.png')
    await page.setViewportSize({ width: 1280, height: 720 })
    await page.evaluate(`document.documentElement.style.fontSize = '125%'`)
    await sources.scrollIntoViewIfNeeded()
    await shot('02c-sources-large-font.png')
    await page.evaluate(`document.documentElement.style.fontSize = ''`)
    await page.setViewportSize({ width: 1280, height: 800 })

    // Cells are buttons: arrow keys move the focus, Enter selects.
    const r = view.matrix.providers.indexOf(v.provider)
    const c = view.matrix.clients.indexOf(v.client)
    const nextClient = view.matrix.clients[c + 1] ?? view.matrix.clients[c - 1]!
    await page.keyboard.press(view.matrix.clients[c + 1] ? 'ArrowRight' : 'ArrowLeft')
    expect(await page.evaluate(`document.activeElement?.dataset.client`)).toBe(nextClient)
    expect(await page.evaluate(`document.activeElement?.dataset.r`)).toBe(String(r))
    await page.keyboard.press('Enter')
    await expect.poll(() => page.textContent('.explain-panel .pair-name')).toContain(nextClient)
  })

  it('switching the era to v5.0 shows the raw upstream_bridge_distance() values', async () => {
    const before = await engineView()
    const bus = find(before, (v) => v.mapType === 'BUS_ADDR', 'BUS_ADDR')
    expect((await (await cell(before, bus)).locator('.cell-main').textContent())?.trim()).toBe('BUS')
    const rev = await revision()
    await page.selectOption('[data-test="era"]', 'v5.0')
    await waitRevisionAbove(rev)
    const after = await engineView()
    expect(after.matrix.era).toBe('v5.0')
    const v = after.matrix.pairs.find((p) => p.provider === bus.provider && p.client === bus.client)!
    const text = (await (await cell(after, v)).locator('.cell-main').textContent())?.trim()
    expect(text).toBe(String(v.distance))
    expect(text).not.toBe('BUS')
    // and back
    const rev2 = await revision()
    await page.selectOption('[data-test="era"]', 'v6.12')
    await waitRevisionAbove(rev2)
  })

  it('turning the IOMMU on sends a same-switch pair through the host bridge', async () => {
    const before = await engineView()
    const same = find(
      before,
      (v) =>
        v.mapType === 'BUS_ADDR' &&
        v.commonUpstream !== null &&
        before.nodes.some((n) => n.id === v.commonUpstream && n.kind === 'switch_upstream'),
      'same-switch BUS_ADDR',
    )
    // prefer a pair on the whitelisted socket, where the answer is THRU_HOST_BRIDGE
    const rev = await revision()
    await page.check('[data-test="iommu"]')
    await waitRevisionAbove(rev)
    const after = await engineView()
    expect(after.matrix.iommu).toBe(true)
    const socket0 = after.matrix.pairs.filter(
      (p) =>
        p.provider !== p.client &&
        before.matrix.pairs.some(
          (b) =>
            b.provider === p.provider && b.client === p.client && b.commonUpstream === same.commonUpstream,
        ),
    )
    const v = socket0.find((p) => p.mapType === 'THRU_HOST_BRIDGE') ?? socket0[0]!
    expect(v.mapType).toBe('THRU_HOST_BRIDGE')
    expect(v.acsRedirect.length).toBeGreaterThan(0)
    await expectCellMatches(after, v)
    await (await cell(after, v)).click()
    await page.locator('[data-test="acs-hint"]').waitFor()
    expect(await page.textContent('[data-test="acs-hint"]')).toContain(
      `pci=disable_acs_redir=${v.acsRedirect.join(';')}`,
    )
    expect(await page.textContent('[data-test="warnings"]')).toContain('ACS redirect')
    await shot('03-iommu-on.png')

    // Apply the kernel's hint: the pair gets bus addresses back.
    const rev2 = await revision()
    await page.click('[data-test="apply-hint"]')
    await waitRevisionAbove(rev2)
    const fixed = await engineView()
    const w = fixed.matrix.pairs.find((p) => p.provider === v.provider && p.client === v.client)!
    expect(fixed.lab.settings.disableAcsRedir).toContain(v.acsRedirect[0]!)
    expect(w.mapType).toBe('BUS_ADDR')
    await expectCellMatches(fixed, w)
  })

  it('imports a real nvidia-smi topo -m file through the file input', async () => {
    const file = join(root, 'tests/fixtures/realdata/nvidia-smi-topo/dgx1-v100.topo-m.txt')
    expect(existsSync(file), `${file} is part of the repository`).toBe(true)
    const rev = await revision()
    await page.setInputFiles('[data-test="file-input"]', file)
    await waitRevisionAbove(rev)
    const summary = page.locator('[data-test="import-summary"]')
    await summary.waitFor()
    expect(await summary.textContent()).toContain('nvidia-smi topo -m')
    const view = await engineView()
    expect(view.importReport?.format).toBe('nvidia-smi-topo')
    expect(await page.locator('[role="treeitem"]').count()).toBe(view.nodes.length)
    if (view.matrix.pairs.length > 0)
      await expectCellMatches(
        view,
        view.matrix.pairs.find((p) => p.provider !== p.client) ?? view.matrix.pairs[0]!,
      )
    await page.evaluate(`document.querySelector('[data-test="matrix-scroller"]')?.scrollTo(0, 0)`)
    await shot('04-import.png')
    // the same screen in the dark theme
    await page.emulateMedia({ colorScheme: 'dark' })
    await shot('05-import-dark.png')
    await page.emulateMedia({ colorScheme: 'light' })
  })

  it('imports a file dropped onto the window', async () => {
    const text = readFileSync(join(root, 'tests/fixtures/realdata/lspci/puget-wrx90.lspci-tv.txt'), 'utf8')
    const rev = await revision()
    const dataTransfer = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); dt.items.add(new File([${JSON.stringify(text)}], 'puget-wrx90.lspci-tv.txt', { type: 'text/plain' })); return dt })()`,
    )
    await page.dispatchEvent('body', 'dragenter', { dataTransfer })
    await page.dispatchEvent('body', 'dragover', { dataTransfer })
    await page.locator('.drop-overlay').waitFor()
    await page.dispatchEvent('body', 'drop', { dataTransfer })
    await waitRevisionAbove(rev)
    await page.locator('.drop-overlay').waitFor({ state: 'detached' })
    const view = await engineView()
    expect(view.importReport?.format).toBe('lspci-tv')
    expect(await page.textContent('[data-test="import-summary"]')).toContain('lspci -tv')
  })

  it('shows a refused file as a located error and keeps the current lab', async () => {
    const before = await engineView()
    await page.setInputFiles('[data-test="file-input"]', {
      name: 'broken.xml',
      mimeType: 'application/xml',
      buffer: Buffer.from('<?xml version="1.0"?>\n<topology>\n  <object type="Machine">\n'),
    })
    const banner = page.locator('[data-test="error-banner"]')
    await banner.waitFor()
    const text = (await banner.textContent()) ?? ''
    expect(text).toContain('broken.xml')
    expect((await engineView()).revision).toBe(before.revision)
    await shot('06-error.png')
    await page.click('[data-test="dismiss-error"]')
    await banner.waitFor({ state: 'detached' })
  })

  it('had no console errors, page errors, failed requests or CSP violations', () => {
    expect(problems).toEqual([])
  })
})
