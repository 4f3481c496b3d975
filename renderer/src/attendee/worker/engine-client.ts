/**
 * The page's side of the engine worker: one request at a time, answered in order (a late answer
 * for an older request is dropped by the caller comparing sequence numbers).
 */
import type { WorkerReply, WorkerRequest } from './messages'

type Body = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never

export class EngineClient {
  private readonly worker: Worker
  private nextId = 1
  private readonly pending = new Map<number, (r: WorkerReply) => void>()

  constructor() {
    this.worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' })
    this.worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const done = this.pending.get(e.data.id)
      this.pending.delete(e.data.id)
      done?.(e.data)
    }
    this.worker.onerror = (e) => {
      for (const [id, done] of this.pending)
        done({ id, ok: false, error: e.message || 'the engine worker failed' })
      this.pending.clear()
    }
  }

  request(body: Body): Promise<WorkerReply> {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.worker.postMessage({ ...body, id } as WorkerRequest)
    })
  }
}
