/**
 * runScenario: run a scenario's operations one by one on a fresh world through a Timeline, and
 * check each operation's expectations right after it (return value, errno, state assertions).
 * The Timeline it returns holds every step, so a UI or a test can step back and forth afterwards.
 */
import type { OpRunJson } from '../../../shared/model/trace'
import type { Era, LabSettings, MachineSpec } from '../../../shared/model/topology'
import type { Kernel } from '../kernel'
import { kernelOf } from '../kernel'
import { Timeline } from '../core/timeline'
import { emptyWorld } from '../core/world'
import { buildMachine } from '../topology/build'
import type { Machine } from '../topology/types'
import { checkAssertion } from './assert'
import { addDevice, createProcess, opCall, ScenarioInputError, type OpOutcome } from './ops'
import type { Operation, Scenario } from './schema'

export interface OpResult extends OpRunJson {
  /** Expectations that did not hold, as sentences. */
  failures: string[]
  notInEra: string | null
  /** Steps [first, end) of this operation in the timeline. */
  first: number
  end: number
}

export interface ScenarioResult {
  name: string
  era: Era
  operations: OpResult[]
  expectationsMet: boolean
  timeline: Timeline<OpOutcome>
  kernel: Kernel
}

/** The default process name when a scenario lists none. */
export const DEFAULT_PROC = 'app'

/** The machine a scenario runs on: the lab's, with the scenario's era and settings (IOMMU, ACS override, CPU) overrides. */
export function scenarioMachine(spec: MachineSpec, settings: LabSettings, sc: Scenario): Machine {
  const s: LabSettings = {
    ...settings,
    ...(sc.era ? { era: sc.era } : {}),
    ...(sc.settings?.iommu !== undefined ? { iommu: sc.settings.iommu } : {}),
    ...(sc.settings?.disableAcsRedir !== undefined ? { disableAcsRedir: sc.settings.disableAcsRedir } : {}),
  }
  // A scenario's CPU replaces the machine's (a what-if: "this box with an AMD Zen CPU").
  const r = buildMachine(sc.settings?.cpu ? { ...spec, cpu: { ...sc.settings.cpu } } : spec, s)
  if (!r.ok)
    throw new ScenarioInputError(`the topology does not build: ${r.issues.map((i) => i.message).join('; ')}`)
  return r.machine
}

function opLabel(o: Operation): string {
  return o.op
}

/**
 * runScenario - run every operation of `sc` on `machine` (its settings give era, IOMMU and seed;
 * sc.era overrides the era only: use scenarioMachine() to apply iommu/ACS overrides).
 * Throws ScenarioInputError for references the topology or the scenario cannot resolve.
 * `hooks.aroundOperation` is called before and after each operation runs (the benchmarks time
 * single operations with it; it sees nothing of the world).
 */
export function runScenario(
  machine: Machine,
  sc: Scenario,
  hooks: { aroundOperation?: (index: number, phase: 'start' | 'end') => void } = {},
): ScenarioResult {
  const era = sc.era ?? machine.settings.era
  const m = era === machine.settings.era ? machine : { ...machine, settings: { ...machine.settings, era } }
  const tl = new Timeline<OpOutcome>(emptyWorld(m.settings.seed))
  const k = kernelOf(
    m,
    era,
    () => tl.world,
    () => tl.openFrames(),
  )
  const procs = sc.processes?.length ? sc.processes : [{ name: DEFAULT_PROC }]
  for (const p of procs) tl.start(`process ${p.name}`, () => createProcess(k, p.name, p.comm ?? p.name))
  tl.runToEnd()
  for (const d of sc.devices ?? []) {
    if (k.world.devices[d.name]) throw new ScenarioInputError(`device '${d.name}' is declared twice`)
    tl.start(`device ${d.name}`, () => addDevice(k, d))
    tl.runToEnd()
  }
  const defaultProc = procs[0]!.name
  const operations: OpResult[] = []
  for (const [index, o] of sc.operations.entries()) {
    const first = tl.frontier
    hooks.aroundOperation?.(index, 'start')
    tl.start(opLabel(o), () => opCall(k, o, defaultProc))
    tl.runToEnd()
    hooks.aroundOperation?.(index, 'end')
    const rec = tl.calls[tl.calls.length - 1]!
    const out = rec.outcome!
    const failures: string[] = []
    const e = o.expect
    if (e) {
      if (e.notInEra !== undefined && (out.notInEra !== null) !== e.notInEra)
        failures.push(
          out.notInEra ? `refused: ${out.notInEra}` : 'expected the operation not to exist in this era',
        )
      if (e.errno !== undefined && out.errno !== e.errno)
        failures.push(`errno ${out.errno ?? 'none'} (ret ${out.ret}), expected ${e.errno ?? 'none'}`)
      if (e.ret !== undefined && out.ret !== e.ret) failures.push(`ret ${out.ret}, expected ${e.ret}`)
      for (const a of e.state ?? []) {
        const why = checkAssertion(k, a)
        if (why) failures.push(why)
      }
    }
    operations.push({
      op: o.op,
      ret: out.ret,
      errno: out.errno,
      ok: failures.length === 0,
      failures,
      notInEra: out.notInEra,
      first,
      end: tl.frontier,
    })
  }
  return {
    name: sc.name,
    era,
    operations,
    expectationsMet: operations.every((o) => o.ok),
    timeline: tl,
    kernel: k,
  }
}
