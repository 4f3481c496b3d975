/**
 * SummaryHost on a worker_threads Worker: each job gets a fresh worker running summary-worker.ts,
 * so the main process (Electron main, or the browser harness) keeps answering the window while a
 * large lab's matrix is counted. Cancel terminates the worker.
 *
 * Electron main runs the bundled out/main/matrix-worker.js; the harness and the tests run the
 * TypeScript source through tsx (a bootstrap registers tsx's loader in the worker first).
 */
import { Worker } from 'node:worker_threads'
import type { SummaryCallbacks, SummaryHost, SummaryJob, SummaryTask } from './summary'
import type { WorkerReply } from './summary-worker'

export type WorkerEntry =
  /** A built JavaScript file (Electron main: out/main/matrix-worker.js). */
  | { kind: 'js'; url: URL }
  /** The TypeScript source, loaded through tsx (the harness, the tests). */
  | { kind: 'ts'; url: URL }

/** The worker entry beside this file, for hosts that run from the sources (tsx). */
export const SOURCE_WORKER: WorkerEntry = { kind: 'ts', url: new URL('./summary-worker.ts', import.meta.url) }

function spawn(entry: WorkerEntry): Worker {
  if (entry.kind === 'js') return new Worker(entry.url)
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.url.href)}) })`
  return new Worker(code, { eval: true })
}

export class WorkerSummaryHost implements SummaryHost {
  constructor(private readonly entry: WorkerEntry) {}

  start(job: SummaryJob, cb: SummaryCallbacks): SummaryTask {
    const worker = spawn(this.entry)
    let over = false
    const finish = (): void => {
      over = true
      void worker.terminate()
    }
    worker.on('message', (msg: WorkerReply) => {
      if (over) return
      if (msg.kind === 'progress') cb.progress(msg.done, msg.total)
      else if (msg.kind === 'done') {
        finish()
        cb.done(msg.result)
      } else {
        finish()
        cb.failed(msg.message)
      }
    })
    worker.on('error', (err) => {
      if (over) return
      finish()
      cb.failed(err instanceof Error ? err.message : String(err))
    })
    worker.on('exit', (code) => {
      if (over) return
      over = true
      cb.failed(`the matrix worker stopped (exit code ${code})`)
    })
    worker.postMessage(job)
    return { cancel: finish }
  }
}
