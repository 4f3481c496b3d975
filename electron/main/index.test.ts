/**
 * Main-process wiring (electron/main/index.ts, window.ts, ipc.ts, menu.ts) against the fake
 * Electron (tests/helpers/fake-electron.ts): the hardened windows, the menu, every contract channel
 * and its sender check, and the file paths — File › Open, the window's Open…/drop (file.open),
 * Save with its backup, change detection, protected files, recent files. The app's lifecycle
 * (crashes, quitting, titles, second launches, macOS, Windows) is in lifecycle.test.ts.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { PREFIX, invokeChannels, type LabView, type Result } from '../../shared/ipc/contract'
import { fake } from '../../tests/helpers/fake-electron'
import {
  call,
  current,
  labFileAt,
  labWithEra,
  launch,
  menu,
  menuItem,
  tmp,
  until,
  type MenuItem,
} from '../../tests/helpers/launch-main'

/**
 * shared.p2plab (era v6.16) opened, changed here (era v5.4), then rewritten by another program
 * (era v6.0: `theirs`) before the user saves.
 */
async function changedHereAndOnDisk(name: string) {
  const dir = tmp(name)
  const file = labFileAt(dir, 'shared.p2plab', 'v6.16')
  const l = await launch({ argv: ['p2p-dma-lab', file] })
  expect(current(l).filePath).toBe(file)
  call(l, 'lab.setSettings', { era: 'v5.4' })
  const theirs = labWithEra('v6.0')
  writeFileSync(file, theirs)
  return { dir, file, l, theirs }
}

describe('main: windows, menu and IPC', () => {
  it('opens exactly one hardened window on the app page', async () => {
    const l = await launch()
    expect(fake.windows()).toHaveLength(1)
    const prefs = l.window!.options['webPreferences'] as Record<string, unknown>
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: true, // a development run
    })
    expect(String(prefs['preload']).replaceAll('\\', '/')).toMatch(/\/preload\/index\.cjs$/)
    expect(l.window!.url).toMatch(/^file:\/\/.*renderer[\\/]index\.html$/)
    expect(l.appUrl).toMatch(/^file:\/\/.*\/renderer\/index\.html$/)
  })

  it('hardens the presenter window exactly like the main window', async () => {
    const l = await launch()
    expect(call(l, 'app.presenter.open')).toMatchObject({ ok: true, value: { opened: true } })
    const [main, presenter] = fake.windows()
    expect(presenter!.options['webPreferences']).toEqual(main!.options['webPreferences'])
  })

  it('blocks navigation away from the app, new windows and <webview> on every web contents', async () => {
    const l = await launch()
    const wc = l.window!.webContents
    const nav = (ev: string, url: string) => {
      const e = { url, preventDefault: vi.fn() }
      wc.emit(ev, e, url)
      return e.preventDefault
    }
    expect(nav('will-navigate', 'https://evil.example/')).toHaveBeenCalled()
    expect(nav('will-navigate', 'file:///etc/passwd')).toHaveBeenCalled()
    expect(nav('will-navigate', l.appUrl + '#x')).not.toHaveBeenCalled()
    expect(nav('will-redirect', 'https://evil.example/')).toHaveBeenCalled()
    expect(nav('will-attach-webview', l.appUrl)).toHaveBeenCalled()
    expect((wc.windowOpenHandler as (d: unknown) => unknown)({ url: 'https://evil.example/' })).toEqual({
      action: 'deny',
    })
  })

  it('denies every permission but fullscreen, and sets the CSP header on http responses', async () => {
    await launch()
    const ses = fake.electron.session.defaultSession
    const [[requestHandler]] = ses.setPermissionRequestHandler.mock.calls as unknown as [
      [(w: unknown, p: string, cb: (ok: boolean) => void) => void],
    ]
    const cb = vi.fn()
    requestHandler({}, 'media', cb)
    requestHandler({}, 'notifications', cb)
    expect(cb.mock.calls).toEqual([[false], [false]])
    const [[onHeaders]] = ses.webRequest.onHeadersReceived.mock.calls as unknown as [
      [(d: unknown, done: (r: unknown) => void) => void],
    ]
    const done = vi.fn()
    onHeaders({ url: 'http://localhost:5173/', responseHeaders: { 'content-security-policy': ['x'] } }, done)
    const headers = (done.mock.calls[0]![0] as { responseHeaders: Record<string, string[]> }).responseHeaders
    expect(headers['Content-Security-Policy']![0]).toContain("script-src 'self'")
    expect(headers['content-security-policy']).toBeUndefined()
  })

  it('installs a native menu: File actions; DevTools only in a development build', async () => {
    await launch()
    const file = menu().find((m) => m.label?.includes('File'))!
    expect(file.submenu!.map((i) => i.label).filter(Boolean)).toEqual([
      'Open Lab or Topology…',
      'Open Recent',
      'Load Default Lab',
      // Linux only: this machine's PCI tree from sysfs
      ...(process.platform === 'linux' ? ['Import This Machine (sysfs)'] : []),
      'Save Lab',
      'Save Lab As…',
    ])
    const viewRoles = (): (string | undefined)[] =>
      menu()
        .find((m) => m.label?.includes('View'))!
        .submenu!.map((i: MenuItem) => i.role)
    expect(viewRoles()).toEqual(expect.arrayContaining(['reload', 'toggleDevTools', 'zoomIn']))

    const packaged = await launch({ isPackaged: true })
    expect(viewRoles()).not.toContain('toggleDevTools')
    expect(viewRoles()).not.toContain('forceReload')
    expect(packaged.window!.options['webPreferences']).toMatchObject({ devTools: false })
  })

  it('registers every contract channel with the lab: prefix; refuses any sender but the app page', async () => {
    const l = await launch()
    expect(fake.ipcChannels().sort()).toEqual(
      Object.keys(invokeChannels)
        .map((c) => PREFIX + c)
        .sort(),
    )
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    expect(call(l, 'app.info')).toMatchObject({ ok: true, value: { name: 'P2P DMA Lab', host: 'electron' } })
    for (const url of ['https://evil.example/', 'file:///tmp/index.html', 'about:blank', null]) {
      for (const ch of Object.keys(invokeChannels)) {
        const r = fake.invoke(PREFIX + ch, url) as Result<unknown>
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.error.kind).toBe('untrusted')
      }
    }
    expect(warn).toHaveBeenCalled()
  })

  it('validates payloads in main and pushes lab.changed to the window after a change', async () => {
    const l = await launch()
    const bad = call(l, 'lab.setSettings', { era: 'v0.1' })
    expect(bad).toMatchObject({ ok: false, error: { kind: 'input' } })
    const before = l.window!.webContents.sent.length
    // A change from the menu (not from the page's own request) reaches the page as lab.changed.
    menuItem('File', 'Load Default Lab').click!()
    const sent = l.window!.webContents.sent.slice(before)
    expect(sent.map(([ch]) => ch)).toEqual(['lab:lab.changed'])
  })

  it('app.openSource: a browser that refuses the URL is reported, not an unhandled rejection', async () => {
    const l = await launch()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    fake.electron.shell.openExternal.mockRejectedValueOnce(new Error('no handler for https'))
    const r = call(l, 'app.openSource', { era: 'v6.12', fn: 'pci_p2pdma_distance' })
    expect(r).toMatchObject({ ok: true, value: { opened: true } })
    expect(fake.electron.shell.openExternal).toHaveBeenCalledWith(
      expect.stringMatching(/^https:\/\/elixir\.bootlin\.com\//),
    )
    await until(() => warn.mock.calls.length > 0, 'the warning')
    expect(String(warn.mock.calls[0]![0])).toMatch(/could not open https:\/\/elixir/)
  })
})

describe('main: File › Open, the window’s Open… and drop (file.open), Save', () => {
  it('file.open opens a picked or dropped file exactly as File › Open: recent files, Save writes back with .bak', async () => {
    const dir = tmp('file-open')
    const file = labFileAt(dir, 'dropped.p2plab', 'v6.16')
    const l = await launch()
    const r = (await call(l, 'file.open', { path: file })) as Result<LabView>
    expect(r).toMatchObject({
      ok: true,
      value: { filePath: file, dirty: false, lab: { settings: { era: 'v6.16' } } },
    })
    await until(
      () => menuItem('File', 'Open Recent').submenu!.some((i) => i.label === file),
      'the recent menu',
    )
    expect(l.window!.title).toBe('dropped.p2plab — P2P DMA Lab')
    call(l, 'lab.setSettings', { era: 'v5.4' })
    menuItem('File', 'Save Lab').click!()
    await until(() => !current(l).dirty, 'the save')
    expect(fake.electron.dialog.showSaveDialog).not.toHaveBeenCalled() // saved back to the dropped file
    expect(JSON.parse(readFileSync(file, 'utf8')).settings.era).toBe('v5.4')
    expect(JSON.parse(readFileSync(file + '.bak', 'utf8')).settings.era).toBe('v6.16')
  })

  it('file.open refuses relative paths and reports a bad file as a located input error (no dialog)', async () => {
    const dir = tmp('file-open-bad')
    const l = await launch()
    expect(await call(l, 'file.open', { path: 'relative.p2plab' })).toMatchObject({
      ok: false,
      error: { kind: 'input', message: expect.stringMatching(/absolute/) as unknown as string },
    })
    const bad = join(dir, 'latin1.p2plab')
    writeFileSync(bad, Buffer.from([0x7b, 0x0a, 0xe9, 0x7d]))
    const r = (await call(l, 'file.open', { path: bad })) as Result<LabView>
    expect(r).toMatchObject({ ok: false, error: { kind: 'input' } })
    if (!r.ok) expect(r.error.message).toMatch(/latin1\.p2plab:2:1: the text is not valid UTF-8/)
    expect(fake.electron.dialog.showMessageBox).not.toHaveBeenCalled()
    expect(current(l).filePath).toBeNull()
  })

  it('Ctrl+S without a file asks for a name, saves, and the lab is clean; then saves in place with a backup', async () => {
    const dir = tmp('save')
    const l = await launch()
    call(l, 'lab.setSettings', { era: 'v6.2' })
    expect(current(l).dirty).toBe(true)
    const save = menuItem('File', 'Save Lab')
    expect(save.accelerator).toBe('CmdOrCtrl+S')
    const target = join(dir, 'mine.p2plab')
    fake.electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: target })
    save.click!()
    await until(() => current(l).filePath === target, 'the save')
    expect(current(l).dirty).toBe(false)
    expect(l.window!.title).toBe('mine.p2plab — P2P DMA Lab')
    call(l, 'lab.setSettings', { era: 'v5.4' })
    expect(l.window!.title).toBe('mine.p2plab • — P2P DMA Lab')
    menuItem('File', 'Save Lab').click!()
    await until(() => !current(l).dirty, 'the second save')
    expect(fake.electron.dialog.showSaveDialog).toHaveBeenCalledTimes(1)
    expect(JSON.parse(readFileSync(target + '.bak', 'utf8')).settings.era).toBe('v6.2')
    expect(JSON.parse(readFileSync(join(l.appData, 'p2p-dma-lab-dev', 'recent.json'), 'utf8')).files[0]).toBe(
      target,
    )
  })

  it('Save As cancelled (Electron 45: filePath "") saves nothing', async () => {
    const l = await launch()
    call(l, 'lab.setSettings', { era: 'v6.2' })
    menuItem('File', 'Save Lab As…').click!()
    await until(() => fake.electron.dialog.showSaveDialog.mock.calls.length > 0, 'the dialog')
    await new Promise((r) => setTimeout(r, 20))
    expect(current(l)).toMatchObject({ dirty: true, filePath: null })
  })

  it('a file another program changed since it was opened: Save asks (Cancel keeps theirs; Overwrite keeps theirs as .bak)', async () => {
    const { file, l, theirs } = await changedHereAndOnDisk('changed')
    const box = fake.electron.dialog.showMessageBox
    box.mockResolvedValueOnce({ response: 3, checkboxChecked: false }) // Cancel
    menuItem('File', 'Save Lab').click!()
    await until(() => box.mock.calls.length === 1, 'the question')
    const asked = box.mock.calls[0]![1] as { buttons: string[]; message: string }
    expect(asked.message).toBe('shared.p2plab was changed by another program')
    expect(asked.buttons).toEqual(['Save As…', 'Overwrite', 'Reload from Disk', 'Cancel'])
    await new Promise((r) => setTimeout(r, 20))
    expect(readFileSync(file, 'utf8')).toBe(theirs)
    expect(current(l).dirty).toBe(true)

    box.mockResolvedValueOnce({ response: 1, checkboxChecked: false }) // Overwrite
    menuItem('File', 'Save Lab').click!()
    await until(() => !current(l).dirty, 'the forced save')
    expect(JSON.parse(readFileSync(file, 'utf8')).settings.era).toBe('v5.4')
    expect(readFileSync(file + '.bak', 'utf8')).toBe(theirs)
  })

  it('…and Reload from Disk replaces the unsaved lab with theirs', async () => {
    const { dir, file, l } = await changedHereAndOnDisk('reload')
    fake.electron.dialog.showMessageBox.mockResolvedValueOnce({ response: 2, checkboxChecked: false })
    menuItem('File', 'Save Lab').click!()
    await until(() => current(l).lab.settings.era === 'v6.0', 'the reload')
    expect(current(l)).toMatchObject({ dirty: false, filePath: file })
    expect(readdirSync(dir)).toEqual(['shared.p2plab'])
  })

  it('…and Save As… keeps both: theirs stays in the file, ours goes to the new name', async () => {
    const { dir, file, l, theirs } = await changedHereAndOnDisk('changed-save-as')
    const mine = join(dir, 'mine.p2plab')
    fake.electron.dialog.showMessageBox.mockResolvedValueOnce({ response: 0, checkboxChecked: false })
    fake.electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: mine })
    menuItem('File', 'Save Lab').click!()
    await until(() => current(l).filePath === mine, 'the save under the new name')
    expect(current(l).dirty).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe(theirs)
    expect(JSON.parse(readFileSync(mine, 'utf8')).settings.era).toBe('v5.4')
    expect(readdirSync(dir).sort()).toEqual(['mine.p2plab', 'shared.p2plab'])
  })

  it('a newer lab file that failed to open is never overwritten: Save As to it is refused', async () => {
    const dir = tmp('newer')
    const newer = join(dir, 'future.p2plab')
    const text = JSON.stringify({ format: 'p2p-dma-lab', schemaVersion: 42, name: 'from the future' })
    writeFileSync(newer, text)
    const l = await launch()
    const before = current(l).revision
    fake.openFile(newer)
    const box = fake.electron.dialog.showMessageBox
    await until(() => box.mock.calls.length > 0, 'the error dialog')
    expect(JSON.stringify(box.mock.calls[0]![1])).toMatch(/newer version of P2P DMA Lab \(schema 42\)/)
    expect(current(l).revision).toBe(before)
    box.mockClear()
    fake.electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: newer })
    menuItem('File', 'Save Lab As…').click!()
    await until(
      () => /not overwritten|never overwritten/.test(JSON.stringify(box.mock.calls.map((c) => c[1]))),
      'the refusal',
    )
    expect(readFileSync(newer, 'utf8')).toBe(text)
    expect(readdirSync(dir)).toEqual(['future.p2plab'])
  })

  it('a read-only file is refused with a clear message and Save falls back to Save As', async () => {
    const dir = tmp('ro')
    const file = join(dir, 'ro.p2plab')
    writeFileSync(file, labWithEra('v6.16'), { mode: 0o444 })
    const l = await launch({ argv: ['p2p-dma-lab', file] })
    call(l, 'lab.setSettings', { era: 'v5.4' })
    menuItem('File', 'Save Lab').click!()
    const box = fake.electron.dialog.showMessageBox
    await until(() => fake.electron.dialog.showSaveDialog.mock.calls.length > 0, 'Save As')
    expect(JSON.stringify(box.mock.calls.map((c) => c[1]))).toMatch(/ro\.p2plab is read-only/)
    expect(JSON.parse(readFileSync(file, 'utf8')).settings.era).toBe('v6.16')
  })

  it('a lab opened from a file is clean and tied to it; the recent list reopens it', async () => {
    const dir = tmp('recent')
    const file = labFileAt(dir, 'recent.p2plab', 'v6.16')
    const l = await launch()
    fake.openFile(file)
    await until(() => current(l).filePath === file, 'the open')
    expect(current(l).dirty).toBe(false)
    const recent = () => menuItem('File', 'Open Recent').submenu!
    await until(() => recent().some((i) => i.label === file), 'the recent menu')
    menuItem('File', 'Load Default Lab').click!()
    expect(current(l).filePath).toBeNull()
    recent().find((i) => i.label === file)!.click!()
    await until(() => current(l).filePath === file, 'the reopen')
    expect(current(l).lab.settings.era).toBe('v6.16')
  })

  it('keeps the UI state (validated) for a reloaded renderer', async () => {
    const l = await launch()
    const sel = { selectedPair: { provider: '0000:03:00.0', client: '0000:04:00.0' }, selectedNode: 'gpu0' }
    expect(call(l, 'ui.setState', sel)).toMatchObject({ ok: true, value: sel })
    expect(call(l, 'ui.state')).toEqual({ ok: true, value: { ...sel, cursor: null } })
    expect(call(l, 'ui.setState', { selectedNode: 'x'.repeat(5000) })).toMatchObject({
      ok: false,
      error: { kind: 'input' },
    })
    expect(call(l, 'ui.state')).toEqual({ ok: true, value: { ...sel, cursor: null } })
  })
})
