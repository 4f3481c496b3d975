/**
 * The preload (electron/preload/index.ts) with a fake 'electron' module: the real one would try to
 * download the Electron binary under plain Node (docs/design.md#electron-only-in-main-and-preload).
 */
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  PREFIX,
  eventChannels,
  hostOnlyChannels,
  invokeChannels,
  type LabApi,
} from '../../shared/ipc/contract'

const fakes = vi.hoisted(() => {
  const listeners = new Map<string, Set<(...a: unknown[]) => void>>()
  return {
    exposed: new Map<string, unknown>(),
    listeners,
    ipcRenderer: {
      invoke: vi.fn(async (channel: string, ...args: unknown[]) => ({ ok: true, value: { channel, args } })),
      on: vi.fn((channel: string, fn: (...a: unknown[]) => void) => {
        const set = listeners.get(channel) ?? new Set()
        set.add(fn)
        listeners.set(channel, set)
      }),
      removeListener: vi.fn((channel: string, fn: (...a: unknown[]) => void) => {
        listeners.get(channel)?.delete(fn)
      }),
      send: vi.fn(),
    },
    /** webUtils.getPathForFile: the path of a File on disk, '' for one built in JS; throws for a non-File. */
    getPathForFile: vi.fn((file: unknown): string => {
      if (!(file instanceof Blob)) throw new TypeError('not a File')
      return (file as Blob & { diskPath?: string }).diskPath ?? ''
    }),
  }
})

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fakes.exposed.set(key, api) },
  ipcRenderer: fakes.ipcRenderer,
  webUtils: { getPathForFile: fakes.getPathForFile },
}))

/** Deliver an event the way Electron does: (IpcRendererEvent, ...args). */
function fire(channel: string, payload: unknown): void {
  const event = { sender: fakes.ipcRenderer, ports: [], senderId: 0 }
  for (const fn of fakes.listeners.get(channel) ?? []) fn(event, payload)
}

let lab: LabApi

beforeAll(async () => {
  await import('./index')
  lab = fakes.exposed.get('lab') as LabApi
})

beforeEach(() => {
  fakes.ipcRenderer.invoke.mockClear()
})

describe('preload', () => {
  const pageChannels = Object.keys(invokeChannels).filter((c) => !(c in hostOnlyChannels))

  it('exposes exactly window.lab = { invoke: one function per page channel, on, openFile }', () => {
    expect([...fakes.exposed.keys()]).toEqual(['lab'])
    expect(Object.keys(lab).sort()).toEqual(['invoke', 'on', 'openFile'])
    expect(Object.keys(lab.invoke).sort()).toEqual(pageChannels.sort())
    // file.open is not the page's to call with a path of its choosing.
    expect(Object.keys(lab.invoke)).not.toContain('file.open')
    for (const fn of Object.values(lab.invoke)) expect(typeof fn).toBe('function')
    expect(typeof lab.on).toBe('function')
    // ipcRenderer itself never reaches the page.
    expect(JSON.stringify(Object.keys(lab))).not.toContain('ipcRenderer')
  })

  it('forwards every call to ipcRenderer.invoke with the lab: prefix and the arguments unchanged', async () => {
    for (const ch of pageChannels as (keyof LabApi['invoke'])[]) {
      fakes.ipcRenderer.invoke.mockClear()
      const arg = { fileName: 'a.xml', text: '<x/>' }
      const answer = await (lab.invoke[ch] as (...a: unknown[]) => Promise<unknown>)(arg)
      expect(fakes.ipcRenderer.invoke).toHaveBeenCalledTimes(1)
      expect(fakes.ipcRenderer.invoke).toHaveBeenCalledWith(PREFIX + ch, arg)
      expect(answer).toEqual({ ok: true, value: { channel: PREFIX + ch, args: [arg] } })
    }
    await lab.invoke['app.info']()
    expect(fakes.ipcRenderer.invoke).toHaveBeenLastCalledWith('lab:app.info')
  })

  it('openFile sends file.open with the path the preload reads off the File; null when there is none', async () => {
    const onDisk = Object.assign(new File(['{}'], 'T1.p2plab'), { diskPath: '/home/u/labs/T1.p2plab' })
    expect(await lab.openFile(onDisk)).toEqual({
      ok: true,
      value: { channel: 'lab:file.open', args: [{ path: '/home/u/labs/T1.p2plab' }] },
    })
    expect(fakes.getPathForFile).toHaveBeenCalledWith(onDisk)
    fakes.ipcRenderer.invoke.mockClear()
    // A File made in the page (no disk path) or something that is not a File: nothing is sent.
    expect(await lab.openFile(new File(['x'], 'made.p2plab'))).toBeNull()
    expect(await lab.openFile({ path: '/etc/shadow' } as unknown as Blob)).toBeNull()
    expect(fakes.ipcRenderer.invoke).not.toHaveBeenCalled()
  })

  it('rejects event channels that are not in the contract, including prototype names', () => {
    const on = lab.on as (channel: string, listener: (p: unknown) => void) => () => void
    for (const bad of ['lab.nope', 'lab:lab.changed', 'toString', '__proto__', 'constructor', '']) {
      expect(() => on(bad, () => undefined)).toThrow(/Unsupported event channel/)
    }
    expect(fakes.ipcRenderer.on).not.toHaveBeenCalled()
    expect(() => lab.on('lab.changed', 'not a function' as never)).toThrow(TypeError)
  })

  it('subscribes with the prefix, hands the listener only the payload, and unsubscribes', () => {
    expect(Object.keys(eventChannels)).toContain('lab.changed')
    const got: unknown[][] = []
    const off = lab.on('lab.changed', (...args: unknown[]) => got.push(args))
    expect(fakes.ipcRenderer.on).toHaveBeenCalledWith('lab:lab.changed', expect.any(Function))
    fire('lab:lab.changed', { revision: 7 })
    expect(got).toEqual([[{ revision: 7 }]])
    off()
    expect(fakes.ipcRenderer.removeListener).toHaveBeenCalledWith('lab:lab.changed', expect.any(Function))
    fire('lab:lab.changed', { revision: 8 })
    expect(got).toHaveLength(1)
  })
})
