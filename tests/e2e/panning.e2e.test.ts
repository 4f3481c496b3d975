/**
 * Panning a ~1 000-node machine in the editor (issue 13): only the nodes near the view are mounted,
 * a pan inside the mounted region changes nothing in the node and edge layers, a long pan mounts
 * the nodes it reaches, and zoomed out nodes are drawn as boxes. Behaviour only; the frame times are
 * in `npm run bench`. Build first: `npx electron-vite build`. Screenshots: test-results/screens/panning-*.png.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { changes, shooter, useE2e } from './helpers'
import { panningLab } from '../helpers/large-lab'

let page: Page
let problems: string[]
const shot = (name: string) => shooter(page)(name)

const mountedIds = (): Promise<string[]> =>
  page.$$eval('.vue-flow__node', (els) => els.map((e) => e.getAttribute('data-id') ?? ''))
const transform = (): Promise<string> =>
  page.$eval('.vue-flow__transformationpane', (e) => (e as HTMLElement).style.transform)
const zoomIn = (): Promise<void> => page.click('.canvas-tools [aria-label="Zoom in"]')

/** Drags the empty canvas from the pane's centre by (dx, dy) in `steps` moves. */
async function drag(dx: number, dy: number, steps = 10): Promise<void> {
  const pane = (await page.locator('.vue-flow__pane').boundingBox())!
  const x = pane.x + pane.width / 2
  const y = pane.y + pane.height / 2
  await page.mouse.move(x, y)
  await page.mouse.down()
  for (let i = 1; i <= steps; i++) await page.mouse.move(x + (dx * i) / steps, y + (dy * i) / steps)
  await page.mouse.up()
}

/** The id of a mounted node whose box lies inside `pane` at least `inset` px ([top, right, bottom, left]) from its sides. */
async function nodeInside(
  pane: { x: number; y: number; width: number; height: number },
  inset: [number, number, number, number],
): Promise<string | null> {
  return page.$$eval(
    '.vue-flow__node',
    (els, [p, [top, right, bottom, left]]) =>
      els
        .find((e) => {
          const r = e.getBoundingClientRect()
          return (
            r.x > p.x + left &&
            r.x + r.width < p.x + p.width - right &&
            r.y > p.y + top &&
            r.y + r.height < p.y + p.height - bottom
          )
        })
        ?.getAttribute('data-id') ?? null,
    [pane, inset] as const,
  )
}

/**
 * Starts counting DOM changes in the node and edge layers and the minimap's dots; the returned
 * function reads the count.
 */
async function watchLayers(): Promise<() => Promise<number>> {
  await page.evaluate(`(() => {
    window.__mutations = 0
    const o = new MutationObserver((l) => { window.__mutations += l.length })
    for (const sel of ['.vue-flow__nodes', '.vue-flow__edges', '.overview-edges', '.minimap .mini-dots'])
      for (const el of document.querySelectorAll(sel))
        o.observe(el, { subtree: true, childList: true, attributes: true, characterData: true })
    window.__observer = o
  })()`)
  return async () => {
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))')
    return (await page.evaluate('window.__observer.disconnect(); window.__mutations')) as number
  }
}

useE2e({ warnings: true, network: true, ready: true }, (e) => ({ page, problems } = e))

describe('panning a 1 000-node machine in the editor', () => {
  let total = 0

  it('opens the machine fitted in view, nodes drawn as boxes, not all of them mounted', async () => {
    const buffer = Buffer.from(JSON.stringify(panningLab()))
    await changes(page, () =>
      page.setInputFiles('[data-test="file-input"]', {
        name: 'big.p2plab',
        mimeType: 'application/json',
        buffer,
      }),
    )
    await page.click('[data-tab="editor"]')
    await page.waitForSelector('.editor-canvas[data-laid-out="true"]')
    await page.waitForTimeout(600) // the first fit
    total = Number(await page.getAttribute('.editor-canvas', 'data-node-count'))
    expect(total).toBeGreaterThan(900)
    expect(await page.getAttribute('.editor-canvas', 'data-detail')).toBe('box')
    const mounted = await mountedIds()
    expect(mounted.length).toBeGreaterThan(0)
    expect(mounted.length).toBeLessThan(total)
    // zoomed out, the links are drawn as one path per class, not one Vue Flow <svg> each
    expect(await page.locator('.vue-flow__edge').count()).toBe(0)
    expect((await page.getAttribute('.overview-edges .plain', 'd'))?.match(/M/g)?.length).toBeGreaterThan(10)
    // the minimap shows the machine's levels (not a one-pixel line) and where the view is
    const mini = await page.evaluate(() => {
      const dots = [...document.querySelectorAll('.minimap .mini-node')].map((r) =>
        Number(r.getAttribute('y')),
      )
      const view = document.querySelector('.minimap .mini-view')
      return { dots: dots.length, spread: Math.max(...dots) - Math.min(...dots), view: !!view }
    })
    expect(mini.dots).toBe(total)
    expect(mini.spread).toBeGreaterThan(40)
    expect(mini.view).toBe(true)
    await shot('panning-01-overview.png')
  })

  it('zoomed in, only nodes near the view are mounted', async () => {
    for (let i = 0; i < 6; i++) await zoomIn()
    await page.waitForTimeout(400)
    const pane = (await page.locator('.vue-flow__pane').boundingBox())!
    const boxes = await page.$$eval('.vue-flow__node', (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect()
        return { x: r.x, y: r.y, w: r.width, h: r.height }
      }),
    )
    expect(boxes.length).toBeLessThan(total / 3)
    // The mounted region is the view grown by half its size on every side; nodes outside it are
    // mounted only as the far end of a link that comes into it.
    const near = boxes.filter(
      (b) =>
        b.x + b.w >= pane.x - pane.width / 2 &&
        b.x <= pane.x + pane.width * 1.5 &&
        b.y + b.h >= pane.y - pane.height / 2 &&
        b.y <= pane.y + pane.height * 1.5,
    )
    expect(near.length).toBeGreaterThan(boxes.length * 0.5)
    const onScreen = boxes.filter((b) => b.x + b.w > pane.x && b.x < pane.x + pane.width)
    expect(onScreen.length).toBeGreaterThan(0)
  })

  it('a short pan moves the view and the minimap view box, and changes nothing in the node and edge layers or the minimap dots', async () => {
    const before = await transform()
    const miniBefore = await page.$eval('.minimap .mini-view', (e) => (e as HTMLElement).style.transform)
    const ids = await mountedIds()
    const mutations = await watchLayers()
    await drag(90, 40)
    expect(await transform()).not.toBe(before)
    expect(await page.$eval('.minimap .mini-view', (e) => (e as HTMLElement).style.transform)).not.toBe(
      miniBefore,
    )
    expect(await mutations()).toBe(0)
    expect(await mountedIds()).toEqual(ids)
  })

  it('a pan marks the canvas as panning only while the view moves; hit tests stop at the pane then, and nodes are hit, focused and selected again after it', async () => {
    const pane = (await page.locator('.vue-flow__pane').boundingBox())!
    const x = pane.x + pane.width / 2
    const y = pane.y + pane.height / 2
    const panning = async () =>
      ((await page.getAttribute('.editor-canvas', 'class')) ?? '').split(' ').includes('panning')
    /** What a hit test finds at the centre of a node well inside the view: 'node' or the element's class. */
    const hitAt = (id: string): Promise<string> =>
      page.$eval(`.vue-flow__node[data-id="${id}"]`, (n) => {
        const r = n.getBoundingClientRect()
        const el = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
        return el?.closest('.vue-flow__node') ? 'node' : String(el?.className ?? '')
      })
    await page.mouse.move(x, y)
    await page.mouse.down()
    expect(await panning()).toBe(false) // a press alone is not a pan (a click on the pane deselects)
    await page.mouse.move(x + 20, y + 5)
    await page.mouse.move(x + 40, y + 10)
    expect(await panning()).toBe(true)
    await shot('panning-01b-during-a-pan.png') // the shield is invisible: the canvas looks as at rest
    // away from the canvas tools (top left) and the minimap (bottom right)
    const id = await nodeInside(pane, [80, 200, 120, 80])
    expect(id).not.toBeNull()
    expect(await hitAt(id!)).toContain('vue-flow__pane')
    await page.mouse.up()
    expect(await panning()).toBe(false)
    expect(await hitAt(id!)).toBe('node')
    const at = (await page.locator(`.vue-flow__node[data-id="${id}"]`).boundingBox())!
    await page.mouse.click(at.x + at.width / 2, at.y + at.height / 2)
    expect(await page.locator(`.vue-flow__node[data-id="${id}"] .topo-node.selected`).count()).toBe(1)
    expect(
      await page.evaluate(() =>
        (document.activeElement as HTMLElement | null)?.closest('.vue-flow__node')?.getAttribute('data-id'),
      ),
    ).toBe(id)
    expect(await panning()).toBe(false)
  })

  it('a long pan mounts the nodes it reaches and lets go of those left behind', async () => {
    const before = new Set(await mountedIds())
    for (let i = 0; i < 4; i++) await drag(-500, 0)
    await page.waitForTimeout(200)
    const after = await mountedIds()
    expect(after.some((id) => !before.has(id))).toBe(true)
    expect([...before].some((id) => !after.includes(id))).toBe(true)
    expect(after.length).toBeLessThan(total / 3)
  })

  it('at a readable zoom every node is drawn in full; the Map button hides and shows the minimap', async () => {
    // A node well inside the view.
    const pane = (await page.locator('.vue-flow__pane').boundingBox())!
    const id = await nodeInside(pane, [60, 60, 60, 60])
    expect(id).not.toBeNull()
    // Zoom with the wheel over that node: it stays under the pointer.
    const at = (await page.locator(`.vue-flow__node[data-id="${id}"]`).boundingBox())!
    await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2)
    for (let i = 0; i < 40 && (await page.getAttribute('.editor-canvas', 'data-detail')) !== 'full'; i++) {
      await page.mouse.wheel(0, -200)
      await page.waitForTimeout(60)
    }
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -200)
    await page.waitForTimeout(500)
    const box = (await page.locator(`.vue-flow__node[data-id="${id}"]`).boundingBox())!
    expect(box.x).toBeGreaterThan(pane.x - box.width)
    expect(box.x).toBeLessThan(pane.x + pane.width)
    expect(await page.locator('.topo-node[data-detail="full"] .row1').count()).toBeGreaterThan(0)
    expect(await page.locator('.topo-node:not([data-detail="full"])').count()).toBe(0)
    expect(await page.locator('.overview-edges').count()).toBe(0)
    expect(await page.locator('.vue-flow__edge').count()).toBeGreaterThan(0)
    await shot('panning-02-readable.png')
    await page.setViewportSize({ width: 1280, height: 720 })
    await page.evaluate(`document.documentElement.style.fontSize = '125%'`)
    await page.waitForTimeout(300)
    await shot('panning-03-1280x720-font125.png')
    // On a canvas this short the minimap covers nodes: the Map button hides it and shows it again.
    const toggle = page.locator('[data-test="toggle-minimap"]')
    expect(await toggle.getAttribute('aria-pressed')).toBe('true')
    await toggle.click()
    expect(await page.locator('.minimap').count()).toBe(0)
    expect(await toggle.getAttribute('aria-pressed')).toBe('false')
    // The pointer off the button, so the shot shows it at rest (not hovered).
    await page.mouse.move(5, 700)
    await shot('panning-04-1280x720-font125-no-minimap.png')
    await toggle.click()
    expect(await page.locator('.minimap .mini-view').count()).toBe(1)
    expect(await toggle.getAttribute('aria-pressed')).toBe('true')
    await page.evaluate(`document.documentElement.style.fontSize = ''`)
  })

  it('had no console errors, page errors or failed requests', () => {
    expect(problems).toEqual([])
  })
})
