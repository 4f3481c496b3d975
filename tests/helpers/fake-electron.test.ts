/**
 * The fake Electron behaves like Electron 45 where main depends on it (see its header for the
 * sources): window lifecycle, quit ordering, loads and titles, the lock, dialogs.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeBrowserWindow, fake } from './fake-electron'

const realPlatform = process.platform
function platform(p: NodeJS.Platform): void {
  Object.defineProperty(process, 'platform', { value: p, configurable: true })
}

beforeEach(() => {
  fake.reset()
})
afterEach(() => {
  platform(realPlatform)
})

const tick = () => new Promise((r) => setImmediate(r))

describe('fake Electron: windows', () => {
  it('refuses a window before ready, and a destroyed window is unusable', () => {
    expect(() => new FakeBrowserWindow()).toThrow('Cannot create BrowserWindow before app is ready')
    fake.ready()
    const w = new FakeBrowserWindow()
    fake.app.on('window-all-closed', () => undefined) // keep running
    w.destroy()
    expect(() => w.setTitle('x')).toThrow('Object has been destroyed')
    expect(() => w.webContents.send('a', 1)).toThrow('Object has been destroyed')
    expect(w.isDestroyed()).toBe(true)
  })

  it('destroy() of the last window emits closed then window-all-closed inside the call', () => {
    fake.ready()
    const w = new FakeBrowserWindow()
    const seen: string[] = []
    w.on('closed', () => seen.push('closed'))
    fake.app.on('window-all-closed', () => seen.push('window-all-closed'))
    w.destroy()
    expect(seen).toEqual(['closed', 'window-all-closed'])
    // With two windows, destroying one does not.
    const a = new FakeBrowserWindow()
    new FakeBrowserWindow()
    a.on('closed', () => seen.push('closed'))
    seen.length = 0
    a.destroy()
    expect(seen).toEqual(['closed'])
  })

  it('with no window-all-closed listener of the app, closing the last window quits (Electron’s default)', async () => {
    fake.ready()
    const w = new FakeBrowserWindow()
    w.close()
    await tick()
    expect(fake.log).toEqual(expect.arrayContaining(['app: before-quit', 'app: will-quit', 'app: quit']))
    expect(fake.app.exitCode).toBe(0)
  })

  it('close() is preventable; closed comes later', async () => {
    fake.ready()
    const w = new FakeBrowserWindow()
    w.once('close', (e: { preventDefault(): void }) => e.preventDefault())
    w.close()
    await tick()
    expect(w.isDestroyed()).toBe(false)
    w.close()
    expect(w.isDestroyed()).toBe(false)
    await tick()
    expect(w.isDestroyed()).toBe(true)
  })

  it('a load lets the page <title> replace the window title unless page-title-updated is prevented', async () => {
    fake.ready()
    const a = new FakeBrowserWindow({ title: 'mine' })
    a.setTitle('lab.p2plab — P2P DMA Lab')
    await a.loadFile('/x/index.html')
    expect(a.getTitle()).toBe('P2P DMA Lab')
    const b = new FakeBrowserWindow()
    b.on('page-title-updated', (e: { preventDefault(): void }) => e.preventDefault())
    b.setTitle('kept')
    let shown = 0
    b.on('ready-to-show', () => shown++)
    await b.loadFile('/x/index.html')
    b.webContents.reload()
    await tick()
    expect(b.getTitle()).toBe('kept')
    expect(shown).toBe(1)
  })

  it('a crashed renderer keeps its window; messages to it are dropped until reload', () => {
    fake.ready()
    const w = new FakeBrowserWindow()
    const seen: unknown[] = []
    fake.app.on('render-process-gone', (_e, wc, d) => seen.push([wc, d]))
    fake.crashRenderer(w, { reason: 'oom', exitCode: 1 })
    expect(seen).toEqual([[w.webContents, { reason: 'oom', exitCode: 1 }]])
    w.webContents.send('lab:x', 1)
    expect(w.webContents.dropped).toHaveLength(1)
    w.webContents.reload()
    w.webContents.send('lab:x', 2)
    expect(w.webContents.sent).toEqual([['lab:x', 2]])
  })
})

describe('fake Electron: quitting', () => {
  it('before-quit (prevented, asked again) → close → closed → will-quit → quit', async () => {
    fake.ready()
    const w = new FakeBrowserWindow()
    fake.app.on('window-all-closed', () => undefined)
    let asked = 0
    fake.app.on('before-quit', (e: { preventDefault(): void }) => {
      if (asked++ === 0) e.preventDefault()
    })
    fake.app.quit()
    expect(fake.app.exitCode).toBeNull()
    fake.app.quit()
    await tick()
    expect(fake.log.filter((l) => !l.includes('created') && l !== 'app: ready')).toEqual([
      'app: before-quit',
      'app: before-quit',
      `window ${w.id}: close`,
      `window ${w.id}: closed`,
      'app: will-quit',
      'app: quit',
    ])
    expect(fake.log).not.toContain('app: window-all-closed')
  })

  it('a window that refuses to close cancels the quit; macOS closes in reverse order', async () => {
    platform('darwin')
    fake.ready()
    const a = new FakeBrowserWindow()
    const b = new FakeBrowserWindow()
    const order: number[] = []
    a.on('close', () => order.push(a.id))
    b.on('close', (e: { preventDefault(): void }) => {
      order.push(b.id)
      e.preventDefault()
    })
    fake.app.quit()
    await tick()
    expect(order).toEqual([b.id]) // b first (reverse), and it refused
    expect(fake.app.exitCode).toBeNull()
    expect(a.isDestroyed()).toBe(false)
  })

  it('exit() destroys windows and emits only quit', () => {
    fake.ready()
    new FakeBrowserWindow()
    fake.app.exit(3)
    expect(fake.app.exitCode).toBe(3)
    expect(fake.log).not.toContain('app: before-quit')
    expect(fake.log).not.toContain('app: window-all-closed')
  })
})

describe('fake Electron: paths, lock, platform APIs, dialogs', () => {
  it('setPath takes only absolute, existing folders; the lock is keyed on userData at call time', () => {
    expect(() => fake.app.setPath('userData', 'rel')).toThrow('absolute')
    expect(() => fake.app.setPath('userData', join(fake.root, 'missing'))).toThrow()
    const dev = join(fake.root, 'dev-data')
    mkdirSync(dev, { recursive: true })
    fake.holdLockElsewhere(fake.app.getPath('userData'))
    expect(fake.app.requestSingleInstanceLock()).toBe(false)
    fake.app.setPath('userData', dev)
    expect(fake.app.requestSingleInstanceLock({ files: ['/a'] })).toBe(true)
    expect(fake.lockRequests.at(-1)).toEqual({ userData: dev, additionalData: { files: ['/a'] } })
  })

  it('setAppUserModelId exists on Windows only', () => {
    const app = fake.app as unknown as { setAppUserModelId?: (id: string) => void }
    platform('linux')
    expect(app.setAppUserModelId).toBeUndefined()
    platform('win32')
    app.setAppUserModelId!('org.example')
    expect(fake.app.appUserModelId).toBe('org.example')
  })

  it('second-instance waits for ready and carries argv (with a Chromium switch), cwd and data', async () => {
    const got: unknown[] = []
    fake.app.on('second-instance', (_e, argv, cwd, data) => got.push([argv, cwd, data]))
    fake.secondInstance(['p2p-dma-lab', 'T1.p2plab'], '/home/u/labs', { files: ['/x'] })
    expect(got).toEqual([])
    fake.ready()
    await fake.app.whenReady()
    await Promise.resolve()
    expect(got).toEqual([
      [
        ['p2p-dma-lab', 'T1.p2plab', '--original-process-start-time=13370000000000000'],
        '/home/u/labs',
        { files: ['/x'] },
      ],
    ])
  })

  it('dialogs resolve Electron 45’s cancelled shapes and refuse a destroyed parent', async () => {
    const { dialog } = fake.electron
    expect(await dialog.showOpenDialog(undefined, {})).toEqual({ canceled: true, filePaths: [] })
    expect(await dialog.showSaveDialog(undefined, {})).toEqual({ canceled: true, filePath: '' })
    expect(await dialog.showMessageBox(undefined, {})).toEqual({ response: 0, checkboxChecked: false })
    fake.ready()
    const w = new FakeBrowserWindow()
    new FakeBrowserWindow()
    w.destroy()
    await expect(dialog.showMessageBox(w, {})).rejects.toThrow('Object has been destroyed')
  })
})
