/**
 * The class server: Node http + ws, on the one address the instructor picked. It serves the
 * attendee page (out/renderer/attendee.html and only the files that page loads) and speaks the
 * attendee protocol (shared/class/protocol.ts) on one WebSocket path. Nothing else: no lab
 * channel, no file, import, oracle or save; every frame is validated, and the protocol has no
 * message that reaches the lab.
 *
 * Defences, each refusing before anything changes:
 * - Host must be the address:port the server listens on (DNS rebinding); Origin must be that same
 *   http origin (cross-site WebSocket hijacking); both checked on every request and upgrade.
 * - Frames above CLASS_LIMITS.maxMessageBytes close the socket (1009, by ws's maxPayload); a frame
 *   that is not a protocol message closes it (1008); more than messagesPerSecond (burst
 *   messageBurst) closes it (1008) without handling the excess.
 * - A socket must join within joinTimeoutMs; at most maxSockets sockets at once (attendee cap +
 *   a margin for pages still joining); an address that sends badCodesPerMinute wrong codes is
 *   refused for a minute.
 * - The page gets a strict CSP (no inline script or style, no eval, connect only to this server).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { readFile, realpath } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import {
  CLASS_LIMITS,
  CLASS_WS_PATH,
  CLOSE,
  type ClientMessage,
  type RefusalCode,
  type ServerMessage,
} from '../../../shared/class/protocol'
import { parseClientMessage } from '../../../shared/class/schema'

export const ATTENDEE_PAGE = 'attendee.html'

export interface AttendeeConn {
  readonly id: number
  /** The peer's address (for the wrong-code limiter). */
  readonly remote: string
  /** Set once joined. */
  attendeeId: string | null
  send(msg: ServerMessage): void
  close(code: number, reason: string): void
}

export type JoinOutcome = { ok: true } | { ok: false; code: RefusalCode; reason: string }

/** What the server hands validated messages to (ClassHost). */
export interface ProtocolHandler {
  join(conn: AttendeeConn, msg: Extract<ClientMessage, { t: 'join' }>): JoinOutcome
  answer(conn: AttendeeConn, msg: Extract<ClientMessage, { t: 'answer' }>): void
  closed(conn: AttendeeConn): void
}

export type ClassLimits = { -readonly [K in keyof typeof CLASS_LIMITS]: number }

export interface ClassServerOptions {
  host: string
  /** 0 = any free port. */
  port: number
  /** The built renderer (holds attendee.html and its assets). */
  rendererDir: string
  handler: ProtocolHandler
  /** Sockets at once, joined or joining. */
  maxSockets: number
  limits?: Partial<ClassLimits>
  now?: () => number
}

export interface ClassServer {
  host: string
  port: number
  /** http://HOST:PORT/ */
  url: string
  /** Open sockets (joined or not). */
  socketCount(): number
  /** Send to every joined socket. */
  broadcast(make: (conn: AttendeeConn) => ServerMessage | null): void
  /** Tell every attendee the class ended, close the sockets and stop listening. */
  close(reason?: string): Promise<void>
}

const MIME: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff: 'font/woff',
  woff2: 'font/woff2',
  wasm: 'application/wasm',
}

/** host as it appears in a URL and a Host header: IPv6 in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/** The Content-Security-Policy of the attendee page: connect only to this server's WebSocket. */
export function attendeeCsp(origin: string): string {
  const ws = origin.replace(/^http:/, 'ws:')
  return [
    "default-src 'none'",
    "script-src 'self'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${ws}${CLASS_WS_PATH}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ')
}

/** A quoted (or url()) relative file name with an extension the page loads. */
const FILE_REF =
  /["'`(]((?:\.{1,2}\/)?(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\.(?:m?js|css|svg|png|woff2?|wasm))["'`)]/g

/**
 * The attendee page and every file it loads, found by following file references from
 * attendee.html through its scripts and styles (resolved against the referencing file, as the
 * browser does: "./assets/x.js" in the page, "./base-x.js" or "engine.worker-x.js" in a chunk).
 * Nothing else of the renderer build is served (not the instructor's app).
 */
export async function attendeeFiles(
  rendererDir: string,
): Promise<Map<string, { path: string; body: Buffer }>> {
  const root = await realpath(rendererDir).catch(() => {
    throw new Error(`the attendee page is not built (no ${rendererDir}): run \`npm run build\``)
  })
  const files = new Map<string, { path: string; body: Buffer }>()
  const page = join(root, ATTENDEE_PAGE)
  const html = await readFile(page).catch(() => {
    throw new Error(`the attendee page is not built (no ${page}): run \`npm run build\``)
  })
  files.set('/', { path: page, body: html })
  const queue: { path: string; body: Buffer }[] = [{ path: page, body: html }]
  const seen = new Set([page])
  while (queue.length) {
    const from = queue.shift()!
    for (const m of from.body.toString('utf8').matchAll(FILE_REF)) {
      const full = resolve(dirname(from.path), m[1]!)
      if (seen.has(full) || !full.startsWith(root + sep)) continue
      seen.add(full)
      const body = await readFile(full).catch(() => null)
      if (!body) continue
      const urlPath = '/' + relative(root, full).split(sep).join('/')
      files.set(urlPath, { path: full, body })
      if (/\.(m?js|css)$/.test(full)) queue.push({ path: full, body })
    }
  }
  return files
}

/** A token bucket: `rate` per second sustained, `burst` at once. */
class Bucket {
  private tokens: number
  private last: number
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst
    this.last = now()
  }
  take(): boolean {
    const t = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate)
    this.last = t
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

export async function startClassServer(options: ClassServerOptions): Promise<ClassServer> {
  const limits: ClassLimits = { ...CLASS_LIMITS, ...options.limits }
  const now = options.now ?? Date.now
  const files = await attendeeFiles(options.rendererDir)
  let port = options.port
  const hostPart = urlHost(options.host)
  const loopback = options.host === '127.0.0.1' || options.host === '::1'
  const allowedHosts = (): Set<string> => {
    const s = new Set([`${hostPart}:${port}`])
    if (loopback) s.add(`localhost:${port}`)
    return s
  }
  const origin = (): string => `http://${hostPart}:${port}`
  const allowedOrigins = (): Set<string> => new Set([...allowedHosts()].map((h) => `http://${h}`))

  const headers = (type: string, immutable: boolean): Record<string, string> => ({
    'Content-Type': type,
    'Content-Security-Policy': attendeeCsp(origin()),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': immutable ? 'public, max-age=86400, immutable' : 'no-cache',
  })
  const plain = (res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, {
      ...headers('text/plain; charset=utf-8', false),
      ...extra,
      'Content-Length': Buffer.byteLength(text),
    })
    res.end(text)
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHosts().has(req.headers.host ?? '')) return plain(res, 421, 'Misdirected request\n')
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return plain(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' })
    const path = (req.url ?? '/').split(/[?#]/, 1)[0] ?? '/'
    const file = files.get(path === '/' + ATTENDEE_PAGE ? '/' : path)
    if (!file) return plain(res, 404, 'Not found\n')
    const ext = file.path.split('.').pop() ?? ''
    res.writeHead(200, {
      ...headers(MIME[ext] ?? 'application/octet-stream', path !== '/'),
      'Content-Length': file.body.length,
    })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000

  // ---- sockets ----
  const conns = new Map<WebSocket, AttendeeConn>()
  const badCodes = new Map<string, number[]>()
  let nextConn = 1
  const blocked = (addr: string): boolean => {
    const times = (badCodes.get(addr) ?? []).filter((t) => now() - t < 60_000)
    if (times.length) badCodes.set(addr, times)
    else badCodes.delete(addr)
    return times.length >= limits.badCodesPerMinute
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
  })
  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    socket.destroy()
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?', 1)[0]
    if (path !== CLASS_WS_PATH) return refuse(socket, '404 Not Found')
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(socket, '421 Misdirected Request')
    if (!allowedOrigins().has(req.headers.origin ?? '')) return refuse(socket, '403 Forbidden')
    const remote = req.socket.remoteAddress ?? '?'
    if (blocked(remote)) return refuse(socket, '429 Too Many Requests')
    if (conns.size >= options.maxSockets) return refuse(socket, '503 Service Unavailable')
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, remote))
  })

  const accept = (ws: WebSocket, remote: string): void => {
    const bucket = new Bucket(limits.messagesPerSecond, limits.messageBurst, now)
    let open = true
    const conn: AttendeeConn = {
      id: nextConn++,
      remote,
      attendeeId: null,
      send(msg) {
        if (open && ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg))
      },
      close(code, reason) {
        if (!open) return
        open = false
        ws.close(code, reason)
        // A peer that never answers the close handshake is cut off.
        setTimeout(() => ws.terminate(), 2000).unref()
      },
    }
    conns.set(ws, conn)
    const joinTimer = setTimeout(() => {
      if (conn.attendeeId === null) {
        conn.send({ t: 'refused', code: 'timeout', reason: 'join within 10 seconds' })
        conn.close(CLOSE.policy, 'join timeout')
      }
    }, limits.joinTimeoutMs)
    joinTimer.unref()
    const gone = (): void => {
      clearTimeout(joinTimer)
      if (!conns.delete(ws)) return
      open = false
      if (conn.attendeeId !== null) options.handler.closed(conn)
    }
    ws.on('close', gone)
    ws.on('error', gone)
    ws.on('message', (data, isBinary) => {
      if (!open) return
      if (!bucket.take()) {
        conn.send({ t: 'refused', code: 'rate', reason: 'too many messages' })
        return conn.close(CLOSE.policy, 'too many messages')
      }
      const msg = isBinary ? null : parseClientMessage(data.toString())
      if (!msg) {
        conn.send({ t: 'refused', code: 'malformed', reason: 'not a message of the attendee protocol' })
        return conn.close(CLOSE.policy, 'malformed message')
      }
      if (msg.t === 'join') {
        if (conn.attendeeId !== null) return conn.send({ t: 'error', message: 'already joined' })
        const r = options.handler.join(conn, msg)
        if (r.ok) {
          clearTimeout(joinTimer)
          return
        }
        if (r.code === 'bad-code') badCodes.set(remote, [...(badCodes.get(remote) ?? []), now()])
        conn.send({ t: 'refused', code: r.code, reason: r.reason })
        return conn.close(CLOSE.policy, r.reason)
      }
      if (conn.attendeeId === null) {
        conn.send({ t: 'refused', code: 'not-joined', reason: 'join first' })
        return conn.close(CLOSE.policy, 'join first')
      }
      options.handler.answer(conn, msg)
    })
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port, options.host, () => {
      server.off('error', fail)
      ok()
    })
  })
  port = (server.address() as AddressInfo).port

  return {
    host: options.host,
    port,
    url: `${origin()}/`,
    socketCount: () => conns.size,
    broadcast(make) {
      for (const conn of conns.values()) {
        if (conn.attendeeId === null) continue
        const msg = make(conn)
        if (msg) conn.send(msg)
      }
    },
    async close(reason = 'the instructor ended the class') {
      for (const [ws, conn] of conns) {
        conn.send({ t: 'ended', reason })
        conn.close(CLOSE.ended, 'class ended')
        ws.terminate()
      }
      conns.clear()
      await new Promise<void>((ok) => wss.close(() => ok()))
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
    },
  }
}
