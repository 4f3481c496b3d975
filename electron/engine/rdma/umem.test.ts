import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../../shared/model/topology'
import { runScenario, scenarioMachine } from '../scenario/runner'
import type { Scenario } from '../scenario/schema'
import { t1 } from '../../../tests/helpers/topologies'

describe('range-based cost', () => {
  for (const iommu of [false, true]) {
    it(`registers a 64 GiB MR (pin + SGL + DMA map${iommu ? ' through the IOMMU' : ''}) in a handful of objects`, () => {
      const sc: Scenario = {
        name: '64G MR',
        operations: [
          { op: 'mmap_anon', args: { len: '64G', as: 'big' } },
          { op: 'ibv_reg_mr', args: { dev: 'nic0', buf: 'big', len: '64G', as: 'mr' }, expect: { ret: 0 } },
          { op: 'ibv_dereg_mr', args: { dev: 'nic0', mr: 'mr' }, expect: { ret: 0 } },
        ],
      }
      const r = runScenario(scenarioMachine(t1(), { ...DEFAULT_SETTINGS, iommu }, sc), sc)
      expect(r.expectationsMet).toBe(true)
      // SGL: ALIGN_DOWN(UINT_MAX, PAGE_SIZE) segments: 64 GiB / (4 GiB - 4 KiB) -> 17 entries
      const reg = r.timeline.steps.find(
        (s) => s.kind === 'mutate' && s.fn === 'sg_alloc_append_table_from_pages',
      )!
      expect(reg.kind === 'mutate' && reg.deltas.length).toBe(1)
      expect(r.timeline.steps.length).toBeLessThan(200)
      expect(Object.keys(r.timeline.world.pages).length).toBeLessThan(4)
      tl64Back(r.timeline)
      // How long it takes is a bench figure (npm run bench -- engine), not a test verdict.
    })
  }
})

function tl64Back(tl: { seek(n: number): void; world: { pages: object; vmas: object } }): void {
  tl.seek(0)
  expect(tl.world.pages).toEqual({})
  expect(tl.world.vmas).toEqual({})
}
