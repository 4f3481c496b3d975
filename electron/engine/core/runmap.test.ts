/**
 * The run tables' persistent ordered map (runmap.ts) against a plain Map model: random sets and
 * removals, then every lookup the memory model makes (get, floor, between, in-order entries);
 * every earlier version stays exactly as it was; the record view reads like the record it
 * replaces and refuses writes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseRunKey, RunMap, runsOf, runTable } from './runmap'

const key = (group: string, at: bigint): string =>
  group ? `${group}:0x${at.toString(16)}` : `0x${at.toString(16)}`

const opArb = fc.record({
  set: fc.boolean(),
  group: fc.constantFrom('', 'mm1', 'mm2', 'mm10'),
  at: fc.integer({ min: 0, max: 300 }),
  value: fc.integer(),
})

/** The model's answers, computed the slow way. */
function modelFloor(m: Map<string, number>, group: string, at: bigint): string | null {
  let best: [string, bigint] | null = null
  for (const k of m.keys()) {
    const [g, a] = parseRunKey(k)
    if (g === group && a <= at && (!best || a > best[1])) best = [k, a]
  }
  return best ? best[0] : null
}

function sorted(m: Map<string, number>): string[] {
  return [...m.keys()].sort((x, y) => {
    const [gx, ax] = parseRunKey(x)
    const [gy, ay] = parseRunKey(y)
    return gx !== gy ? (gx < gy ? -1 : 1) : ax < ay ? -1 : ax > ay ? 1 : 0
  })
}

describe('RunMap', () => {
  it('agrees with a plain Map after any sequence of sets and removals; old versions never change', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), fc.integer({ min: 0, max: 310 }), (ops, probe) => {
        let map = RunMap.empty<number>()
        const model = new Map<string, number>()
        const versions: [RunMap<number>, string[]][] = []
        for (const op of ops) {
          const k = key(op.group, BigInt(op.at))
          map = map.with(k, op.set ? op.value : null)
          if (op.set) model.set(k, op.value)
          else model.delete(k)
          versions.push([map, sorted(model)])
        }
        expect(map.size).toBe(model.size)
        expect(map.keys()).toEqual(sorted(model))
        for (const [k, v] of model) expect(map.get(k)).toBe(v)
        for (const group of ['', 'mm1', 'mm2', 'mm10']) {
          const at = BigInt(probe)
          expect(map.floor(group, at)?.[0] ?? null).toBe(modelFloor(model, group, at))
          const inRange = sorted(model).filter((k) => {
            const [g, a] = parseRunKey(k)
            return g === group && a >= at && a < at + 40n
          })
          expect([...map.between(group, at, at + 40n)].map(([k]) => k)).toEqual(inRange)
        }
        for (const [v, keys] of versions) expect([...v.entries()].map(([k]) => k)).toEqual(keys)
      }),
      { numRuns: 200 },
    )
  })

  it('stays balanced: 4096 ascending inserts, then half removed, are found in O(log n) descents', () => {
    let map = RunMap.empty<number>()
    for (let i = 0; i < 4096; i++) map = map.with(key('', BigInt(i * 8)), i)
    for (let i = 0; i < 4096; i += 2) map = map.with(key('', BigInt(i * 8)), null)
    expect(map.size).toBe(2048)
    const root = (map as unknown as { root: { height: number } }).root
    expect(root.height).toBeLessThanOrEqual(Math.ceil(1.45 * Math.log2(2048 + 2)))
    expect(map.floor('', 8n * 4095n + 3n)?.[1]).toBe(4095)
    expect(map.floor('', 8n * 100n)?.[1]).toBe(99)
  })

  it('a record view: reads, in address order, and refuses writes', () => {
    const t = runTable(RunMap.empty<string>().with('0x20', 'b').with('0x3', 'a').with('mm:0x1', 'c'))
    expect(t['0x3']).toBe('a')
    expect('0x20' in t).toBe(true)
    expect(Object.keys(t)).toEqual(['0x3', '0x20', 'mm:0x1'])
    expect(Object.values(t)).toEqual(['a', 'b', 'c'])
    expect({ ...t }).toEqual({ '0x3': 'a', '0x20': 'b', 'mm:0x1': 'c' })
    expect(() => {
      ;(t as Record<string, string>)['0x3'] = 'x'
    }).toThrow(TypeError)
    expect(() => delete (t as Record<string, string>)['0x3']).toThrow(TypeError)
    expect(runsOf(t)?.size).toBe(3)
    expect(runsOf({ a: 1 })).toBeNull()
  })
})
