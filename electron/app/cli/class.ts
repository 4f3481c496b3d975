/**
 * `lab class [<lab>] [--host ADDR] [--port N] [--max N]`: run a class session headless — the same
 * class server the app starts (electron/app/class), for instructors without a display and for
 * tests. Prints the join URL and the code, then reads the instructor's commands on stdin (step,
 * ask, reveal, results…; `help` lists them) and reports joins and answers as they arrive. `stop`,
 * end of input with --exit-on-eof, SIGINT or SIGTERM end the class (attendees are told) and exit 0.
 */
import { renderUnicodeCompact } from 'uqr'
import type { StepRequestKind } from '../../../shared/model/stepper'
import { ERAS, type Era } from '../../../shared/model/topology'
import type { ClassStatus } from '../../../shared/model/class'
import { LabSession } from '../session'
import { ClassHost } from '../class/host'
import { classAddresses } from '../class/addresses'
import type { CliIo } from './io'

export const CLASS_HELP = `lab class [<lab>] [--host ADDR] [--port N] [--max N] [--no-qr] [--exit-on-eof]

Start a class session headless: attendees open http://ADDR:PORT/ in a browser on the same
network, enter the code and a name, and follow your stepping in their own copy of the engine.
Without <lab> the default lab is used (any lab or import format the other commands take).

  --host ADDR     an address of this machine (default 127.0.0.1: this machine only; the LAN
                  addresses are listed at start)
  --port N        the port (default 8420; 0 = any free port)
  --max N         most attendees (default 300)
  --no-qr         do not print the QR code of the join link
  --exit-on-eof   end the class when standard input closes (default: keep running until
                  'stop', SIGINT or SIGTERM)

Prints "class: http://ADDR:PORT/", "code: XXXX" and the join link with the code in it, then
reads commands, one per line:

  scenarios                 the lab's scenarios and how many exercises each has
  start <n> [era]           step scenario n (in its own era, or the given one)
  next | n                  step over          into | s     step into
  out | o                   step out           back | b     step back
  op                        to the start of the next operation
  seek <cursor>             to a step          where        where you are
  exercises                 the lab's exercises, as scenario:exercise keys
  ask <s>:<e> | ask <e>     open an exercise for answers (<e> alone: of the scenario being stepped)
  close                     stop asking (answers are kept)
  status                    attendees, and the open exercise's histogram
  reveal                    reveal the open exercise's answer to everyone
  results [csv|json] [FILE] the results (per attendee and exercise: first answer, correctness,
                            time) to stdout or to FILE (default csv)
  stop | quit               end the class and exit
`

interface ClassArgs {
  file: string | null
  host: string
  port: number
  max: number | undefined
  qr: boolean
  exitOnEof: boolean
}

class ClassUsage extends Error {}

function parseClassArgs(argv: string[]): ClassArgs {
  const args: ClassArgs = {
    file: null,
    host: '127.0.0.1',
    port: 8420,
    max: undefined,
    qr: true,
    exitOnEof: false,
  }
  const num = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v)
    if (v === undefined || v === '' || !Number.isInteger(n) || n < min || n > max)
      throw new ClassUsage(`${flag} needs a whole number from ${min} to ${max}`)
    return n
  }
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined]
    const value = () => inline ?? argv[++i]
    if (flag === '--host') {
      const v = value()
      if (!v) throw new ClassUsage('--host needs an address')
      args.host = v
    } else if (flag === '--port') args.port = num('--port', value(), 0, 65535)
    else if (flag === '--max') args.max = num('--max', value(), 1, 1000)
    else if (flag === '--no-qr') args.qr = false
    else if (flag === '--exit-on-eof') args.exitOnEof = true
    else if (flag.startsWith('-')) throw new ClassUsage(`unknown option ${flag} (try lab class --help)`)
    else if (args.file === null) args.file = a
    else throw new ClassUsage(`unexpected argument ${a}`)
  }
  return args
}

function histogramText(s: ClassStatus): string {
  const a = s.ask
  if (!a) return 'no exercise open\n'
  const max = Math.max(1, ...a.histogram.map((b) => b.count))
  const width = Math.max(...a.histogram.map((b) => b.choice.length))
  let out = `${a.key} ${a.exercise.question}\n`
  for (const b of a.histogram) {
    const bar = '#'.repeat(Math.round((b.count / max) * 30))
    out += `  ${b.correct ? '✓' : ' '} ${b.choice.padEnd(width)}  ${String(b.count).padStart(3)} ${bar}\n`
  }
  out += `answered ${a.answered} / ${s.connected} connected${a.reveal ? ` · revealed: ${a.reveal.answer} (${a.reveal.correct} right)` : ''}\n`
  return out
}

/** Run `lab class`; resolves with the exit code when the class ends. */
export async function classCommand(argv: string[], io: CliIo): Promise<number> {
  let args: ClassArgs
  try {
    args = parseClassArgs(argv)
  } catch (e) {
    if (e instanceof ClassUsage) {
      io.stderr(`usage error: ${e.message}\n`)
      return 2
    }
    throw e
  }
  if (!io.rendererDir || !io.readLines || !io.onStop) {
    io.stderr('lab class: this host cannot run a class server\n')
    return 3
  }
  const session = new LabSession({ version: io.version })
  if (args.file !== null) {
    let text: string
    try {
      text = io.readFile(args.file)
    } catch (e) {
      io.stderr(`error: ${args.file}: cannot read: ${(e as Error).message}\n`)
      return 2
    }
    const loaded = session.importText({ fileName: args.file, text })
    if (!loaded.ok) {
      io.stderr(`error: ${args.file}: ${loaded.error.message}\n`)
      return 2
    }
  }
  const host = new ClassHost(session, { rendererDir: io.rendererDir })
  const started = await host.start({ host: args.host, port: args.port, maxAttendees: args.max })
  if (!started.ok) {
    io.stderr(`error: ${started.error.message}\n`)
    return 2
  }
  const s = started.value
  io.stdout(`class: ${s.url}\n`)
  io.stdout(`code: ${s.code}\n`)
  io.stdout(`join link (the QR code): ${s.joinUrl}\n`)
  if (args.qr) io.stdout(renderUnicodeCompact(s.joinUrl!, { ecc: 'M', border: 2 }) + '\n')
  const lan = classAddresses().filter((a) => !a.internal)
  if (args.host === '127.0.0.1' && lan.length)
    io.stdout(
      `(this machine only; for the room's network use --host ${lan.map((a) => a.address).join(' or --host ')})\n`,
    )
  io.stdout(`lab: ${session.labFile.name ?? session.fileName} · type 'help' for commands\n`)

  // Joins, leaves and answers as they arrive (the host coalesces them to a few lines a second).
  let last = started.value
  host.onDidChange((now) => {
    const before = new Map(last.attendees.map((a) => [a.id, a]))
    for (const a of now.attendees) {
      const was = before.get(a.id)
      if (!was) io.stdout(`joined: ${a.name} (${now.attendees.length} attendees)\n`)
      else if (was.connected && !a.connected) io.stdout(`left: ${a.name}\n`)
      else if (!was.connected && a.connected) io.stdout(`back: ${a.name}\n`)
    }
    if (now.ask && now.ask.answered !== (last.ask?.key === now.ask.key ? last.ask.answered : 0))
      io.stdout(`answers: ${now.ask.answered} / ${now.connected} (${now.ask.key})\n`)
    last = now
  })

  return new Promise<number>((finish) => {
    let ended = false
    const end = async (why: string): Promise<void> => {
      if (ended) return
      ended = true
      offLines()
      offStop()
      await host.stop()
      io.stdout(`class ended (${why})\n`)
      finish(0)
    }
    const where = (): string => {
      const p = session.stepping.position()
      if (!p) return 'not stepping (start <n>)\n'
      const v = session.stepping.view()
      const cur = v.ok && v.value ? v.value : null
      const step = cur?.current ? ` · ${cur.current.kind} ${cur.current.fn}` : ''
      return `${p.scenario} ${p.scenarioName} · ${p.era} · step ${cur ? cur.cursor - cur.start : p.cursor} / ${cur ? cur.total - cur.start : '?'}${step}\n`
    }
    const moved = (r: { ok: true } | { ok: false; error: { message: string } }): void => {
      io.stdout(r.ok ? where() : `error: ${r.error.message}\n`)
    }
    const STEPS: Record<string, StepRequestKind> = {
      next: 'over',
      n: 'over',
      into: 'into',
      s: 'into',
      out: 'out',
      o: 'out',
      back: 'back',
      b: 'back',
    }
    const command = (line: string): void => {
      const [cmd = '', ...rest] = line.trim().split(/\s+/)
      if (!cmd) return
      if (cmd in STEPS) return moved(session.stepping.step({ kind: STEPS[cmd]! }))
      switch (cmd) {
        case 'help':
          return io.stdout(CLASS_HELP.slice(CLASS_HELP.indexOf('  scenarios')))
        case 'scenarios': {
          const list = session.stepping.list()
          if (list.ok)
            for (const sc of list.value)
              io.stdout(
                `${sc.index}  ${sc.name}${sc.era ? ` (${sc.era})` : ''} · ${sc.exercises.length} exercises\n`,
              )
          return
        }
        case 'start': {
          const index = Number(rest[0])
          const era = rest[1]
          if (!Number.isInteger(index)) return io.stdout('usage: start <scenario number> [era]\n')
          if (era !== undefined && !(ERAS as readonly string[]).includes(era))
            return io.stdout(`error: unknown era ${era} (one of ${ERAS.join(', ')})\n`)
          return moved(session.stepping.start(era ? { index, era: era as Era } : { index }))
        }
        case 'op': {
          const v = session.stepping.view()
          const cur = v.ok ? v.value : null
          if (!cur) return io.stdout('not stepping (start <n>)\n')
          const next = cur.operations.find((o) => o.first > cur.cursor)
          return moved(session.stepping.seek({ cursor: next ? next.first : cur.total }))
        }
        case 'seek': {
          const cursor = Number(rest[0])
          if (!Number.isInteger(cursor) || cursor < 0) return io.stdout('usage: seek <cursor>\n')
          return moved(session.stepping.seek({ cursor }))
        }
        case 'where':
          return io.stdout(where())
        case 'exercises': {
          const list = session.stepping.list()
          if (!list.ok) return
          const all = list.value.flatMap((sc) => sc.exercises.map((e) => ({ sc, e })))
          if (!all.length) return io.stdout('this lab has no exercises\n')
          for (const { sc, e } of all)
            io.stdout(`${sc.index}:${e.index}  [${e.kind}] ${e.question}  (${e.choices.join(' | ')})\n`)
          return
        }
        case 'ask': {
          const arg = rest[0] ?? ''
          const m = /^(\d+):(\d+)$/.exec(arg) ?? /^()(\d+)$/.exec(arg)
          if (!m)
            return io.stdout(
              'usage: ask <scenario>:<exercise>, or ask <exercise> of the scenario being stepped\n',
            )
          const scenario = m[1] ? Number(m[1]) : session.stepping.position()?.scenario
          if (scenario === undefined) return io.stdout('not stepping: say ask <scenario>:<exercise>\n')
          const r = host.ask({ scenario, exercise: Number(m[2]) })
          return io.stdout(r.ok ? histogramText(r.value) : `error: ${r.error.message}\n`)
        }
        case 'close': {
          const r = host.ask(null)
          return io.stdout(r.ok ? 'no exercise open\n' : `error: ${r.error.message}\n`)
        }
        case 'reveal': {
          const r = host.reveal()
          return io.stdout(r.ok ? histogramText(r.value) : `error: ${r.error.message}\n`)
        }
        case 'status': {
          const st = host.status()
          io.stdout(
            `${st.url} code ${st.code} · ${st.attendees.length} attendees, ${st.connected} connected\n`,
          )
          for (const a of st.attendees)
            io.stdout(`  ${a.connected ? '●' : '○'} ${a.name}${a.answered ? ' ✓' : ''}\n`)
          return io.stdout(histogramText(st))
        }
        case 'results': {
          const format = rest[0] === 'json' ? 'json' : 'csv'
          if (rest[0] && rest[0] !== 'csv' && rest[0] !== 'json')
            return io.stdout('usage: results [csv|json] [FILE]\n')
          const r = host.results(format)
          if (!r.ok) return io.stdout(`error: ${r.error.message}\n`)
          const file = rest[1]
          if (!file) return io.stdout(r.value.text)
          try {
            io.writeFile(file, r.value.text)
            return io.stdout(`wrote ${file}\n`)
          } catch (e) {
            return io.stdout(`error: cannot write ${file}: ${(e as Error).message}\n`)
          }
        }
        case 'stop':
        case 'quit':
        case 'exit':
          void end('stop')
          return
        default:
          return io.stdout(`unknown command "${cmd}" (help lists them)\n`)
      }
    }
    const offLines = io.readLines!(
      (line) => {
        try {
          command(line)
        } catch (e) {
          io.stderr(`internal error (a bug in P2P DMA Lab, please report it): ${(e as Error).message}\n`)
        }
      },
      () => {
        if (args.exitOnEof) void end('end of input')
      },
    )
    const offStop = io.onStop!((signal) => void end(signal))
  })
}
