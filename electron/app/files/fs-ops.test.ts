/** The two Node bindings of FsOps read and stat the same way; a read never returns more than maxBytes. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { nodeFsAsync, nodeFsSync, readBounded, runSync, type FsOps } from './fs-ops'
import { tempDirEach } from '../../../tests/helpers/temp-dir'

let dir: string
tempDirEach('lab-fs-ops-', (d) => (dir = d))

describe.each([
  { binding: 'nodeFsSync', fs: nodeFsSync as FsOps },
  { binding: 'nodeFsAsync', fs: nodeFsAsync as FsOps },
])('$binding', ({ fs }) => {
  it('reads a whole file up to maxBytes, and refuses a larger one with EFBIG', async () => {
    const file = join(dir, 'f.bin')
    writeFileSync(file, 'abcdef')
    expect(Buffer.from(await fs.read(file, 6)).toString()).toBe('abcdef')
    expect(Buffer.from(await fs.read(file, 100)).toString()).toBe('abcdef')
    await expect(async () => fs.read(file, 5)).rejects.toMatchObject({ code: 'EFBIG' })
    writeFileSync(file, '')
    expect((await fs.read(file, 5)).length).toBe(0)
  })

  it('lstat and stat: null for a missing path, the file for a present one', async () => {
    expect(await fs.lstat(join(dir, 'missing'))).toBeNull()
    expect(await fs.stat(join(dir, 'missing', 'below'))).toBeNull()
    mkdirSync(join(dir, 'd'))
    expect(await fs.stat(join(dir, 'd'))).toMatchObject({ isDirectory: true, isFile: false })
    writeFileSync(join(dir, 'x'), 'xyz')
    expect(await fs.lstat(join(dir, 'x'))).toMatchObject({ isFile: true, size: 3 })
  })
})

describe('readBounded', () => {
  /** A file that says it has `size` bytes and then has `content`. */
  const file = (size: number, content: string) => ({
    size: () => size,
    readAt: (buf: Buffer, offset: number, length: number, position: number) =>
      Buffer.from(content).copy(buf, offset, position, position + length),
  })

  it('refuses a file of maxBytes that grew past it after its size was asked', () => {
    expect(() => runSync(readBounded(file(6, 'abcdefgh'), 'grown', 6))).toThrow(
      expect.objectContaining({ code: 'EFBIG' }),
    )
  })

  it('a smaller file that grew: one byte more than its size is read; a shrunk one: what it still holds', () => {
    expect(runSync(readBounded(file(2, 'abcd'), 'grown', 6)).toString()).toBe('abc')
    expect(runSync(readBounded(file(6, 'ab'), 'shrunk', 6)).toString()).toBe('ab')
  })
})
