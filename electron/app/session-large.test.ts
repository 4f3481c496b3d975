/**
 * A large machine's LabView stays small: above LABVIEW_EXPLAIN_LIMIT pairs the matrix carries
 * verdicts, paths and log lines but no per-pair decisions, and p2p.explain gives them for the one
 * pair the renderer shows (the DGX-2H file: 16 473 pairs).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LABVIEW_EXPLAIN_LIMIT, LabSession } from './session'

const DGX = new URL(
  '../../tests/fixtures/realdata/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml',
  import.meta.url,
)

describe('LabView of a large machine', () => {
  it('omits per-pair decisions above the limit and explains a pair on demand', () => {
    const s = new LabSession()
    const small = s.current()
    expect(small.ok && small.value.matrix.pairs.every((p) => p.decisions.length > 0)).toBe(true)

    const r = s.importText({ fileName: 'dgx2h.xml', text: readFileSync(DGX, 'utf8') })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const pairs = r.value.matrix.pairs
    expect(pairs.length).toBeGreaterThan(LABVIEW_EXPLAIN_LIMIT)
    expect(pairs.every((p) => p.decisions.length === 0)).toBe(true)
    expect(pairs.every((p) => p.path.length > 0)).toBe(true)
    const size = JSON.stringify(r.value).length
    expect(size).toBeLessThan(12 * 1024 * 1024)

    const some = pairs.find((p) => p.mapType === 'NOT_SUPPORTED') ?? pairs[1]!
    const e = s.explain({ provider: some.provider, client: some.client })
    expect(e.ok).toBe(true)
    if (e.ok) {
      expect(e.value.mapType).toBe(some.mapType)
      expect(e.value.distance).toBe(some.distance)
      expect(e.value.decisions.length).toBeGreaterThan(0)
      expect(e.value.decisions.some((d) => d.file === 'drivers/pci/p2pdma.c')).toBe(true)
    }
  })
})
