/**
 * Every kernel-case scenario file under tests/scenarios runs through the CLI code path
 * (runCommand, as `lab run <file> --json`) and meets every expectation; the files and the golden
 * traces match their source (cases.ts). Regenerate with `npx tsx tests/scenarios/generate.ts`.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCommand } from '../../electron/app/cli/run'
import type { CliIo } from '../../electron/app/cli/io'
import type { LabRunJson } from '../../shared/model/trace'
import { CASES, labFileOf } from './cases'
import { defaultLab } from '../../electron/engine/lab/default-lab'
import { builtinScenarios } from '../../electron/engine/scenario/library'
import { runScenario, scenarioMachine } from '../../electron/engine/scenario/runner'
import { scenarioSchema } from '../../electron/engine/scenario/schema'
import { goldenTrace, labText, librarySlug, libraryTrace } from './golden-io'

const here = dirname(fileURLToPath(import.meta.url))

function run(argv: string[]): { code: number; out: string; err: string } {
  let out = ''
  let err = ''
  const io: CliIo = {
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: () => {},
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    version: 'test',
  }
  return { code: runCommand(argv, io), out, err }
}

describe('kernel-case scenario files', () => {
  it('has a file for every case and no stray files', () => {
    const onDisk = readdirSync(here)
      .filter((f) => f.endsWith('.p2plab'))
      .sort()
    expect(onDisk).toEqual(CASES.map((c) => `${c.file}.p2plab`).sort())
  })

  for (const c of CASES) {
    describe(c.file, () => {
      const path = join(here, `${c.file}.p2plab`)
      it('matches cases.ts', () => {
        expect(readFileSync(path, 'utf8')).toBe(labText(labFileOf(c)))
      })
      it('runs through `lab run --json` with every expectation met', () => {
        const r = run(['run', path, '--json'])
        expect(r.err).toBe('')
        const json = JSON.parse(r.out) as LabRunJson
        expect(json.scenarios.map((s) => s.name)).toEqual(c.scenarios.map((s) => s.name))
        for (const s of json.scenarios) {
          expect(
            s.operations.filter((o) => !o.ok),
            `${s.name}`,
          ).toEqual([])
          expect(s.expectationsMet).toBe(true)
        }
        expect(r.code).toBe(0)
      })
      it('matches its golden trace', () => {
        expect(goldenTrace(labFileOf(c))).toBe(
          readFileSync(join(here, 'golden', `${c.file}.trace.txt`), 'utf8'),
        )
      })
    })
  }

  it('prints every step with --trace', () => {
    const r = run(['run', join(here, 'C22-gup-on-remap-pfn-range.p2plab'), '--trace'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('check check_vma_flags [FAIL] vm_flags & (VM_IO | VM_PFNMAP)')
    expect(r.out).toContain('-EFAULT (-14)')
  })
})

describe('built-in scenario library', () => {
  const lab = defaultLab()
  const lib = builtinScenarios()
  it('has at least 12 narrated scenarios, each operation narrated, all in the default lab', () => {
    expect(lib.length).toBeGreaterThanOrEqual(12)
    expect(new Set(lib.map((s) => s.name)).size).toBe(lib.length)
    for (const sc of lib) {
      expect(scenarioSchema.parse(sc)).toBeTruthy()
      expect(sc.narration?.length ?? 0).toBeGreaterThan(100)
      expect(sc.operations.some((o) => o.narration)).toBe(true)
    }
    // the default lab holds the library, in order, then the course's own scenarios (scenario/course.ts)
    const names = (lab.scenarios ?? []).map((s) => (s as { name: string }).name)
    expect(names.slice(0, lib.length)).toEqual(lib.map((s) => s.name))
  })
  it('golden files exist for every library scenario and no stray ones', () => {
    const onDisk = readdirSync(join(here, 'golden'))
      .filter((f) => f.startsWith('library-'))
      .sort()
    expect(onDisk).toEqual(lib.map((s) => `${librarySlug(s)}.trace.txt`).sort())
  })
  for (const sc of lib) {
    it(`${sc.name}: expectations met and golden trace matches`, () => {
      const r = runScenario(scenarioMachine(lab.machine, lab.settings, sc), sc)
      expect(r.operations.filter((o) => !o.ok)).toEqual([])
      expect(libraryTrace(lab, sc)).toBe(
        readFileSync(join(here, 'golden', `${librarySlug(sc)}.trace.txt`), 'utf8'),
      )
    })
  }
})
