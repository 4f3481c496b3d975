/**
 * Where a JSON path ('scenarios.0.ops.3.size') is in the text, so schema errors get a line:column
 * like syntax errors do. Works on text JSON.parse accepted; walks only along the path (skipping
 * other values iteratively, so nesting depth costs nothing). Pure.
 */
import { lineColumn, type TextLocation } from '../../../shared/text/utf8'

function skipWs(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++
    else break
  }
  return i
}

/** End offset (exclusive) of the string literal starting at i (text[i] === '"'). */
function skipString(text: string, i: number): number {
  i++
  while (i < text.length) {
    const c = text[i]
    if (c === '\\') i += 2
    else if (c === '"') return i + 1
    else i++
  }
  return i
}

/** End offset of the value starting at i. */
function skipValue(text: string, i: number): number {
  const c = text[i]
  if (c === '"') return skipString(text, i)
  if (c === '{' || c === '[') {
    let depth = 0
    while (i < text.length) {
      const d = text[i]
      if (d === '"') {
        i = skipString(text, i)
        continue
      }
      if (d === '{' || d === '[') depth++
      else if (d === '}' || d === ']') {
        depth--
        if (depth === 0) return i + 1
      }
      i++
    }
    return i
  }
  while (i < text.length && !/[,\]}\s]/.test(text[i]!)) i++
  return i
}

/**
 * Offset of the value at `path` (segments: object keys, or array indices as numbers or digit
 * strings). When the path leaves the document (a missing key), the offset of the deepest value
 * that exists on it. `path` may be a string as InputIssue.path has it: 'a.0.b' or 'a[0].b'.
 */
export function jsonPathOffset(text: string, path: readonly (string | number)[] | string): number {
  const segments =
    typeof path === 'string'
      ? path === '' || path === '(root)'
        ? []
        : path
            .replace(/\[(\d+)\]/g, '.$1')
            .replace(/^\./, '')
            .split('.')
      : path
  let at = skipWs(text, text.charCodeAt(0) === 0xfeff ? 1 : 0)
  for (const seg of segments) {
    const open = text[at]
    if (open === '{') {
      let i = skipWs(text, at + 1)
      let found = -1
      while (i < text.length && text[i] === '"') {
        const keyEnd = skipString(text, i)
        let key: unknown
        try {
          key = JSON.parse(text.slice(i, keyEnd))
        } catch {
          return at
        }
        i = skipWs(text, keyEnd)
        if (text[i] !== ':') return at
        const valueAt = skipWs(text, i + 1)
        if (key === String(seg)) {
          found = valueAt
          break
        }
        i = skipWs(text, skipValue(text, valueAt))
        if (text[i] !== ',') break
        i = skipWs(text, i + 1)
      }
      if (found < 0) return at
      at = found
    } else if (open === '[') {
      const index = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1
      if (index < 0) return at
      let i = skipWs(text, at + 1)
      if (text[i] === ']') return at
      for (let k = 0; k < index; k++) {
        i = skipWs(text, skipValue(text, i))
        if (text[i] !== ',') return at
        i = skipWs(text, i + 1)
      }
      at = i
    } else return at
  }
  return at
}

/** Line and column of the value at `path` (see jsonPathOffset). */
export function jsonPathLocation(text: string, path: readonly (string | number)[] | string): TextLocation {
  return lineColumn(text, jsonPathOffset(text, path))
}

/**
 * Give every issue that names a JSON path (a schema error) the line and column of that path in
 * `text`, so it is located like a syntax error. Issues with a line already, and texts that are
 * not JSON, are left as they are.
 */
export function locateIssues<I extends { line?: number; column?: number; path?: string }>(
  text: string,
  issues: readonly I[],
): I[] {
  if (!issues.some((i) => i.line === undefined && i.path !== undefined)) return [...issues]
  try {
    JSON.parse(text)
  } catch {
    return [...issues]
  }
  return issues.map((i) =>
    i.line === undefined && i.path !== undefined ? { ...i, ...jsonPathLocation(text, i.path) } : i,
  )
}
