/**
 * `lab exercises [<lab-or-scenario-file>] [--json] [--answers]`: list a lab's workshop exercises
 * (without a file: the default lab, i.e. the built-in course). Answers and explanations appear only
 * with --answers, so the list can be handed out before a workshop.
 *
 * --json prints `{"exercises": [{"scenario", "id", "kind", "question", "choices"}]}`, plus
 * "answer" and "explanation" with --answers (and "op", "pair", "devices", "eras" when the exercise
 * has them). Exit codes: 0, 2 bad input or usage.
 */
import type { Exercise, Scenario } from '../../engine/index'
import { EXERCISE_KIND_LABEL, answerText, defaultLab, exerciseView, scenarioSchema } from '../../engine/index'
import type { CliIo } from './io'
import { oneFileArgs } from './args'
import { loadScenarios } from './run'

export const EXERCISES_USAGE = 'usage: lab exercises [<lab-or-scenario-file>] [--json] [--answers]\n'

interface Row {
  scenario: string
  id: string
  kind: Exercise['kind']
  question: string
  choices: string[]
  op?: number
  pair?: { provider: string; client: string }
  devices?: string[]
  eras?: string[]
  answer?: string | string[]
  explanation?: string
}

function entries(scenarios: Scenario[]): { sc: Scenario; e: Exercise; i: number }[] {
  return scenarios.flatMap((sc) => (sc.exercises ?? []).map((e, i) => ({ sc, e, i })))
}

function row({ sc, e, i }: { sc: Scenario; e: Exercise; i: number }, answers: boolean): Row {
  const v = exerciseView(e, i, sc.operations)
  const r: Row = { scenario: sc.name, id: v.id, kind: e.kind, question: e.question, choices: v.choices }
  if (e.op !== undefined) r.op = e.op
  if (e.pair) r.pair = { ...e.pair }
  if (e.devices) r.devices = [...e.devices]
  if (e.eras) r.eras = [...e.eras]
  if (answers) {
    r.answer = e.answer
    r.explanation = e.explanation
  }
  return r
}

export function exercisesCommand(argv: string[], io: CliIo): number {
  const given = oneFileArgs('exercises', EXERCISES_USAGE, argv, io, {
    switches: ['--json', '--answers'],
    optionPrefix: '-',
  })
  if (!given) return 2
  const json = given.switches.has('--json')
  const answers = given.switches.has('--answers')
  let scenarios: Scenario[]
  let title: string | null = null
  const file = given.file
  if (file) {
    try {
      scenarios = loadScenarios(file, io.readFile(file)).scenarios
    } catch (e) {
      io.stderr(
        `lab exercises: ${(e as Error).message.startsWith(file) ? '' : `${file}: `}${(e as Error).message}\n`,
      )
      return 2
    }
  } else {
    const lab = defaultLab()
    title = lab.course?.title ?? null
    scenarios = (lab.scenarios ?? []).map((s) => scenarioSchema.parse(s))
  }
  const all = entries(scenarios)
  const list = all.map((x) => row(x, answers))
  if (json) {
    io.stdout(JSON.stringify({ exercises: list }, null, 2) + '\n')
    return 0
  }
  const inScenarios = new Set(list.map((r) => r.scenario)).size
  io.stdout(`${title ? `${title}: ` : ''}${list.length} exercises in ${inScenarios} scenarios\n`)
  let last = ''
  for (const [n, r] of list.entries()) {
    if (r.scenario !== last) io.stdout(`\n${r.scenario}\n`)
    last = r.scenario
    const about = r.op ? ` (operation ${r.op})` : r.pair ? ` (${r.pair.provider} → ${r.pair.client})` : ''
    io.stdout(`  ${String(n + 1).padStart(2)}. [${r.id}] ${EXERCISE_KIND_LABEL[r.kind]}${about}\n`)
    io.stdout(`      ${r.question}\n`)
    if (r.choices.length) io.stdout(`      choices: ${r.choices.join(' | ')}\n`)
    if (r.eras?.length) io.stdout(`      eras: ${r.eras.join(', ')}\n`)
    if (answers) {
      const e = all[n]!.e
      io.stdout(`      answer: ${answerText(e)}\n      ${e.explanation}\n`)
    }
  }
  if (!answers) io.stdout('\n(answers and explanations: --answers)\n')
  return 0
}
