/**
 * The app's lifecycle through the fake Electron (tests/helpers/fake-electron.ts, which models
 * Electron 45's window list, quit ordering, page titles, the single-instance lock, open-file and
 * the Windows AppUserModelID): a renderer crash, quitting with unsaved work, titles that survive
 * page loads, second launches from another folder, file:// URLs, macOS without a window, the
 * settings folder of development runs, and the packaged `--cli` mode.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import type { LabView } from '../../shared/ipc/contract'
import { fake } from '../../tests/helpers/fake-electron'
import {
  call,
  current,
  labFileAt,
  launch,
  menu,
  menuItem,
  tmp,
  until,
  type Launch,
} from '../../tests/helpers/launch-main'
import { APP_ID, DEV_APP_ID } from '../app/identity'

const tick = () => new Promise((r) => setTimeout(r, 10))
/** The lifecycle part of the fake's log (no window creation, no 'ready'). */
const events = () => fake.log.filter((l) => !l.endsWith(': created') && l !== 'app: ready')

/** `file` is opened in the launch's window, and no other window was ever created. */
async function expectOpenedInTheOnlyWindow(l: Launch, file: string): Promise<void> {
  await until(() => current(l).filePath === file, 'the open')
  await tick()
  expect(fake.log.filter((x) => x.endsWith(': created'))).toHaveLength(1)
  expect(fake.windows()).toEqual([l.window])
}

describe('a renderer crash', () => {
  it('opens a new window with the same lab, selection and title; the app keeps running', async () => {
    const dir = tmp('crash')
    const file = labFileAt(dir, 'T1.p2plab', 'v6.4')
    const l = await launch({ argv: ['p2p-dma-lab', file] })
    call(l, 'lab.setSettings', { era: 'v5.4' }) // unsaved work
    const sel = { selectedPair: { provider: '0000:03:00.0', client: '0000:04:00.0' }, selectedNode: 'gpu0' }
    call(l, 'ui.setState', sel)
    const before = current(l)
    const old = l.window!
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    fake.log.length = 0

    fake.crashRenderer(old, { reason: 'crashed', exitCode: 139 })

    // Not a quit: no before-quit, no window-all-closed, no quit — exactly one live window, a new one.
    expect(events()).not.toContain('app: window-all-closed')
    expect(events()).not.toContain('app: before-quit')
    await tick()
    expect(fake.app.exitCode).toBeNull()
    expect(old.isDestroyed()).toBe(true)
    const windows = fake.windows()
    expect(windows).toHaveLength(1)
    const next = windows[0]!
    expect(next).not.toBe(old)
    await until(() => next.shown, 'the new window to show')
    // State restored from main: lab (unsaved), selection, and the title with the file name and '•'.
    expect(current(l)).toMatchObject({ revision: before.revision, dirty: true, filePath: file })
    expect(current(l).lab).toEqual(before.lab)
    expect(call(l, 'ui.state')).toEqual({ ok: true, value: { ...sel, cursor: null } })
    expect(next.title).toBe('T1.p2plab • — P2P DMA Lab')
    // The new window is the one events go to (a change from the menu, not from its own request).
    menuItem('File', 'Load Default Lab').click!()
    expect(next.webContents.sent.at(-1)![0]).toBe('lab:lab.changed')
    expect(err).toHaveBeenCalledWith('renderer gone (crashed, exit code 139)')
  })

  it('a clean exit is not a crash; a renderer that keeps crashing gets 3 new windows a minute, then an error', async () => {
    const l = await launch()
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    fake.crashRenderer(l.window!, { reason: 'clean-exit', exitCode: 0 })
    expect(fake.windows()).toEqual([l.window])
    for (let i = 0; i < 4; i++) fake.crashRenderer(fake.windows()[0]!, { reason: 'oom', exitCode: 1 })
    const created = fake.log.filter((x) => x.endsWith(': created')).length
    expect(created).toBe(1 + 3)
    const box = fake.electron.dialog.showMessageBox
    await until(() => box.mock.calls.length > 0, 'the error')
    expect(JSON.stringify(box.mock.calls[0]![1])).toMatch(/keeps crashing/)
    expect(fake.app.exitCode).toBeNull()
  })

  it('with the presenter open: the main window comes back and the presenter stays', async () => {
    const l = await launch()
    call(l, 'app.presenter.open')
    const [main, presenter] = fake.windows()
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    fake.crashRenderer(main!)
    expect(presenter!.isDestroyed()).toBe(false)
    expect(fake.windows()).toHaveLength(2)
    expect(fake.windows()).toContain(presenter)
    // A crashed presenter gets a new renderer in the same window.
    fake.crashRenderer(presenter!)
    expect(presenter!.webContents.isCrashed()).toBe(false)
    await tick()
    expect(presenter!.title).toBe('P2P DMA Lab — presenter')
  })

  it('a crash while quitting opens no window, and the quit completes', async () => {
    const l = await launch()
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    // The renderer is killed while the quit closes the window (after the autosave flush, before
    // will-quit): a new window then would never be closed and the quit would hang.
    const win = l.window!
    win.once('close', () => fake.crashRenderer(win, { reason: 'killed', exitCode: 9 }))
    fake.app.quit()
    await until(() => fake.log.includes(`window ${win.id}: close`), 'the window to close')
    expect(fake.log.filter((x) => x.endsWith(': created'))).toHaveLength(1)
    await until(() => fake.app.exitCode !== null, 'the quit')
    expect(fake.windows()).toHaveLength(0)
  })
})

describe('quitting', () => {
  it('with unsaved work: the autosave is flushed once, then windows close, will-quit, quit; the next start offers it', async () => {
    const l = await launch()
    const { Autosaver } = await import('./labfiles')
    const flush = vi.spyOn(Autosaver.prototype, 'flush')
    call(l, 'lab.setSettings', { era: 'v5.2' })
    fake.log.length = 0
    fake.app.quit()
    await until(() => fake.app.exitCode !== null, 'the quit')
    expect(flush).toHaveBeenCalledTimes(1)
    const id = l.window!.id
    expect(events()).toEqual([
      'app: before-quit',
      'app: before-quit',
      `window ${id}: close`,
      `window ${id}: closed`,
      'app: will-quit',
      'app: quit',
    ])
    const saved = join(l.appData, 'p2p-dma-lab-dev', 'autosave', 'current.p2plab')
    expect(JSON.parse(readFileSync(saved, 'utf8')).settings.era).toBe('v5.2')

    const again = await launch({ appData: l.appData })
    expect(call(again, 'lab.recovery')).toMatchObject({ ok: true, value: { available: true } })
    expect(call<LabView>(again, 'lab.recover')).toMatchObject({
      ok: true,
      value: { dirty: true, lab: { settings: { era: 'v5.2' } } },
    })
  })

  it('Windows logoff or shutdown (session-end, no before-quit): unsaved work goes to the autosave', async () => {
    const l = await launch({ platform: 'win32' })
    call(l, 'lab.setSettings', { era: 'v6.2' })
    l.window!.emit('session-end', { preventDefault: () => undefined })
    // On disk before the handler returns: Windows may end the process right after it (no await here).
    const saved = join(l.appData, 'p2p-dma-lab-dev', 'autosave', 'current.p2plab')
    expect(JSON.parse(readFileSync(saved, 'utf8')).settings.era).toBe('v6.2')
    expect(readdirSync(join(l.appData, 'p2p-dma-lab-dev', 'autosave')).sort()).toEqual([
      'current.json',
      'current.p2plab',
    ])
    // The next start offers it.
    const again = await launch({ appData: l.appData })
    expect(call(again, 'lab.recovery')).toMatchObject({ ok: true, value: { available: true } })
  })

  it('closing the last window quits on Linux and Windows; on macOS the app stays', async () => {
    const l = await launch()
    l.window!.close()
    await until(() => fake.app.exitCode !== null, 'the quit')
    expect(events()).toContain('app: window-all-closed')

    const mac = await launch({ platform: 'darwin' })
    mac.window!.close()
    await tick()
    expect(events()).toContain('app: window-all-closed')
    expect(fake.app.exitCode).toBeNull()
    expect(fake.windows()).toHaveLength(0)
    // The dock icon: a window again.
    fake.activate()
    expect(fake.windows()).toHaveLength(1)
  })
})

describe('the window title', () => {
  it('keeps the file name and the unsaved mark across page loads; the presenter keeps "— presenter"', async () => {
    const dir = tmp('title')
    const file = labFileAt(dir, 'T1.p2plab', 'v6.4')
    const l = await launch({ argv: ['p2p-dma-lab', file] })
    const win = l.window!
    await until(() => win.shown, 'the first load')
    expect(win.title).toBe('T1.p2plab — P2P DMA Lab')
    call(l, 'lab.setSettings', { era: 'v5.4' })
    win.webContents.reload() // View › Reload
    await tick()
    expect(win.title).toBe('T1.p2plab • — P2P DMA Lab')
    call(l, 'app.presenter.open')
    const presenter = fake.windows()[1]!
    await until(() => presenter.shown, 'the presenter load')
    expect(presenter.title).toBe('P2P DMA Lab — presenter')
  })
})

describe('a second launch', () => {
  it('with a relative path from another folder opens that folder’s file', async () => {
    const primaryDir = tmp('primary')
    const otherDir = tmp('other')
    labFileAt(primaryDir, 'T1.p2plab', 'v5.0')
    labFileAt(otherDir, 'T1.p2plab', 'v6.16')
    const l = await launch({ cwd: primaryDir })
    fake.secondInstance(['/usr/bin/p2p-dma-lab', 'T1.p2plab'], otherDir)
    await until(() => current(l).filePath !== null, 'the open')
    expect(current(l)).toMatchObject({
      filePath: join(otherDir, 'T1.p2plab'),
      lab: { settings: { era: 'v6.16' } },
    })
    expect(l.window!.focused).toBe(true)
  })

  it('a file:// URL (Linux launchers, %U) is decoded', async () => {
    const dir = tmp('url dir')
    const file = labFileAt(dir, 'My Lab.p2plab', 'v6.2')
    const l = await launch()
    fake.secondInstance(['/usr/bin/p2p-dma-lab', pathToFileURL(file).href], '/')
    await until(() => current(l).filePath === file, 'the open')
    expect(current(l).lab.settings.era).toBe('v6.2')
  })

  it('the path the launch resolved itself (additionalData) wins over argv; junk additionalData is ignored', async () => {
    const dir = tmp('data')
    labFileAt(dir, 'a.p2plab', 'v6.0')
    labFileAt(dir, 'b.p2plab', 'v6.2')
    const l = await launch()
    fake.secondInstance(['p2p-dma-lab', 'b.p2plab'], dir, { files: [join(dir, 'a.p2plab')] })
    await until(() => current(l).filePath === join(dir, 'a.p2plab'), 'a')
    fake.secondInstance(['p2p-dma-lab', 'b.p2plab'], dir, { files: [7, 'relative.p2plab'] })
    await until(() => current(l).filePath === join(dir, 'b.p2plab'), 'b')
  })

  it('sends its own file (resolved in its folder) when another instance holds the lock, and quits', async () => {
    const dir = tmp('handover')
    const appData = tmp('handover-data')
    await launch({
      appData,
      argv: ['p2p-dma-lab', 'T1.p2plab', '--no-sandbox'],
      cwd: dir,
      noWindow: true,
      // The running instance of the same build holds the lock on the development settings folder.
      locksHeldElsewhere: [join(appData, 'p2p-dma-lab-dev')],
    })
    expect(fake.lockRequests.at(-1)).toEqual({
      userData: join(appData, 'p2p-dma-lab-dev'),
      additionalData: { files: [join(dir, 'T1.p2plab')] },
    })
    expect(fake.app.exitCode).toBe(0)
    expect(fake.windows()).toHaveLength(0)
    expect(fake.ipcChannels()).toEqual([])
  })

  it('while the first one is still starting (before its window): one window, and the file is opened', async () => {
    const dir = tmp('early-second')
    labFileAt(dir, 'early.p2plab', 'v6.2')
    const l = await launch({
      // delivered right after 'ready', while main still reads its recent list and autosave
      beforeReady: () => fake.secondInstance(['p2p-dma-lab', 'early.p2plab'], dir),
    })
    await expectOpenedInTheOnlyWindow(l, join(dir, 'early.p2plab'))
  })

  it('while the first one is still opening its own file: that launch’s file is opened after it', async () => {
    const dir = tmp('late-second')
    labFileAt(dir, 'first.p2plab', 'v6.0')
    labFileAt(dir, 'second.p2plab', 'v6.2')
    const l = await launch({
      argv: ['p2p-dma-lab', join(dir, 'first.p2plab')],
      // The second launch arrives while start-up records its own file (before the window exists).
      beforeReady: async () => {
        const { LabFiles } = await import('./labfiles') // main's instance (launch reset the modules)
        const addRecent = LabFiles.prototype.addRecent
        vi.spyOn(LabFiles.prototype, 'addRecent').mockImplementationOnce(function (
          this: InstanceType<typeof LabFiles>,
          path: string,
        ) {
          fake.secondInstance(['p2p-dma-lab', 'second.p2plab'], dir)
          return addRecent.call(this, path)
        })
      },
    })
    await until(() => current(l).filePath === join(dir, 'second.p2plab'), 'the second file')
    expect(current(l).lab.settings.era).toBe('v6.2')
    expect(fake.windows()).toEqual([l.window])
  })

  it('macOS: a file from Finder while the app is still starting (after ready): one window', async () => {
    const dir = tmp('early-open-file')
    const file = labFileAt(dir, 'early.p2plab', 'v6.4')
    const l = await launch({
      platform: 'darwin',
      beforeReady: () => void fake.app.whenReady().then(() => fake.openFile(file)),
    })
    await expectOpenedInTheOnlyWindow(l, file)
  })

  it('macOS with no window open: a window is opened for the file', async () => {
    const dir = tmp('mac-second')
    labFileAt(dir, 'x.p2plab', 'v6.2')
    const l = await launch({ platform: 'darwin' })
    l.window!.close()
    await tick()
    expect(fake.windows()).toHaveLength(0)
    fake.secondInstance(['p2p-dma-lab', 'x.p2plab'], dir)
    expect(fake.windows()).toHaveLength(1)
    await until(() => current(l).filePath === join(dir, 'x.p2plab'), 'the open')
  })
})

describe('macOS open-file', () => {
  it('before ready (double-click in Finder starts the app): opened before the window asks for the lab', async () => {
    const dir = tmp('open-file-cold')
    const file = labFileAt(dir, 'finder.p2plab', 'v6.4')
    let prevented = false
    const l = await launch({
      platform: 'darwin',
      argv: ['/Applications/P2P DMA Lab.app/Contents/MacOS/P2P DMA Lab'],
      beforeReady: () => {
        prevented = fake.openFile(file)
      },
    })
    expect(prevented).toBe(true)
    expect(current(l)).toMatchObject({ filePath: file, lab: { settings: { era: 'v6.4' } } })
  })

  it('after the last window was closed: a window is opened and shows the file', async () => {
    const dir = tmp('open-file-nowin')
    const file = labFileAt(dir, 'finder.p2plab', 'v6.2')
    const l = await launch({ platform: 'darwin' })
    l.window!.close()
    await tick()
    expect(fake.windows()).toHaveLength(0)
    expect(fake.openFile(file)).toBe(true)
    expect(fake.windows()).toHaveLength(1)
    await until(() => current(l).filePath === file, 'the open')
    const win = fake.windows()[0]!
    await until(() => win.title === 'finder.p2plab — P2P DMA Lab', 'the title')
  })
})

describe('the command line at launch', () => {
  it('opens the file given as argument (cold start), decoding a file:// URL', async () => {
    const dir = tmp('argv cold')
    const file = labFileAt(dir, 'argv lab.p2plab', 'v6.0')
    const l = await launch({
      argv: ['/opt/P2P DMA Lab/p2p-dma-lab', '--no-sandbox', pathToFileURL(file).href],
    })
    expect(current(l)).toMatchObject({ filePath: file, dirty: false, lab: { settings: { era: 'v6.0' } } })
  })

  it('a damaged file: the default lab, and an error once the window is there', async () => {
    const dir = tmp('argv-bad')
    const file = join(dir, 'broken.p2plab')
    writeFileSync(file, '{ "format": "p2p-dma-lab", ')
    const l = await launch({ argv: ['p2p-dma-lab', file] })
    expect(current(l).filePath).toBeNull()
    const box = fake.electron.dialog.showMessageBox
    await until(() => box.mock.calls.length > 0, 'the error')
    expect(JSON.stringify(box.mock.calls[0]![1])).toMatch(/Could not open .*broken\.p2plab/)
  })
})

describe('installed app vs development runs', () => {
  it('a development run has its own settings folder and lock: it runs beside the installed app', async () => {
    const appData = tmp('side-by-side')
    // The installed app is running (it holds the lock on its own folder).
    const installed = await launch({ appData, isPackaged: true })
    expect(installed.window).toBeDefined()
    expect(fake.lockRequests.at(-1)!.userData).toBe(join(appData, 'p2p-dma-lab'))
    const dev = await launch({ appData, locksHeldElsewhere: [join(appData, 'p2p-dma-lab')] })
    expect(dev.window).toBeDefined()
    expect(fake.lockRequests.at(-1)!.userData).toBe(join(appData, 'p2p-dma-lab-dev'))
    expect(fake.app.getPath('userData')).toBe(join(appData, 'p2p-dma-lab-dev'))
    expect(existsSync(join(appData, 'p2p-dma-lab-dev'))).toBe(true)
  })

  it('Windows: the AppUserModelID is the installer’s appId, set before the first window', async () => {
    await launch({ platform: 'win32', isPackaged: true })
    expect(fake.app.appUserModelId).toBe(APP_ID)
    const log = fake.log
    expect(log.indexOf(`app: setAppUserModelId ${APP_ID}`)).toBeLessThan(
      log.findIndex((x) => x.endsWith(': created')),
    )
    await launch({ platform: 'win32' })
    expect(fake.app.appUserModelId).toBe(DEV_APP_ID)
    await launch({ platform: 'linux' }) // no such API there: not called (it would throw)
    expect(fake.app.appUserModelId).toBeNull()
  })

  it('an AppImage offers to register the .p2plab type (Help menu); other builds do not', async () => {
    await launch({ isPackaged: true })
    expect(JSON.stringify(menu())).not.toMatch(/Register \.p2plab/)
    const share = tmp('xdg-data')
    process.env['APPIMAGE'] = '/home/u/P2P DMA Lab-0.1.0.AppImage'
    process.env['XDG_DATA_HOME'] = share
    try {
      await launch({ isPackaged: true })
      const item = menuItem('Help', 'Register .p2plab Files with This AppImage')
      item.click!()
      const box = fake.electron.dialog.showMessageBox
      await until(() => box.mock.calls.length > 0, 'the report')
      expect(JSON.stringify(box.mock.calls[0]![1])).toMatch(
        /now open with \/home\/u\/P2P DMA Lab-0\.1\.0\.AppImage/,
      )
      expect(readFileSync(join(share, 'applications/p2p-dma-lab.desktop'), 'utf8')).toContain(
        'Exec="/home/u/P2P DMA Lab-0.1.0.AppImage" %U',
      )
      expect(existsSync(join(share, 'mime/packages/p2p-dma-lab.xml'))).toBe(true)
    } finally {
      delete process.env['APPIMAGE']
      delete process.env['XDG_DATA_HOME']
    }
  })

  it('the oracle says up front what it needs in the installed app', async () => {
    const l = await launch({ isPackaged: true })
    const r = call<{ available: boolean; reason: string }>(l, 'oracle.available')
    expect(r).toMatchObject({ ok: true, value: { available: false } })
    if (r.ok) expect(r.value.reason).toMatch(/^The installed app cannot run the real-kernel check/)
  })
})

describe('p2p-dma-lab --cli', () => {
  function captureStdout() {
    let out = ''
    let err = ''
    vi.spyOn(process.stdout, 'write').mockImplementation(((t: string | Uint8Array, cb?: unknown) => {
      out += String(t)
      if (typeof cb === 'function') (cb as () => void)()
      return true
    }) as typeof process.stdout.write)
    vi.spyOn(process.stderr, 'write').mockImplementation(((t: string | Uint8Array, cb?: unknown) => {
      err += String(t)
      if (typeof cb === 'function') (cb as () => void)()
      return true
    }) as typeof process.stderr.write)
    return { out: () => out, err: () => err }
  }

  it('runs the CLI and exits with its code: no lock, no window, no menu', async () => {
    const io = captureStdout()
    await launch({
      isPackaged: true,
      argv: ['/opt/P2P DMA Lab/p2p-dma-lab', '--cli', 'eras'],
      noWindow: true,
    })
    await until(() => fake.app.exitCode !== null, 'the exit')
    expect(fake.app.exitCode).toBe(0)
    expect(io.out()).toMatch(/^v5\.0\s/m)
    expect(fake.lockRequests).toEqual([])
    expect(fake.windows()).toHaveLength(0)
    expect(fake.electron.Menu.setApplicationMenu).not.toHaveBeenCalled()
  })

  it('bad usage exits 2 with the message on stderr', async () => {
    const io = captureStdout()
    await launch({ argv: ['p2p-dma-lab', '--cli', 'frobnicate'], noWindow: true })
    await until(() => fake.app.exitCode !== null, 'the exit')
    expect(fake.app.exitCode).toBe(2)
    expect(io.err()).toMatch(/unknown command "frobnicate"/)
  })
})
