/// <reference types="vite/client" />
import type { LabApi } from '../../shared/ipc/contract'

declare global {
  interface Window {
    /** Exposed by the preload (contextBridge) or by the browser harness's shim. Use src/api/lab.ts. */
    lab: LabApi
  }
}

export {}
