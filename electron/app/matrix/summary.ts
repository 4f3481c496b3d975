/**
 * The matrix summary: how many provider/client pairs of each map type, and how many the last
 * settings change changed. It needs every pair, so for large labs it runs where it cannot freeze
 * the window: a worker thread (worker-host.ts, summary-worker.ts), with progress and cancel. Small
 * labs compute it in place (inlineSummaryHost).
 *
 * Pure: the engine and plain data only (the worker and the tests call computeSummary directly).
 */
import type { LabFile } from '../../../shared/model/topology'
import { buildMachine, compactMatrix, MAP_CODE, type CompactMatrix } from '../../engine/index'

/** What a summary job gets: the lab now and, after a settings change, the lab before it. */
export interface SummaryJob {
  lab: Pick<LabFile, 'machine' | 'settings'>
  prev: Pick<LabFile, 'machine' | 'settings'> | null
}

export interface SummaryResult {
  pairs: number
  counts: { BUS_ADDR: number; THRU_HOST_BRIDGE: number; NOT_SUPPORTED: number }
  /** Pairs whose map type or distance differ from `prev` (null without prev or with other endpoints). */
  changed: number | null
}

export type ProgressFn = (done: number, total: number) => void

function compactOf(lab: SummaryJob['lab'], onProgress?: ProgressFn): CompactMatrix {
  const b = buildMachine(lab.machine, lab.settings)
  if (!b.ok) throw new Error(`the lab does not build: ${b.issues[0]?.message ?? 'invalid'}`)
  return compactMatrix(b.machine, onProgress ? { onProgress } : {})
}

/** computeSummary - every pair's verdict in compact form (compactMatrix), counted and compared. */
export function computeSummary(job: SummaryJob, onProgress?: ProgressFn): SummaryResult {
  const withPrev = job.prev !== null
  // progress runs over both matrices when there is a previous one
  const now = compactOf(job.lab, onProgress && ((d, t) => onProgress(withPrev ? d / 2 : d, withPrev ? t : t)))
  const counts = { BUS_ADDR: 0, THRU_HOST_BRIDGE: 0, NOT_SUPPORTED: 0 }
  for (let k = 0; k < now.mapType.length; k++) {
    const code = now.mapType[k]!
    if (code === MAP_CODE.BUS_ADDR) counts.BUS_ADDR++
    else if (code === MAP_CODE.THRU_HOST_BRIDGE) counts.THRU_HOST_BRIDGE++
    else counts.NOT_SUPPORTED++
  }
  let changed: number | null = null
  if (job.prev) {
    const half = now.mapType.length
    const before = compactOf(job.prev, onProgress && ((d, t) => onProgress(half + d / 2, t)))
    if (sameOrder(before, now)) {
      changed = 0
      for (let k = 0; k < now.mapType.length; k++)
        if (now.mapType[k] !== before.mapType[k] || now.distance[k] !== before.distance[k]) changed++
    }
  }
  return { pairs: now.mapType.length, counts, changed }
}

function sameOrder(a: CompactMatrix, b: CompactMatrix): boolean {
  if (a.providers.length !== b.providers.length || a.clients.length !== b.clients.length) return false
  return a.providers.every((x, i) => x === b.providers[i]) && a.clients.every((x, i) => x === b.clients[i])
}

/** A running summary job. */
export interface SummaryTask {
  cancel(): void
}

export interface SummaryCallbacks {
  progress(done: number, total: number): void
  done(result: SummaryResult): void
  failed(message: string): void
}

/** Where summaries are computed: inline (tests, CLI, small labs) or in a worker thread (the app). */
export interface SummaryHost {
  start(job: SummaryJob, cb: SummaryCallbacks): SummaryTask
}

/** Computes in place, synchronously, before start() returns. */
export const inlineSummaryHost: SummaryHost = {
  start(job, cb) {
    try {
      cb.done(computeSummary(job))
    } catch (e) {
      cb.failed(e instanceof Error ? e.message : String(e))
    }
    return { cancel: () => undefined }
  },
}
