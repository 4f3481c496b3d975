/**
 * A fake `electron` module for main-process tests that behaves like Electron 45 where this app
 * depends on it. The real module cannot be loaded here (it downloads its binary), so main runs
 * against this one:
 *
 *   vi.mock('electron', async () => (await import('../../tests/helpers/fake-electron')).electronModule())
 *   import { fake } from '../../tests/helpers/fake-electron'
 *
 * (a test that launches main imports tests/helpers/launch-main.ts instead, which does the mocking)
 *
 * What it models, and from where (electron/electron's source and documentation):
 *  - the window list and its lifecycle: `win.close()` emits a preventable 'close' synchronously and
 *    closes later; `win.destroy()` emits 'closed' synchronously, and the removal of the LAST window
 *    emits app 'window-all-closed' inside the same call (shell/browser/native_window.cc
 *    NotifyWindowClosed, window_list.cc RemoveWindow, browser.cc OnWindowAllClosed). A closed
 *    window throws 'Object has been destroyed' when used.
 *  - Electron's own 'window-all-closed' listener (lib/browser/init.ts): with no app listener the app quits.
 *  - app.quit() as Browser::Quit: 'before-quit' (preventable; a prevented quit can be asked again),
 *    then 'close' on every window (reverse order on macOS) — a cancelled 'close' cancels the quit —
 *    and once the last window is gone 'will-quit' (preventable) then 'quit'. No 'window-all-closed'
 *    during a quit. app.exit(): windows destroyed, 'quit' only.
 *  - 'ready' after 'will-finish-launching'; whenReady(); `new BrowserWindow()` before ready throws.
 *  - loads: loadFile/loadURL set the URL, then (async) 'page-title-updated' (event, title, explicitSet)
 *    on webContents and window — unless prevented the page's <title> replaces the window title
 *    (electron_api_browser_window.cc OnPageTitleUpdated) — then 'did-finish-load', 'ready-to-show' once.
 *  - 'render-process-gone' (event, details) on webContents and (event, webContents, details) on app;
 *    the window stays; messages sent to a crashed renderer are dropped; reload() brings it back.
 *  - the single-instance lock keyed on the userData path at the time of the call (ProcessSingleton on
 *    DIR_USER_DATA); a launch that does not get it makes the holder emit 'second-instance'
 *    (event, argv, workingDirectory, additionalData), after 'ready', with a Chromium switch appended.
 *  - 'open-file' (preventable) before or after 'ready'; 'activate' (event, hasVisibleWindows).
 *  - app.setPath: absolute and existing paths only; getPath('userData') follows it.
 *  - app.setAppUserModelId exists on Windows only (electron_api_app.cc: #if defined(OS_WIN)).
 *  - dialogs resolve Electron 45 shapes: cancelled open → {canceled: true, filePaths: []}, cancelled
 *    save → {canceled: true, filePath: ''}, message box → {response: 0, checkboxChecked: false};
 *    a destroyed parent window throws. shell.openExternal returns a promise (tests can make it reject).
 *  - ipcMain.handle refuses a second handler for a channel, as Electron does.
 *
 * Where it simplifies:
 *  - no processes: a "launch" is a fresh import of main after fake.reset(); quitting records
 *    app.exitCode instead of exiting; a second instance is simulated by fake.secondInstance().
 *  - 'closed' after close() comes on the next macrotask (setImmediate) standing in for the renderer's
 *    unload; pages never veto with beforeunload (this app's page has none).
 *  - the page title is one constant (fake.pageTitle); renderer-side document.title changes are not modelled.
 *  - platform differences: only those above (macOS close order, open-file/activate, AUMID on Windows);
 *    the platform is process.platform at call time (tests stub it).
 *  - Menu, session and webRequest only record what main passes (vi.fn): there is no menu or network.
  - Windows' 'session-end' (logoff, shutdown: no before-quit or will-quit) is not raised by the fake;
    a test emits it on the window, and nothing ends the process after the handler returns (so a test
    checks the disk before awaiting anything).
 * State lives on globalThis, so the module and the test share it across vi.resetModules().
 */
import { EventEmitter } from 'node:events'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { vi } from 'vitest'

export interface PreventableEvent {
  preventDefault(): void
  readonly defaultPrevented: boolean
}

function preventable(): PreventableEvent {
  let prevented = false
  return {
    preventDefault() {
      prevented = true
    },
    get defaultPrevented() {
      return prevented
    },
  }
}

/** Emit a preventable event; true when a listener prevented it. */
function emitPreventable(em: EventEmitter, name: string, ...args: unknown[]): boolean {
  const e = preventable()
  em.emit(name, e, ...args)
  return e.defaultPrevented
}

const destroyedError = (): TypeError => new TypeError('Object has been destroyed')

type Fn = (...a: never[]) => unknown

export interface RenderProcessGoneDetails {
  reason:
    | 'clean-exit'
    | 'abnormal-exit'
    | 'killed'
    | 'crashed'
    | 'oom'
    | 'launch-failed'
    | 'integrity-failure'
    | 'memory-eviction'
  exitCode: number
}

export class FakeWebContents extends EventEmitter {
  readonly id: number
  /** Messages the renderer received: [channel, payload]. */
  sent: [string, unknown][] = []
  /** Sent while the renderer was gone. */
  dropped: [string, unknown][] = []
  crashed = false
  windowOpenHandler: Fn | null = null
  constructor(readonly owner: FakeBrowserWindow) {
    super()
    this.id = state().nextId++
  }
  isDestroyed(): boolean {
    return this.owner.isDestroyed()
  }
  send(channel: string, payload: unknown): void {
    if (this.isDestroyed()) throw destroyedError()
    ;(this.crashed ? this.dropped : this.sent).push([channel, payload])
  }
  setWindowOpenHandler(fn: Fn): void {
    this.windowOpenHandler = fn
  }
  getURL(): string {
    return this.owner.url
  }
  isCrashed(): boolean {
    return this.crashed
  }
  reload(): void {
    if (this.isDestroyed()) throw destroyedError()
    this.crashed = false
    void this.owner.load(this.owner.url)
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static getAllWindows(): FakeBrowserWindow[] {
    return state().windows.filter((w) => !w.destroyed)
  }
  static getFocusedWindow(): FakeBrowserWindow | null {
    return state().windows.find((w) => w.focused && !w.destroyed) ?? null
  }

  readonly id: number
  readonly webContents: FakeWebContents
  title: string
  url = ''
  destroyed = false
  shown = false
  focused = false
  minimized = false
  documentEdited = false
  private readyToShowSent = false

  constructor(readonly options: Record<string, unknown> = {}) {
    super()
    const s = state()
    if (!s.app.isReady()) throw new Error('Cannot create BrowserWindow before app is ready')
    this.id = s.nextId++
    this.title = typeof options['title'] === 'string' ? options['title'] : 'Electron'
    this.webContents = new FakeWebContents(this)
    s.windows.push(this)
    s.log.push(`window ${this.id}: created`)
    s.app.emit('web-contents-created', preventable(), this.webContents)
    s.app.emit('browser-window-created', preventable(), this)
  }

  private alive(): void {
    if (this.destroyed) throw destroyedError()
  }

  async loadFile(
    path: string,
    options: { hash?: string; query?: Record<string, string> } = {},
  ): Promise<void> {
    this.alive()
    await this.load(`file://${path}${options.hash ? `#${options.hash}` : ''}`)
  }
  async loadURL(url: string): Promise<void> {
    this.alive()
    await this.load(url)
  }
  /** The page load sequence (see the header). */
  async load(url: string): Promise<void> {
    this.url = url
    await Promise.resolve()
    if (this.destroyed) return
    const title = state().pageTitle
    emitPreventable(this.webContents, 'page-title-updated', title, true)
    if (!emitPreventable(this, 'page-title-updated', title, true)) this.title = title
    this.webContents.emit('did-finish-load')
    if (!this.readyToShowSent) {
      this.readyToShowSent = true
      this.emit('ready-to-show')
    }
  }

  setTitle(title: string): void {
    this.alive()
    this.title = title
  }
  getTitle(): string {
    this.alive()
    return this.title
  }
  setDocumentEdited(edited: boolean): void {
    this.alive()
    this.documentEdited = edited
  }
  show(): void {
    this.alive()
    this.shown = true
  }
  focus(): void {
    this.alive()
    for (const w of state().windows) w.focused = false
    this.focused = true
  }
  restore(): void {
    this.alive()
    this.minimized = false
  }
  isMinimized(): boolean {
    this.alive()
    return this.minimized
  }
  isVisible(): boolean {
    this.alive()
    return this.shown
  }
  isDestroyed(): boolean {
    return this.destroyed
  }

  /** Like the close button: a preventable 'close' now, 'closed' once the page has unloaded. */
  close(): void {
    this.alive()
    state().log.push(`window ${this.id}: close`)
    if (emitPreventable(this, 'close')) {
      state().app.closeCancelled()
      return
    }
    setImmediate(() => this.destroy())
  }

  /** No 'close'; 'closed' and, for the last window, app 'window-all-closed' before this returns. */
  destroy(): void {
    if (this.destroyed) return
    const s = state()
    this.destroyed = true
    s.log.push(`window ${this.id}: closed`)
    this.emit('closed')
    s.windows.splice(s.windows.indexOf(this), 1)
    if (s.windows.length === 0) s.app.allWindowsClosed()
  }
}

export class FakeApp extends EventEmitter {
  isPackaged = false
  name = 'p2p-dma-lab'
  /** Set when 'quit' was emitted (the process would exit with it). */
  exitCode: number | null = null
  appUserModelId: string | null = null
  private readyFlag = false
  private quitting = false
  private exiting = false
  private shutdown = false
  private code = 0
  private release: () => void = () => undefined
  private readyPromise: Promise<void> = Promise.resolve()
  private readonly paths = new Map<string, string>()

  constructor() {
    super()
    this.setMaxListeners(50)
  }

  /** A fresh app for a new launch. */
  resetFor(options: { isPackaged: boolean; appData: string; home: string }): void {
    this.removeAllListeners()
    this.isPackaged = options.isPackaged
    this.exitCode = null
    this.appUserModelId = null
    this.readyFlag = false
    this.quitting = false
    this.exiting = false
    this.shutdown = false
    this.code = 0
    this.readyPromise = new Promise<void>((r) => (this.release = r))
    this.paths.clear()
    this.paths.set('appData', options.appData)
    this.paths.set('home', options.home)
    this.paths.set('temp', tmpdir())
    // Electron's default: <appData>/<app name>.
    this.paths.set('userData', join(options.appData, this.name))
    // lib/browser/init.ts: with no app listener of its own, closing every window quits.
    this.on('window-all-closed', () => {
      if (this.listenerCount('window-all-closed') === 1) this.quit()
    })
  }

  whenReady(): Promise<void> {
    return this.readyPromise
  }
  isReady(): boolean {
    return this.readyFlag
  }
  /** 'will-finish-launching', then 'ready'; releases whenReady(). */
  becomeReady(): void {
    this.emit('will-finish-launching')
    this.readyFlag = true
    state().log.push('app: ready')
    this.emit('ready', preventable(), {})
    this.release()
  }
  getVersion(): string {
    return state().version
  }
  getName(): string {
    return this.name
  }
  getAppPath(): string {
    return state().appPath
  }
  getPath(name: string): string {
    const p = this.paths.get(name)
    if (!p) throw new Error(`Failed to get '${name}' path`)
    return p
  }
  setPath(name: string, path: string): void {
    if (!isAbsolute(path)) throw new Error('Path must be absolute')
    if (!existsSync(path)) throw new Error(`Failed to set path: ${path} does not exist`)
    this.paths.set(name, path)
  }

  /** Keyed on the userData path now; a launch that does not get it hands its argv to the holder. */
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean {
    const s = state()
    const key = this.getPath('userData')
    s.lockRequests.push({ userData: key, additionalData })
    if (s.locksHeldElsewhere.has(key)) return false
    s.lockHeld = key
    return true
  }
  hasSingleInstanceLock(): boolean {
    return state().lockHeld !== null
  }
  releaseSingleInstanceLock(): void {
    state().lockHeld = null
  }

  quit(): void {
    const s = state()
    if (this.quitting) return
    s.log.push('app: before-quit')
    this.quitting = !emitPreventable(this, 'before-quit')
    if (!this.quitting) return
    const open = s.windows.filter((w) => !w.destroyed)
    if (open.length === 0) return this.notifyAndShutdown()
    for (const w of currentPlatform() === 'darwin' ? [...open].reverse() : open) {
      if (!w.destroyed) w.close()
      if (!this.quitting) return // a window refused to close
    }
  }
  exit(code = 0): void {
    this.exiting = this.quitting = true
    this.code = code
    const open = state().windows.filter((w) => !w.destroyed)
    if (open.length === 0) this.doShutdown()
    else for (const w of open) w.destroy()
  }
  focus(): void {}

  /** Internal: a window's 'close' was prevented (WindowList::WindowCloseCancelled). */
  closeCancelled(): void {
    this.quitting = false
  }
  /** Internal: the window list became empty (Browser::OnWindowAllClosed). */
  allWindowsClosed(): void {
    if (this.exiting) this.doShutdown()
    else if (this.quitting) this.notifyAndShutdown()
    else {
      state().log.push('app: window-all-closed')
      this.emit('window-all-closed')
    }
  }
  private notifyAndShutdown(): void {
    if (this.shutdown) return
    state().log.push('app: will-quit')
    if (emitPreventable(this, 'will-quit')) {
      this.quitting = false
      return
    }
    this.doShutdown()
  }
  private doShutdown(): void {
    if (this.shutdown) return
    this.shutdown = true
    state().log.push('app: quit')
    this.emit('quit', preventable(), this.code)
    this.exitCode = this.code
  }
}

/** app.setAppUserModelId exists on Windows only. */
Object.defineProperty(FakeApp.prototype, 'setAppUserModelId', {
  get(this: FakeApp) {
    if (currentPlatform() !== 'win32') return undefined
    return (id: string) => {
      if (this.appUserModelId === null) state().log.push(`app: setAppUserModelId ${id}`)
      this.appUserModelId = id
    }
  },
})

function currentPlatform(): NodeJS.Platform {
  return process.platform
}

interface FakeState {
  app: FakeApp
  windows: FakeBrowserWindow[]
  log: string[]
  nextId: number
  pageTitle: string
  version: string
  appPath: string
  lockHeld: string | null
  locksHeldElsewhere: Set<string>
  lockRequests: { userData: string; additionalData: Record<string, unknown> | undefined }[]
  ipcHandlers: Map<string, Fn>
  root: string
  electron: ReturnType<typeof buildModule>
}

const KEY = Symbol.for('p2p-dma-lab.fake-electron')

function state(): FakeState {
  const g = globalThis as unknown as Record<symbol, FakeState | undefined>
  let s = g[KEY]
  if (!s) {
    const root = mkdtempSync(join(tmpdir(), 'fake-electron-'))
    s = {
      app: new FakeApp(),
      windows: [],
      log: [],
      nextId: 1,
      pageTitle: 'P2P DMA Lab',
      version: '9.9.9',
      appPath: process.cwd(),
      lockHeld: null,
      locksHeldElsewhere: new Set(),
      lockRequests: [],
      ipcHandlers: new Map(),
      root,
      electron: undefined as unknown as ReturnType<typeof buildModule>,
    }
    g[KEY] = s
    s.electron = buildModule(s)
    s.app.resetFor({ isPackaged: false, appData: join(root, 'appData'), home: root })
  }
  return s
}

function checkParent(win: unknown): void {
  if (win instanceof FakeBrowserWindow && win.isDestroyed()) throw destroyedError()
}

function buildModule(s: FakeState) {
  const dialog = {
    showOpenDialog: vi.fn(async (win: unknown, _options?: unknown) => {
      checkParent(win)
      return { canceled: true, filePaths: [] as string[] }
    }),
    showSaveDialog: vi.fn(async (win: unknown, _options?: unknown) => {
      checkParent(win)
      return { canceled: true, filePath: '' }
    }),
    showMessageBox: vi.fn(async (win: unknown, _options?: unknown) => {
      checkParent(win)
      return { response: 0, checkboxChecked: false }
    }),
    showErrorBox: vi.fn(),
  }
  const ses = {
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    webRequest: { onHeadersReceived: vi.fn() },
  }
  return {
    app: s.app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain: {
      handle(channel: string, fn: Fn): void {
        if (s.ipcHandlers.has(channel))
          throw new Error(`Attempted to register a second handler for '${channel}'`)
        s.ipcHandlers.set(channel, fn)
      },
      removeHandler(channel: string): void {
        s.ipcHandlers.delete(channel)
      },
    },
    session: { defaultSession: ses },
    shell: { openExternal: vi.fn(async (_url: string) => undefined) },
    Menu: {
      buildFromTemplate: vi.fn((template: unknown[]) => ({ template })),
      setApplicationMenu: vi.fn(),
    },
    dialog,
    webUtils: { getPathForFile: vi.fn(() => '') },
  }
}

/** The object vi.mock('electron', …) returns. */
export function electronModule(): FakeState['electron'] {
  return state().electron
}

export interface LaunchOptions {
  isPackaged?: boolean
  /** Electron's appData folder for this launch (default: one under fake.root). */
  appData?: string
}

/** Test-side controls. */
export const fake = {
  get app(): FakeApp {
    return state().app
  },
  get electron(): FakeState['electron'] {
    return state().electron
  },
  /** Lifecycle events in order ('app: before-quit', 'window 3: closed', …). */
  get log(): string[] {
    return state().log
  },
  /** The page's <title> every load reports. */
  get pageTitle(): string {
    return state().pageTitle
  },
  set pageTitle(t: string) {
    state().pageTitle = t
  },
  /** A root folder for this fake (appData lives under it). */
  get root(): string {
    return state().root
  },
  /** Start over for a new launch: no windows, no handlers, a fresh app (same module objects). */
  reset(options: LaunchOptions = {}): void {
    const s = state()
    for (const w of [...s.windows]) w.removeAllListeners()
    s.windows.length = 0
    s.log.length = 0
    s.ipcHandlers.clear()
    s.lockHeld = null
    s.locksHeldElsewhere.clear()
    s.lockRequests.length = 0
    s.app.resetFor({
      isPackaged: options.isPackaged ?? false,
      appData: options.appData ?? join(s.root, 'appData'),
      home: s.root,
    })
    for (const f of Object.values(s.electron.dialog)) (f as ReturnType<typeof vi.fn>).mockClear()
    s.electron.shell.openExternal.mockClear()
    s.electron.Menu.buildFromTemplate.mockClear()
    s.electron.Menu.setApplicationMenu.mockClear()
    s.electron.webUtils.getPathForFile.mockClear()
    for (const f of [
      s.electron.session.defaultSession.setPermissionCheckHandler,
      s.electron.session.defaultSession.setPermissionRequestHandler,
      s.electron.session.defaultSession.webRequest.onHeadersReceived,
    ])
      f.mockClear()
  },
  /** Another process (e.g. the installed app) holds the lock for this userData folder. */
  holdLockElsewhere(userData: string): void {
    state().locksHeldElsewhere.add(userData)
  },
  get lockRequests(): FakeState['lockRequests'] {
    return state().lockRequests
  },
  /** Windows still open, in creation order. */
  windows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.getAllWindows()
  },
  ready(): void {
    state().app.becomeReady()
  },
  /** The renderer of `win` died: 'render-process-gone' on its webContents and on app. */
  crashRenderer(
    win: FakeBrowserWindow,
    details: RenderProcessGoneDetails = { reason: 'crashed', exitCode: 139 },
  ): void {
    const wc = win.webContents
    wc.crashed = true
    wc.emit('render-process-gone', preventable(), details)
    state().app.emit('render-process-gone', preventable(), wc, details)
  },
  /** macOS hands over a file (Finder, the dock); returns whether the app prevented the default. */
  openFile(path: string): boolean {
    state().log.push(`app: open-file ${path}`)
    return emitPreventable(state().app, 'open-file', path)
  },
  /**
   * Another launch of the app (same userData) with `argv` from `workingDirectory`: the holder gets
   * 'second-instance' (after ready; Chromium appends a switch to argv).
   */
  secondInstance(argv: string[], workingDirectory: string, additionalData: unknown = {}): void {
    const app = state().app
    const deliver = (): void => {
      app.emit(
        'second-instance',
        preventable(),
        [...argv, '--original-process-start-time=13370000000000000'],
        workingDirectory,
        additionalData,
      )
    }
    if (app.isReady()) deliver()
    else void app.whenReady().then(deliver)
  },
  /** macOS: the dock icon was clicked. */
  activate(): void {
    state().app.emit(
      'activate',
      preventable(),
      FakeBrowserWindow.getAllWindows().some((w) => w.shown),
    )
  },
  /** Call an ipcMain.handle handler as a renderer frame at `senderUrl` would. */
  invoke(channel: string, senderUrl: string | null, ...args: unknown[]): unknown {
    const handler = state().ipcHandlers.get(channel)
    if (!handler) throw new Error(`no handler for ${channel}`)
    const sender = fake.windows()[0]?.webContents ?? {}
    const event = { senderFrame: senderUrl === null ? null : { url: senderUrl }, sender }
    return (handler as (...a: unknown[]) => unknown)(event, ...args)
  },
  ipcChannels(): string[] {
    return [...state().ipcHandlers.keys()]
  },
  /** The template of the last application menu main installed. */
  menuTemplate(): unknown[] {
    const calls = state().electron.Menu.buildFromTemplate.mock.calls
    return (calls[calls.length - 1]?.[0] as unknown[] | undefined) ?? []
  },
}
