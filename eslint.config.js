import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import { defineConfig } from 'eslint/config'

/** The Electron module itself (a path segment named electron, as in ../electron/app, is fine). */
const electronModule = { name: 'electron', message: 'only electron/main and the preload may load Electron' }

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'crypto',
  'url',
  'util',
  'worker_threads',
  'stream',
  'events',
  'zlib',
]

/** What the engine may never import (besides Electron and Node). */
const ENGINE_DENY = [
  '**/shared/ipc/**',
  '**/app/**',
  '**/main/**',
  '**/preload/**',
  '**/renderer/**',
  '**/tools/**',
  'vue',
  'pinia',
]
/** Any engine module but its public index. */
const ENGINE_INDEX_ONLY = ['**/engine/**', '!**/engine/index']

/**
 * One layer's import rule: `deny` lists [module patterns, why] pairs; the Electron module itself is
 * refused too unless the layer may load it (`electron: true`: main and the preload).
 */
function layer({ files, ignores, deny, electron = false }) {
  return {
    files,
    ...(ignores ? { ignores } : {}),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...(electron ? {} : { paths: [electronModule] }),
          patterns: deny.map(([group, message]) => ({ group, message })),
        },
      ],
    },
  }
}

export default defineConfig(
  {
    ignores: ['out/**', 'release/**', 'node_modules/**', 'tests/fixtures/**', 'test-results/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
    },
  },
  // Layering (README "Architecture"): shared ← engine ← app ← main/tools/bench; the renderer reaches
  // the app only through the IPC contract. Each layer imports only those below it.
  layer({
    files: ['shared/**/*.ts'],
    deny: [
      [
        [...nodeBuiltins, '**/electron/**', '**/renderer/**', 'vue', 'pinia'],
        'shared/ is the contract and the data model: no Electron, no Node built-ins, no engine, app or UI code',
      ],
    ],
  }),
  layer({
    files: ['electron/engine/**/*.ts'],
    deny: [
      [
        [...nodeBuiltins, ...ENGINE_DENY],
        'electron/engine is the pure kernel model: no Electron, no Node built-ins, no IPC contract types, no app/main/UI code',
      ],
    ],
  }),
  layer({
    files: ['electron/engine/**/*.ts'],
    ignores: ['electron/engine/**/*.test.ts', 'electron/engine/import/fuzz.ts'],
    deny: [
      [
        [...nodeBuiltins, ...ENGINE_DENY, '**/tests/**'],
        'electron/engine is the pure kernel model: no Electron, no Node built-ins, no IPC contract types, no app/main/UI/test code',
      ],
    ],
  }),
  layer({
    files: ['electron/app/**/*.ts'],
    ignores: ['**/*.test.ts'],
    deny: [
      [
        ['**/main/**', '**/preload/**', '**/renderer/**', '**/tools/**', '**/tests/**', 'vue', 'pinia'],
        'electron/app is the application layer: no Electron, no main/preload/renderer/tools code',
      ],
      [ENGINE_INDEX_ONLY, 'reach the engine through electron/engine/index.ts only'],
    ],
  }),
  layer({
    files: ['electron/main/**/*.ts'],
    ignores: ['**/*.test.ts'],
    electron: true,
    deny: [
      [ENGINE_INDEX_ONLY, 'main reaches the engine through electron/engine/index.ts only'],
      [
        ['**/renderer/**', '**/preload/**', '**/tools/**'],
        'main is the Electron shell: the renderer and the preload are reached only through the IPC contract',
      ],
    ],
  }),
  layer({
    files: ['tools/**/*.ts', 'tools/**/*.mjs', 'bench/**/*.ts'],
    ignores: ['**/*.test.ts'],
    deny: [
      [ENGINE_INDEX_ONLY, 'tools and bench reach the engine through electron/engine/index.ts only'],
      [
        ['**/main/**', '**/renderer/**', '**/preload/**'],
        'tools and bench host electron/app (the browser harness included), never the Electron shell or the UI',
      ],
    ],
  }),
  layer({
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    deny: [[[...nodeBuiltins, '**/electron/**'], 'the renderer talks to main only through window.lab']],
  }),
  // The attendee page's engine worker (issue 10, class session) runs the attendee's own copy of the
  // engine in their browser: the engine's index and the app's pure Stepper (so a cursor means the
  // same step as on the instructor's machine), nothing else of electron/.
  layer({
    files: ['renderer/src/attendee/worker/**/*.ts'],
    ignores: ['**/*.test.ts'],
    deny: [
      [
        [
          ...nodeBuiltins,
          'electron/*',
          '**/electron/main/**',
          '**/electron/preload/**',
          '**/electron/engine/**',
          '!**/electron/engine/index',
          '**/electron/app/*',
          '!**/electron/app/stepping',
          '**/electron/app/stepping/*',
          '!**/electron/app/stepping/stepper',
        ],
        'the attendee worker may use the engine index and the pure Stepper only (no Node, no app, no main)',
      ],
    ],
  }),
  // Component tests and their helpers may run the pure engine in-process (fake window.lab).
  layer({
    files: ['renderer/**/*.test.ts', 'renderer/src/testing/**/*.ts'],
    deny: [
      [
        [...nodeBuiltins, '**/electron/main/**', '**/electron/preload/**', '**/electron/app/**'],
        'component tests may use the pure engine, nothing of main, the preload or the app layer',
      ],
    ],
  }),
  layer({
    files: ['electron/preload/**/*.ts'],
    electron: true,
    deny: [
      [
        ['**/engine/**', '**/app/**', '**/main/**', '**/renderer/**'],
        'the preload exposes the contract only',
      ],
    ],
  }),
  prettier,
)
