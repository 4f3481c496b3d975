/**
 * Hostile input through the whole session, not just the importers: fast-check mutations of every
 * file in tests/fixtures/realdata and tests/fixtures/labs go through LabSession.importText (import,
 * enumeration, matrix) and must never throw or hang; each gives either a clean import or a located
 * 'input' error, and after an error the previously loaded lab (revision, serialized lab) is
 * unchanged. Then absurd numbers, deep nesting and cycles, and random payloads on every IPC channel.
 *
 * Time: each file gets a share of HOSTILE_BUDGET_MS (default 20 s; fast-check stops a file's run
 * when its share is used up) and every single input is bounded by PER_INPUT_MS.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { LabSession } from '../session'
import { applyMutations, mutationArb } from '../../engine/import/fuzz'
import { createHandlers } from './handlers'
import { dispatchNow } from '../../../tests/helpers/dispatch'
import { invokeChannels, type IpcError, type Result } from '../../../shared/ipc/contract'
import type { InputIssue } from '../../../shared/model/topology'

const FIXTURES = resolve(import.meta.dirname, '../../../tests/fixtures')
const BUDGET_MS = Number(process.env['HOSTILE_BUDGET_MS'] ?? 20_000)
/** A hang limit, not a speed target: a loaded 2-core machine can be 10x slower than an idle one. */
const PER_INPUT_MS = 30_000
const MIN_TOTAL_CASES = 2_000

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f)
      return statSync(p).isDirectory() ? walk(p) : [p]
    })
}

const FILES = [...walk(join(FIXTURES, 'realdata')), ...walk(join(FIXTURES, 'labs'))]

/** `open` `depth` times, then `inside`, then `close` as often: a document nested `depth` deep. */
const nested = (open: string, close: string, depth: number, inside = '') =>
  open.repeat(depth) + inside + close.repeat(depth)

/** The lab the session holds, as the renderer and a save would see it. */
function snapshot(session: LabSession): string {
  const exported = session.exportText()
  if (!exported.ok) throw new Error('exportText failed')
  return `${session.currentRevision}\n${exported.value.text}`
}

function located(i: InputIssue): boolean {
  return i.line !== undefined || (i.path !== undefined && i.path !== '') || i.nodeId !== undefined
}

function expectCleanError(r: Result<unknown>, name: string): IpcError {
  expect(r.ok).toBe(false)
  if (r.ok) throw new Error('unreachable')
  expect(r.error.kind).toBe('input')
  expect(r.error.message.length).toBeGreaterThan(0)
  expect(r.error.issues.length).toBeGreaterThan(0)
  for (const i of r.error.issues) {
    expect(typeof i.source).toBe('string')
    expect(i.message.length).toBeGreaterThan(0)
    expect(i.message).not.toMatch(/internal error|TypeError|RangeError|undefined is not/)
  }
  expect(
    located(r.error.issues[0]!),
    `${name}: first issue located: ${JSON.stringify(r.error.issues[0])}`,
  ).toBe(true)
  return r.error
}

const stats = { cases: 0, imported: 0, refused: 0, slowestMs: 0, slowest: '' }

afterAll(() => {
  console.log(
    `hostile: ${stats.cases} mutated inputs over ${FILES.length} files (${stats.imported} imported, ${stats.refused} refused); slowest ${stats.slowestMs.toFixed(0)} ms (${stats.slowest})`,
  )
})

describe('mutated real files through LabSession.importText', () => {
  const share = BUDGET_MS / FILES.length
  for (const file of FILES) {
    const rel = relative(FIXTURES, file)
    const name = rel.split('/').pop()!
    it(
      rel,
      () => {
        const text = readFileSync(file, 'utf8')
        const session = new LabSession()
        // The previously loaded lab is the file itself when it imports, else the default lab.
        session.importText({ fileName: name, text })
        fc.assert(
          fc.property(mutationArb, (ms) => {
            const input = applyMutations(text, ms)
            const before = snapshot(session)
            const t0 = performance.now()
            const r = session.importText({ fileName: name, text: input })
            const dt = performance.now() - t0
            stats.cases++
            if (dt > stats.slowestMs) Object.assign(stats, { slowestMs: dt, slowest: rel })
            expect(dt, `${rel}: one input took ${dt.toFixed(0)} ms`).toBeLessThan(PER_INPUT_MS)
            if (r.ok) {
              stats.imported++
              expect(r.value.revision).toBe(Number(before.split('\n')[0]) + 1)
            } else {
              stats.refused++
              expectCleanError(r, rel)
              expect(snapshot(session)).toBe(before)
            }
          }),
          {
            numRuns: 400,
            seed: 0x6 + stats.cases,
            interruptAfterTimeLimit: share,
            markInterruptAsFailure: false,
          },
        )
      },
      60_000,
    )
  }

  it(`ran at least ${MIN_TOTAL_CASES} mutated inputs in total`, () => {
    if (process.env['HOSTILE_BUDGET_MS']) return // a deliberately small budget
    expect(stats.cases).toBeGreaterThanOrEqual(MIN_TOTAL_CASES)
  })
})

/** A valid lab file to break on purpose. */
function labFixture(): Record<string, unknown> & { machine: { nodes: Record<string, unknown>[] } } {
  return JSON.parse(readFileSync(join(FIXTURES, 'labs/T1-intel.p2plab'), 'utf8')) as ReturnType<
    typeof labFixture
  >
}

function refused(text: string, fileName = 'hostile.p2plab'): IpcError {
  const session = new LabSession()
  const before = snapshot(session)
  const t0 = performance.now()
  const r = session.importText({ fileName, text })
  expect(performance.now() - t0).toBeLessThan(PER_INPUT_MS)
  const e = expectCleanError(r, fileName)
  expect(snapshot(session)).toBe(before)
  return e
}

describe('absurd numbers, deep nesting, cycles', () => {
  const endpointIndex = (lab: ReturnType<typeof labFixture>) =>
    lab.machine.nodes.findIndex((n) => n['kind'] === 'endpoint' && n['endpoint'])
  const hostIndex = (lab: ReturnType<typeof labFixture>) => lab.machine.nodes.findIndex((n) => n['host'])

  it('a BAR of 2^60 bytes is refused at its JSON path', () => {
    const lab = labFixture()
    const i = endpointIndex(lab)
    const ep = lab.machine.nodes[i]!['endpoint'] as { bars: { size: number }[] }
    ep.bars[0]!.size = 2 ** 60
    const e = refused(JSON.stringify(lab))
    expect(e.issues[0]!.path).toBe(`machine.nodes.${i}.endpoint.bars.0.size`)
  })

  it('bus 300, a negative slot, function 9, NaN-like and huge numbers are refused at their paths', () => {
    const lab = labFixture()
    const h = hostIndex(lab)
    ;(lab.machine.nodes[h]!['host'] as Record<string, unknown>)['rootBus'] = 300
    const e1 = refused(JSON.stringify(lab))
    expect(e1.issues.map((i) => i.path)).toContain(`machine.nodes.${h}.host.rootBus`)

    const lab2 = labFixture()
    const ep = endpointIndex(lab2)
    lab2.machine.nodes[ep]!['slot'] = -1
    lab2.machine.nodes[ep]!['fn'] = 9
    const e2 = refused(JSON.stringify(lab2))
    const paths = e2.issues.map((i) => i.path)
    expect(paths).toContain(`machine.nodes.${ep}.slot`)
    expect(paths).toContain(`machine.nodes.${ep}.fn`)

    const lab3 = labFixture()
    lab3['settings'] = { ...(lab3['settings'] as object), seed: 1e308 }
    expect(refused(JSON.stringify(lab3)).issues[0]!.path).toBe('settings.seed')
    expect(refused(JSON.stringify(lab3).replace('1e+308', '1e999')).issues[0]!.path).toBe('settings.seed')
  })

  it('deeply nested JSON is refused with a line and column, without recursing', () => {
    for (const text of ['['.repeat(200_000), nested('{"a":', '}', 100_000, '1')]) {
      const e = refused(text)
      expect(e.issues[0]!.line).toBe(1)
      expect(e.issues[0]!.message).toMatch(/nested deeper/)
    }
    const lab = labFixture()
    lab['scenarios'] = [JSON.parse(nested('[', ']', 70))]
    refused(JSON.stringify(lab))
  })

  it('deeply nested XML is refused with a location', () => {
    const bridges = nested('<object type="Bridge">', '</object>', 50_000)
    const xml = `<?xml version="1.0"?>\n<topology version="2.0">\n${bridges}</topology>\n`
    const e = refused(xml, 'deep.xml')
    expect(e.issues[0]!.line).toBeGreaterThanOrEqual(1)
  })

  it('a cycle in the tree (parents pointing at each other) is refused naming the nodes', () => {
    const lab = labFixture()
    const nodes = lab.machine.nodes
    const a = nodes.find((n) => n['kind'] === 'switch_upstream') ?? nodes[1]!
    const b = nodes.find((n) => n['parent'] === a['id'])!
    a['parent'] = b['id']
    const e = refused(JSON.stringify(lab))
    expect(e.issues.some((i) => i.nodeId === a['id'] || i.nodeId === b['id'])).toBe(true)
  })

  it('duplicate ids and a child of a missing parent are located errors', () => {
    const lab = labFixture()
    lab.machine.nodes.push({ ...lab.machine.nodes[lab.machine.nodes.length - 1]! })
    expect(refused(JSON.stringify(lab)).issues.length).toBeGreaterThan(0)
    const lab2 = labFixture()
    lab2.machine.nodes[lab2.machine.nodes.length - 1]!['parent'] = 'nowhere'
    refused(JSON.stringify(lab2))
  })
})

describe('random payloads on every IPC channel', () => {
  const CHANNELS = Object.keys(invokeChannels)
  const junk = fc.anything({ maxDepth: 3, maxKeys: 5, withNullPrototype: true, withBigInt: true })

  it('never throw, never answer an internal error, change nothing when refused, and stay JSON-safe', () => {
    const session = new LabSession()
    const handlers = createHandlers(session, vi.fn())
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    fc.assert(
      fc.property(
        fc.constantFrom(...CHANNELS, 'lab.nope', '__proto__', 'constructor'),
        fc.oneof(fc.array(junk, { maxLength: 3 }), junk),
        (channel, args) => {
          const before = snapshot(session)
          let r: Result<unknown>
          expect(() => {
            r = dispatchNow(handlers, channel, args as unknown[])
          }).not.toThrow()
          r = r!
          expect(typeof r.ok).toBe('boolean')
          if (!r.ok) {
            expect(r.error.kind, `${channel}: ${r.error.message}`).toBe('input')
            expect(snapshot(session)).toBe(before)
            expect(JSON.parse(JSON.stringify(r))).toEqual(r)
          }
        },
      ),
      { numRuns: 3000, seed: 0x2026 },
    )
    expect(error).not.toHaveBeenCalled()
    error.mockRestore()
  })
})
