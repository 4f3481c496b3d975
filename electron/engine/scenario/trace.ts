/**
 * Text forms of recorded steps: the golden-trace line format `depth kind fn detail`, and a short
 * JSON-safe step view for the CLI and the renderer.
 */
import type { StepView, TimelineView } from '../../../shared/model/trace'
import type { Recorded, Timeline } from '../core/timeline'

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim()
}

/** One trace line: `depth kind fn detail`. */
export function formatStep(s: Recorded): string {
  let detail: string
  switch (s.kind) {
    case 'enter':
      detail = Object.entries(s.args)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')
      break
    case 'check':
      detail = `[${s.ok ? 'ok' : 'FAIL'}] ${s.what}: ${s.why}`
      break
    case 'mutate':
      detail = `(${s.deltas.length} delta${s.deltas.length === 1 ? '' : 's'}) ${s.why}`
      break
    case 'return':
      detail = `= ${s.value}`
      break
    case 'fail':
      detail = `-${s.error.errno} ${s.error.why}`
      break
  }
  return oneLine(`${s.depth} ${s.kind} ${s.fn} ${detail}`)
}

export function stepView(s: Recorded): StepView {
  return {
    seq: s.seq,
    depth: s.depth,
    kind: s.kind,
    fn: s.fn,
    file: s.src.file,
    era: s.src.era,
    text: formatStep(s),
  }
}

/** Window of steps a TimelineView carries around the cursor. */
export const VIEW_WINDOW = 200

/** The stepper's batch view of a timeline (shared/model/trace.ts TimelineView). */
export function timelineView<R>(tl: Timeline<R>, window = VIEW_WINDOW): TimelineView {
  const cur = tl.current
  const stack: Recorded[] = []
  // Walk back from the cursor: an enter whose depth is below every later step's depth is an open frame.
  let want = cur ? (cur.kind === 'enter' ? cur.depth : cur.depth - 1) : -1
  for (let i = tl.cursor - 1; i >= 0 && want >= 0; i--) {
    const s = tl.steps[i]!
    if (s.kind === 'enter' && s.depth === want) {
      stack.unshift(s)
      want--
    } else if (s.depth < want) want = s.depth - (s.kind === 'enter' ? 0 : 1)
  }
  const from = Math.max(0, tl.cursor - (window >> 1))
  return {
    cursor: tl.cursor,
    frontier: tl.frontier,
    atEnd: tl.atEnd,
    current: cur ? stepView(cur) : null,
    callStack: stack.map(stepView),
    steps: tl.steps.slice(from, from + window).map(stepView),
    changed: tl.lastDeltas().map((d) => (d.op === 'sys' ? 'sys' : `${d.table}/${d.key}`)),
    calls: tl.calls.map((c) => ({ label: c.label, first: c.first, end: c.end })),
  }
}
