import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const root = import.meta.dirname

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          // the worker thread that counts large matrices (electron/app/matrix/worker-host.ts)
          'matrix-worker': resolve(root, 'electron/app/matrix/summary-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload may only require('electron'): bundle everything else, as CommonJS.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [vue()],
    build: {
      outDir: 'out/renderer',
      // Fonts stay files: the CSP's default-src 'self' allows no data: fonts.
      assetsInlineLimit: (file: string) => (file.endsWith('.woff2') ? false : undefined),
      rolldownOptions: {
        input: {
          index: resolve(root, 'renderer/index.html'),
          // The class session's attendee page (served by electron/app/class/server.ts), with its
          // engine worker (renderer/src/attendee/worker/engine.worker.ts) as a separate bundle.
          attendee: resolve(root, 'renderer/attendee.html'),
        },
      },
    },
    worker: { format: 'es' },
  },
})
