/**
 * The lab-file shape check without zod: the rules of ./lab-schema.ts (which stays the single
 * statement of them, and generates docs/lab-file.schema.json), as a handful of plain functions.
 * The lab-file loader, the importers' output check and buildMachine() use this one: a valid lab is
 * checked by each rule's ok() alone (no path kept, nothing allocated), and the messages are
 * worked out only for a lab that fails; the command line never loads zod. electron/engine/import/lab-check.test.ts holds it to zod's verdict on every input (valid labs and
 * thousands of mutated ones) and to zod's issue paths.
 *
 * Every issue carries its JSON path (`machine.nodes.3.endpoint.bars.0.size`) and a plain message.
 *
 * Checked once: a machine, and each of its nodes, whose shape check found nothing is remembered (by
 * object identity, in module-private WeakSets that never keep an object alive) and is not looked at
 * again. importText() checks the lab it returns and buildMachine() checks the machine it is given,
 * usually the same object: the second check costs one lookup. A spec built from a checked one (an
 * edit, `{ ...machine, cpu }`) is a new object and is checked, but only its new or changed nodes are
 * walked. The contract this rests on, which the engine keeps (specs are values: topology/edit.ts
 * never touches the old spec, importers finish their nodes before the check): a checked spec, and
 * every object reachable from it (nodes, hosts, endpoints, BAR lists), is never mutated afterwards.
 * Sharing such objects with a new spec is fine; changing one in place is not (copy it first).
 */
import { ACS_FLAGS, ENDPOINT_TYPES, ERAS, LAB_FORMAT, NODE_KINDS } from './topology'
import { LIMITS } from './limits'

export interface ShapeIssue {
  path: (string | number)[]
  message: string
}

/**
 * A check, twice: ok(v) says only whether `v` passes, with no path, message or allocation (a valid
 * lab, the usual case, is checked by ok() alone); report(v, path, out) appends what is wrong with
 * `v` (found at `path`) to `out`, and runs only when ok() said no. Both are made from the same
 * rules by the functions below.
 */
interface Check {
  /** optional()'s: the check of a value that is there (strict() calls it directly). */
  optional?: Check
  /**
   * A plain rule (a number range, a text length and pattern, true/false, a fixed set) as data, which
   * plainOk() tests: ok() is plainOk(plain, v), and strict() calls plainOk() itself, so its loop makes
   * one call to one function for every such field rather than a call to each field's own closure.
   */
  plain?: Plain
  ok: (v: unknown) => boolean
  report: (v: unknown, path: (string | number)[], out: ShapeIssue[]) => void
}

const INT = 1
const STR = 2
const BOOL = 3
const SET = 4

interface Plain {
  kind: typeof INT | typeof STR | typeof BOOL | typeof SET
  min: number
  max: number
  re: RegExp | null
  set: Set<unknown> | null
}

function plainOk(p: Plain, v: unknown): boolean {
  switch (p.kind) {
    case INT:
      // v % 1 === 0 says integer (NaN and the infinities give NaN) without a call; min and max are
      // safe integers, so one between them is safe.
      return typeof v === 'number' && v % 1 === 0 && v >= p.min && v <= p.max
    case STR:
      return (
        typeof v === 'string' && v.length <= p.max && v.length >= p.min && (p.re === null || p.re.test(v))
      )
    case BOOL:
      return typeof v === 'boolean'
    case SET:
      return p.set!.has(v)
  }
}

const fail = (out: ShapeIssue[], path: (string | number)[], message: string): void => {
  out.push({ path: [...path], message })
}

function what(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return typeof v === 'object' ? 'an object' : typeof v === 'string' ? 'text' : typeof v
}

function int(min: number, max: number): Check {
  const plain: Plain = { kind: INT, min, max, re: null, set: null }
  return {
    plain,
    ok: (v) => plainOk(plain, v),
    report: (v, path, out) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        return fail(out, path, `expected a number, got ${what(v)}`)
      if (!Number.isSafeInteger(v)) return fail(out, path, `expected an integer, got ${v}`)
      if (v < min || v > max) fail(out, path, `${v} is out of range (${min} to ${max})`)
    },
  }
}

function str(max: number, min = 0, pattern?: { re: RegExp; message: string }): Check {
  const plain: Plain = { kind: STR, min, max, re: pattern?.re ?? null, set: null }
  return {
    plain,
    ok: (v) => plainOk(plain, v),
    report: (v, path, out) => {
      if (typeof v !== 'string') return fail(out, path, `expected text, got ${what(v)}`)
      if (v.length > max) fail(out, path, `longer than ${max} characters`)
      if (v.length < min) fail(out, path, min === 1 ? 'must not be empty' : `shorter than ${min} characters`)
      if (pattern && !pattern.re.test(v)) fail(out, path, pattern.message)
    },
  }
}

function oneOf(values: readonly unknown[]): Check {
  const set = new Set(values)
  const plain: Plain = { kind: SET, min: 0, max: 0, re: null, set }
  return {
    plain,
    ok: (v) => plainOk(plain, v),
    report: (v, path, out) => {
      if (!set.has(v)) fail(out, path, `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`)
    },
  }
}

const BOOL_RULE: Plain = { kind: BOOL, min: 0, max: 0, re: null, set: null }
const bool: Check = {
  plain: BOOL_RULE,
  ok: (v) => plainOk(BOOL_RULE, v),
  report: (v, path, out) => {
    if (typeof v !== 'boolean') fail(out, path, `expected true or false, got ${what(v)}`)
  },
}

const anything: Check = { ok: () => true, report: () => undefined }

function optional(c: Check): Check {
  return {
    optional: c,
    ok: (v) => v === undefined || c.ok(v),
    report: (v, path, out) => {
      if (v !== undefined) c.report(v, path, out)
    },
  }
}

function nullable(c: Check): Check {
  return {
    ok: (v) => v === null || c.ok(v),
    report: (v, path, out) => {
      if (v !== null) c.report(v, path, out)
    },
  }
}

function array(item: Check, max: number, min = 0): Check {
  const itemOk = item.ok
  return {
    ok: (v) => {
      if (!Array.isArray(v) || v.length > max || v.length < min) return false
      for (let i = 0; i < v.length; i++) if (!itemOk(v[i])) return false
      return true
    },
    report: (v, path, out) => {
      if (!Array.isArray(v)) return fail(out, path, `expected a list, got ${what(v)}`)
      // A list of the wrong length is refused as a whole (its entries are not looked at), as zod does.
      if (v.length > max) return fail(out, path, `more than ${max} entries`)
      if (v.length < min) return fail(out, path, `at least ${min} ${min === 1 ? 'entry' : 'entries'} needed`)
      for (let i = 0; i < v.length; i++) {
        path.push(i)
        item.report(v[i], path, out)
        path.pop()
      }
    },
  }
}

/** An object with exactly these keys (optional ones may be absent); any other key is refused. */
function strict(shape: Record<string, Check>): Check {
  const keys = Object.keys(shape)
  // An optional key's own check, called only for a value that is there (one call, not two).
  const checks = keys.map((k) => shape[k]!.optional ?? shape[k]!)
  const oks = checks.map((c) => c.ok)
  const required = keys.map((k) => shape[k]!.optional === undefined)
  // Each key's plain rule, tested by plainOk() (null: call the check's own ok()).
  const plains = checks.map((c) => c.plain ?? null)
  // The keys as an object without a prototype, so `k in known` (one bytecode, no call) says exactly
  // whether `k` is one of them.
  const known: Record<string, true> = Object.create(null)
  for (const k of keys) known[k] = true
  return {
    ok: (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
      const o = v as Record<string, unknown>
      for (let i = 0; i < keys.length; i++) {
        const x = o[keys[i]!]
        if (x === undefined) {
          if (required[i] && !oks[i]!(x)) return false
          continue
        }
        const p = plains[i] as Plain | null
        if (p !== null ? !plainOk(p, x) : !oks[i]!(x)) return false
      }
      for (const k in o) if (!(k in known)) return false
      return true
    },
    report: (v, path, out) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        return fail(out, path, `expected an object, got ${what(v)}`)
      const o = v as Record<string, unknown>
      for (const k of keys) {
        path.push(k)
        shape[k]!.report(o[k], path, out)
        path.pop()
      }
      let unknown: string[] | null = null
      for (const k in o) if (!Object.hasOwn(shape, k)) (unknown ??= []).push(k)
      if (unknown)
        fail(
          out,
          path,
          `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`,
        )
    },
  }
}

const u8 = int(0, 0xff)
const u16 = int(0, 0xffff)
const label = str(LIMITS.maxLabelLength)
const ID_RE = { re: /^[A-Za-z0-9_.:-]+$/, message: 'ids use letters, digits and _ . : - only' }
const id = str(LIMITS.maxIdLength, 1, ID_RE)
const acsFlag = oneOf(ACS_FLAGS)

const barSizeRange = int(4, LIMITS.maxBarSize)
const barSize: Check = {
  ok: (v) => barSizeRange.ok(v) && Number.isInteger(Math.log2(v as number)),
  report: (v, path, out) => {
    const before = out.length
    barSizeRange.report(v, path, out)
    if (out.length === before && !Number.isInteger(Math.log2(v as number)))
      fail(out, path, 'BAR size must be a power of two')
  },
}

const bar = strict({
  index: int(0, 5),
  size: barSize,
  io: optional(bool),
  mem64: optional(bool),
  prefetch: optional(bool),
})

const cpu = strict({
  vendor: oneOf(['intel', 'amd', 'hygon', 'other']),
  family: int(0, 0x1ff),
  model: optional(int(0, 0xfff)),
  name: optional(label),
})

const host = strict({
  domain: u16,
  rootBus: u8,
  busEnd: optional(u8),
  numaNode: int(0, 1023),
  cpus: optional(
    str(400, 1, {
      re: /^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/,
      message: 'a Linux CPU list like 0-23,48-71',
    }),
  ),
  hostDevice: nullable(
    strict({ vendor: u16, device: u16, classCode: optional(int(0, 0xffffff)), label: optional(label) }),
  ),
  mmioBase: optional(int(0, 2 ** 52)),
  mmioSize: optional(int(0, 2 ** 52)),
  busOffset: optional(int(-(2 ** 52), 2 ** 52)),
})

const endpoint = strict({
  type: oneOf(ENDPOINT_TYPES),
  bars: array(bar, LIMITS.maxBarsPerFunction),
  driver: optional(
    str(40, 0, { re: /^[A-Za-z0-9_-]*$/, message: 'a driver name uses letters, digits, _ and - only' }),
  ),
  queueP2p: optional(bool),
  p2pmemBar: optional(int(0, 5)),
  osDevices: optional(array(str(60), 64)),
})

const node = strict({
  id,
  kind: oneOf(NODE_KINDS),
  parent: nullable(id),
  label: optional(label),
  slot: optional(int(0, 31)),
  fn: optional(int(0, 7)),
  vendor: optional(u16),
  device: optional(u16),
  classCode: optional(int(0, 0xffffff)),
  acs: optional(strict({ cap: array(acsFlag, 7), ctrl: array(acsFlag, 7) })),
  host: optional(host),
  endpoint: optional(endpoint),
})

/** Machines and nodes whose shape check found nothing (see the file comment: checked once). */
const checkedMachines = new WeakSet<object>()
const checkedNodes = new WeakSet<object>()

/**
 * `check`, skipped for an object already in `seen`; an object it finds nothing wrong with is added.
 * Only objects can be remembered: whatever else the check refuses.
 */
function once(seen: WeakSet<object>, check: Check): Check {
  return {
    ok: (v) => {
      if (typeof v !== 'object' || v === null) return check.ok(v)
      if (seen.has(v)) return true
      if (!check.ok(v)) return false
      seen.add(v)
      return true
    },
    report: (v, path, out) => {
      if (typeof v !== 'object' || v === null) return check.report(v, path, out)
      if (seen.has(v)) return
      const before = out.length
      check.report(v, path, out)
      if (out.length === before) seen.add(v)
    },
  }
}

const machine = once(
  checkedMachines,
  strict({
    name: label,
    cpu: nullable(cpu),
    nodes: array(once(checkedNodes, node), LIMITS.maxNodes, 1),
  }),
)

const settings = strict({
  era: oneOf(ERAS),
  iommu: bool,
  disableAcsRedir: str(4000),
  rfcTestP2p: oneOf(['as-posted', 'as-intended']),
  seed: int(0, 2 ** 32 - 1),
})

const labFile = strict({
  format: oneOf([LAB_FORMAT]),
  schemaVersion: int(1, Number.MAX_SAFE_INTEGER),
  name: label,
  description: optional(str(20_000)),
  machine,
  settings,
  course: optional(strict({ title: str(LIMITS.maxLabelLength, 1), description: optional(str(20_000)) })),
  scenarios: optional(array(anything, 1000)),
})

function run(check: Check, v: unknown): ShapeIssue[] {
  if (check.ok(v)) return []
  const out: ShapeIssue[] = []
  check.report(v, [], out)
  return out
}

/** What is wrong with a lab file's shape (labFileSchema's rules); empty when nothing is. */
export function labFileShapeIssues(v: unknown): ShapeIssue[] {
  return run(labFile, v)
}

/** What is wrong with a machine spec's shape (machineSchema's rules); empty when nothing is. */
export function machineShapeIssues(v: unknown): ShapeIssue[] {
  return run(machine, v)
}
