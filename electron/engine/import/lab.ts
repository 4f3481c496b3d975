/**
 * Lab file (.p2plab) loader and serializer: JSON with `"format": "p2p-dma-lab"` and a schema version
 * (shared/model/topology.ts LabFile, checked by shared/model/lab-check.ts: labFileSchema's rules).
 *
 * Hostile input: nesting depth is bounded before JSON.parse (which recurses), syntax errors are
 * located by line and column, schema errors by JSON path. A file from a newer version is refused,
 * never half-read.
 */
import { labFileShapeIssues } from '../../../shared/model/lab-check'
import { LAB_FORMAT, LAB_SCHEMA_VERSION, type InputIssue, type LabFile } from '../../../shared/model/topology'
import { LineIndex } from './xml'
import type { ImportResult } from './common'

/** Deeper than any lab file we write (about 8 levels) by a wide margin. */
export const JSON_MAX_DEPTH = 64

/**
 * Finds the first place where [ / { nesting exceeds maxDepth, skipping strings. Linear, no recursion.
 * Returns the offset or -1.
 */
export function findExcessiveNesting(text: string, maxDepth: number): number {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c /* \ */) i++
      else if (c === 0x22 /* " */) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return i
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return -1
}

/**
 * Offset of the first JSON syntax error, found by our own scan: V8 versions differ in whether
 * their SyntaxError message carries a position (Node 20 often says only "Unexpected token").
 * A linear, iterative scanner (RFC 8259 grammar); returns -1 when the text is valid JSON.
 */
export function jsonErrorOffset(text: string): number {
  return new JsonScanner(text).scan()
}

/** The cursor over one text and the stack of open containers ('o' object, 'a' array). */
class JsonScanner {
  private i = 0
  private readonly n: number
  private readonly stack: ('o' | 'a')[] = []

  constructor(private readonly text: string) {
    this.n = text.length
  }

  private ws(): void {
    while (this.i < this.n) {
      const c = this.text.charCodeAt(this.i)
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++
      else break
    }
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.i)) return false
    this.i += word.length
    return true
  }

  private string(): boolean {
    const { text, n } = this
    if (text[this.i] !== '"') return false
    this.i++
    while (this.i < n) {
      const c = text.charCodeAt(this.i)
      if (c === 0x22) {
        this.i++
        return true
      }
      if (c < 0x20) return false
      if (c === 0x5c) {
        const e = text[this.i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 2, this.i + 6))) return false
          this.i += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2
        else return false
      } else this.i++
    }
    return false
  }

  private number(): boolean {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.i, this.i + 400))
    if (!m) return false
    this.i += m[0].length
    return true
  }

  /** A scalar value; 'open' for '{' or '[' (the scan loop opens the container). */
  private value(): boolean | 'open' {
    this.ws()
    const c = this.text[this.i]
    if (c === '{' || c === '[') return 'open'
    if (c === '"') return this.string()
    if (c === 't') return this.literal('true')
    if (c === 'f') return this.literal('false')
    if (c === 'n') return this.literal('null')
    return this.number()
  }

  /** An object member's `"key" :`. */
  private key(): boolean {
    if (!this.string()) return false
    this.ws()
    if (this.text[this.i] !== ':') return false
    this.i++
    return true
  }

  scan(): number {
    this.ws()
    for (;;) {
      const v = this.value()
      if (!v) return this.i
      if (v === 'open') {
        const r = this.open()
        if (r === 'error') return this.i
        if (r === 'member') continue
      }
      const after = this.afterValue()
      if (after !== 'next') return after
    }
  }

  /** '{' or '[': empty, or pushed with the first member's key read ('member'). */
  private open(): 'empty' | 'member' | 'error' {
    const open = this.text[this.i] === '{' ? 'o' : 'a'
    this.i++
    this.ws()
    const c = this.text[this.i]
    if ((open === 'o' && c === '}') || (open === 'a' && c === ']')) {
      this.i++
      return 'empty'
    }
    this.stack.push(open)
    if (open === 'o' && !this.key()) return 'error'
    return 'member'
  }

  /** After a complete value: close containers, or ',' to the next member ('next'); else the offset of the result. */
  private afterValue(): 'next' | number {
    const { text, n, stack } = this
    for (;;) {
      this.ws()
      const top = stack[stack.length - 1]
      if (top === undefined) return this.i < n ? this.i : -1
      if (text[this.i] === ',') {
        this.i++
        this.ws()
        if (top === 'o' && !this.key()) return this.i
        return 'next'
      }
      if ((top === 'o' && text[this.i] === '}') || (top === 'a' && text[this.i] === ']')) {
        this.i++
        stack.pop()
        continue
      }
      return this.i
    }
  }
}

/**
 * Upgrades an older lab file to the current schema. Schema 1 is current, so this is the identity;
 * when schema 2 arrives, a v1→v2 step goes here (one function per step, applied in order).
 */
export function migrate(data: Record<string, unknown>): Record<string, unknown> {
  const version = data.schemaVersion
  if (version === LAB_SCHEMA_VERSION) return data
  return data
}

export function loadLab(fileName: string, text: string): ImportResult {
  if (text.charCodeAt(0) === 0xfeff) text = ' ' + text.slice(1) // keep offsets: the BOM becomes a space
  const lines = new LineIndex(text)
  const deep = findExcessiveNesting(text, JSON_MAX_DEPTH)
  if (deep !== -1) {
    return {
      ok: false,
      issues: [
        {
          source: fileName,
          ...lines.at(deep),
          message: `JSON nested deeper than ${JSON_MAX_DEPTH} levels; this is not a lab file P2P DMA Lab wrote`,
        },
      ],
    }
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    const at = jsonErrorOffset(text)
    const loc = lines.at(at === -1 ? text.length : at)
    return { ok: false, issues: [{ source: fileName, ...loc, message: `JSON syntax error: ${message}` }] }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return {
      ok: false,
      issues: [{ source: fileName, line: 1, column: 1, message: 'a lab file is a JSON object' }],
    }
  }
  const obj = data as Record<string, unknown>
  if (obj.format !== LAB_FORMAT) {
    return {
      ok: false,
      issues: [
        {
          source: fileName,
          path: 'format',
          message: `not a P2P DMA Lab file: "format" must be "${LAB_FORMAT}"`,
        },
      ],
    }
  }
  const version = obj.schemaVersion
  if (typeof version === 'number' && Number.isInteger(version) && version > LAB_SCHEMA_VERSION) {
    return {
      ok: false,
      issues: [
        {
          source: fileName,
          path: 'schemaVersion',
          message: `this file was written by a newer version of P2P DMA Lab (schema ${version}); this version reads schema ${LAB_SCHEMA_VERSION}`,
        },
      ],
    }
  }
  // Checked in place: the parsed JSON is the lab (no copy), once its shape is right.
  const migrated = migrate(obj)
  const found = labFileShapeIssues(migrated)
  if (found.length > 0) {
    const issues: InputIssue[] = found.slice(0, 50).map((i) => ({
      source: fileName,
      path: i.path.map(String).join('.') || '(root)',
      message: i.message,
    }))
    return { ok: false, issues }
  }
  const lab = migrated as unknown as LabFile
  const counts: Record<string, number> = { nodes: lab.machine.nodes.length }
  for (const n of lab.machine.nodes) counts[n.kind] = (counts[n.kind] ?? 0) + 1
  return {
    ok: true,
    lab,
    report: { format: 'lab', source: fileName, counts, cannotCarry: [], assumed: [], warnings: [] },
  }
}

/** Stable text form: 2-space JSON, keys in the order the lab object has them, trailing newline. */
export function serializeLab(lab: LabFile): string {
  return JSON.stringify(lab, null, 2) + '\n'
}
