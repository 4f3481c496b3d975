/**
 * Reports of a stepped scenario for handouts: Markdown, and self-contained HTML (inline CSS, no
 * scripts, no external resources). Operations, each one's call tree (every step), expected and
 * actual outcomes, and the state changes with before → after. Pure: text in, text out.
 */
import type { ReportText } from '../../../shared/model/stepper'
import type { Recorded, ScenarioResult, Scenario } from '../../engine/index'
import { deltaView, elixirUrl } from './stepper'

export type ReportFormat = 'html' | 'md'

interface OpBlock {
  index: number
  op: string
  args: string
  narration: string | null
  expected: string | null
  actual: string
  met: boolean | null
  failures: string[]
  steps: Recorded[]
}

function argList(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(
      ([k, v]) =>
        `${k}=${Array.isArray(v) ? v.join('|') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
    )
    .join(' ')
}

function outcomeText(ret: number | null, errno: string | null, notInEra: string | null): string {
  if (notInEra) return `not in this era: ${notInEra}`
  if (errno) return `-${errno} (${ret})`
  return ret === null ? 'nothing ran' : `ok (${ret > 0xffff ? '0x' + ret.toString(16) : ret})`
}

function blocks(sc: Scenario, r: ScenarioResult): OpBlock[] {
  return r.operations.map((o, i) => {
    const spec = sc.operations[i]!
    const e = spec.expect
    const exp: string[] = []
    if (e?.errno !== undefined) exp.push(e.errno === null ? 'success' : `-${e.errno}`)
    if (e?.ret !== undefined) exp.push(`ret ${e.ret}`)
    if (e?.state?.length) exp.push(`${e.state.length} state assertion${e.state.length === 1 ? '' : 's'}`)
    if (e?.notInEra) exp.push('not in this era')
    return {
      index: i + 1,
      op: o.op,
      args: argList(spec.args as Record<string, unknown>),
      narration: spec.narration ?? null,
      expected: exp.length ? exp.join(', ') : null,
      actual: outcomeText(o.ret, o.errno, o.notInEra),
      met: e ? o.ok : null,
      failures: o.failures,
      steps: r.timeline.steps.slice(o.first, o.end),
    }
  })
}

/** One line per step, without the depth prefix (the caller indents). */
function stepLine(s: Recorded): string {
  switch (s.kind) {
    case 'enter':
      return `${s.fn}(${Object.entries(s.args)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')})`
    case 'check':
      return `${s.ok ? '✓' : '✗'} ${s.what} — ${s.why}`
    case 'mutate':
      return `Δ ${s.why}`
    case 'return':
      return `← ${s.fn} = ${s.value}`
    case 'fail':
      return `← ${s.fn} = -${s.error.errno}: ${s.error.why}`
  }
}

/** A Markdown table cell: pipes escaped, one line. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ')

const MET = (m: boolean | null) => (m === null ? '' : m ? ' ✓ as expected' : ' ✗ NOT as expected')

export function markdownReport(sc: Scenario, r: ScenarioResult): string {
  const out: string[] = [`# ${r.name}`, '', `Era **${r.era}** · machine ${r.kernel.machine.name}`, '']
  if (sc.narration) out.push(sc.narration, '')
  out.push('| # | Operation | Expected | Actual |', '|---|---|---|---|')
  for (const b of blocks(sc, r))
    out.push(
      `| ${b.index} | \`${b.op}\` ${cell(b.args)} | ${cell(b.expected ?? '—')} | ${cell(b.actual + MET(b.met))} |`,
    )
  out.push('')
  for (const b of blocks(sc, r)) {
    out.push(`## ${b.index}. ${b.op}`, '', `\`${b.op} ${b.args}\``, '')
    if (b.narration) out.push(b.narration, '')
    out.push(`**Outcome:** ${b.actual}${MET(b.met)}`, '')
    for (const f of b.failures) out.push(`- expectation not met: ${f}`)
    if (b.failures.length) out.push('')
    out.push('### Call tree', '', '```')
    for (const s of b.steps) out.push('  '.repeat(s.depth) + stepLine(s))
    out.push('```', '')
    const changes = b.steps.filter((s) => s.kind === 'mutate')
    if (changes.length) {
      out.push('### State changes', '')
      for (const s of changes)
        for (const d of s.deltas) out.push(`- \`${s.fn}\`: ${deltaView(d).text.replace(/\|/g, '\\|')}`)
      out.push('')
    }
  }
  return out.join('\n')
}

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;color:#1d2330;max-width:64rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d5dae3}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d5dae3;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f7}code,.tree{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
.tree{background:#f7f8fa;border:1px solid #e1e5ec;padding:.5rem .7rem;white-space:pre;overflow-x:auto}
.ok{color:#1b7f3b}.bad{color:#b3261e;font-weight:600}.d{color:#6b4fbb}.ret{color:#555}
.meta{color:#5b6475}ul{padding-left:1.2rem}a{color:#2457c5}`

export function htmlReport(sc: Scenario, r: ScenarioResult): string {
  const bs = blocks(sc, r)
  const h: string[] = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(r.name)}</title><style>${CSS}</style></head><body>`,
    `<h1>${esc(r.name)}</h1>`,
    `<p class="meta">Era ${esc(r.era)} · machine ${esc(r.kernel.machine.name)} · P2P DMA Lab report</p>`,
  ]
  if (sc.narration) h.push(`<p>${esc(sc.narration)}</p>`)
  h.push('<table><thead><tr><th>#</th><th>Operation</th><th>Expected</th><th>Actual</th></tr></thead><tbody>')
  for (const b of bs)
    h.push(
      `<tr><td>${b.index}</td><td><code>${esc(b.op)}</code> ${esc(b.args)}</td><td>${esc(b.expected ?? '—')}</td>` +
        `<td class="${b.met === false ? 'bad' : ''}">${esc(b.actual + MET(b.met))}</td></tr>`,
    )
  h.push('</tbody></table>')
  for (const b of bs) {
    h.push(`<h2>${b.index}. ${esc(b.op)}</h2><p><code>${esc(`${b.op} ${b.args}`)}</code></p>`)
    if (b.narration) h.push(`<p>${esc(b.narration)}</p>`)
    h.push(
      `<p><b>Outcome:</b> <span class="${b.met === false ? 'bad' : ''}">${esc(b.actual + MET(b.met))}</span></p>`,
    )
    if (b.failures.length)
      h.push(`<ul>${b.failures.map((f) => `<li class="bad">${esc(f)}</li>`).join('')}</ul>`)
    h.push('<h3>Call tree</h3><div class="tree">')
    for (const s of b.steps) {
      const cls =
        s.kind === 'check'
          ? s.ok
            ? 'ok'
            : 'bad'
          : s.kind === 'fail'
            ? 'bad'
            : s.kind === 'mutate'
              ? 'd'
              : 'ret'
      const line = esc('  '.repeat(s.depth) + stepLine(s))
      h.push(s.kind === 'enter' ? `${line}\n` : `<span class="${cls}">${line}</span>\n`)
    }
    h.push('</div>')
    const changes = b.steps.filter((s) => s.kind === 'mutate')
    if (changes.length) {
      h.push('<h3>State changes</h3><ul>')
      for (const s of changes)
        for (const d of s.deltas) h.push(`<li><code>${esc(s.fn)}</code>: ${esc(deltaView(d).text)}</li>`)
      h.push('</ul>')
    }
    const fns = [...new Set(b.steps.filter((s) => s.kind === 'enter').map((s) => s.fn))]
    h.push(
      `<p class="meta">Kernel source (${esc(r.era)}): ${fns
        .map((f) => `<a href="${esc(elixirUrl(r.era, f))}">${esc(f)}</a>`)
        .join(', ')}</p>`,
    )
  }
  h.push('</body></html>')
  return h.join('\n')
}

const SLUG_MAX = 60

/** A file-name slug: lower case words joined by '-', cut at a word boundary (never mid-word). */
function slug(s: string): string {
  const all = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
  if (all.length <= SLUG_MAX) return all || 'scenario'
  const cut = all.slice(0, SLUG_MAX + 1)
  const at = cut.lastIndexOf('-')
  return (at > 0 ? cut.slice(0, at) : all.slice(0, SLUG_MAX)) || 'scenario'
}

/** A scenario name without the era it names in parentheses at its end: the file name carries the era run. */
const TRAILING_ERA = /\s*\((?:v\d[\w.-]*|next)\)\s*$/

/** `<scenario name>-<era>`, the scenario's name slugged without its trailing era, then the era run. */
export function reportBaseName(name: string, era: string): string {
  return `${slug(name.replace(TRAILING_ERA, ''))}-${era}`
}

export function scenarioReport(sc: Scenario, r: ScenarioResult, format: ReportFormat): ReportText {
  const base = reportBaseName(r.name, r.era)
  return format === 'html'
    ? { fileName: `${base}.html`, mime: 'text/html', text: htmlReport(sc, r) }
    : { fileName: `${base}.md`, mime: 'text/markdown', text: markdownReport(sc, r) }
}
