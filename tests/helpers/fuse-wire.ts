/**
 * Electron fuses as they sit in a binary, for the packaging test: the reader, and the stand-in
 * Electron that carries a wire so electron-builder (through @electron/fuses) can flip it.
 *
 * The wire (electron/electron: build/fuses/build.py, and the fuses tutorial in its documentation):
 *   SENTINEL | version: u8 (= 1) | length: u8 | length × ('0' off | '1' on | 'r' removed)
 * version and length are raw bytes; fuse i is byte SENTINEL + 2 + i. A universal macOS binary
 * holds two wires (one per slice). The V1 fuse names and order are @electron/fuses' FuseV1Options;
 * the defaults are build/fuses/fuses.json5 of Electron 45's era: 1 0 1 1 0 0 0 1.
 */

export const FUSE_SENTINEL = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX', 'latin1')

export const FUSE_V1 = [
  'RunAsNode',
  'EnableCookieEncryption',
  'EnableNodeOptionsEnvironmentVariable',
  'EnableNodeCliInspectArguments',
  'EnableEmbeddedAsarIntegrityValidation',
  'OnlyLoadAppFromAsar',
  'LoadBrowserProcessSpecificV8Snapshot',
  'GrantFileProtocolExtraPrivileges',
] as const
export type FuseName = (typeof FUSE_V1)[number]
export type FuseState = 'on' | 'off' | 'removed'

/** Electron's own defaults, fuses 0..7 (fuses.json5). */
export const ELECTRON_DEFAULT_WIRE = '10110001'

export interface FuseWire {
  /** Where the sentinel starts. */
  offset: number
  version: number
  states: FuseState[]
  named: Partial<Record<FuseName, FuseState>>
}

/** Every fuse wire in a binary (two in a universal macOS binary). Throws when there is none or one is malformed. */
export function readFuseWires(bin: Buffer): FuseWire[] {
  const wires: FuseWire[] = []
  for (let at = bin.indexOf(FUSE_SENTINEL); at !== -1; at = bin.indexOf(FUSE_SENTINEL, at + 1)) {
    const p = at + FUSE_SENTINEL.length
    if (p + 2 > bin.length) throw new Error(`fuse wire at ${at}: truncated header`)
    const version = bin[p]!
    const length = bin[p + 1]!
    if (version !== 1) throw new Error(`fuse wire at ${at}: schema version ${version}, expected 1`)
    if (p + 2 + length > bin.length) throw new Error(`fuse wire at ${at}: truncated (${length} fuses)`)
    const states = [...bin.subarray(p + 2, p + 2 + length)].map((b, i): FuseState => {
      if (b === 0x31) return 'on'
      if (b === 0x30) return 'off'
      if (b === 0x72) return 'removed'
      throw new Error(`fuse wire at ${at}: fuse ${i} has byte 0x${b.toString(16)}`)
    })
    const named: FuseWire['named'] = {}
    FUSE_V1.forEach((name, i) => {
      if (i < states.length) named[name] = states[i]
    })
    wires.push({ offset: at, version, states, named })
  }
  if (wires.length === 0) throw new Error('no fuse sentinel in the binary')
  return wires
}

/**
 * The stand-in Electron executable for `electron-builder -c.electronDist=…`: a shell script that
 * refuses to run, with Electron's default fuse wire after its `exit` (sh never reads that far).
 */
export function standInElectron(wire: string = ELECTRON_DEFAULT_WIRE): Buffer {
  return Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stand-in Electron: not runnable"\nexit 1\n# ', 'latin1'),
    FUSE_SENTINEL,
    Buffer.from([1, wire.length]),
    Buffer.from(wire, 'latin1'),
    Buffer.from('\n', 'latin1'),
  ])
}
