/**
 * Whole-process figures for the command line, measured side by side in one run: `lab p2p --json`
 * through the built CLI (out/cli/lab.mjs, plain node) on real hwloc files, against a bare
 * `node -e 0` and against hwloc's own `lstopo-no-graphics -i FILE --of console` on the same file
 * when hwloc is installed. The commands run in turn (A B C … A B C …), so a machine that slows down
 * during the run slows all of them alike; each ratio is the median of the per-round ratios. The
 * engine's part alone (import + build + every pair's verdict, no explanations, in this process) is
 * set against lstopo's whole process.
 *
 * The DGX-2H file is the copy without XML comments: hwloc 2.9 refuses the original (its built-in
 * parser) or drops most of the tree (libxml2), so lstopo would not be doing the same work.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { buildMachine, importText, p2pJsonRows } from '../electron/engine/index'
import { timeMs, type Reporter } from './harness'

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
  const med = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1]!
  return Object.fromEntries(
    names.map((n) => [
      n,
      { ms: med(times[n]!), ratio: med(times[n]!.map((t, i) => t / times[anchor]![i]!)) },
    ]),
  )
}

function hasLstopo(): boolean {
  return spawnSync('lstopo-no-graphics', ['--version'], { stdio: 'ignore' }).status === 0
}

/**
 * The engine's share of `lab p2p --json`: import, build, every pair's verdict (no explanations), as
 * the CLI reads them. The goal figure is the median of 7 calls after 1 warm-up, mostly code V8 has
 * not optimised yet (what a user's first imports in a session meet); `steady` is the median of 21
 * calls after 15 more, the engine's own speed once optimised.
 */
function engineOnly(
  text: string,
  name: string,
): { ms: number; fastest: number; slowest: number; steady: number; pairs: number } {
  const once = () => {
    const r = importText(name, text)
    if (!r.ok) throw new Error(`${name} does not import`)
    const b = buildMachine(r.lab.machine, r.lab.settings)
    if (!b.ok) throw new Error(`${name} does not build`)
    // What `lab p2p --json` takes from the engine: each pair's map type and distance, and the
    // full pair where it has something to list (p2pJsonRows, as the CLI's writer reads it).
    let pairs = 0
    for (const row of p2pJsonRows(b.machine))
      for (let c = 0; c < row.clients.length; c++) {
        const full = row.hasListed ? row.listed(c) : null
        if ((full ? full.mapType : row.mapType[c]) !== undefined) pairs++
      }
    return pairs
  }
  let pairs = once()
  const times: number[] = []
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now()
    pairs = once()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  for (let i = 0; i < 15; i++) once()
  const steady = timeMs(once, 21)
  return { ms: times[3]!, fastest: times[0]!, slowest: times[6]!, steady: steady.ms, pairs }
}

export function bench(r: Reporter): void {
  r.section(
    `Command line, whole process (${ROUNDS} alternating rounds; ratios are medians of per-round ratios)`,
  )
  if (!existsSync(CLI)) throw new Error('no built CLI (out/cli/lab.mjs): `npm run bench` builds it first')
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
    const text = readFileSync(resolve(root, file), 'utf8')
    const e = engineOnly(text, file.split('/').pop()!)
    r.figure({
      name: `${label}: import + build + matrix, no explanations (in process)`,
      value: ls ? e.ms / ls.ms : e.ms,
      unit: ls ? '× lstopo process' : 'ms',
      ...(ls ? { goal: { max: 1, unit: '×' } } : {}),
      note: `${e.ms.toFixed(1)} ms (calls 2-8 of the process: fastest ${e.fastest.toFixed(1)}, slowest ${e.slowest.toFixed(1)}), ${e.pairs.toLocaleString('en-US')} pairs`,
    })
    r.figure({
      name: `${label}: the same, once optimised (in process)`,
      value: ls ? e.steady / ls.ms : e.steady,
      unit: ls ? '× lstopo process' : 'ms',
      note: `${e.steady.toFixed(1)} ms; calls 24-44 (no goal: for reading beside the one above)`,
    })
  }
}
