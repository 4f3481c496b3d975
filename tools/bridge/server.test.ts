/**
 * The browser harness (tools/bridge/server.ts): static serving with the shim injected and the CSP
 * header, no path outside the renderer directory, the access token on every request and on the
 * WebSocket, WebSocket only from its own origin, a connection cap, a message-size cap, slow readers
 * closed instead of buffered for, and invoke round trips through the real shim + createLabApi +
 * shared handlers + real engine.
 */
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect as tcpConnect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import type { LabApi, LabView } from '../../shared/ipc/contract'
import { CONTENT_SECURITY_POLICY } from '../../electron/app/csp'
import {
  cacheControlFor,
  injectShim,
  resolveInside,
  startBridge,
  type Bridge,
  type BridgeOptions,
} from './server'

let dir: string
let bridge: Bridge
let origin: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-bridge-'))
  const renderer = join(dir, 'renderer')
  mkdirSync(join(renderer, 'assets'), { recursive: true })
  writeFileSync(
    join(renderer, 'index.html'),
    '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n    <script type="module" crossorigin src="./assets/app.js"></script>\n  </head>\n  <body><div id="app"></div></body>\n</html>\n',
  )
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log("app")\n')
  writeFileSync(join(renderer, 'assets', 'index-SOaVAZe3.js'), 'console.log("hashed")\n')
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET\n')
  symlinkSync(join(dir, 'secret.txt'), join(renderer, 'assets', 'link.txt'))
  bridge = await startBridge({ port: 0, rendererDir: renderer })
  origin = bridge.origin
})

/** `path` on the harness with the access token. */
const withToken = (path: string, b: Bridge = bridge): string => `${b.origin}${path}?token=${b.token}`

afterAll(async () => {
  await bridge?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A raw GET (with the token unless told otherwise): fetch() would normalise '..' away before the server ever saw it. */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
  token: string | null = bridge.token,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const full = token === null ? path : `${path}?token=${token}`
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: bridge.port, path: full, method: 'GET', headers },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

function connect(
  options: {
    origin?: string
    token?: string | null
    cookie?: string
    bridge?: Bridge
    maxPayload?: number
  } = {
    origin: '',
  },
): Promise<WebSocket> {
  const b = options.bridge ?? bridge
  const token = options.token === undefined ? b.token : options.token
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${b.port}/__bridge__/ws${token === null ? '' : `?token=${token}`}`,
      {
        ...(options.origin ? { origin: options.origin } : {}),
        ...(options.cookie ? { headers: { cookie: options.cookie } } : {}),
      },
    )
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

describe('browser harness', () => {
  it('caches by name: the HTML never, hashed assets for a year, the rest after revalidating', async () => {
    const get = async (path: string) => (await fetch(withToken(path))).headers.get('cache-control')
    expect(await get('/')).toBe('no-store')
    expect(await get('/index.html')).toBe('no-store')
    expect(await get('/assets/index-SOaVAZe3.js')).toBe('public, max-age=31536000, immutable')
    expect(await get('/assets/app.js')).toBe('no-cache')
    expect(await get('/__bridge__/shim.js')).toBe('no-cache')
    expect(await get('/assets/missing-SOaVAZe3.js')).toBe('no-store')
    expect(cacheControlFor('/assets/index-Cw2jQrN0.css', 'text/css')).toMatch(/immutable/)
    expect(cacheControlFor('/assets/deep/index-Cw2jQrN0.css', 'text/css')).toBe('no-cache')
  })

  it('prints a 127.0.0.1 URL on an ephemeral port, with a random access token', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/?token=${bridge.token}`)
    expect(bridge.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(bridge.port).toBeGreaterThan(0)
  })

  it('serves index.html with the shim injected first in <head> and the CSP header', async () => {
    const res = await fetch(bridge.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await res.text()
    expect(html).toContain('<head><script src="/__bridge__/shim.js"></script>\n    <meta charset="UTF-8" />')
    expect(html.indexOf('/__bridge__/shim.js')).toBeLessThan(html.indexOf('./assets/app.js'))
    const asset = await fetch(withToken('/assets/app.js'))
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toMatch(/javascript/)
    expect(asset.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
  })

  it('injects the shim right after <head>, whatever its attributes', () => {
    expect(injectShim('<html><HEAD lang="en"><title>t</title>')).toBe(
      '<html><HEAD lang="en"><script src="/__bridge__/shim.js"></script><title>t</title>',
    )
    expect(injectShim('<header></header><head><x>')).toBe(
      '<header></header><head><script src="/__bridge__/shim.js"></script><x>',
    )
    expect(() => injectShim('<html><body></body></html>')).toThrow(/no <head>/)
  })

  it('serves the shim as one classic script (an IIFE, no imports)', async () => {
    const res = await fetch(withToken('/__bridge__/shim.js'))
    expect(res.status).toBe(200)
    const js = await res.text()
    expect(js).not.toMatch(/^\s*(import|export)\s/m)
    expect(js).toContain('/__bridge__/ws')
    expect(js).not.toContain('safeParse') // no zod in the page
  })

  it('refuses paths outside the renderer directory (404)', async () => {
    for (const path of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/../../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/link.txt',
      '/%00',
      '/%E0%A4%A',
      '/assets',
      '/nope.js',
    ]) {
      const res = await rawGet(path)
      expect(res.status, path).toBe(404)
      expect(res.body).not.toContain('TOP SECRET')
    }
    expect(resolveInside('/srv/r', '/../x')).toBeNull()
    expect(resolveInside('/srv/r', '/a/%2e%2e/%2e%2e/x')).toBeNull()
    expect(resolveInside('/srv/r', '/a/b.js')).toBe('/srv/r/a/b.js')
  })

  it('refuses other methods and foreign Host headers', async () => {
    expect((await fetch(bridge.url, { method: 'POST', body: 'x' })).status).toBe(405)
    expect((await rawGet('/', { Host: 'evil.example' })).status).toBe(421)
  })

  it('refuses WebSocket upgrades from a foreign or missing Origin', async () => {
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow(/403/)
    await expect(connect({ origin: `http://127.0.0.1:${bridge.port + 1}` })).rejects.toThrow(/403/)
    await expect(connect({})).rejects.toThrow(/403/)
    const ok = await connect({ origin })
    ok.close()
  })

  it('round-trips invokes; lab.changed reaches the other windows, the requester has it in its reply', async () => {
    const ws = await connect({ origin })
    const messages: Record<string, unknown>[] = []
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Record<string, unknown>))
    const waitFor = async (pred: (m: Record<string, unknown>) => boolean) => {
      // 3000 × 10 ms: only a hang limit; a loaded machine answers late, not wrongly
      for (let i = 0; i < 3000; i++) {
        const m = messages.find(pred)
        if (m) return m
        await new Promise((r) => setTimeout(r, 10))
      }
      throw new Error('timeout')
    }
    ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'lab:app.info', payload: [] }))
    const info = await waitFor((m) => m['id'] === 1)
    expect(info).toMatchObject({
      t: 'result',
      id: 1,
      ok: true,
      value: { ok: true, value: { host: 'browser-harness', name: 'P2P DMA Lab' } },
    })

    // a second window (the presenter): it gets the change as an event; the requester only its reply
    const other = await connect({ origin })
    const messages2: Record<string, unknown>[] = []
    other.on('message', (d) => messages2.push(JSON.parse(String(d)) as Record<string, unknown>))
    other.send(
      JSON.stringify({ t: 'invoke', id: 2, channel: 'lab:lab.setSettings', payload: [{ era: 'v5.0' }] }),
    )
    for (let i = 0; i < 3000 && !messages2.some((m) => m['id'] === 2); i++)
      await new Promise((r) => setTimeout(r, 10))
    expect(messages2.find((m) => m['id'] === 2)).toMatchObject({
      ok: true,
      value: { ok: true, value: { lab: { settings: { era: 'v5.0' } } } },
    })
    const ev = await waitFor((m) => m['t'] === 'event')
    expect(ev).toMatchObject({
      t: 'event',
      channel: 'lab:lab.changed',
      payload: { lab: { settings: { era: 'v5.0' } } },
    })
    expect(messages.filter((m) => m['t'] === 'event')).toHaveLength(1)
    other.close()

    ws.send(JSON.stringify({ t: 'invoke', id: 3, channel: 'lab:lab.setSettings', payload: [{ era: 'v0' }] }))
    expect(await waitFor((m) => m['id'] === 3)).toMatchObject({
      ok: true,
      value: { ok: false, error: { kind: 'input' } },
    })
    ws.send(JSON.stringify({ t: 'invoke', id: 4, channel: 'lab:nope', payload: [] }))
    expect(await waitFor((m) => m['id'] === 4)).toMatchObject({
      ok: true,
      value: { ok: false, error: { kind: 'input' } },
    })
    ws.send(JSON.stringify({ t: 'invoke', id: 5, channel: 'app.info', payload: [] }))
    expect(await waitFor((m) => m['id'] === 5)).toMatchObject({
      ok: true,
      value: { ok: false, error: { kind: 'input' } },
    })

    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
    ws.send('{"t":"invoke","id":"x"}')
    expect(await closed).toBe(1008)
  })

  it('gives the page window.lab through the real shim (createLabApi over the socket)', async () => {
    const js = await (await fetch(withToken('/__bridge__/shim.js'))).text()
    // A page-like global: location of the served page, and a WebSocket that sends the page's Origin.
    // The page's cookie (set from the tokened URL) travels with its WebSocket.
    const cookie = `p2plab_harness_${bridge.port}=${bridge.token}`
    class PageSocket extends WebSocket {
      constructor(url: string) {
        super(url, { origin, headers: { cookie } })
      }
    }
    const page: Record<string, unknown> = {
      location: { protocol: 'http:', host: `127.0.0.1:${bridge.port}` },
      WebSocket: PageSocket,
      console,
    }
    page['globalThis'] = page
    runInNewContext(js, page)
    const lab = page['lab'] as LabApi
    expect(Object.keys(lab).sort()).toEqual(['invoke', 'on', 'openFile'])
    // The harness has no path for a File: the page imports the text; file.open itself is refused.
    expect(await lab.openFile(new Blob(['{}']))).toBeNull()
    expect(Object.keys(lab.invoke)).not.toContain('file.open')
    const changes: LabView[] = []
    const off = lab.on('lab.changed', (v) => changes.push(v))
    expect(() => (lab.on as (c: string, l: () => void) => void)('lab:nope', () => undefined)).toThrow(
      /Unsupported/,
    )

    const info = await lab.invoke['app.info']()
    expect(info.ok && info.value.host).toBe('browser-harness')
    const before = await lab.invoke['lab.current']()
    const bad = await lab.invoke['lab.importText']({ fileName: 'x.p2plab', text: 'not a lab' })
    expect(bad.ok).toBe(false)
    const after = await lab.invoke['lab.current']()
    expect(after.ok && after.value.revision).toBe(before.ok && before.value.revision)

    // a change made by another window arrives as lab.changed; this page's own change is in its reply
    const set = await lab.invoke['lab.setSettings']({ era: 'v6.2' })
    expect(set.ok && set.value.matrix.era).toBe('v6.2')
    const other = await connect({ origin })
    other.send(
      JSON.stringify({ t: 'invoke', id: 9, channel: 'lab:lab.setSettings', payload: [{ era: 'v6.4' }] }),
    )
    for (let i = 0; i < 3000 && changes.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(changes.map((c) => c.lab.settings.era)).toEqual(['v6.4'])
    other.close()
    off()
  })
})

describe('browser harness: the real-kernel oracle', () => {
  it('is not startable unless the harness was started with --oracle (oracle: true)', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'lab-bridge-oracle-'))
    mkdirSync(join(dir2, 'r'))
    writeFileSync(join(dir2, 'r', 'index.html'), '<!doctype html><html><head></head><body></body></html>')
    const plain = await startBridge({ port: 0, rendererDir: join(dir2, 'r') })
    try {
      const ws = await connect({ bridge: plain, origin: plain.origin })
      const answer = (id: number, channel: string) =>
        new Promise<unknown>((resolve) => {
          ws.on('message', (d) => {
            const m = JSON.parse(String(d)) as { t: string; id?: number; value?: unknown }
            if (m.t === 'result' && m.id === id) resolve(m.value)
          })
          ws.send(JSON.stringify({ t: 'invoke', id, channel, payload: [] }))
        })
      expect(await answer(1, 'lab:oracle.available')).toMatchObject({
        ok: true,
        value: { available: false, reason: expect.stringMatching(/--oracle/) as unknown as string },
      })
      expect(await answer(2, 'lab:oracle.start')).toMatchObject({ ok: false, error: { kind: 'input' } })
      ws.close()
    } finally {
      await plain.close()
      rmSync(dir2, { recursive: true, force: true })
    }
  })
})

describe('browser harness: locked', () => {
  /** A harness of its own with small limits (the same minimal renderer). */
  async function small(opts: Partial<BridgeOptions>): Promise<Bridge> {
    return startBridge({ port: 0, rendererDir: join(dir, 'renderer'), ...opts })
  }

  it('without the token (or with a wrong one) no page, no asset, no shim and no WebSocket', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/__bridge__/shim.js']) {
      const res = await rawGet(path, {}, null)
      expect(res.status, path).toBe(403)
      expect(res.body).toMatch(/access token/)
      expect((await rawGet(path, {}, 'x'.repeat(32))).status).toBe(403)
      expect((await rawGet(path, {}, bridge.token.slice(1))).status).toBe(403)
    }
    // A local process can forge the Origin header, but not the token.
    await expect(connect({ origin, token: null })).rejects.toThrow(/403/)
    await expect(connect({ origin, token: 'A'.repeat(32) })).rejects.toThrow(/403/)
    await expect(
      connect({ origin, token: null, cookie: `p2plab_harness_${bridge.port}=nope` }),
    ).rejects.toThrow(/403/)
  })

  it('the tokened URL sets an HttpOnly, SameSite=Strict cookie that then opens the page and the socket', async () => {
    const res = await fetch(bridge.url)
    const setCookie = res.headers.get('set-cookie') ?? ''
    expect(setCookie).toBe(`p2plab_harness_${bridge.port}=${bridge.token}; Path=/; HttpOnly; SameSite=Strict`)
    const cookie = setCookie.split(';')[0]!
    expect((await rawGet('/assets/app.js', { cookie }, null)).status).toBe(200)
    const ws = await connect({ origin, token: null, cookie })
    ws.close()
  })

  it('the shim takes the token out of the address bar', async () => {
    const js = await (await fetch(withToken('/__bridge__/shim.js'))).text()
    const replaced: string[] = []
    const page: Record<string, unknown> = {
      location: {
        protocol: 'http:',
        host: '127.0.0.1:1',
        pathname: '/',
        search: '?token=abc',
        hash: '#presenter',
      },
      history: { replaceState: (_d: unknown, _u: string, url: string) => replaced.push(url) },
      WebSocket: class {
        addEventListener(): void {}
      },
      console,
    }
    page['globalThis'] = page
    runInNewContext(js, page)
    expect(replaced).toEqual(['/#presenter'])
  })

  it('refuses connections over the cap (503) until one closes', async () => {
    const b = await small({ maxConnections: 2 })
    try {
      const a = await connect({ bridge: b, origin: b.origin })
      const c = await connect({ bridge: b, origin: b.origin })
      await expect(connect({ bridge: b, origin: b.origin })).rejects.toThrow(/503/)
      const closed = new Promise((r) => a.once('close', r))
      a.close()
      await closed
      for (let i = 0; i < 300 && b.connections() > 1; i++) await new Promise((r) => setTimeout(r, 10))
      const d = await connect({ bridge: b, origin: b.origin })
      d.close()
      c.close()
    } finally {
      await b.close()
    }
  })

  it('closes a socket that sends a message over the size cap (1009)', async () => {
    const b = await small({ maxMessageBytes: 4096 })
    try {
      const ws = await connect({ bridge: b, origin: b.origin })
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
      ws.send(
        JSON.stringify({
          t: 'invoke',
          id: 1,
          channel: 'lab:lab.importText',
          payload: [{ fileName: 'x.xml', text: 'x'.repeat(8192) }],
        }),
      )
      expect(await closed).toBe(1009)
    } finally {
      await b.close()
    }
  })

  it('a socket that stops reading is closed once too much waits for it; the others go on', async () => {
    const b = await small({ maxBufferedBytes: 512 * 1024 })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    let slow: Socket | undefined
    try {
      // A raw client that completes the WebSocket handshake, then never reads again.
      slow = tcpConnect(b.port, '127.0.0.1')
      await new Promise<void>((resolve, reject) => {
        slow!.once('error', reject)
        slow!.write(
          [
            `GET /__bridge__/ws?token=${b.token} HTTP/1.1`,
            `Host: 127.0.0.1:${b.port}`,
            `Origin: ${b.origin}`,
            'Upgrade: websocket',
            'Connection: Upgrade',
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
            'Sec-WebSocket-Version: 13',
            '',
            '',
          ].join('\r\n'),
        )
        slow!.once('data', (d) => {
          expect(String(d)).toMatch(/^HTTP\/1\.1 101/)
          slow!.pause()
          resolve()
        })
      })
      const reader = await connect({ bridge: b, origin: b.origin })
      expect(b.connections()).toBe(2)
      // Every change is pushed to the slow socket as lab.changed (a whole lab view each time).
      const eras = ['v5.0', 'v6.2', 'v5.4', 'v6.12']
      let id = 0
      const ask = (era: string) =>
        new Promise<void>((resolve) => {
          const my = ++id
          reader.on('message', function h(d) {
            if ((JSON.parse(String(d)) as { id?: number }).id === my) {
              reader.off('message', h)
              resolve()
            }
          })
          reader.send(
            JSON.stringify({ t: 'invoke', id: my, channel: 'lab:lab.setSettings', payload: [{ era }] }),
          )
        })
      for (let i = 0; i < 400 && b.connections() > 1; i++) await ask(eras[i % eras.length]!)
      expect(b.connections()).toBe(1) // the slow one was closed, the reader stays
      expect(warn.mock.calls.some((c) => /stopped reading/.test(String(c[0])))).toBe(true)
      await ask('v6.2') // and still answers
      reader.close()
    } finally {
      slow?.destroy()
      warn.mockRestore()
      await b.close()
    }
  })
})
