import { describe, expect, it } from 'vitest'
import { ClassSession, randomCode, resultsCsv, type AskedExercise } from './class-session'
import { CODE_ALPHABET, CODE_LENGTH, cleanName } from '../../../shared/class/protocol'
import { exerciseView, type Exercise } from '../../engine/index'

/** A deterministic byte source (xorshift), so codes and tokens are reproducible. */
function seeded(seed = 42): (n: number) => Uint8Array {
  let x = seed
  return (n) =>
    Uint8Array.from({ length: n }, () => {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      return x & 0xff
    })
}

const OPS = [{ op: 'mmap_bar' }, { op: 'pin_user_pages_fast' }, { op: 'ibv_reg_mr' }]
const ERRNO: Exercise = {
  kind: 'errno',
  op: 2,
  question: 'With which errno does GUP refuse the BAR mapping?',
  answer: 'EFAULT',
  explanation: 'check_vma_flags refuses VM_IO | VM_PFNMAP (mm/gup.c)',
}
const WHICH: Exercise = {
  kind: 'which-op-fails',
  question: 'Which operation fails first?',
  answer: '2',
  explanation: 'GUP',
}

function asked(ex: Exercise, key: string, index = 0): Omit<AskedExercise, 'askedAt' | 'revealedAt' | 'salt'> {
  return {
    key,
    scenario: Number(key.split(':')[0]),
    scenarioName: 'L01',
    exerciseIndex: index,
    exercise: ex,
    view: exerciseView(ex, index, OPS),
    operations: OPS,
    cap: { op: ex.op ? ex.op - 1 : null, cursor: ex.op ? null : 0 },
    words: ex.kind === 'errno' ? [ex.answer as string] : [],
  }
}

function make(now = { t: 1_700_000_000_000 }) {
  return new ClassSession({ code: 'ABCD', random: seeded(), now: () => now.t, maxAttendees: 3 })
}

describe('ClassSession', () => {
  it('makes 4-character codes from the unambiguous alphabet', () => {
    const r = seeded(7)
    const codes = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const c = randomCode(r)
      expect(c).toHaveLength(CODE_LENGTH)
      for (const ch of c) expect(CODE_ALPHABET).toContain(ch)
      codes.add(c)
    }
    expect(codes.size).toBeGreaterThan(190)
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/)
  })

  it('joins with the code (case and spaces ignored), refuses a wrong code or an empty name, changing nothing', () => {
    const c = make()
    expect(c.join('abcd', 'Ada')).toMatchObject({ ok: true, resumed: false })
    expect(c.join(' ab-cd ', 'Grace')).toMatchObject({ ok: true })
    expect(c.join('ABCE', 'Eve')).toEqual({ ok: false, code: 'bad-code', reason: 'wrong join code' })
    expect(c.join('', 'Eve')).toMatchObject({ ok: false, code: 'bad-code' })
    expect(c.join('ABCD', ' \u0000\u202e ')).toMatchObject({ ok: false, code: 'bad-name' })
    expect(c.attendees().map((a) => a.name)).toEqual(['Ada', 'Grace'])
  })

  it('cleans display names and keeps them unique', () => {
    expect(cleanName('  Ada\u0007  Lovelace\u202e ')).toBe('Ada Lovelace')
    expect(cleanName('x'.repeat(100))).toHaveLength(40)
    const c = make()
    c.join('ABCD', 'Alex')
    const second = c.join('ABCD', 'Alex')
    expect(second.ok && second.attendee.name).toBe('Alex (2)')
  })

  it('caps the attendees; a resume token still gets its seat back, with name and answers', () => {
    const c = make()
    const first = c.join('ABCD', 'Ada')
    if (!first.ok) throw new Error('join failed')
    c.join('ABCD', 'Bob')
    c.join('ABCD', 'Cy')
    expect(c.join('ABCD', 'Dee')).toMatchObject({ ok: false, code: 'full' })
    c.ask(asked(ERRNO, '0:0'))
    expect(c.answer(first.attendee.id, '0:0', 'EFAULT')).toEqual({ ok: true })
    c.disconnected(first.attendee.id)
    expect(c.attendeeViews()[0]!.connected).toBe(false)
    const back = c.join('ABCD', 'someone else', first.attendee.token)
    expect(back).toMatchObject({ ok: true, resumed: true })
    if (!back.ok) return
    expect(back.attendee.name).toBe('Ada')
    expect(c.attendeeAsk(back.attendee.id)?.mine?.prediction).toBe('EFAULT')
    expect(c.attendeeCount).toBe(3)
    // A token does not replace the code.
    expect(c.join('WXYZ', 'Ada', first.attendee.token)).toMatchObject({ ok: false, code: 'bad-code' })
  })

  it('counts first answers into the histogram, refuses second answers, closed and revealed exercises', () => {
    const now = { t: 1_700_000_000_000 }
    const c = make(now)
    const ids = ['Ada', 'Bob', 'Cy'].map((n) => {
      const r = c.join('ABCD', n)
      if (!r.ok) throw new Error('join')
      return r.attendee.id
    })
    expect(c.answer(ids[0]!, '0:0', 'EFAULT')).toMatchObject({
      ok: false,
      reason: 'that exercise is not open',
    })
    c.ask(asked(ERRNO, '0:0'))
    now.t += 4000
    expect(c.answer(ids[0]!, '0:0', 'EFAULT')).toEqual({ ok: true })
    expect(c.answer(ids[0]!, '0:0', 'EINVAL')).toMatchObject({
      ok: false,
      reason: 'you already locked in an answer',
    })
    expect(c.answer(ids[1]!, '0:0', 'EWHATEVER')).toMatchObject({
      ok: false,
      reason: 'not one of the choices',
    })
    expect(c.answer(ids[1]!, '0:1', 'EFAULT')).toMatchObject({ ok: false })
    expect(c.answer(ids[1]!, '0:0', 'EREMOTEIO')).toEqual({ ok: true })
    const v = c.askView()!
    expect(v.answered).toBe(2)
    expect(v.histogram.find((b) => b.choice === 'EFAULT')).toEqual({
      choice: 'EFAULT',
      count: 1,
      correct: null,
    })
    expect(v.histogram.find((b) => b.choice === 'EREMOTEIO')?.count).toBe(1)
    expect(v.reveal).toBeNull()
    // The answer never reaches an attendee before the reveal.
    expect(JSON.stringify(c.attendeeAsk(ids[0]!))).not.toContain('check_vma_flags')
    expect(c.attendeeAsk(ids[0]!)!.reveal).toBeNull()
    c.reveal()
    expect(c.answer(ids[2]!, '0:0', 'EFAULT')).toMatchObject({
      ok: false,
      reason: 'the answer was already revealed',
    })
    const after = c.askView()!
    expect(after.reveal).toEqual({
      answer: 'EFAULT',
      answerChoices: ['EFAULT'],
      explanation: ERRNO.explanation,
      correct: 1,
    })
    expect(after.histogram.find((b) => b.choice === 'EFAULT')?.correct).toBe(true)
    expect(after.histogram.find((b) => b.choice === 'EREMOTEIO')?.correct).toBe(false)
    expect(c.attendeeAsk(ids[0]!)!.reveal).toMatchObject({ answer: 'EFAULT', correct: true })
    expect(c.attendeeAsk(ids[1]!)!.reveal).toMatchObject({ correct: false })
    expect(c.attendeeAsk(ids[2]!)!.reveal).toMatchObject({ correct: null })
  })

  it('checks which-op-fails answers with the lab checker (number or name)', () => {
    const c = make()
    const r = c.join('ABCD', 'Ada')
    if (!r.ok) throw new Error('join')
    c.ask(asked(WHICH, '1:0'))
    expect(c.askView()!.exercise.choices).toContain('2 pin_user_pages_fast')
    c.answer(r.attendee.id, '1:0', '2 pin_user_pages_fast')
    c.reveal()
    expect(c.attendeeAsk(r.attendee.id)!.reveal!.correct).toBe(true)
  })

  it('counts multi-select (which pairs) per pair and typed answers (distance) by what the checker reads', () => {
    const c = make()
    const ids = ['Ada', 'Bob', 'Cy'].map((n) => {
      const r = c.join('ABCD', n)
      if (!r.ok) throw new Error('join')
      return r.attendee.id
    })
    const pairs: Exercise = {
      kind: 'p2p-pairs',
      devices: ['gpu0', 'nic0', 'nvme0'],
      question: 'Which pairs can do P2P?',
      answer: ['gpu0 <-> nic0'],
      explanation: 'one switch',
    }
    c.ask(asked(pairs, '2:0'))
    const [ab, ac, bc] = c.askView()!.exercise.choices
    expect(c.answer(ids[0]!, '2:0', 'gpu0 ↔ nic0')).toMatchObject({
      ok: false,
      reason: 'pick any number of the choices',
    })
    expect(c.answer(ids[0]!, '2:0', [ab!, ab!])).toMatchObject({ ok: false })
    expect(c.answer(ids[0]!, '2:0', ['gpu0 ↔ gpu9'])).toMatchObject({
      ok: false,
      reason: 'not one of the choices',
    })
    expect(c.answer(ids[0]!, '2:0', [ab!])).toEqual({ ok: true })
    expect(c.answer(ids[1]!, '2:0', [ab!, bc!])).toEqual({ ok: true })
    expect(c.answer(ids[2]!, '2:0', [])).toEqual({ ok: true })
    expect(c.askView()!.histogram.map((b) => [b.choice, b.count])).toEqual([
      [ab, 2],
      [ac, 0],
      [bc, 1],
    ])
    c.reveal()
    const v = c.askView()!
    expect(v.reveal).toMatchObject({ answer: 'gpu0 ↔ nic0', answerChoices: [ab], correct: 1 })
    expect(v.histogram.map((b) => b.correct)).toEqual([true, false, false])
    expect(c.results('L').rows.map((r) => r.answer)).toEqual([ab, `${ab}, ${bc}`, 'none of them'])

    const distance: Exercise = {
      kind: 'distance',
      pair: { provider: 'gpu0', client: 'nic0' },
      question: 'What distance?',
      answer: '4',
      explanation: 'two ports each side',
    }
    c.ask(asked(distance, '3:0'))
    expect(c.askView()!.exercise.choices).toEqual([])
    expect(c.answer(ids[0]!, '3:0', ['4'])).toMatchObject({ ok: false, reason: 'pick one answer' })
    expect(c.answer(ids[0]!, '3:0', ' 4 ')).toEqual({ ok: true })
    expect(c.answer(ids[1]!, '3:0', '4.0')).toEqual({ ok: true })
    expect(c.answer(ids[2]!, '3:0', '10')).toEqual({ ok: true })
    expect(c.askView()!.histogram.map((b) => [b.choice, b.count])).toEqual([
      ['4', 2],
      ['10', 1],
    ])
    c.reveal()
    expect(c.askView()!.histogram.map((b) => b.correct)).toEqual([true, false])
    expect(c.askView()!.reveal!.correct).toBe(2)
  })

  it('reopens an exercise asked before as it was, and exports per attendee and exercise (CSV and JSON)', () => {
    const now = { t: Date.UTC(2026, 0, 1, 9, 0, 0) }
    const c = make(now)
    const a = c.join('ABCD', '=cmd|calc')
    const b = c.join('ABCD', 'Bob, "the builder"')
    if (!a.ok || !b.ok) throw new Error('join')
    c.ask(asked(ERRNO, '0:0'))
    now.t += 2500
    c.answer(a.attendee.id, '0:0', 'EFAULT')
    c.ask(asked(WHICH, '1:0'))
    now.t += 1000
    c.answer(b.attendee.id, '1:0', '3 ibv_reg_mr')
    c.ask(asked(ERRNO, '0:0'))
    expect(c.askView()!.answered).toBe(1)
    const r = c.results('Lab')
    expect(r.exercises.map((e) => [e.key, e.answered, e.correct])).toEqual([
      ['0:0', 1, 1],
      ['1:0', 1, 0],
    ])
    expect(r.attendees.map((x) => [x.name, x.answered, x.correct])).toEqual([
      ['=cmd|calc', 1, 1],
      ['Bob, "the builder"', 1, 0],
    ])
    expect(r.rows).toHaveLength(4)
    expect(r.rows[0]).toMatchObject({
      attendee: '=cmd|calc',
      exercise: '0:0',
      exerciseId: 'ex1',
      answer: 'EFAULT',
      correct: true,
      answeredAt: '2026-01-01T09:00:02.500Z',
      seconds: 2.5,
    })
    expect(r.rows[1]).toMatchObject({ exercise: '1:0', answer: null, correct: null, seconds: null })
    const csv = resultsCsv(r).split('\r\n')
    expect(csv[0]).toBe(
      'attendee,attendeeId,exercise,exerciseId,scenario,scenarioName,question,answer,correct,answeredAt,seconds',
    )
    // A formula-looking cell is defused; commas and quotes are quoted.
    expect(csv[1]).toMatch(/^'=cmd\|calc,a1,0:0,ex1,0,L01,/)
    expect(csv[3]).toMatch(/^"Bob, ""the builder""",a2,0:0,ex1,/)
    expect(csv[4]).toContain('3 ibv_reg_mr,false')
    expect(csv).toHaveLength(6) // header, 4 rows, trailing empty
  })
})
