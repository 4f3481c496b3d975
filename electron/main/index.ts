/**
 * Main process entry: app lifecycle only. State lives in LabSession (the lab, the UI state a
 * reloaded renderer gets back), request handling in electron/app/ipc/handlers.ts, the window and
 * its hardening in window.ts, the menu and file actions in menu.ts, files, recent files and
 * autosave in labfiles.ts, the packaged CLI in cli-mode.ts.
 *
 * Start-up order matters (Electron runs this module's top level before 'ready'):
 *  1. `--cli …`: the command line, then exit — no lock, no window;
 *  2. the settings folder (userData): a development run gets its own, so it neither shares settings
 *     with the installed app nor hands its files over to it (the single-instance lock is keyed on it);
 *  3. Windows: the process's AppUserModelID, the installer's appId, before any UI;
 *  4. the single-instance lock; a second launch sends its file (resolved in its own directory) along;
 *  5. every app listener at top level ('open-file' may come before 'ready').
 */
import { BrowserWindow, Menu, app, dialog, type RenderProcessGoneDetails } from 'electron'
import { mkdirSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabSession } from '../app/session'
import { WorkerSummaryHost } from '../app/matrix/worker-host'
import { OracleService } from '../app/oracle/service'
import { ClassHost } from '../app/class/host'
import type { SaveTextRequest } from '../app/ipc/handlers'
import { saveTextFile } from '../app/files/save'
import { APP_ID, DEV_APP_ID, DEV_USER_DATA_DIR, USER_DATA_DIR } from '../app/identity'
import { cliArguments, runCliMode } from './cli-mode'
import { fileFromArgv, handedOverFile } from './files'
import { registerAppImage } from './appimage'
import { registerIpc } from './ipc'
import { Autosaver, LabFiles, nodeFs } from './labfiles'
import { buildMenu, createFileActions } from './menu'
import {
  createMainWindow,
  createPresenterWindow,
  installContentsGuards,
  installSessionPolicy,
  isAppUrl,
  RENDERER_DIR,
} from './window'

function focus(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  win.focus()
}

/** A renderer that keeps crashing is not recreated forever: at most this many times a minute. */
export const MAX_RESPAWNS_PER_MINUTE = 3
/** How long a quit waits for the autosave to reach the disk. */
export const QUIT_FLUSH_TIMEOUT_MS = 5000
/** Tests and side-by-side workshop copies may point the settings folder elsewhere. */
export const USER_DATA_ENV = 'P2PLAB_USER_DATA'

/** The settings folder: $P2PLAB_USER_DATA, else <appData>/p2p-dma-lab (installed) or p2p-dma-lab-dev. */
export function chooseUserData(env: NodeJS.ProcessEnv, appData: string, isPackaged: boolean): string {
  const fromEnv = env[USER_DATA_ENV]
  if (fromEnv && isAbsolute(fromEnv)) return fromEnv
  return join(appData, isPackaged ? USER_DATA_DIR : DEV_USER_DATA_DIR)
}

function run(): void {
  installContentsGuards()

  // large labs' matrix figures are counted in a worker thread (out/main/matrix-worker.js)
  const summaryHost = new WorkerSummaryHost({
    kind: 'js',
    url: new URL('./matrix-worker.js', import.meta.url),
  })
  const session = new LabSession({ version: app.getVersion(), summaryHost })
  const userData = app.getPath('userData')
  const files = new LabFiles(nodeFs, userData)
  const autosaver = new Autosaver(nodeFs, userData)
  /** Set once a quit goes through: no window is created or recreated from then on. */
  let quitting = false
  let mainWindow: BrowserWindow | null = null
  const getWindow = (): BrowserWindow | null => mainWindow
  // The presenter window (app.presenter.open): renders the stepping the main window pushes.
  let presenterWindow: BrowserWindow | null = null
  const openPresenter = (): void => {
    if (presenterWindow && !presenterWindow.isDestroyed()) return focus(presenterWindow)
    const win = createPresenterWindow()
    win.on('closed', () => {
      if (presenterWindow === win) presenterWindow = null
    })
    win.webContents.on('render-process-gone', (_event: unknown, details: RenderProcessGoneDetails) => {
      // The presenter only follows the main window: a new renderer in the same window is enough.
      if (details.reason !== 'clean-exit' && !quitting && allowRespawn(details))
        if (!win.isDestroyed()) win.webContents.reload()
    })
    presenterWindow = win
  }
  // "Verify with a real kernel": the oracle CLI in a child process. It needs a development
  // checkout (tools/oracle, tsx) and QEMU; a packaged app says so up front.
  // out/main/index.js → the checkout
  const oracle = new OracleService({
    repoRoot: resolve(dirname(fileURLToPath(import.meta.url)), '../..'),
    packaged: app.isPackaged,
  })
  app.on('will-quit', () => {
    quitting = true
    oracle.cancel()
  })
  // An AppImage registers its file type only when asked (appimage.ts): nothing does it for it.
  const appImage = process.platform === 'linux' ? process.env['APPIMAGE'] : undefined
  const registerFileType = appImage
    ? async (): Promise<void> => {
        const dataHome = process.env['XDG_DATA_HOME'] || join(app.getPath('home'), '.local', 'share')
        const r = await registerAppImage({ appImage, appDir: process.env['APPDIR'], dataHome })
        const options = {
          type: r.problems.length ? ('warning' as const) : ('info' as const),
          title: 'Register .p2plab files',
          message: `.p2plab files now open with ${appImage}`,
          detail: [...r.written.map((w) => `wrote ${w}`), ...r.problems].join('\n'),
        }
        const win = mainWindow
        await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options))
      }
    : undefined
  const rebuildMenu = (): void =>
    Menu.setApplicationMenu(
      buildMenu(actions, {
        devTools: !app.isPackaged,
        ...(registerFileType ? { registerFileType: () => void registerFileType() } : {}),
      }),
    )
  // The class session: the attendee page (out/renderer/attendee.html) over HTTP + WebSocket on the
  // address the instructor picks; off until class.start. Stopped on quit (before-quit below).
  const classHost = new ClassHost(session, { rendererDir: RENDERER_DIR })
  const saveText = async (req: SaveTextRequest) => {
    const win = mainWindow && !mainWindow.isDestroyed() ? mainWindow : null
    const options = { title: req.title, defaultPath: req.fileName, filters: req.filters }
    const picked = await (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options))
    if (picked.canceled || !picked.filePath) return { saved: false, path: null }
    // The app's save rules (atomic, .bak of what was there, read-only and newer-file refusals).
    const r = await saveTextFile(picked.filePath, req.text)
    if (!r.ok) throw new Error(r.message)
    return { saved: true, path: r.path }
  }
  const { handlers } = registerIpc(session, {
    oracle,
    getWindow,
    getWindows: () => [mainWindow, presenterWindow],
    isAppUrl,
    recovery: autosaver,
    openPresenter,
    // The window's Open… button and drag and drop: the same path as File › Open.
    openFile: (path) => actions.openPath(path, { quiet: true }),
    classHost,
    saveText,
  })
  const actions = createFileActions({ handlers, session, files, getWindow, onRecentChanged: rebuildMenu })

  const title = (): string => {
    const name = session.filePath ? session.filePath.split(/[\\/]/).pop() : session.fileName
    return `${name}${session.dirty ? ' •' : ''} — P2P DMA Lab`
  }
  const showTitle = (win: BrowserWindow | null): void => {
    if (!win || win.isDestroyed()) return
    win.setTitle(title())
    win.setDocumentEdited(session.dirty)
  }
  session.onDidChange(() => showTitle(mainWindow))

  const respawns: number[] = []
  function allowRespawn(details: RenderProcessGoneDetails): boolean {
    const now = Date.now()
    while (respawns.length && now - respawns[0]! > 60_000) respawns.shift()
    console.error(`renderer gone (${details.reason}, exit code ${details.exitCode})`)
    if (respawns.length >= MAX_RESPAWNS_PER_MINUTE) {
      actions.showError('The window keeps crashing', 'Your lab is kept in the autosave; restart the app.')
      return false
    }
    respawns.push(now)
    return true
  }

  const openWindow = (): BrowserWindow => {
    const win = createMainWindow()
    showTitle(win)
    // The page's <title> never replaces ours (window.ts); set it again after every load anyway.
    win.webContents.on('did-finish-load', () => showTitle(win))
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null
    })
    // Windows emits no before-quit/will-quit at logoff or shutdown, only this (on the window), and
    // may end the process as soon as it returns: write unsaved work to the autosave before that.
    win.on('session-end', () => autosaver.flushSync(session))
    // A crashed or killed renderer gets a new window; the lab and the UI state are in main, so the
    // new page (lab.current, ui.state) comes back where the old one was. A clean exit is a close.
    win.webContents.on('render-process-gone', (_event: unknown, details: RenderProcessGoneDetails) => {
      if (details.reason === 'clean-exit' || quitting || !allowRespawn(details)) return
      // The new window first: destroying the only window would empty the window list, and
      // 'window-all-closed' (emitted inside destroy()) would quit the app.
      openWindow()
      if (!win.isDestroyed()) win.destroy()
    })
    mainWindow = win
    return win
  }
  /** The main window, opened if there is none (macOS keeps running without windows). */
  const ensureWindow = (): BrowserWindow => {
    if (mainWindow && !mainWindow.isDestroyed()) {
      focus(mainWindow)
      return mainWindow
    }
    return openWindow()
  }

  // macOS delivers files opened from Finder (the .p2plab association) as 'open-file', not in argv,
  // possibly before 'ready'; and after the last window was closed, with none open. Until start-up
  // has opened the first window (`ready`), files handed over are queued: a window opened for them
  // then would be a second main window once start-up opens its own.
  let ready = false
  const pendingFiles: string[] = []

  app.on('second-instance', (_event, argv, workingDirectory, additionalData) => {
    // Relative paths are the second launch's: resolved against its working directory.
    const file = handedOverFile(argv, workingDirectory, additionalData)
    if (!ready) {
      if (file) pendingFiles.push(file)
      return
    }
    if (quitting) return
    ensureWindow()
    if (file) void actions.openPath(file)
  })

  app.on('open-file', (event, path) => {
    event.preventDefault()
    if (!ready) {
      pendingFiles.push(path)
      return
    }
    if (quitting) return
    ensureWindow()
    void actions.openPath(path)
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  // Quit: unsaved work is written to the autosave at once (offered again at the next start); with
  // nothing unsaved, the autosave is removed. The quit waits for the disk, once.
  let settled = false
  app.on('before-quit', (event) => {
    if (settled) {
      quitting = true
      return
    }
    event.preventDefault()
    // A disk that does not answer must not keep the app from quitting.
    const timeout = new Promise<void>((r) => setTimeout(r, QUIT_FLUSH_TIMEOUT_MS))
    // Attendees are told the class ended; the server stops with the app.
    void Promise.race([Promise.all([autosaver.flush(session), classHost.stop()]), timeout]).finally(() => {
      settled = true
      app.quit()
    })
  })

  app.on('activate', () => {
    if (ready && !quitting && BrowserWindow.getAllWindows().length === 0) openWindow()
  })

  void app.whenReady().then(async () => {
    installSessionPolicy()
    await Promise.all([files.loadRecent(), autosaver.loadPending()])
    autosaver.attach(session)
    rebuildMenu()
    // A file given on the command line (or by Finder before 'ready') is loaded before the window
    // asks for the current lab.
    const file = pendingFiles.pop() ?? fileFromArgv(process.argv, process.cwd())
    pendingFiles.length = 0
    const problem = file ? await actions.openPath(file, { quiet: true }) : null
    if (quitting) return
    openWindow()
    ready = true
    if (problem !== null && file) actions.showError(`Could not open ${file}`, problem)
    // A file handed over while that one was read: the newest wins, as it would a moment later.
    const late = pendingFiles.pop()
    pendingFiles.length = 0
    if (late) void actions.openPath(late)
  })
}

function start(): void {
  const userData = chooseUserData(process.env, app.getPath('appData'), app.isPackaged)
  mkdirSync(userData, { recursive: true })
  app.setPath('userData', userData)
  // The installer's shortcuts carry the appId as their AppUserModelID; the process must use the
  // same one before it shows anything, or Windows shows a second taskbar icon.
  if (process.platform === 'win32') app.setAppUserModelId(app.isPackaged ? APP_ID : DEV_APP_ID)
  // A second launch resolves its file here, in its own working directory, and sends it along.
  const file = fileFromArgv(process.argv, process.cwd())
  if (app.requestSingleInstanceLock(file ? { files: [file] } : {})) run()
  else app.quit()
}

const cliArgs = cliArguments(process.argv)
if (cliArgs) void runCliMode(cliArgs, app)
else start()
