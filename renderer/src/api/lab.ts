/**
 * The ONLY module that touches window.lab (the preload's contextBridge API, or the browser
 * harness's shim). Everything else imports these functions, so tests can swap window.lab freely:
 * it is read at call time, never cached.
 */
import type {
  EventChannel,
  Events,
  Invoke,
  InvokeChannel,
  IpcError,
  LabApi,
  Result,
} from '../../../shared/ipc/contract'

function api(): LabApi {
  const lab = (window as Partial<Window>).lab
  if (!lab) throw new Error('window.lab is missing: neither the preload nor the harness shim ran')
  return lab
}

/**
 * Call one contract channel. A rejected promise (a broken transport, not a kernel failure: those
 * come back as `{ ok: false }`) is turned into an 'internal' IpcError so callers see one shape.
 */
export async function invoke<K extends InvokeChannel>(
  channel: K,
  ...args: Parameters<Invoke[K]>
): Promise<ReturnType<Invoke[K]>> {
  try {
    const fn = api().invoke[channel] as (...a: Parameters<Invoke[K]>) => Promise<ReturnType<Invoke[K]>>
    return await fn(...args)
  } catch (e) {
    return { ok: false, error: transportError(e) } as ReturnType<Invoke[K]>
  }
}

/** Subscribe to a pushed event; returns the unsubscribe function. */
export function on<K extends EventChannel>(channel: K, listener: (payload: Events[K]) => void): () => void {
  return api().on(channel, listener)
}

function transportError(e: unknown): IpcError {
  const message = e instanceof Error ? e.message : String(e)
  return { kind: 'internal', message, issues: [] }
}

export type { Result }
