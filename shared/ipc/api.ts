/**
 * createLabApi(transport): the `window.lab` object of the contract (shared/ipc/contract.ts), built
 * from the channel tables. The preload builds it over ipcRenderer; the browser harness's shim
 * (tools/bridge/shim.ts) builds the very same object over a WebSocket. Pure: no electron import,
 * and only the channel tables (no zod) are pulled in at run time.
 */
import {
  PREFIX,
  eventChannels,
  hostOnlyChannels,
  invokeChannels,
  type EventChannel,
  type LabApi,
  type LabView,
  type Result,
} from './contract'

/** What carries calls and events. Channel names are full IPC names, e.g. 'lab:app.info'. */
export interface Transport {
  invoke(channel: string, args: unknown[]): Promise<unknown>
  /** Deliver each event payload (only the payload) to `listener`; returns the unsubscribe function. */
  subscribe(channel: string, listener: (payload: unknown) => void): () => void
  /**
   * The path on disk of a File the user picked or dropped (the preload: webUtils.getPathForFile),
   * or null. Absent where there is none (the browser harness).
   */
  pathForFile?(file: Blob): string | null
}

export function isEventChannel(channel: unknown): channel is EventChannel {
  return typeof channel === 'string' && Object.hasOwn(eventChannels, channel)
}

export function createLabApi(transport: Transport): LabApi {
  const invoke = Object.fromEntries(
    Object.keys(invokeChannels)
      .filter((ch) => !Object.hasOwn(hostOnlyChannels, ch))
      .map((ch) => [ch, (...args: unknown[]) => transport.invoke(PREFIX + ch, args)]),
  ) as unknown as LabApi['invoke']

  const on: LabApi['on'] = (channel, listener) => {
    // Like VS Code's validateIPC: only the contract's event channels, never an arbitrary IPC name.
    if (!isEventChannel(channel)) throw new Error(`Unsupported event channel '${String(channel)}'`)
    if (typeof listener !== 'function') throw new TypeError('lab.on: the listener must be a function')
    return transport.subscribe(PREFIX + channel, (payload) => listener(payload as never))
  }

  const openFile: LabApi['openFile'] = async (file) => {
    const path = transport.pathForFile?.(file) ?? null
    if (!path) return null
    return (await transport.invoke(PREFIX + 'file.open', [{ path }])) as Result<LabView>
  }

  return Object.freeze({ invoke: Object.freeze(invoke), on, openFile })
}
