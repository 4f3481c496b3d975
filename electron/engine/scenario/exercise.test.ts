import { describe, expect, it } from 'vitest'
import { defaultLab } from '../lab/default-lab'
import { builtinScenarios } from './library'
import {
  answerChoices,
  answerText,
  exerciseSchema,
  exerciseView,
  isCorrect,
  predictionKey,
  type Exercise,
} from './exercise'
import { exerciseCover, verifyExercises } from './exercise-verify'
import { runScenario, scenarioMachine } from './runner'
import type { Scenario } from './schema'
import { scenarioSchema } from './schema'

const ex = (e: Record<string, unknown>): Exercise =>
  exerciseSchema.parse({ question: 'q?', explanation: 'because', ...e })
const OPS = [{ op: 'mmap_bar' }, { op: 'pin_user_pages_fast' }, { op: 'pread' }]

describe('exercise answers', () => {
  it('compare the way an attendee writes them', () => {
    const w = ex({ kind: 'which-op-fails', answer: '2' })
    expect(isCorrect(w, '2 pin_user_pages_fast', OPS)).toBe(true)
    expect(isCorrect(w, 'pin_user_pages_fast', OPS)).toBe(true)
    expect(isCorrect(w, '3 pread', OPS)).toBe(false)
    expect(isCorrect(ex({ kind: 'which-op-fails', answer: 'none' }), 'none', OPS)).toBe(true)
    const e = ex({ kind: 'errno', op: 2, answer: '-EFAULT' })
    for (const p of ['EFAULT', 'efault', ' -EFAULT ', '-EFAULT (14)', ['EFAULT']])
      expect(isCorrect(e, p, OPS)).toBe(true)
    expect(isCorrect(e, 'EREMOTEIO', OPS)).toBe(false)
    expect(isCorrect(ex({ kind: 'errno', op: 1, answer: 'success' }), '0', OPS)).toBe(true)
    const m = ex({ kind: 'map-type', pair: { provider: 'gpu0', client: 'nic0' }, answer: 'BUS_ADDR' })
    expect(isCorrect(m, 'PCI_P2PDMA_MAP_BUS_ADDR', OPS)).toBe(true)
    expect(isCorrect(m, 'THRU_HOST_BRIDGE', OPS)).toBe(false)
    const f = ex({
      kind: 'refusing-function',
      op: 2,
      choices: ['gup_fast', 'check_vma_flags'],
      answer: 'check_vma_flags',
    })
    expect(isCorrect(f, 'check_vma_flags()', OPS)).toBe(true)
    expect(isCorrect(f, 'gup_fast', OPS)).toBe(false)
    const era = ex({ kind: 'era-changed', op: 1, eras: ['v5.0', 'v6.2', 'v6.12'], answer: 'v6.2' })
    expect(isCorrect(era, '6.2', OPS)).toBe(true)
    expect(isCorrect(era, 'v6.12', OPS)).toBe(false)
    const d = ex({ kind: 'distance', pair: { provider: 'gpu0', client: 'nvme0' }, answer: '6' })
    expect(isCorrect(d, ' 6 ', OPS)).toBe(true)
    expect(isCorrect(d, '0x6', OPS)).toBe(true)
    expect(isCorrect(d, '', OPS)).toBe(false)
  })

  it('p2p-pairs: an unordered set, in any order and spelling; empty means none', () => {
    const p = ex({
      kind: 'p2p-pairs',
      devices: ['gpu0', 'nic0', 'gpu2'],
      answer: ['nic0 <-> gpu0'],
    })
    const v = exerciseView(p, 0, OPS)
    expect(v.select).toBe('many')
    expect(v.choices).toEqual(['gpu0 ↔ nic0', 'gpu0 ↔ gpu2', 'nic0 ↔ gpu2'])
    expect(isCorrect(p, ['gpu0 ↔ nic0'], OPS)).toBe(true)
    expect(isCorrect(p, 'gpu0 nic0', OPS)).toBe(true)
    expect(isCorrect(p, ['gpu0 ↔ nic0', 'gpu0 ↔ gpu2'], OPS)).toBe(false)
    expect(isCorrect(p, [], OPS)).toBe(false)
    expect(predictionKey(p, ['gpu0 ↔ gpu2', 'nic0 ↔ gpu0'], OPS)).toBe('gpu0 ↔ gpu2, gpu0 ↔ nic0')
    expect(predictionKey(p, ['gpu0'], OPS)).toBeNull()
    expect(answerChoices(p, v, OPS)).toEqual(['gpu0 ↔ nic0'])
    const none = ex({ kind: 'p2p-pairs', devices: ['gpu0', 'gpu2'], answer: [] })
    expect(isCorrect(none, [], OPS)).toBe(true)
    expect(answerText(none)).toBe('none of them')
  })

  it('the view never carries the answer or the explanation', () => {
    const e = ex({ kind: 'errno', op: 2, answer: 'EFAULT', explanation: 'check_vma_flags() in mm/gup.c' })
    const v = exerciseView(e, 3, OPS)
    expect(JSON.stringify(v)).not.toMatch(/check_vma_flags|"answer"/)
    expect(v).toMatchObject({ index: 3, id: 'ex4', kind: 'errno', op: 2, select: 'one' })
    expect(v.choices).toContain('EFAULT') // one choice among the modelled errnos
  })

  it('refuses malformed exercises with the field that is wrong', () => {
    const bad = (e: Record<string, unknown>) => {
      const r = exerciseSchema.safeParse({ question: 'q', explanation: '', ...e })
      return r.success ? null : r.error.issues.map((i) => i.path.join('.')).join(' ')
    }
    expect(bad({ kind: 'distance', answer: '4' })).toBe('pair')
    expect(bad({ kind: 'refusing-function', op: 2, answer: 'f' })).toBe('choices')
    expect(bad({ kind: 'era-changed', op: 2, eras: ['v6.12', 'v5.0'], answer: 'v5.0' })).toBe('eras')
    expect(bad({ kind: 'era-changed', eras: ['v5.0', 'v6.12'], answer: 'v6.12' })).toBe('op')
    expect(bad({ kind: 'p2p-pairs', devices: ['a', 'b'], answer: 'a <-> b' })).toBe('answer')
    expect(bad({ kind: 'p2p-pairs', devices: ['a', 'b'], answer: ['a <-> c'] })).toBe('answer.0')
    expect(bad({ kind: 'errno', answer: ['EFAULT'] })).toBe('answer')
    expect(bad({ kind: 'errno', choices: ['EINVAL', 'ENOMEM'], answer: 'EFAULT' })).toBe('answer')
    expect(bad({ kind: 'errno', id: 'has space', answer: 'EFAULT' })).toBe('id')
    const sc = {
      name: 's',
      operations: [],
      exercises: [
        { id: 'a', kind: 'errno', question: 'q', answer: 'EFAULT', explanation: '' },
        { id: 'a', kind: 'errno', question: 'q', answer: 'EFAULT', explanation: '' },
      ],
    }
    expect(scenarioSchema.safeParse(sc).success).toBe(false)
  })
})

describe('exercises checked against the engine', () => {
  const lab = defaultLab()
  const lib = builtinScenarios()
  const byName = (prefix: string, era?: string): Scenario =>
    lib.find((s) => s.name.startsWith(prefix) && (!era || s.era === era))!
  const verify = (sc: Scenario, exercises: Record<string, unknown>[]) =>
    verifyExercises(lab.machine, lab.settings, {
      ...sc,
      exercises: exercises.map((e) => ex(e)),
    })

  it('which op fails, its errno and the refusing function, in every era named', () => {
    const [w, e, f, wrong] = verify(byName('L01', 'v6.12'), [
      { kind: 'which-op-fails', answer: '2' },
      { kind: 'errno', op: 2, answer: 'EFAULT', eras: ['v5.10', 'v6.12'] },
      {
        kind: 'refusing-function',
        op: 2,
        choices: ['gup_fast', 'check_vma_flags', 'pin_user_pages_fast'],
        answer: 'check_vma_flags',
      },
      { kind: 'errno', op: 2, answer: 'EREMOTEIO' },
    ])
    expect(w!.ok).toBe(true)
    expect(e).toMatchObject({
      ok: true,
      actual: [
        { era: 'v5.10', value: 'EFAULT' },
        { era: 'v6.12', value: 'EFAULT' },
      ],
    })
    expect(f).toMatchObject({ ok: true, actual: [{ era: 'v6.12', value: 'check_vma_flags' }] })
    expect(wrong!.ok).toBe(false)
    expect(wrong!.problems[0]).toBe('v6.12: the engine says EFAULT, the answer says EREMOTEIO')
  })

  it('the refusing function is where the error began, not a caller that passed it on', () => {
    const [f] = verify(byName('L04'), [
      {
        kind: 'refusing-function',
        op: 4,
        choices: ['check_vma_flags', 'try_grab_folio'],
        answer: 'try_grab_folio',
      },
    ])
    expect(f).toMatchObject({ ok: true })
  })

  it('map type, distance and P2P-capable pairs of the machine the scenario runs on', () => {
    const off = byName('L03 ', undefined)
    const checks = verify(off, [
      { kind: 'map-type', pair: { provider: 'gpu0', client: 'nic0' }, answer: 'BUS_ADDR' },
      { kind: 'distance', pair: { provider: 'gpu0', client: 'nic0' }, answer: '4' },
      { kind: 'map-type', pair: { provider: 'gpu0', client: 'gpu2' }, answer: 'NOT_SUPPORTED' },
      {
        kind: 'p2p-pairs',
        devices: ['gpu0', 'nic0', 'gpu2'],
        answer: ['gpu0 <-> nic0'],
      },
      { kind: 'map-type', pair: { provider: 'gpu0', client: 'nic0' }, answer: 'THRU_HOST_BRIDGE' },
    ])
    expect(checks.map((c) => c.ok)).toEqual([true, true, true, true, false])
    // the same pair with the IOMMU on (ACS redirect): through the host bridge
    const on = lib.find((s) => s.name.includes('IOMMU on'))!
    const [m] = verify(on, [
      { kind: 'map-type', pair: { provider: 'gpu0', client: 'nic0' }, answer: 'THRU_HOST_BRIDGE' },
    ])
    expect(m!.ok).toBe(true)
  })

  it('era-changed: the outcome must change exactly once, at the answer', () => {
    const sc = byName('L03 ')
    const [good, none, wrongEra] = verify(sc, [
      {
        kind: 'era-changed',
        pair: { provider: 'gpu0', client: 'nvme0' },
        eras: ['v5.0', 'v5.2', 'v5.4', 'v6.0', 'v6.12'],
        answer: 'v6.0',
      },
      { kind: 'era-changed', op: 1, eras: ['v6.0', 'v6.12'], answer: 'v6.12' },
      {
        kind: 'era-changed',
        pair: { provider: 'gpu0', client: 'nvme0' },
        eras: ['v5.0', 'v5.4', 'v6.0'],
        answer: 'v5.4',
      },
    ])
    expect(good).toMatchObject({ ok: true })
    expect(good!.actual.map((a) => a.value)).toEqual([
      'NOT_SUPPORTED',
      'NOT_SUPPORTED',
      'NOT_SUPPORTED', // 5.4's whitelist has no Skylake-E 8086:2020 yet
      'THRU_HOST_BRIDGE',
      'THRU_HOST_BRIDGE',
    ])
    expect(none!.problems[0]).toMatch(/does not change/)
    expect(wrongEra!.problems[0]).toMatch(/changes in v6.0, not v5.4/)
  })

  it('a scenario that cannot run in a named era is a located problem, not a crash', () => {
    const [c] = verify(byName('L04'), [
      { kind: 'errno', op: 4, answer: 'EREMOTEIO', eras: ['v5.4', 'v6.12'] },
    ])
    expect(c!.ok).toBe(false)
    expect(c!.actual[1]).toEqual({ era: 'v6.12', value: 'EREMOTEIO' })
    expect(c!.problems[0]).toMatch(/^v5.4: /)
  })

  it('cover: the operation to hold at, the words that give the answer away, the cells to hide', () => {
    const sc = byName('L03 ')
    const r = runScenario(scenarioMachine(lab.machine, lab.settings, sc), sc)
    const m = exerciseCover(
      ex({ kind: 'map-type', pair: { provider: 'gpu0', client: 'nic0' }, answer: 'BUS_ADDR' }),
      r,
    )
    expect(m.holdOp).toBe(2) // dma_map_sgtable is where the map type is decided
    expect(m.terms).toEqual([{ text: 'BUS_ADDR', where: 'all' }])
    expect(m.pairs).toEqual([['0000:03:00.0', '0000:05:00.0']])
    const e = exerciseCover(ex({ kind: 'errno', op: 2, answer: '-EFAULT' }), r)
    expect(e).toEqual({ holdOp: 1, terms: [{ text: 'EFAULT', where: 'all' }], pairs: [] })
    expect(exerciseCover(ex({ kind: 'which-op-fails', answer: '2' }), r).holdOp).toBe(0)
  })
})
