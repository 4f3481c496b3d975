/**
 * The worker thread that computes a matrix summary (summary.ts) off the main process's event loop.
 * One job per worker: the host posts the job, the worker posts progress and then the result (or a
 * failure) and is terminated; cancelling terminates it at once.
 */
import { parentPort } from 'node:worker_threads'
import { computeSummary, type SummaryJob } from './summary'

export type WorkerReply =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; result: ReturnType<typeof computeSummary> }
  | { kind: 'failed'; message: string }

const port = parentPort
if (!port) throw new Error('summary-worker: not started as a worker thread')
port.once('message', (job: SummaryJob) => {
  let last = 0
  try {
    const result = computeSummary(job, (done, total) => {
      // at most ~100 progress messages per job
      if (done - last >= total / 100 || done === total) {
        last = done
        port.postMessage({ kind: 'progress', done, total } satisfies WorkerReply)
      }
    })
    port.postMessage({ kind: 'done', result } satisfies WorkerReply)
  } catch (e) {
    port.postMessage({
      kind: 'failed',
      message: e instanceof Error ? e.message : String(e),
    } satisfies WorkerReply)
  }
})
