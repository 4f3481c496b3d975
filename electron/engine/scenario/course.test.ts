import { describe, expect, it } from 'vitest'
import { defaultLab } from '../lab/default-lab'
import { loadLab, serializeLab } from '../import/lab'
import { EXERCISE_KINDS, type Exercise } from './exercise'
import { verifyExercises } from './exercise-verify'
import { scenarioSchema, type Scenario } from './schema'
import { COURSE } from './course'

const lab = defaultLab()
const scenarios: Scenario[] = (lab.scenarios ?? []).map((s) => scenarioSchema.parse(s))
const all: { sc: Scenario; e: Exercise }[] = scenarios.flatMap((sc) =>
  (sc.exercises ?? []).map((e) => ({ sc, e })),
)

describe('the built-in course', () => {
  it("is the default lab's, with at least 16 exercises over the whole story and every kind", () => {
    expect(lab.course?.title).toBe(COURSE.title)
    expect(all.length).toBeGreaterThanOrEqual(16)
    expect(new Set(all.map((x) => x.sc.name)).size).toBeGreaterThanOrEqual(12)
    for (const kind of EXERCISE_KINDS)
      expect(
        all.some((x) => x.e.kind === kind),
        kind,
      ).toBe(true)
    // the 2019 RFC, what landed, and the eras are all asked about
    const names = all.map((x) => x.sc.name).join('\n')
    for (const topic of [
      'remap_pfn_range',
      'IOMEM',
      'SG_DMA_BUS_ADDRESS',
      'FOLL_PCI_P2PDMA',
      'p2p_map',
      'HMM',
      'dma-buf',
      'VFIO',
      'CPU',
    ])
      expect(names).toContain(topic)
    expect(all.filter((x) => x.e.kind === 'era-changed').length).toBeGreaterThanOrEqual(3)
  })

  it('every answer is what the engine produces, in every era the exercise names', () => {
    for (const sc of scenarios) {
      for (const c of verifyExercises(lab.machine, lab.settings, sc)) {
        expect(c.problems, `${sc.name} / ${c.id}`).toEqual([])
        expect(c.ok).toBe(true)
        expect(c.actual.length).toBeGreaterThanOrEqual(c.kind === 'era-changed' ? 2 : 1)
      }
    }
  })

  it('every explanation names the kernel function and the source file behind the answer', () => {
    for (const { sc, e } of all) {
      const where = `${sc.name} / ${e.id}`
      expect(e.explanation, where).toMatch(/\b[a-z_][a-z0-9_]*\(\)/) // a kernel function, C-style
      expect(e.explanation, where).toMatch(
        /\b(mm|drivers|kernel|block|lib|include|Documentation)\/[\w/.-]+\.(c|h|rst)\b/,
      )
    }
  })

  it('no question gives its answer away, and ids are unique across the course', () => {
    for (const { sc, e } of all) {
      if (e.kind === 'errno' || e.kind === 'refusing-function' || e.kind === 'map-type') {
        const term = String(e.answer).replace(/^-/, '').replace(/\(\)$/, '')
        if (term !== 'success') expect(e.question, `${sc.name} / ${e.id}`).not.toContain(term)
      }
    }
    const ids = all.map((x) => x.e.id)
    expect(new Set(ids).size).toBe(ids.length)
    // a revealed answer must not be the answer of another open question of the same scenario
    for (const sc of scenarios) {
      const words = (sc.exercises ?? [])
        .filter((e) => e.kind === 'errno' || e.kind === 'refusing-function' || e.kind === 'map-type')
        .map((e) => String(e.answer).replace(/^-/, ''))
        .filter((w) => w !== 'success')
      expect(new Set(words).size, sc.name).toBe(words.length)
    }
  })

  it('is a lab file a user can save, reload and adapt (same scenarios and exercises)', () => {
    const text = serializeLab(lab)
    const back = loadLab('course.p2plab', text)
    expect(back.ok).toBe(true)
    if (!back.ok) return
    expect(back.lab.course).toEqual(lab.course)
    expect(back.lab.scenarios).toEqual(JSON.parse(JSON.stringify(lab.scenarios)))
    // an adapted copy whose answer no longer matches the engine is caught
    const copy = JSON.parse(text) as { scenarios: { exercises?: { answer: unknown }[] }[] }
    copy.scenarios[1]!.exercises![0]!.answer = 'EINVAL'
    const sc = scenarioSchema.parse(copy.scenarios[1])
    expect(verifyExercises(lab.machine, lab.settings, sc)[0]!.ok).toBe(false)
  })
})
