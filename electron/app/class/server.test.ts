/**
 * The class server under attack, over real sockets on 127.0.0.1: every refusal leaves the class,
 * the lab and the other attendees exactly as they were. Plus the attendee protocol itself: join,
 * follow the instructor, answer, reveal, resume with the token, the end of the class, and that the
 * server serves the attendee page and nothing else of the renderer build.
 */
import { request } from 'node:http'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LabSession } from '../session'
import { ClassHost } from './host'
import { attendeeFiles, type ClassLimits } from './server'
import { CLASS_WS_PATH, MASK, type ServerMessage } from '../../../shared/class/protocol'
import type { ClassStatus } from '../../../shared/model/class'
import { serializeLab } from '../../engine/index'

let renderer: string

beforeAll(() => {
  // A stand-in renderer build: the attendee page and its chunks, and the instructor's app beside them.
  renderer = mkdtempSync(join(tmpdir(), 'class-renderer-'))
  mkdirSync(join(renderer, 'assets'))
  writeFileSync(
    join(renderer, 'attendee.html'),
    '<!doctype html><script type="module" src="./assets/attendee-1.js"></script><link rel="stylesheet" href="./assets/attendee-1.css">',
  )
  writeFileSync(
    join(renderer, 'assets/attendee-1.js'),
    'import "./base-1.js"; new Worker(new URL("engine.worker-1.js", import.meta.url))',
  )
  writeFileSync(join(renderer, 'assets/base-1.js'), 'export const x = 1')
  writeFileSync(join(renderer, 'assets/engine.worker-1.js'), 'self.onmessage = () => {}')
  writeFileSync(join(renderer, 'assets/attendee-1.css'), 'body{background:url(./bg.png)}')
  writeFileSync(join(renderer, 'assets/bg.png'), 'png')
  writeFileSync(join(renderer, 'index.html'), '<script type="module" src="./assets/index-1.js"></script>')
  writeFileSync(join(renderer, 'assets/index-1.js'), 'window.lab.invoke["lab.importText"]()')
  writeFileSync(join(renderer, 'secret.txt'), 'not for attendees')
})
afterAll(() => rmSync(renderer, { recursive: true, force: true }))

const LOOPBACK = [{ address: '127.0.0.1', family: 'IPv4' as const, iface: 'lo', internal: true }]

/** The default lab with two exercises on its first scenario (op 2: GUP on the BAR mapping). */
function labWithExercises(session: LabSession): void {
  const lab = structuredClone(session.labFile) as unknown as { scenarios: Record<string, unknown>[] }
  lab.scenarios[0]!['exercises'] = [
    {
      kind: 'errno',
      op: 2,
      question: 'With which errno does GUP refuse?',
      answer: 'EFAULT',
      explanation: 'check_vma_flags() in mm/gup.c refuses VM_IO | VM_PFNMAP.',
    },
    { kind: 'which-op-fails', question: 'Which operation fails first?', answer: '2', explanation: 'GUP.' },
  ]
  const r = session.importText({ fileName: 'class.p2plab', text: JSON.stringify(lab) })
  if (!r.ok) throw new Error(r.error.message)
}

interface Running {
  session: LabSession
  host: ClassHost
  status: ClassStatus
  url: string
  ws: string
  origin: string
}

let running: Running | null = null

async function start(
  opts: { max?: number; limits?: Partial<ClassLimits>; throttleMs?: number } = {},
): Promise<Running> {
  const session = new LabSession()
  labWithExercises(session)
  const host = new ClassHost(session, {
    rendererDir: renderer,
    addresses: () => LOOPBACK,
    throttleMs: opts.throttleMs ?? 0,
    ...(opts.limits ? { limits: opts.limits } : {}),
  })
  const r = await host.start({ host: '127.0.0.1', port: 0, maxAttendees: opts.max })
  if (!r.ok) throw new Error(r.error.message)
  const url = r.value.url!
  running = {
    session,
    host,
    status: r.value,
    url,
    ws: url.replace(/^http/, 'ws').replace(/\/$/, CLASS_WS_PATH),
    origin: url.replace(/\/$/, ''),
  }
  return running
}

afterEach(async () => {
  await running?.host.stop()
  running = null
})

interface Client {
  ws: WebSocket
  got: ServerMessage[]
  /** Resolves with the first message of type t (already received or coming). */
  next<T extends ServerMessage['t']>(t: T, after?: number): Promise<Extract<ServerMessage, { t: T }>>
  closed: Promise<{ code: number; reason: string }>
  /** The HTTP status when the upgrade was refused, else null once open. */
  opened: Promise<number | null>
  send(msg: unknown): void
}

function client(r: Running, options: { origin?: string | null; host?: string; path?: string } = {}): Client {
  const url = options.path ? r.url.replace(/^http/, 'ws').replace(/\/$/, options.path) : r.ws
  const headers: Record<string, string> = {}
  if (options.host) headers['Host'] = options.host
  const ws = new WebSocket(url, {
    ...(options.origin === null ? {} : { origin: options.origin ?? r.origin }),
    headers,
  })
  const got: ServerMessage[] = []
  const waiters: (() => void)[] = []
  ws.on('message', (d) => {
    got.push(JSON.parse(String(d)) as ServerMessage)
    for (const w of waiters.splice(0)) w()
  })
  const closed = new Promise<{ code: number; reason: string }>((ok) =>
    ws.on('close', (code, reason) => ok({ code, reason: String(reason) })),
  )
  const opened = new Promise<number | null>((ok) => {
    ws.on('open', () => ok(null))
    ws.on('unexpected-response', (_req, res) => {
      ok(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.on('error', () => ok(-1))
  })
  return {
    ws,
    got,
    closed,
    opened,
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
    next(t, after = 0) {
      return new Promise((ok, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`no '${t}' message (got ${got.map((m) => m.t)})`)),
          5000,
        )
        const look = (): void => {
          const m = got.slice(after).find((x) => x.t === t)
          if (m) {
            clearTimeout(timer)
            ok(m as never)
          } else waiters.push(look)
        }
        look()
      })
    },
  }
}

async function joined(
  r: Running,
  name: string,
  token?: string,
): Promise<Client & { id: string; token: string }> {
  const c = client(r)
  expect(await c.opened).toBeNull()
  c.send({ t: 'join', code: r.status.code, name, ...(token ? { token } : {}) })
  const w = await c.next('welcome')
  return Object.assign(c, { id: w.id, token: w.token })
}

/** Everything a refusal must leave unchanged: the class (attendees, answers), the lab and its revision. */
function snapshot(r: Running): string {
  const s = r.host.status()
  const results = r.host.results('json')
  const rows = results.ok ? (JSON.parse(results.value.text) as { rows: unknown }).rows : null
  return JSON.stringify({
    attendees: s.attendees,
    ask: s.ask,
    asked: s.asked,
    rows,
    revision: r.session.currentRevision,
    lab: serializeLab(r.session.labFile),
  })
}

function http(
  r: Running,
  path: string,
  options: { method?: string; host?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(r.url)
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: options.method ?? 'GET',
        headers: { Host: options.host ?? u.host },
      },
      (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }))
      },
    )
    req.on('error', fail)
    req.end()
  })
}

const settle = (ms = 50) => new Promise((ok) => setTimeout(ok, ms))

describe('the attendee page over HTTP', () => {
  it('finds the page and only the files it loads (not the instructor app)', async () => {
    const files = await attendeeFiles(renderer)
    expect([...files.keys()].sort()).toEqual([
      '/',
      '/assets/attendee-1.css',
      '/assets/attendee-1.js',
      '/assets/base-1.js',
      '/assets/bg.png',
      '/assets/engine.worker-1.js',
    ])
  })

  it('serves the page with a strict CSP, and 404s everything else of the build', async () => {
    const r = await start()
    const page = await http(r, '/')
    expect(page.status).toBe(200)
    const csp = String(page.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain(`connect-src 'self' ${r.ws}`)
    expect(csp).not.toContain('unsafe')
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect((await http(r, '/assets/engine.worker-1.js')).status).toBe(200)
    for (const path of [
      '/index.html',
      '/assets/index-1.js',
      '/secret.txt',
      '/../package.json',
      '/assets/../secret.txt',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/__bridge__/shim.js',
      '/__bridge__/ws',
    ])
      expect((await http(r, path)).status, path).toBe(404)
    expect((await http(r, '/', { method: 'POST' })).status).toBe(405)
  })

  it('refuses a forged Host (DNS rebinding) on pages and on the socket', async () => {
    const r = await start()
    expect((await http(r, '/', { host: `evil.example:${new URL(r.url).port}` })).status).toBe(421)
    expect((await http(r, '/', { host: 'localhost:1' })).status).toBe(421)
    expect((await http(r, '/', { host: `localhost:${new URL(r.url).port}` })).status).toBe(200)
    const before = snapshot(r)
    const c = client(r, { host: `evil.example:${new URL(r.url).port}` })
    expect(await c.opened).toBe(421)
    expect(snapshot(r)).toBe(before)
  })
})

describe('refusals change nothing', () => {
  it('no code, a wrong code, an empty name: refused and closed, no attendee added', async () => {
    const r = await start()
    const ada = await joined(r, 'Ada')
    const before = snapshot(r)
    for (const join of [
      { t: 'join', name: 'Eve' },
      { t: 'join', code: '', name: 'Eve' },
      { t: 'join', code: r.status.code === 'AAAA' ? 'BBBB' : 'AAAA', name: 'Eve' },
      { t: 'join', code: r.status.code, name: '   ' },
      { t: 'join', code: r.status.code, name: 'Eve', token: 'f'.repeat(31) },
    ]) {
      const c = client(r)
      expect(await c.opened).toBeNull()
      c.send(join)
      const { code } = await c.closed
      expect(code, JSON.stringify(join)).toBe(1008)
      expect(c.got.some((m) => m.t === 'welcome' || m.t === 'lab')).toBe(false)
    }
    expect(snapshot(r)).toBe(before)
    expect(r.host.status().attendees.map((a) => a.name)).toEqual(['Ada'])
    ada.ws.close()
  })

  it('a forged or missing Origin, a wrong path: the upgrade is refused', async () => {
    const r = await start()
    const before = snapshot(r)
    expect(await client(r, { origin: 'http://evil.example' }).opened).toBe(403)
    expect(await client(r, { origin: null }).opened).toBe(403)
    expect(await client(r, { origin: r.origin.replace('127.0.0.1', '127.0.0.2') }).opened).toBe(403)
    expect(await client(r, { path: '/__bridge__/ws' }).opened).toBe(404)
    expect(await client(r, { path: '/class/ws/../ws2' }).opened).toBe(404)
    expect(snapshot(r)).toBe(before)
  })

  it('oversized and malformed messages close the socket; the lab channels are not there', async () => {
    const r = await start()
    r.host.ask({ scenario: 0, exercise: 0 })
    const bob = await joined(r, 'Bob')
    const before = snapshot(r)
    const revision = r.session.currentRevision
    const bad: (string | Buffer)[] = [
      JSON.stringify({ t: 'answer', ask: '0:0', prediction: 'x'.repeat(5000) }), // > 2048 bytes
      'not json',
      '{"t":"answer"}',
      JSON.stringify({ t: 'answer', ask: '0:0', prediction: 'EFAULT', extra: 1 }),
      JSON.stringify({
        t: 'invoke',
        id: 1,
        channel: 'lab:lab.importText',
        payload: [{ fileName: 'x', text: '{}' }],
      }),
      JSON.stringify({ t: 'invoke', id: 1, channel: 'lab:lab.exportText', payload: [] }),
      JSON.stringify({ t: 'invoke', id: 1, channel: 'lab:oracle.start', payload: [] }),
      JSON.stringify({ t: 'lab.loadDefault' }),
      JSON.stringify({ t: 'reveal' }),
      JSON.stringify({ t: 'ask', ask: null }),
      JSON.stringify({ __proto__: { t: 'answer' } }),
      JSON.stringify([{ t: 'answer', ask: '0:0', prediction: 'EFAULT' }]),
      Buffer.from([0xff, 0x00, 0x01]),
    ]
    for (const msg of bad) {
      const c = await joined(r, 'Mallory')
      const n = c.got.length
      c.ws.send(msg)
      const { code } = await c.closed
      expect(code, String(msg).slice(0, 60)).toBe(typeof msg === 'string' && msg.length > 2048 ? 1009 : 1008)
      expect(
        c.got.slice(n).every((m) => m.t === 'refused'),
        String(msg).slice(0, 60),
      ).toBe(true)
    }
    await settle()
    const after = JSON.parse(snapshot(r)) as { attendees: { name: string }[] }
    // The Mallorys joined (with the code) but changed nothing else: no answer, no lab change.
    expect(r.session.currentRevision).toBe(revision)
    expect(r.host.status().ask!.answered).toBe(0)
    expect(after.attendees.filter((a) => a.name.startsWith('Mallory'))).toHaveLength(bad.length)
    const { attendees: _a, ...rest } = JSON.parse(before) as Record<string, unknown>
    const { attendees: _b, rows: _rb, ...restAfter } = after as unknown as Record<string, unknown>
    const { rows: _ra, ...restBefore } = rest
    expect(restAfter).toEqual(restBefore)
    bob.ws.close()
  })

  it('a message flood closes the flooding socket; at most its first answer counts, others are unaffected', async () => {
    const r = await start()
    r.host.ask({ scenario: 0, exercise: 0 })
    const quiet = await joined(r, 'Quiet')
    const flood = await joined(r, 'Flood')
    for (let i = 0; i < 500; i++)
      flood.send({ t: 'answer', ask: '0:0', prediction: i % 2 ? 'EFAULT' : 'EINVAL' })
    const { code, reason } = await flood.closed
    expect(code).toBe(1008)
    expect(reason).toBe('too many messages')
    expect(r.host.status().ask!.answered).toBe(1)
    const before = snapshot(r)
    // The quiet attendee is still connected and can still answer.
    quiet.send({ t: 'answer', ask: '0:0', prediction: 'EFAULT' })
    await expect.poll(() => r.host.status().ask!.answered).toBe(2)
    expect(snapshot(r)).not.toBe(before)
    expect(quiet.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('a flood of joins with wrong codes blocks that address for a minute', async () => {
    const r = await start({ limits: { badCodesPerMinute: 5 } })
    const before = snapshot(r)
    for (let i = 0; i < 5; i++) {
      const c = client(r)
      expect(await c.opened).toBeNull()
      c.send({ t: 'join', code: 'ZZZZ' === r.status.code ? 'YYYY' : 'ZZZZ', name: `guess${i}` })
      await c.closed
    }
    expect(await client(r).opened).toBe(429)
    expect(snapshot(r)).toBe(before)
  })

  it('refuses the 301st attendee (and still lets a known one resume)', async () => {
    const r = await start()
    const clients: (Client & { id: string; token: string })[] = []
    for (let i = 0; i < 300; i += 50)
      clients.push(...(await Promise.all(Array.from({ length: 50 }, (_, j) => joined(r, `A${i + j}`)))))
    expect(r.host.status().attendees).toHaveLength(300)
    const before = snapshot(r)
    const extra = client(r)
    expect(await extra.opened).toBeNull()
    extra.send({ t: 'join', code: r.status.code, name: 'Number 301' })
    const refused = await extra.next('refused')
    expect(refused.code).toBe('full')
    expect((await extra.closed).code).toBe(1008)
    expect(snapshot(r)).toBe(before)
    // A resume is not a new seat.
    const first = clients[0]!
    first.ws.close()
    await first.closed
    const back = await joined(r, 'ignored', first.token)
    expect(back.got.find((m) => m.t === 'welcome')).toMatchObject({ name: 'A0', resumed: true })
    expect(r.host.status().attendees).toHaveLength(300)
    for (const c of clients) c.ws.terminate()
    back.ws.terminate()
  }, 60_000)

  it('a socket that never joins is closed after the join timeout', async () => {
    const r = await start({ limits: { joinTimeoutMs: 200 } })
    const c = client(r)
    expect(await c.opened).toBeNull()
    const { code } = await c.closed
    expect(code).toBe(1008)
    expect(c.got[0]).toMatchObject({ t: 'refused', code: 'timeout' })
    expect(r.host.status().attendees).toEqual([])
  })

  it('answers before joining are refused', async () => {
    const r = await start()
    r.host.ask({ scenario: 0, exercise: 0 })
    const c = client(r)
    expect(await c.opened).toBeNull()
    c.send({ t: 'answer', ask: '0:0', prediction: 'EFAULT' })
    expect((await c.closed).code).toBe(1008)
    expect(r.host.status().ask!.answered).toBe(0)
  })
})

describe('the attendee protocol', () => {
  it('sends the lab without answers, follows the instructor, counts answers, reveals to everyone', async () => {
    const r = await start()
    const ada = await joined(r, 'Ada')
    const lab = await ada.next('lab')
    // Neither exercises nor expected outcomes leave the instructor's machine.
    expect(lab.text).not.toContain('check_vma_flags() in mm/gup.c')
    expect(lab.text).not.toMatch(/"exercises"|"expect"/)
    expect(lab.revision).toBe(r.session.currentRevision)
    // The narration comes apart, with the unrevealed answer masked (it says "-EFAULT" in the lab).
    expect(JSON.stringify(r.session.labFile.scenarios![0])).toContain('-EFAULT')
    const notes = await ada.next('notes')
    expect(lab.text).not.toContain('"narration"')
    expect(JSON.stringify(notes.scenarios[0])).not.toContain('EFAULT')
    expect(JSON.stringify(notes.scenarios[0])).toContain(`-${MASK}`)
    expect(notes.scenarios[1]!.narration).toBe(
      (r.session.labFile.scenarios![1] as { narration?: string }).narration ?? null,
    )
    expect((await ada.next('follow')).position).toBeNull()
    expect((await ada.next('ask')).ask).toBeNull()

    // The instructor steps: everyone gets the position.
    let n = ada.got.length
    r.session.stepping.start({ index: 0 })
    r.session.stepping.step({ kind: 'over' })
    await expect.poll(() => ada.got.slice(n).filter((m) => m.t === 'follow').length).toBe(2)
    const pos = (ada.got.filter((m) => m.t === 'follow').at(-1) as Extract<ServerMessage, { t: 'follow' }>)
      .position!
    expect(pos).toMatchObject({ scenario: 0, era: 'v5.0', revision: r.session.currentRevision })
    expect(pos.cursor).toBe(r.session.stepping.position()!.cursor)

    // Ask: the question and choices, the question point, no answer.
    n = ada.got.length
    const asked = r.host.ask({ scenario: 0, exercise: 0 })
    expect(asked.ok).toBe(true)
    const ask = (await ada.next('ask', n)).ask!
    expect(ask).toMatchObject({ key: '0:0', cap: { op: 1, cursor: null }, mine: null, reveal: null })
    expect(ask.exercise.choices).toContain('EFAULT')
    expect(JSON.stringify(ask)).not.toContain('mm/gup.c')

    const bob = await joined(r, 'Bob')
    expect((await bob.next('ask')).ask?.key).toBe('0:0')
    const cy = await joined(r, 'Cy')
    n = ada.got.length
    ada.send({ t: 'answer', ask: '0:0', prediction: 'EFAULT' })
    bob.send({ t: 'answer', ask: '0:0', prediction: 'EINVAL' })
    expect((await ada.next('ask', n)).ask!.mine!.prediction).toBe('EFAULT')
    await expect.poll(() => r.host.status().ask!.answered).toBe(2)
    const s = r.host.status()
    expect(s.ask!.histogram.filter((b) => b.count > 0).map((b) => [b.choice, b.count])).toEqual([
      ['EFAULT', 1],
      ['EINVAL', 1],
    ])
    expect(s.attendees.map((a) => [a.name, a.answered])).toEqual([
      ['Ada', true],
      ['Bob', true],
      ['Cy', false],
    ])

    // A second answer is refused with a message; nothing changes.
    n = ada.got.length
    ada.send({ t: 'answer', ask: '0:0', prediction: 'EINVAL' })
    expect((await ada.next('error', n)).message).toBe('you already locked in an answer')

    // Reveal: everyone, with their own correctness.
    const counts = [ada, bob, cy].map((c) => c.got.length)
    r.host.reveal()
    const reveals = await Promise.all([ada, bob, cy].map((c, i) => c.next('ask', counts[i])))
    expect(reveals.map((m) => m.ask!.reveal!.correct)).toEqual([true, false, null])
    expect(reveals[0]!.ask!.reveal!.answer).toBe('EFAULT')
    // Revealed: the narration's words come back.
    const unmasked = await ada.next('notes', counts[0])
    expect(JSON.stringify(unmasked.scenarios[0])).toContain('-EFAULT')

    // Results: per attendee and exercise.
    const csv = r.host.results('csv')
    expect(csv.ok && csv.value.text.split('\r\n').filter(Boolean)).toHaveLength(4)
  })

  it('a reconnecting attendee keeps name and answers (resume token)', async () => {
    const r = await start()
    r.host.ask({ scenario: 0, exercise: 1 })
    const ada = await joined(r, 'Ada')
    // The second operation as the era names it (its choice text comes with the question).
    const second = (await ada.next('ask')).ask!.exercise.choices.find((c) => c.startsWith('2 '))!
    ada.send({ t: 'answer', ask: '0:1', prediction: second })
    await expect.poll(() => r.host.status().ask!.answered).toBe(1)
    ada.ws.terminate()
    await expect.poll(() => r.host.status().connected).toBe(0)
    expect(r.host.status().attendees).toEqual([{ id: ada.id, name: 'Ada', connected: false, answered: true }])
    const again = await joined(r, 'Someone', ada.token)
    expect(again.got[0]).toMatchObject({ t: 'welcome', id: ada.id, name: 'Ada', resumed: true })
    expect((await again.next('ask')).ask!.mine!.prediction).toBe(second)
    expect(r.host.status().connected).toBe(1)
  })

  it('ending the class tells everyone and closes the port; the results stay', async () => {
    const r = await start()
    const ada = await joined(r, 'Ada')
    await r.host.stop()
    expect((await ada.next('ended')).reason).toContain('ended')
    expect((await ada.closed).code).toBe(4000)
    expect(await client(r).opened).toBe(-1)
    expect(r.host.status()).toMatchObject({ running: false, url: null, code: null })
    expect(r.host.results('json').ok).toBe(true)
    expect(r.host.ask({ scenario: 0, exercise: 0 }).ok).toBe(false)
  })

  it('refuses an address that is not this machine and a port in use', async () => {
    const r = await start()
    const other = new ClassHost(r.session, { rendererDir: renderer, addresses: () => LOOPBACK })
    const foreign = await other.start({ host: '10.1.2.3', port: 0 })
    expect(!foreign.ok && foreign.error.message).toContain('not an address of this machine')
    const busy = await other.start({ host: '127.0.0.1', port: r.status.port! })
    expect(!busy.ok && busy.error.message).toContain('is in use')
    expect(other.status().running).toBe(false)
    const twice = await r.host.start({ host: '127.0.0.1', port: 0 })
    expect(!twice.ok && twice.error.message).toContain('already running')
  })
})
