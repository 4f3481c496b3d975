/**
 * The browser harness: serves the production renderer build (out/renderer) over http on 127.0.0.1
 * and hosts a LabSession behind the SAME handler table as main (electron/app/ipc/handlers.ts), over
 * one WebSocket. `window.lab` comes from a shim injected into index.html, built from the preload's
 * own createLabApi(). End-to-end tests drive the real renderer against the real engine this way,
 * because the Electron binary cannot be downloaded on the build machines (docs/design.md#the-browser-harness).
 *
 * Security, as for the app: the CSP header on every response, WebSocket upgrades only from the
 * server's own origin, a Host check (DNS rebinding), no path outside out/renderer. And, because
 * any local process can send the right Origin itself:
 *  - an access token: a random secret in the URL the harness prints (?token=…); the first request
 *    that carries it gets it back as an HttpOnly, SameSite=Strict cookie, and every request and the
 *    WebSocket upgrade must carry one or the other (compared in constant time);
 *  - at most `maxConnections` sockets at once;
 *  - incoming messages of at most `maxMessageBytes` (the largest lab file the app opens);
 *  - back-pressure: a socket that does not read is closed once `maxBufferedBytes` wait for it,
 *    instead of buffering without bound;
 *  - the real-kernel oracle (QEMU, apt-get) only when started with --oracle.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, realpath, stat } from 'node:fs/promises'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type WebSocket } from 'ws'
import { PREFIX } from '../../shared/ipc/contract'
import { LabSession } from '../../electron/app/session'
import { SOURCE_WORKER, WorkerSummaryHost } from '../../electron/app/matrix/worker-host'
import { createHandlers, dispatch, type Emit } from '../../electron/app/ipc/handlers'
import { thisMachineService } from '../../electron/app/sysfs/read'
import { CONTENT_SECURITY_POLICY } from '../../electron/app/csp'
import { OracleService } from '../../electron/app/oracle/service'
import { LIMITS } from '../../shared/model/lab-schema'
import { ClassHost } from '../../electron/app/class/host'
import { BRIDGE_SHIM_PATH, BRIDGE_WS_PATH, parseClientMsg, type ServerMsg } from './protocol'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../..')

export interface BridgeOptions {
  /** 0 = any free port. */
  port: number
  /** Interface to bind; 127.0.0.1 unless told otherwise. */
  host?: string
  /** The built renderer; default <repo>/out/renderer. */
  rendererDir?: string
  /**
   * Offer "Verify with a real kernel" (`npm run serve -- --oracle`). Off by default: a run boots
   * QEMU and may call apt-get, and any local process that reaches the harness could start one.
   */
  oracle?: boolean
  /** The access token (default: 24 random bytes). */
  token?: string
  /** Sockets at once (default MAX_CONNECTIONS). */
  maxConnections?: number
  /** Largest incoming message (default MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number
  /** Bytes waiting for one socket before it is closed as a slow reader (default MAX_BUFFERED_BYTES). */
  maxBufferedBytes?: number
}

/**
 * Enough for the app, the presenter and a few more tabs; a 9th socket is refused (503).
 */
export const MAX_CONNECTIONS = 8
/**
 * The harness opens what the app opens: lab files up to LIMITS.maxFileBytes (16 MiB). Sent as a
 * JSON string in lab.importText, a file grows by its escapes: at most ×1.15 over every fixture
 * (measured: the pretty-printed lab files; real machine dumps ×1.03–1.10; the largest real one,
 * a 335 KB hwloc XML, is a 0.36 MB message). 16 MiB × 1.15 + the envelope < 20 MiB.
 */
export const MAX_MESSAGE_BYTES = LIMITS.maxFileBytes + LIMITS.maxFileBytes / 4 // 20 MiB
/** Room for a few of the largest replies (a lab view is at most a few MB) before a reader counts as stuck. */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024

export interface Bridge {
  /** The address to open: it carries the access token. */
  url: string
  /** The server's origin (no token). */
  origin: string
  /** The access token (Node clients send it as ?token= on the WebSocket URL). */
  token: string
  port: number
  /** The session the harness hosts (tests may inspect it). */
  session: LabSession
  /** Open WebSocket connections. */
  connections(): number
  /** The class session host (class.* channels; the attendee page from the same renderer build). */
  classHost: ClassHost
  close(): Promise<void>
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
}

/**
 * Vite's content-hashed output names (`assets/index-SOaVAZe3.js`): a new build gives new names, so
 * these may be kept for a year without asking again.
 */
const HASHED_ASSET = /^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/

/**
 * How long a browser may keep a response: the HTML never (it names the current build's assets),
 * hashed assets for a year, anything else only after asking again (no-cache).
 */
export function cacheControlFor(urlPath: string, type: string): string {
  if (type.startsWith('text/html')) return 'no-store'
  if (HASHED_ASSET.test(urlPath)) return 'public, max-age=31536000, immutable'
  return 'no-cache'
}

/** Bundle tools/bridge/shim.ts (and the createLabApi it imports) into one IIFE, in memory. */
export async function bundleShim(): Promise<string> {
  const { build } = await import('vite')
  const out = await build({
    configFile: false,
    root: repoRoot,
    logLevel: 'silent',
    publicDir: false,
    envFile: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      lib: {
        entry: join(here, 'shim.ts'),
        formats: ['iife'],
        name: 'labBridgeShim',
        fileName: () => 'shim.js',
      },
    },
  })
  const outputs = Array.isArray(out) ? out : [out]
  for (const o of outputs) {
    if (!('output' in o)) continue
    for (const chunk of o.output) if (chunk.type === 'chunk' && chunk.isEntry) return chunk.code
  }
  throw new Error('bridge: bundling the shim produced no entry chunk')
}

/** Insert the shim as the first element of <head>, so it runs before any app script. */
export function injectShim(html: string): string {
  const tag = `<script src="${BRIDGE_SHIM_PATH}"></script>`
  const m = /<head(\s[^>]*)?>/i.exec(html)
  if (!m) throw new Error('bridge: index.html has no <head>')
  const at = m.index + m[0].length
  return html.slice(0, at) + tag + html.slice(at)
}

/** Resolve a URL path inside `root`; null when it escapes root or is malformed. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const full = resolve(root, '.' + (decoded.startsWith('/') ? decoded : '/' + decoded))
  return full === root || full.startsWith(root + sep) ? full : null
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1'
  const rendererDir = await realpath(resolve(options.rendererDir ?? join(repoRoot, 'out/renderer'))).catch(
    () => {
      throw new Error(
        `bridge: no renderer build at ${options.rendererDir ?? join(repoRoot, 'out/renderer')} (run electron-vite build)`,
      )
    },
  )
  const indexHtml = injectShim(await readFile(join(rendererDir, 'index.html'), 'utf8'))
  const shimJs = await bundleShim()
  const version = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version?: string })
    .version

  // the same worker thread as Electron main, run from the TypeScript source (tsx)
  const session = new LabSession({
    version: version ?? '0.0.0',
    summaryHost: new WorkerSummaryHost(SOURCE_WORKER),
  })
  const sockets = new Set<WebSocket>()
  const maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES
  /** Send, unless the peer has stopped reading: then it is closed, not buffered for without bound. */
  const deliver = (ws: WebSocket, text: string): void => {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount + Buffer.byteLength(text) > maxBuffered) {
      console.warn(`bridge: closing a socket that stopped reading (${ws.bufferedAmount} bytes waiting)`)
      sockets.delete(ws)
      ws.terminate()
      return
    }
    ws.send(text)
  }
  const emit: Emit = (channel, payload, to) => {
    const text = JSON.stringify({ t: 'event', channel: PREFIX + channel, payload } satisfies ServerMsg)
    // the requester has the same data in its reply (one trip per change)
    for (const ws of [...sockets]) if (ws !== to?.except) deliver(ws, text)
  }
  // the same "Verify with a real kernel" service as Electron main (a child process per run)
  const oracle = new OracleService({
    repoRoot,
    enabled: options.oracle === true,
    disabledReason:
      'the browser harness runs the real-kernel check only when started with npm run serve -- --oracle',
  })
  const thisMachine = thisMachineService()
  // the same class session host as Electron main; its server listens on its own address and port
  const classHost = new ClassHost(session, { rendererDir })
  const handlers = createHandlers(session, emit, 'browser-harness', {
    oracle,
    class: classHost,
    ...(thisMachine ? { thisMachine } : {}),
  })

  const token = options.token ?? randomBytes(24).toString('base64url')
  const tokenBytes = Buffer.from(token)
  const matches = (candidate: string | undefined | null): boolean => {
    if (!candidate) return false
    const c = Buffer.from(candidate)
    return c.length === tokenBytes.length && timingSafeEqual(c, tokenBytes)
  }
  let port = 0
  /** One cookie per harness (cookies are per host, not per port). */
  const cookieName = (): string => `p2plab_harness_${port}`
  const cookieToken = (req: IncomingMessage): string | null => {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=')
      if (eq > 0 && part.slice(0, eq).trim() === cookieName()) return part.slice(eq + 1).trim()
    }
    return null
  }
  const queryToken = (req: IncomingMessage): string | null => {
    try {
      return new URL(req.url ?? '/', 'http://x').searchParams.get('token')
    } catch {
      return null
    }
  }
  /** 'query': the token came in the URL (answer with the cookie); 'cookie'; null: refused. */
  const authorized = (req: IncomingMessage): 'query' | 'cookie' | null =>
    matches(queryToken(req)) ? 'query' : matches(cookieToken(req)) ? 'cookie' : null
  const allowedHosts = (): Set<string> =>
    new Set([`${host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
  const ownOrigins = (): Set<string> => new Set([...allowedHosts()].map((h) => `http://${h}`))

  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    head = false,
    extra: Record<string, string> = {},
  ): void => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Cache-Control': status === 200 ? 'no-cache' : 'no-store',
      ...extra,
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
    })
    res.end(head ? undefined : body)
  }
  const notFound = (res: ServerResponse): void => send(res, 404, 'text/plain; charset=utf-8', 'Not found\n')

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowedHosts().has(req.headers.host ?? ''))
      return send(res, 421, 'text/plain; charset=utf-8', 'Misdirected request\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n')
    }
    const head = req.method === 'HEAD'
    const auth = authorized(req)
    if (!auth)
      return send(
        res,
        403,
        'text/plain; charset=utf-8',
        'Forbidden: open the address `npm run serve` printed; it carries the access token.\n',
        head,
      )
    // The token in the URL becomes a cookie for this harness: the page's own requests, its reload,
    // the presenter tab and the WebSocket carry it from then on.
    const cookie: Record<string, string> =
      auth === 'query' ? { 'Set-Cookie': `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict` } : {}
    const rawPath = (req.url ?? '/').split(/[?#]/, 1)[0] ?? '/'
    if (rawPath === BRIDGE_SHIM_PATH) return send(res, 200, MIME['.js']!, shimJs, head, cookie)
    if (rawPath === '/' || rawPath === '/index.html')
      return send(res, 200, MIME['.html']!, indexHtml, head, { ...cookie, 'Cache-Control': 'no-store' })
    const file = resolveInside(rendererDir, rawPath)
    if (!file) return notFound(res)
    try {
      const real = await realpath(file)
      if (!(real === rendererDir || real.startsWith(rendererDir + sep))) return notFound(res)
      const st = await stat(real)
      if (!st.isFile()) return notFound(res)
      const body = await readFile(real)
      const type = MIME[extname(real).toLowerCase()] ?? 'application/octet-stream'
      return send(res, 200, type, body, head, { ...cookie, 'Cache-Control': cacheControlFor(rawPath, type) })
    } catch {
      return notFound(res)
    }
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      console.error('bridge: request failed', err)
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error\n')
      else res.destroy()
    })
  })

  const maxConnections = options.maxConnections ?? MAX_CONNECTIONS
  let upgrading = 0
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
  })
  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    socket.destroy()
  }
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?', 1)[0]
    if (path !== BRIDGE_WS_PATH) return refuse(socket, '404 Not Found')
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(socket, '421 Misdirected Request')
    // Only the page this server served may talk to the engine (no cross-site WebSocket hijacking),
    // and only with the token (any local process can forge an Origin header).
    if (!ownOrigins().has(req.headers.origin ?? '')) return refuse(socket, '403 Forbidden')
    if (!authorized(req)) return refuse(socket, '403 Forbidden')
    if (sockets.size + upgrading >= maxConnections) return refuse(socket, '503 Service Unavailable')
    // Counted from here until the socket is open or gone (a failed handshake never calls back).
    upgrading++
    let pending = true
    const settle = (): void => {
      if (pending) upgrading--
      pending = false
    }
    socket.once('close', settle)
    wss.handleUpgrade(req, socket, head, (ws) => {
      settle()
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      ws.on('error', () => sockets.delete(ws))
      ws.on('message', async (data, isBinary) => {
        if (isBinary) return ws.close(1003, 'text frames only')
        const msg = parseClientMsg(data.toString())
        if (!msg) return ws.close(1008, 'malformed message')
        let reply: ServerMsg
        try {
          const channel = msg.channel.startsWith(PREFIX)
            ? msg.channel.slice(PREFIX.length)
            : `(${msg.channel})`
          const value = await dispatch(handlers, channel, msg.payload, ws)
          reply = { t: 'result', id: msg.id, ok: true, value }
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err))
          reply = { t: 'result', id: msg.id, ok: false, error: { name: e.name, message: e.message } }
        }
        deliver(ws, JSON.stringify(reply))
      })
    })
  })

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port, host, () => {
      server.off('error', fail)
      ok()
    })
  })
  port = (server.address() as AddressInfo).port
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    session,
    connections: () => sockets.size,
    classHost,
    close: async () => {
      oracle.cancel()
      await classHost.stop()
      for (const ws of sockets) ws.terminate()
      sockets.clear()
      await new Promise<void>((ok) => wss.close(() => ok()))
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
    },
  }
}
