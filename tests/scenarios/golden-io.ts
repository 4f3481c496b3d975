/**
 * Shared by the generator and the test: the text of a case's lab file and of its golden trace.
 */
import { runScenario, scenarioMachine, formatStep, type Scenario } from '../../electron/engine/index'
import type { LabFile } from '../../shared/model/topology'

export function labText(lab: LabFile): string {
  return JSON.stringify(lab, null, 2) + '\n'
}

/** One line per step (`depth kind fn detail`), with a `#` header per scenario and operation. */
export function goldenTrace(lab: LabFile): string {
  const out: string[] = []
  for (const sc of lab.scenarios as Scenario[]) {
    const r = runScenario(scenarioMachine(lab.machine, lab.settings, sc), sc)
    out.push(`# scenario: ${sc.name} (era ${r.era})`)
    for (const c of r.timeline.calls) {
      out.push(`## ${c.label}`)
      for (const s of r.timeline.steps.slice(c.first, c.end ?? undefined)) out.push(formatStep(s))
    }
  }
  return out.join('\n') + '\n'
}

/** The golden trace of one built-in library scenario, run on the default lab. */
export function libraryTrace(lab: LabFile, sc: Scenario): string {
  return goldenTrace({ ...lab, scenarios: [sc] })
}

/** File stem of a library scenario's golden trace: 'library-L01-the-premise-…-v5-0'. */
export function librarySlug(sc: Scenario): string {
  return (
    'library-' +
    sc.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 90)
  )
}
