/**
 * A class session end to end in one Chromium: the instructor (the app on the browser harness, with
 * its presenter tab) and 10 attendees, each in their own browser context on the class server's
 * attendee page. Attendees join (by the QR code's link, or typing the code), follow the
 * instructor's step in their own engine worker, explore and snap back, answer an exercise with a
 * mix of right and wrong answers; the presenter's histogram matches; the reveal reaches everyone;
 * a reconnecting attendee keeps name and answer; the exported results match; ending the class
 * reaches everyone. Screenshots (1280×720, A+ three times): test-results/screens/class-*.png.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ClassResults } from '../../shared/model/class'
import { startBridge, type Bridge } from '../../tools/bridge/server'
import { SCREENS as screens, launchChromium, requireRendererBuild, watchPage } from './helpers'

/** Who answers what: 6 right, 4 wrong (3 EINVAL, 1 EREMOTEIO). */
const ANSWERS = [
  'EFAULT',
  'EFAULT',
  'EFAULT',
  'EFAULT',
  'EFAULT',
  'EFAULT',
  'EINVAL',
  'EINVAL',
  'EINVAL',
  'EREMOTEIO',
]
const NAMES = ANSWERS.map((_, i) => `Attendee ${String(i + 1).padStart(2, '0')}`)

let bridge: Bridge
let browser: Browser
let instructorCtx: BrowserContext
let instructor: Page
let presenter: Page
const attendees: { ctx: BrowserContext; page: Page }[] = []
const problems: string[] = []
let joinUrl = ''
let classUrl = ''
let code = ''

function watch(p: Page, who: string): void {
  p.setDefaultTimeout(60_000)
  watchPage(p, problems, { who })
}

/**
 * The default lab with one exercise on its first scenario, about its last operation (O_DIRECT pread
 * into a BAR mapped with remap_pfn_range), so the instructor can step through the others first:
 * their own stepping stops at an open exercise's operation until it is revealed.
 */
function loadLabWithExercises(): void {
  const lab = structuredClone(bridge.session.labFile) as unknown as { scenarios: Record<string, unknown>[] }
  lab.scenarios[0]!['exercises'] = [
    {
      id: 'odirect-errno',
      kind: 'errno',
      op: 4,
      question: 'O_DIRECT pread() into the BAR mapping: with which errno does it fail?',
      answer: 'EFAULT',
      explanation:
        'The block layer pins the buffer through get_user_pages; check_vma_flags() in mm/gup.c refuses a VM_IO | VM_PFNMAP mapping: no struct page behind it.',
    },
  ]
  const r = bridge.session.importText({ fileName: 'class-e2e.p2plab', text: JSON.stringify(lab) })
  if (!r.ok) throw new Error(r.error.message)
}

const cursorOf = async (p: Page, sel: string) => Number(await p.getAttribute(sel, 'data-cursor'))
const instructorCursor = () => cursorOf(instructor, '[data-test="stepper"]')
const attendeeCursor = (p: Page) => cursorOf(p, '[data-test="attendee"]')

async function biggerText(p: Page, times = 3): Promise<void> {
  for (let i = 0; i < times; i++) await p.click('[data-test="font-bigger"]')
}

async function shot(p: Page, name: string): Promise<void> {
  await p.bringToFront()
  await p.screenshot({ path: join(screens, `class-${name}.png`) })
}

beforeAll(async () => {
  requireRendererBuild(['index.html', 'attendee.html'])
  mkdirSync(screens, { recursive: true })
  bridge = await startBridge({ port: 0 })
  loadLabWithExercises()
  browser = await launchChromium()
  instructorCtx = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true })
  instructor = await instructorCtx.newPage()
  watch(instructor, 'instructor')
  await instructor.goto(bridge.url)
  await instructor.waitForSelector('.app[data-ready="true"]')
})

afterAll(async () => {
  await browser?.close()
  await bridge?.close()
})

describe('a class session: an instructor and 10 attendees', () => {
  it('the instructor starts a class from the Class tab; the presenter shows the code and the QR code', async () => {
    await instructor.click('[data-tab="class"]')
    await instructor.waitForSelector('[data-test="class-start-form"]')
    await instructor.selectOption('[data-test="class-host"]', '127.0.0.1')
    await instructor.fill('[data-test="class-port"]', '0')
    await instructor.click('[data-test="class-start"]')
    await instructor.waitForSelector('[data-test="class-join"]')
    classUrl = (await instructor.textContent('[data-test="class-url"]'))!.trim()
    code = (await instructor.textContent('[data-test="class-code"]'))!.trim()
    expect(classUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}$/)
    joinUrl = (await instructor.getAttribute('[data-test="class-qr"]', 'data-text'))!
    expect(joinUrl).toBe(`${classUrl}#code=${code}`)
    expect(bridge.classHost.status()).toMatchObject({ running: true, code })

    presenter = await instructorCtx.newPage()
    watch(presenter, 'presenter')
    await presenter.goto(`${bridge.url}#presenter`)
    await presenter.waitForSelector('[data-test="presenter-class"]')
    expect(await presenter.textContent('[data-test="class-code"]')).toBe(code)
    await shot(presenter, '01-presenter-join')
  })

  it('10 attendees join (by the link, or typing the code) in their own browser contexts', async () => {
    for (let i = 0; i < NAMES.length; i++) {
      const big = i === 0
      const ctx = await browser.newContext({
        viewport: big ? { width: 1280, height: 720 } : { width: 900, height: 640 },
      })
      const page = await ctx.newPage()
      watch(page, NAMES[i]!)
      attendees.push({ ctx, page })
    }
    await Promise.all(
      attendees.map(async ({ page }, i) => {
        // Half follow the QR code's link (the code is filled in), half type it.
        await page.goto(i % 2 ? classUrl : joinUrl)
        if (i % 2) await page.fill('[data-test="join-code"]', code.toLowerCase())
        else expect(await page.inputValue('[data-test="join-code"]')).toBe(code)
        await page.fill('[data-test="join-name"]', NAMES[i]!)
        await page.click('[data-test="join-submit"]')
        await page.waitForSelector('[data-test="attendee-nav"]')
        expect(await page.textContent('[data-test="attendee-name"]')).toBe(NAMES[i])
      }),
    )
    await expect.poll(() => bridge.classHost.status().connected).toBe(10)
    await expect.poll(() => instructor.locator('[data-test="class-attendee"]').count()).toBe(10)
    await expect.poll(() => presenter.textContent('[data-test="class-joined"]')).toContain('10 joined')
  })

  it('everyone follows the instructor step by step; an attendee explores and snaps back', async () => {
    await instructor.click('[data-tab="stepper"]')
    await instructor.locator('[data-test="scenario"]').first().click()
    await instructor.waitForSelector('[data-test="stepper"]')
    await expect.poll(() => instructorCursor()).toBeGreaterThanOrEqual(0)
    for (const key of ['F10', 'F11', 'F11']) {
      const before = await instructorCursor()
      await instructor.keyboard.press(key)
      await expect.poll(() => instructorCursor()).not.toBe(before)
    }
    const at = await instructorCursor()
    await Promise.all(attendees.map(({ page }) => expect.poll(() => attendeeCursor(page)).toBe(at)))
    const first = attendees[0]!.page
    expect(await first.textContent('[data-test="attendee-scenario"]')).toContain('L01')

    // Exploring: the attendee steps back on their own; the instructor is not moved.
    await first.click('[data-test="attendee-back"]')
    await expect.poll(() => attendeeCursor(first)).toBe(at - 1)
    await first.waitForSelector('[data-test="attendee-follow"]')
    expect(await instructorCursor()).toBe(at)
    // Another era of the same scenario, in the attendee's own engine.
    await first.selectOption('[data-test="attendee-pick-era"]', 'v6.12')
    await expect.poll(() => first.textContent('[data-test="attendee-scenario"] + .badge')).toBe('v6.12')
    // The instructor steps on; "Follow the instructor" snaps back to exactly there.
    await instructor.keyboard.press('F10')
    await expect.poll(() => instructorCursor()).not.toBe(at)
    const now = await instructorCursor()
    await first.click('[data-test="attendee-follow"]')
    await expect.poll(() => attendeeCursor(first)).toBe(now)
    await first.waitForSelector('[data-test="attendee-following"]')
    await Promise.all(attendees.map(({ page }) => expect.poll(() => attendeeCursor(page)).toBe(now)))
    await biggerText(first)
    await shot(first, '02-attendee-following')
  })

  it('the instructor asks an exercise; attendees answer it, spoiler-free until they lock in', async () => {
    // The instructor continues: their stepping, and the attendees' pages, stop at the question point.
    await instructor.keyboard.press('F5')
    await expect.poll(() => instructorCursor()).toBe(await questionPoint())
    await instructor.click('[data-tab="class"]')
    await instructor.click('[data-test="class-exercise-item"][data-key="0:0"] [data-test="class-ask"]')
    await instructor.waitForSelector('[data-test="class-open"][data-key="0:0"]')
    await Promise.all(
      attendees.map(({ page }) =>
        page.waitForSelector('[data-test="class-exercise"][data-key="0:0"][data-state="open"]'),
      ),
    )
    const first = attendees[0]!.page
    await first.waitForSelector('[data-test="attendee-capped"]')
    const text = await first.evaluate(() => {
      const clone = document.body.cloneNode(true) as HTMLElement
      clone.querySelector('[data-test="class-choices"]')?.remove()
      return clone.innerText
    })
    expect(text).not.toContain('EFAULT')
    expect(text).not.toContain('check_vma_flags')
    // nor EFAULT's number or strerror text (earlier operations failed with it)
    expect(text).not.toMatch(/(^|[^0-9A-Za-z_-])-14(?![0-9])/)
    expect(text).not.toContain('Bad address')
    await shot(first, '03-attendee-exercise-open')

    await Promise.all(
      attendees.map(async ({ page }, i) => {
        await page.check(`[data-test="class-choice"][value="${ANSWERS[i]}"]`)
        await page.click('[data-test="class-lock"]')
        await page.waitForSelector('[data-test="class-locked"]')
      }),
    )
    // Locked in: the question point is lifted and the page catches up with the instructor.
    await expect.poll(() => attendeeCursor(first)).toBe(await cursorOfInstructorStepper())
  })

  it("the presenter's histogram matches the answers, live", async () => {
    await presenter.waitForSelector('[data-test="presenter-class-ask"][data-key="0:0"]')
    await expect
      .poll(() => presenter.getAttribute('[data-test="class-histogram"]', 'data-answered'))
      .toBe('10')
    const bars = await presenter.$$eval('[data-test="histogram-bar"]', (els) =>
      Object.fromEntries(
        els.map((e) => [e.getAttribute('data-choice'), Number(e.getAttribute('data-count'))]),
      ),
    )
    expect(bars).toMatchObject({ EFAULT: 6, EINVAL: 3, EREMOTEIO: 1, EPERM: 0 })
    expect((Object.values(bars) as number[]).reduce((a, b) => a + b, 0)).toBe(10)
    expect(await presenter.textContent('[data-test="class-answered"]')).toContain('10 answered')
    await shot(presenter, '04-presenter-histogram')
    await biggerText(instructor)
    await shot(instructor, '05-instructor-before-reveal')
  })

  it('the reveal reaches everyone, each with their own verdict', async () => {
    await instructor.click('[data-test="class-reveal"]')
    await Promise.all(
      attendees.map(async ({ page }, i) => {
        await page.waitForSelector('[data-test="class-reveal"]')
        expect(await page.getAttribute('[data-test="class-reveal"]', 'data-correct')).toBe(
          String(ANSWERS[i] === 'EFAULT'),
        )
        expect(await page.textContent('[data-test="class-answer"]')).toBe('EFAULT')
      }),
    )
    await presenter.waitForSelector('[data-test="presenter-class-reveal"]')
    expect(
      await presenter.getAttribute('[data-test="histogram-bar"][data-choice="EFAULT"]', 'class'),
    ).toContain('correct')
    await shot(presenter, '06-presenter-revealed')
    await shot(attendees[0]!.page, '07-attendee-revealed-right')
    await biggerText(attendees[6]!.page)
    await attendees[6]!.page.setViewportSize({ width: 1280, height: 720 })
    await shot(attendees[6]!.page, '08-attendee-revealed-wrong')
    await shot(instructor, '09-instructor-revealed')
    // The class's reveal is the instructor's too: their stepping goes on past the question point.
    await instructor.click('[data-tab="stepper"]')
    const held = await instructorCursor()
    expect(held).toBe(await questionPoint())
    await instructor.keyboard.press('F11')
    await expect.poll(() => instructorCursor()).toBeGreaterThan(held)
    await instructor.click('[data-tab="class"]')
  })

  it('a reconnecting attendee keeps their name and answer', async () => {
    const { ctx, page } = attendees[3]!
    await page.close()
    await expect.poll(() => bridge.classHost.status().connected).toBe(9)
    const again = await ctx.newPage()
    watch(again, `${NAMES[3]} (again)`)
    await again.goto(classUrl)
    await again.waitForSelector('[data-test="class-reveal"]')
    expect(await again.textContent('[data-test="attendee-name"]')).toBe(NAMES[3])
    expect(await again.getAttribute('[data-test="class-reveal"]', 'data-correct')).toBe('true')
    attendees[3] = { ctx, page: again }
    await expect.poll(() => bridge.classHost.status().connected).toBe(10)
    expect(bridge.classHost.status().attendees).toHaveLength(10)
  })

  it('the exported results (CSV and JSON) match the answers', async () => {
    const csvDownload = instructor.waitForEvent('download')
    await instructor.click('[data-test="class-export-csv"]')
    const csvPath = await (await csvDownload).path()
    const lines = readFileSync(csvPath, 'utf8').trim().split('\r\n')
    expect(lines[0]).toBe(
      'attendee,attendeeId,exercise,exerciseId,scenario,scenarioName,question,answer,correct,answeredAt,seconds',
    )
    expect(lines).toHaveLength(11)
    for (let i = 0; i < NAMES.length; i++) {
      const row = lines.find((l) => l.startsWith(`${NAMES[i]},`))!
      expect(row, NAMES[i]).toContain(`,${ANSWERS[i]},${ANSWERS[i] === 'EFAULT'},`)
      expect(row).toContain(',0:0,odirect-errno,0,')
    }
    const jsonDownload = instructor.waitForEvent('download')
    await instructor.click('[data-test="class-export-json"]')
    const results = JSON.parse(readFileSync(await (await jsonDownload).path(), 'utf8')) as ClassResults
    expect(results.exercises).toEqual([
      expect.objectContaining({
        key: '0:0',
        id: 'odirect-errno',
        answer: 'EFAULT',
        answered: 10,
        correct: 6,
      }),
    ])
    // Attendees in the order they joined (concurrently here): compare by name.
    expect(results.attendees.map((a) => [a.name, a.correct]).sort()).toEqual(
      NAMES.map((n, i) => [n, ANSWERS[i] === 'EFAULT' ? 1 : 0]),
    )
    for (const row of results.rows) expect(row.seconds).toBeGreaterThanOrEqual(0)
    await instructor.waitForSelector('[data-test="class-exported"]')
  })

  it('ending the class reaches everyone; nothing went wrong on any page', async () => {
    await instructor.click('[data-test="class-stop"]')
    await Promise.all(attendees.map(({ page }) => page.waitForSelector('[data-test="attendee-ended"]')))
    await presenter.waitForSelector('[data-test="presenter-class"]', { state: 'detached' })
    expect(bridge.classHost.status().running).toBe(false)
    expect(problems).toEqual([])
  })
})

async function cursorOfInstructorStepper(): Promise<number> {
  const v = bridge.session.stepping.position()
  return v ? v.cursor : -1
}

/** The first step of the exercise's operation (op 4 of scenario 0): where stepping stops until the reveal. */
async function questionPoint(): Promise<number> {
  const v = bridge.session.stepping.view()
  if (!v.ok || !v.value) throw new Error('not stepping')
  return v.value.operations[3]!.first
}
