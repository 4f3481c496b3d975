import { describe, expect, it } from 'vitest'
import { t1 } from '../../../tests/helpers/topologies'
import { splatStyle, warnSiteLine } from '../era/index'
import { runScenario, scenarioMachine } from '../scenario/runner'
import type { Operation, Scenario } from '../scenario/schema'
import { DEFAULT_SETTINGS } from '../../../shared/model/topology'

const LONGTERM_P2P: Operation = {
  op: 'pin_user_pages_fast',
  args: { buf: 'p2p', npages: 1, flags: ['FOLL_WRITE', 'FOLL_LONGTERM', 'FOLL_PCI_P2PDMA'] },
}

function run(era: Scenario['era']) {
  const sc: Scenario = {
    name: 'warn',
    era,
    operations: [
      { op: 'p2pdma_add_resource', args: { dev: 'gpu0', bar: 1, size: '2M' } },
      { op: 'mmap_p2pmem', args: { dev: 'gpu0', len: '64K', as: 'p2p' } },
      LONGTERM_P2P,
      LONGTERM_P2P,
    ],
  }
  return runScenario(scenarioMachine(t1(), DEFAULT_SETTINGS, sc), sc)
}

const splats = (log: Readonly<Record<string, string>>): number =>
  Object.values(log).filter((l) => l.includes('[ cut here ]')).length

describe('WARN_ON_ONCE splats', () => {
  it('print once per boot, as world state that stepping back removes and stepping forward restores', () => {
    const r = run('v6.12')
    const tl = r.timeline
    expect(r.operations.map((o) => o.errno)).toEqual([null, null, 'EINVAL', 'EINVAL'])
    expect(Object.keys(tl.world.warnings)).toHaveLength(1)
    expect(splats(tl.world.log)).toBe(1)
    const log = Object.values(tl.world.log)
    expect(log).toContain('WARNING: CPU: 0 PID: 1000 at mm/gup.c:2633 is_valid_gup_args+0x…/0x…')
    expect(log.some((l) => l.startsWith('CPU: 0 UID: 0 PID: 1000 Comm: app Not tainted 6.12.0'))).toBe(true)
    expect(log.at(-1)).toBe('---[ end trace 0000000000000000 ]---')

    const pin = r.operations[2]!
    tl.seek(pin.first)
    expect(tl.world.warnings).toEqual({})
    expect(splats(tl.world.log)).toBe(0)
    tl.seek(pin.end)
    expect(Object.keys(tl.world.warnings)).toHaveLength(1)
    expect(splats(tl.world.log)).toBe(1)
  })

  it('uses the era format: 7.2 prints the WARNING line file-first, 5.10 has no <TASK> markers and a random end-trace id', () => {
    const log = Object.values(run('v7.2').timeline.world.log)
    expect(log).toContain('WARNING: mm/gup.c:2544 at is_valid_gup_args+0x…/0x…, CPU#0: app/1000')
    expect(log).toContain(' <TASK>')
    const s510 = splatStyle('v5.10')
    expect([s510.taskMarkers, s510.endTraceZero, s510.uid, s510.warnLine]).toEqual([
      false,
      false,
      false,
      'cpu-pid',
    ])
    expect(splatStyle('v6.1').taintFlags).toHaveLength(19)
    expect(splatStyle('v7.2').taintFlags).toHaveLength(20)
  })

  it("takes a site's line from the era's own tree when one was read, else says it is the nearest tree's", () => {
    expect(warnSiteLine('v6.12', 'gup.valid-args.longterm-p2pdma')).toMatchObject({
      line: 2633,
      verified: true,
    })
    expect(warnSiteLine('v7.2', 'gup.valid-args.longterm-p2pdma')).toMatchObject({
      line: 2544,
      verified: true,
    })
    const v64 = warnSiteLine('v6.4', 'gup.valid-args.longterm-p2pdma')
    expect(v64).toMatchObject({ line: 2633, verified: false })
    expect(v64.source).toContain('unverified')
    expect(warnSiteLine('v6.1', 'gup.pin-fast.foll-get')).toMatchObject({ line: 3191, verified: true })
  })

  it('get_user_pages_fast() with FOLL_LONGTERM: is_valid_gup_flags() WARNs in 5.10–6.2 (6.1 mm/gup.c:2184), is_valid_gup_args() from 6.3, nothing in 5.0', () => {
    const sc = (era: Scenario['era']): Scenario => ({
      name: 'gup-fast-longterm',
      era,
      operations: [
        { op: 'mmap_anon', args: { len: '64K', as: 'a' } },
        { op: 'get_user_pages_fast', args: { buf: 'a', npages: 1, flags: ['FOLL_WRITE', 'FOLL_LONGTERM'] } },
      ],
    })
    const go = (era: Scenario['era']) =>
      runScenario(scenarioMachine(t1(), DEFAULT_SETTINGS, sc(era)), sc(era))
    const r61 = go('v6.1')
    expect(r61.operations[1]!.errno).toBe('EINVAL')
    const log61 = Object.values(r61.timeline.world.log)
    expect(log61).toContain('WARNING: CPU: 0 PID: 1000 at mm/gup.c:2184 is_valid_gup_flags+0x…/0x…')
    expect(log61).toContain(' get_user_pages_fast+0x…/0x…')
    expect(Object.values(r61.timeline.world.warnings).map((w) => w.site)).toEqual([
      'gup.valid-flags.foll-longterm',
    ])
    const r612 = go('v6.12')
    expect(r612.operations[1]!.errno).toBe('EINVAL')
    expect(Object.values(r612.timeline.world.log)).toContain(
      'WARNING: CPU: 0 PID: 1000 at mm/gup.c:2625 is_valid_gup_args+0x…/0x…',
    )
    // 5.0: no FOLL_PIN, no is_valid_gup_flags(): get_user_pages_fast() checks no flags.
    const r50 = go('v5.0')
    expect(r50.timeline.world.warnings).toEqual({})
    expect(r50.operations[1]!.errno).toBeNull()
  })

  it('sg_alloc_append_table_from_pages(): WARN_ON (not _ONCE) prints a splat on every call (6.12 lib/scatterlist.c:470)', () => {
    const sc: Scenario = {
      name: 'sg-max-segment',
      era: 'v6.12',
      operations: [
        { op: 'mmap_anon', args: { len: '64K', as: 'a' } },
        { op: 'pin_user_pages_fast', args: { buf: 'a', npages: 2, flags: ['FOLL_WRITE'], as: 'p' } },
        { op: 'sg_alloc_table_from_pages', args: { pages: 'p', as: 's1', maxSegment: 512 } },
        { op: 'sg_alloc_table_from_pages', args: { pages: 'p', as: 's2', maxSegment: 512 } },
      ],
    }
    const r = runScenario(scenarioMachine(t1(), DEFAULT_SETTINGS, sc), sc)
    expect(r.operations.map((o) => o.errno)).toEqual([null, null, 'EINVAL', 'EINVAL'])
    const log = Object.values(r.timeline.world.log)
    expect(splats(r.timeline.world.log)).toBe(2)
    expect(
      log.filter((l) => l.includes('at lib/scatterlist.c:470 sg_alloc_append_table_from_pages+')),
    ).toHaveLength(2)
    // The second splat is printed by a tainted kernel.
    expect(log.filter((l) => l.startsWith('CPU: 0 UID: 0 PID: 1000 Comm: app Tainted: G'))).toHaveLength(1)
  })
})
