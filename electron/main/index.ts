/**
 * Main process entry: app lifecycle only. State lives in LabSession (the lab, the UI state a
 * reloaded renderer gets back), request handling in ipc-handlers.ts, the window and its hardening
 * in window.ts, the menu in menu.ts, files, recent files and autosave in labfiles.ts.
 */
import { BrowserWindow, Menu, app, type RenderProcessGoneDetails } from 'electron'
import { LabSession } from '../app/session'
import { WorkerSummaryHost } from '../app/matrix/worker-host'
import { fileFromArgv } from './files'
import { OracleService } from '../app/oracle/service'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { registerIpc } from './ipc'
import { Autosaver, LabFiles, nodeFs } from './labfiles'
import { buildMenu, createFileActions } from './menu'
import {
  createMainWindow,
  createPresenterWindow,
  installContentsGuards,
  installSessionPolicy,
  isAppUrl,
} from './window'

function focus(win: BrowserWindow | null): void {
  if (!win) return
  if (win.isMinimized()) win.restore()
  win.focus()
}

/** A renderer that keeps crashing is not recreated forever: at most this many times a minute. */
export const MAX_RESPAWNS_PER_MINUTE = 3
/** How long a quit waits for the autosave to reach the disk. */
export const QUIT_FLUSH_TIMEOUT_MS = 5000

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
    presenterWindow = win
  }
  // "Verify with a real kernel": the oracle CLI in a child process (needs the dev checkout + QEMU)
  // out/main/index.js → the checkout (in a packaged app tools/oracle is absent: "unavailable")
  const oracle = new OracleService({ repoRoot: resolve(dirname(fileURLToPath(import.meta.url)), '../..') })
  app.on('will-quit', () => oracle.cancel())
  const { handlers } = registerIpc(session, {
    oracle,
    getWindow,
    getWindows: () => [mainWindow, presenterWindow],
    isAppUrl,
    recovery: autosaver,
    openPresenter,
  })
  const rebuildMenu = (): void => Menu.setApplicationMenu(buildMenu(actions))
  const actions = createFileActions({ handlers, session, files, getWindow, onRecentChanged: rebuildMenu })

  const title = (): string => {
    const name = session.filePath ? session.filePath.split(/[\\/]/).pop() : session.fileName
    return `${name}${session.dirty ? ' •' : ''} — P2P DMA Lab`
  }
  session.onDidChange(() => {
    const win = mainWindow
    if (win && !win.isDestroyed()) {
      win.setTitle(title())
      win.setDocumentEdited(session.dirty)
    }
  })

  const respawns: number[] = []
  const openWindow = (): BrowserWindow => {
    const win = createMainWindow()
    win.setTitle(title())
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null
    })
    // A crashed or killed renderer gets a new window; the lab and the UI state are in main, so the
    // new page (lab.current, ui.state) comes back where the old one was. A clean exit is a close.
    win.webContents.on('render-process-gone', (_event: unknown, details: RenderProcessGoneDetails) => {
      if (details.reason === 'clean-exit') return
      const now = Date.now()
      while (respawns.length && now - respawns[0]! > 60_000) respawns.shift()
      console.error(`renderer gone (${details.reason}, exit code ${details.exitCode})`)
      if (respawns.length >= MAX_RESPAWNS_PER_MINUTE) {
        actions.showError('The window keeps crashing', 'Your lab is kept in the autosave; restart the app.')
        return
      }
      respawns.push(now)
      if (mainWindow === win) mainWindow = null
      if (!win.isDestroyed()) win.destroy()
      openWindow()
    })
    mainWindow = win
    return win
  }

  // macOS delivers files opened from Finder (the .p2plab association) as 'open-file', not in argv,
  // possibly before 'ready'.
  let ready = false
  let pendingFile: string | null = null

  app.on('second-instance', (_event, argv) => {
    if (mainWindow) focus(mainWindow)
    else if (ready) openWindow()
    const file = fileFromArgv(argv)
    if (file) void actions.openPath(file)
  })

  app.on('open-file', (event, path) => {
    event.preventDefault()
    if (ready) void actions.openPath(path)
    else pendingFile = path
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  // Quit: unsaved work is written to the autosave at once (offered again at the next start); with
  // nothing unsaved, the autosave is removed. The quit waits for the disk.
  let settled = false
  app.on('before-quit', (event) => {
    if (settled) return
    event.preventDefault()
    // A disk that does not answer must not keep the app from quitting.
    const timeout = new Promise<void>((r) => setTimeout(r, QUIT_FLUSH_TIMEOUT_MS))
    void Promise.race([autosaver.flush(session), timeout]).finally(() => {
      settled = true
      app.quit()
    })
  })

  void app.whenReady().then(async () => {
    installSessionPolicy()
    await Promise.all([files.loadRecent(), autosaver.loadPending()])
    autosaver.attach(session)
    rebuildMenu()
    // A file given on the command line is loaded before the window asks for the current lab.
    const file = pendingFile ?? fileFromArgv(process.argv)
    ready = true
    const problem = file ? await actions.openPath(file, { quiet: true }) : null
    openWindow()
    if (problem !== null && file) actions.showError(`Could not open ${file}`, problem)
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow()
    })
  })
}

if (app.requestSingleInstanceLock()) run()
else app.quit()
