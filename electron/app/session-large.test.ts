/**
 * A large machine's LabView stays bounded: above LABVIEW_PAIRS_LIMIT pairs the matrix carries its
 * header only; p2p.cells gives the cells of the window shown and p2p.explain one pair's decisions.
 * The whole-matrix summary is computed in place for mid-size labs and on the summary host (a
 * worker thread) for large ones, with progress and cancel; beyond MATRIX_PAIR_LIMIT not at all.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LABVIEW_PAIRS_LIMIT, LabSession } from './session'
import { defaultLab, serializeLab, syntheticMachine } from '../engine/index'
import type { SummaryCallbacks, SummaryHost, SummaryJob } from './matrix/summary'
import { computeSummary } from './matrix/summary'
import { SOURCE_WORKER, WorkerSummaryHost } from './matrix/worker-host'
import type { MatrixSummary } from '../../shared/ipc/contract'

const DGX = new URL(
  '../../tests/fixtures/realdata/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml',
  import.meta.url,
)

function value<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message)
  return r.value
}

/** A host that holds jobs until the test releases them (so "while it computes" is deterministic). */
class HeldHost implements SummaryHost {
  jobs: { job: SummaryJob; cb: SummaryCallbacks; cancelled: boolean }[] = []
  start(job: SummaryJob, cb: SummaryCallbacks) {
    const entry = { job, cb, cancelled: false }
    this.jobs.push(entry)
    return { cancel: () => void (entry.cancelled = true) }
  }
  release(i = this.jobs.length - 1): void {
    const j = this.jobs[i]!
    j.cb.progress(1, 2)
    j.cb.done(computeSummary(j.job))
  }
}

describe('LabView of a large machine', () => {
  it('carries no pairs above the limit; cells and explanations come on demand', () => {
    const s = new LabSession()
    const small = value(s.current())
    expect(small.matrix.pairsOmitted).toBe(false)
    expect(small.matrix.pairs.every((p) => p.decisions.length > 0)).toBe(true)
    expect(small.matrix.summary.status).toBe('ready')

    const v = value(s.importText({ fileName: 'dgx2h.xml', text: readFileSync(DGX, 'utf8') }))
    expect(v.matrix.providers.length * v.matrix.clients.length).toBeGreaterThan(LABVIEW_PAIRS_LIMIT)
    expect(v.matrix.pairsOmitted).toBe(true)
    expect(v.matrix.pairs).toEqual([])
    expect(JSON.stringify(v).length).toBeLessThan(2 * 1024 * 1024)
    // ~16 000 pairs: counted in place (below SUMMARY_INLINE_PAIRS)
    const pairs = v.matrix.providers.length * v.matrix.clients.length
    expect(v.matrix.summary).toMatchObject({ status: 'ready', pairs })
    const c = v.matrix.summary.counts!
    expect(c.BUS_ADDR + c.THRU_HOST_BRIDGE + c.NOT_SUPPORTED).toBe(pairs)

    const cells = value(
      s.cells({ providers: v.matrix.providers.slice(0, 3), clients: v.matrix.clients.slice(0, 5) }),
    )
    expect(cells.cells).toHaveLength(15)
    const one = cells.cells[1]!
    const e = value(s.explain({ provider: one.provider, client: one.client }))
    expect(e.mapType).toBe(one.mapType)
    expect(e.distance).toBe(one.distance)
    expect(e.smiLevel).toBe(one.smiLevel)
    expect(e.decisions.length).toBeGreaterThan(0)
  })

  it('marks the cells the last settings change changed, and counts them', () => {
    const s = new LabSession()
    const before = value(s.current())
    const after = value(s.setSettings({ era: 'v5.0' }))
    expect(after.matrix.lastChange?.what).toBe(`era ${before.lab.settings.era} → v5.0`)
    const cells = value(s.cells({ providers: after.matrix.providers, clients: after.matrix.clients })).cells
    const changed = cells.filter((c) => c.changed)
    expect(changed.length).toBeGreaterThan(0)
    expect(after.matrix.summary.changed).toBe(changed.length)
    for (const c of changed) {
      const old = before.matrix.pairs.find((p) => p.provider === c.provider && p.client === c.client)!
      expect(old.mapType !== c.mapType || old.distance !== c.distance).toBe(true)
      expect(c.before).toBe(old.mapType)
    }
    // an edit of the machine is no settings change: nothing is marked
    const v = value(s.loadDefault())
    expect(v.matrix.lastChange).toBeNull()
    expect(
      value(s.cells({ providers: v.matrix.providers, clients: v.matrix.clients })).cells.some(
        (c) => c.changed,
      ),
    ).toBe(false)
  })

  it('computes a large summary on the host, reports progress, and can cancel it', () => {
    const host = new HeldHost()
    const s = new LabSession({ summaryHost: host })
    const seen: MatrixSummary[] = []
    s.onDidChangeSummary((x) => seen.push(x))
    const lab = { ...defaultLab(), scenarios: [], machine: syntheticMachine(300) }
    const v = value(s.importText({ fileName: 'big.p2plab', text: serializeLab(lab) }))
    expect(v.matrix.summary).toMatchObject({ status: 'computing', pairs: 90_000 })
    // the session answers while the summary is computing
    expect(
      value(s.cells({ providers: [v.matrix.providers[0]!], clients: [v.matrix.clients[1]!] })).cells,
    ).toHaveLength(1)
    host.release()
    expect(seen.map((x) => x.status)).toEqual(['computing', 'ready'])
    expect(s.summary.counts!.BUS_ADDR).toBeGreaterThan(0)

    value(s.setSettings({ iommu: true }))
    expect(s.summary.status).toBe('computing')
    const cancelled = value(s.cancelSummary())
    expect(cancelled.status).toBe('cancelled')
    expect(host.jobs.at(-1)!.cancelled).toBe(true)
    // a late answer of a cancelled or superseded job changes nothing
    host.release()
    expect(s.summary.status).toBe('cancelled')
  })

  it('a worker thread computes it off the event loop', async () => {
    const s = new LabSession({ summaryHost: new WorkerSummaryHost(SOURCE_WORKER) })
    const lab = { ...defaultLab(), scenarios: [], machine: syntheticMachine(400) }
    const done = new Promise<MatrixSummary>((resolve) =>
      s.onDidChangeSummary((x) => x.status !== 'computing' && resolve(x)),
    )
    const v = value(s.importText({ fileName: 'big.p2plab', text: serializeLab(lab) }))
    expect(v.matrix.summary.status).toBe('computing')
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    const r = await done
    clearInterval(timer)
    expect(r).toMatchObject({ status: 'ready', pairs: 160_000 })
    expect(r.counts).toEqual(computeSummary({ lab, prev: null }).counts)
    expect(ticks).toBeGreaterThan(0) // the event loop ran while the worker computed
  })
})
