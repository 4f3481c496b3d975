/**
 * The attendees of the class-session bench (./class.ts), in a worker thread so that their sockets
 * and JSON do not count in the server's heap: `n` WebSocket clients on 127.0.0.1 join the class;
 * for each exercise asked they answer at random times within one second and report when the last
 * answer left. Also the anchor: the same spread of `n` frames over one connection to a bare echo
 * server (transport only, no class logic).
 */
import { parentPort, workerData } from 'node:worker_threads'
import WebSocket from 'ws'

const { url, origin, code, n } = workerData as { url: string; origin: string; code: string; n: number }
const now = () => performance.timeOrigin + performance.now()
const port = parentPort!

function open(u: string): Promise<WebSocket> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(u, { origin })
    ws.once('open', () => ok(ws))
    ws.once('error', fail)
  })
}

const clients: WebSocket[] = []
for (let i = 0; i < n; i += 25) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(25, n - i) }, async (_, j) => {
      const ws = await open(url)
      await new Promise<void>((ok) => {
        ws.on('message', (d) => {
          if (String(d).startsWith('{"t":"welcome"')) ok()
        })
        ws.send(JSON.stringify({ t: 'join', code, name: `Bench ${i + j}` }))
      })
      return ws
    }),
  )
  clients.push(...batch)
}
port.postMessage({ t: 'joined' })

/** Send one frame from each sender at a random time within a second; resolves with the last send time. */
function spread(send: ((i: number) => void)[]): Promise<number> {
  return new Promise((ok) => {
    let left = send.length
    let last = 0
    send.forEach((s, i) =>
      setTimeout(() => {
        s(i)
        last = Math.max(last, now())
        if (--left === 0) ok(last)
      }, Math.random() * 1000),
    )
  })
}

port.on(
  'message',
  async (
    m: { t: 'answer'; key: string; predictions: unknown[] } | { t: 'anchor'; url: string } | { t: 'close' },
  ) => {
    if (m.t === 'answer') {
      const last = await spread(
        clients.map(
          (ws) => (i: number) =>
            ws.send(
              JSON.stringify({
                t: 'answer',
                ask: m.key,
                prediction: m.predictions[i % m.predictions.length],
              }),
            ),
        ),
      )
      port.postMessage({ t: 'sent', last })
    } else if (m.t === 'anchor') {
      const ws = await open(m.url)
      const last = await spread(Array.from({ length: n }, () => (i: number) => ws.send(String(i))))
      port.postMessage({ t: 'sent', last })
      ws.close()
    } else {
      for (const ws of clients) ws.terminate()
      port.close()
    }
  },
)
