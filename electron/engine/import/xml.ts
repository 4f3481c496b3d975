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
import { emptyList, ImportFailure } from './common'

export interface XmlElement {
  readonly name: string
  readonly attrs: XmlAttrs
  readonly children: XmlElement[]
  /** Character data directly inside this element (not in children), trimmed pieces joined by ' '. */
  readonly text: string
  /** Where its start tag is (1-based). */
  readonly line: number
  readonly column: number
}

/** An element's attributes, looked up by name. */
export interface XmlAttrs {
  readonly size: number
  has(name: string): boolean
  get(name: string): string | undefined
  /** Whether attribute `name` is there with exactly this value. */
  is(name: string, value: string): boolean
  /** Which of `values` attribute `name` has: its index there, or -1 (no such attribute, or another value). */
  which(name: string, values: readonly string[]): number
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
/** How many distinct element names a parse keeps one string for (see XmlParser.names). */
const MAX_NAMES = 32

/**
 * The children of every element without any: one frozen list, replaced by the element's own list
 * at its end tag when it had children (most elements of an hwloc file, its <info>s and leaves, have
 * none).
 */
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[]

/**
 * One well-formed attribute at a start tag's cursor, in the common spelling: ASCII whitespace, a
 * name, '=' and a quoted value without '<'. Run sticky with test(), so it allocates nothing: the
 * native regex engine checks the characters and lastIndex says where the attribute ends; the
 * offsets inside it are then found with indexOf. Anything else (no whitespace, a missing '=' or
 * quote, '<' in a value, non-ASCII whitespace, the end of the tag) is left to the code after it.
 */
const ATTRIBUTE =
  /[\t\n\v\f\r ]+[A-Za-z_:][-A-Za-z0-9_:.]*[\t\n\v\f\r ]*=[\t\n\v\f\r ]*(?:"[^"<]*"|'[^'<]*')/y

/**
 * The attributes of a start tag as hwloc and NCCL write them, up to and including its '>' or '/>'
 * (sticky, test() only): each one a single space, a name, '=' and a value in double quotes without
 * '<' or '&'. One native match checks every character of such a tag; canonicalAttributes() then
 * only finds the offsets. Any other spelling is left to the attribute-by-attribute reading.
 */
const CANONICAL_ATTRIBUTES = /(?: [A-Za-z_:][-A-Za-z0-9_:.]*="[^"<&]*")*\/?>/y

/** ASCII whitespace only, then a '<' (sticky, test() only): lastIndex is just after the '<'. */
const SPACE_TO_TAG = /[\t\n\v\f\r ]*</y

/** An element name at the cursor (sticky, test() only): lastIndex is where it ends. */
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y

/**
 * What every element of one document shares, kept once per parse instead of once per element: the
 * text, its line index, the attribute offsets and the values that had entity references.
 */
class XmlSource {
  /** Line and column of an offset (asked only on an error or a warning). */
  readonly places: Places
  readonly arena: SpanArena
  /** The attribute values that had entity references, decoded at parse time (by span index). */
  decoded: Map<number, string> | null = null
  constructor(readonly text: string) {
    this.places = new Places(text)
    this.arena = new SpanArena(text.length)
  }
}

/**
 * One element as the parser makes it: one object holding its name, children, text and attributes
 * (`attrs` is the element itself).
 *
 * The attributes are kept as offsets into the document text: a name is compared in place and a
 * value is cut out of the text only when asked for. An hwloc object carries a dozen attributes
 * (cpusets, nodesets, indexes) of which the importer reads two or three, so a parse allocates four
 * 32-bit numbers per attribute (in one array shared by the whole document, see SpanArena) instead
 * of two strings and a map entry.
 *
 * Its place is kept as an offset too, turned into line:column (by the document's Places) only when
 * asked for, which is on an error or a warning. What the whole document shares is one XmlSource,
 * so an element is seven fields (a file of a few thousand elements allocates them in every parse).
 */
class Element implements XmlElement, XmlAttrs {
  // Every field is `declare`d and set in the constructor: a class field (or a parameter property)
  // is also defined by V8 on each new object, one more pass over them per element.
  declare readonly name: string
  declare children: XmlElement[]
  declare text: string
  /** Where its '<' is in the document. */
  declare private readonly offset: number
  declare private readonly src: XmlSource
  /** `src.arena.spans[from, to)`: name start, name end, value start, value end of each attribute. */
  declare private readonly from: number
  declare private to: number

  /** An element without attributes yet (the parser adds them after `from` in the arena). */
  constructor(name: string, offset: number, src: XmlSource, from: number) {
    this.name = name
    this.offset = offset
    this.src = src
    this.from = from
    this.to = from
    this.children = NO_CHILDREN
    this.text = ''
  }

  get attrs(): XmlAttrs {
    return this
  }

  get line(): number {
    return this.src.places.at(this.offset).line
  }

  get column(): number {
    return this.src.places.at(this.offset).column
  }

  get size(): number {
    return (this.to - this.from) >> 2
  }

  /** Span index of the attribute `name`, or -1. */
  private find(name: string): number {
    const { text } = this.src
    // The arena's current array: when it grew, it got every offset of the old one.
    const spans = this.src.arena.spans
    for (let k = this.from; k < this.to; k += 4) {
      const start = spans[k]!
      if (spans[k + 1]! - start === name.length && text.startsWith(name, start)) return k
    }
    return -1
  }

  has(name: string): boolean {
    return this.find(name) !== -1
  }

  /** has() for the name at text[start, end) (the parser's duplicate check, without a copy). */
  hasNameAt(start: number, end: number): boolean {
    const { text } = this.src
    const spans = this.src.arena.spans
    const len = end - start
    for (let k = this.from; k < this.to; k += 4) {
      const s = spans[k]!
      if (spans[k + 1]! - s !== len) continue
      let i = 0
      while (i < len && text.charCodeAt(s + i) === text.charCodeAt(start + i)) i++
      if (i === len) return true
    }
    return false
  }

  get(name: string): string | undefined {
    const k = this.find(name)
    if (k === -1) return undefined
    const d = this.src.decoded?.get(k)
    const spans = this.src.arena.spans
    return d !== undefined ? d : this.src.text.slice(spans[k + 2]!, spans[k + 3]!)
  }

  /** Which of `values` attribute `name` has, compared in place. */
  which(name: string, values: readonly string[]): number {
    const k = this.find(name)
    if (k === -1) return -1
    const d = this.src.decoded?.get(k)
    if (d !== undefined) return values.indexOf(d)
    const { text } = this.src
    const spans = this.src.arena.spans
    const start = spans[k + 2]!
    const length = spans[k + 3]! - start
    for (let v = 0; v < values.length; v++)
      if (values[v]!.length === length && text.startsWith(values[v]!, start)) return v
    return -1
  }

  /** Whether attribute `name` is there with exactly this value (compared in place). */
  is(name: string, value: string): boolean {
    const k = this.find(name)
    if (k === -1) return false
    const d = this.src.decoded?.get(k)
    if (d !== undefined) return d === value
    const spans = this.src.arena.spans
    const start = spans[k + 2]!
    return spans[k + 3]! - start === value.length && this.src.text.startsWith(value, start)
  }

  /**
   * The parser's: the element's attributes now end at `to` in the arena (canonicalAttributes()
   * writes the offsets into the arena itself).
   */
  endAt(to: number): void {
    this.to = to
  }

  /**
   * The parser's: one attribute (not a duplicate), with its decoded value when it had entities.
   * The element's spans must be the last ones of the arena (attributes are read in one go).
   */
  add(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, decoded?: string): void {
    if (decoded !== undefined) (this.src.decoded ??= new Map()).set(this.to, decoded)
    this.src.arena.push(this.to, nameStart, nameEnd, valueStart, valueEnd)
    this.to += 4
  }
}

/**
 * The attribute offsets of a whole document in one growing Int32Array. When it grows, the new
 * array starts with a copy of the old one, so every element reads its offsets from the current one.
 */
export class SpanArena {
  spans: Int32Array
  used = 0

  constructor(textLength: number) {
    // About one attribute per 16 characters in hwloc files; doubled when more come.
    this.spans = new Int32Array(Math.min(1 << 20, 64 + (textLength >> 2)))
  }

  /** Appends four offsets at `at`, which must be `used`. */
  push(at: number, a: number, b: number, c: number, d: number): void {
    if (at + 4 > this.spans.length) {
      const bigger = new Int32Array(this.spans.length * 2)
      bigger.set(this.spans)
      this.spans = bigger
    }
    const s = this.spans
    s[at] = a
    s[at + 1] = b
    s[at + 2] = c
    s[at + 3] = d
    this.used = at + 4
  }

  /** The array, with room for `count` more offsets after `used`. */
  room(count: number): Int32Array {
    if (this.used + count > this.spans.length) {
      const bigger = new Int32Array(Math.max(this.spans.length * 2, this.used + count))
      bigger.set(this.spans)
      this.spans = bigger
    }
    return this.spans
  }
}

/** Line and column of offsets in one document, its LineIndex made on the first question. */
class Places {
  private lines: LineIndex | null = null
  constructor(private readonly text: string) {}
  at(offset: number): { line: number; column: number } {
    this.lines ??= new LineIndex(this.text)
    return this.lines.at(Math.min(offset, this.text.length))
  }
}

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

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Tab, line feed, vertical tab, form feed, carriage return, space: the ASCII part of /\s/. */
function isAsciiSpaceCode(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d)
}

/** /\s/ at `j`, looking at the regex only for a non-ASCII character. */
function isSpace(text: string, j: number): boolean {
  const c = text.charCodeAt(j)
  return isAsciiSpaceCode(c) || (c > 0x7f && /\s/.test(text[j]!))
}

/** Whether text[from, to) is ASCII whitespace only (what trim() removes entirely, without a copy). */
function isAsciiSpace(text: string, from: number, to: number): boolean {
  for (let j = from; j < to; j++) if (!isAsciiSpaceCode(text.charCodeAt(j))) return false
  return true
}

/** [A-Za-z_:] */
function isNameStart(c: number): boolean {
  return ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x5f || c === 0x3a
}

/** [-A-Za-z0-9_:.] */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e
}

/** End of the name [A-Za-z_:][-A-Za-z0-9_:.]* starting at `from`, or -1 when none starts there. */
function nameEndAt(text: string, from: number, n: number): number {
  if (from >= n || !isNameStart(text.charCodeAt(from))) return -1
  let j = from + 1
  while (j < n && isNameChar(text.charCodeAt(j))) j++
  return j
}

export function parseXml(text: string, options: XmlOptions = {}): XmlDocument {
  return new XmlParser(text, options).parse()
}

/**
 * One of 32 bits for the attribute name text[start, end), from its length and first and last
 * characters: two names with different bits differ, so the duplicate check compares names only
 * when a name's bit is already taken in its tag.
 */
function nameBit(text: string, start: number, end: number): number {
  return 1 << (((end - start) * 7 + text.charCodeAt(start) * 3 + text.charCodeAt(end - 1)) & 31)
}

/** One parse: the cursor, the open elements and the limits; one method per kind of markup. */
class XmlParser {
  private readonly maxDepth: number
  private readonly maxElements: number
  /** The text, its line index and the attribute arena, shared with every element. */
  private readonly src: XmlSource
  private readonly n: number
  private i: number
  private readonly stack = emptyList<Element>()
  /**
   * The children read so far of every open element, innermost element's last: `pending[from,
   * pendingCount)` where `from` is the open element's entry in `childrenFrom`. At its end tag they
   * become its `children` in one array of the exact length (a list grown a child at a time
   * reallocates and leaves spare room in every parent).
   */
  private readonly pending = emptyList<Element>()
  private pendingCount = 0
  private readonly childrenFrom: number[] = []
  /**
   * The element names met so far (a file uses a handful): a repeated name is this string, not a
   * copy. A fixed list of strings filled from the front (namesUsed), never pushed to: an empty
   * array literal starts as a list of small integers, and its change of kind at a parse's first
   * name made V8 throw away its optimised nameAt() and startTag() (see emptyList()).
   */
  private readonly names: string[] = new Array<string>(MAX_NAMES).fill('')
  private namesUsed = 0
  private root: Element | null = null
  private comments = 0
  private elements = 0
  /** See ampAtOrAfter() (-2: not searched yet). */
  private nextAmp = -2
  /** Whether the start tag attributes() just read ended with '/>'. */
  private selfClosing = false

  constructor(
    private readonly text: string,
    options: XmlOptions,
  ) {
    this.maxDepth = options.maxDepth ?? XML_MAX_DEPTH
    this.maxElements = options.maxElements ?? XML_MAX_ELEMENTS
    this.n = text.length
    this.i = text.charCodeAt(0) === 0xfeff ? 1 : 0
    this.src = new XmlSource(text)
  }

  /**
   * Offset of the first '&' at or after `from` (-1: none), for `from` that never decreases between
   * calls: the text is searched once from start to end in all.
   */
  private ampAtOrAfter(from: number): number {
    if (this.nextAmp !== -1 && this.nextAmp < from) this.nextAmp = this.text.indexOf('&', from)
    return this.nextAmp
  }

  private fail(message: string, offset: number): never {
    throw new ImportFailure(`XML: ${message}`, this.src.places.at(offset))
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
      // Mostly indentation up to the next tag: one native match instead of a loop over it.
      SPACE_TO_TAG.lastIndex = this.i
      if (SPACE_TO_TAG.test(text)) {
        this.i = SPACE_TO_TAG.lastIndex - 1
        this.markup()
        continue
      }
      const lt = text.indexOf('<', this.i)
      if (lt === -1) {
        if (!isAsciiSpace(text, this.i, n)) this.addText(text.slice(this.i), this.i)
        break
      }
      if (lt > this.i && !isAsciiSpace(text, this.i, lt)) this.addText(text.slice(this.i, lt), this.i)
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
    const next = text.charCodeAt(i + 1)
    if (next === 0x2f /* / */) return this.endTag()
    if (next === 0x3f /* ? */)
      return this.skipTo('?>', 2, 'processing instruction is not closed (missing ?>)')
    if (next === 0x21 /* ! */) {
      if (text.startsWith('<!--', i))
        return this.skipTo('-->', 4, 'comment is not closed (missing -->)', true)
      if (text.startsWith('<![CDATA[', i)) return this.cdata()
      if (text.startsWith('<!DOCTYPE', i) || text.startsWith('<!doctype', i)) return this.doctype()
      this.fail('unsupported markup declaration', i)
    }
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
    const { text, i, n, stack } = this
    // The usual case first: `</name>` closing the open element, compared in place.
    const open = stack[stack.length - 1]
    if (open !== undefined) {
      const after = i + 2 + open.name.length
      if (text.charCodeAt(after) === 0x3e /* > */ && text.startsWith(open.name, i + 2)) {
        this.close()
        this.i = after + 1
        return
      }
    }
    NAME.lastIndex = i + 2
    if (!NAME.test(text)) this.fail('expected an element name after </', i + 2)
    const nameEnd = NAME.lastIndex
    let j = nameEnd
    while (j < n && isSpace(text, j)) j++
    if (text.charCodeAt(j) !== 0x3e /* > */)
      this.fail(`expected '>' to end </${text.slice(i + 2, nameEnd)}`, j)
    const top = this.stack[this.stack.length - 1]
    if (!top) this.fail(`closing tag </${text.slice(i + 2, nameEnd)}> without an open element`, i)
    // The open element's name, compared in place (no copy of the closing name).
    if (top!.name.length !== nameEnd - i - 2 || !text.startsWith(top!.name, i + 2))
      this.fail(
        `mismatched closing tag </${text.slice(i + 2, nameEnd)}>: <${top!.name}> opened at ${top!.line}:${top!.column} is still open`,
        i,
      )
    this.close()
    this.i = j + 1
  }

  /** The end of the innermost open element: its children are the ones pending since its start. */
  private close(): void {
    const el = this.stack.pop()!
    const from = this.childrenFrom.pop()!
    if (this.pendingCount > from) {
      el.children = this.pending.slice(from, this.pendingCount)
      this.pendingCount = from
    }
  }

  /** The element name at text[start, end): the string kept for it when the name was met before. */
  private nameAt(start: number, end: number): string {
    const { names, text, namesUsed } = this
    const length = end - start
    for (let k = 0; k < namesUsed; k++) {
      const name = names[k]!
      if (name.length === length && text.startsWith(name, start)) return name
    }
    const name = text.slice(start, end)
    // Bounded: a file with many names (none of the importers' formats) just gets copies.
    if (namesUsed < MAX_NAMES) names[this.namesUsed++] = name
    return name
  }

  private startTag(): void {
    const { text, i } = this
    NAME.lastIndex = i + 1
    if (!NAME.test(text)) this.fail(`'<' must start a tag`, i)
    const nameEnd = NAME.lastIndex
    // Its attributes start after the last ones in the arena.
    const el = new Element(this.nameAt(i + 1, nameEnd), i, this.src, this.src.arena.used)
    if (++this.elements > this.maxElements) this.fail(`more than ${this.maxElements} elements`, i)
    const canonicalEnd = this.canonicalAttributes(el, nameEnd)
    const j = canonicalEnd !== -1 ? canonicalEnd : this.attributes(el, nameEnd)
    const parent = this.stack[this.stack.length - 1]
    if (parent) this.pending[this.pendingCount++] = el
    else if (this.root) this.fail(`a second root element <${el.name}>`, i)
    else this.root = el
    if (!this.selfClosing) {
      if (this.stack.length >= this.maxDepth)
        this.fail(`elements nested deeper than ${this.maxDepth} levels`, i)
      this.stack.push(el)
      this.childrenFrom.push(this.pendingCount)
    }
    this.i = j
  }

  /**
   * The attributes of a start tag from offset `j` up to its '>' or '/>'; returns the offset after
   * it and sets `selfClosing`; for a tag canonicalAttributes() did not read. Well-formed attributes
   * (ASCII whitespace, a name, '=', a quoted value without '<', not a duplicate) are matched by
   * ATTRIBUTE; at anything else
   * attributesSlowly() takes over from the start of that attribute and says what is wrong (or
   * reads what is right but unusual, such as non-ASCII whitespace).
   */
  private attributes(el: Element, j: number): number {
    const { text } = this
    // The nameBit()s of the attributes read so far: a name whose bit is clear cannot be a
    // duplicate, so the list is searched only on a hash match.
    let seen = 0
    for (;;) {
      ATTRIBUTE.lastIndex = j
      if (!ATTRIBUTE.test(text)) break
      const end = ATTRIBUTE.lastIndex
      // Offsets inside the attribute: the regex has checked its characters.
      let nameStart = j + 1
      while (isAsciiSpaceCode(text.charCodeAt(nameStart))) nameStart++
      const eq = text.indexOf('=', nameStart)
      let nameEnd = eq
      while (isAsciiSpaceCode(text.charCodeAt(nameEnd - 1))) nameEnd--
      const start = text.indexOf(text[end - 1]!, eq) + 1
      const bit = nameBit(text, nameStart, nameEnd)
      if ((seen & bit) !== 0 && el.hasNameAt(nameStart, nameEnd)) break
      seen |= bit
      const amp = this.ampAtOrAfter(start)
      el.add(
        nameStart,
        nameEnd,
        start,
        end - 1,
        amp !== -1 && amp < end ? this.decode(text.slice(start, end - 1), start) : undefined,
      )
      j = end
    }
    let k = j
    while (isAsciiSpaceCode(text.charCodeAt(k))) k++
    const c = text.charCodeAt(k)
    this.selfClosing = false
    if (c === 0x3e /* > */) return k + 1
    if (c === 0x2f /* / */ && text.charCodeAt(k + 1) === 0x3e) {
      this.selfClosing = true
      return k + 2
    }
    return this.attributesSlowly(el, j)
  }

  /**
   * attributes() of a tag spelled as CANONICAL_ATTRIBUTES says (most tags of hwloc and NCCL files):
   * its offsets written straight into the arena, two indexOf() per attribute, as the regex has
   * checked every character. Returns the offset after the tag, or -1 (nothing kept) when the tag is
   * spelled otherwise or has a duplicate name, for the code after it to read or refuse.
   */
  private canonicalAttributes(el: Element, j: number): number {
    const { text } = this
    const { arena } = this.src
    CANONICAL_ATTRIBUTES.lastIndex = j
    if (!CANONICAL_ATTRIBUTES.test(text)) return -1
    const after = CANONICAL_ATTRIBUTES.lastIndex
    const selfClosing = text.charCodeAt(after - 2) === 0x2f /* / */
    const close = selfClosing ? after - 2 : after - 1
    // An attribute takes at least 5 characters (` a=""`), and 4 offsets.
    const spans = arena.room(Math.ceil((close - j) / 5) * 4)
    const from = arena.used
    let at = from
    // nameBit()s, as in attributes(): the list is searched only when a bit is already set.
    let seen = 0
    // At the space before a name: the regex has checked that ` name="value"` follows.
    for (let pos = j; pos < close;) {
      const eq = text.indexOf('="', pos)
      const valueEnd = text.indexOf('"', eq + 2)
      const bit = nameBit(text, pos + 1, eq)
      if ((seen & bit) !== 0) {
        el.endAt(at)
        if (el.hasNameAt(pos + 1, eq)) {
          el.endAt(from)
          return -1
        }
      }
      seen |= bit
      spans[at] = pos + 1
      spans[at + 1] = eq
      spans[at + 2] = eq + 2
      spans[at + 3] = valueEnd
      at += 4
      pos = valueEnd + 1
    }
    el.endAt(at)
    arena.used = at
    this.selfClosing = selfClosing
    return after
  }

  /** attributes(), a character at a time, with a located message for every way a tag can be wrong. */
  private attributesSlowly(el: Element, j: number): number {
    const { text, n } = this
    const unclosed = `unexpected end of input: tag <${el.name}> is not closed`
    for (;;) {
      const ws = j
      while (j < n && isSpace(text, j)) j++
      if (j >= n) this.fail(unclosed, n)
      const c = text[j]
      if (c === '>') {
        this.selfClosing = false
        return j + 1
      }
      if (c === '/' && text[j + 1] === '>') {
        this.selfClosing = true
        return j + 2
      }
      if (j === ws) this.fail(`expected whitespace, '>' or '/>' in <${el.name}>`, j)
      const nameStart = j
      const nameEnd = nameEndAt(text, j, n)
      if (nameEnd === -1) this.fail(`expected an attribute name in <${el.name}>`, j)
      const attrName = text.slice(j, nameEnd)
      j = nameEnd
      while (j < n && isSpace(text, j)) j++
      if (j >= n) this.fail(unclosed, n)
      if (text[j] !== '=') this.fail(`expected '=' after attribute ${attrName}`, j)
      j++
      while (j < n && isSpace(text, j)) j++
      if (j >= n) this.fail(unclosed, n)
      const q = text[j]
      if (q !== '"' && q !== "'") this.fail(`attribute ${attrName} value must be quoted`, j)
      const end = text.indexOf(q!, j + 1)
      if (end === -1)
        this.fail(`unexpected end of input: the value of attribute ${attrName} is not closed`, n)
      const raw = text.slice(j + 1, end)
      const bad = raw.indexOf('<')
      if (bad !== -1) this.fail(`'<' inside the value of attribute ${attrName}`, j + 1 + bad)
      if (el.has(attrName)) this.fail(`duplicate attribute ${attrName}`, j)
      el.add(nameStart, nameEnd, j + 1, end, raw.indexOf('&') === -1 ? undefined : this.decode(raw, j + 1))
      j = end + 1
    }
  }
}

/**
 * parseXml() of a file whose root element must be `<rootName>`; any other root fails, located, as
 * `${format}: root element is <x>, expected <rootName>`.
 */
export function parseXmlRooted(text: string, format: string, rootName: string): XmlDocument {
  const doc = parseXml(text)
  const root = doc.root
  if (root.name !== rootName)
    throw new ImportFailure(`${format}: root element is <${root.name}>, expected <${rootName}>`, {
      line: root.line,
      column: root.column,
    })
  return doc
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
