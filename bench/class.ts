/**
 * Class-session figures: 200 simulated attendees (WebSocket clients in a worker thread of this
 * process, on 127.0.0.1) join a class and answer each exercise at random times within one second;
 * the figure is the time from the last answer leaving a client to the instructor's histogram
 * update (ClassHost's status event with all 200 answers, serialised as it would cross IPC), p95
 * over the rounds, goal < 250 ms. The anchor, measured in the same run: the same 200 frames spread
 * over a second through one socket to a bare ws echo server (transport only), so the ratio says
 * what the class logic and the status coalescing (at most one update per 100 ms) add. The server's
 * heap is the main thread's (the clients live in the worker's heap).
 */
import { Worker } from 'node:worker_threads'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocketServer } from 'ws'
import { LabSession } from '../electron/app/session'
import { ClassHost } from '../electron/app/class/host'
import { listScenarios } from '../electron/app/stepping/stepper'
import { CLASS_WS_PATH } from '../shared/class/protocol'
import type { ExerciseView, Prediction } from '../shared/model/stepper'
import type { Reporter } from './harness'

const N = 200
const ROUNDS = 12
const now = () => performance.timeOrigin + performance.now()
const gc = () => (globalThis as { gc?: () => void }).gc?.()

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.max(0, Math.ceil(p * s.length) - 1)]!
}

/** Answers of the right shape for an exercise (some right, some wrong: any choice, any subset). */
function predictions(e: ExerciseView): Prediction[] {
  if (e.select === 'many') return [[], e.choices.slice(0, 1), e.choices.slice(0, 2)]
  if (e.choices.length) return e.choices
  return ['2', '4', '6']
}

async function until(test: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!test()) {
    if (Date.now() > end) throw new Error(`bench class: no ${what} within ${ms} ms`)
    await new Promise((ok) => setTimeout(ok, 2))
  }
}

export async function bench(r: Reporter): Promise<void> {
  r.section(`Class session (${N} attendees on 127.0.0.1, answers within 1 s, ${ROUNDS} rounds)`)
  const dir = mkdtempSync(join(tmpdir(), 'class-bench-'))
  writeFileSync(join(dir, 'attendee.html'), '<!doctype html><title>attendee</title>')
  gc()
  const heap0 = process.memoryUsage().heapUsed
  const session = new LabSession()
  const host = new ClassHost(session, {
    rendererDir: dir,
    addresses: () => [{ address: '127.0.0.1', family: 'IPv4', iface: 'lo', internal: true }],
  })
  const started = await host.start({ host: '127.0.0.1', port: 0 })
  if (!started.ok) throw new Error(started.error.message)
  const exercises = listScenarios(session.labFile).flatMap((s) =>
    s.exercises.map((e) => ({ scenario: s.index, e })),
  )
  if (!exercises.length) throw new Error('bench class: the default lab has no exercises')

  // The clients are TypeScript too: the worker registers tsx's loader, then imports them (Node 20
  // does not apply an --import loader to a worker's own .ts entry point).
  const clients = new URL('./class-clients.ts', import.meta.url).href
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(clients)}) })`
  const worker = new Worker(boot, {
    eval: true,
    workerData: {
      url: started.value.url!.replace(/^http/, 'ws').replace(/\/$/, CLASS_WS_PATH),
      origin: started.value.url!.replace(/\/$/, ''),
      code: started.value.code,
      n: N,
    },
  })
  const inbox: { t: string; last?: number }[] = []
  worker.on('message', (m: { t: string; last?: number }) => inbox.push(m))
  const next = async (t: string) => {
    await until(() => inbox.some((m) => m.t === t), `'${t}' from the clients`, 60_000)
    return inbox.splice(
      inbox.findIndex((m) => m.t === t),
      1,
    )[0]!
  }
  const t0 = now()
  await next('joined')
  const joinMs = now() - t0

  const latencies: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const { scenario, e } = exercises[round % exercises.length]!
    const key = `${scenario}:${e.index}`
    let updated: number | null = null
    const off = host.onDidChange((s) => {
      JSON.stringify(s) // what crosses IPC to the instructor's windows
      if (updated === null && s.ask?.key === key && s.ask.answered === N) updated = now()
    })
    const asked = host.ask({ scenario, exercise: e.index })
    if (!asked.ok) throw new Error(asked.error.message)
    worker.postMessage({ t: 'answer', key, predictions: predictions(e) })
    const { last } = await next('sent')
    await until(() => updated !== null, `histogram with ${N} answers (${key})`)
    off()
    latencies.push(updated! - last!)
  }
  gc()
  const heap1 = process.memoryUsage().heapUsed

  // The anchor: the same spread of frames through one socket to a bare echo server.
  const echo = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((ok) => echo.once('listening', ok))
  let received = 0
  let lastIn = 0
  echo.on('connection', (ws) =>
    ws.on('message', () => {
      received++
      lastIn = now()
    }),
  )
  const anchors: number[] = []
  const echoUrl = `ws://127.0.0.1:${(echo.address() as { port: number }).port}`
  for (let round = 0; round < ROUNDS; round++) {
    received = 0
    worker.postMessage({ t: 'anchor', url: echoUrl })
    const { last } = await next('sent')
    await until(() => received === N, 'anchor frames')
    anchors.push(lastIn - last!)
  }

  worker.postMessage({ t: 'close' })
  await host.stop()
  await new Promise((ok) => echo.close(ok))
  await worker.terminate()
  rmSync(dir, { recursive: true, force: true })

  const p95 = pct(latencies, 0.95)
  const anchor95 = pct(anchors, 0.95)
  r.figure({ name: `${N} attendees joined (connect + join)`, value: joinMs, unit: 'ms' })
  r.figure({
    name: 'last answer → histogram update, p95',
    value: p95,
    unit: 'ms',
    goal: { max: 250, unit: 'ms' },
    note: `median ${pct(latencies, 0.5).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
  })
  r.figure({
    name: 'anchor: last frame → bare echo server, p95',
    value: anchor95,
    unit: 'ms',
    note: `median ${pct(anchors, 0.5).toFixed(2)} ms`,
  })
  r.figure({ name: 'ratio (histogram p95 / anchor p95)', value: p95 / Math.max(anchor95, 0.001), unit: '×' })
  r.figure({
    name: `server heap with ${N} attendees and ${ROUNDS} exercises answered`,
    value: Math.max(0, heap1 - heap0) / 1024 / 1024,
    unit: 'MiB',
    note: `${(Math.max(0, heap1 - heap0) / N / 1024).toFixed(1)} KiB per attendee, lab and session included`,
  })
}
