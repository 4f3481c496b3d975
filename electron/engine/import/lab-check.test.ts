/**
 * shared/model/lab-check.ts (the shape check the loader, the importers and buildMachine() use)
 * against zod's labFileSchema: the same verdict on every input, and every issue at a
 * path zod also reports. Inputs: valid labs (the default lab, a real import, a course with
 * scenarios) and thousands of seeded mutations of them — a value replaced by an edge case of
 * another type or range, a key removed, an unknown key added, a list emptied or overfilled.
 */
import { describe, expect, it } from 'vitest'
import { labFileSchema, machineSchema } from '../../../shared/model/lab-schema'
import { labFileShapeIssues, machineShapeIssues } from '../../../shared/model/lab-check'
import { defaultLab } from '../lab/default-lab'
import { importText } from './index'
import { readFixture } from '../../../tests/helpers/realdata'

type Json = Record<string, unknown> | unknown[]

const EDGE_VALUES: unknown[] = [
  undefined,
  null,
  -1,
  0,
  1,
  3,
  4,
  5,
  7,
  8,
  9,
  31,
  32,
  255,
  256,
  1023,
  1024,
  0xffff,
  0x10000,
  0xffffff,
  2 ** 32,
  2 ** 52,
  2 ** 53,
  -(2 ** 53),
  1.5,
  4096.5,
  NaN,
  Infinity,
  '',
  'x',
  'a b',
  'gpu0',
  'v6.12',
  'intel',
  'endpoint',
  'gpu',
  'RR',
  'as-posted',
  'p2p-dma-lab',
  'é'.repeat(201),
  'x'.repeat(4001),
  true,
  false,
  [],
  ['RR'],
  [1, 2],
  {},
  { extra: 1 },
]

/** A tiny seeded generator (mulberry32): the same mutations on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Every container in the value with the key or index of each child (the places a mutation can hit). */
function places(v: unknown, out: [Json, string | number][] = []): [Json, string | number][] {
  if (!v || typeof v !== 'object') return out
  for (const [k, x] of Object.entries(v)) {
    out.push([v as Json, Array.isArray(v) ? Number(k) : k])
    places(x, out)
  }
  return out
}

function mutate(lab: unknown, r: () => number): unknown {
  const copy = structuredClone(lab) as Json
  const n = 1 + Math.floor(r() * 3)
  for (let i = 0; i < n; i++) {
    const all = places(copy)
    const [parent, key] = all[Math.floor(r() * all.length)]!
    const roll = r()
    if (roll < 0.1 && !Array.isArray(parent)) (parent as Record<string, unknown>)['unexpected' + i] = 1
    else if (roll < 0.2 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key]
    else if (roll < 0.25 && Array.isArray(parent)) parent.length = 0
    else if (roll < 0.3 && Array.isArray(parent)) while (parent.length < 9) parent.push(parent[0])
    else (parent as Record<string | number, unknown>)[key] = EDGE_VALUES[Math.floor(r() * EDGE_VALUES.length)]
  }
  return copy
}

const REMOVE = Symbol('remove')

/** A copy of `v` with the value at `path` replaced (or removed). */
function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>
  let at = copy
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (value === REMOVE) delete at[last]
  else at[last] = value
  return copy
}

function zodPaths(v: unknown, schema: typeof labFileSchema | typeof machineSchema): Set<string> | null {
  const r = schema.safeParse(v)
  return r.success ? null : new Set(r.error.issues.map((i) => i.path.join('.')))
}

function agree(v: unknown, what: string): void {
  const zod = zodPaths(v, labFileSchema)
  const ours = labFileShapeIssues(v)
  expect(ours.length === 0, `${what}: verdict (zod ${zod ? [...zod].join(' | ') : 'valid'})`).toBe(
    zod === null,
  )
  for (const i of ours) expect(zod, `${what}: ${i.path.join('.')} ${i.message}`).toContain(i.path.join('.'))
  const machine = (v as { machine?: unknown } | null)?.machine
  const zm = zodPaths(machine, machineSchema)
  expect(machineShapeIssues(machine).length === 0, `${what}: machine verdict`).toBe(zm === null)
}

/** A small valid lab in which every optional field of the format is present once. */
function fullLab(): unknown {
  const lab = defaultLab()
  const nodes = lab.machine.nodes.slice(0, 15).map((n) => structuredClone(n))
  const host = nodes[0]!.host!
  Object.assign(host, { busEnd: 0x7f, mmioBase: 2 ** 40, mmioSize: 2 ** 36, busOffset: 0 })
  Object.assign(host.hostDevice!, { classCode: 0x060000, label: 'host bridge' })
  const ep = nodes.find((n) => n.endpoint)!
  Object.assign(ep, { fn: 0, slot: 0, classCode: 0x030200 })
  Object.assign(ep.endpoint!, { driver: 'nvidia', queueP2p: true, osDevices: ['nvme0'] })
  Object.assign(ep.endpoint!.bars[0]!, { io: false, mem64: true, prefetch: true })
  return {
    ...lab,
    description: 'every field',
    course: { title: 't', description: 'd' },
    scenarios: [{}],
    machine: { ...lab.machine, cpu: { ...lab.machine.cpu!, model: 85, name: 'Xeon' }, nodes },
  }
}

function dgxLab(): unknown {
  const r = importText('dgx.xml', readFixture('hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml'))
  if (!r.ok) throw new Error('DGX-2H import failed')
  return r.lab
}

describe('lab-check agrees with zod’s labFileSchema', () => {
  const course = {
    ...defaultLab(),
    course: { title: 'A course', description: 'd' },
    scenarios: [{ any: 'thing' }],
  }

  it('accepts the valid labs zod accepts', () => {
    for (const [what, lab] of [
      ['default lab', defaultLab()],
      ['DGX-2H import', dgxLab()],
      ['course', course],
      ['every field', fullLab()],
    ] as const) {
      expect(labFileShapeIssues(lab), what).toEqual([])
      agree(lab, what)
    }
  })

  it('every field, every edge value: the same verdict and paths as zod', () => {
    // One place per field of the format (nodes.*.slot once, not once per node), each set to every
    // edge value in turn, and removed.
    for (const base of [fullLab()]) {
      const seen = new Set<string>()
      const walk = (v: unknown, path: (string | number)[]): void => {
        if (!v || typeof v !== 'object') return
        for (const [k, x] of Object.entries(v)) {
          const at = [...path, Array.isArray(v) ? Number(k) : k]
          const general = at.map((p) => (typeof p === 'number' ? '*' : p)).join('.')
          if (!seen.has(general)) {
            seen.add(general)
            for (const value of [...EDGE_VALUES, REMOVE])
              agree(setAt(base, at, value), `${general} = ${String(value)}`)
          }
          walk(x, at)
        }
      }
      walk(base, [])
      expect(seen.size).toBeGreaterThan(40)
    }
  })

  it('refuses what zod refuses, at the paths zod names (1500 seeded multi-point mutations)', () => {
    const r = rng(13)
    const bases = [fullLab()]
    let refused = 0
    for (let k = 0; k < 1500; k++) {
      const m = mutate(bases[k % bases.length], r)
      agree(m, `mutation ${k}`)
      if (labFileShapeIssues(m).length) refused++
    }
    // Most mutations break the lab; some (a label replaced by another string) do not: both kinds ran.
    expect(refused).toBeGreaterThan(750)
    expect(refused).toBeLessThan(1500)
  })

  it('refuses non-objects and says what it got', () => {
    for (const v of [null, 1, 'lab', [], undefined]) {
      agree(v, String(v))
      expect(labFileShapeIssues(v)[0]!.message).toMatch(/^expected an object, got /)
    }
  })

  it('names the rule: a BAR size that is no power of two, an unknown key', () => {
    const lab = defaultLab() as unknown as { machine: { nodes: Record<string, unknown>[] } }
    const i = lab.machine.nodes.findIndex((n) => n['endpoint'])
    ;(lab.machine.nodes[i]!['endpoint'] as { bars: { size: number }[] }).bars[0]!.size = 3000
    lab.machine.nodes[0]!['colour'] = 'red'
    const issues = labFileShapeIssues(lab)
    expect(issues).toContainEqual({
      path: ['machine', 'nodes', i, 'endpoint', 'bars', 0, 'size'],
      message: 'BAR size must be a power of two',
    })
    expect(issues).toContainEqual({ path: ['machine', 'nodes', 0], message: 'unknown key "colour"' })
  })
})

/** `v` behind a proxy that counts the property reads made on it (the object itself, not below). */
function counted<T extends object>(v: T): { proxy: T; reads: () => number } {
  let reads = 0
  const proxy = new Proxy(v, {
    get(target, key, receiver) {
      reads++
      return Reflect.get(target, key, receiver) as unknown
    },
  })
  return { proxy, reads: () => reads }
}

describe('lab-check: a spec found valid is checked once', () => {
  it('the second check of the same machine reads nothing (importText then buildMachine)', () => {
    const lab = defaultLab()
    const m = counted(lab.machine)
    expect(labFileShapeIssues({ ...lab, machine: m.proxy })).toEqual([])
    const afterFirst = m.reads()
    expect(afterFirst).toBeGreaterThan(0)
    expect(machineShapeIssues(m.proxy)).toEqual([])
    expect(m.reads()).toBe(afterFirst)
  })

  it('a new machine built from a checked one is checked, its unchanged nodes are not read again', () => {
    const lab = defaultLab()
    const n0 = counted(lab.machine.nodes[0]!)
    const nodes = [n0.proxy, ...lab.machine.nodes.slice(1)]
    expect(machineShapeIssues({ ...lab.machine, nodes })).toEqual([])
    const afterFirst = n0.reads()
    expect(afterFirst).toBeGreaterThan(0)
    // Same nodes, another CPU: the machine object is new, so it is looked at (and found wrong here).
    const copy = counted({ ...lab.machine, nodes, cpu: { vendor: 'zilog', family: 1 } })
    expect(machineShapeIssues(copy.proxy)).toEqual([
      { path: ['cpu', 'vendor'], message: 'expected one of "intel", "amd", "hygon", "other"' },
    ])
    expect(copy.reads()).toBeGreaterThan(0)
    expect(n0.reads()).toBe(afterFirst)
  })

  it('a changed copy of a checked node is checked, at its path', () => {
    const lab = defaultLab()
    expect(labFileShapeIssues(lab)).toEqual([])
    const i = lab.machine.nodes.findIndex((n) => n.endpoint)
    const ep = lab.machine.nodes[i]!
    const broken = { ...ep, endpoint: { ...ep.endpoint!, bars: [{ index: 0, size: 3000 }] } }
    const nodes = lab.machine.nodes.map((n, k) => (k === i ? broken : n))
    const issues = machineShapeIssues({ ...lab.machine, nodes })
    expect(issues).toEqual([
      { path: ['nodes', i, 'endpoint', 'bars', 0, 'size'], message: 'BAR size must be a power of two' },
    ])
    // The checked original is still fine, and a lab holding the broken copy is refused too.
    expect(machineShapeIssues(lab.machine)).toEqual([])
    expect(labFileShapeIssues({ ...lab, machine: { ...lab.machine, nodes } })).toHaveLength(1)
  })

  it('a spec found wrong is not remembered: every check reports it again', () => {
    const lab = defaultLab()
    const bad = { ...lab.machine, name: 42 }
    const first = machineShapeIssues(bad)
    expect(first).toEqual([{ path: ['name'], message: 'expected text, got number' }])
    expect(machineShapeIssues(bad)).toEqual(first)
    const badNode = { ...lab.machine.nodes[0]!, colour: 'red' }
    const m = { ...lab.machine, nodes: [badNode, ...lab.machine.nodes.slice(1)] }
    expect(machineShapeIssues(m)).toEqual([{ path: ['nodes', 0], message: 'unknown key "colour"' }])
    expect(machineShapeIssues({ ...m })).toEqual([{ path: ['nodes', 0], message: 'unknown key "colour"' }])
  })
})
