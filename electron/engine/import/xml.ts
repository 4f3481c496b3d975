/**
 * A small, safe XML parser for the importers (hwloc XML, NCCL topology XML). The engine may not use
 * Node or DOM parsers (STYLE.md §2.2), and hostile files must not hang or blow the stack.
 *
 * Handles: elements, attributes ('…' or "…"), self-closing tags, comments, processing instructions,
 * a DOCTYPE (skipped, internal subset included, so no entity is ever defined or expanded), CDATA,
 * the 5 predefined entities and numeric character references.
 *
 * Comments are skipped as a whole, wherever they are: hwloc 2.9's libxml2 import silently drops the
 * rest of the tree after a comment and its built-in parser rejects the file (the DGX-2H sample in
 * realdata/hwloc); this parser must not repeat that.
 *
 * Simplifications: no namespaces (a prefixed name is kept as written), no DTD validation, no
 * encodings other than the already-decoded JavaScript string. Text between child elements is kept
 * (first 1000 characters per element) so callers can tolerate or report stray text.
 *
 * Every loop advances through the input; nesting is an explicit stack bounded by maxDepth; the
 * number of elements is bounded by maxElements. Errors are ImportFailure with line:column.
 */
import { ImportFailure } from './common'

export interface XmlElement {
  name: string
  attrs: Map<string, string>
  children: XmlElement[]
  /** Character data directly inside this element (not in children), trimmed pieces joined by ' '. */
  text: string
  line: number
  column: number
}

export interface XmlDocument {
  root: XmlElement
  comments: number
}

export interface XmlOptions {
  maxDepth?: number
  maxElements?: number
}

export const XML_MAX_DEPTH = 256
export const XML_MAX_ELEMENTS = 500_000
const MAX_TEXT = 1000

/** Maps string offsets to 1-based line and column in O(log n). */
export class LineIndex {
  private readonly starts: number[] = [0]
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1)
  }
  at(offset: number): { line: number; column: number } {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 }
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

export function parseXml(text: string, options: XmlOptions = {}): XmlDocument {
  const maxDepth = options.maxDepth ?? XML_MAX_DEPTH
  const maxElements = options.maxElements ?? XML_MAX_ELEMENTS
  const lines = new LineIndex(text)
  const fail = (message: string, offset: number): never => {
    const loc = lines.at(Math.min(offset, text.length))
    throw new ImportFailure(`XML: ${message}`, loc)
  }

  const decode = (raw: string, offset: number): string => {
    if (raw.indexOf('&') === -1) return raw
    return raw.replace(/&([^;&\s]{0,12});?/g, (whole, ref: string, at: number) => {
      if (!whole.endsWith(';')) fail(`'&' must start an entity reference such as &amp;`, offset + at)
      if (ref.startsWith('#')) {
        const code =
          ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
        if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
          fail(`bad character reference &${ref};`, offset + at)
        }
        return String.fromCodePoint(code)
      }
      const v = PREDEFINED[ref]
      if (v === undefined)
        fail(
          `unknown entity &${ref}; (only &lt; &gt; &amp; &quot; &apos; and numeric references)`,
          offset + at,
        )
      return v!
    })
  }

  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const stack: XmlElement[] = []
  let root: XmlElement | null = null
  let comments = 0
  let elements = 0
  const n = text.length

  const addText = (raw: string, offset: number): void => {
    const top = stack[stack.length - 1]
    const t = raw.trim()
    if (t.length === 0) return
    if (!top)
      fail(root ? 'text after the root element' : 'text before the root element', offset + raw.indexOf(t))
    if (top!.text.length < MAX_TEXT)
      top!.text = (top!.text ? top!.text + ' ' : '') + decode(t, offset).slice(0, MAX_TEXT)
  }

  while (i < n) {
    const lt = text.indexOf('<', i)
    if (lt === -1) {
      addText(text.slice(i), i)
      break
    }
    if (lt > i) addText(text.slice(i, lt), i)
    i = lt
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4)
      if (end === -1) fail('comment is not closed (missing -->)', i)
      comments++
      i = end + 3
      continue
    }
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2)
      if (end === -1) fail('processing instruction is not closed (missing ?>)', i)
      i = end + 2
      continue
    }
    if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9)
      if (end === -1) fail('CDATA section is not closed (missing ]]>)', i)
      const top = stack[stack.length - 1]
      if (!top) fail('CDATA outside the root element', i)
      const t = text.slice(i + 9, end).trim()
      if (t && top!.text.length < MAX_TEXT)
        top!.text = (top!.text ? top!.text + ' ' : '') + t.slice(0, MAX_TEXT)
      i = end + 3
      continue
    }
    if (text.startsWith('<!DOCTYPE', i) || text.startsWith('<!doctype', i)) {
      if (root || stack.length > 0) fail('DOCTYPE after the root element started', i)
      // Skip to the matching '>', stepping over an internal subset [...] and quoted strings.
      let j = i + 9
      let bracket = 0
      let quote = ''
      for (; j < n; j++) {
        const c = text[j]!
        if (quote) {
          if (c === quote) quote = ''
        } else if (c === '"' || c === "'") quote = c
        else if (c === '[') bracket++
        else if (c === ']') bracket--
        else if (c === '>' && bracket <= 0) break
      }
      if (j >= n) fail('DOCTYPE is not closed', i)
      i = j + 1
      continue
    }
    if (text.startsWith('</', i)) {
      NAME.lastIndex = i + 2
      const m = NAME.exec(text)
      if (!m) fail('expected an element name after </', i + 2)
      let j = i + 2 + m![0].length
      while (j < n && /\s/.test(text[j]!)) j++
      if (text[j] !== '>') fail(`expected '>' to end </${m![0]}`, j)
      const top = stack.pop()
      if (!top) fail(`closing tag </${m![0]}> without an open element`, i)
      if (top!.name !== m![0])
        fail(
          `mismatched closing tag </${m![0]}>: <${top!.name}> opened at ${top!.line}:${top!.column} is still open`,
          i,
        )
      i = j + 1
      continue
    }
    if (text.startsWith('<!', i)) fail('unsupported markup declaration', i)
    // Start tag.
    NAME.lastIndex = i + 1
    const m = NAME.exec(text)
    if (!m) fail(`'<' must start a tag`, i)
    const loc = lines.at(i)
    const el: XmlElement = {
      name: m![0],
      attrs: new Map(),
      children: [],
      text: '',
      line: loc.line,
      column: loc.column,
    }
    if (++elements > maxElements) fail(`more than ${maxElements} elements`, i)
    let j = i + 1 + m![0].length
    let selfClosing = false
    for (;;) {
      const ws = j
      while (j < n && /\s/.test(text[j]!)) j++
      if (j >= n) fail(`unexpected end of input: tag <${el.name}> is not closed`, n)
      const c = text[j]
      if (c === '>') {
        j++
        break
      }
      if (c === '/' && text[j + 1] === '>') {
        j += 2
        selfClosing = true
        break
      }
      if (j === ws) fail(`expected whitespace, '>' or '/>' in <${el.name}>`, j)
      NAME.lastIndex = j
      const a = NAME.exec(text)
      if (!a) fail(`expected an attribute name in <${el.name}>`, j)
      const attrName = a![0]
      j += attrName.length
      while (j < n && /\s/.test(text[j]!)) j++
      if (j >= n) fail(`unexpected end of input: tag <${el.name}> is not closed`, n)
      if (text[j] !== '=') fail(`expected '=' after attribute ${attrName}`, j)
      j++
      while (j < n && /\s/.test(text[j]!)) j++
      if (j >= n) fail(`unexpected end of input: tag <${el.name}> is not closed`, n)
      const q = text[j]
      if (q !== '"' && q !== "'") fail(`attribute ${attrName} value must be quoted`, j)
      const end = text.indexOf(q!, j + 1)
      if (end === -1) fail(`unexpected end of input: the value of attribute ${attrName} is not closed`, n)
      const raw = text.slice(j + 1, end)
      const bad = raw.indexOf('<')
      if (bad !== -1) fail(`'<' inside the value of attribute ${attrName}`, j + 1 + bad)
      if (el.attrs.has(attrName)) fail(`duplicate attribute ${attrName}`, j)
      el.attrs.set(attrName, decode(raw, j + 1))
      j = end + 1
    }
    const parent = stack[stack.length - 1]
    if (parent) parent.children.push(el)
    else if (root) fail(`a second root element <${el.name}>`, i)
    else root = el
    if (!selfClosing) {
      if (stack.length >= maxDepth) fail(`elements nested deeper than ${maxDepth} levels`, i)
      stack.push(el)
    }
    i = j
  }
  if (stack.length > 0) {
    const top = stack[stack.length - 1]!
    fail(`unexpected end of input: <${top.name}> opened at ${top.line}:${top.column} is not closed`, n)
  }
  if (!root) fail('no root element', n)
  return { root: root!, comments }
}

/** Depth-first pre-order traversal without recursion. `visit` returns false to skip the children. */
export function walkXml(
  root: XmlElement,
  visit: (el: XmlElement, ancestors: readonly XmlElement[]) => boolean | void,
): void {
  const path: XmlElement[] = []
  const stack: { el: XmlElement; depth: number }[] = [{ el: root, depth: 0 }]
  while (stack.length > 0) {
    const { el, depth } = stack.pop()!
    path.length = depth
    const descend = visit(el, path) !== false
    if (!descend) continue
    path.push(el)
    for (let k = el.children.length - 1; k >= 0; k--) stack.push({ el: el.children[k]!, depth: depth + 1 })
  }
}
