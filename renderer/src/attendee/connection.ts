/**
 * The attendee page's WebSocket to the class server (the attendee protocol of
 * shared/class/protocol.ts). It joins with the code and a name, keeps the resume token the server
 * gives in this browser's localStorage, and after a dropped connection joins again with the token
 * (same name, same answers), backing off up to 10 s. A refusal (wrong code, class full) or the end
 * of the class is final.
 */
import { CLASS_WS_PATH, CLOSE, type ClientMessage, type ServerMessage } from '../../../shared/class/protocol'
import type { Prediction } from '../../../shared/model/stepper'

export interface Stored {
  code: string
  name: string
  token: string | null
}

const KEY = 'p2p-dma-lab.class'

export function loadStored(): Stored | null {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Stored> | null
    if (!raw || typeof raw.code !== 'string' || typeof raw.name !== 'string') return null
    return { code: raw.code, name: raw.name, token: typeof raw.token === 'string' ? raw.token : null }
  } catch {
    return null
  }
}

export function saveStored(s: Stored | null): void {
  try {
    if (s) localStorage.setItem(KEY, JSON.stringify(s))
    else localStorage.removeItem(KEY)
  } catch {
    // storage disabled (private mode): the attendee simply cannot resume after a reload
  }
}

export type ConnState =
  'idle' | 'connecting' | 'joined' | 'reconnecting' | 'refused' | 'ended' | 'unreachable'

export interface ConnEvents {
  message(msg: ServerMessage): void
  state(state: ConnState, detail: string | null): void
}

export class ClassConnection {
  private ws: WebSocket | null = null
  private creds: Stored | null = null
  private joinedOnce = false
  private final = false
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly on: ConnEvents) {}

  join(creds: Stored): void {
    this.creds = creds
    this.final = false
    this.attempt = 0
    this.open('connecting')
  }

  answer(ask: string, prediction: Prediction): boolean {
    return this.send({ t: 'answer', ask, prediction })
  }

  /** Leave: forget the token (a new join asks for a name again). */
  leave(): void {
    this.final = true
    saveStored(null)
    this.ws?.close(1000, 'left')
    this.ws = null
    this.on.state('idle', null)
  }

  private send(msg: ClientMessage): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false
    this.ws.send(JSON.stringify(msg))
    return true
  }

  private open(state: ConnState): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const creds = this.creds
    if (!creds) return
    this.on.state(state, null)
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${CLASS_WS_PATH}`
    const ws = new WebSocket(url)
    this.ws = ws
    ws.onopen = () => {
      const join: ClientMessage = { t: 'join', code: creds.code, name: creds.name }
      if (creds.token) join.token = creds.token
      ws.send(JSON.stringify(join))
    }
    ws.onmessage = (e: MessageEvent) => {
      let msg: ServerMessage
      try {
        msg = JSON.parse(String(e.data)) as ServerMessage
      } catch {
        return
      }
      if (msg.t === 'welcome') {
        this.joinedOnce = true
        this.attempt = 0
        this.creds = { code: creds.code, name: msg.name, token: msg.token }
        saveStored(this.creds)
        this.on.state('joined', null)
      } else if (msg.t === 'refused') {
        this.final = true
        // A wrong code or a full class: the stored token is of no use any more.
        if (msg.code === 'bad-code' || msg.code === 'full') saveStored({ ...creds, token: null })
        this.on.state('refused', msg.reason)
      } else if (msg.t === 'ended') {
        this.final = true
        saveStored(null)
        this.on.state('ended', msg.reason)
      }
      this.on.message(msg)
    }
    ws.onclose = (e: CloseEvent) => {
      if (this.ws !== ws) return
      this.ws = null
      if (this.final || e.code === CLOSE.ended) return
      if (!this.joinedOnce && this.attempt >= 2) {
        this.on.state('unreachable', 'the class server does not answer: check the address and the network')
        return
      }
      const delay = Math.min(10_000, 500 * 2 ** this.attempt++)
      this.on.state('reconnecting', null)
      this.timer = setTimeout(() => this.open('reconnecting'), delay)
    }
  }
}
