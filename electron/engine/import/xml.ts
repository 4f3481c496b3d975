/**
 * A small, safe XML parser for the importers (hwloc XML, NCCL topology XML). The engine may not use
 * Node or DOM parsers (docs/design.md#the-engine-is-pure-typescript), and hostile files must not hang or blow the stack.
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
/** One well-formed attribute (whitespace, name, '=', a quoted value without '<'), or the end of a tag. */
const ATTR = /\s+([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y
const TAG_END = /\s*(\/?)>/y
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

export function parseXml(text: string, options: XmlOptions = {}): XmlDocument {
  return new XmlParser(text, options).parse()
}

/** One parse: the cursor, the open elements and the limits; one method per kind of markup. */
class XmlParser {
  private readonly maxDepth: number
  private readonly maxElements: number
  private readonly lines: LineIndex
  private readonly n: number
  private i: number
  private readonly stack: XmlElement[] = []
  private root: XmlElement | null = null
  private comments = 0
  private elements = 0

  constructor(
    private readonly text: string,
    options: XmlOptions,
  ) {
    this.maxDepth = options.maxDepth ?? XML_MAX_DEPTH
    this.maxElements = options.maxElements ?? XML_MAX_ELEMENTS
    this.lines = new LineIndex(text)
    this.n = text.length
    this.i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  }

  private fail(message: string, offset: number): never {
    const loc = this.lines.at(Math.min(offset, this.text.length))
    throw new ImportFailure(`XML: ${message}`, loc)
  }

  /** The 5 predefined entities and numeric character references; anything else fails. */
  private decode(raw: string, offset: number): string {
    if (raw.indexOf('&') === -1) return raw
    return raw.replace(/&([^;&\s]{0,12});?/g, (whole, ref: string, at: number) => {
      if (!whole.endsWith(';')) this.fail(`'&' must start an entity reference such as &amp;`, offset + at)
      if (ref.startsWith('#')) {
        const code =
          ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
        if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
          this.fail(`bad character reference &${ref};`, offset + at)
        }
        return String.fromCodePoint(code)
      }
      const v = PREDEFINED[ref]
      if (v === undefined)
        this.fail(
          `unknown entity &${ref}; (only &lt; &gt; &amp; &quot; &apos; and numeric references)`,
          offset + at,
        )
      return v!
    })
  }

  private addText(raw: string, offset: number): void {
    const top = this.stack[this.stack.length - 1]
    const t = raw.trim()
    if (t.length === 0) return
    if (!top)
      this.fail(
        this.root ? 'text after the root element' : 'text before the root element',
        offset + raw.indexOf(t),
      )
    if (top!.text.length < MAX_TEXT)
      top!.text = (top!.text ? top!.text + ' ' : '') + this.decode(t, offset).slice(0, MAX_TEXT)
  }

  parse(): XmlDocument {
    const { text, n } = this
    while (this.i < n) {
      const lt = text.indexOf('<', this.i)
      if (lt === -1) {
        this.addText(text.slice(this.i), this.i)
        break
      }
      if (lt > this.i) this.addText(text.slice(this.i, lt), this.i)
      this.i = lt
      this.markup()
    }
    if (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1]!
      this.fail(`unexpected end of input: <${top.name}> opened at ${top.line}:${top.column} is not closed`, n)
    }
    if (!this.root) this.fail('no root element', n)
    return { root: this.root!, comments: this.comments }
  }

  /** The markup at the cursor ('<'): comment, processing instruction, CDATA, DOCTYPE, end or start tag. */
  private markup(): void {
    const { text, i } = this
    if (text.startsWith('<!--', i)) return this.skipTo('-->', 4, 'comment is not closed (missing -->)', true)
    if (text.startsWith('<?', i))
      return this.skipTo('?>', 2, 'processing instruction is not closed (missing ?>)')
    if (text.startsWith('<![CDATA[', i)) return this.cdata()
    if (text.startsWith('<!DOCTYPE', i) || text.startsWith('<!doctype', i)) return this.doctype()
    if (text.startsWith('</', i)) return this.endTag()
    if (text.startsWith('<!', i)) this.fail('unsupported markup declaration', i)
    this.startTag()
  }

  private skipTo(close: string, from: number, unclosed: string, comment = false): void {
    const end = this.text.indexOf(close, this.i + from)
    if (end === -1) this.fail(unclosed, this.i)
    if (comment) this.comments++
    this.i = end + close.length
  }

  private cdata(): void {
    const { text, i } = this
    const end = text.indexOf(']]>', i + 9)
    if (end === -1) this.fail('CDATA section is not closed (missing ]]>)', i)
    const top = this.stack[this.stack.length - 1]
    if (!top) this.fail('CDATA outside the root element', i)
    const t = text.slice(i + 9, end).trim()
    if (t && top!.text.length < MAX_TEXT)
      top!.text = (top!.text ? top!.text + ' ' : '') + t.slice(0, MAX_TEXT)
    this.i = end + 3
  }

  /** Skip to the matching '>', stepping over an internal subset [...] and quoted strings. */
  private doctype(): void {
    const { text, i, n } = this
    if (this.root || this.stack.length > 0) this.fail('DOCTYPE after the root element started', i)
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
    if (j >= n) this.fail('DOCTYPE is not closed', i)
    this.i = j + 1
  }

  private endTag(): void {
    const { text, i, n } = this
    NAME.lastIndex = i + 2
    const m = NAME.exec(text)
    if (!m) this.fail('expected an element name after </', i + 2)
    let j = i + 2 + m![0].length
    while (j < n && /\s/.test(text[j]!)) j++
    if (text[j] !== '>') this.fail(`expected '>' to end </${m![0]}`, j)
    const top = this.stack.pop()
    if (!top) this.fail(`closing tag </${m![0]}> without an open element`, i)
    if (top!.name !== m![0])
      this.fail(
        `mismatched closing tag </${m![0]}>: <${top!.name}> opened at ${top!.line}:${top!.column} is still open`,
        i,
      )
    this.i = j + 1
  }

  private startTag(): void {
    const { text, i } = this
    NAME.lastIndex = i + 1
    const m = NAME.exec(text)
    if (!m) this.fail(`'<' must start a tag`, i)
    const loc = this.lines.at(i)
    const el: XmlElement = {
      name: m![0],
      attrs: new Map(),
      children: [],
      text: '',
      line: loc.line,
      column: loc.column,
    }
    if (++this.elements > this.maxElements) this.fail(`more than ${this.maxElements} elements`, i)
    const { end: j, selfClosing } = this.attributes(el, i + 1 + m![0].length)
    const parent = this.stack[this.stack.length - 1]
    if (parent) parent.children.push(el)
    else if (this.root) this.fail(`a second root element <${el.name}>`, i)
    else this.root = el
    if (!selfClosing) {
      if (this.stack.length >= this.maxDepth)
        this.fail(`elements nested deeper than ${this.maxDepth} levels`, i)
      this.stack.push(el)
    }
    this.i = j
  }

  /**
   * The attributes of a start tag from offset `j` up to its '>' or '/>'. Well-formed attributes are
   * read by one sticky regex each; at anything else the character loop below takes over and says
   * what is wrong.
   */
  private attributes(el: XmlElement, j: number): { end: number; selfClosing: boolean } {
    const { text } = this
    for (;;) {
      TAG_END.lastIndex = j
      const e = TAG_END.exec(text)
      if (e) return { end: TAG_END.lastIndex, selfClosing: e[1] === '/' }
      ATTR.lastIndex = j
      const a = ATTR.exec(text)
      if (!a || el.attrs.has(a[1]!)) return this.attributesSlowly(el, j)
      const raw = a[2] ?? a[3]!
      el.attrs.set(a[1]!, this.decode(raw, ATTR.lastIndex - 1 - raw.length))
      j = ATTR.lastIndex
    }
  }

  /** attributes(), a character at a time, with a located message for every way a tag can be wrong. */
  private attributesSlowly(el: XmlElement, j: number): { end: number; selfClosing: boolean } {
    const { text, n } = this
    const unclosed = `unexpected end of input: tag <${el.name}> is not closed`
    for (;;) {
      const ws = j
      while (j < n && /\s/.test(text[j]!)) j++
      if (j >= n) this.fail(unclosed, n)
      const c = text[j]
      if (c === '>') return { end: j + 1, selfClosing: false }
      if (c === '/' && text[j + 1] === '>') return { end: j + 2, selfClosing: true }
      if (j === ws) this.fail(`expected whitespace, '>' or '/>' in <${el.name}>`, j)
      NAME.lastIndex = j
      const a = NAME.exec(text)
      if (!a) this.fail(`expected an attribute name in <${el.name}>`, j)
      const attrName = a![0]
      j += attrName.length
      while (j < n && /\s/.test(text[j]!)) j++
      if (j >= n) this.fail(unclosed, n)
      if (text[j] !== '=') this.fail(`expected '=' after attribute ${attrName}`, j)
      j++
      while (j < n && /\s/.test(text[j]!)) j++
      if (j >= n) this.fail(unclosed, n)
      const q = text[j]
      if (q !== '"' && q !== "'") this.fail(`attribute ${attrName} value must be quoted`, j)
      const end = text.indexOf(q!, j + 1)
      if (end === -1)
        this.fail(`unexpected end of input: the value of attribute ${attrName} is not closed`, n)
      const raw = text.slice(j + 1, end)
      const bad = raw.indexOf('<')
      if (bad !== -1) this.fail(`'<' inside the value of attribute ${attrName}`, j + 1 + bad)
      if (el.attrs.has(attrName)) this.fail(`duplicate attribute ${attrName}`, j)
      el.attrs.set(attrName, this.decode(raw, j + 1))
      j = end + 1
    }
  }
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
