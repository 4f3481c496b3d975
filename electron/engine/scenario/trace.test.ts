import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../../shared/model/topology'
import { runScenario, scenarioMachine } from './runner'
import type { Scenario } from './schema'
import { t1 } from '../../../tests/helpers/topologies'
import { timelineView } from './trace'

describe('timelineView', () => {
  it('gives the call stack at the cursor and what the last step changed', () => {
    const sc: Scenario = {
      name: 'v',
      era: 'v6.12',
      operations: [
        { op: 'mmap_bar', args: { dev: 'gpu0', bar: 1, len: '2M', as: 'buf' } },
        { op: 'pin_user_pages_fast', args: { buf: 'buf', npages: 1, flags: ['FOLL_WRITE'] } },
      ],
    }
    const r = runScenario(scenarioMachine(t1(), DEFAULT_SETTINGS, sc), sc)
    const tl = r.timeline
    tl.seek(0)
    tl.runToFunction('check_vma_flags')
    tl.forward() // the VM_IO|VM_PFNMAP check
    const v = timelineView(tl)
    expect(v.callStack.map((s) => s.fn)).toEqual([
      'pin_user_pages_fast',
      'gup_fast_fallback',
      '__gup_longterm_locked',
      '__get_user_pages_locked',
      '__get_user_pages',
      'check_vma_flags',
    ])
    expect(v.current!.text).toContain('[FAIL] vm_flags & (VM_IO | VM_PFNMAP)')
    tl.seek(0)
    tl.runToFunction('remap_pfn_range')
    tl.forward()
    expect(timelineView(tl).changed).toEqual(['vmas/app:0x7f0000000000'])
    expect(JSON.parse(JSON.stringify(timelineView(tl)))).toEqual(timelineView(tl))
  })
})
