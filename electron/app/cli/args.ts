/**
 * What every CLI command shares: the argument parser, the two kinds of refusal (bad usage, bad
 * input with located issues) and reading an input file through the CLI's I/O. Light on purpose:
 * `lab --help` loads nothing else.
 */
import type { InputIssue } from '../../../shared/model/topology'
import { CliFileError, type CliIo } from './io'

const USAGE_ERROR = Symbol.for('p2p-dma-lab.UsageError')
const INPUT_ERROR = Symbol.for('p2p-dma-lab.InputError')

/**
 * Bad usage (exit 2). `instanceof` goes by a registered symbol, so the check in lab.ts holds for an
 * error thrown by a separately bundled command (tools/build-cli.mjs).
 */
export class UsageError extends Error {
  readonly [USAGE_ERROR] = true
  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[USAGE_ERROR] === true
  }
}

export interface ParsedArgs {
  positional: string[]
  flags: Map<string, string | true>
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = []
  const flags = new Map<string, string | true>()
  const takesValue = new Set(['--era', '--cpu', '--iommu', '--disable-acs-redir', '-o', '--out'])
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=')
      if (eq > 0) {
        flags.set(a.slice(0, eq), a.slice(eq + 1))
      } else if (takesValue.has(a)) {
        const v = argv[++i]
        if (v === undefined) throw new UsageError(`${a} needs a value`)
        flags.set(a, v)
      } else {
        flags.set(a, true)
      }
    } else {
      positional.push(a)
    }
  }
  return { positional, flags }
}

/** What a command that reads at most one file was given. */
export interface OneFileArgs {
  switches: Set<string>
  /** The options that take a value, with theirs. */
  values: Map<string, string>
  file: string | undefined
}

export interface OneFileOptions {
  switches: readonly string[]
  /** How an unknown option starts ('-' or '--'); any other word is the file. */
  optionPrefix: string
  /** The options that take the next word, each with what is wrong with a value (null: nothing). */
  values?: Readonly<Record<string, (value: string | undefined) => string | null>>
}

/**
 * The words of `lab <command>` for a command that reads at most one file (lab run, lab exercises),
 * the command word itself optional; left to right: a switch, an option and its value, else an
 * unknown option or the file. The first thing wrong is printed (`lab <command>: …`, the usage after
 * an unknown option; the usage alone for a second file) and the result is null: exit 2.
 */
export function oneFileArgs(
  command: string,
  usage: string,
  argv: string[],
  io: CliIo,
  opts: OneFileOptions,
): OneFileArgs | null {
  const args = argv[0] === command ? argv.slice(1) : argv
  const switches = new Set<string>()
  const values = new Map<string, string>()
  const files: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const check = opts.values && Object.hasOwn(opts.values, a) ? opts.values[a] : undefined
    if (opts.switches.includes(a)) switches.add(a)
    else if (check) {
      const value = args[++i]
      const wrong = check(value)
      if (wrong !== null || value === undefined) {
        io.stderr(`lab ${command}: ${wrong ?? `${a} needs a value`}\n`)
        return null
      }
      values.set(a, value)
    } else if (a.startsWith(opts.optionPrefix)) {
      io.stderr(`lab ${command}: unknown option ${a}\n${usage}`)
      return null
    } else files.push(a)
  }
  if (files.length > 1) {
    io.stderr(usage)
    return null
  }
  return { switches, values, file: files[0] }
}

function formatIssues(file: string, issues: InputIssue[]): string {
  return issues
    .slice(0, 20)
    .map((i) => {
      const where =
        i.line !== undefined ? `${file}:${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : file
      const what = i.nodeId ? ` (node "${i.nodeId}")` : i.path ? ` (at ${i.path})` : ''
      return `error: ${where}: ${i.message}${what}`
    })
    .concat(issues.length > 20 ? [`error: … and ${issues.length - 20} more`] : [])
    .join('\n')
}

/** Bad input, with located issues (exit 2); `instanceof` as for UsageError. */
export class InputError extends Error {
  readonly [INPUT_ERROR] = true
  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[INPUT_ERROR] === true
  }
  constructor(
    readonly file: string,
    readonly issues: InputIssue[],
  ) {
    super(formatIssues(file, issues))
  }
}

/** Read `file` through the CLI's I/O; a failure is an InputError, located when the error knows where. */
export function readInput(io: CliIo, file: string): string {
  try {
    return io.readFile(file)
  } catch (e) {
    if (e instanceof CliFileError && e.line !== undefined)
      throw new InputError(file, [{ source: file, line: e.line, column: e.column ?? 1, message: e.message }])
    throw new InputError(file, [{ source: file, message: `cannot read: ${(e as Error).message}` }])
  }
}
