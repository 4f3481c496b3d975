import { describe, expect, it } from 'vitest'
import { CASES, labFileOf } from '../../../tests/scenarios/cases'
import { labText } from '../../../tests/scenarios/golden-io'
import { runCommand } from './run'
import { memoryIo } from '../../../tests/helpers/cli-io'

const io = memoryIo

const c22 = CASES.find((c) => c.file.startsWith('C22'))!

describe('lab run (runCommand)', () => {
  it('runs every kernel case in memory with exit 0', () => {
    for (const c of CASES) {
      const x = io({ [`${c.file}.p2plab`]: labText(labFileOf(c)) })
      expect(runCommand(['run', `${c.file}.p2plab`], x), `${c.file}: ${x.out()}`).toBe(0)
    }
  })

  it('prints the --json shape of issue 3 §6', () => {
    const x = io({ 'c22.p2plab': labText(labFileOf(c22)) })
    expect(runCommand(['run', 'c22.p2plab', '--json'], x)).toBe(0)
    const j = JSON.parse(x.out())
    expect(Object.keys(j)).toEqual(['scenarios'])
    expect(Object.keys(j.scenarios[0])).toEqual(['name', 'era', 'operations', 'expectationsMet'])
    expect(j.scenarios[0].operations[1]).toEqual({
      op: 'pin_user_pages_fast',
      ret: -14,
      errno: 'EFAULT',
      ok: true,
    })
  })

  it('exits 1 when an expectation is not met', () => {
    const lab = labFileOf(c22)
    const sc = structuredClone(lab.scenarios![0]) as { operations: { expect?: { errno?: string } }[] }
    sc.operations[1]!.expect = { errno: 'EREMOTEIO' }
    const x = io({ 'bad.p2plab': labText({ ...lab, scenarios: [sc] }) })
    expect(runCommand(['run', 'bad.p2plab'], x)).toBe(1)
    expect(x.out()).toContain('errno EFAULT (ret -14), expected EREMOTEIO')
  })

  it('--era overrides every scenario (C22 holds in every era)', () => {
    const x = io({ 'c22.p2plab': labText(labFileOf(c22)) })
    expect(runCommand(['run', 'c22.p2plab', '--era', 'v6.2', '--json'], x)).toBe(0)
    expect(JSON.parse(x.out()).scenarios.map((s: { era: string }) => s.era)).toEqual(['v6.2', 'v6.2'])
  })

  it('without a file runs the default lab and checks every exercise of its course against the engine', () => {
    const x = io({})
    expect(runCommand(['run', '--json'], x), x.err()).toBe(0)
    const j = JSON.parse(x.out()) as {
      scenarios: {
        exercises?: { id: string; ok: boolean; actual: { era: string }[]; problems: string[] }[]
      }[]
    }
    const exercises = j.scenarios.flatMap((s) => s.exercises ?? [])
    expect(exercises.length).toBeGreaterThanOrEqual(16)
    for (const e of exercises) expect(e.problems, e.id).toEqual([])
    expect(exercises.every((e) => e.ok && e.actual.length >= 1)).toBe(true)
    const text = io({})
    expect(runCommand(['run'], text)).toBe(0)
    expect(text.out()).toContain(
      'exercise bar-gup-errno (errno): answer EFAULT ok [engine: v5.10 EFAULT, v6.12 EFAULT]',
    )
  })

  it('exits 1 when an exercise answer is not what the engine produces', () => {
    const lab = labFileOf(c22)
    const sc = structuredClone(lab.scenarios![0]) as Record<string, unknown>
    sc['exercises'] = [
      {
        id: 'wrong',
        kind: 'errno',
        op: 2,
        eras: ['v5.10', 'v6.12'],
        question: 'q',
        answer: 'EREMOTEIO',
        explanation: '',
      },
    ]
    const x = io({ 'ex.p2plab': labText({ ...lab, scenarios: [sc] }) })
    expect(runCommand(['run', 'ex.p2plab'], x)).toBe(1)
    expect(x.out()).toContain(
      'exercise wrong (errno): answer EREMOTEIO WRONG [engine: v5.10 EFAULT, v6.12 EFAULT]',
    )
    expect(x.out()).toContain('v5.10: the engine says EFAULT, the answer says EREMOTEIO')
    const j = io({ 'ex.p2plab': labText({ ...lab, scenarios: [sc] }) })
    expect(runCommand(['run', 'ex.p2plab', '--json'], j)).toBe(1)
    expect(JSON.parse(j.out()).scenarios[0].exercises[0]).toMatchObject({ id: 'wrong', ok: false })
  })

  it('exits 2 on bad input', () => {
    const lab = labFileOf(c22)
    const badDev = structuredClone(lab)
    ;(badDev.scenarios![0] as { operations: { args: { dev?: string } }[] }).operations[0]!.args.dev = 'gpu9'
    const cases: [string[], Record<string, string>][] = [
      [['run', 'missing.p2plab'], {}],
      [['run', 'x.p2plab'], { 'x.p2plab': '{ not json' }],
      [['run', 'x.p2plab', '--era', 'v9'], { 'x.p2plab': labText(lab) }],
      [
        ['run', 'x.p2plab'],
        { 'x.p2plab': JSON.stringify({ name: 's', operations: [{ op: 'nope', args: {} }] }) },
      ],
      [['run', 'x.p2plab'], { 'x.p2plab': labText(badDev) }],
      [['run', 'a.p2plab', 'b.p2plab'], {}],
    ]
    for (const [argv, files] of cases) {
      const x = io(files)
      expect(runCommand(argv, x), argv.join(' ')).toBe(2)
      expect(x.err()).not.toBe('')
    }
  })
})
