/**
 * "Verify with a real kernel" end to end: the production renderer in Chromium, through the browser
 * harness, which hosts the same oracle service as Electron main. Loads T1-intel (6 endpoints),
 * clicks the button, and waits for a REAL QEMU boot of Debian sid's kernel (the cached one in
 * ~/.cache/p2p-dma-lab/oracle, fetched when missing). Needs qemu-system-x86_64: without it, or
 * without the kernel cache and network, this test FAILS (it never passes vacuously).
 * Build first: `npx electron-vite build`.
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { LabView, Result } from '../../shared/ipc/contract'
import { onPath } from '../../electron/app/oracle/service'
import { ROOT as root, shooter, useE2e } from './helpers'
const LAB = join(root, 'tests/fixtures/labs/T1-intel.p2plab')

let page: Page
let problems: string[]

beforeAll(() => {
  if (!onPath('qemu-system-x86_64'))
    throw new Error('the oracle e2e needs qemu-system-x86_64 (apt-get install qemu-system-x86)')
})
// The harness offers the oracle only when asked (npm run serve -- --oracle).
useE2e({ viewport: { width: 1400, height: 900 }, oracle: true }, (e) => ({ page, problems } = e))

describe('Verify with a real kernel (QEMU + Debian sid kernel)', () => {
  it(
    'boots T1-intel, streams progress, and marks every cell with the kernel verdict',
    { timeout: 900_000 }, // a hang limit: TCG boots on a loaded 2-core machine can take minutes
    async () => {
      await page.waitForSelector('.app[data-ready="true"]')
      await page.setInputFiles('[data-test="file-input"]', LAB)
      await expect
        .poll(
          async () =>
            ((await page.evaluate(`window.lab.invoke['lab.current']()`)) as Result<LabView>).ok &&
            (await page.textContent('[data-test="lab-name"]')),
          { timeout: 60_000 },
        )
        .toMatch(/T1/)
      const view = (
        (await page.evaluate(`window.lab.invoke['lab.current']()`)) as Result<LabView> & { ok: true }
      ).value

      const button = page.locator('[data-test="oracle-verify"]')
      await expect.poll(() => button.isEnabled(), { timeout: 60_000 }).toBe(true)
      const t0 = Date.now()
      await button.click()
      await page.waitForSelector('[data-test="oracle-panel"]')
      await page.waitForSelector('[data-test="oracle-cancel"]')
      // the window stays responsive while QEMU runs: a cell click is answered at once
      const first = page.locator('button.cell').first()
      await first.click()
      await expect.poll(() => first.getAttribute('aria-selected'), { timeout: 60_000 }).toBe('true')
      // answered while the run was still going (no summary yet): the window did not wait for QEMU
      expect(await page.locator('[data-test="oracle-summary"]').count()).toBe(0)
      // progress lines stream in (boot, test)
      await expect
        .poll(async () => (await page.textContent('[data-test="oracle-log"]')) ?? '', { timeout: 600_000 })
        .toMatch(/booting .*NVMe/)
      // finished: a summary, or a failure that is reported here (no kernel, no network)
      await page.waitForSelector('[data-test="oracle-close"]', { timeout: 840_000 })
      const log = (await page.textContent('[data-test="oracle-log"]')) ?? ''
      const summary = await page
        .locator('[data-test="oracle-summary"]')
        .textContent()
        .catch(() => null)
      expect(summary, `the oracle run did not finish with a result; its log:\n${log}`).toBeTruthy()
      const seconds = (Date.now() - t0) / 1000
      console.log(`oracle e2e: ${seconds.toFixed(1)} s; ${summary?.replace(/\s+/g, ' ')}`)

      // every pair of the lab's matrix has a mark, and none contradicts the engine
      const marks = await page.$$eval('button.cell .cell-oracle', (els) =>
        els.map((e) => e.getAttribute('data-oracle')),
      )
      const cells = view.matrix.pairs.length
      expect(marks.length).toBe(cells)
      expect(marks.filter((m) => m === 'contradicted')).toEqual([])
      expect(marks.filter((m) => m === 'confirmed').length).toBeGreaterThan(0)

      // PairExplanation: the kernel's verdict and its log lines for a confirmed pair, and the honest
      // "not reproducible" for a pair QEMU cannot build as the lab has it (T1's whitelisted host bridge)
      const unrep = page.locator('button.cell:has(.cell-oracle[data-oracle="unreproducible"])').first()
      await unrep.click()
      await page.waitForSelector('[data-test="oracle-status"]')
      expect(await page.textContent('[data-test="oracle-status"]')).toMatch(/not reproducible in QEMU/)
      // the first confirmed cell off the diagonal (a real transfer between two devices)
      const confirmed = page
        .locator('button.cell:has(.cell-oracle[data-oracle="confirmed"])')
        .filter({ hasNot: page.locator('.cell-dist', { hasText: /^0$/ }) })
        .first()
      await confirmed.click()
      await expect
        .poll(() => page.textContent('[data-test="oracle-status"]'))
        .toMatch(/confirmed by the real kernel: (allowed|refused)/)
      expect(await page.textContent('[data-test="oracle-log-lines"]')).toMatch(/peer-to-peer DMA/)
      await page.locator('[data-test="oracle-status"]').scrollIntoViewIfNeeded()
      await shooter(page)('oracle-verified')
      expect(problems).toEqual([])
    },
  )
})
