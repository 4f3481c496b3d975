/**
 * The sandboxed preload: exposes `window.lab` (the contract's LabApi) and nothing else. The page
 * never sees ipcRenderer or an IpcRendererEvent. Built as one CommonJS file that requires only
 * 'electron' (electron.vite.config.ts), because a sandboxed preload cannot load ESM or other modules.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
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
  // A File the user picked or dropped has a path only here (Electron 32+ dropped File.path); the
  // page never sees it or sends one: openFile() passes it straight to main. '' = not on disk.
  pathForFile: (file) => {
    try {
      return webUtils.getPathForFile(file as File) || null
    } catch {
      return null // not a File
    }
  },
})

contextBridge.exposeInMainWorld('lab', api)
