import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FUSE_SENTINEL, readFuseWires, standInElectron } from './fuse-wire'

const wire = (bytes: number[]) => Buffer.concat([Buffer.from('junk'), FUSE_SENTINEL, Buffer.from(bytes)])

describe('fuse wire reader', () => {
  it('reads Electron’s default wire from the stand-in, which still refuses to run', () => {
    const bin = standInElectron()
    const [w] = readFuseWires(bin)
    expect(w!.named).toEqual({
      RunAsNode: 'on',
      EnableCookieEncryption: 'off',
      EnableNodeOptionsEnvironmentVariable: 'on',
      EnableNodeCliInspectArguments: 'on',
      EnableEmbeddedAsarIntegrityValidation: 'off',
      OnlyLoadAppFromAsar: 'off',
      LoadBrowserProcessSpecificV8Snapshot: 'off',
      GrantFileProtocolExtraPrivileges: 'on',
    })
    const dir = mkdtempSync(join(tmpdir(), 'stand-in-'))
    try {
      writeFileSync(join(dir, 'electron'), bin)
      chmodSync(join(dir, 'electron'), 0o755)
      const r = spawnSync(join(dir, 'electron'), [], { encoding: 'utf8' })
      expect(r.status).toBe(1)
      expect(r.stdout).toMatch(/not runnable/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reads removed fuses, a longer wire and both wires of a universal binary', () => {
    const one = wire([1, 9, 0x30, 0x72, 0x31, 0x31, 0x30, 0x30, 0x30, 0x31, 0x31])
    const ws = readFuseWires(Buffer.concat([one, one]))
    expect(ws).toHaveLength(2)
    expect(ws[0]!.states).toHaveLength(9)
    expect(ws[0]!.named.EnableCookieEncryption).toBe('removed')
  })

  it('refuses a binary without a wire, another schema, a truncated wire and a bad byte', () => {
    expect(() => readFuseWires(Buffer.from('no wire here'))).toThrow(/no fuse sentinel/)
    expect(() => readFuseWires(wire([2, 1, 0x31]))).toThrow(/schema version 2/)
    expect(() => readFuseWires(wire([1, 8, 0x31]))).toThrow(/truncated/)
    expect(() => readFuseWires(wire([1]))).toThrow(/truncated header/)
    expect(() => readFuseWires(wire([1, 1, 0x32]))).toThrow(/byte 0x32/)
  })
})
