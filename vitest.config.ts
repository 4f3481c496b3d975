import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// Time limits are there to stop a hang, never to judge speed (tests check behaviour; timings live in
// `npm run bench`). They are generous because `npm test` runs on a shared 2-core machine that other
// work may load heavily: a test that passes in 2 s on an idle machine can take 20 s there.
// expect.poll's default (1 s) is far too short for a renderer answering over the bridge under load.
export default defineConfig({
  test: {
    reporters: ['default', './tools/vitest-summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: [
            'electron/**/*.test.ts',
            'shared/**/*.test.ts',
            'tests/scenarios/**/*.test.ts',
            'tests/helpers/**/*.test.ts',
            'tools/**/*.test.ts',
            'build/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'component',
          environment: 'happy-dom',
          include: ['renderer/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          expect: { poll: { timeout: 30_000 } },
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          expect: { poll: { timeout: 30_000 } },
          fileParallelism: false,
        },
      },
    ],
  },
})
