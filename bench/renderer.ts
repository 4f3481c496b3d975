/// <reference lib="dom" />
/**
 * Renderer figures in Chromium through the browser harness (the production build in out/renderer,
 * the real engine behind the bridge): time to first render of the default lab and of the DGX-2H
 * hwloc file (324 PCI devices), the editor's ELK layout time, and frame times while panning a
 * ~1000-node synthetic topology in the editor. Needs `npx electron-vite build` and Chromium.
 * Figures are printed, never asserted.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { startBridge } from '../tools/bridge/server'
import { panningLab } from '../tests/helpers/large-lab'
import { median, type Reporter } from './harness'

const root = resolve(import.meta.dirname, '..')
const DGX = 'tests/fixtures/realdata/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml'

async function importInto(page: Page, fileName: string, text: string): Promise<void> {
  const r = (await page.evaluate(
    ([f, t]) =>
      (window as unknown as { lab: { invoke: Record<string, (a: unknown) => Promise<unknown>> } }).lab.invoke[
        'lab.importText'
      ]!({ fileName: f, text: t }),
    [fileName, text] as const,
  )) as { ok: boolean; error?: { message: string } }
  if (!r.ok) throw new Error(`import of ${fileName} failed: ${r.error?.message}`)
}

/** ms from navigation start until the matrix shows its first cell. */
async function firstRender(page: Page, url: string): Promise<number> {
  await page.goto(url)
  await page.waitForSelector('button.cell', { timeout: 120_000 })
  return (await page.evaluate('performance.now()')) as number
}

/** Open the editor and return [ms until laid out and drawn, ELK layout ms]. */
async function editorReady(page: Page): Promise<[number, number]> {
  const t0 = (await page.evaluate('performance.now()')) as number
  await page.click('[data-tab="editor"]')
  await page.waitForSelector('.editor-canvas[data-laid-out="true"]', { timeout: 120_000 })
  await page.waitForSelector('.vue-flow__node', { timeout: 120_000 })
  const t1 = (await page.evaluate('performance.now()')) as number
  const layout = Number(await page.getAttribute('.editor-canvas', 'data-layout-ms'))
  return [t1 - t0, layout]
}

const p95 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? NaN
}

export async function bench(r: Reporter): Promise<void> {
  r.section('Renderer (Chromium, browser harness)')
  if (!existsSync(resolve(root, 'out/renderer/index.html'))) {
    process.stdout.write('skipped: no renderer build (run `npx electron-vite build`)\n')
    return
  }
  const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
  if (!existsSync(chromiumPath)) {
    process.stdout.write(`skipped: no Chromium at ${chromiumPath}\n`)
    return
  }
  const bridge = await startBridge({ port: 0 })
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    // Warm the HTTP cache and the bridge's shim bundle once; measure the second load.
    await firstRender(page, bridge.url)
    if (!process.env['BENCH_PANNING_ONLY']) await loads(page, r, bridge.url)
    const lab = panningLab()
    await importInto(page, 'synthetic.p2plab', JSON.stringify(lab))
    await firstRender(page, bridge.url)
    const [eSyn, lSyn] = await editorReady(page)
    const drawn = Number(await page.getAttribute('.editor-canvas', 'data-node-count'))
    r.figure({
      name: `synthetic ${drawn} nodes: editor ready`,
      value: eSyn,
      unit: 'ms',
      note: `ELK ${lSyn} ms`,
    })

    await panning(page, r, drawn)
  } finally {
    await browser.close()
    await bridge.close()
  }
}

/** First renders and editor start-up: the default lab and the DGX-2H import. */
async function loads(page: Page, r: Reporter, url: string): Promise<void> {
  const tDefault = await firstRender(page, url)
  r.figure({ name: 'default lab: first render (navigation → matrix cells)', value: tDefault, unit: 'ms' })
  const [eDefault, lDefault] = await editorReady(page)
  r.figure({
    name: 'default lab: editor ready (tab → canvas drawn)',
    value: eDefault,
    unit: 'ms',
    note: `ELK ${lDefault} ms`,
  })

  await importInto(page, 'dgx2h.xml', readFileSync(resolve(root, DGX), 'utf8'))
  const tDgx = await firstRender(page, url)
  r.figure({ name: 'DGX-2H hwloc (324 PCI devices): first render', value: tDgx, unit: 'ms' })
  const [eDgx, lDgx] = await editorReady(page)
  r.figure({ name: 'DGX-2H hwloc: editor ready', value: eDgx, unit: 'ms', note: `ELK ${lDgx} ms` })
}

/**
 * Panning the ~1000-node editor, the whole gesture measured from inside Chromium, at two zooms: the
 * overview (nodes drawn as coloured boxes) and a readable zoom (every node in full). Per pan (mouse
 * down, 120 moves, mouse up): the main thread's busy time (CDP Performance.getMetrics
 * TaskDuration) and the Long Animation Frames; per frame that drew a move, the time from the pointer
 * event to the end of that frame's rendering on the main thread (what a person dragging waits for;
 * idle frames between moves are left out); and the most composited layers seen (CDP LayerTree),
 * counted in one more, untimed pan at each zoom so the observer does not slow the timed frames.
 */
async function panning(page: Page, r: Reporter, drawn: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  let layers = 0
  cdp.on('LayerTree.layerTreeDidChange', (e: { layers?: unknown[] }) => {
    if (e.layers) layers = Math.max(layers, e.layers.length)
  })
  await page.evaluate(`(() => {
    const w = window; w.__loaf = []; w.__lat = []; w.__rec = false; let first = null;
    try { new PerformanceObserver((l) => { for (const e of l.getEntries()) w.__loaf.push(e.duration) })
      .observe({ type: 'long-animation-frame' }) } catch { w.__loaf = null }
    const ch = new MessageChannel(); ch.port1.onmessage = (e) => w.__lat.push(performance.now() - e.data);
    addEventListener('pointermove', (e) => { if (w.__rec && first === null) first = e.timeStamp }, { capture: true, passive: true });
    const f = () => { if (first !== null) { ch.port2.postMessage(first); first = null } requestAnimationFrame(f) };
    requestAnimationFrame(f) })()`)
  const busy = async (): Promise<number> => {
    const m = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }
    return (m.metrics.find((x) => x.name === 'TaskDuration')?.value ?? 0) * 1000
  }
  const pane = await page.locator('.vue-flow__pane').boundingBox()
  if (!pane) throw new Error('no canvas pane')
  const cx = pane.x + pane.width / 2
  const cy = pane.y + pane.height / 2
  const zoomIn = () => page.click('.canvas-tools [aria-label="Zoom in"]')
  for (let i = 0; i < 6; i++) await zoomIn()
  const views: [string, () => Promise<void>][] = [
    ['overview', async () => {}],
    [
      'readable zoom',
      async () => {
        while ((await page.getAttribute('.editor-canvas', 'data-detail')) !== 'full') await zoomIn()
        for (let i = 0; i < 3; i++) await zoomIn()
      },
    ],
  ]
  for (const [view, setUp] of views) {
    await setUp()
    await page.waitForTimeout(500)
    const zoom = (await page.evaluate(
      `document.querySelector('.vue-flow__transformationpane').style.transform.match(/scale\\(([\\d.]+)\\)/)?.[1]`,
    )) as string | undefined
    const mounted = await page.locator('.vue-flow__node').count()
    const frames: number[] = []
    const perPan: number[] = []
    const wall: number[] = []
    const loaf0 = ((await page.evaluate('window.__loaf')) as number[] | null)?.length ?? 0
    const pans = 3
    for (let k = 0; k < pans; k++) {
      const t0 = await busy()
      const w0 = performance.now()
      await page.evaluate('window.__lat = []; window.__rec = true')
      await page.mouse.move(cx, cy)
      await page.mouse.down()
      const dir = k % 2 === 0 ? 1 : -1
      for (let i = 0; i < 120; i++) {
        const a = (i / 120) * Math.PI * 4
        await page.mouse.move(cx + dir * (Math.cos(a) * 250 - 250 + i * 3), cy + Math.sin(a) * 120)
      }
      await page.mouse.up()
      await page.waitForTimeout(100)
      frames.push(...((await page.evaluate('window.__rec = false; window.__lat')) as number[]))
      wall.push(performance.now() - w0)
      perPan.push((await busy()) - t0)
    }
    // Layers are counted in one more pan, not timed: with DevTools' LayerTree domain on, every
    // frame also serialises the layer tree for the observer, which made the timed frames slower.
    await cdp.send('LayerTree.enable')
    await page.mouse.move(cx, cy)
    await page.mouse.down()
    for (let i = 0; i < 60; i++) await page.mouse.move(cx - i * 4, cy + Math.sin(i / 6) * 80)
    await page.mouse.up()
    await page.waitForTimeout(100)
    await cdp.send('LayerTree.disable')
    const loaf = ((await page.evaluate('window.__loaf')) as number[] | null)?.slice(loaf0)
    const tag = `panning ${drawn} nodes, ${view}`
    r.figure({
      name: `${tag}: p95 frame during the gesture`,
      value: p95(frames),
      unit: 'ms',
      goal: { max: 33, unit: 'ms' },
      note: `pointer event → end of its frame; ${frames.length} frames over ${pans} pans of 120 moves; zoom ${Number(zoom).toFixed(2)}, ${mounted} nodes mounted`,
    })
    r.figure({
      name: `${tag}: median frame during the gesture`,
      value: median(frames),
      unit: 'ms',
      goal: { max: 16, unit: 'ms' },
    })
    r.figure({
      name: `${tag}: main-thread busy per pan`,
      value: median(perPan),
      unit: 'ms',
      note: `of ${median(wall).toFixed(0)} ms per pan (the test driver sends each move after the last); ${
        loaf
          ? `Long Animation Frames: ${loaf.length}, ${loaf.reduce((a, b) => a + b, 0).toFixed(0)} ms in all`
          : 'no Long Animation Frames API'
      }`,
    })
  }
  r.figure({
    name: `panning ${drawn} nodes: composited layers (most seen)`,
    value: layers,
    unit: 'layers',
    goal: { max: 50, unit: 'layers' },
  })
}
