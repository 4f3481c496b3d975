/**
 * Browser-harness shim: served as /__bridge__/shim.js (an IIFE bundled by server.ts) and run as a
 * classic blocking script before the app's module script, so `window.lab` exists before app code,
 * as with the preload's contextBridge. The API object is the preload's own createLabApi(); only the
 * transport differs (one WebSocket instead of ipcRenderer).
 */
import { createLabApi, type Transport } from '../../shared/ipc/api'
import { BRIDGE_WS_PATH, remoteErrorMessage, type InvokeMsg, type ServerMsg } from './protocol'
import { parseJsonFrame } from '../../shared/text/json'

interface Pending {
  channel: string
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

const page = globalThis as unknown as {
  location: { protocol: string; host: string; pathname?: string; search?: string; hash?: string }
  history?: { replaceState(data: unknown, unused: string, url: string): void }
  lab?: unknown
}

// The access token came in the URL the harness printed; the server answered with it as a cookie,
// which the page's requests and the WebSocket now carry. Keep it out of the address bar.
if (/(^|[?&])token=/.test(page.location.search ?? ''))
  page.history?.replaceState(null, '', `${page.location.pathname ?? '/'}${page.location.hash ?? ''}`)

/** What a call on `channel` fails with once the WebSocket to the harness has closed. */
function connectionClosed(channel: string): Error {
  return new Error(remoteErrorMessage(channel, { name: 'Error', message: 'the harness connection closed' }))
}

function connect(): Transport {
  const url = `${page.location.protocol === 'https:' ? 'wss' : 'ws'}://${page.location.host}${BRIDGE_WS_PATH}`
  const socket = new WebSocket(url)
  const pending = new Map<number, Pending>()
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const queue: string[] = []
  let nextId = 1
  let closed = false

  socket.addEventListener('open', () => {
    for (const text of queue.splice(0)) socket.send(text)
  })
  socket.addEventListener('message', (ev: MessageEvent) => {
    const frame = parseJsonFrame(String(ev.data))
    if (!frame) return
    const msg = frame.value as ServerMsg
    if (msg.t === 'result') {
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      if (msg.ok) p.resolve(msg.value)
      else p.reject(new Error(remoteErrorMessage(p.channel, msg.error)))
    } else if (msg.t === 'event') {
      for (const listener of [...(listeners.get(msg.channel) ?? [])]) {
        try {
          listener(msg.payload)
        } catch (err) {
          console.error(err)
        }
      }
    }
  })
  socket.addEventListener('close', () => {
    closed = true
    for (const [id, p] of pending) {
      pending.delete(id)
      p.reject(connectionClosed(p.channel))
    }
  })

  return {
    invoke(channel, args) {
      return new Promise((resolve, reject) => {
        if (closed) {
          reject(connectionClosed(channel))
          return
        }
        const id = nextId++
        pending.set(id, { channel, resolve, reject })
        const text = JSON.stringify({ t: 'invoke', id, channel, payload: args } satisfies InvokeMsg)
        if (socket.readyState === WebSocket.OPEN) socket.send(text)
        else queue.push(text)
      })
    },
    subscribe(channel, listener) {
      const set = listeners.get(channel) ?? new Set<(payload: unknown) => void>()
      listeners.set(channel, set)
      set.add(listener)
      return () => {
        set.delete(listener)
      }
    },
  }
}

Object.defineProperty(page, 'lab', {
  value: createLabApi(connect()),
  writable: false,
  configurable: false,
  enumerable: true,
})
