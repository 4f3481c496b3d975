/**
 * Bytes → text for every file the app, the CLI and the page (the browser harness's import) read:
 * strict UTF-8 (an invalid byte is a located error, never a silent U+FFFD that a later save would
 * write back), a leading BOM dropped, and 1-based line:column for any offset. Pure: no Node, no
 * Electron, no DOM.
 */

export interface TextLocation {
  line: number
  /** 1-based, in UTF-16 code units from the line start (what editors and the engine's LineIndex count). */
  column: number
}

export type DecodeResult =
  { ok: true; text: string } | { ok: false; message: string; location: TextLocation; byteOffset: number }

/** 1-based line and column of a string offset. */
export function lineColumn(text: string, offset: number): TextLocation {
  const at = Math.max(0, Math.min(offset, text.length))
  let line = 1
  let start = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    line++
    start = i + 1
  }
  return { line, column: at - start + 1 }
}

/**
 * Offset of the first byte that is not well-formed UTF-8 (the WHATWG decoder's rules: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1. For a truncated sequence at the end, the
 * offset of its lead byte.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length
  let i = 0
  while (i < n) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    let need: number
    let lo = 0x80
    let hi = 0xbf
    if (b >= 0xc2 && b <= 0xdf) need = 1
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      if (b === 0xe0) lo = 0xa0
      if (b === 0xed) hi = 0x9f
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      if (b === 0xf0) lo = 0x90
      if (b === 0xf4) hi = 0x8f
    } else return i
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined) return i // truncated at the end
      const min = k === 1 ? lo : 0x80
      const max = k === 1 ? hi : 0xbf
      if (c < min || c > max) return i
    }
    i += need + 1
  }
  return -1
}

/**
 * Decode strict UTF-8 (TextDecoder with fatal: true); drop one leading BOM. On invalid input, say
 * where: line and column of the first bad byte, and the byte itself.
 */
export function decodeUtf8(bytes: Uint8Array): DecodeResult {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
    return { ok: true, text }
  } catch {
    const at = firstInvalidUtf8(bytes)
    const offset = at === -1 ? bytes.length : at
    // Everything before `offset` is valid: decode it to count lines and columns.
    const before = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes.subarray(0, offset))
    const location = lineColumn(before, before.length)
    const byte = bytes[offset]
    const tail = bytes.subarray(offset)
    // A sequence cut off by the end of the file: a lead byte followed only by continuation bytes.
    const cut =
      byte === undefined ||
      (tail.length <= 3 && byte >= 0xc2 && byte <= 0xf4 && tail.subarray(1).every((b) => (b & 0xc0) === 0x80))
    return {
      ok: false,
      byteOffset: offset,
      location,
      message:
        cut || byte === undefined
          ? 'the text is not valid UTF-8 (it ends inside a character)'
          : `the text is not valid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')} at byte offset ${offset}); save it as UTF-8`,
    }
  }
}
