/**
 * The spoiler test for the main window: for every exercise of the built-in course, the app's
 * visible text before the exercise is locked in holds no answer errno, map type or kernel function
 * where that is the answer (its own choice list aside: the answer is one of the choices). The
 * stepper is pushed as far as it goes (Continue), so the call stack, the operation cards, the
 * kernel log, the step's topology and the narration are all on screen; then a prediction is locked
 * in through the panel like an attendee would, and the next open exercise is checked.
 * Screenshots: test-results/screens/spoilers-*.png.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { ExerciseAnswer, ScenarioSummary, StepperView } from '../../shared/model/stepper'
import { call, shooter, useE2e } from './helpers'

let page: Page
let problems: string[]

const engine = <T>(expr: string) => call<T>(page, expr)
const stepperView = () => engine<StepperView | null>(`window.lab.invoke['timeline.view']()`)
const shot = (name: string) => shooter(page, 'spoilers-')(name)
const word = (t: string) =>
  new RegExp(`(?<![A-Za-z0-9])${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`)

/** What a person sees: the page's rendered text without the exercises' own choice lists. */
function visibleText(): Promise<string> {
  return page.evaluate(() => {
    const hidden = [...document.querySelectorAll<HTMLElement>('[data-test="choices"]')]
    for (const el of hidden) el.style.setProperty('display', 'none')
    const text = document.body.innerText
    for (const el of hidden) el.style.removeProperty('display')
    return text
  })
}

useE2e({ viewport: { width: 1440, height: 900 }, ready: true }, (e) => ({ page, problems } = e))

describe('no answer on the main window before lock-in', () => {
  it('holds for every exercise of the built-in course', async () => {
    await page.click('[data-test="step-debate"]')
    await page.waitForSelector('[data-test="stepper"]')
    const list = await engine<ScenarioSummary[]>(`window.lab.invoke['scenario.list']()`)
    const checked = new Set<string>()
    let shots = 0
    for (const sc of list.filter((s) => s.exercises.length)) {
      await page.locator(`[data-test="scenario"][data-index="${sc.index}"]`).click()
      await expect.poll(async () => (await stepperView())?.scenario.index).toBe(sc.index)
      const answers = await engine<ExerciseAnswer[]>(
        `window.lab.invoke['exercise.answers']({ index: ${sc.index} })`,
      )
      for (let round = 0; round < sc.exercises.length + 1; round++) {
        // as far as stepping goes: the end, or the operation the next open exercise is about
        if (!(await stepperView())?.atEnd) await page.click('[data-step="continue"]')
        await expect
          .poll(async () => {
            const v = await stepperView()
            return v?.stopped === 'exercise' || v?.atEnd
          })
          .toBe(true)
        const v = (await stepperView())!
        const w = v.workshop!
        if (w.open.length === 0) break
        await page.waitForSelector(`[data-test="stepper"][data-cursor="${v.cursor}"]`)
        const text = await visibleText()
        for (const i of w.open) {
          const ex = w.exercises[i]!
          if (ex.kind !== 'errno' && ex.kind !== 'refusing-function' && ex.kind !== 'map-type') continue
          const term = answers[i]!.answer.replace(/^-/, '')
          if (term === 'success') continue
          expect(text, `${sc.name} / ${ex.id}: '${term}' is on screen before lock-in`).not.toMatch(word(term))
        }
        // every op card from the hold on hides its expected outcome
        if (w.holdAt !== null) expect(text).toContain('? (predict first)')
        if (shots < 2) await shot(`${String(++shots).padStart(2, '0')}-held`)

        // lock in the focus exercise like an attendee: any choice will do
        const f = w.open.includes(w.focus!) ? w.focus! : w.open[0]!
        checked.add(`${sc.index}:${w.exercises[f]!.id}`)
        const card = page.locator(`[data-test="exercise"][data-index="${f}"]`)
        const ex = w.exercises[f]!
        if (ex.select === 'one' && ex.choices.length === 0)
          await card.locator('[data-test="typed"]').fill('0')
        else if (ex.select === 'one') await card.locator('input[type="radio"]').first().check()
        await card.locator('[data-test="predict"]').click()
        await card.locator('[data-test="reveal"]').waitFor()
      }
    }
    expect(checked.size).toBeGreaterThanOrEqual(16)
    // the course's progress is on screen: every exercise answered
    expect(await page.textContent('[data-test="course-progress"]')).toMatch(/^(\d+) \/ \1 answered/)
    await shot('03-all-answered')
    expect(problems).toEqual([])
  })
})
