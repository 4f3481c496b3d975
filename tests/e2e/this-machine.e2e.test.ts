/**
 * "This machine" in the window, against the real engine (browser harness): the harness reads a real
 * kernel's sysfs — the oracle guest's files (tests/fixtures/sysfs/qemu-pxb-skx-7.2.tar.gz) unpacked
 * and named by P2P_DMA_LAB_SYSFS_ROOT — when the header's "This machine" is clicked; then the
 * matrix's "Text" export of what the filter shows.
 */
import { readFileSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { shooter, startE2e, type E2e } from './helpers'
import { unpackFixture } from '../helpers/sysfs-tree'

let e: E2e
let page: Page
let root: string
const shot = (name: string) => shooter(page, 'this-machine-')(name)

/** Click a download button; the file's suggested name and its text. */
async function downloaded(selector: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)])
  return { name: download.suggestedFilename(), text: readFileSync((await download.path())!, 'utf8') }
}

beforeAll(async () => {
  root = unpackFixture('qemu-pxb-skx-7.2')
  process.env['P2P_DMA_LAB_SYSFS_ROOT'] = root
  e = await startE2e({ ready: true, viewport: { width: 1440, height: 900 }, acceptDownloads: true })
  page = e.page
})

afterAll(async () => {
  await e?.close()
  delete process.env['P2P_DMA_LAB_SYSFS_ROOT']
  rmSync(root, { recursive: true, force: true })
})

describe('Import this machine', () => {
  it("shows the guest's tree, its published p2pmem and what was assumed", async () => {
    const before = Number(await page.getAttribute('.app', 'data-revision'))
    await page.click('[data-test="this-machine"]')
    await page.waitForFunction(
      (rev) => Number(document.querySelector('.app')?.getAttribute('data-revision')) > rev,
      before,
    )
    const tree = (await page.textContent('[aria-label="PCI topology"]')) ?? ''
    for (const bdf of ['0000:81:00.0', '0000:03:00.0', '0000:00:12.0']) expect(tree).toContain(bdf)
    expect(await page.locator('[data-test="badge-p2pmem"]').count()).toBe(5)
    const summary = (await page.textContent('[data-test="import-summary"]')) ?? ''
    expect(summary).toContain('This machine (sysfs)')
    expect(summary).toMatch(/kernel 7\.2\.13\+deb14-amd64: era v7\.2/)
    expect(await page.inputValue('select[data-test="era"]')).toBe('v7.2')
    await page.waitForSelector('button.cell:not(.missing)')
    await shot('01-qemu-guest-1440')
  })

  it('exports the filtered matrix as text', async () => {
    const { name, text } = await downloaded('[data-test="matrix-text"]')
    expect(name).toMatch(/\.p2p\.txt$/)
    expect(text).toContain('kernel era v7.2')
    expect(text).toMatch(/^0000:03:00\.0 .*BUS 0/m)
    expect(text).toMatch(/^0000:03:00\.0 .*BUS 4/m)
    expect(e.problems).toEqual([])
  })

  it('exports the topology as text, like lstopo --of console', async () => {
    const { name, text } = await downloaded('[data-test="topology-text"]')
    expect(name).toMatch(/\.topology\.txt$/)
    expect(text).toMatch(/^Machine "/)
    expect(text).toContain('era v7.2')
    expect(text).toMatch(/^ +HostBridge 0000:\[00-/m)
    expect(text).toMatch(/^ +PCI 0000:03:00\.0 \[[0-9a-f]{4}:[0-9a-f]{4}\].* p2pmem$/m)
    expect(text).toMatch(/^ +BAR\d \d+[KMG]? @/m)
    expect(await page.textContent('[data-test="topology-text-status"]')).toMatch(/\.topology\.txt: \d+ lines/)
    expect(e.problems).toEqual([])
  })

  it('at 1280×720 with the font enlarged three steps', async () => {
    // the import summary has been read: dismiss it, as a presenter would
    await page.getByRole('button', { name: 'Dismiss' }).first().click()
    await page.setViewportSize({ width: 1280, height: 720 })
    for (let i = 0; i < 3; i++) await page.click('[data-test="font-bigger"]')
    await page.waitForSelector('button.cell:not(.missing)')
    await shot('02-qemu-guest-1280x720-font3')
    for (let i = 0; i < 3; i++) await page.click('[data-test="font-smaller"]')
  })
})
