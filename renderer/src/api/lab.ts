/**
 * The ONLY module that touches window.lab (the preload's contextBridge API, or the browser
 * harness's shim). Everything else imports these functions, so tests can swap window.lab freely:
 * it is read at call time, never cached.
 */
import type {
  EventChannel,
  Events,
  Invoke,
  IpcError,
  LabApi,
  LabView,
  PageChannel,
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
export async function invoke<K extends PageChannel>(
  channel: K,
  ...args: Parameters<Invoke[K]>
): Promise<Awaited<ReturnType<Invoke[K]>>> {
  try {
    const fn = api().invoke[channel] as (
      ...a: Parameters<Invoke[K]>
    ) => Promise<Awaited<ReturnType<Invoke[K]>>>
    return await fn(...args)
  } catch (e) {
    return { ok: false, error: transportError(e) } as Awaited<ReturnType<Invoke[K]>>
  }
}

/**
 * Open a picked or dropped file the way File › Open does (the desktop app: main opens it by path,
 * so it becomes a recent file and Save writes back to it). null: this host has no path for it
 * (the browser harness) and the caller imports its text.
 */
export async function openFile(file: File): Promise<Result<LabView> | null> {
  try {
    return await api().openFile(file)
  } catch (e) {
    return { ok: false, error: transportError(e) }
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
