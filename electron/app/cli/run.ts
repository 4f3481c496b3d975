/**
 * `lab run [<lab-or-scenario-file>] [--era E] [--json] [--trace]`: run every scenario headless
 * (no file: the built-in default lab and its course),
 * print each operation's outcome (with --trace every step), check the expectations.
 *
 * Exit codes: 0 all expectations met, 1 an expectation is not met, 2 bad input (unreadable file,
 * invalid lab or scenario, unknown era, a reference the topology cannot resolve).
 *
 * Input: a lab file (`format: "p2p-dma-lab"`, its `scenarios` array), or a bare scenario JSON
 * (one scenario object, or `{ "scenarios": [...] }`) which runs on the built-in default lab.
 * --json prints `{"scenarios":[{"name","era","operations":[{"op","ret","errno","ok"}],"expectationsMet",
 * "exercises":[{"id","kind","answer","ok","actual":[{"era","value"}],"problems"}]}]}`.
 *
 * Workshop exercises are checked too: each answer must be what the engine produces (which operation
 * fails first, its errno, the refusing function, a pair's map type or distance, the P2P-capable
 * pairs, the era an outcome changes in) in every era the exercise names; a wrong one exits 1.
 */
import type { LabRunJson } from '../../../shared/model/trace'
import { ERAS, type Era, type LabSettings, type MachineSpec } from '../../../shared/model/topology'
import {
  hex,
  loadLab,
  defaultLab,
  ScenarioInputError,
  runScenario,
  scenarioMachine,
  type ScenarioResult,
  type ExerciseCheck,
  verifyExercises,
  scenarioSchema,
  type Scenario,
  formatStep,
} from '../../engine/index'

import { CliFileError, type CliIo } from './io'
import { oneFileArgs } from './args'
import { jsonPathLocation, locateIssues } from '../files/json-locate'

export const RUN_USAGE = 'usage: lab run [<lab-or-scenario-file>] [--era E] [--json] [--trace]\n'

interface Loaded {
  spec: MachineSpec
  settings: LabSettings
  scenarios: Scenario[]
  text: string
  /** Where scenario i sits in the file (its errors point there). */
  scenarioPath: (i: number) => (string | number)[]
}

class BadInput extends Error {}

/** `file:line:column` of a JSON path in `text`. */
function at(file: string, text: string, path: readonly (string | number)[]): string {
  const { line, column } = jsonPathLocation(text, path)
  return `${file}:${line}:${column}`
}

/** `prefix` is where the scenarios array sits in the file (['scenarios'], or null for one bare scenario). */
function parseScenarios(
  file: string,
  text: string,
  raw: unknown[],
  prefix: (string | number)[] | null,
): Scenario[] {
  return raw.map((s, i) => {
    const r = scenarioSchema.safeParse(s)
    if (!r.success) {
      const issue = r.error.issues[0]!
      const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)))
      const where = prefix === null ? [...path] : [...prefix, i, ...path]
      throw new BadInput(`${at(file, text, where)}: scenarios[${i}].${path.join('.')}: ${issue.message}`)
    }
    return r.data
  })
}

/** Read a lab file or a bare scenario file. Throws BadInput; every message starts with file:line:column. */
export function loadScenarios(file: string, text: string): Loaded {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    // The engine's lab loader locates JSON syntax errors itself (V8's message may have no position).
    const r = loadLab(file, text)
    const i = !r.ok ? r.issues.find((x) => x.line !== undefined) : undefined
    throw new BadInput(
      i ? `${file}:${i.line}:${i.column ?? 1}: ${i.message}` : `${file}:1:1: JSON syntax error`,
    )
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new BadInput(`${at(file, text, [])}: expected a JSON object`)
  const obj = data as Record<string, unknown>
  const inArray = (i: number): (string | number)[] => ['scenarios', i]
  /** The file's `scenarios` array, run on `lab`'s machine and settings. */
  const inLab = (lab: { machine: MachineSpec; settings: LabSettings }, scenarios: unknown[]): Loaded => ({
    spec: lab.machine,
    settings: lab.settings,
    scenarios: parseScenarios(file, text, scenarios, ['scenarios']),
    text,
    scenarioPath: inArray,
  })
  if ('format' in obj) {
    const r = loadLab(file, text)
    if (!r.ok)
      throw new BadInput(
        locateIssues(text, r.issues)
          .map((i) => `${file}:${i.line ?? 1}:${i.column ?? 1}: ${i.path ? `${i.path}: ` : ''}${i.message}`)
          .join('\n'),
      )
    const lab = r.lab
    if (!lab.scenarios?.length) throw new BadInput(`${at(file, text, [])}: the lab has no scenarios`)
    return inLab(lab, lab.scenarios)
  }
  // A bare list of scenarios, or a single scenario: run on the built-in lab's machine.
  if (Array.isArray(obj.scenarios)) return inLab(defaultLab(), obj.scenarios)
  const lab = defaultLab()
  return {
    spec: lab.machine,
    settings: lab.settings,
    scenarios: parseScenarios(file, text, [obj], null),
    text,
    scenarioPath: () => [],
  }
}

/** The built-in default lab: its scenarios are the course. */
function defaultLoaded(): Loaded {
  const lab = defaultLab()
  const text = JSON.stringify(lab, null, 2)
  return {
    spec: lab.machine,
    settings: lab.settings,
    scenarios: parseScenarios('default lab', text, lab.scenarios ?? [], ['scenarios']),
    text,
    scenarioPath: (i) => ['scenarios', i],
  }
}

function retText(
  o: { ret: number | null; errno: string | null; notInEra: string | null },
  op: string,
): string {
  if (o.notInEra) return `not in this era: ${o.notInEra}`
  if (o.errno) return `-${o.errno} (${o.ret})`
  if (o.ret === null) return '-'
  return op.startsWith('mmap') ? hex(o.ret) : String(o.ret)
}

function printExercises(io: CliIo, checks: ExerciseCheck[]): void {
  for (const c of checks) {
    const eras = c.actual.map((a) => `${a.era} ${a.value}`).join(', ')
    io.stdout(
      `  exercise ${c.id} (${c.kind}): answer ${c.answer} ${c.ok ? 'ok' : 'WRONG'} [engine: ${eras}]\n`,
    )
    for (const p of c.problems) io.stdout(`       ✗ ${p}\n`)
  }
}

function printText(io: CliIo, r: ScenarioResult, trace: boolean, checks: ExerciseCheck[]): void {
  const m = r.kernel.machine
  io.stdout(`scenario: ${r.name}\n  era ${r.era} · IOMMU ${m.settings.iommu ? 'on' : 'off'} · ${m.name}\n`)
  r.operations.forEach((o, i) => {
    io.stdout(
      `  ${String(i + 1).padStart(2)} ${o.op.padEnd(26)} ${retText(o, o.op).padEnd(28)} ${o.ok ? 'ok' : 'EXPECTATION NOT MET'}\n`,
    )
    for (const f of o.failures) io.stdout(`       ✗ ${f}\n`)
    if (trace)
      for (const s of r.timeline.steps.slice(o.first, o.end))
        io.stdout(`       ${'  '.repeat(s.depth)}${formatStep(s)}\n`)
  })
  printExercises(io, checks)
  const exercisesOk = checks.every((c) => c.ok)
  io.stdout(
    `  ${r.expectationsMet ? 'all expectations met' : 'some expectations were NOT met'}${
      checks.length
        ? exercisesOk
          ? '; every exercise answer checked'
          : '; some exercise answers are WRONG'
        : ''
    }\n\n`,
  )
}

/** runCommand(['run', file, ...flags], io) -> exit code. A leading 'run' is optional. */
export function runCommand(argv: string[], io: CliIo): number {
  const given = oneFileArgs('run', RUN_USAGE, argv, io, {
    switches: ['--json', '--trace'],
    optionPrefix: '--',
    values: {
      '--era': (e) =>
        e !== undefined && (ERAS as readonly string[]).includes(e)
          ? null
          : `unknown era '${e ?? ''}' (one of ${ERAS.join(', ')})`,
    },
  })
  if (!given) return 2
  const era = (given.values.get('--era') ?? null) as Era | null
  const json = given.switches.has('--json')
  const trace = given.switches.has('--trace')
  const file = given.file ?? 'the default lab'
  let loaded: Loaded
  try {
    loaded = given.file ? loadScenarios(file, io.readFile(file)) : defaultLoaded()
  } catch (e) {
    const message =
      e instanceof BadInput
        ? e.message
        : e instanceof CliFileError && e.line !== undefined
          ? `${file}:${e.line}:${e.column ?? 1}: ${e.message}`
          : `cannot read ${file}: ${(e as Error).message}`
    io.stderr(`lab run: ${message}\n`)
    return 2
  }
  const results: ScenarioResult[] = []
  const checks: ExerciseCheck[][] = []
  for (const [i, sc0] of loaded.scenarios.entries()) {
    const sc = era ? { ...sc0, era } : sc0
    try {
      const r = runScenario(scenarioMachine(loaded.spec, loaded.settings, sc), sc)
      results.push(r)
      // Exercises name their own eras: checked as written, whatever --era says.
      const base = r.era === (sc0.era ?? loaded.settings.era) ? r : undefined
      checks.push(verifyExercises(loaded.spec, loaded.settings, sc0, base))
    } catch (e) {
      if (e instanceof ScenarioInputError) {
        // The engine does not say which operation; point at the scenario.
        const where = given.file ? at(file, loaded.text, loaded.scenarioPath(i)) : file
        io.stderr(`lab run: ${where}: scenario '${sc.name}': ${e.message}\n`)
        return 2
      }
      throw e
    }
  }
  if (json) {
    const out: LabRunJson = {
      scenarios: results.map((r, i) => ({
        name: r.name,
        era: r.era,
        operations: r.operations.map((o) => ({ op: o.op, ret: o.ret, errno: o.errno, ok: o.ok })),
        expectationsMet: r.expectationsMet,
        ...(checks[i]!.length
          ? {
              exercises: checks[i]!.map((c) => ({
                id: c.id,
                kind: c.kind,
                answer: c.answer,
                ok: c.ok,
                actual: c.actual,
                problems: c.problems,
              })),
            }
          : {}),
      })),
    }
    io.stdout(JSON.stringify(out, null, 2) + '\n')
  } else results.forEach((r, i) => printText(io, r, trace, checks[i]!))
  return results.every((r) => r.expectationsMet) && checks.every((cs) => cs.every((c) => c.ok)) ? 0 : 1
}
