/**
 * What one kernel-case lab file is made of (tests/scenarios/cases.ts and cases-fidelity.ts list
 * them), and the builder both lists use.
 */
import type { LabSettings, MachineSpec } from '../../shared/model/topology'
import type { Scenario } from '../../electron/engine/index'
import { t1 } from '../helpers/topologies'

export interface CaseFile {
  /** File stem: starts with the docs/kernel/cases.md id. */
  file: string
  title: string
  machine: MachineSpec
  settings?: Partial<LabSettings>
  scenarios: Scenario[]
  /** The lab file's description (default: the docs/kernel/cases.md case it retells). */
  description?: string
}

/** A case file of `scenarios`: on T1 unless `more` names another machine, with the settings and description `more` gives. */
export function caseFile(
  file: string,
  title: string,
  scenarios: Scenario[],
  more: Partial<Pick<CaseFile, 'machine' | 'settings' | 'description'>> = {},
): CaseFile {
  return { file, title, machine: more.machine ?? t1(), ...more, scenarios }
}
