import { describe, expect, it } from 'vitest'
import { CASES, labFileOf } from '../../../tests/scenarios/cases'
import { labText } from '../../../tests/scenarios/golden-io'
import { runCommand } from './run'
import type { CliIo } from './io'

function io(files: Record<string, string>): CliIo & { out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    readFile: (p) => {
      const t = files[p]
      if (t === undefined) throw new Error('ENOENT')
      return t
    },
    writeFile: () => {},
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    version: 'test',
    out: () => out,
    err: () => err,
  }
}

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
      [['run'], {}],
    ]
    for (const [argv, files] of cases) {
      const x = io(files)
      expect(runCommand(argv, x), argv.join(' ')).toBe(2)
      expect(x.err()).not.toBe('')
    }
  })
})
