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
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronModule],
          patterns: [
            {
              group: [...nodeBuiltins, '**/electron/**', '**/renderer/**', 'vue', 'pinia'],
              message:
                'shared/ is the contract and the data model: no Electron, no Node built-ins, no engine, app or UI code',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronModule],
          patterns: [
            {
              group: [
                ...nodeBuiltins,
                '**/shared/ipc/**',
                '**/app/**',
                '**/main/**',
                '**/preload/**',
                '**/renderer/**',
                '**/tools/**',
                'vue',
                'pinia',
              ],
              message:
                'electron/engine is the pure kernel model: no Electron, no Node built-ins, no IPC contract types, no app/main/UI code',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/engine/**/*.ts'],
    ignores: ['electron/engine/**/*.test.ts', 'electron/engine/import/fuzz.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronModule],
          patterns: [
            {
              group: [
                ...nodeBuiltins,
                '**/shared/ipc/**',
                '**/app/**',
                '**/main/**',
                '**/preload/**',
                '**/renderer/**',
                '**/tools/**',
                '**/tests/**',
                'vue',
                'pinia',
              ],
              message:
                'electron/engine is the pure kernel model: no Electron, no Node built-ins, no IPC contract types, no app/main/UI/test code',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/app/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronModule],
          patterns: [
            {
              group: [
                '**/main/**',
                '**/preload/**',
                '**/renderer/**',
                '**/tools/**',
                '**/tests/**',
                'vue',
                'pinia',
              ],
              message:
                'electron/app is the application layer: no Electron, no main/preload/renderer/tools code',
            },
            {
              group: ['**/engine/**', '!**/engine/index'],
              message: 'reach the engine through electron/engine/index.ts only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine/**', '!**/engine/index'],
              message: 'main reaches the engine through electron/engine/index.ts only',
            },
            {
              group: ['**/renderer/**', '**/preload/**', '**/tools/**'],
              message:
                'main is the Electron shell: the renderer and the preload are reached only through the IPC contract',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['tools/**/*.ts', 'tools/**/*.mjs', 'bench/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronModule],
          patterns: [
            {
              group: ['**/engine/**', '!**/engine/index'],
              message: 'tools and bench reach the engine through electron/engine/index.ts only',
            },
            {
              group: ['**/main/**', '**/renderer/**', '**/preload/**'],
              message:
                'tools and bench host electron/app (the browser harness included), never the Electron shell or the UI',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronModule],
          patterns: [
            {
              group: [...nodeBuiltins, '**/electron/**'],
              message: 'the renderer talks to main only through window.lab',
            },
          ],
        },
      ],
    },
  },
  {
    // Component tests and their helpers may run the pure engine in-process (fake window.lab).
    files: ['renderer/**/*.test.ts', 'renderer/src/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronModule],
          patterns: [
            {
              group: [...nodeBuiltins, '**/electron/main/**', '**/electron/preload/**', '**/electron/app/**'],
              message:
                'component tests may use the pure engine, nothing of main, the preload or the app layer',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine/**', '**/app/**', '**/main/**', '**/renderer/**'],
              message: 'the preload exposes the contract only',
            },
          ],
        },
      ],
    },
  },
  prettier,
)
