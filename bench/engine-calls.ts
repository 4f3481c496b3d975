/**
 * The engine's share of `lab p2p --json`, timed inside one fresh process: bench/cli.ts bundles this
 * file (out/bench/engine-calls.mjs, plain node like the CLI) and starts it once per measurement.
 *
 * Usage: node [--v8-pool-size=N] out/bench/engine-calls.mjs FILE
 * Prints one line of JSON: `calls`, the wall ms of calls 2-8 (call 1 is the warm-up); `wait`, the
 * ms of each of those calls the main thread spent runnable but not running (Linux's
 * /proc/self/task/<pid>/schedstat, second field; null elsewhere); `steady`, the median of calls
 * 24-44; `pairs`, the pairs with a verdict.
 *
 * One call is what the CLI asks of the engine: import, build, each pair's map type and distance,
 * and the full pair where a row has something to list (p2pJsonRows, as the CLI's writer reads it).
 */
import { readFileSync } from 'node:fs'
import { buildMachine, importText, p2pJsonRows } from '../electron/engine/index'
import { median } from './harness'

const file = process.argv[2]
if (!file) throw new Error('usage: engine-calls FILE')
const text = readFileSync(file, 'utf8')
const name = file.split(/[\\/]/).pop()!

function once(): number {
  const r = importText(name, text)
  if (!r.ok) throw new Error(`${name} does not import`)
  const b = buildMachine(r.lab.machine, r.lab.settings)
  if (!b.ok) throw new Error(`${name} does not build`)
  let pairs = 0
  for (const row of p2pJsonRows(b.machine))
    for (let c = 0; c < row.clients.length; c++) {
      const full = row.hasListed ? row.listed(c) : null
      if ((full ? full.mapType : row.mapType[c]) !== undefined) pairs++
    }
  return pairs
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`
/** Nanoseconds the main thread has waited on a run queue so far, or null off Linux. */
function waitedNs(): number | null {
  try {
    return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[1])
  } catch {
    return null
  }
}

let pairs = once()
const calls: number[] = []
const wait: (number | null)[] = []
for (let i = 0; i < 7; i++) {
  const w0 = waitedNs()
  const t0 = performance.now()
  pairs = once()
  calls.push(performance.now() - t0)
  const w1 = waitedNs()
  wait.push(w0 === null || w1 === null ? null : (w1 - w0) / 1e6)
}
for (let i = 0; i < 15; i++) once()
const steady: number[] = []
for (let i = 0; i < 21; i++) {
  const t0 = performance.now()
  once()
  steady.push(performance.now() - t0)
}
process.stdout.write(`${JSON.stringify({ calls, wait, steady: median(steady), pairs })}\n`)
