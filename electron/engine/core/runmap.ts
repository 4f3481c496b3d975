/**
 * The world's tables of runs (VMAs, PTE runs, page runs) as persistent ordered maps: an AVL tree
 * ordered by address, where a change copies only the path from the root to the changed entry
 * (O(log n)) and shares everything else with the version before it. So a step that changes one
 * run of 1 000 costs what it costs with 10, every earlier world (the timeline's keyframes, a
 * caller's reference) stays exactly as it was, and "the run containing this address" is one
 * descent instead of a scan.
 *
 * Keys are the tables' own (`${mm}:${hex(va)}`, `hex(pfn)`): the part before the last ':' groups
 * the entries (one process's VMAs), the hex number after it orders them.
 *
 * runTable() wraps a map in a read-only object view, so code that reads the table as a record
 * (`w.ptes[key]`, `Object.values(w.pages)`) keeps working; runsOf() gives the map behind it for
 * ordered lookups.
 */

interface Node<V> {
  readonly key: string
  readonly group: string
  readonly at: bigint
  readonly value: V
  readonly left: Node<V> | null
  readonly right: Node<V> | null
  readonly height: number
  readonly size: number
}

/** Parsed keys, kept (a key is parsed on every lookup); emptied when it grows large. */
const parsedKeys = new Map<string, [string, bigint]>()

/** The group and the address a table key stands for ('mm1:0x7f0000' → ['mm1', 0x7f0000n]). */
export function parseRunKey(key: string): [string, bigint] {
  let p = parsedKeys.get(key)
  if (p) return p
  const colon = key.lastIndexOf(':')
  const num = key.slice(colon + 1)
  // not an address key: ordered by the whole key
  p = /^0x[0-9a-f]+$/i.test(num) ? [key.slice(0, colon < 0 ? 0 : colon), BigInt(num)] : [key, 0n]
  if (parsedKeys.size >= 1 << 16) parsedKeys.clear()
  parsedKeys.set(key, p)
  return p
}

function cmp(g1: string, a1: bigint, k1: string, n: Node<unknown>): number {
  if (g1 !== n.group) return g1 < n.group ? -1 : 1
  if (a1 !== n.at) return a1 < n.at ? -1 : 1
  return k1 === n.key ? 0 : k1 < n.key ? -1 : 1
}

const height = (n: Node<unknown> | null): number => (n ? n.height : 0)
const sizeOf = (n: Node<unknown> | null): number => (n ? n.size : 0)

function mk<V>(base: Node<V>, left: Node<V> | null, right: Node<V> | null, value = base.value): Node<V> {
  return {
    key: base.key,
    group: base.group,
    at: base.at,
    value,
    left,
    right,
    height: Math.max(height(left), height(right)) + 1,
    size: sizeOf(left) + sizeOf(right) + 1,
  }
}

function balance<V>(n: Node<V>): Node<V> {
  const bf = height(n.left) - height(n.right)
  if (bf > 1) {
    let l = n.left!
    if (height(l.left) < height(l.right)) l = rotateLeft(l)
    return rotateRight(mk(n, l, n.right))
  }
  if (bf < -1) {
    let r = n.right!
    if (height(r.right) < height(r.left)) r = rotateRight(r)
    return rotateLeft(mk(n, n.left, r))
  }
  return n
}

function rotateRight<V>(n: Node<V>): Node<V> {
  const l = n.left!
  return mk(l, l.left, mk(n, l.right, n.right))
}

function rotateLeft<V>(n: Node<V>): Node<V> {
  const r = n.right!
  return mk(r, mk(n, n.left, r.left), r.right)
}

function insert<V>(n: Node<V> | null, key: string, group: string, at: bigint, value: V): Node<V> {
  if (!n) return { key, group, at, value, left: null, right: null, height: 1, size: 1 }
  const c = cmp(group, at, key, n)
  if (c === 0) return mk(n, n.left, n.right, value)
  if (c < 0) return balance(mk(n, insert(n.left, key, group, at, value), n.right))
  return balance(mk(n, n.left, insert(n.right, key, group, at, value)))
}

function removeMin<V>(n: Node<V>): [Node<V> | null, Node<V>] {
  if (!n.left) return [n.right, n]
  const [left, min] = removeMin(n.left)
  return [balance(mk(n, left, n.right)), min]
}

function remove<V>(n: Node<V> | null, key: string, group: string, at: bigint): Node<V> | null {
  if (!n) return null
  const c = cmp(group, at, key, n)
  if (c < 0) return balance(mk(n, remove(n.left, key, group, at), n.right))
  if (c > 0) return balance(mk(n, n.left, remove(n.right, key, group, at)))
  if (!n.left) return n.right
  if (!n.right) return n.left
  const [right, min] = removeMin(n.right)
  return balance(mk(min, n.left, right))
}

/** A persistent map from table key to run, ordered by (group, address). */
export class RunMap<V> {
  /** Every entry by key, built on the first scan of this version (a record-style read of the whole table). */
  private flat: Map<string, V> | null = null

  private constructor(private readonly root: Node<V> | null) {}

  static empty<V>(): RunMap<V> {
    return new RunMap<V>(null)
  }

  get size(): number {
    return sizeOf(this.root)
  }

  get(key: string): V | undefined {
    if (this.flat) return this.flat.get(key)
    const [group, at] = parseRunKey(key)
    let n = this.root
    while (n) {
      const c = cmp(group, at, key, n)
      if (c === 0) return n.value
      n = c < 0 ? n.left : n.right
    }
    return undefined
  }

  has(key: string): boolean {
    return this.get(key) !== undefined
  }

  /** A new map with `key` set to `value` (or removed, for null); this one is unchanged. */
  with(key: string, value: V | null): RunMap<V> {
    const [group, at] = parseRunKey(key)
    if (value === null) return this.has(key) ? new RunMap(remove(this.root, key, group, at)) : this
    return new RunMap(insert(this.root, key, group, at, value))
  }

  /** Every entry in order (group, then address). */
  *entries(): Generator<[string, V]> {
    const stack: Node<V>[] = []
    let n = this.root
    while (n || stack.length) {
      while (n) {
        stack.push(n)
        n = n.left
      }
      const top = stack.pop()!
      yield [top.key, top.value]
      n = top.right
    }
  }

  /** The keys in order; the entries by key are kept for the reads that usually follow. */
  keys(): string[] {
    this.flat ??= new Map(this.entries())
    return [...this.flat.keys()]
  }

  /** The entry of `group` with the greatest address <= `at`, or null. */
  floor(group: string, at: bigint): [string, V] | null {
    let n = this.root
    let best: Node<V> | null = null
    while (n) {
      if (n.group < group || (n.group === group && n.at <= at)) {
        if (n.group === group) best = n
        n = n.right
      } else n = n.left
    }
    return best ? [best.key, best.value] : null
  }

  /** The entries of `group` with addresses in [from, to), in order. */
  *between(group: string, from: bigint, to: bigint): Generator<[string, V]> {
    const stack: Node<V>[] = []
    let n = this.root
    // descend to the first node >= (group, from), keeping the path of nodes still to visit
    while (n) {
      if (n.group > group || (n.group === group && n.at >= from)) {
        stack.push(n)
        n = n.left
      } else n = n.right
    }
    while (stack.length) {
      const top = stack.pop()!
      if (top.group !== group || top.at >= to) return
      yield [top.key, top.value]
      let r = top.right
      while (r) {
        stack.push(r)
        r = r.left
      }
    }
  }
}

const RUNS = Symbol('runs')

/** A run table as the world holds it: reads like a record, backed by a RunMap. */
export type RunTable<V> = Readonly<Record<string, V>>

const handler: ProxyHandler<{ [RUNS]: RunMap<unknown> }> = {
  get: (t, p) => (p === RUNS ? t[RUNS] : typeof p === 'string' ? t[RUNS].get(p) : undefined),
  has: (t, p) => typeof p === 'string' && t[RUNS].has(p),
  ownKeys: (t) => t[RUNS].keys(),
  getOwnPropertyDescriptor: (t, p) => {
    if (typeof p !== 'string') return undefined
    const value = t[RUNS].get(p)
    return value === undefined ? undefined : { value, writable: false, enumerable: true, configurable: true }
  },
  set: () => false,
  deleteProperty: () => false,
  defineProperty: () => false,
}

/** The record view of a RunMap (writes are refused: the world changes only through deltas). */
export function runTable<V>(map: RunMap<V> = RunMap.empty<V>()): RunTable<V> {
  const target = Object.create(null) as { [RUNS]: RunMap<unknown> }
  target[RUNS] = map as RunMap<unknown>
  return new Proxy(target, handler) as unknown as RunTable<V>
}

/** The RunMap behind a run table, or null for a plain record (a world built by hand in a test). */
export function runsOf<V>(table: Readonly<Record<string, V>>): RunMap<V> | null {
  return ((table as unknown as { [RUNS]?: RunMap<V> })[RUNS] as RunMap<V> | undefined) ?? null
}
