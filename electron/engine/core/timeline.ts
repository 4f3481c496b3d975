/**
 * Timeline: a cursor over recorded steps (docs/design.md#4-the-timeline-is-a-cursor-over-recorded-steps).
 *
 * - Stepping forward past the recorded frontier pulls the next step from the running call's
 *   generator, applies its deltas, and records it. Below the frontier it replays the recorded
 *   deltas; the generator is never re-run.
 * - Stepping back applies the inverted deltas of the step in reverse order, which restores the
 *   exact earlier world.
 * - Starting a new call while the cursor is below the frontier cuts off the redo tail (and the
 *   call that was running there), as an undo stack does.
 * - Keyframes (a world reference every `keyframeEvery` steps) make seek() fast; deltas stay the
 *   canonical record.
 *
 * Queued calls run one after the other: when one generator finishes, the next queued one starts.
 */
import type { Delta } from './delta'
import { invert } from './delta'
import type { Call, Step } from './step'
import type { World } from './world'
import { applyAll } from './world'

export type Recorded = Step & { seq: number; depth: number; call: number }

export interface CallRecord<R> {
  label: string
  /** Index of the first step of this call. */
  first: number
  /** Index one past its last step once finished. */
  end: number | null
  outcome: R | null
}

export interface TimelineOptions {
  keyframeEvery?: number
}

interface Pending<R> {
  label: string
  make: () => Call<R>
}

export class Timeline<R = unknown> {
  private worldNow: World
  readonly steps: Recorded[] = []
  readonly calls: CallRecord<R>[] = []
  private cursorAt = 0
  private gen: Call<R> | null = null
  private genCall = -1
  private depthNow = 0
  private readonly queue: Pending<R>[] = []
  private readonly keyframes = new Map<number, World>()
  private readonly keyframeEvery: number
  /** Kernel functions to stop at (enter steps) in cont(). */
  readonly breakpoints = new Set<string>()

  constructor(world: World, opts: TimelineOptions = {}) {
    this.worldNow = world
    this.keyframeEvery = opts.keyframeEvery ?? 256
    this.keyframes.set(0, world)
  }

  get world(): World {
    return this.worldNow
  }
  get cursor(): number {
    return this.cursorAt
  }
  /** Number of recorded steps. */
  get frontier(): number {
    return this.steps.length
  }
  /** The last applied step, or null at the start. */
  get current(): Recorded | null {
    return this.cursorAt > 0 ? (this.steps[this.cursorAt - 1] ?? null) : null
  }
  /**
   * The kernel functions open at the frontier of the call being generated (entered, not yet
   * returned or failed), outermost first. A modelled call reads it through Kernel.callStack() to
   * print a WARN splat's Call Trace.
   */
  openFrames(): string[] {
    const c = this.calls[this.genCall]
    if (!c || this.gen === null) return []
    const open: string[] = []
    for (let i = c.first; i < this.steps.length; i++) {
      const s = this.steps[i]!
      if (s.kind === 'enter') open.push(s.fn)
      else if (s.kind === 'return' || s.kind === 'fail') open.pop()
    }
    return open
  }

  /** True when no recorded, running or queued step is left ahead of the cursor. */
  get atEnd(): boolean {
    return this.cursorAt === this.steps.length && this.gen === null && this.queue.length === 0
  }

  /** Queue a call; cuts the redo tail when the cursor is below the frontier. */
  start(label: string, make: () => Call<R>): void {
    if (this.cursorAt < this.steps.length) this.cutTail()
    this.queue.push({ label, make })
  }

  private cutTail(): void {
    this.steps.length = this.cursorAt
    for (const k of [...this.keyframes.keys()]) if (k > this.cursorAt) this.keyframes.delete(k)
    // Calls that started after the cursor are dropped; one cut mid-way is marked unfinished.
    while (this.calls.length > 0 && this.calls[this.calls.length - 1]!.first >= this.cursorAt)
      this.calls.pop()
    const last = this.calls[this.calls.length - 1]
    if (last && (last.end === null || last.end > this.cursorAt)) {
      last.end = this.cursorAt
      last.outcome = null
    }
    this.gen = null
    this.genCall = -1
    this.queue.length = 0
    this.depthNow = this.cursorAt > 0 ? depthAfter(this.steps[this.cursorAt - 1]!) : 0
  }

  /** One step forward. Returns the applied step, or null at the end. */
  forward(): Recorded | null {
    if (this.cursorAt < this.steps.length) {
      const s = this.steps[this.cursorAt]!
      this.apply(s, false)
      return s
    }
    for (;;) {
      if (this.gen === null) {
        const next = this.queue.shift()
        if (!next) return null
        this.calls.push({ label: next.label, first: this.steps.length, end: null, outcome: null })
        this.genCall = this.calls.length - 1
        this.gen = next.make()
        this.depthNow = 0
      }
      const r = this.gen.next()
      if (r.done) {
        const c = this.calls[this.genCall]!
        c.end = this.steps.length
        c.outcome = r.value
        this.gen = null
        continue
      }
      const step = r.value
      const depth =
        step.kind === 'return' || step.kind === 'fail' ? Math.max(0, this.depthNow - 1) : this.depthNow
      const rec = { ...step, seq: this.steps.length, depth, call: this.genCall } as Recorded
      this.steps.push(rec)
      this.apply(rec, true)
      return rec
    }
  }

  private apply(s: Recorded, fresh: boolean): void {
    if (s.kind === 'mutate') this.worldNow = applyAll(this.worldNow, s.deltas)
    this.cursorAt++
    if (fresh) this.depthNow = depthAfter(s)
    if (this.cursorAt % this.keyframeEvery === 0 && !this.keyframes.has(this.cursorAt))
      this.keyframes.set(this.cursorAt, this.worldNow)
  }

  /** One step back. Returns the step undone, or null at the start. */
  back(): Recorded | null {
    if (this.cursorAt === 0) return null
    const s = this.steps[--this.cursorAt]!
    if (s.kind === 'mutate') this.worldNow = applyAll(this.worldNow, [...s.deltas].reverse().map(invert))
    return s
  }

  /** Step into: exactly one step. */
  stepInto(): Recorded | null {
    return this.forward()
  }

  /** Step over: one step; if it entered a function, run until that function returns or fails. */
  stepOver(): Recorded | null {
    const s = this.forward()
    if (!s || s.kind !== 'enter') return s
    return this.runUntil((x) => (x.kind === 'return' || x.kind === 'fail') && x.depth === s.depth)
  }

  /** Step out: run until the function the cursor is in returns or fails. */
  stepOut(): Recorded | null {
    const c = this.current
    if (!c) return this.forward()
    const level = depthAfter(c) - 1
    if (level < 0) return this.forward()
    return this.runUntil((x) => (x.kind === 'return' || x.kind === 'fail') && x.depth <= level)
  }

  /** Continue: run until a breakpoint's enter step, or the end. */
  cont(): Recorded | null {
    return this.runUntil((x) => x.kind === 'enter' && this.breakpoints.has(x.fn))
  }

  /** Run to the next entry into kernel function `fn` (a temporary breakpoint). */
  runToFunction(fn: string): Recorded | null {
    return this.runUntil((x) => x.kind === 'enter' && x.fn === fn)
  }

  /** Run to the next fail step. */
  runToFailure(): Recorded | null {
    return this.runUntil((x) => x.kind === 'fail')
  }

  /** Run everything (queued calls included) to the end. */
  runToEnd(): void {
    while (this.forward());
  }

  /** Move the cursor to `n` (0 = before the first step), pulling from the generator when n is past the frontier. */
  seek(n: number): void {
    const target = Math.max(0, n)
    if (target <= this.steps.length && Math.abs(this.cursorAt - target) > this.keyframeEvery) {
      let best = 0
      for (const k of this.keyframes.keys()) if (k <= target && k > best) best = k
      if (Math.abs(target - best) < Math.abs(target - this.cursorAt)) {
        this.worldNow = this.keyframes.get(best)!
        this.cursorAt = best
      }
    }
    while (this.cursorAt > target) this.back()
    while (this.cursorAt < target && this.forward());
  }

  /** Deltas of the last applied step (for highlighting). */
  lastDeltas(): readonly Delta[] {
    const c = this.current
    return c && c.kind === 'mutate' ? c.deltas : []
  }

  private runUntil(stop: (s: Recorded) => boolean): Recorded | null {
    let last: Recorded | null = null
    for (;;) {
      const s = this.forward()
      if (!s) return last
      last = s
      if (stop(s)) return s
    }
  }
}

/** The frame depth after applying `s`: inside the function after an enter, at the caller after an exit. */
function depthAfter(s: Recorded): number {
  return s.kind === 'enter' ? s.depth + 1 : s.depth
}
