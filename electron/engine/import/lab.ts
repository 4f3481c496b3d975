/**
 * Lab file (.p2plab) loader and serializer: JSON with `"format": "p2p-dma-lab"` and a schema version
 * (shared/model/topology.ts LabFile, validated by shared/model/lab-schema.ts labFileSchema).
 *
 * Hostile input: nesting depth is bounded before JSON.parse (which recurses), syntax errors are
 * located by line and column, schema errors by JSON path. A file from a newer version is refused,
 * never half-read.
 */
import { labFileSchema } from '../../../shared/model/lab-schema'
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
  let i = 0
  const n = text.length
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++
      else break
    }
  }
  const literal = (word: string) => {
    if (text.startsWith(word, i)) {
      i += word.length
      return true
    }
    return false
  }
  const string = (): boolean => {
    if (text[i] !== '"') return false
    i++
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        return true
      }
      if (c < 0x20) return false
      if (c === 0x5c) {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false
          i += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2
        else return false
      } else i++
    }
    return false
  }
  const number = (): boolean => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400))
    if (!m) return false
    i += m[0].length
    return true
  }
  // Explicit stack of open containers: 'o' object, 'a' array; state says what may come next.
  const stack: ('o' | 'a')[] = []
  const value = (): boolean | 'open' => {
    ws()
    const c = text[i]
    if (c === '{' || c === '[') return 'open' // handled by the loop below
    if (c === '"') return string()
    if (c === 't') return literal('true')
    if (c === 'f') return literal('false')
    if (c === 'n') return literal('null')
    return number()
  }
  ws()
  for (;;) {
    const v = value()
    if (!v) return i
    if (v === 'open') {
      const open = text[i] === '{' ? 'o' : 'a'
      i++
      ws()
      if ((open === 'o' && text[i] === '}') || (open === 'a' && text[i] === ']')) {
        i++
      } else {
        stack.push(open)
        if (open === 'o') {
          if (!string()) return i
          ws()
          if (text[i] !== ':') return i
          i++
        }
        continue
      }
    }
    // after a complete value: close containers or continue with ','
    for (;;) {
      ws()
      const top = stack[stack.length - 1]
      if (top === undefined) {
        return i < n ? i : -1
      }
      if (text[i] === ',') {
        i++
        ws()
        if (top === 'o') {
          if (!string()) return i
          ws()
          if (text[i] !== ':') return i
          i++
        }
        break
      }
      if ((top === 'o' && text[i] === '}') || (top === 'a' && text[i] === ']')) {
        i++
        stack.pop()
        continue
      }
      return i
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
  const parsed = labFileSchema.safeParse(migrate(obj))
  if (!parsed.success) {
    const issues: InputIssue[] = parsed.error.issues.slice(0, 50).map((i) => ({
      source: fileName,
      path: i.path.map(String).join('.') || '(root)',
      message: i.message,
    }))
    return { ok: false, issues }
  }
  const lab = parsed.data as LabFile
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
