/**
 * Main process entry: app lifecycle only. State lives in LabSession, request handling in
 * ipc-handlers.ts, the window and its hardening in window.ts, the menu in menu.ts.
 */
import { BrowserWindow, Menu, app } from 'electron'
import { LabSession } from '../engine/session'
import { fileFromArgv } from './files'
import { registerIpc } from './ipc'
import { buildMenu, createFileActions } from './menu'
import { createMainWindow, installContentsGuards, installSessionPolicy, isAppUrl } from './window'

function focus(win: BrowserWindow | null): void {
  if (!win) return
  if (win.isMinimized()) win.restore()
  win.focus()
}

function run(): void {
  installContentsGuards()

  const session = new LabSession({ version: app.getVersion() })
  let mainWindow: BrowserWindow | null = null
  const getWindow = (): BrowserWindow | null => mainWindow
  const { handlers } = registerIpc(session, { getWindow, isAppUrl })
  const actions = createFileActions(handlers, getWindow)

  const openWindow = (): BrowserWindow => {
    const win = createMainWindow()
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null
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

  void app.whenReady().then(async () => {
    installSessionPolicy()
    Menu.setApplicationMenu(buildMenu(actions))
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
