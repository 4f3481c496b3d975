/**
 * `lab class` in-process: the same class server the app starts, driven by lines on "stdin" and
 * ended by a signal. It prints the join URL and the code, an attendee can join with that code over
 * a real socket on 127.0.0.1, the instructor's commands step, ask, reveal and export, and SIGINT or
 * SIGTERM (or `stop`) end the class, tell the attendee and free the port.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { runCli } from './lab'
import type { CliIo } from './io'
import { CLASS_WS_PATH } from '../../../shared/class/protocol'
import { defaultLab, serializeLab } from '../../engine/index'

let dir = ''
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-class-'))
  // A stand-in renderer build: the class server serves attendee.html and what it loads.
  writeFileSync(join(dir, 'attendee.html'), '<!doctype html><title>attendee</title>')
  writeFileSync(join(dir, 'one.p2plab'), serializeLab(defaultLab()))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Driven {
  io: CliIo
  out: () => string
  err: () => string
  /** Type a line on the class's standard input. */
  type(line: string): void
  /** Close standard input. */
  eof(): void
  signal(name: string): void
  /** Resolves once stdout holds a match for `re`. */
  waitFor(re: RegExp): Promise<RegExpExecArray>
  unsubscribed: () => boolean
}

function driven(rendererDir = dir): Driven {
  let out = ''
  let err = ''
  let onLine: ((t: string) => void) | null = null
  let onEnd: (() => void) | null = null
  let onSignal: ((s: string) => void) | null = null
  let offs = 0
  const waiters: (() => void)[] = []
  const io: CliIo = {
    version: 'test',
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: (p, t) => writeFileSync(p, t),
    stdout: (t) => {
      out += t
      for (const w of waiters.splice(0)) w()
    },
    stderr: (t) => (err += t),
    rendererDir,
    readLines(line, end) {
      onLine = line
      onEnd = end
      return () => offs++
    },
    onStop(stop) {
      onSignal = stop
      return () => offs++
    },
  }
  return {
    io,
    out: () => out,
    err: () => err,
    type: (l) => onLine!(l),
    eof: () => onEnd!(),
    signal: (s) => onSignal!(s),
    unsubscribed: () => offs === 2,
    waitFor(re) {
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no ${re} in:\n${out}`)), 10_000)
        const look = (): void => {
          const m = re.exec(out)
          if (m) {
            clearTimeout(timer)
            ok(m)
          } else waiters.push(look)
        }
        look()
      })
    },
  }
}

function attendee(url: string, code: string, name: string) {
  const ws = new WebSocket(url.replace(/^http/, 'ws').replace(/\/$/, CLASS_WS_PATH), {
    origin: url.replace(/\/$/, ''),
  })
  const got: { t: string }[] = []
  ws.on('message', (d) => got.push(JSON.parse(String(d)) as { t: string }))
  const closed = new Promise<void>((ok) => ws.on('close', () => ok()))
  const welcomed = new Promise<void>((ok, fail) => {
    ws.on('open', () => ws.send(JSON.stringify({ t: 'join', code, name })))
    ws.on('error', fail)
    const t = setInterval(() => {
      if (got.some((m) => m.t === 'welcome')) {
        clearInterval(t)
        ok()
      }
    }, 10)
  })
  return { ws, got, closed, welcomed }
}

describe('lab class', () => {
  it('prints the join URL and the code, takes commands on stdin, and SIGTERM ends it', async () => {
    const d = driven()
    const done = runCli(
      ['class', join(dir, 'one.p2plab'), '--host', '127.0.0.1', '--port', '0', '--no-qr'],
      d.io,
    )
    const [, url] = await d.waitFor(/^class: (http:\/\/127\.0\.0\.1:\d+\/)$/m)
    const [, code] = await d.waitFor(/^code: ([A-Z0-9]{4})$/m)
    expect(d.out()).toContain(`join link (the QR code): ${url}#code=${code}`)

    const a = attendee(url!, code!, 'Ada')
    await a.welcomed
    await d.waitFor(/^joined: Ada \(1 attendees\)$/m)

    d.type('scenarios')
    await d.waitFor(/^0 {2}\S.*exercises$/m)
    d.type('start 0')
    await d.waitFor(/step \d+ \/ \d+/)
    d.type('exercises')
    const [, key] = await d.waitFor(/^(\d+:\d+) {2}\[/m)
    d.type(`ask ${key}`)
    await d.waitFor(/^answered 0 \/ 1 connected$/m)
    d.type('reveal')
    await d.waitFor(/revealed: /)
    d.type('results json')
    await d.waitFor(/"rows"/)
    d.type('frobnicate')
    await d.waitFor(/unknown command "frobnicate"/)

    d.signal('SIGTERM')
    expect(await done).toBe(0)
    expect(d.out()).toMatch(/class ended \(SIGTERM\)\n$/)
    expect(d.unsubscribed()).toBe(true)
    await a.closed
    expect(a.got.map((m) => m.t)).toContain('ended')
    // The port is free again: nothing listens there any more.
    const refused = await fetch(url!).then(
      () => false,
      () => true,
    )
    expect(refused).toBe(true)
    expect(d.err()).toBe('')
  })

  it('SIGINT and `stop` end it too; end of input only with --exit-on-eof', async () => {
    const a = driven()
    const runA = runCli(['class', '--port', '0', '--no-qr'], a.io)
    await a.waitFor(/^code: /m)
    a.eof() // stdin closed (a service manager's /dev/null): the class keeps running
    a.type('where')
    await a.waitFor(/not stepping/)
    a.signal('SIGINT')
    expect(await runA).toBe(0)
    expect(a.out()).toContain('class ended (SIGINT)')

    const b = driven()
    const runB = runCli(['class', '--port=0', '--no-qr', '--exit-on-eof'], b.io)
    await b.waitFor(/^code: /m)
    b.eof()
    expect(await runB).toBe(0)
    expect(b.out()).toContain('class ended (end of input)')

    const c = driven()
    const runC = runCli(['class', '--port', '0'], c.io)
    await c.waitFor(/^code: /m)
    c.type('stop')
    expect(await runC).toBe(0)
    expect(c.out()).toContain('class ended (stop)')
  })

  it('bad usage, an unreadable lab or a missing attendee page: exit 2 with a message, nothing served', async () => {
    for (const [args, message] of [
      [['class', '--port', 'x'], /--port needs a whole number/],
      [['class', '--max', '0'], /--max needs a whole number from 1/],
      [['class', '--bogus'], /unknown option --bogus/],
      [['class', join(dir, 'missing.p2plab'), '--port', '0'], /missing\.p2plab: cannot read/],
      [['class', '--host', '203.0.113.9', '--port', '0'], /203\.0\.113\.9/],
    ] as const) {
      const d = driven()
      expect(await runCli([...args], d.io), args.join(' ')).toBe(2)
      expect(d.err()).toMatch(message)
      expect(d.out()).not.toMatch(/^code:/m)
    }
    const d = driven(join(dir, 'no-renderer'))
    expect(await runCli(['class', '--port', '0'], d.io)).toBe(2)
    expect(d.err()).toMatch(/attendee page is not built/)
  })

  it('--help prints the class commands', async () => {
    const d = driven()
    expect(await runCli(['class', '--help'], d.io)).toBe(0)
    expect(d.out()).toMatch(/^lab class \[<lab>\] \[--host ADDR\] \[--port N\]/)
    expect(d.out()).toContain('reveal')
    const top = driven()
    expect(await runCli(['--help'], top.io)).toBe(0)
    expect(top.out()).toContain('class [<lab>] --host ADDR --port N')
  })
})
