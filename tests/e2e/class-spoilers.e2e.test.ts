/**
 * Spoiler test for the attendee page: for every exercise of the course (the default lab's) and of a
 * fixture covering the errno, refusing-function and map-type kinds, the instructor opens it while
 * standing at the END of its scenario (past the answer), and the attendee's visible text before
 * locking in must not name the answer where it is an errno, a map type or a kernel function
 * (the words exerciseCover() says would give it away). The choices themselves are left out of the
 * text: the answer is one of them by construction.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { LabSession } from '../../electron/app/session'
import { ClassHost } from '../../electron/app/class/host'
import { listScenarios, parseLabScenarios, runLabScenario } from '../../electron/app/stepping/stepper'
import { exerciseCover, verifyExercises, type Exercise } from '../../electron/engine/index'
import type { LabFile } from '../../shared/model/topology'
import { errnos } from '../../shared/model/errno'

const root = resolve(import.meta.dirname, '../..')
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const KINDS = new Set(['errno', 'map-type', 'refusing-function'])

/** Exercises whose answers the engine gives (checked below with verifyExercises), on default-lab scenarios. */
const FIXTURE: Record<number, Exercise[]> = {
  0: [
    {
      kind: 'refusing-function',
      op: 2,
      choices: ['gup_fast', 'check_vma_flags', 'follow_page_mask', 'get_user_pages'],
      question: 'Which kernel function refuses to pin the BAR mapping?',
      answer: 'check_vma_flags',
      explanation: 'mm/gup.c',
    },
    { kind: 'errno', op: 2, question: 'With which errno?', answer: 'EFAULT', explanation: 'mm/gup.c' },
    { kind: 'errno', op: 3, question: 'And ibv_reg_mr?', answer: 'EFAULT', explanation: 'ib_umem_get' },
  ],
  3: [
    {
      kind: 'map-type',
      pair: { provider: 'gpu0', client: 'nic0' },
      question: 'Which map type for gpu0 → nic0?',
      answer: 'BUS_ADDR',
      explanation: 'drivers/pci/p2pdma.c',
    },
  ],
  4: [
    {
      kind: 'map-type',
      pair: { provider: 'gpu0', client: 'nic0' },
      question: 'With the IOMMU on?',
      answer: 'THRU_HOST_BRIDGE',
      explanation: 'drivers/pci/p2pdma.c',
    },
  ],
}

function fixtureLab(base: LabFile): LabFile {
  const lab = structuredClone(base) as LabFile & { scenarios: Record<string, unknown>[] }
  // Only the fixture's exercises (the course has its own test below).
  for (const sc of lab.scenarios) delete sc['exercises']
  for (const [i, ex] of Object.entries(FIXTURE)) lab.scenarios[Number(i)]!['exercises'] = ex
  return lab
}

let browser: Browser

beforeAll(async () => {
  if (!existsSync(join(root, 'out/renderer/attendee.html')))
    throw new Error('E2E needs the production renderer build: run `npx electron-vite build`')
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })
})
afterAll(async () => {
  await browser?.close()
})

/** The page's visible text without the choices: selects show their selected option only. */
function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const clone = document.body.cloneNode(true) as HTMLElement
    const live = [...document.body.querySelectorAll('select')]
    clone.querySelectorAll('select').forEach((s, i) => s.replaceWith(live[i]?.selectedOptions[0]?.text ?? ''))
    clone.querySelector('[data-test="class-choices"]')?.remove()
    document.body.appendChild(clone)
    clone.style.position = 'absolute'
    const text = clone.innerText
    clone.remove()
    return text
  })
}

/** The word itself, or a word ending in _WORD (PCI_P2PDMA_MAP_BUS_ADDR gives BUS_ADDR away). */
const word = (t: string) =>
  new RegExp(`(?<![A-Za-z0-9.])(?:[A-Za-z0-9]+_)*${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`)

async function checkLab(lab: LabFile | null): Promise<number> {
  const session = new LabSession()
  if (lab) {
    const r = session.importText({ fileName: 'spoilers.p2plab', text: JSON.stringify(lab) })
    if (!r.ok) throw new Error(r.error.message)
  }
  const host = new ClassHost(session, { rendererDir: join(root, 'out/renderer') })
  const started = await host.start({ host: '127.0.0.1', port: 0 })
  if (!started.ok) throw new Error(started.error.message)
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } })
  const page = await ctx.newPage()
  page.setDefaultTimeout(60_000)
  let checked = 0
  try {
    await page.goto(started.value.joinUrl!)
    await page.fill('[data-test="join-name"]', 'Spoiler check')
    await page.click('[data-test="join-submit"]')
    await page.waitForSelector('[data-test="attendee-nav"]')
    for (const { index, scenario } of parseLabScenarios(session.labFile)) {
      const exercises = scenario?.exercises ?? []
      if (!exercises.length) continue
      // The instructor stands at the end of the scenario: every answer is on the instructor's screen.
      session.stepping.start({ index })
      session.stepping.step({ kind: 'toEnd' })
      const run = runLabScenario(session.labFile, index)
      for (const [i, ex] of exercises.entries()) {
        if (!KINDS.has(ex.kind)) continue
        const terms = exerciseCover(ex, run)
          .terms.filter((t) => t.where === 'all')
          .map((t) => t.text)
        if (!terms.length) continue // e.g. errno "success": no word to give away
        const key = `${index}:${i}`
        expect(host.ask({ scenario: index, exercise: i }).ok).toBe(true)
        await page.waitForSelector(`[data-test="class-exercise"][data-key="${key}"][data-state="open"]`)
        const hold = exerciseCover(ex, run).holdOp
        const limit = hold === null ? null : run.operations[hold]!.first
        // The page settles at the question point (or, with none, where the instructor is).
        // (The instructor's own guard may hold them earlier, at another open exercise.)
        const at = session.stepping.position()!.cursor
        const expected = limit === null ? at : Math.min(limit, at)
        await expect
          .poll(() => page.getAttribute('[data-test="attendee"]', 'data-cursor'), { timeout: 30_000 })
          .toBe(String(expected))
        const text = await visibleText(page)
        expect(text).toContain(ex.question) // the exercise is on screen…
        expect(text).toContain(scenario!.operations[0]!.op) // …and so is the step view
        for (const t of terms) {
          expect(text, `${key} ${ex.kind} shows "${t}" before lock-in`).not.toMatch(word(t))
          // an errno gives itself away by its number and its strerror text as well
          const e = (errnos as Record<string, { no: number; text: string } | undefined>)[t]
          if (e) {
            expect(text, `${key} shows -${e.no} (${t})`).not.toMatch(
              new RegExp(`(^|[^0-9A-Za-z_-])-${e.no}(?![0-9])`),
            )
            expect(text.toLowerCase(), `${key} shows "${e.text}" (${t})`).not.toContain(e.text.toLowerCase())
          }
        }
        checked++
      }
    }
  } finally {
    await ctx.close()
    await host.stop()
  }
  return checked
}

describe('the attendee page gives no answer away before lock-in', () => {
  it("the fixture's answers are what the engine produces", () => {
    const lab = fixtureLab(new LabSession().labFile)
    const scenarios = parseLabScenarios(lab)
    for (const i of Object.keys(FIXTURE).map(Number)) {
      const sc = scenarios[i]!.scenario!
      for (const c of verifyExercises(lab.machine, lab.settings, sc))
        expect(c.problems, `${i}:${c.index}`).toEqual([])
    }
  })

  it('for every errno, map-type and refusing-function exercise of the fixture', async () => {
    const lab = fixtureLab(new LabSession().labFile)
    expect(await checkLab(lab)).toBe(5)
  })

  const course = listScenarios(new LabSession().labFile).reduce((n, s) => n + s.exercises.length, 0)
  it.skipIf(course === 0)(`for every exercise of the course (${course} in the default lab)`, async () => {
    expect(await checkLab(null)).toBeGreaterThan(0)
  })
})
