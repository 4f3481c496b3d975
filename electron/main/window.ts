/**
 * The one app window and the app-wide web-contents hardening (README "Security", tools/electronegativity.ts):
 * sandboxed, context-isolated renderer without Node; no navigation away from the app page, no new
 * windows, no <webview>, every permission denied, CSP on http(s) responses.
 */
import { BrowserWindow, app, session } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { CONTENT_SECURITY_POLICY } from '../app/csp'

const here = dirname(fileURLToPath(import.meta.url))
/** out/main/index.js → out/preload/index.cjs (CommonJS: a sandboxed preload cannot be ESM). */
export const PRELOAD_PATH = join(here, '../preload/index.cjs')
export const RENDERER_DIR = join(here, '../renderer')
export const RENDERER_INDEX = join(RENDERER_DIR, 'index.html')

/** electron-vite's dev server URL (`electron-vite dev`), never honoured in a packaged app. */
export function devServerUrl(): string | null {
  const url = process.env['ELECTRON_RENDERER_URL']
  return url && !app.isPackaged ? url : null
}

/** The page the window loads: the dev server, or file:// of out/renderer/index.html. */
export function appUrl(): string {
  return devServerUrl() ?? pathToFileURL(RENDERER_INDEX).href
}

/** Is `url` the app's own page (any query or hash)? Used to trust IPC senders and allow navigation. */
export function isAppUrl(url: string): boolean {
  let u: URL
  let own: URL
  try {
    u = new URL(url)
    own = new URL(appUrl())
  } catch {
    return false
  }
  if (own.protocol === 'file:')
    return u.protocol === 'file:' && u.host === own.host && u.pathname === own.pathname
  return u.origin === own.origin
}

/**
 * Every page load reports the page's <title> ('page-title-updated'), which would replace the title
 * main set (the file name, the unsaved '•', '— presenter'). Main's setTitle is the only source.
 */
function keepTitle(win: BrowserWindow): void {
  win.on('page-title-updated', (event) => event.preventDefault())
}

/** What differs between the app's windows: their size, title and the renderer route (hash) they load. */
interface WindowShape {
  width: number
  height: number
  minWidth: number
  minHeight: number
  title: string
  /** '' for the main window; 'presenter' for the presenter's '#presenter'. */
  hash: string
}

/**
 * Every app window: the same renderer, preload and hardening, its own size, title and route.
 * The one BrowserWindow call in the app, its webPreferences written out in full (not spread from a
 * shared constant) so that electronegativity's static checks can see them;
 * electron/main/index.test.ts asserts both windows get them.
 */
function createAppWindow(shape: WindowShape): BrowserWindow {
  const win = new BrowserWindow({
    width: shape.width,
    height: shape.height,
    minWidth: shape.minWidth,
    minHeight: shape.minHeight,
    show: false,
    title: shape.title,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: PRELOAD_PATH,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      // DevTools only in development builds: no menu item, accelerator or context menu opens them
      // in the installed app.
      devTools: !app.isPackaged,
    },
  })
  keepTitle(win)
  win.once('ready-to-show', () => win.show())
  const dev = devServerUrl()
  if (shape.hash) {
    if (dev) void win.loadURL(`${dev}#${shape.hash}`)
    else void win.loadFile(RENDERER_INDEX, { hash: shape.hash })
  } else if (dev) void win.loadURL(dev)
  else void win.loadFile(RENDERER_INDEX)
  return win
}

/** The presenter: the same renderer on '#presenter', with the same hardening; it follows timeline.changed. */
export function createPresenterWindow(): BrowserWindow {
  return createAppWindow({
    width: 1280,
    height: 800,
    minWidth: 640,
    minHeight: 400,
    title: 'P2P DMA Lab — presenter',
    hash: 'presenter',
  })
}

export function createMainWindow(): BrowserWindow {
  return createAppWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'P2P DMA Lab',
    hash: '',
  })
}

/** Guards every web contents the app ever creates. Call once, before the first window. */
export function installContentsGuards(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => {
      if (!isAppUrl(event.url)) event.preventDefault()
    })
    contents.on('will-redirect', (event) => {
      if (!isAppUrl(event.url)) event.preventDefault()
    })
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}

/** Session policy: deny every permission, and send the CSP header on non-file responses. Call after 'ready'. */
export function installSessionPolicy(): void {
  const ses = session.defaultSession
  // Only the Fullscreen API (the presenter's full-screen button); every other permission is denied.
  ses.setPermissionRequestHandler((_webContents, permission, callback) =>
    callback(permission === 'fullscreen'),
  )
  ses.setPermissionCheckHandler((_webContents, permission) => permission === 'fullscreen')
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (details.url.startsWith('file:')) {
      callback({})
      return
    }
    const headers: Record<string, string[]> = {}
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value
    }
    headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY]
    callback({ responseHeaders: headers })
  })
}
