/**
 * Whole-process figures for the command line, measured side by side in one run: `lab p2p --json`
 * through the built CLI (out/cli/lab.mjs, plain node) on real hwloc files, against a bare
 * `node -e 0` and against hwloc's own `lstopo-no-graphics -i FILE --of console` on the same file
 * when hwloc is installed. The commands run in turn (A B C … A B C …), so a machine that slows down
 * during the run slows all of them alike; each ratio is the median of the per-round ratios. The
 * engine's part alone (import + build + every pair's verdict, no explanations), timed inside fresh
 * processes of bench/engine-calls.ts, is set against lstopo's whole process run right before each.
 *
 * The DGX-2H file is the copy without XML comments: hwloc 2.9 refuses the original (its built-in
 * parser) or drops most of the tree (libxml2), so lstopo would not be doing the same work.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { median, type Reporter } from './harness'

const root = resolve(import.meta.dirname, '..')
const HW = 'tests/fixtures/realdata/hwloc'
const FILES: [string, string][] = [
  ['DGX-2H', `${HW}/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.nocomments.xml`],
  ['SGI UV 2000', `${HW}/192em64t-12gr2n8c2t.xml`],
]
const CLI = resolve(root, 'out/cli/lab.mjs')
const ROUNDS = 11

/** Wall time of one whole process (spawn to exit), in ms; output thrown away. */
function runOnce(cmd: readonly string[]): number {
  const t0 = performance.now()
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] })
  const ms = performance.now() - t0
  if (r.status !== 0)
    throw new Error(`${cmd.join(' ')} exited ${r.status}: ${r.stderr?.toString().slice(0, 400)}`)
  return ms
}

/**
 * Runs every command once per round, in turn, after one warm-up round. Returns each command's
 * median ms and its median per-round ratio to the command named `anchor`.
 */
function alternate(
  cmds: Record<string, readonly string[]>,
  anchor: string,
  rounds = ROUNDS,
): Record<string, { ms: number; ratio: number }> {
  const names = Object.keys(cmds)
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  for (const n of names) runOnce(cmds[n]!)
  for (let i = 0; i < rounds; i++) for (const n of names) times[n]!.push(runOnce(cmds[n]!))
  return Object.fromEntries(
    names.map((n) => [
      n,
      { ms: median(times[n]!), ratio: median(times[n]!.map((t, i) => t / times[anchor]![i]!)) },
    ]),
  )
}

function hasLstopo(): boolean {
  return spawnSync('lstopo-no-graphics', ['--version'], { stdio: 'ignore' }).status === 0
}

/** Node's own `--v8-pool-size` when none is given (src/node_options.h, v8_thread_pool_size = 4). */
const NODE_DEFAULT_POOL = 4

/**
 * The V8 worker pool the engine's own figure is measured with: Node starts 4 worker threads
 * (`--v8-pool-size`, default 4) whatever the machine, and V8 runs its optimising compiles and
 * parts of its garbage collection on them. On a machine with fewer than 5 cores they take turns
 * with the main thread while V8 warms up: on 2 cores a call spent 40-45 % of its wall time runnable
 * but not running (schedstat's run-queue wait, printed beside the figure). One core fewer than
 * the machine has, at least 1 and at most Node's 4, leaves the main thread a core of its own; on
 * 5 cores or more it is Node's default.
 */
export function fittedPoolSize(cores = availableParallelism()): number {
  return Math.max(1, Math.min(NODE_DEFAULT_POOL, cores - 1))
}

const ENGINE_CALLS = resolve(root, 'out/bench/engine-calls.mjs')

/** Bundles bench/engine-calls.ts for plain node as the CLI's commands are (out/bench/engine-calls.mjs). */
async function bundleEngineCalls(): Promise<void> {
  const { build } = await import('esbuild')
  const { ownSourcesArePure } = await import('../tools/build-cli.mjs')
  await build({
    entryPoints: [resolve(root, 'bench/engine-calls.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: ENGINE_CALLS,
    // As the CLI's bundles: modules nothing uses are dropped (no zod, no scenario engine).
    plugins: [ownSourcesArePure],
    logLevel: 'error',
  })
}

interface EngineRun {
  calls: number[]
  wait: (number | null)[]
  steady: number
  pairs: number
}

/**
 * One fresh process of out/bench/engine-calls.mjs on `file`, with these node options and no
 * NODE_OPTIONS from the environment (so each configuration is exactly the one named).
 */
function engineProcess(file: string, nodeOptions: string[]): EngineRun {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  const r = spawnSync(process.execPath, [...nodeOptions, ENGINE_CALLS, file], {
    cwd: root,
    env,
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`engine-calls ${file} exited ${r.status}: ${r.stderr.slice(0, 400)}`)
  return JSON.parse(r.stdout) as EngineRun
}

/**
 * The engine's share of `lab p2p --json`: import, build, every pair's verdict (no explanations).
 * Each measurement is a fresh process (bench/engine-calls.ts) timing 1 warm-up call, then 7 calls,
 * mostly code V8 has not optimised yet (what a user's first imports meet); its figure is the median
 * of those 7. `ENGINE_ROUNDS` rounds each run lstopo on the same file, an engine process with the
 * fitted pool, lstopo again and one with Node's default pool, so each engine process is set against
 * the lstopo run right before it, in the same minute of a machine whose speed drifts; a figure is
 * the median of its per-round ratios (and of its processes' ms). `steady` is the median of 21 calls
 * after 15 more, the engine's own speed once optimised.
 */
const ENGINE_ROUNDS = 9

interface EngineFigure {
  /** Median over the processes of each one's median of calls 2-8. */
  ms: number
  /** Median of the per-round ratios to the lstopo run before (null without lstopo). */
  ratio: number | null
  fastest: number
  slowest: number
  /** Mean run-queue wait per call, over every timed call of every process (null off Linux). */
  wait: number | null
}

function engineOnly(
  file: string,
  lstopo: readonly string[] | null,
): {
  fitted: EngineFigure & { steady: number }
  stock: EngineFigure
  lstopoMs: number | null
  pairs: number
} {
  const pool = fittedPoolSize()
  const runs = { fitted: [] as EngineRun[], stock: [] as EngineRun[] }
  const ratios = { fitted: [] as number[], stock: [] as number[] }
  const lsMs: number[] = []
  const round = (kind: 'fitted' | 'stock', poolSize: number) => {
    const ls = lstopo ? runOnce(lstopo) : null
    const run = engineProcess(file, [`--v8-pool-size=${poolSize}`])
    runs[kind].push(run)
    if (ls !== null) {
      lsMs.push(ls)
      ratios[kind].push(median(run.calls) / ls)
    }
  }
  for (let i = 0; i < ENGINE_ROUNDS; i++) {
    round('fitted', pool)
    round('stock', NODE_DEFAULT_POOL)
  }
  const sum = (kind: 'fitted' | 'stock'): EngineFigure => {
    const ms = runs[kind].map((r) => median(r.calls))
    const waits = runs[kind].flatMap((r) => r.wait)
    return {
      ms: median(ms),
      ratio: ratios[kind].length > 0 ? median(ratios[kind]) : null,
      fastest: Math.min(...ms),
      slowest: Math.max(...ms),
      wait: waits.some((w) => w === null) ? null : waits.reduce<number>((a, w) => a + w!, 0) / waits.length,
    }
  }
  return {
    fitted: { ...sum('fitted'), steady: median(runs.fitted.map((r) => r.steady)) },
    stock: sum('stock'),
    lstopoMs: lsMs.length > 0 ? median(lsMs) : null,
    pairs: runs.fitted[0]!.pairs,
  }
}

export async function bench(r: Reporter): Promise<void> {
  r.section(
    `Command line, whole process (${ROUNDS} alternating rounds; ratios are medians of per-round ratios)`,
  )
  if (!existsSync(CLI)) throw new Error('no built CLI (out/cli/lab.mjs): `npm run bench` builds it first')
  await bundleEngineCalls()
  const lstopo = hasLstopo()
  if (!lstopo)
    process.stdout.write('lstopo-no-graphics not installed (apt install hwloc): no lstopo ratios\n')
  const node = process.execPath
  const cmds: Record<string, string[]> = { 'node -e 0': [node, '-e', '0'] }
  for (const [label, file] of FILES) {
    cmds[`lab p2p ${label} --json`] = [node, CLI, 'p2p', file, '--json']
    if (lstopo) cmds[`lstopo ${label}`] = ['lstopo-no-graphics', '-i', file, '--of', 'console']
  }
  const res = alternate(cmds, 'node -e 0')
  r.figure({ name: 'node -e 0 (the anchor)', value: res['node -e 0']!.ms, unit: 'ms' })
  for (const [label, file] of FILES) {
    const lab = res[`lab p2p ${label} --json`]!
    const ls = res[`lstopo ${label}`]
    r.figure({
      name: `lab p2p ${label} --json (built CLI, plain node)`,
      value: lab.ratio,
      unit: '× node -e 0',
      goal: { max: 2.5, unit: '×' },
      note: `${lab.ms.toFixed(0)} ms${ls ? `; ${(lab.ms / ls.ms).toFixed(2)} × lstopo` : ''}`,
    })
    if (ls)
      r.figure({
        name: `lstopo-no-graphics -i ${label} --of console`,
        value: ls.ratio,
        unit: '× node -e 0',
        note: `${ls.ms.toFixed(0)} ms`,
      })
    const lsCmd = lstopo ? ['lstopo-no-graphics', '-i', file, '--of', 'console'] : null
    const e = engineOnly(file, lsCmd)
    const waitNote = (w: number | null) =>
      w === null ? '' : `, ${w.toFixed(1)} ms of a call waiting for a core`
    const against = e.lstopoMs === null ? '' : ` against lstopo ${e.lstopoMs.toFixed(1)} ms run before each`
    r.figure({
      name: `${label}: import + build + matrix, no explanations (in process)`,
      value: e.fitted.ratio ?? e.fitted.ms,
      unit: e.fitted.ratio !== null ? '× lstopo process' : 'ms',
      ...(e.fitted.ratio !== null ? { goal: { max: 1, unit: '×' } } : {}),
      note: `${e.fitted.ms.toFixed(1)} ms${against}; calls 2-8 of a fresh process with --v8-pool-size=${fittedPoolSize()}, ${ENGINE_ROUNDS} processes (their medians ${e.fitted.fastest.toFixed(1)}-${e.fitted.slowest.toFixed(1)})${waitNote(e.fitted.wait)}; ${e.pairs.toLocaleString('en-US')} pairs`,
    })
    r.figure({
      name: `${label}: the same, Node's default pool of 4`,
      value: e.stock.ratio ?? e.stock.ms,
      unit: e.stock.ratio !== null ? '× lstopo process' : 'ms',
      note: `${e.stock.ms.toFixed(1)} ms (process medians ${e.stock.fastest.toFixed(1)}-${e.stock.slowest.toFixed(1)})${waitNote(e.stock.wait)}; no goal: for reading beside the one above on a machine of ${availableParallelism()} cores`,
    })
    r.figure({
      name: `${label}: the same, once optimised (in process)`,
      value: e.lstopoMs !== null ? e.fitted.steady / e.lstopoMs : e.fitted.steady,
      unit: e.lstopoMs !== null ? '× lstopo process' : 'ms',
      note: `${e.fitted.steady.toFixed(1)} ms; calls 24-44 (no goal: for reading beside the one above)`,
    })
  }
}
