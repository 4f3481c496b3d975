/**
 * The browser harness's wire protocol (docs/design.md#the-browser-harness): JSON messages over one WebSocket at
 * /__bridge__/ws. Channel names are the full IPC names ('lab:app.info'), as with ipcRenderer.
 *
 *   client → server  {t:'invoke', id, channel, payload}          payload = the argument list
 *   server → client  {t:'result', id, ok:true, value}             value = the handler's Result
 *   server → client  {t:'result', id, ok:false, error:{name,message}}   transport-level failure
 *   server → client  {t:'event', channel, payload}
 *
 * Handlers answer Result values, so ok:false only happens for protocol errors (bad message,
 * unknown channel name is still an ok:true Result with kind 'input'). The shim turns ok:false into
 * a rejection 'Error invoking remote method '<channel>': <name>: <message>', like Electron.
 */
import { parseJsonFrame } from '../../shared/text/json'

export const BRIDGE_WS_PATH = '/__bridge__/ws'
export const BRIDGE_SHIM_PATH = '/__bridge__/shim.js'

export interface InvokeMsg {
  t: 'invoke'
  id: number
  channel: string
  payload: unknown[]
}

export type ResultMsg =
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: { name: string; message: string } }

export interface EventMsg {
  t: 'event'
  channel: string
  payload: unknown
}

export type ClientMsg = InvokeMsg
export type ServerMsg = ResultMsg | EventMsg

/** Parse and shape-check one client message; null when it is not a well-formed invoke. */
export function parseClientMsg(raw: string): ClientMsg | null {
  const msg = parseJsonFrame(raw)?.value
  if (typeof msg !== 'object' || msg === null) return null
  const m = msg as Record<string, unknown>
  if (
    m['t'] !== 'invoke' ||
    !Number.isSafeInteger(m['id']) ||
    typeof m['channel'] !== 'string' ||
    !Array.isArray(m['payload'])
  ) {
    return null
  }
  return { t: 'invoke', id: m['id'] as number, channel: m['channel'], payload: m['payload'] }
}

export function remoteErrorMessage(channel: string, error: { name: string; message: string }): string {
  return `Error invoking remote method '${channel}': ${error.name}: ${error.message}`
}
