import { describe, expect, it } from 'vitest'
import { CASES, labFileOf } from '../../../tests/scenarios/cases'
import { labText } from '../../../tests/scenarios/golden-io'
import { runCli } from './lab'
import { memoryIo } from '../../../tests/helpers/cli-io'

const io = memoryIo

describe('lab exercises', () => {
  it("lists the default lab's course without answers; --json has the documented shape", async () => {
    const x = io()
    expect(await runCli(['exercises', '--json'], x)).toBe(0)
    const j = JSON.parse(x.out()) as { exercises: Record<string, unknown>[] }
    expect(Object.keys(j)).toEqual(['exercises'])
    expect(j.exercises.length).toBeGreaterThanOrEqual(16)
    for (const e of j.exercises) {
      expect(Object.keys(e).slice(0, 5)).toEqual(['scenario', 'id', 'kind', 'question', 'choices'])
      expect(e).not.toHaveProperty('answer')
      expect(e).not.toHaveProperty('explanation')
    }
    expect(j.exercises[0]).toMatchObject({
      scenario: expect.stringMatching(/^L01 /),
      id: 'bar-first-failure',
      kind: 'which-op-fails',
      choices: ['1 mmap_bar', '2 get_user_pages_fast', '3 ibv_reg_mr', '4 pread', 'none'],
    })
    const text = io()
    expect(await runCli(['exercises'], text)).toBe(0)
    expect(text.out()).toMatch(/^The 2019 P2P debate, hands on: \d+ exercises in \d+ scenarios/)
    expect(text.out()).not.toContain('check_vma_flags() in mm/gup.c')
    expect(text.out()).toContain('(answers and explanations: --answers)')
  })

  it('--answers adds the answer and the explanation', async () => {
    const x = io()
    expect(await runCli(['exercises', '--json', '--answers'], x)).toBe(0)
    const j = JSON.parse(x.out()) as { exercises: { id: string; answer: unknown; explanation: string }[] }
    expect(j.exercises.every((e) => e.answer !== undefined && e.explanation.length > 0)).toBe(true)
    expect(j.exercises.find((e) => e.id === 'bar-gup-errno')!.answer).toBe('EFAULT')
    expect(j.exercises.find((e) => e.id === 'which-pairs-socket1-iommu-on')!.answer).toEqual([])
    const text = io()
    expect(await runCli(['exercises', '--answers'], text)).toBe(0)
    expect(text.out()).toContain('answer: check_vma_flags')
  })

  it('reads a lab file (its exercises only) and refuses bad input with exit 2', async () => {
    const c22 = CASES.find((c) => c.file.startsWith('C22'))!
    const lab = labFileOf(c22)
    const sc = structuredClone(lab.scenarios![0]) as Record<string, unknown>
    sc['exercises'] = [
      { kind: 'errno', op: 2, question: 'With what errno?', answer: 'EFAULT', explanation: 'x' },
    ]
    const x = io({ 'w.p2plab': labText({ ...lab, scenarios: [sc] }) })
    expect(await runCli(['exercises', 'w.p2plab', '--json'], x)).toBe(0)
    expect(JSON.parse(x.out()).exercises).toEqual([
      {
        scenario: (sc as { name: string }).name,
        id: 'ex1',
        kind: 'errno',
        question: 'With what errno?',
        choices: [
          'EFAULT',
          'EREMOTEIO',
          'EINVAL',
          'EOPNOTSUPP',
          'ENODEV',
          'ENOMEM',
          'EPERM',
          'EBUSY',
          'success',
        ],
        op: 2,
      },
    ])
    for (const argv of [
      ['exercises', 'missing.p2plab'],
      ['exercises', '--bogus'],
      ['exercises', 'a', 'b'],
    ]) {
      const e = io()
      expect(await runCli(argv, e), argv.join(' ')).toBe(2)
      expect(e.err()).not.toBe('')
    }
  })

  it('--help documents the command', async () => {
    const x = io()
    expect(await runCli(['--help'], x)).toBe(0)
    expect(x.out()).toContain('exercises [<file>]')
    expect(x.out()).toContain('--answers')
  })
})
