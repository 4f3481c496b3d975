/**
 * The stepping channels (issue 3 §7) through the shared handler table, on the real engine with case
 * C22 (a BAR mapped with remap_pfn_range, then GUP): start, step in every direction, seek,
 * breakpoints, compare eras, reports, and wrong shapes refused with nothing changed.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Result } from '../../../shared/ipc/contract'
import type { StepperView } from '../../../shared/model/stepper'
import { LabSession } from '../session'
import { createHandlers, type Handlers } from '../ipc/handlers'
import { dispatchNow } from '../../../tests/helpers/dispatch'

const C22 = readFileSync(
  join(import.meta.dirname, '../../../tests/scenarios/C22-gup-on-remap-pfn-range.p2plab'),
  'utf8',
)

let handlers: Handlers
let opened: string[]

function val<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.error.message)
  return r.value
}
const call = (ch: string, ...args: unknown[]) => dispatchNow(handlers, ch, args)
const view = (r: Result<unknown>) => val(r as Result<StepperView>)

beforeEach(() => {
  const session = new LabSession()
  opened = []
  handlers = createHandlers(session, vi.fn(), 'test', { openExternal: (u) => opened.push(u) })
  val(call('lab.importText', { fileName: 'C22.p2plab', text: C22 }))
})

describe('stepping channels', () => {
  it('lists the lab scenarios with their operations', () => {
    const list = val(call('scenario.list')) as { name: string; operations: { op: string }[] }[]
    expect(list.length).toBeGreaterThanOrEqual(2)
    expect(list[0]!.operations.map((o) => o.op)).toEqual([
      'mmap_bar',
      'pin_user_pages_fast',
      'ibv_reg_mr',
      'pread',
    ])
  })

  it('steps to check_vma_flags failing with -EFAULT, back before it and forward again', () => {
    const v0 = view(call('scenario.start', { index: 0 }))
    expect(v0.cursor).toBe(v0.start)
    expect(v0.currentOp).toBe(0)
    expect(v0.operations.every((o) => o.ret === null)).toBe(true) // nothing revealed yet
    const over = view(call('timeline.step', { kind: 'over' }))
    expect(over.current!.kind).toBe('return')
    expect(over.operations[0]!.state).toBe('running')
    const fail = view(call('timeline.step', { kind: 'runToFailure' }))
    expect(fail.stopped).toBe('failure')
    expect(fail.current!.fn).toBe('check_vma_flags')
    expect(fail.current!.outcome).toMatchObject({ kind: 'fail', errno: 'EFAULT', no: 14 })
    const top = fail.callStack[fail.callStack.length - 1]!
    expect(top.fn).toBe('check_vma_flags')
    expect(top.outcome).toMatchObject({ kind: 'fail', errno: 'EFAULT' })
    expect(top.checks.at(-1)!.ok).toBe(false)
    expect(top.url).toBe('https://elixir.bootlin.com/linux/v6.12/C/ident/check_vma_flags')
    expect(v0.devices.map((d) => d.id)).toEqual(['gpu0']) // mmap_bar dev=gpu0
    const back = view(call('timeline.step', { kind: 'back' }))
    expect(back.cursor).toBe(fail.cursor - 1)
    expect(back.current!.kind).toBe('check')
    expect(back.callStack.at(-1)!.outcome).toBeNull()
    const again = view(call('timeline.step', { kind: 'into' }))
    expect(again.current).toEqual(fail.current)
    expect(again.world).toEqual(fail.world)
  })

  it('explains the deltas of the last step and marks the panes', () => {
    view(call('scenario.start', { index: 0 }))
    let v = view(call('timeline.step', { kind: 'into' }))
    while (!v.deltas.some((d) => d.fields.some((f) => f.field === 'vm_flags')))
      v = view(call('timeline.step', { kind: 'into' }))
    const d = v.deltas.find((x) => x.table === 'vmas')!
    expect(v.current!.fn).toBe('remap_pfn_range')
    expect(d.text).toMatch(/vm_flags \+VM_IO \+VM_PFNMAP/)
    expect(v.changedPanes).toContain('vmas')
  })

  it('stops at breakpoints on continue, and seeks anywhere', () => {
    view(call('scenario.start', { index: 0 }))
    const b = view(call('timeline.breakpoints', { fns: ['ib_umem_get'] }))
    expect(b.breakpoints).toEqual(['ib_umem_get'])
    const c = view(call('timeline.step', { kind: 'continue' }))
    expect(c.stopped).toBe('breakpoint')
    expect(c.current!.fn).toBe('ib_umem_get')
    expect(c.operations[1]!.errno).toBe('EFAULT')
    expect(c.operations[1]!.met).toBe(true)
    const end = view(call('timeline.seek', { cursor: 10_000_000 }))
    expect(end.atEnd).toBe(true)
    const s = view(call('timeline.seek', { cursor: 3 }))
    expect(s.cursor).toBe(3)
  })

  it('compares two eras per operation', () => {
    const cmp = val(call('scenario.compare', { index: 0, eras: ['v5.10', 'v6.12'] })) as {
      operations: { op: string; a: { errno: string | null }; b: { errno: string | null } }[]
    }
    expect(cmp.operations[1]).toMatchObject({
      op: 'pin_user_pages_fast',
      a: { errno: 'EFAULT' },
      b: { errno: 'EFAULT' },
    })
  })

  it('exports HTML without scripts and Markdown', () => {
    const html = val(call('scenario.report', { index: 0, format: 'html' })) as {
      text: string
      fileName: string
    }
    expect(html.fileName).toMatch(/\.html$/)
    expect(html.text).toContain('check_vma_flags')
    expect(html.text).toContain('-EFAULT')
    expect(html.text).not.toMatch(/<script|<link|src=/i)
    const md = val(call('scenario.report', { index: 0, format: 'md' })) as { text: string }
    expect(md.text).toMatch(/^# C22/)
  })

  it('opens only elixir.bootlin.com', () => {
    const r = val(call('app.openSource', { era: 'v5.0-rfc', fn: 'hmm_range_dma_map', file: 'mm/hmm.c' })) as {
      url: string
    }
    expect(r).toEqual({ url: 'https://elixir.bootlin.com/linux/v5.0/source/mm/hmm.c', opened: true })
    expect(opened).toEqual([r.url])
    for (const bad of [
      { era: 'v6.12', fn: 'x/../y' },
      { era: 'v6.12', fn: 'f', file: '//evil.com/x' },
      { era: 'v9', fn: 'f' },
    ])
      expect(call('app.openSource', bad).ok).toBe(false)
    expect(opened.length).toBe(1)
  })

  it('workshop: exercises without answers, a prediction reveals the answer, first predictions score', () => {
    const lab = JSON.parse(C22) as { scenarios: Record<string, unknown>[] }
    lab.scenarios[0]!['exercises'] = [
      { kind: 'which-op-fails', question: 'Which operation fails first?', answer: '2', explanation: 'GUP.' },
      {
        kind: 'errno',
        op: 2,
        question: 'With what errno?',
        answer: '-EFAULT',
        explanation: 'check_vma_flags.',
      },
    ]
    val(call('lab.importText', { fileName: 'w.p2plab', text: JSON.stringify(lab) }))
    const list = val(call('scenario.list')) as { exercises: Record<string, unknown>[] }[]
    expect(list[0]!.exercises).toHaveLength(2)
    expect(JSON.stringify(list)).not.toContain('"answer"')
    expect(list[0]!.exercises[0]!['choices']).toEqual([
      '1 mmap_bar',
      '2 pin_user_pages_fast',
      '3 ibv_reg_mr',
      '4 pread',
      'none',
    ])
    const wrong = val(call('exercise.check', { index: 0, exercise: 0, prediction: '1 mmap_bar' })) as {
      correct: boolean
      answer: string
      score: unknown
    }
    expect(wrong).toMatchObject({ correct: false, answer: '2', explanation: 'GUP.' })
    expect(wrong.score).toEqual({ correct: 0, answered: 1, total: 2 })
    const again = val(call('exercise.check', { index: 0, exercise: 0, prediction: '2 pin_user_pages_fast' }))
    expect(again).toMatchObject({ correct: true, score: { correct: 0, answered: 1, total: 2 } })
    const errno = val(call('exercise.check', { index: 0, exercise: 1, prediction: 'EFAULT' }))
    expect(errno).toMatchObject({ correct: true, score: { correct: 1, answered: 2, total: 2 } })
    expect(call('exercise.check', { index: 0, exercise: 7, prediction: 'x' }).ok).toBe(false)
    // a lab file with a malformed exercise is refused with a located issue
    lab.scenarios[0]!['exercises'] = [{ kind: 'guess', question: 'q', answer: 'a', explanation: '' }]
    expect(call('lab.importText', { fileName: 'bad.p2plab', text: JSON.stringify(lab) }).ok).toBe(true)
    expect((val(call('scenario.list')) as unknown[]).length).toBe(1) // the bad scenario is not offered
  })

  it('refuses wrong shapes and requests without a stepper, changing nothing', () => {
    expect(call('timeline.step', { kind: 'into' }).ok).toBe(false) // not started
    const v = view(call('scenario.start', { index: 0 }))
    for (const [ch, arg] of [
      ['timeline.step', { kind: 'sideways' }],
      ['timeline.step', { kind: 'runTo' }],
      ['timeline.step', { kind: 'into', count: 0 }],
      ['timeline.seek', { cursor: -1 }],
      ['timeline.breakpoints', { fns: ['a b'] }],
      ['scenario.start', { index: 99 }],
      ['scenario.start', { index: 0, era: 'v4' }],
      ['scenario.report', { index: 0, format: 'pdf' }],
    ] as const) {
      const r = call(ch, arg)
      expect(r.ok, `${ch} ${JSON.stringify(arg)}`).toBe(false)
      if (!r.ok) expect(r.error.kind).toBe('input')
    }
    expect(view(call('timeline.view'))).toEqual(v)
    // A lab change makes the stepper stale.
    val(call('lab.setSettings', { iommu: true }))
    expect(val(call('timeline.view'))).toBeNull()
    expect(call('timeline.step', { kind: 'into' }).ok).toBe(false)
  })
})

describe('a WARN splat in the Stepper', () => {
  it("lands in the kernel log pane: the splat's lines in world.log, the WARN event's delta in the log pane, no pane of its own", () => {
    const f03 = readFileSync(
      join(import.meta.dirname, '../../../tests/scenarios/F03-warn-splat.p2plab'),
      'utf8',
    )
    val(call('lab.importText', { fileName: 'F03.p2plab', text: f03 }))
    const list = val(call('scenario.list')) as { name: string; era: string }[]
    const i = list.findIndex((s) => s.name.includes('is_valid_gup_args (v6.12)'))
    expect(i).toBeGreaterThanOrEqual(0)
    view(call('scenario.start', { index: i }))
    const fail = view(call('timeline.step', { kind: 'runToFailure' }))
    expect(fail.current!.fn).toBe('is_valid_gup_args')
    expect(fail.world.log).toContain('WARNING: CPU: 0 PID: 1000 at mm/gup.c:2633 is_valid_gup_args+0x…/0x…')
    const warn = view(call('timeline.step', { kind: 'back' }))
    expect(warn.current!.kind).toBe('mutate')
    expect(warn.deltas.some((d) => d.table === 'warnings' && d.pane === 'log')).toBe(true)
    expect(warn.changedPanes).toContain('log')
    expect(warn.changedPanes).not.toContain('warnings')
    expect(warn.extra.map((t) => t.table)).not.toContain('warnings')
  })
})
