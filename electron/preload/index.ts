/**
 * The sandboxed preload: exposes `window.lab` (the contract's LabApi) and nothing else. The page
 * never sees ipcRenderer or an IpcRendererEvent. Built as one CommonJS file that requires only
 * 'electron' (electron.vite.config.ts), because a sandboxed preload cannot load ESM or other modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { createLabApi } from '../../shared/ipc/api'

const api = createLabApi({
  invoke: (channel, args) => ipcRenderer.invoke(channel, ...args),
  subscribe: (channel, listener) => {
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload)
    ipcRenderer.on(channel, wrapped)
    return () => {
      ipcRenderer.removeListener(channel, wrapped)
    }
  },
})

contextBridge.exposeInMainWorld('lab', api)
