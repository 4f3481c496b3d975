/**
 * The topology editor, the address map and export, in Chromium against the real engine through
 * the browser harness. Build first: `npx electron-vite build`. Screenshots: test-results/screens/editor-*.png.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { LabView } from '../../shared/ipc/contract'
import { ROOT as root, call, shooter, useE2e, revision as revisionOf, changes as changesOf } from './helpers'

let page: Page
let problems: string[]

const engineView = () => call<LabView>(page, `window.lab.invoke['lab.current']()`)
const revision = () => revisionOf(page)
const changes = (act: () => Promise<unknown>) => changesOf(page, act)
const shot = (name: string) => shooter(page)(name)
async function selectNode(id: string): Promise<void> {
  await page.click('.canvas-tools [aria-label="Fit"]')
  await page.waitForTimeout(250)
  await page.locator(`.vue-flow__node[data-id="${id}"]`).click()
  await page.waitForSelector(`.topo-node.selected[data-node-id="${id}"]`)
}
async function addFromPalette(key: string): Promise<void> {
  await changes(() => page.click(`[data-palette="${key}"]`))
}
async function cellMapType(provider: string, client: string): Promise<string | null> {
  const loc = page.locator(`button.cell[data-provider="${provider}"][data-client="${client}"]`)
  await loc.waitFor({ state: 'visible' })
  return loc.getAttribute('data-map-type')
}
async function waitLaidOut(): Promise<void> {
  await page.waitForSelector('.editor-canvas[data-laid-out="true"]')
  await page.waitForTimeout(400) // fitView's animation
}

useE2e({ warnings: true, network: true, acceptDownloads: true, ready: true }, (e) => ({ page, problems } = e))

describe('topology editor in Chromium against the real engine', () => {
  it('shows the default lab on the canvas, laid out top-down', async () => {
    await page.click('[data-tab="editor"]')
    await waitLaidOut()
    const view = await engineView()
    expect(await page.locator('.vue-flow__node').count()).toBe(view.nodes.length)
    // Top-down: a host bridge sits above its root ports.
    const hb = await page.locator('.vue-flow__node[data-id="hb0"]').boundingBox()
    const rp = await page.locator('.vue-flow__node[data-id="rp0_sw"]').boundingBox()
    expect(hb && rp && hb.y < rp.y).toBe(true)
    await shot('editor-01-default-lab.png')
  })

  it('builds a small machine from the palette and refuses an invalid link with the rule', async () => {
    await changes(() => page.click('[data-test="new-lab"]'))
    await waitLaidOut()
    expect((await engineView()).nodes.map((n) => n.id)).toEqual(['hb0'])
    await selectNode('hb0')
    await addFromPalette('root_port')
    await selectNode('rp0')
    await addFromPalette('switch')
    // An endpoint under the switch's upstream port breaks a PCIe link rule: refused, nothing changes.
    await selectNode('usp0')
    const before = await revision()
    await page.click('[data-palette="gpu"]')
    await page.waitForSelector('[data-test="refusal"]')
    expect(await page.textContent('[data-test="refusal"]')).toMatch(/PCIe link rule/)
    expect(await revision()).toBe(before)
    await selectNode('usp0_dsp0')
    await addFromPalette('gpu')
    await selectNode('usp0_dsp1')
    await addFromPalette('nvme')
    const view = await engineView()
    expect(view.nodes.map((n) => n.kind)).toEqual([
      'host_bridge',
      'root_port',
      'switch_upstream',
      'switch_downstream',
      'endpoint',
      'switch_downstream',
      'endpoint',
      'switch_downstream',
      'switch_downstream',
    ])
    expect(await page.locator('.vue-flow__node').count()).toBe(9)
    await waitLaidOut()
    await shot('editor-02-built-from-palette.png')
  })

  it('edits ACS on a downstream port and watches the matrix cell change; era v5.0; undo', async () => {
    const view = await engineView()
    const gpu = view.nodes.find((n) => n.id === 'gpu0')!.bdf!
    const nvme = view.nodes.find((n) => n.id === 'nvme0')!.bdf!
    expect(await cellMapType(gpu, nvme)).toBe('BUS_ADDR')

    await selectNode('usp0_dsp0')
    await changes(() => page.check('[data-acs="ctrl-RR"]'))
    await changes(() => page.check('[data-acs="ctrl-CR"]'))
    expect(await cellMapType(gpu, nvme)).toBe('THRU_HOST_BRIDGE')
    // Selecting the cell lights the path on the canvas: the ports walked, the common upstream
    // bridge, and the port whose ACS redirect sends the TLPs up to the host bridge.
    await page.locator(`button.cell[data-provider="${gpu}"][data-client="${nvme}"]`).click()
    await page.waitForSelector('.topo-node.on-common[data-node-id="usp0"]')
    await page.waitForSelector('.topo-node.on-redirect[data-node-id="usp0_dsp0"]')
    expect(await page.locator('.topo-node.on-path, .topo-node.on-end').count()).toBeGreaterThanOrEqual(3)
    expect(await page.locator('.vue-flow__edge.on-path').count()).toBe(4)
    await shot('editor-03-acs-redirect-thru-host-bridge.png')

    await changes(() => page.selectOption('[data-test="era"]', 'v5.0'))
    expect(await cellMapType(gpu, nvme)).toBe('NOT_SUPPORTED')

    // Ctrl+Z undoes the last ACS edit (CR), Ctrl+Z again the first (RR): the cell returns.
    await page.locator('.vue-flow__pane').click({ position: { x: 5, y: 300 } })
    await changes(() => page.keyboard.press('Control+z'))
    await changes(() => page.keyboard.press('Control+z'))
    expect(await cellMapType(gpu, nvme)).toBe('BUS_ADDR')
    // And redo brings the redirect back.
    await changes(() => page.keyboard.press('Control+Shift+z'))
    await changes(() => page.keyboard.press('Control+y'))
    expect(await cellMapType(gpu, nvme)).toBe('NOT_SUPPORTED')
    await changes(() => page.selectOption('[data-test="era"]', 'v6.12'))
    await shot('editor-04-after-undo-redo.png')
  })

  it('copies and pastes a subtree, deletes it with Del', async () => {
    await selectNode('usp0_dsp0')
    await page.keyboard.press('Control+c')
    await selectNode('usp0_dsp2')
    const n0 = (await engineView()).nodes.length
    // A downstream port cannot hang under a downstream port: refused with the rule.
    await page.keyboard.press('Control+v')
    await page.waitForSelector('[data-test="refusal"]')
    await selectNode('gpu0')
    await page.keyboard.press('Control+c')
    await selectNode('usp0_dsp2')
    await changes(() => page.keyboard.press('Control+v'))
    expect((await engineView()).nodes.length).toBe(n0 + 1)
    await page.waitForSelector('.vue-flow__node[data-id="gpu0_copy0"]')
    await selectNode('gpu0_copy0')
    await changes(() => page.keyboard.press('Delete'))
    expect((await engineView()).nodes.length).toBe(n0)
  })

  it('imports a real hwloc file and shows it on the canvas, folded like lstopo', async () => {
    const file = join(root, 'tests/fixtures/realdata/hwloc/16intel64-manyVFs.xml')
    await changes(() => page.setInputFiles('[data-test="file-input"]', file))
    await waitLaidOut()
    const view = await engineView()
    expect(view.importReport?.format).toBe('hwloc-xml')
    expect(await page.locator('.vue-flow__node').count()).toBeGreaterThan(0)
    await shot('editor-05-imported-hwloc.png')
  })

  it('opens the address map: host bridge windows, bridge windows, BARs, DMA views', async () => {
    await changes(() => page.click('[data-test="new-lab"]'))
    await page.click('[data-tab="topology"]')
    await page.click('[data-tab="addressmap"]')
    await page.waitForSelector('[data-test="address-map"] .range[data-kind="ram"]')
    await page.click('[data-tab="editor"]')
    await waitLaidOut()
    // Load the default lab back (header button) for a fuller map.
    await changes(() => page.click('button[title="Reload the default lab"]'))
    await page.click('[data-tab="addressmap"]')
    await page.waitForSelector('[data-test="address-map"] .range[data-kind="bar"]')
    expect(
      await page.locator('[data-test="address-map"] .range[data-kind="host_window"]').count(),
    ).toBeGreaterThan(0)
    expect(
      await page.locator('[data-test="address-map"] .range[data-kind="bridge_window"]').count(),
    ).toBeGreaterThan(0)
    const title = await page
      .locator('[data-test="address-map"] .range[data-kind="bar"]')
      .first()
      .getAttribute('title')
    expect(title).toMatch(/^0x[0-9a-f]+-0x[0-9a-f]+\n[\d,]+ bytes/)
    expect(await page.locator('[data-dma-mode="direct"]').count()).toBeGreaterThan(0)
    await shot('editor-06-address-map.png')
  })

  it('exports the canvas as SVG and PNG', async () => {
    await page.click('[data-tab="editor"]')
    await waitLaidOut()
    const [svgDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-test="export-svg"]'),
    ])
    expect(svgDownload.suggestedFilename()).toMatch(/\.svg$/)
    const svg = readFileSync(await svgDownload.path(), 'utf8')
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('GPU0')
    const [pngDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-test="export-png"]'),
    ])
    expect(pngDownload.suggestedFilename()).toMatch(/\.png$/)
    const png = readFileSync(await pngDownload.path())
    expect(png.subarray(1, 4).toString()).toBe('PNG')
  })

  it('had no console errors, page errors or failed requests', () => {
    expect(problems).toEqual([])
  })
})
