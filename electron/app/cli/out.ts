/**
 * Standard output for the commands that print a lot (`lab p2p`, a line or a JSON object per pair):
 * UTF-8 bytes gathered into chunks and handed to the CliIo a chunk at a time. `p2p --json` puts
 * together each pair from a few byte strings it encoded once (a device's quoted BDF and name, a
 * verdict's fields), so a pair costs a few copies: no string per pair to build, flatten, encode
 * and collect as garbage. A CliIo that takes bytes (process-io.ts) gets them as they are; one
 * that takes only text (the tests) gets each chunk decoded, which is the same text, as a chunk
 * ends only between whole pieces.
 */
import type { CliIo } from './io'

/** Bytes per chunk: a DGX-2H's 16 150 pairs (4.8 MB of JSON) are about 75 writes. */
export const CHUNK_BYTES = 64 * 1024

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The UTF-8 bytes of a piece of output that is written many times. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

export class ByteOut {
  private buf: Uint8Array | null = null
  private at = 0

  constructor(
    private readonly io: CliIo,
    private readonly chunk = CHUNK_BYTES,
  ) {}

  /** Appends bytes (copied: the caller may reuse them). */
  bytes(b: Uint8Array): void {
    if (this.at + b.length > this.chunk) {
      this.flush()
      if (b.length > this.chunk) return this.emit(b.slice())
    }
    const buf = (this.buf ??= new Uint8Array(this.chunk))
    buf.set(b, this.at)
    this.at += b.length
  }

  /** Appends text, as UTF-8. */
  text(t: string): void {
    this.bytes(encoder.encode(t))
  }

  /** Hands what was gathered to the CliIo. A chunk handed over is never written to again. */
  flush(): void {
    if (this.buf === null || this.at === 0) return
    const b = this.buf.subarray(0, this.at)
    this.buf = null
    this.at = 0
    this.emit(b)
  }

  private emit(b: Uint8Array): void {
    if (this.io.stdoutBytes) this.io.stdoutBytes(b)
    else this.io.stdout(decoder.decode(b))
  }
}
