/**
 * electron/main/labfiles.ts under plain Node with a temp dir: atomic saves with a backup, a crash
 * mid-save, protected (damaged/newer) files, recent files, autosave and recovery through the IPC
 * handler table.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { LabSession } from '../app/session'
import { createHandlers } from '../app/ipc/handlers'
import {
  Autosaver,
  LabFiles,
  MAX_RECENT,
  nodeFs,
  overwriteRefusal,
  type LabFs,
  type Timers,
} from './labfiles'
import type { LabView, RecoveryInfo, Result } from '../../shared/ipc/contract'
import { tempDirEach } from '../../tests/helpers/temp-dir'

let dir: string
tempDirEach('labfiles-', (d) => (dir = d))

/** A process that dies between writing the temp file and renaming it: rename throws, cleanup never runs. */
function crashingFs(): LabFs {
  return {
    ...nodeFs,
    rename: async () => {
      throw new Error('simulated crash before rename')
    },
    unlink: async () => undefined,
  }
}

function labText(session: LabSession): string {
  const r = session.exportText()
  if (!r.ok) throw new Error('export failed')
  return r.value.text
}

describe('lab files: atomic save with backup', () => {
  it('writes the new text, keeps the previous version as .p2plab.bak and leaves no temp file', async () => {
    const files = new LabFiles(nodeFs, join(dir, 'userData'))
    const target = join(dir, 'gpu.p2plab')
    expect(await files.save(target, '{"v": 1}\n')).toEqual({ ok: true, backup: null, notes: [] })
    expect(await files.save(target, '{"v": 2}\n')).toEqual({ ok: true, backup: target + '.bak', notes: [] })
    expect(readFileSync(target, 'utf8')).toBe('{"v": 2}\n')
    expect(readFileSync(target + '.bak', 'utf8')).toBe('{"v": 1}\n')
    expect(readdirSync(dir).sort()).toEqual(['gpu.p2plab', 'gpu.p2plab.bak', 'userData'])
  })

  it('a crash mid-save leaves the old file intact, and the next save removes the temp garbage', async () => {
    const target = join(dir, 'lab.p2plab')
    writeFileSync(target, '"old lab"\n')
    const crashed = await new LabFiles(crashingFs(), join(dir, 'userData')).save(target, '"new lab"\n')
    expect(crashed.ok).toBe(false)
    if (!crashed.ok) {
      expect(crashed.reason).toBe('io')
      expect(crashed.message).toMatch(/unchanged/)
    }
    expect(readFileSync(target, 'utf8')).toBe('"old lab"\n')
    // The dead process left its temp files (backup and lab) behind.
    const garbage = readdirSync(dir).filter((f) => f.endsWith('.tmp'))
    expect(garbage.length).toBeGreaterThan(0)

    const files = new LabFiles(nodeFs, join(dir, 'userData'))
    expect((await files.save(target, '"new lab"\n')).ok).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe('"new lab"\n')
    expect(readFileSync(target + '.bak', 'utf8')).toBe('"old lab"\n')
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('does not touch anything when the directory does not exist', async () => {
    const files = new LabFiles(nodeFs, join(dir, 'userData'))
    const r = await files.save(join(dir, 'missing', 'x.p2plab'), 'x')
    expect(r).toMatchObject({ ok: false, reason: 'io' })
    expect(readdirSync(dir)).toEqual([])
  })

  it('never overwrites a file opened as damaged/newer, nor a lab written by a newer version', async () => {
    const files = new LabFiles(nodeFs, join(dir, 'userData'))
    const damaged = join(dir, 'damaged.p2plab')
    writeFileSync(damaged, '{"format": "p2p-dma-lab", "schema')
    files.protect(damaged)
    const r1 = await files.save(damaged, 'mine')
    expect(r1).toMatchObject({ ok: false, reason: 'protected' })
    if (!r1.ok) expect(r1.message).toMatch(/never overwritten.*another name/)
    expect(readFileSync(damaged, 'utf8')).toBe('{"format": "p2p-dma-lab", "schema')

    const newer = join(dir, 'newer.p2plab')
    const newerText = JSON.stringify({ format: 'p2p-dma-lab', schemaVersion: 99, name: 'future' })
    writeFileSync(newer, newerText)
    const r2 = await files.save(newer, 'mine')
    expect(r2).toMatchObject({ ok: false, reason: 'protected' })
    if (!r2.ok) expect(r2.message).toMatch(/newer version of P2P DMA Lab \(schema 99/)
    expect(readFileSync(newer, 'utf8')).toBe(newerText)
    expect(files.isProtected(newer)).toBe(true)
    expect(existsSync(newer + '.bak')).toBe(false)

    expect(overwriteRefusal('not json')).toBeNull()
    expect(overwriteRefusal('{"format":"p2p-dma-lab","schemaVersion":1}')).toBeNull()
    expect(overwriteRefusal('{"format":"other","schemaVersion":7}')).toBeNull()
  })
})

describe('lab files: recent files', () => {
  it('keeps at most 10, newest first, without duplicates, stored atomically in userData/recent.json', async () => {
    const userData = join(dir, 'userData')
    const files = new LabFiles(nodeFs, userData)
    expect(await files.loadRecent()).toEqual([])
    for (let i = 0; i < 14; i++) await files.addRecent(join(dir, `lab${i}.p2plab`))
    await files.addRecent(join(dir, 'lab5.p2plab'))
    const list = files.recentFiles()
    expect(list).toHaveLength(MAX_RECENT)
    expect(list[0]).toBe(join(dir, 'lab5.p2plab'))
    expect(list[1]).toBe(join(dir, 'lab13.p2plab'))
    expect(new Set(list).size).toBe(list.length)
    expect(readdirSync(userData)).toEqual(['recent.json'])

    const again = new LabFiles(nodeFs, userData)
    expect(await again.loadRecent()).toEqual(list)
    await again.removeRecent(join(dir, 'lab5.p2plab'))
    expect(again.recentFiles()).toHaveLength(MAX_RECENT - 1)
    await again.clearRecent()
    expect(await new LabFiles(nodeFs, userData).loadRecent()).toEqual([])

    writeFileSync(join(userData, 'recent.json'), '{ damaged')
    expect(await new LabFiles(nodeFs, userData).loadRecent()).toEqual([])
    writeFileSync(join(userData, 'recent.json'), JSON.stringify({ files: ['/a.p2plab', 7, '', null] }))
    expect(await new LabFiles(nodeFs, userData).loadRecent()).toEqual(['/a.p2plab'])
  })
})

/** Timers the test fires by hand. */
function manualTimers(): Timers & { fire(): void; pending(): number } {
  let queue: { fn: () => void; handle: number }[] = []
  let next = 1
  return {
    setTimeout(fn) {
      queue.push({ fn, handle: next })
      return next++
    },
    clearTimeout(h) {
      queue = queue.filter((t) => t.handle !== h)
    },
    now: () => new Date('2026-11-27T10:00:00.000Z'),
    fire() {
      const q = queue
      queue = []
      for (const t of q) t.fn()
    },
    pending: () => queue.length,
  }
}

/** A session with an unsaved settings change, autosaved into `userData` (timers fired by hand). */
function unsavedWork(userData: string): { session: LabSession; saver: Autosaver } {
  const session = new LabSession()
  const saver = new Autosaver(nodeFs, userData, 5000, manualTimers())
  saver.attach(session)
  session.setSettings({ era: 'v5.4' })
  return { session, saver }
}

describe('autosave and recovery', () => {
  it('writes unsaved work after the delay, removes it on a clean save, recovers it at the next start', async () => {
    const userData = join(dir, 'userData')
    const timers = manualTimers()
    const session = new LabSession()
    const saver = new Autosaver(nodeFs, userData, 5000, timers)
    expect(await saver.loadPending()).toMatchObject({ available: false })
    saver.attach(session)
    session.setFile(join(dir, 'mine.p2plab'), { saved: true })
    await saver.idle()

    expect(session.setSettings({ era: 'v5.4' }).ok).toBe(true)
    expect(session.dirty).toBe(true)
    session.setSettings({ era: 'v6.2' }) // debounced: one write for both changes
    expect(timers.pending()).toBe(1)
    expect(existsSync(saver.labPath)).toBe(false)
    timers.fire()
    await saver.idle()
    expect(readFileSync(saver.labPath, 'utf8')).toBe(labText(session))
    expect(JSON.parse(readFileSync(saver.metaPath, 'utf8'))).toMatchObject({
      originalPath: join(dir, 'mine.p2plab'),
      savedAt: '2026-11-27T10:00:00.000Z',
      fileName: 'mine.p2plab',
    })
    expect(readdirSync(saver.dir).filter((f) => f.endsWith('.tmp'))).toEqual([])

    // A clean save removes it.
    session.setFile(join(dir, 'mine.p2plab'), { saved: true })
    await saver.idle()
    expect(existsSync(saver.labPath)).toBe(false)
    expect(existsSync(saver.metaPath)).toBe(false)

    // Unsaved work again, then the app dies (no clean quit): the next start offers recovery.
    session.setSettings({ era: 'v5.0', iommu: true })
    timers.fire()
    await saver.idle()
    const unsaved = labText(session)

    const next = new LabSession()
    const nextSaver = new Autosaver(nodeFs, userData, 5000, manualTimers())
    const info = await nextSaver.loadPending()
    expect(info).toEqual<RecoveryInfo>({
      available: true,
      savedAt: '2026-11-27T10:00:00.000Z',
      originalPath: join(dir, 'mine.p2plab'),
      labName: expect.any(String) as unknown as string,
    })
    nextSaver.attach(next)
    const handlers = createHandlers(next, vi.fn(), 'test', { recovery: nextSaver })
    expect(handlers['lab.recovery']()).toEqual({ ok: true, value: info })
    const recovered = handlers['lab.recover']() as Result<LabView>
    expect(recovered.ok).toBe(true)
    if (recovered.ok) {
      expect(recovered.value.dirty).toBe(true)
      expect(recovered.value.filePath).toBe(join(dir, 'mine.p2plab'))
      expect(recovered.value.lab.settings).toMatchObject({ era: 'v5.0', iommu: true })
    }
    expect(JSON.parse(labText(next))).toEqual(JSON.parse(unsaved))
    expect(handlers['lab.recovery']()).toMatchObject({ ok: true, value: { available: false } })
    await nextSaver.idle()
    expect(existsSync(nextSaver.pendingLabPath)).toBe(false)
    const again = handlers['lab.recover']()
    expect(again).toMatchObject({ ok: false, error: { kind: 'input' } })
  })

  it('discardRecovery deletes the pending autosave; a flush at quit writes or removes', async () => {
    const userData = join(dir, 'userData')
    const { session, saver } = unsavedWork(userData)
    await saver.flush(session) // quit with unsaved work: written at once
    expect(existsSync(saver.labPath)).toBe(true)

    const later = new Autosaver(nodeFs, userData, 5000, manualTimers())
    expect((await later.loadPending()).available).toBe(true)
    const handlers = createHandlers(new LabSession(), vi.fn(), 'test', { recovery: later })
    expect(handlers['lab.discardRecovery']()).toMatchObject({ ok: true, value: { available: false } })
    await later.idle()
    expect(readdirSync(later.dir)).toEqual([])
    expect((await new Autosaver(nodeFs, userData).loadPending()).available).toBe(false)

    // A clean quit removes this session's autosave.
    const clean = new LabSession()
    const s2 = new Autosaver(nodeFs, userData, 5000, manualTimers())
    s2.attach(clean)
    await s2.flush(clean)
    expect(existsSync(s2.labPath)).toBe(false)
  })

  it('flushSync (Windows session end) writes the pair before it returns, the same files flush writes; clean removes', async () => {
    const userData = join(dir, 'userData')
    const { session, saver } = unsavedWork(userData)
    saver.flushSync(session)
    expect(readdirSync(saver.dir).sort()).toEqual(['current.json', 'current.p2plab'])
    expect(readFileSync(saver.labPath, 'utf8')).toBe(labText(session))
    const meta = JSON.parse(readFileSync(saver.metaPath, 'utf8')) as { revision: number }
    expect(meta.revision).toBe(session.currentRevision)
    // A clean lab: the autosave is removed.
    saver.flushSync(new LabSession())
    expect(readdirSync(saver.dir)).toEqual([])
    // Written again, the next start offers it.
    saver.flushSync(session)
    const later = new Autosaver(nodeFs, userData, 5000, manualTimers())
    expect(await later.loadPending()).toMatchObject({ available: true })
  })

  it('a damaged autosave is ignored, not offered', async () => {
    const saver = new Autosaver(nodeFs, join(dir, 'userData'))
    await nodeFs.mkdirp(saver.dir)
    writeFileSync(saver.metaPath, '{ nope')
    writeFileSync(saver.labPath, '{}')
    expect((await saver.loadPending()).available).toBe(false)
  })
})

describe('lab files: a file another program changed', () => {
  it('is not overwritten after open or save until forced; the backup then keeps their version', async () => {
    const files = new LabFiles(nodeFs, join(dir, 'userData'))
    const target = join(dir, 'shared.p2plab')
    expect((await files.save(target, '{"v": "mine 1"}\n')).ok).toBe(true)
    writeFileSync(target, '{"v": "theirs"}\n')
    const r = await files.save(target, '{"v": "mine 2"}\n')
    expect(r).toMatchObject({ ok: false, reason: 'changed' })
    expect(readFileSync(target, 'utf8')).toBe('{"v": "theirs"}\n')
    expect(await files.save(target, '{"v": "mine 2"}\n', { force: true })).toMatchObject({ ok: true })
    expect(readFileSync(target + '.bak', 'utf8')).toBe('{"v": "theirs"}\n')
    // A file this app never read or wrote is not checked (Save As: the dialog asked).
    const other = join(dir, 'other.p2plab')
    writeFileSync(other, '{"v": "unknown"}\n')
    expect((await files.save(other, '{"v": "mine"}\n')).ok).toBe(true)
  })
})
