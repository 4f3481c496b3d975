/**
 * A tiny benchmark harness: figures are printed, never asserted (tests check behaviour, never
 * timings). Each benchmark module exports `bench(r: Reporter)`.
 */
export interface Figure {
  name: string
  value: number
  unit: string
  goal?: { max: number; unit: string }
  note?: string
}

export class Reporter {
  readonly figures: Figure[] = []
  section(title: string): void {
    process.stdout.write(`\n## ${title}\n`)
  }
  figure(f: Figure): void {
    this.figures.push(f)
    const goal = f.goal
      ? `  (goal < ${f.goal.max} ${f.goal.unit}: ${f.value < f.goal.max ? 'met' : 'NOT met'}, ratio ${(f.value / f.goal.max).toFixed(2)})`
      : ''
    process.stdout.write(
      `${f.name.padEnd(58)} ${fmt(f.value).padStart(12)} ${f.unit}${goal}${f.note ? `  — ${f.note}` : ''}\n`,
    )
  }
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US')
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3)
}

/** The middle value of xs (the upper of the two middle ones for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN
}

/** Median wall time of `runs` calls of fn (after one warm-up call), in ms. */
export function timeMs<T>(fn: () => T, runs = 5): { ms: number; result: T } {
  let result = fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    result = fn()
    times.push(performance.now() - t0)
  }
  return { ms: median(times), result }
}

/** Heap growth (MiB) while `fn` runs and its result is alive (gc() first when --expose-gc). */
export function heapMiB<T>(fn: () => T): { mib: number; result: T } {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const before = process.memoryUsage()
  const result = fn()
  gc?.()
  const after = process.memoryUsage()
  const grew = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)
  return { mib: Math.max(0, grew) / 1024 / 1024, result }
}
