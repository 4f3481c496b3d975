/**
 * Main-process wiring (electron/main/index.ts, window.ts, ipc.ts) against a fake 'electron'
 * module. The real module cannot be loaded under plain Node (it would try to download the binary),
 * so this checks what we pass to Electron, not how Electron behaves with it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fileFromArgv } from './files'
import { PREFIX, invokeChannels, type LabView, type Result } from '../../shared/ipc/contract'

type Fn = (...a: unknown[]) => unknown

const fx = vi.hoisted(() => {
  const appHandlers = new Map<string, Fn[]>()
  const ipcHandlers = new Map<string, Fn>()
  const windows: FakeWindow[] = []

  class FakeWebContents {
    sent: [string, unknown][] = []
    listeners = new Map<string, Fn>()
    on(ev: string, fn: Fn): void {
      this.listeners.set(ev, fn)
    }
    send(channel: string, payload: unknown): void {
      this.sent.push([channel, payload])
    }
    isDestroyed(): boolean {
      return false
    }
  }
  class FakeWindow {
    static getAllWindows(): FakeWindow[] {
      return windows
    }
    options: Record<string, unknown>
    webContents = new FakeWebContents()
    loaded: string[] = []
    handlers = new Map<string, Fn>()
    constructor(options: Record<string, unknown>) {
      this.options = options
      windows.push(this)
    }
    once(ev: string, fn: Fn): void {
      this.handlers.set(ev, fn)
    }
    on(ev: string, fn: Fn): void {
      this.handlers.set(ev, fn)
    }
    async loadFile(p: string): Promise<void> {
      this.loaded.push('file:' + p)
    }
    async loadURL(u: string): Promise<void> {
      this.loaded.push(u)
    }
    show(): void {}
    title = ''
    edited = false
    destroyed = false
    setTitle(t: string): void {
      this.title = t
    }
    setDocumentEdited(e: boolean): void {
      this.edited = e
    }
    destroy(): void {
      this.destroyed = true
    }
    focus(): void {}
    restore(): void {}
    isMinimized(): boolean {
      return false
    }
    isDestroyed(): boolean {
      return this.destroyed
    }
  }
  const ses = {
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    webRequest: { onHeadersReceived: vi.fn() },
  }
  const userData = `${process.env['TMPDIR'] ?? '/tmp'}/p2plab-main-test-${process.pid}-${Date.now()}`
  return {
    /** app.whenReady(); a test may hold it back to deliver 'open-file' before 'ready'. */
    ready: vi.fn(() => Promise.resolve()),
    userData,
    dialog: {
      showOpenDialog: vi.fn(),
      showSaveDialog: vi.fn(async (): Promise<{ canceled: boolean; filePath?: string }> => ({
        canceled: true,
      })),
      showMessageBox: vi.fn(async () => ({ response: 0 })),
    },
    appHandlers,
    ipcHandlers,
    windows,
    FakeWindow,
    ses,
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    buildFromTemplate: vi.fn((t: unknown[]) => ({ template: t })),
    setApplicationMenu: vi.fn(),
  }
})

vi.mock('electron', () => ({
  app: {
    on: (ev: string, fn: Fn) => fx.appHandlers.set(ev, [...(fx.appHandlers.get(ev) ?? []), fn]),
    whenReady: () => fx.ready(),
    requestSingleInstanceLock: fx.requestSingleInstanceLock,
    quit: fx.quit,
    getVersion: () => '9.9.9',
    getPath: (name: string) => (name === 'userData' ? fx.userData : '/nonexistent'),
    isPackaged: false,
  },
  BrowserWindow: fx.FakeWindow,
  ipcMain: {
    handle: (ch: string, fn: Fn) => fx.ipcHandlers.set(ch, fn),
    removeHandler: (ch: string) => fx.ipcHandlers.delete(ch),
  },
  session: { defaultSession: fx.ses },
  shell: { openExternal: vi.fn(async () => undefined) },
  Menu: { buildFromTemplate: fx.buildFromTemplate, setApplicationMenu: fx.setApplicationMenu },
  dialog: fx.dialog,
}))

let appUrl: string

afterAll(() => {
  rmSync(fx.userData, { recursive: true, force: true })
})

beforeAll(async () => {
  delete process.env['ELECTRON_RENDERER_URL']
  await import('./index')
  // Let app.whenReady().then(...) run.
  await until(() => fx.windows.length > 0, 'the first window')
  appUrl = (await import('./window')).appUrl()
})

function fakeContents() {
  const on = new Map<string, Fn>()
  let openHandler: Fn | null = null
  return {
    on: (ev: string, fn: Fn) => on.set(ev, fn),
    setWindowOpenHandler: (fn: Fn) => {
      openHandler = fn
    },
    emit(ev: string, url: string) {
      const event = { url, preventDefault: vi.fn() }
      on.get(ev)?.(event, url)
      return event
    },
    openHandler: () => openHandler,
  }
}

function invoke(channel: string, senderUrl: string | null, ...args: unknown[]) {
  const handler = fx.ipcHandlers.get(channel)
  if (!handler) throw new Error(`no handler for ${channel}`)
  const event = { senderFrame: senderUrl === null ? null : { url: senderUrl }, sender: {} }
  return handler(event, ...args) as Result<unknown>
}

describe('main process', () => {
  it('asks for the single-instance lock and opens exactly one hardened window', () => {
    expect(fx.requestSingleInstanceLock).toHaveBeenCalledTimes(1)
    expect(fx.quit).not.toHaveBeenCalled()
    expect(fx.appHandlers.has('second-instance')).toBe(true)
    expect(fx.windows).toHaveLength(1)
    const prefs = fx.windows[0]!.options['webPreferences'] as Record<string, unknown>
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    })
    expect(String(prefs['preload']).replaceAll('\\', '/')).toMatch(/\/preload\/index\.cjs$/)
    expect(fx.windows[0]!.loaded).toEqual([expect.stringMatching(/renderer[\\/]index\.html$/)])
    expect(appUrl).toMatch(/^file:\/\/.*\/renderer\/index\.html$/)
  })

  it('hardens the presenter window exactly like the main window', async () => {
    const { createPresenterWindow } = await import('./window')
    const before = fx.windows.length
    createPresenterWindow()
    const presenter = fx.windows[before]!
    expect(presenter.options['webPreferences']).toEqual(fx.windows[0]!.options['webPreferences'])
    expect(presenter.options['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    })
    fx.windows.splice(before, 1)
  })

  it('blocks navigation away from the app, denies new windows and <webview>', () => {
    const created = fx.appHandlers.get('web-contents-created')
    expect(created).toHaveLength(1)
    const contents = fakeContents()
    created![0]!({}, contents)
    expect(contents.emit('will-navigate', 'https://evil.example/').preventDefault).toHaveBeenCalled()
    expect(contents.emit('will-navigate', 'file:///etc/passwd').preventDefault).toHaveBeenCalled()
    expect(contents.emit('will-navigate', appUrl + '#x').preventDefault).not.toHaveBeenCalled()
    expect(contents.emit('will-redirect', 'https://evil.example/').preventDefault).toHaveBeenCalled()
    expect(contents.emit('will-attach-webview', appUrl).preventDefault).toHaveBeenCalled()
    expect(contents.openHandler()!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
  })

  it('denies every permission request and check, and sets the CSP header on http responses', () => {
    const [[requestHandler]] = fx.ses.setPermissionRequestHandler.mock.calls as [[Fn]]
    const cb = vi.fn()
    requestHandler({}, 'media', cb)
    requestHandler({}, 'notifications', cb)
    expect(cb.mock.calls).toEqual([[false], [false]])
    const [[checkHandler]] = fx.ses.setPermissionCheckHandler.mock.calls as [[Fn]]
    expect(checkHandler({}, 'clipboard-read')).toBe(false)

    const [[onHeaders]] = fx.ses.webRequest.onHeadersReceived.mock.calls as [[Fn]]
    const done = vi.fn()
    onHeaders(
      { url: 'http://localhost:5173/', responseHeaders: { 'content-security-policy': ['x'], a: ['b'] } },
      done,
    )
    const headers = (done.mock.calls[0]![0] as { responseHeaders: Record<string, string[]> }).responseHeaders
    expect(headers['Content-Security-Policy']![0]).toContain("script-src 'self'")
    expect(headers['Content-Security-Policy']![0]).not.toContain('unsafe-inline')
    expect(headers['content-security-policy']).toBeUndefined()
    expect(headers['a']).toEqual(['b'])
  })

  it('installs a native menu with File actions and the standard roles', () => {
    expect(fx.setApplicationMenu).toHaveBeenCalledTimes(1)
    const template = fx.buildFromTemplate.mock.calls[0]![0] as {
      label?: string
      role?: string
      submenu?: { label?: string; role?: string }[]
    }[]
    const file = template.find((m) => m.label?.includes('File'))!
    expect(file.submenu!.map((i) => i.label).filter(Boolean)).toEqual([
      'Open Lab or Topology…',
      'Open Recent',
      'Load Default Lab',
      'Save Lab',
      'Save Lab As…',
    ])
    const roles = template.map((m) => m.role).filter(Boolean)
    expect(roles).toEqual(expect.arrayContaining(['editMenu', 'windowMenu', 'help']))
    const view = template.find((m) => m.label?.includes('View'))!
    expect(view.submenu!.map((i) => i.role)).toEqual(
      expect.arrayContaining(['reload', 'toggleDevTools', 'zoomIn', 'togglefullscreen']),
    )
  })

  it('registers every contract channel with ipcMain.handle, with the lab: prefix', () => {
    expect([...fx.ipcHandlers.keys()].sort()).toEqual(
      Object.keys(invokeChannels)
        .map((c) => PREFIX + c)
        .sort(),
    )
  })

  it('answers the app page and refuses any other sender with kind untrusted', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const ok = invoke('lab:app.info', appUrl)
    expect(ok).toMatchObject({ ok: true, value: { name: 'P2P DMA Lab', version: '9.9.9', host: 'electron' } })
    for (const url of [
      'https://evil.example/',
      'file:///tmp/index.html',
      'about:blank',
      'devtools://devtools/x',
      null,
    ]) {
      for (const ch of Object.keys(invokeChannels)) {
        const r = invoke(PREFIX + ch, url)
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.error.kind).toBe('untrusted')
      }
    }
    expect(warn).toHaveBeenCalled()
    warn.mockRestore()
  })

  it('validates payloads in main and pushes lab.changed to the window after a change', () => {
    const bad = invoke('lab:lab.setSettings', appUrl, { era: 'v0.1' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error.kind).toBe('input')
    const win = fx.windows[0]!
    const before = win.webContents.sent.length
    const r = invoke('lab:lab.setSettings', appUrl, { era: 'v5.0' }) as Result<LabView>
    expect(r.ok).toBe(true)
    const sent = win.webContents.sent.slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0]![0]).toBe('lab:lab.changed')
    expect((sent[0]![1] as LabView).lab.settings.era).toBe('v5.0')
  })
})

describe('main: files and command line', () => {
  it('finds the file to open on a command line', () => {
    expect(fileFromArgv(['electron', '.', '--inspect', 'labs/gpu.p2plab'])).toBe('labs/gpu.p2plab')
    expect(fileFromArgv(['/opt/P2P DMA Lab/p2p-dma-lab', '/tmp/topo.XML'])).toBe('/tmp/topo.XML')
    expect(fileFromArgv(['app', '--flag=x.json', 'notes.md', 'lspci.txt'])).toBe('lspci.txt')
    expect(fileFromArgv(['app.json'])).toBeNull()
    expect(fileFromArgv(['electron', '.'])).toBeNull()
  })

  it('a second instance focuses the window and opens the file it was given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-argv-'))
    try {
      const win = fx.windows[0]!
      const focus = vi.spyOn(win, 'focus')
      const exported = invoke('lab:lab.exportText', appUrl) as Result<{ text: string }>
      expect(exported.ok).toBe(true)
      const lab = JSON.parse((exported as { value: { text: string } }).value.text) as {
        settings: { era: string }
      }
      lab.settings.era = 'v6.16'
      const file = join(dir, 'second.p2plab')
      writeFileSync(file, JSON.stringify(lab))
      const before = win.webContents.sent.length
      for (const fn of fx.appHandlers.get('second-instance') ?? [])
        fn({}, ['/usr/bin/p2p-dma-lab', file], dir)
      expect(focus).toHaveBeenCalled()
      await until(() => win.webContents.sent.length > before, 'lab.changed')
      const [channel, view] = win.webContents.sent[win.webContents.sent.length - 1]!
      expect(channel).toBe('lab:lab.changed')
      expect((view as LabView).lab.settings.era).toBe('v6.16')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('main: macOS open-file', () => {
  it('opens a file handed over by the OS (file association) and prevents the default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-open-file-'))
    try {
      const win = fx.windows[0]!
      const exported = invoke('lab:lab.exportText', appUrl) as Result<{ text: string }>
      const lab = JSON.parse((exported as { value: { text: string } }).value.text) as {
        settings: { era: string }
      }
      lab.settings.era = 'v5.4'
      const file = join(dir, 'finder.p2plab')
      writeFileSync(file, JSON.stringify(lab))
      const before = win.webContents.sent.length
      const event = { preventDefault: vi.fn() }
      for (const fn of fx.appHandlers.get('open-file') ?? []) fn(event, file)
      expect(event.preventDefault).toHaveBeenCalled()
      await until(() => win.webContents.sent.length > before, 'lab.changed')
      const [, view] = win.webContents.sent[win.webContents.sent.length - 1]!
      expect((view as LabView).lab.settings.era).toBe('v5.4')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

type MenuItem = {
  label?: string
  role?: string
  accelerator?: string
  click?: () => void
  submenu?: MenuItem[]
}

/** The File menu of the most recently installed application menu. */
function fileMenu(): MenuItem[] {
  const calls = fx.buildFromTemplate.mock.calls
  const template = calls[calls.length - 1]![0] as MenuItem[]
  return template.find((m) => m.label?.includes('File'))!.submenu!
}

/** Waits for `pred`; the 30 s limit only stops a hang (a loaded machine is slow, not wrong). */
async function until(pred: () => boolean, what: string): Promise<void> {
  await vi.waitFor(
    () => {
      if (!pred()) throw new Error(`timed out waiting for ${what}`)
    },
    { timeout: 30_000, interval: 10 },
  )
}

function current(): LabView {
  const r = invoke('lab:lab.current', appUrl) as Result<LabView>
  if (!r.ok) throw new Error('lab.current failed')
  return r.value
}

describe('main: saving, recent files, protected files', () => {
  it('Ctrl+S without a file asks for a name, saves, and the lab is clean; then saves in place with a backup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-save-'))
    try {
      invoke('lab:lab.loadDefault', appUrl) // earlier tests opened files from dirs that are gone
      expect(current()).toMatchObject({ dirty: false, filePath: null })
      invoke('lab:lab.setSettings', appUrl, { era: 'v6.2' })
      expect(current().dirty).toBe(true)
      const save = fileMenu().find((i) => i.label === 'Save Lab')!
      expect(save.accelerator).toBe('CmdOrCtrl+S')
      const target = join(dir, 'mine.p2plab')
      fx.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: target })
      save.click!()
      await until(() => current().filePath === target, 'the save')
      expect(fx.dialog.showSaveDialog).toHaveBeenCalledTimes(1)
      expect(current().dirty).toBe(false)
      expect(JSON.parse(readFileSync(target, 'utf8')).settings.era).toBe('v6.2')
      expect(fx.windows[0]!.title).toBe('mine.p2plab — P2P DMA Lab')

      invoke('lab:lab.setSettings', appUrl, { era: 'v5.4' })
      expect(current().dirty).toBe(true)
      expect(fx.windows[0]!.title).toBe('mine.p2plab • — P2P DMA Lab')
      fileMenu().find((i) => i.label === 'Save Lab')!.click!()
      await until(() => !current().dirty, 'the second save')
      expect(fx.dialog.showSaveDialog).toHaveBeenCalledTimes(1) // no dialog: saved in place
      expect(JSON.parse(readFileSync(target, 'utf8')).settings.era).toBe('v5.4')
      expect(JSON.parse(readFileSync(target + '.bak', 'utf8')).settings.era).toBe('v6.2')
      // Saved files are recent files, shown in File › Open Recent.
      const recent = fileMenu().find((i) => i.label === 'Open Recent')!.submenu!
      expect(recent[0]!.label).toBe(target)
      expect(JSON.parse(readFileSync(join(fx.userData, 'recent.json'), 'utf8')).files[0]).toBe(target)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a newer lab file that failed to open is never overwritten: Save As to it is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-newer-'))
    try {
      const newer = join(dir, 'future.p2plab')
      const text = JSON.stringify({ format: 'p2p-dma-lab', schemaVersion: 42, name: 'from the future' })
      writeFileSync(newer, text)
      const before = current().revision
      fx.dialog.showMessageBox.mockClear()
      for (const fn of fx.appHandlers.get('open-file') ?? []) fn({ preventDefault: vi.fn() }, newer)
      await until(() => fx.dialog.showMessageBox.mock.calls.length > 0, 'the error dialog')
      const shown = fx.dialog.showMessageBox.mock.calls[0] as unknown[]
      expect(JSON.stringify(shown)).toMatch(/newer version of P2P DMA Lab \(schema 42\)/)
      expect(current().revision).toBe(before)

      fx.dialog.showMessageBox.mockClear()
      fx.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: newer })
      fileMenu().find((i) => i.label === 'Save Lab As…')!.click!()
      await until(
        () => /never overwritten/.test(JSON.stringify(fx.dialog.showMessageBox.mock.calls)),
        'the refusal',
      )
      expect(readFileSync(newer, 'utf8')).toBe(text)
      expect(readdirSync(dir)).toEqual(['future.p2plab'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a lab opened from a file is clean and tied to it; the recent list reopens it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-recent-'))
    try {
      const exported = invoke('lab:lab.exportText', appUrl) as Result<{ text: string }>
      const lab = JSON.parse((exported as { value: { text: string } }).value.text) as {
        settings: { era: string }
      }
      lab.settings.era = 'v6.16'
      const file = join(dir, 'recent.p2plab')
      writeFileSync(file, JSON.stringify(lab))
      for (const fn of fx.appHandlers.get('open-file') ?? []) fn({ preventDefault: vi.fn() }, file)
      await until(() => current().filePath === file, 'the open')
      expect(current().dirty).toBe(false)
      const recentItems = () => fileMenu().find((i) => i.label === 'Open Recent')!.submenu!
      await until(() => recentItems().some((i) => i.label === file), 'the recent menu')
      invoke('lab:lab.loadDefault', appUrl)
      expect(current().filePath).toBeNull()
      const item = fileMenu()
        .find((i) => i.label === 'Open Recent')!
        .submenu!.find((i) => i.label === file)!
      item.click!()
      await until(() => current().filePath === file, 'the reopen')
      expect(current().lab.settings.era).toBe('v6.16')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('main: state lives in main', () => {
  it('keeps the UI state (validated) for a reloaded renderer', () => {
    const sel = { selectedPair: { provider: '0000:03:00.0', client: '0000:04:00.0' }, selectedNode: 'gpu0' }
    expect(invoke('lab:ui.setState', appUrl, sel)).toMatchObject({ ok: true, value: sel })
    // A reloaded page asks again and gets the same selection.
    expect(invoke('lab:ui.state', appUrl)).toEqual({ ok: true, value: { ...sel, cursor: null } })
    const bad = invoke('lab:ui.setState', appUrl, { selectedNode: 'x'.repeat(5000) })
    expect(bad).toMatchObject({ ok: false, error: { kind: 'input' } })
    expect(invoke('lab:ui.setState', appUrl, { junk: 1 })).toMatchObject({ ok: false })
    expect(invoke('lab:ui.state', appUrl)).toEqual({ ok: true, value: { ...sel, cursor: null } })
  })

  it('recreates the window when the renderer crashes (same lab), not on a clean exit, and not forever', () => {
    const win = fx.windows[fx.windows.length - 1]!
    const lab = current()
    const count = fx.windows.length
    win.webContents.listeners.get('render-process-gone')!({}, { reason: 'clean-exit', exitCode: 0 })
    expect(fx.windows.length).toBe(count)
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    win.webContents.listeners.get('render-process-gone')!({}, { reason: 'crashed', exitCode: 139 })
    expect(fx.windows.length).toBe(count + 1)
    expect(win.destroyed).toBe(true)
    const next = fx.windows[fx.windows.length - 1]!
    expect(next.loaded).toEqual([expect.stringMatching(/renderer[\\/]index\.html$/)])
    expect(current().revision).toBe(lab.revision)
    expect(current().lab).toEqual(lab.lab)
    // The new window is the one events go to.
    invoke('lab:lab.setSettings', appUrl, { era: 'v6.4' })
    expect(next.webContents.sent.at(-1)![0]).toBe('lab:lab.changed')
    // A renderer that crashes over and over: at most 3 new windows a minute, then an error.
    let w = next
    for (let i = 0; i < 4; i++) {
      w.webContents.listeners.get('render-process-gone')!({}, { reason: 'oom', exitCode: 1 })
      w = fx.windows[fx.windows.length - 1]!
    }
    expect(fx.windows.length).toBe(count + 3)
    err.mockRestore()
  })

  it('quitting with unsaved work writes the autosave first; the next start offers it', async () => {
    invoke('lab:lab.setSettings', appUrl, { era: 'v5.2' })
    expect(current().dirty).toBe(true)
    const event = { preventDefault: vi.fn() }
    fx.quit.mockClear()
    for (const fn of fx.appHandlers.get('before-quit') ?? []) fn(event)
    expect(event.preventDefault).toHaveBeenCalled()
    await until(() => fx.quit.mock.calls.length > 0, 'the quit after the flush')
    const saved = JSON.parse(readFileSync(join(fx.userData, 'autosave', 'current.p2plab'), 'utf8'))
    expect(saved.settings.era).toBe('v5.2')
    // A second before-quit (from app.quit()) goes through.
    const again = { preventDefault: vi.fn() }
    for (const fn of fx.appHandlers.get('before-quit') ?? []) fn(again)
    expect(again.preventDefault).not.toHaveBeenCalled()
    fx.quit.mockClear()
  })
})

describe('main: second launch', () => {
  it('quits at once, without a window or IPC handlers, when another instance holds the lock', async () => {
    vi.resetModules()
    fx.requestSingleInstanceLock.mockReturnValueOnce(false)
    const windows = fx.windows.length
    fx.ipcHandlers.clear()
    await import('./index')
    await until(() => fx.quit.mock.calls.length > 0, 'the quit')
    expect(fx.quit).toHaveBeenCalledTimes(1)
    expect(fx.windows.length).toBe(windows)
    expect(fx.ipcHandlers.size).toBe(0)
  })
})

describe('main: cold start with a file', () => {
  /** Start a fresh main module (a new app launch) with `argv`; `beforeReady` runs before 'ready'. */
  async function launch(argv: string[], beforeReady?: () => void): Promise<void> {
    vi.resetModules()
    fx.appHandlers.clear()
    fx.ipcHandlers.clear()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    fx.ready.mockImplementationOnce(() => gate)
    const saved = process.argv
    process.argv = argv
    try {
      const windows = fx.windows.length
      await import('./index')
      beforeReady?.()
      release()
      await until(() => fx.windows.length > windows, 'the window')
    } finally {
      process.argv = saved
    }
  }

  function labWithEra(era: string): string {
    const lab = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../tests/fixtures/labs/T1-intel.p2plab'), 'utf8'),
    )
    lab.settings.era = era
    return JSON.stringify(lab)
  }

  it('opens the file given on the command line before the window asks for the lab', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-argv-cold-'))
    try {
      const file = join(dir, 'argv.p2plab')
      writeFileSync(file, labWithEra('v6.0'))
      await launch(['/opt/P2P DMA Lab/p2p-dma-lab', '--no-sandbox', file])
      expect(current()).toMatchObject({ filePath: file, dirty: false, lab: { settings: { era: 'v6.0' } } })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("opens a file macOS delivers with 'open-file' before 'ready'", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-open-file-cold-'))
    try {
      const file = join(dir, 'finder.p2plab')
      writeFileSync(file, labWithEra('v6.4'))
      const event = { preventDefault: vi.fn() }
      await launch(['/Applications/P2P DMA Lab.app/Contents/MacOS/P2P DMA Lab'], () => {
        for (const fn of fx.appHandlers.get('open-file') ?? []) fn(event, file)
      })
      expect(event.preventDefault).toHaveBeenCalled()
      expect(current()).toMatchObject({ filePath: file, lab: { settings: { era: 'v6.4' } } })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a damaged file on the command line: the default lab, and an error once the window is there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-argv-bad-'))
    try {
      const file = join(dir, 'broken.p2plab')
      writeFileSync(file, '{ "format": "p2p-dma-lab", ')
      fx.dialog.showMessageBox.mockClear()
      await launch(['p2p-dma-lab', file])
      expect(current().filePath).toBeNull()
      await until(() => fx.dialog.showMessageBox.mock.calls.length > 0, 'the error')
      expect(JSON.stringify(fx.dialog.showMessageBox.mock.calls[0])).toMatch(
        /Could not open .*broken\.p2plab/,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('offers the autosave the last session left (lab.recovery) and restores it', async () => {
    // The before-quit test above left an autosave with era v5.2 in this userData.
    await launch(['p2p-dma-lab'])
    const info = invoke('lab:lab.recovery', appUrl) as Result<{ available: boolean }>
    expect(info).toMatchObject({ ok: true, value: { available: true } })
    const r = invoke('lab:lab.recover', appUrl) as Result<LabView>
    expect(r).toMatchObject({ ok: true, value: { dirty: true, lab: { settings: { era: 'v5.2' } } } })
  })
})
