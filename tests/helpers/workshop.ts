/**
 * E2E helpers for workshop exercises (playwright pages on the browser harness).
 */
import type { Page } from 'playwright-core'

/**
 * Reveal every open exercise of the stepped scenario the way an instructor does: Instructor mode
 * on, "Reveal to the class" on each, Instructor mode off. Afterwards the spoiler guard holds
 * nothing back and the scenario steps freely.
 */
export async function revealAllInUi(page: Page): Promise<void> {
  await page.click('[data-test="instructor-toggle"]')
  await page.waitForSelector('[data-test="instructor-toggle"][aria-pressed="true"]')
  for (let n = 0; n < 50; n++) {
    const buttons = page.locator('[data-test="reveal-all"]')
    const count = await buttons.count()
    if (count === 0) break
    await buttons.first().click()
    await page.waitForFunction(
      (before) => document.querySelectorAll('[data-test="reveal-all"]').length < before,
      count,
      { timeout: 60_000 },
    )
  }
  await page.click('[data-test="instructor-toggle"]')
  await page.waitForSelector('[data-test="instructor-toggle"][aria-pressed="false"]')
}
