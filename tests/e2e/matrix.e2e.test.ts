/**
 * The P2P matrix on real and large machines, in Chromium against the real engine (browser harness):
 * the DGX-2H hwloc file names its devices and opens to a filtered matrix; the GPU × NIC view; the
 * matrix at 1280×720 with the font enlarged three steps; and a 2000-endpoint lab that opens without
 * freezing the window — the summary is counted in a worker while the user clicks a cell and reads
 * its explanation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { ROOT, shooter, startE2e, type E2e } from './helpers'
import type { LabApi, MatrixSummary } from '../../shared/ipc/contract'
import { defaultLab, serializeLab, syntheticMachine } from '../../electron/engine/index'

const DGX = join(ROOT, 'tests/fixtures/realdata/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml')

let e: E2e
let page: Page
const shot = (name: string) => shooter(page, 'matrix-')(name)

async function importFile(path: string | { name: string; mimeType: string; buffer: Buffer }) {
  const before = Number(await page.getAttribute('.app', 'data-revision'))
  await page.setInputFiles('[data-test="file-input"]', path)
  await page.waitForFunction(
    (rev) => Number(document.querySelector('.app')?.getAttribute('data-revision')) > rev,
    before,
  )
}

/** Clicks the n-th cell that has a verdict and waits until the explanation names its provider. */
async function explainCell(n: number): Promise<void> {
  const cell = page.locator('button.cell:not(.missing)').nth(n)
  await cell.click()
  const provider = await cell.getAttribute('data-provider')
  await page.waitForFunction(
    (p) =>
      document
        .querySelector('[data-test="explanation"]')
        ?.closest('section')
        ?.textContent?.includes(p ?? '') ?? false,
    provider,
  )
}

/** Rows and columns of cells fully inside the matrix's scroller. */
async function visibleGrid(): Promise<{ rows: number; cols: number }> {
  return page.evaluate(() => {
    const s = document.querySelector('[data-test="matrix-scroller"]')!
    const box = s.getBoundingClientRect()
    const rows = new Set<string>()
    const cols = new Set<string>()
    for (const c of s.querySelectorAll<HTMLElement>('button.cell')) {
      const b = c.getBoundingClientRect()
      if (b.top >= box.top && b.bottom <= box.bottom && b.left >= box.left && b.right <= box.right) {
        rows.add(c.dataset['r']!)
        cols.add(c.dataset['c']!)
      }
    }
    return { rows: rows.size, cols: cols.size }
  })
}

beforeAll(async () => {
  e = await startE2e({ ready: true, viewport: { width: 1440, height: 900 } })
  page = e.page
})

afterAll(async () => {
  await e?.close()
})

describe('the matrix of a real machine', () => {
  it('DGX-2H: names in the tree and the headers, the important devices by default', async () => {
    await importFile(DGX)
    await page.waitForSelector('button.cell:not(.missing)')
    const heads = await page.$$eval('[role="rowheader"] .head-label', (els) => els.map((x) => x.textContent))
    expect(heads).toContain('Tesla V100-SXM3-32GB-H')
    const cols = await page.$$eval('[role="columnheader"] .head-label', (els) =>
      els.map((x) => x.textContent),
    )
    expect(cols).toContain('ConnectX-5')
    expect(await page.textContent('[data-test="matrix-counts"]')).toMatch(/of \d+ providers/)
    const tree = await page.textContent('[aria-label="PCI topology"]')
    expect(tree).toContain('Tesla V100-SXM3-32GB-H')
    expect(tree).toContain('ASPEED Graphics Family')
    expect(tree).not.toMatch(/10de:1db8 class 0302/)
    expect(await page.locator('[data-test="badge-p2pmem"]').count()).toBe(0)
    expect(await page.locator('[data-test="badge-bar"]').count()).toBeGreaterThan(0)
    await shot('01-dgx2h-filtered-1440')
  })

  it('filters to GPUs, groups by switch and searches by name', async () => {
    await page.click('[data-test="class-nic"]')
    await page.click('[data-test="class-nvme"]')
    await page.selectOption('[data-test="group-by"]', 'switch')
    await page.waitForSelector('[data-group]')
    const counts = await page.textContent('[data-test="matrix-counts"]')
    expect(counts).toMatch(/^\s*16 of \d+ providers × 16 of \d+ clients/)
    await shot('02-dgx2h-gpus-by-switch-1440')
    await page.fill('[data-test="matrix-search"]', 'ib3')
    await page.waitForFunction(() => document.querySelectorAll('button.cell').length === 0)
    await page.fill('[data-test="matrix-search"]', '')
    await page.selectOption('[data-test="group-by"]', 'none')
    await page.click('[data-test="class-nic"]')
    await page.click('[data-test="class-nvme"]')
  })

  it('the GPU × NIC view: nvidia-smi levels, kernel verdicts, CPU and NUMA affinity', async () => {
    await page.click('[data-test="mode-gpu-nic"]')
    await page.waitForSelector('[data-test="gpu-nic-view"] td.map-BUS_ADDR')
    const head = await page.$$eval('[data-test="gpu-nic-view"] thead th', (els) =>
      els.map((x) => x.textContent?.trim()),
    )
    expect(head).toContain('GPU0')
    expect(head.some((h) => /^(ib|mlx)/.test(h ?? ''))).toBe(true)
    expect(head.slice(-2)).toEqual(['CPU Affinity', 'NUMA Affinity'])
    const levels = await page.$$eval('[data-test="gpu-nic-view"] td .lvl', (els) =>
      els.map((x) => x.textContent),
    )
    expect(levels).toContain('PIX')
    expect(levels).toContain('SYS')
    await shot('03-dgx2h-gpu-nic-1440')
    await page.setViewportSize({ width: 1280, height: 720 })
    await shot('04-dgx2h-gpu-nic-1280x720')
    await page.click('[data-test="mode-matrix"]')
  })

  it('at 1280×720 with the font enlarged three steps the matrix shows at least 4 × 4 cells', async () => {
    await page.setViewportSize({ width: 1280, height: 720 })
    // the import summary has been read: dismiss it, as a presenter would
    await page.getByRole('button', { name: 'Dismiss' }).first().click()
    for (let i = 0; i < 3; i++) await page.click('[data-test="font-bigger"]')
    await page.waitForSelector('button.cell:not(.missing)')
    await shot('05-dgx2h-1280x720-font3')
    const g = await visibleGrid()
    for (let i = 0; i < 3; i++) await page.click('[data-test="font-smaller"]')
    await page.setViewportSize({ width: 1440, height: 900 })
    expect(g.rows).toBeGreaterThanOrEqual(4)
    expect(g.cols).toBeGreaterThanOrEqual(4)
  })
})

describe('a 2000-endpoint lab', () => {
  it('opens without freezing: the engine answers while the matrix is counted in a worker', async () => {
    const lab = { ...defaultLab(), name: '2000 endpoints', scenarios: [], machine: syntheticMachine(2000) }
    const text = serializeLab(lab)
    const rssBefore = process.memoryUsage().rss
    // Through the page's own window.lab (the socket the UI uses): import, then at once ask for a
    // window of cells and one pair's explanation, and note the order in which the answers and the
    // summary's end arrive. The main process must answer both before the worker is done.
    const order = await page.evaluate(async (t) => {
      const lab = (window as unknown as { lab: LabApi }).lab
      const events: string[] = []
      const off = lab.on('p2p.summary', (s: MatrixSummary) => {
        if (s.status !== 'computing') events.push(`summary ${s.status}`)
      })
      const imp = await lab.invoke['lab.importText']({ fileName: 'big-2000.p2plab', text: t })
      if (!imp.ok) throw new Error(imp.error.message)
      events.push(`import ${imp.value.matrix.summary.status}`)
      const m = imp.value.matrix
      const cells = await lab.invoke['p2p.cells']({
        providers: m.providers.slice(1000, 1030),
        clients: m.clients.slice(0, 40),
      })
      events.push(`cells ${cells.ok ? cells.value.cells.length : 'failed'}`)
      const ex = await lab.invoke['p2p.explain']({
        provider: m.providers[1500]!,
        client: m.clients[3]!,
      })
      events.push(`explain ${ex.ok ? ex.value.mapType : 'failed'}`)
      await new Promise<void>((resolve) => {
        const t0 = Date.now()
        const tick = () =>
          events.some((e) => e.startsWith('summary')) || Date.now() - t0 > 120_000
            ? resolve()
            : setTimeout(tick, 50)
        tick()
      })
      off()
      return events
    }, text)
    expect(order.slice(0, 3)).toEqual([
      'import computing',
      'cells 1200',
      expect.stringMatching(/^explain (BUS_ADDR|THRU_HOST_BRIDGE)$/),
    ])
    expect(order[3]).toBe('summary ready')
    // The window: the same lab opened from a file shows the figures, and cells the user can click
    await importFile({ name: 'big-2000.p2plab', mimeType: 'application/json', buffer: Buffer.from(text) })
    await page.waitForSelector('[data-test="matrix-summary"][data-status="ready"]', { timeout: 120_000 })
    expect(await page.textContent('[data-test="matrix-summary"]')).toMatch(/4,000,000 pairs/)
    await explainCell(5)
    const rss = process.memoryUsage().rss
    console.log(
      `2000-endpoint lab: ${order.join(' → ')}; harness process RSS ${(rss / 2 ** 20).toFixed(0)} MiB (before the import ${(rssBefore / 2 ** 20).toFixed(0)} MiB)`,
    )
    expect(rss).toBeLessThan(500 * 2 ** 20)
    await shot('06-2000-endpoints')
    expect(e.problems).toEqual([])
  })

  it('a click in the window is answered while the figures are being counted', async () => {
    // a settings change recounts the whole matrix (and compares it with the one before): the
    // progress shows, and the user clicks a cell meanwhile
    await page.click('[data-test="iommu"]')
    await page.waitForSelector('[data-test="matrix-progress"]')
    await shot('07-2000-endpoints-computing')
    await explainCell(7)
    console.log(`clicked while counting: ${await page.isVisible('[data-test="matrix-progress"]')}`)
    await page.waitForSelector('[data-test="matrix-summary"][data-status="ready"]', { timeout: 120_000 })
    expect(await page.textContent('[data-test="matrix-summary"]')).toMatch(/changed by IOMMU off → on/)
    await shot('08-2000-endpoints-changed')
    expect(e.problems).toEqual([])
  })
})
