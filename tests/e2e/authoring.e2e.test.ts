/**
 * Authoring exercises in the app, end to end: on a course scenario without exercises (L08, HMM on a
 * BAR mapping, v5.0) add one through the form, see the engine agree with it, get a refusal at its
 * field for an invalid one, reorder, undo, and find the exercise in the stepper and in the lab file
 * the app would save. Screenshots: test-results/screens/authoring-*.png.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { ScenarioSummary } from '../../shared/model/stepper'
import { call, shooter, useE2e } from './helpers'

let page: Page
let problems: string[]
const shot = (name: string) => shooter(page, 'authoring-')(name)
const engine = <T>(expr: string) => call<T>(page, expr)

useE2e({ viewport: { width: 1440, height: 900 }, ready: true }, (e) => ({ page, problems } = e))

async function addErrno(question: string, answer: string, extra?: () => Promise<void>): Promise<void> {
  await page.click('[data-test="ex-add"]')
  await page.selectOption('[data-test="ex-kind"]', 'errno')
  await page.selectOption('[data-test="ex-op"]', '2')
  await page.fill('[data-test="ex-question"]', question)
  await page.fill('[data-test="ex-answer"]', answer)
  await page.fill('[data-test="ex-explanation"]', 'hmm_vma_fault() in mm/hmm.c: VM_SPECIAL gives -EINVAL.')
  await extra?.()
  await page.click('[data-test="ex-save"]')
}

describe('authoring exercises in the app', () => {
  it('adds, checks against the engine, refuses with the field, reorders, undoes, saves in the lab file', async () => {
    await page.click('[data-test="step-debate"]')
    await page.waitForSelector('[data-test="stepper"]')
    const list = await engine<ScenarioSummary[]>(`window.lab.invoke['scenario.list']()`)
    const l08 = list.find((s) => s.name.startsWith('L08') && s.era === 'v5.0')!
    expect(l08.exercises).toEqual([])
    await page.locator(`[data-test="scenario"][data-index="${l08.index}"]`).click()
    await page.waitForSelector('[data-test="op"]')
    await page.click('[data-test="exercises-edit"]')
    await page.waitForSelector('[data-test="exercise-editor"]')

    await addErrno('hmm_range_fault() on the BAR mapping, in 2019: which errno?', 'EINVAL')
    await page.waitForSelector('[data-test="ex-row"]')
    await expect
      .poll(() => page.textContent('[data-test="ex-row"] [data-test="ex-check"]'))
      .toBe('✓ the engine agrees')

    // an answer the engine does not give is kept (it is valid) but marked
    await addErrno('And with the answer the engine does not give?', 'EFAULT')
    await expect.poll(() => page.locator('[data-test="ex-row"]').count()).toBe(2)
    await expect
      .poll(() => page.locator('[data-test="ex-row"]').nth(1).locator('[data-test="ex-check"]').textContent())
      .toContain('✗ v5.0: the engine says EINVAL, the answer says EFAULT')

    // invalid: the answer is not among the choices: refused at the field, nothing added
    await addErrno('Invalid?', 'EINVAL', () => page.fill('[data-test="ex-choices"]', 'EFAULT\nENOMEM'))
    await page.waitForSelector('[data-test="ex-issues"]')
    expect(await page.textContent('[data-test="ex-issues"]')).toContain(
      'answer: the answer is not one of the choices',
    )
    expect(await page.getAttribute('[data-test="ex-answer"]', 'class')).toContain('bad')
    expect(await page.locator('[data-test="ex-row"]').count()).toBe(2)
    await shot('01-refused')
    await page.click('[data-test="ex-cancel"]')

    // reorder, then undo the reorder
    await page.locator('[data-test="ex-row"]').nth(1).locator('[data-test="ex-up"]').click()
    await expect
      .poll(() => page.locator('[data-test="ex-row"] .q').first().textContent())
      .toContain('does not give')
    await page.click('[data-test="ex-undo"]')
    await expect
      .poll(() => page.locator('[data-test="ex-row"] .q').first().textContent())
      .toContain('in 2019')
    // delete the wrong one
    await page.locator('[data-test="ex-row"]').nth(1).locator('[data-test="ex-delete"]').click()
    await expect.poll(() => page.locator('[data-test="ex-row"]').count()).toBe(1)
    await shot('02-editor')
    await page.click('[data-test="ex-editor-close"]')

    // the stepper offers it (spoiler-free: stepping waits at operation 2), and the lab file holds it
    await page.waitForSelector('[data-test="exercise"]')
    expect(await page.textContent('[data-test="exercise"] [data-test="question"]')).toContain('in 2019')
    const saved = await engine<{ text: string }>(`window.lab.invoke['lab.exportText']()`)
    const lab = JSON.parse(saved.text) as { scenarios: { exercises?: { answer: string }[] }[] }
    expect(lab.scenarios[l08.index]!.exercises).toEqual([
      expect.objectContaining({ kind: 'errno', op: 2, answer: 'EINVAL' }),
    ])
    expect((await engine<{ dirty: boolean }>(`window.lab.invoke['lab.current']()`)).dirty).toBe(true)
    await shot('03-in-stepper')
    expect(problems).toEqual([])
  })
})
