#!/usr/bin/env node
// `npm test`: every check the project has, in order, with one plain summary line at the end:
//   N passed, N failed
// Stages: format, lint, typecheck (each counts as one check), unit + component tests, the
// renderer/main/preload build, end-to-end tests in Chromium. Vitest's own counts come from the
// "vitest: N passed, N failed, N skipped" line printed by tools/vitest-summary-reporter.ts.
// Then electronegativity (tools/electronegativity.ts) as the 'security' stage.
// Set TEST_STAGES=unit,e2e (comma list) to run a subset.
import { spawn } from 'node:child_process'

const stages = [
  { name: 'format', cmd: ['npx', 'prettier', '--check', '.'], counts: false },
  { name: 'lint', cmd: ['npx', 'eslint', '.'], counts: false },
  { name: 'typecheck', cmd: ['npx', 'vue-tsc', '--build'], counts: false },
  {
    name: 'unit',
    cmd: ['npx', 'vitest', 'run', '--project', 'unit', '--project', 'component'],
    counts: true,
  },
  { name: 'build', cmd: ['npx', 'electron-vite', 'build'], counts: false },
  { name: 'e2e', cmd: ['npx', 'vitest', 'run', '--project', 'e2e'], counts: true },
  // Electronegativity over the sources and out/, from the isolated package tools/electronegativity/
  // (its own lockfile; installed from it here if missing, and the stage says why when it cannot be).
  // Findings above review level fail it.
  { name: 'security', cmd: ['npx', 'tsx', 'tools/electronegativity.ts'], counts: false },
]

const only = process.env.TEST_STAGES ? new Set(process.env.TEST_STAGES.split(',')) : null
let passed = 0
let failed = 0
const failures = []

function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      process.stdout.write(d)
    })
    child.stderr.on('data', (d) => process.stderr.write(d))
    child.on('close', (code) => resolve({ code: code ?? 1, out }))
    child.on('error', (err) => resolve({ code: 1, out: String(err) }))
  })
}

for (const stage of stages) {
  if (only && !only.has(stage.name)) continue
  process.stdout.write(`\n=== ${stage.name}: ${stage.cmd.join(' ')}\n`)
  const { code, out } = await run(stage.cmd)
  if (stage.counts) {
    const m = [...out.matchAll(/^vitest: (\d+) passed, (\d+) failed/gm)].pop()
    if (m) {
      passed += Number(m[1])
      failed += Number(m[2])
      if (Number(m[2]) > 0 || code !== 0) failures.push(stage.name)
      if (Number(m[2]) === 0 && code !== 0) failed += 1 // e.g. an unhandled error outside any test
    } else {
      failed += 1
      failures.push(`${stage.name} (no summary line)`)
    }
  } else if (code === 0) {
    passed += 1
  } else {
    failed += 1
    failures.push(stage.name)
  }
}

process.stdout.write(`\n${failures.length ? `failed stages: ${failures.join(', ')}\n` : ''}`)
process.stdout.write(`${passed} passed, ${failed} failed\n`)
process.exit(failed > 0 ? 1 : 0)
