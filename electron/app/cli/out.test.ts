import { describe, expect, it } from 'vitest'
import { ByteOut, utf8 } from './out'
import type { CliIo } from './io'

function sinks(bytes: boolean) {
  const chunks: Uint8Array[] = []
  const texts: string[] = []
  const io: CliIo = {
    version: 't',
    readFile: () => '',
    writeFile: () => undefined,
    stdout: (t) => texts.push(t),
    stderr: () => undefined,
    ...(bytes ? { stdoutBytes: (b: Uint8Array) => chunks.push(b) } : {}),
  }
  return { io, chunks, texts }
}

describe('ByteOut', () => {
  it('hands over chunks of at most the chunk size that add up to what was written, in order', () => {
    const s = sinks(true)
    const out = new ByteOut(s.io, 16)
    const pieces = ['{"a": ', '"Hilscher Gesellschaft für Systemautomation"', ', "b": [1, 2]', '}\n']
    for (const p of pieces) out.bytes(utf8(p))
    out.text('ü✓\n')
    out.flush()
    out.flush()
    expect(Buffer.concat(s.chunks).toString('utf8')).toBe(pieces.join('') + 'ü✓\n')
    // a piece larger than a chunk goes out on its own; the others never overflow a chunk
    expect(s.chunks.filter((c) => c.length > 16).map((c) => c.length)).toEqual([utf8(pieces[1]!).length])
    expect(s.texts).toEqual([])
  })

  it('never writes into a chunk it handed over (the host may write it later)', () => {
    const s = sinks(true)
    const out = new ByteOut(s.io, 8)
    out.text('abcdefgh')
    out.text('ijklmnop')
    const first = s.chunks[0]!
    out.text('qrstuvwx')
    out.flush()
    expect(Buffer.from(first).toString()).toBe('abcdefgh')
    expect(s.chunks.map((c) => Buffer.from(c).toString())).toEqual(['abcdefgh', 'ijklmnop', 'qrstuvwx'])
  })

  it('gives a host that takes only text the same text, chunk by chunk, no character cut in two', () => {
    const s = sinks(false)
    const out = new ByteOut(s.io, 5)
    for (const p of ['ab', 'üü', '✓', 'c', '✓✓']) out.text(p)
    out.flush()
    expect(s.texts.join('')).toBe('abüü✓c✓✓')
    expect(s.texts.every((t) => !t.includes('\ufffd'))).toBe(true)
  })
})
