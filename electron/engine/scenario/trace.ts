/**
 * Text forms of recorded steps: the golden-trace line format `depth kind fn detail`, and a short
 * JSON-safe step view for the CLI and the renderer.
 */
import type { StepView } from '../../../shared/model/trace'
import type { Recorded } from '../core/timeline'

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
  return { seq: s.seq, depth: s.depth, kind: s.kind, fn: s.fn, file: s.src.file, era: s.src.era, text: formatStep(s) }
}
