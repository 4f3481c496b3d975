/**
 * Engine figures for the stepping engine and the memory model: pin + build the SGL + DMA-map large
 * ranges (cost must follow the number of physical runs, not the number of pages), and timeline step
 * throughput forward and back.
 */
import {
  defaultLab,
  runScenario,
  scenarioMachine,
  type Operation,
  type Scenario,
} from '../electron/engine/index'
import { heapMiB, timeMs, type Reporter } from './harness'

const lab = defaultLab()

function run(sc: Scenario) {
  return runScenario(scenarioMachine(lab.machine, lab.settings, sc), sc)
}

/**
 * ms spent in the operations from index `from` on (the pin, the SGL and the map), timed around each
 * operation inside the run; the set-up before them (mmap, touching the memory) is run, not timed.
 */
function timeFrom(sc: Scenario, from: number): number {
  let start = 0
  let ms = 0
  runScenario(scenarioMachine(lab.machine, lab.settings, sc), sc, {
    aroundOperation: (i, phase) => {
      if (i < from) return
      if (phase === 'start') start = performance.now()
      else ms += performance.now() - start
    },
  })
  return ms
}

/** mmap + touch (in `chunks` interleaved pieces: each becomes its own physical run) + pin + SGL + map. */
function pinMap(len: bigint, chunks: number, iommu: boolean): [Scenario, Scenario] {
  const ops: Operation[] = [{ op: 'mmap_anon', args: { len: len.toString(), as: 'buf' } }]
  if (chunks > 1) {
    const c = len / BigInt(chunks)
    // even chunks first, then odd ones: the bump allocator hands out RAM in that order, so no two
    // neighbouring virtual chunks are physically adjacent
    for (const parity of [0, 1])
      for (let i = parity; i < chunks; i += 2)
        ops.push({ op: 'touch', args: { buf: 'buf', offset: Number(c * BigInt(i)), len: c.toString() } })
  }
  const npages = Number(len / 4096n)
  const setup: Scenario = { name: 'bench setup', era: 'v6.12', settings: { iommu }, operations: [...ops] }
  ops.push(
    { op: 'pin_user_pages_fast', args: { buf: 'buf', npages, flags: ['FOLL_WRITE'], as: 'pages' } },
    { op: 'sg_alloc_table_from_pages', args: { pages: 'pages', as: 'sgt' } },
    { op: 'dma_map_sgtable', args: { dev: 'nic0', sgt: 'sgt' } },
  )
  return [setup, { name: 'bench pin+map', era: 'v6.12', settings: { iommu }, operations: ops }]
}

export function bench(r: Reporter): void {
  r.section('Memory model: pin, build the SGL and DMA-map (engine, v6.12, default lab, NIC0)')
  const cases: [string, bigint, number, boolean, boolean][] = [
    ['1 GiB, 1 physical run, dma-direct', 1n << 30n, 1, false, false],
    ['64 GiB, 1 physical run, dma-direct', 64n << 30n, 1, false, true],
    ['64 GiB, 1 physical run, IOMMU', 64n << 30n, 1, true, true],
  ]
  for (const [name, len, chunks, iommu, goal] of cases) {
    const [setup, sc] = pinMap(len, chunks, iommu)
    const from = setup.operations.length
    const t0 = timeMs(() => run(setup), 1)
    const t = timeMs(() => run(sc), 1)
    timeFrom(sc, from)
    const times: number[] = []
    for (let i = 0; i < 5; i++) times.push(timeFrom(sc, from))
    const ms = [...times].sort((p, q) => p - q)[times.length >> 1]!
    const bad = t.result.operations.filter((o) => !o.ok || o.errno)
    if (bad.length)
      throw new Error(`bench scenario failed: ${bad.map((o) => `${o.op} ${o.errno}`).join(', ')}`)
    const sgt = t.result.timeline.world.sgts['sgt']!
    const h0 = heapMiB(() => run(setup))
    const h1 = heapMiB(() => run(sc))
    const h = { mib: Math.max(0, h1.mib - h0.mib) }
    const steps = t.result.timeline.frontier - t0.result.timeline.frontier
    const note = `pin + SGL + map only (median of 5, timed around those operations): ${steps} steps, ${sgt.orig_nents} SG entries, ${sgt.nents} DMA segments`
    r.figure({
      name: `${name}: time`,
      value: ms,
      unit: 'ms',
      ...(goal ? { goal: { max: 100, unit: 'ms' } } : {}),
      note,
    })
    r.figure({
      name: `${name}: heap`,
      value: h.mib,
      unit: 'MiB',
      ...(goal ? { goal: { max: 50, unit: 'MiB' } } : {}),
    })
  }

  fragmented(r)

  r.section('Timeline: step throughput (engine)')
  const ops: Operation[] = [{ op: 'mmap_anon', args: { len: '64K', as: 'b' } }]
  for (let i = 0; i < 6000; i++) {
    ops.push({ op: 'pin_user_pages_fast', args: { buf: 'b', npages: 16, flags: ['FOLL_WRITE'], as: 'p' } })
    ops.push({ op: 'unpin_user_pages', args: { pages: 'p' } })
  }
  const rec = timeMs(() => run({ name: 'bench steps', era: 'v6.12', operations: ops }), 1)
  const tl = rec.result.timeline
  const n = Math.min(100_000, tl.frontier)
  r.figure({ name: `record ${tl.frontier} steps (generators running)`, value: rec.ms, unit: 'ms' })
  tl.seek(0)
  stepRate(
    r,
    `forward ${n} steps (replay)`,
    n,
    () => tl.seek(0),
    () => tl.forward(),
  )
  stepRate(
    r,
    `back ${n} steps (invert)`,
    n,
    () => tl.seek(n),
    () => tl.back(),
  )
  const seek = timeMs(() => {
    tl.seek(0)
    tl.seek(n)
    tl.seek(Math.floor(n / 2))
    return 0
  }, 3)
  r.figure({ name: `seek 0 -> ${n} -> ${Math.floor(n / 2)}`, value: seek.ms, unit: 'ms' })
}

/**
 * Fragmented memory: a buffer touched in 2 MiB chunks, odd and even chunks in two passes, so every
 * chunk is its own physical run; then pin + SGL + DMA-map. The time per physical run at 1 024 runs
 * against 128 runs says whether cost follows the runs (ratio near 1) or grows with them (the
 * world's tables are ordered maps, core/runmap.ts: a step touches O(log n) of them). Only the pin,
 * SGL and map operations are timed (runScenario's aroundOperation hook), median of 7 runs: timing
 * set-up and set-up + pin + map and subtracting left differences within the set-up's noise (a
 * 128-run IOMMU map came out as 0 ms, its ratio as millions).
 */
function fragmented(r: Reporter): void {
  r.section('Memory model: fragmented pin + SGL + map (engine, v6.12, default lab, NIC0)')
  const perRun: Record<string, number> = {}
  for (const iommu of [false, true]) {
    for (const runs of [128, 1024]) {
      const [setup, sc] = pinMap(BigInt(runs) * (2n << 20n), runs, iommu)
      const from = setup.operations.length
      timeFrom(sc, from)
      const times: number[] = []
      for (let i = 0; i < 7; i++) times.push(timeFrom(sc, from))
      const ms = [...times].sort((p, q) => p - q)[times.length >> 1]!
      const label = `${runs} runs, ${iommu ? 'IOMMU' : 'dma-direct'}`
      perRun[label] = (ms / runs) * 1000
      r.figure({
        name: `${runs} × 2 MiB physical runs, ${iommu ? 'IOMMU' : 'dma-direct'}: per run`,
        value: perRun[label],
        unit: 'µs',
        note: `pin + SGL + map ${ms.toFixed(2)} ms (median of 7, timed around those operations)`,
      })
    }
    const mode = iommu ? 'IOMMU' : 'dma-direct'
    r.figure({
      name: `${mode}: per-run time at 1 024 runs / at 128 runs`,
      value: perRun[`1024 runs, ${mode}`]! / Math.max(perRun[`128 runs, ${mode}`]!, 1e-6),
      unit: '×',
      goal: { max: 2, unit: '×' },
    })
  }
}

/** `n` calls of `step` after `start`, as steps per second (median of 3 runs). */
function stepRate(r: Reporter, name: string, n: number, start: () => void, step: () => void): void {
  const t = timeMs(() => {
    start()
    for (let i = 0; i < n; i++) step()
    return n
  }, 3)
  r.figure({ name, value: (n / t.ms) * 1000, unit: 'steps/s', note: `${t.ms.toFixed(1)} ms` })
}
