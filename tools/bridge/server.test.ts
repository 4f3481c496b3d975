/**
 * The browser harness (tools/bridge/server.ts): static serving with the shim injected and the CSP
 * header, no path outside the renderer directory, WebSocket only from its own origin, and invoke
 * round trips through the real shim + createLabApi + shared handlers + real engine.
 */
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { LabApi, LabView } from '../../shared/ipc/contract'
import { CONTENT_SECURITY_POLICY } from '../../electron/app/csp'
import { injectShim, resolveInside, startBridge, type Bridge } from './server'

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
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET\n')
  symlinkSync(join(dir, 'secret.txt'), join(renderer, 'assets', 'link.txt'))
  bridge = await startBridge({ port: 0, rendererDir: renderer })
  origin = bridge.url.replace(/\/$/, '')
})

afterAll(async () => {
  await bridge?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A raw GET: fetch() would normalise '..' away before the server ever saw it. */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method: 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

function connect(options: { origin?: string } = { origin: '' }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${bridge.port}/__bridge__/ws`,
      options.origin ? { origin: options.origin } : {},
    )
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

describe('browser harness', () => {
  it('prints a 127.0.0.1 URL on an ephemeral port', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/`)
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
    const asset = await fetch(new URL('assets/app.js', bridge.url))
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
    const res = await fetch(new URL('__bridge__/shim.js', bridge.url))
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
    const js = await (await fetch(new URL('__bridge__/shim.js', bridge.url))).text()
    // A page-like global: location of the served page, and a WebSocket that sends the page's Origin.
    class PageSocket extends WebSocket {
      constructor(url: string) {
        super(url, { origin })
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
      const ws = await new Promise<WebSocket>((resolve, reject) => {
        const s = new WebSocket(`ws://127.0.0.1:${plain.port}/__bridge__/ws`, {
          origin: plain.url.replace(/\/$/, ''),
        })
        s.once('open', () => resolve(s))
        s.once('error', reject)
      })
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
