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

/** Offset of a JSON.parse SyntaxError, from V8's "... at position N" or "(line L column C)" messages. */
function syntaxErrorOffset(message: string, lines: LineIndex, textLength: number): { line: number; column: number } | undefined {
  const lc = /line (\d+) column (\d+)/.exec(message)
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) }
  const pos = /position (\d+)/.exec(message)
  if (pos) return lines.at(Number(pos[1]))
  if (/Unexpected end of JSON input/.test(message)) return lines.at(textLength)
  return undefined
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
    return { ok: false, issues: [{ source: fileName, ...lines.at(deep), message: `JSON nested deeper than ${JSON_MAX_DEPTH} levels; this is not a lab file P2P DMA Lab wrote` }] }
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    const loc = syntaxErrorOffset(message, lines, text.length)
    return { ok: false, issues: [{ source: fileName, ...(loc ?? {}), message: `JSON syntax error: ${message}` }] }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, issues: [{ source: fileName, line: 1, column: 1, message: 'a lab file is a JSON object' }] }
  }
  const obj = data as Record<string, unknown>
  if (obj.format !== LAB_FORMAT) {
    return { ok: false, issues: [{ source: fileName, path: 'format', message: `not a P2P DMA Lab file: "format" must be "${LAB_FORMAT}"` }] }
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
