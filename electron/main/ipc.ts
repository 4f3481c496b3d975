/**
 * The ONLY importer of ipcMain. Binds every contract channel ('lab:' + name) to the shared handler
 * table (electron/app/ipc/handlers.ts), refuses senders that are not the app's own page, and pushes session
 * changes to the window as 'lab:lab.changed'.
 */
import { ipcMain, shell, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import {
  PREFIX,
  invokeChannels,
  type InvokeChannel,
  type IpcError,
  type Result,
} from '../../shared/ipc/contract'
import type { LabSession } from '../app/session'
import { thisMachineService } from '../app/sysfs/read'
import type { ClassHost } from '../app/class/host'
import {
  createHandlers,
  dispatch,
  type Emit,
  type Handlers,
  type HandlerServices,
  type OracleHost,
  type RecoverySource,
} from '../app/ipc/handlers'

export interface IpcOptions {
  /** The window events go to (null while there is none). */
  getWindow: () => BrowserWindow | null
  /** Is this frame URL the app's own page? */
  isAppUrl: (url: string) => boolean
  /** The autosave of an earlier session, offered through lab.recovery (labfiles.ts Autosaver). */
  recovery?: RecoverySource
  /** Every window events go to (main and presenter); default: getWindow() only. */
  getWindows?: () => (BrowserWindow | null)[]
  /** Open or focus the presenter window (app.presenter.open). */
  openPresenter?: () => void
  /** "Verify with a real kernel" (oracle-service.ts). */
  oracle?: OracleHost
  /** file.open: open a file by path as File › Open does; resolves to the problem, or null. */
  openFile?: (path: string) => Promise<string | null>
  /** The class session (electron/app/class/host.ts). */
  classHost?: ClassHost
  /** Save text through the system's save dialog (class results). */
  saveText?: HandlerServices['saveText']
}

function untrusted(channel: string): { ok: false; error: IpcError } {
  return {
    ok: false,
    error: {
      kind: 'untrusted',
      message: `lab:${channel}: refused: the request did not come from the app's own page`,
      issues: [],
    },
  }
}

function senderUrl(event: IpcMainInvokeEvent): string | null {
  try {
    // senderFrame is null once the frame navigated away or was destroyed.
    return event.senderFrame?.url ?? null
  } catch {
    return null
  }
}

export function registerIpc(
  session: LabSession,
  options: IpcOptions,
): { handlers: Handlers; dispose: () => void } {
  const emit: Emit = (channel, payload, to) => {
    for (const win of options.getWindows?.() ?? [options.getWindow()]) {
      if (!win || win.isDestroyed() || win.webContents.isDestroyed()) continue
      if (to?.except !== undefined && win.webContents === to.except) continue // it has the reply
      win.webContents.send(PREFIX + channel, payload)
    }
  }
  const thisMachine = thisMachineService()
  const handlers = createHandlers(session, emit, 'electron', {
    ...(options.recovery ? { recovery: options.recovery } : {}),
    ...(options.oracle ? { oracle: options.oracle } : {}),
    ...(options.openPresenter ? { openPresenter: options.openPresenter } : {}),
    ...(options.openFile ? { openFile: options.openFile } : {}),
    ...(thisMachine ? { thisMachine } : {}),
    ...(options.classHost ? { class: options.classHost } : {}),
    ...(options.saveText ? { saveText: options.saveText } : {}),
    // app.openSource: only kernel source pages on elixir.bootlin.com, in the system browser.
    openExternal: (url) => {
      // openExternal rejects when no browser can take the URL: say so, never an unhandled rejection.
      if (new URL(url).origin === 'https://elixir.bootlin.com')
        shell.openExternal(url).catch((err: unknown) => {
          console.warn(`could not open ${url} in the system browser:`, err)
        })
    },
  })
  const channels = Object.keys(invokeChannels) as InvokeChannel[]
  for (const channel of channels) {
    ipcMain.handle(
      PREFIX + channel,
      (event, ...args: unknown[]): Result<unknown> | Promise<Result<unknown>> => {
        const url = senderUrl(event)
        if (url === null || !options.isAppUrl(url)) {
          console.warn(`lab:${channel}: refused a request from ${url ?? 'a detached frame'}`)
          return untrusted(channel)
        }
        return dispatch(handlers, channel, args, event.sender)
      },
    )
  }
  return {
    handlers,
    dispose: () => {
      for (const channel of channels) ipcMain.removeHandler(PREFIX + channel)
    },
  }
}
