/**
 * The presenter view end to end: two pages on the browser harness, the instructor's page and
 * '/#presenter'. The instructor steps with the keyboard; the presenter page follows every step
 * (main pushes timeline.changed) without stepping itself. The instructor's stepper also shows the
 * topology of the current step: the devices involved and, for a P2P pair, the path.
 * Screenshots: test-results/screens/presenter-*.png.
 */
import { describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import type { ScenarioSummary, StepperView } from '../../shared/model/stepper'
import { call, cursorOf, pressStep, shooter, useE2e, type E2e } from './helpers'
import { revealAllInUi } from '../helpers/workshop'

let e: E2e
let context: BrowserContext
let instructor: Page
let presenter: Page
let problems: string[]

const engine = <T>(expr: string) => call<T>(instructor, expr)
const stepperView = () => engine<StepperView | null>(`window.lab.invoke['timeline.view']()`)

const instructorCursor = () => cursorOf(instructor)
const presenterCursor = () => cursorOf(presenter, '[data-test="presenter"]')
/** The function the presenter's big card names: the step's, or between operations the next operation. */
const cardFn = (v: StepperView) => {
  const op = v.currentOp === null ? null : v.operations[v.currentOp]
  return !v.atStart && op?.state === 'pending' ? op.op : v.current!.fn
}

/** Press a key on the instructor's page; the presenter must show the same cursor. */
async function step(key: string): Promise<number> {
  const now = await pressStep(instructor, key)
  await expect.poll(() => presenterCursor(), { timeout: 60_000 }).toBe(now)
  return now
}

async function presenterShot(name: string): Promise<void> {
  await presenter.bringToFront()
  await shooter(presenter, 'presenter-')(name)
  await instructor.bringToFront()
}

useE2e({ viewport: { width: 1440, height: 900 }, who: 'instructor', ready: true }, (x) => {
  e = x
  ;({ context, problems, page: instructor } = x)
})

describe('the presenter page follows the instructor', () => {
  it('opens from the stepper in a second tab (/#presenter)', async () => {
    await instructor.click('[data-test="step-debate"]')
    await instructor.waitForSelector('[data-test="stepper"]')
    const opened = context.waitForEvent('page')
    await instructor.click('[data-test="presenter-open"]')
    presenter = await opened
    e.watch(presenter, { who: 'presenter' })
    await presenter.setViewportSize({ width: 1280, height: 720 })
    expect(new URL(presenter.url()).hash).toBe('#presenter')
    await presenter.waitForSelector('[data-test="presenter"]')
    // It starts from the current stepper (if any), then follows.
    const v = await stepperView()
    if (v) await expect.poll(() => presenterCursor(), { timeout: 60_000 }).toBe(v.cursor)
    else await presenter.waitForSelector('[data-test="presenter-waiting"]')
  })

  it('follows F11 steps into the kernel; the stepper shows the step topology with the pair path', async () => {
    const list = await engine<ScenarioSummary[]>(`window.lab.invoke['scenario.list']()`)
    const index = list.findIndex(
      (s) => s.operations.some((o) => o.op === 'dma_map_sgtable') && /IOMMU off/.test(s.name),
    )
    expect(index).toBeGreaterThanOrEqual(0)
    await instructor.locator('[data-test="scenario"]').nth(index).click()
    await expect.poll(async () => (await stepperView())?.scenario.index, { timeout: 60_000 }).toBe(index)
    await expect.poll(() => presenterCursor(), { timeout: 60_000 }).toBe(await instructorCursor())
    await presenterShot('01-started')
    if ((await stepperView())!.workshop?.open.length) await revealAllInUi(instructor)

    // F11 into the first operation: the presenter shows the same function.
    await step('F11')
    let v = (await stepperView())!
    await expect.poll(() => presenter.textContent('[data-test="presenter-fn"]')).toBe(cardFn(v))
    await step('F11')
    v = (await stepperView())!
    expect(await presenter.textContent('[data-test="presenter-fn"]')).toBe(cardFn(v))
    await presenterShot('02-step-into')

    // Down to the map type of the P2PDMA entry: a pair, with its path in the step's topology.
    for (let i = 0; i < 200 && !v.pair; i++) {
      await step(i < 3 ? 'F10' : 'F11')
      v = (await stepperView())!
    }
    expect(v.pair).toBeTruthy()
    const topo = instructor.locator('[data-test="step-topology"]')
    await expect.poll(() => topo.locator('[data-role="provider"]').count()).toBe(1)
    expect(await topo.locator('[data-role="client"]').count()).toBe(1)
    expect(await topo.locator('li.on-path').count()).toBeGreaterThanOrEqual(3)
    expect(await topo.locator('[data-role="common upstream"]').count()).toBe(1)
    expect(await instructor.textContent('[data-test="step-pair"]')).toContain('PCI_P2PDMA_MAP_BUS_ADDR')
    await shooter(instructor, 'presenter-')('03-instructor-topology')
    expect(await presenter.textContent('[data-test="presenter-fn"]')).toBe(cardFn(v))
    await presenterShot('04-pair')
  })

  it('shows the errno large when the instructor runs to the first failure, and steps back with him', async () => {
    const list = await engine<ScenarioSummary[]>(`window.lab.invoke['scenario.list']()`)
    // L01 in v6.12: GUP on the BAR mapping fails with -EFAULT
    const index = list.findIndex((s) => s.name.startsWith('L01') && s.era === 'v6.12')
    expect(index).toBeGreaterThanOrEqual(0)
    await instructor.locator('[data-test="scenario"]').nth(index).click()
    await expect.poll(async () => (await stepperView())?.scenario.index, { timeout: 60_000 }).toBe(index)
    if ((await stepperView())!.workshop?.open.length) await revealAllInUi(instructor)
    await step('F8')
    const v = (await stepperView())!
    expect(v.current?.outcome?.kind).toBe('fail')
    const outcome = presenter.locator('[data-test="presenter-outcome"]')
    await expect.poll(() => outcome.getAttribute('data-errno')).toBe('EFAULT')
    expect(await outcome.textContent()).toContain('-EFAULT')
    await presenterShot('05-efault')
    await step('Shift+F10')
    expect(await presenter.locator('[data-test="presenter-outcome"][data-errno]').count()).toBe(0)
    // The presenter never steps: F11 there changes nothing.
    const before = await instructorCursor()
    await presenter.keyboard.press('F11')
    await presenter.waitForTimeout(300)
    expect(await instructorCursor()).toBe(before)
    expect(await presenterCursor()).toBe(before)

    // Back to where pin_user_pages_fast starts: between the two operations the card announces the
    // next one instead of mmap_bar's last call.
    const between = (x: StepperView) => x.currentOp !== null && x.operations[x.currentOp]!.state === 'pending'
    let w = (await stepperView())!
    for (let i = 0; i < 200 && !between(w); i++) {
      await step('Shift+F10')
      w = (await stepperView())!
    }
    expect(between(w)).toBe(true)
    expect(w.atStart).toBe(false)
    await expect.poll(() => presenter.getAttribute('[data-test="presenter-step"]', 'data-state')).toBe('next')
    expect(await presenter.textContent('[data-test="presenter-fn"]')).toBe(w.operations[w.currentOp!]!.op)
    expect(await presenter.textContent('[data-test="presenter-op"]')).toContain(
      `Operation ${w.currentOp! + 1}`,
    )
    await presenterShot('05-next-operation')
    expect(problems).toEqual([])
  })

  it("shows the open exercise without its answer, the instructor's step numbers, then the reveal", async () => {
    const list = await engine<ScenarioSummary[]>(`window.lab.invoke['scenario.list']()`)
    const index = list.findIndex((s) => s.name.startsWith('L12')) // first question: an errno, at operation 2
    await instructor.locator('[data-test="scenario"]').nth(index).click()
    await expect.poll(async () => (await stepperView())?.scenario.index, { timeout: 60_000 }).toBe(index)
    // Continue: stepping stops where the first open exercise asks about the next operation.
    await instructor.click('[data-step="continue"]')
    await expect.poll(async () => (await stepperView())?.stopped, { timeout: 60_000 }).toBe('exercise')
    const v = (await stepperView())!
    await expect.poll(() => presenterCursor(), { timeout: 60_000 }).toBe(v.cursor)
    const card = presenter.locator('[data-test="presenter-exercise"]')
    await card.waitFor()
    const focus = v.workshop!.exercises[v.workshop!.focus!]!
    expect(await card.getAttribute('data-id')).toBe(focus.id)
    expect(await presenter.locator('[data-test="presenter-answer"]').count()).toBe(0)
    const answers = await engine<{ index: number; answer: string }[]>(
      `window.lab.invoke['exercise.answers']({ index: ${index} })`,
    )
    const answer = answers[focus.index]!.answer
    // the answer is on the projector only among the choices, never as an outcome, check or change
    const shown = await presenter.evaluate(() => {
      const el = document.querySelector('[data-test="presenter"]') as HTMLElement
      const clone = el.cloneNode(true) as HTMLElement
      clone.querySelectorAll('[data-test="presenter-choices"]').forEach((c) => c.remove())
      document.body.appendChild(clone)
      const text = clone.innerText
      clone.remove()
      return text
    })
    expect(shown).not.toContain(answer)
    // the same step numbers on both screens
    const pos = (await instructor.textContent('[data-test="cursor"]'))!.trim()
    expect((await presenter.textContent('[data-test="presenter-pos"]'))!.trim()).toBe(`step ${pos}`)
    await presenterShot('06-exercise-open')

    // The instructor reveals it: the projector shows the answer and the explanation.
    await instructor.click('[data-test="instructor-toggle"]')
    await instructor
      .locator(`[data-test="exercise"][data-id="${focus.id}"] [data-test="instructor-answer"]`)
      .waitFor()
    await instructor.locator(`[data-test="exercise"][data-id="${focus.id}"] [data-test="reveal-all"]`).click()
    await presenter.locator('[data-test="presenter-answer"]').waitFor({ timeout: 60_000 })
    expect(await presenter.textContent('[data-test="presenter-answer"]')).toContain(answer)
    await presenterShot('07-exercise-revealed')
    await instructor.click('[data-test="instructor-toggle"]')
    expect(problems).toEqual([])
  })
})
