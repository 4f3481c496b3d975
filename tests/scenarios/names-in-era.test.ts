/**
 * Era-true names (issue 11): every golden-trace case (tests/scenarios/*.p2plab) and every built-in
 * scenario of the default lab, run in every era, shows only kernel names that existed in that era.
 *
 * Two nets: frame() looks every function up in the names table (electron/engine/era/names.ts) and,
 * with strict names on, throws an engine bug for a name outside its range; and every identifier in
 * the steps' arguments, checks and narration that the table knows (FOLL_PIN, pin_user_pages_fast,
 * HMM_PFN_REQ_FAULT, …) must exist in the era too. The scenario's own "does this operation exist in
 * the era?" steps (fn 'lab') may name what the era lacks: that is their point.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERAS, type Era, type LabSettings, type MachineSpec } from '../../shared/model/topology'
import { defaultLab, builtinScenarios, type Scenario } from '../../electron/engine/index'
import { runScenario, scenarioMachine } from '../../electron/engine/scenario/runner'
import { ScenarioInputError } from '../../electron/engine/scenario/ops'
import { setStrictNames } from '../../electron/engine/core/step'
import { has, isKnownName, nameRange } from '../../electron/engine/era/index'
import type { Step } from '../../electron/engine/core/step'
import { CASES, labFileOf } from './cases'

/** The identifiers a step shows: its function, argument values, check text and narration. */
function texts(s: Step): string[] {
  const out = [s.fn]
  if (s.kind === 'enter') out.push(...Object.values(s.args))
  if (s.kind === 'check') out.push(s.what, s.why)
  if (s.kind === 'mutate') out.push(s.why)
  if (s.kind === 'return') out.push(s.value)
  if (s.kind === 'fail') out.push(s.error.fn, s.error.why)
  return out
}

/** Names from the table that a step shows although its era lacks them. */
export function outOfEra(era: Era, steps: readonly Step[]): string[] {
  const bad = new Set<string>()
  for (const s of steps) {
    if (s.fn === 'lab') continue
    for (const t of texts(s))
      for (const tok of t.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])
        if (isKnownName(tok) && !has(era, tok)) bad.add(`${tok} (${nameRange(tok)}) in ${s.kind} ${s.fn}`)
  }
  return [...bad]
}

interface Run {
  name: string
  machine: MachineSpec
  settings: LabSettings
  sc: Scenario
}

const runs: Run[] = []
for (const c of CASES) {
  const lab = labFileOf(c)
  for (const sc of lab.scenarios as Scenario[])
    runs.push({ name: `${c.file}: ${sc.name}`, machine: lab.machine, settings: lab.settings, sc })
}
const lab = defaultLab()
for (const sc of builtinScenarios())
  runs.push({ name: `library: ${sc.name}`, machine: lab.machine, settings: lab.settings, sc })

function runIn(r: Run, era: Era): { steps: readonly Step[]; inputError: string | null } {
  const sc = { ...r.sc, era }
  try {
    const res = runScenario(scenarioMachine(r.machine, r.settings, sc), sc)
    return { steps: res.timeline.steps, inputError: null }
  } catch (e) {
    // An operation the era refuses leaves a later one without its input: that run stops there.
    if (e instanceof ScenarioInputError) return { steps: [], inputError: e.message }
    throw e
  }
}

describe('every trace in every era shows only names of that era', () => {
  beforeAll(() => setStrictNames(true))
  afterAll(() => setStrictNames(false))
  it('covers the golden cases and the library', () => {
    expect(runs.length).toBeGreaterThan(40)
  })
  for (const era of ERAS)
    it(`${era}`, () => {
      const problems: string[] = []
      for (const r of runs) {
        try {
          const { steps } = runIn(r, era)
          for (const b of outOfEra(era, steps)) problems.push(`${r.name}: ${b}`)
        } catch (e) {
          problems.push(`${r.name}: ${(e as Error).message}`)
        }
      }
      expect(problems).toEqual([])
    })
  it('the scan catches a name out of its era', () => {
    const step: Step = {
      kind: 'enter',
      fn: 'pin_user_pages_fast',
      src: { file: 'mm/gup.c', fn: 'pin_user_pages_fast', era: '5.6+' },
      args: { gup_flags: 'FOLL_WRITE|FOLL_PIN' },
    }
    expect(outOfEra('v5.0', [step])).toEqual([
      'pin_user_pages_fast (5.6+) in enter pin_user_pages_fast',
      'FOLL_PIN (5.6+) in enter pin_user_pages_fast',
    ])
    expect(outOfEra('v6.12', [step])).toEqual([])
  })
})
