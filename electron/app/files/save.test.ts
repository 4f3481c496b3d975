/**
 * The shared save and read rules (./save.ts) on a real temp directory, through both drivers:
 * an external change, a damaged file, 0600 / symlink / hard link / read-only, a newer version,
 * planted names at the temp path, a crash before the rename, Windows EPERM/EBUSY, strict UTF-8.
 */
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, readFileSync } from 'node:fs'
import { readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { nodeFsAsync, nodeFsSync, type FsOps } from './fs-ops'
import {
  readTextFile,
  readTextFileSync,
  saveTextFile,
  saveTextFileSync,
  writeAtomic,
  type FileIdentity,
} from './save'
import { tempDirEach } from '../../../tests/helpers/temp-dir'

let dir: string
tempDirEach('lab-save-', (d) => (dir = d))

const lab = (name: string, schemaVersion = 1) =>
  JSON.stringify({ format: 'p2p-dma-lab', schemaVersion, name }, null, 2) + '\n'
const temps = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'))
const read = (p: string) => readFileSync(p, 'utf8')

async function identity(path: string): Promise<FileIdentity> {
  const r = await readTextFile(path)
  if (!r.ok) throw new Error(r.message)
  return r.identity
}

describe('save: atomic, with a backup of the previous version', () => {
  it('creates a new file (no backup, no temp left) and keeps the previous version as .bak', async () => {
    const target = join(dir, 'a.p2plab')
    const first = await saveTextFile(target, lab('one'))
    expect(first).toMatchObject({ ok: true, backup: null, path: target })
    expect(read(target)).toBe(lab('one'))
    const second = await saveTextFile(target, lab('two'))
    expect(second).toMatchObject({ ok: true, backup: target + '.bak' })
    expect(read(target)).toBe(lab('two'))
    expect(read(target + '.bak')).toBe(lab('one'))
    expect(temps()).toEqual([])
  })

  it('the synchronous driver (the CLI) follows the same rules', () => {
    const target = join(dir, 'cli.p2plab')
    expect(saveTextFileSync(target, lab('one'))).toMatchObject({ ok: true, backup: null })
    expect(saveTextFileSync(target, lab('two'))).toMatchObject({ ok: true, backup: target + '.bak' })
    expect(read(target + '.bak')).toBe(lab('one'))
    writeFileSync(join(dir, 'future.p2plab'), lab('future', 9))
    expect(saveTextFileSync(join(dir, 'future.p2plab'), lab('mine'))).toMatchObject({
      ok: false,
      reason: 'newer',
    })
    expect(read(join(dir, 'future.p2plab'))).toBe(lab('future', 9))
  })

  it('a file damaged on disk is overwritten but never replaces the good backup', async () => {
    const target = join(dir, 'b.p2plab')
    await saveTextFile(target, lab('good'))
    await saveTextFile(target, lab('better')) // .bak = good
    writeFileSync(target, '{"format": "p2p-dma-lab", "name": "trunc') // damaged by something else
    const r = await saveTextFile(target, lab('mine'))
    expect(r).toMatchObject({ ok: true, backup: null })
    expect(read(target)).toBe(lab('mine'))
    expect(read(target + '.bak')).toBe(lab('good'))
    // Invalid UTF-8 does not parse either.
    writeFileSync(target, Buffer.from([0x7b, 0xff, 0x7d]))
    expect(await saveTextFile(target, lab('again'))).toMatchObject({ ok: true, backup: null })
    expect(read(target + '.bak')).toBe(lab('good'))
  })

  it('a crash before the rename leaves the old file; the next save removes the temp garbage', async () => {
    const target = join(dir, 'c.p2plab')
    writeFileSync(target, lab('old'))
    const crashing: FsOps = {
      ...nodeFsAsync,
      rename: async () => {
        throw Object.assign(new Error('simulated crash'), { code: 'EIO' })
      },
      unlink: async () => undefined, // the process died: nothing cleans up
    }
    const r = await saveTextFile(target, lab('new'), {}, crashing)
    expect(r).toMatchObject({ ok: false, reason: 'io' })
    if (!r.ok) expect(r.message).toMatch(/unchanged/)
    expect(read(target)).toBe(lab('old'))
    expect(temps().length).toBeGreaterThan(0)
    expect(await saveTextFile(target, lab('new'))).toMatchObject({ ok: true })
    expect(read(target)).toBe(lab('new'))
    expect(temps()).toEqual([])
  })

  it('writeAtomic (the app’s own files) leaves no temp and fails cleanly in a missing directory', async () => {
    await writeAtomic(join(dir, 'recent.json'), '{"files":[]}\n')
    expect(read(join(dir, 'recent.json'))).toBe('{"files":[]}\n')
    await expect(writeAtomic(join(dir, 'nope', 'x.json'), 'x')).rejects.toThrow()
    expect(readdirSync(dir)).toEqual(['recent.json'])
  })
})

describe('save: the file keeps what it was', () => {
  it('keeps permission bits (0600 stays 0600, 0640 stays 0640)', async () => {
    for (const mode of [0o600, 0o640, 0o755]) {
      const target = join(dir, `m${mode.toString(8)}.p2plab`)
      writeFileSync(target, lab('old'))
      chmodSync(target, mode)
      expect(await saveTextFile(target, lab('new'))).toMatchObject({ ok: true })
      expect(statSync(target).mode & 0o777).toBe(mode)
      expect(statSync(target + '.bak').mode & 0o777).toBe(mode) // the backup is no more readable than the file
    }
  })

  it('a symlink stays a symlink: the save writes through to its target', async () => {
    const realDir = join(dir, 'real')
    const target = join(dir, 'target.p2plab')
    writeFileSync(target, lab('old'))
    const link = join(dir, 'link.p2plab')
    symlinkSync(target, link)
    const r = await saveTextFile(link, lab('new'))
    expect(r).toMatchObject({ ok: true, path: target, backup: target + '.bak' })
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(read(target)).toBe(lab('new'))
    expect(read(target + '.bak')).toBe(lab('old'))
    expect(existsSync(realDir)).toBe(false)
    // A dangling link is not replaced by a plain file.
    const dangling = join(dir, 'dangling.p2plab')
    symlinkSync(join(dir, 'missing.p2plab'), dangling)
    expect(await saveTextFile(dangling, lab('x'))).toMatchObject({ ok: false, reason: 'not-a-file' })
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true)
  })

  it('hard links keep sharing the file (rewritten in place after the backup)', async () => {
    const a = join(dir, 'a.p2plab')
    const b = join(dir, 'b.p2plab')
    writeFileSync(a, lab('old'))
    linkSync(a, b)
    const ino = statSync(a).ino
    expect(await saveTextFile(a, lab('new, and longer than before'))).toMatchObject({ ok: true })
    expect(statSync(a).ino).toBe(ino)
    expect(read(b)).toBe(lab('new, and longer than before'))
    expect(await saveTextFile(b, lab('short'))).toMatchObject({ ok: true })
    expect(read(a)).toBe(lab('short')) // truncated to the new length
    expect(read(b + '.bak')).toBe(lab('new, and longer than before'))
  })

  it.skipIf(typeof process.getuid !== 'function' || process.getuid() !== 0)(
    'keeps the owner where this process may set it (root)',
    async () => {
      const target = join(dir, 'owned.p2plab')
      writeFileSync(target, lab('old'))
      chownSync(target, 4321, 4321)
      expect(await saveTextFile(target, lab('new'))).toMatchObject({ ok: true, notes: [] })
      expect([statSync(target).uid, statSync(target).gid]).toEqual([4321, 4321])
    },
  )

  it('says so when the owner cannot be kept', async () => {
    const target = join(dir, 'other.p2plab')
    writeFileSync(target, lab('old'))
    const st = statSync(target)
    const notMine: FsOps = {
      ...nodeFsAsync,
      // The file appears to belong to someone else, and chown is refused as for a normal user.
      lstat: async (p) => {
        const s = await nodeFsAsync.lstat(p)
        return s && p === target ? { ...s, uid: st.uid + 1 } : s
      },
      chown: async () => {
        throw Object.assign(new Error('EPERM'), { code: 'EPERM' })
      },
    }
    const r = await saveTextFile(target, lab('new'), { platform: 'linux' }, notMine)
    expect(r).toMatchObject({ ok: true })
    if (r.ok) expect(r.notes.join()).toMatch(/owner .* could not be kept/)
  })
})

describe('save: refused, changing nothing', () => {
  it('a read-only file (even for root)', async () => {
    const target = join(dir, 'ro.p2plab')
    writeFileSync(target, lab('old'))
    chmodSync(target, 0o444)
    const r = await saveTextFile(target, lab('new'))
    expect(r).toMatchObject({ ok: false, reason: 'read-only' })
    if (!r.ok) expect(r.message).toMatch(/ro\.p2plab is read-only/)
    expect(read(target)).toBe(lab('old'))
    expect(readdirSync(dir)).toEqual(['ro.p2plab'])
  })

  it('a lab written by a newer version (no backup either)', async () => {
    const target = join(dir, 'newer.p2plab')
    writeFileSync(target, lab('future', 42))
    const r = await saveTextFile(target, lab('mine'))
    expect(r).toMatchObject({ ok: false, reason: 'newer' })
    if (!r.ok) expect(r.message).toMatch(/newer version of P2P DMA Lab \(schema 42/)
    expect(readdirSync(dir)).toEqual(['newer.p2plab'])
  })

  it('something that is not a regular file', async () => {
    expect(await saveTextFile(dir, 'x')).toMatchObject({ ok: false, reason: 'not-a-file' })
  })

  it('a file another program changed since it was opened: "changed" until forced; the backup keeps their version', async () => {
    const target = join(dir, 'shared.p2plab')
    writeFileSync(target, lab('as opened'))
    const opened = await identity(target)
    writeFileSync(target, lab('written by someone else'))
    const r = await saveTextFile(target, lab('mine'), { expected: opened })
    expect(r).toMatchObject({ ok: false, reason: 'changed' })
    if (!r.ok) {
      expect(r.message).toMatch(/changed on disk by another program/)
      expect(r.current?.sha256).toBe((await identity(target)).sha256)
    }
    expect(read(target)).toBe(lab('written by someone else'))
    expect(readdirSync(dir)).toEqual(['shared.p2plab'])

    const forced = await saveTextFile(target, lab('mine'), { expected: opened, force: true })
    expect(forced).toMatchObject({ ok: true, backup: target + '.bak' })
    expect(read(target + '.bak')).toBe(lab('written by someone else'))
    // The identity a save returns is what the next save expects: no false alarm.
    if (forced.ok)
      expect(await saveTextFile(target, lab('mine 2'), { expected: forced.identity })).toMatchObject({
        ok: true,
      })
  })

  it('same content with a new mtime (touch) is not a change; a deleted file is', async () => {
    const target = join(dir, 't.p2plab')
    writeFileSync(target, lab('x'))
    const opened = await identity(target)
    utimesSync(target, new Date(2030, 0, 1), new Date(2030, 0, 1))
    expect(await saveTextFile(target, lab('y'), { expected: opened })).toMatchObject({ ok: true })
    const saved = await identity(target)
    rmSync(target)
    const r = await saveTextFile(target, lab('z'), { expected: saved })
    expect(r).toMatchObject({ ok: false, reason: 'changed', current: null })
    if (!r.ok) expect(r.message).toMatch(/deleted or moved/)
  })
})

describe('save: temp files cannot be planted', () => {
  /** An FsOps whose "random" names are predictable, as an attacker would wish. */
  function predictable(names: string[]): FsOps {
    let i = 0
    return { ...nodeFsAsync, randomHex: () => names[Math.min(i++, names.length - 1)]! }
  }

  it('a symlink planted at the temp name is never written through (O_EXCL|O_NOFOLLOW); a fresh name is used', async () => {
    const victim = join(dir, 'victim.txt')
    writeFileSync(victim, 'precious\n')
    const target = join(dir, 'lab.p2plab')
    const planted = 'a'.repeat(32)
    symlinkSync(victim, join(dir, `.lab.p2plab.${planted}.tmp`))
    const r = await saveTextFile(target, lab('mine'), {}, predictable([planted, 'b'.repeat(32)]))
    expect(r).toMatchObject({ ok: true })
    expect(read(victim)).toBe('precious\n')
    expect(read(target)).toBe(lab('mine'))
  })

  it('when every name is taken the save fails and the victim is untouched', async () => {
    const victim = join(dir, 'victim.txt')
    writeFileSync(victim, 'precious\n')
    const planted = 'c'.repeat(32)
    const fs = predictable([planted])
    // The stale-temp sweep removes planted names before the save; plant again right after it.
    const replant: FsOps = {
      ...fs,
      createExclusive: (p, d, m) => {
        if (!existsSync(p)) symlinkSync(victim, p)
        return fs.createExclusive(p, d, m)
      },
    }
    const r = await saveTextFile(join(dir, 'lab.p2plab'), lab('mine'), {}, replant)
    expect(r).toMatchObject({ ok: false, reason: 'io', code: 'EEXIST' })
    expect(read(victim)).toBe('precious\n')
  })
})

describe('save: Windows, a file held by an antivirus scanner', () => {
  function holding(code: string, times: number): FsOps & { slept: number[] } {
    let left = times
    const slept: number[] = []
    return {
      ...nodeFsAsync,
      slept,
      rename: async (a, b) => {
        if (left-- > 0) throw Object.assign(new Error(code), { code })
        return nodeFsAsync.rename(a, b)
      },
      sleep: async (ms) => {
        slept.push(ms)
      },
    }
  }

  it('retries a rename refused with EPERM, then saves', async () => {
    const target = join(dir, 'av.p2plab')
    writeFileSync(target, lab('old'))
    const fs = holding('EPERM', 6) // backup rename and lab rename share the failures
    const r = await saveTextFile(target, lab('new'), { platform: 'win32' }, fs)
    expect(r).toMatchObject({ ok: true })
    expect(fs.slept.length).toBe(6)
    expect(read(target)).toBe(lab('new'))
    expect(temps()).toEqual([])
  })

  it('gives up after about 3 s of EBUSY with "in use by another program"; the file is unchanged', async () => {
    const target = join(dir, 'busy.p2plab')
    writeFileSync(target, 'not json, so no backup\n')
    const fs = holding('EBUSY', 1000)
    const r = await saveTextFile(target, lab('new'), { platform: 'win32' }, fs)
    expect(r).toMatchObject({ ok: false, reason: 'busy' })
    if (!r.ok) expect(r.message).toMatch(/in use by another program .*unchanged/)
    const total = fs.slept.reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThan(2000)
    expect(total).toBeLessThan(5000)
    expect(read(target)).toBe('not json, so no backup\n')
    expect(temps()).toEqual([])
  })

  it('does not retry elsewhere (EPERM on Linux is a real permission error)', async () => {
    const fs = holding('EPERM', 1)
    const r = await saveTextFile(join(dir, 'x.p2plab'), lab('x'), { platform: 'linux' }, fs)
    expect(r).toMatchObject({ ok: false, reason: 'io', code: 'EPERM' })
    expect(fs.slept).toEqual([])
  })

  it('the synchronous driver really waits between tries', () => {
    let left = 2
    const fs: FsOps = {
      ...nodeFsSync,
      rename: (a, b) => {
        if (left-- > 0) throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' })
        return nodeFsSync.rename(a, b)
      },
    }
    const t0 = performance.now()
    const r = saveTextFileSync(
      join(dir, 's.p2plab'),
      lab('x'),
      { platform: 'win32', retryDelaysMs: [30, 30] },
      fs,
    )
    expect(r).toMatchObject({ ok: true })
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50)
  })
})

describe('read: strict UTF-8, located', () => {
  it('reads text and its identity; drops a BOM', async () => {
    const p = join(dir, 'bom.json')
    writeFileSync(p, '\ufeff{"a": "✓"}')
    const r = await readTextFile(p)
    expect(r).toMatchObject({ ok: true, text: '{"a": "✓"}' })
    if (r.ok) expect(r.identity.sha256).toMatch(/^[0-9a-f]{64}$/)
    // the CLI's synchronous read does not hash (no crypto load per run)
    expect(readTextFileSync(p)).toMatchObject({ ok: true, text: '{"a": "✓"}', identity: { sha256: '' } })
  })

  it('invalid UTF-8 is an error with line and column, never replacement characters', async () => {
    const p = join(dir, 'latin1.p2plab')
    writeFileSync(
      p,
      Buffer.concat([Buffer.from('{\n  "name": "caf'), Buffer.from([0xe9]), Buffer.from('"\n}\n')]),
    )
    const r = await readTextFile(p)
    expect(r).toMatchObject({ ok: false, reason: 'encoding', location: { line: 2, column: 15 } })
    if (!r.ok)
      expect(r.message).toBe(
        'latin1.p2plab:2:15: the text is not valid UTF-8 (byte 0xe9 at byte offset 16); save it as UTF-8',
      )
    expect(readTextFileSync(p)).toMatchObject({ ok: false, location: { line: 2, column: 15 } })
  })

  it('refuses missing files, directories and files over the limit', async () => {
    expect(await readTextFile(join(dir, 'nope'))).toMatchObject({ ok: false, reason: 'missing' })
    expect(await readTextFile(dir)).toMatchObject({ ok: false, reason: 'not-a-file' })
    writeFileSync(join(dir, 'big'), 'x'.repeat(100))
    expect(await readTextFile(join(dir, 'big'), 10)).toMatchObject({ ok: false, reason: 'too-large' })
  })
})
