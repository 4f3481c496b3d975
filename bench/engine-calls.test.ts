import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildMachine, importText } from '../electron/engine/index'
import { computeMatrix, toP2pJson } from '../electron/engine/p2pdma/matrix'
import { fittedPoolSize } from './cli'

const root = resolve(import.meta.dirname, '..')
const FILE = 'tests/fixtures/realdata/hwloc/24em64t-2n6c2t-pci.xml'

describe('the bench engine line', () => {
  it('fits V8 worker pool to the machine: one core for the main thread, never more than Node’s 4', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map((cores) => fittedPoolSize(cores))).toEqual([1, 1, 2, 3, 4, 4, 4])
  })

  it('times 7 calls after a warm-up in its own process, each doing the whole import, build and matrix', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/engine-calls.ts', FILE], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout) as {
      calls: number[]
      wait: (number | null)[]
      steady: number
      pairs: number
    }
    expect(out.calls).toHaveLength(7)
    expect(out.wait).toHaveLength(7)
    for (const t of out.calls) expect(t).toBeGreaterThan(0)
    // Linux reports the run-queue wait; a number of ms, never negative.
    for (const w of out.wait) if (w !== null) expect(w).toBeGreaterThanOrEqual(0)
    expect(out.steady).toBeGreaterThan(0)
    // The pairs it counts are the matrix's own: every provider-client pair with a verdict.
    const lab = importText('x.xml', readFileSync(resolve(root, FILE), 'utf8'))
    if (!lab.ok) throw new Error('fixture does not import')
    const b = buildMachine(lab.lab.machine, lab.lab.settings)
    if (!b.ok) throw new Error('fixture does not build')
    expect(out.pairs).toBe(toP2pJson(computeMatrix(b.machine, { explain: false })).pairs.length)
    expect(out.pairs).toBeGreaterThan(0)
  })
})
