/**
 * Lab files on disk for main: saving (through the shared rules of electron/app/files/save.ts:
 * atomic, `.bak` only from a version that parses, mode/owner/symlink/hard links kept, read-only
 * and newer-version files refused, Windows EPERM/EBUSY retried), change detection against what
 * the app last read or wrote, protected paths, recent files and autosave. Everything goes through
 * an injectable FsOps so each rule is unit-tested under Node with a temp dir and injected faults
 * (electron/main/labfiles.test.ts).
 *
 *  - a lab file that was opened and found damaged or newer is never overwritten;
 *  - a file another program changed since the app opened or saved it is not overwritten without
 *    asking (SaveResult reason 'changed'; main asks: reload, overwrite, or save as);
 *  - recent files: at most 10, newest first, in <userData>/recent.json (atomic);
 *  - autosave: unsaved work is written (debounced) to <userData>/autosave/current.p2plab with a
 *    metadata file beside it; removed on a clean save or quit; offered for recovery at the next start.
 *
 * No electron import: main passes app.getPath('userData').
 */
import { mkdirSync, rmSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import type { RecoveryInfo } from '../../shared/ipc/contract'
import { LIMITS } from '../../shared/model/limits'
import type { RecoverySource } from '../app/ipc/handlers'
import { nodeFsAsync, type FsOps } from '../app/files/fs-ops'
import {
  readTextFile,
  saveTextFile,
  writeAtomic as writeAtomicWith,
  writeAtomicSync,
  type FileIdentity,
  type SaveRefusal,
} from '../app/files/save'

/** The file operations lab files need (electron/app/files/fs-ops.ts); a fault-injecting fake in tests. */
export type LabFs = FsOps
export const nodeFs: LabFs = nodeFsAsync

export { BACKUP_SUFFIX, newerVersionRefusal as overwriteRefusal } from '../app/files/save'
export const MAX_RECENT = 10

/** Atomic write of the app's own files (no backup, no checks). */
export function writeAtomic(fs: LabFs, path: string, text: string): Promise<void> {
  return writeAtomicWith(path, text, fs)
}

async function readText(fs: LabFs, path: string, max = LIMITS.maxFileBytes): Promise<string> {
  const r = await readTextFile(path, max, fs)
  if (!r.ok) throw Object.assign(new Error(r.message), { code: r.reason === 'missing' ? 'ENOENT' : 'EIO' })
  return r.text
}

async function exists(fs: LabFs, path: string): Promise<boolean> {
  return (await fs.stat(path)) !== null
}

export type SaveResult =
  | { ok: true; backup: string | null; notes: string[] }
  | {
      ok: false
      /** 'protected': opened as damaged, or written by a newer version; the others as in SaveOutcome. */
      reason: 'protected' | Exclude<SaveRefusal, 'newer'>
      message: string
    }

/** Reasons a save must go to another name (Save falls back to Save As). */
export function needsAnotherName(reason: Extract<SaveResult, { ok: false }>['reason']): boolean {
  return reason === 'protected' || reason === 'read-only' || reason === 'not-a-file'
}

/**
 * The lab-file side of main: saving, protected paths, what each file was on disk, recent files.
 * One instance per app.
 */
export class LabFiles {
  /** Files opened and found damaged or newer: never overwritten (resolved paths). */
  private readonly protectedPaths = new Set<string>()
  /** What each file was when this app last read or wrote it (resolved paths). */
  private readonly known = new Map<string, FileIdentity>()
  private recent: string[] = []

  constructor(
    private readonly fs: LabFs,
    private readonly userData: string,
  ) {}

  get recentPath(): string {
    return join(this.userData, 'recent.json')
  }

  /** Remember that `path` was opened and refused (damaged or newer): Save never writes over it. */
  protect(path: string): void {
    this.protectedPaths.add(resolve(path))
  }

  isProtected(path: string): boolean {
    return this.protectedPaths.has(resolve(path))
  }

  /** Record what `path` was when it was opened: a later save checks that nobody changed it since. */
  remember(path: string, identity: FileIdentity): void {
    this.known.set(resolve(path), identity)
  }

  identity(path: string): FileIdentity | undefined {
    return this.known.get(resolve(path))
  }

  /**
   * Save `text` to `path` under the shared rules; refuse protected paths; unless `force`, refuse
   * (reason 'changed') when the file on disk is not what this app last read or wrote there.
   */
  async save(path: string, text: string, options: { force?: boolean } = {}): Promise<SaveResult> {
    const name = basename(path)
    if (this.isProtected(path)) {
      return {
        ok: false,
        reason: 'protected',
        message: `${name} could not be read when it was opened (damaged, or from a newer version), so it is never overwritten. Choose another name.`,
      }
    }
    const expected = this.identity(path)
    const r = await saveTextFile(
      path,
      text,
      { ...(expected ? { expected } : {}), ...(options.force ? { force: true } : {}) },
      this.fs,
    )
    if (!r.ok) {
      if (r.reason === 'newer') {
        this.protect(path)
        return { ok: false, reason: 'protected', message: r.message }
      }
      return { ok: false, reason: r.reason, message: r.message }
    }
    this.remember(path, r.identity)
    await this.addRecent(path)
    return { ok: true, backup: r.backup, notes: r.notes }
  }

  /** Load recent.json; a missing or damaged list is an empty one. */
  async loadRecent(): Promise<string[]> {
    try {
      const data: unknown = JSON.parse(await readText(this.fs, this.recentPath))
      const list = Array.isArray(data) ? data : (data as { files?: unknown })?.files
      this.recent = Array.isArray(list)
        ? list
            .filter((p): p is string => typeof p === 'string' && p.length > 0 && p.length < 4096)
            .slice(0, MAX_RECENT)
        : []
    } catch {
      this.recent = []
    }
    return this.recentFiles()
  }

  recentFiles(): string[] {
    return [...this.recent]
  }

  async addRecent(path: string): Promise<string[]> {
    const abs = resolve(path)
    this.recent = [abs, ...this.recent.filter((p) => p !== abs)].slice(0, MAX_RECENT)
    await this.storeRecent()
    return this.recentFiles()
  }

  async removeRecent(path: string): Promise<string[]> {
    const abs = resolve(path)
    this.recent = this.recent.filter((p) => p !== abs)
    await this.storeRecent()
    return this.recentFiles()
  }

  async clearRecent(): Promise<void> {
    this.recent = []
    await this.storeRecent()
  }

  private async storeRecent(): Promise<void> {
    try {
      await this.fs.mkdirp(this.userData)
      await writeAtomic(this.fs, this.recentPath, JSON.stringify({ files: this.recent }, null, 2) + '\n')
    } catch (err) {
      console.warn('recent files: could not store', err)
    }
  }
}

/** What autosave needs from the session. */
export interface AutosaveSubject {
  readonly dirty: boolean
  readonly filePath: string | null
  readonly currentRevision: number
  exportText(): { ok: true; value: { fileName: string; text: string } } | { ok: false }
  onDidChange(listener: () => void): () => void
}

export interface AutosaveMeta {
  originalPath: string | null
  savedAt: string
  fileName: string
  labName: string | null
  revision: number
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  now(): Date
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => new Date(),
}

export const AUTOSAVE_DELAY_MS = 5000

/**
 * Autosave of unsaved work, and the recovery source for the next start. Writes `delayMs` after the
 * last change while the lab is dirty; removes the autosave once the lab is clean again.
 */
export class Autosaver implements RecoverySource {
  private timer: unknown = null
  private pending: { meta: AutosaveMeta; text: string } | null = null
  private writing: Promise<void> = Promise.resolve()
  private unsubscribe: (() => void) | null = null

  constructor(
    private readonly fs: LabFs,
    private readonly userData: string,
    private readonly delayMs = AUTOSAVE_DELAY_MS,
    private readonly timers: Timers = realTimers,
  ) {}

  get dir(): string {
    return join(this.userData, 'autosave')
  }
  get labPath(): string {
    return join(this.dir, 'current.p2plab')
  }
  get metaPath(): string {
    return join(this.dir, 'current.json')
  }
  /** Where loadPending() moves an earlier session's autosave, so this session's autosave cannot overwrite it. */
  get pendingLabPath(): string {
    return join(this.dir, 'pending.p2plab')
  }
  get pendingMetaPath(): string {
    return join(this.dir, 'pending.json')
  }

  /** Read an autosave left by an earlier session (call once at start, before attach()). */
  async loadPending(): Promise<RecoveryInfo> {
    try {
      // A fresh autosave (the last session ended without a clean quit) replaces an older pending one.
      if ((await exists(this.fs, this.metaPath)) && (await exists(this.fs, this.labPath))) {
        await this.fs.rename(this.labPath, this.pendingLabPath)
        await this.fs.rename(this.metaPath, this.pendingMetaPath)
      }
      const meta = JSON.parse(await readText(this.fs, this.pendingMetaPath)) as Partial<AutosaveMeta>
      const text = await readText(this.fs, this.pendingLabPath)
      this.pending = {
        text,
        meta: {
          originalPath: typeof meta.originalPath === 'string' ? meta.originalPath : null,
          savedAt: typeof meta.savedAt === 'string' ? meta.savedAt : new Date(0).toISOString(),
          fileName: typeof meta.fileName === 'string' ? meta.fileName : 'recovered.p2plab',
          labName: typeof meta.labName === 'string' ? meta.labName : null,
          revision: typeof meta.revision === 'number' ? meta.revision : 0,
        },
      }
    } catch {
      this.pending = null
    }
    return this.info()
  }

  info(): RecoveryInfo {
    const p = this.pending
    if (!p) return { available: false, savedAt: null, originalPath: null, labName: null }
    return {
      available: true,
      savedAt: p.meta.savedAt,
      originalPath: p.meta.originalPath,
      labName: p.meta.labName,
    }
  }

  take(): { fileName: string; text: string; originalPath: string | null } | null {
    const p = this.pending
    return p ? { fileName: p.meta.fileName, text: p.text, originalPath: p.meta.originalPath } : null
  }

  /** Forget the pending recovery and delete its files (this session's own autosave is separate). */
  discard(): void {
    this.pending = null
    void this.chain(async () => {
      for (const p of [this.pendingMetaPath, this.pendingLabPath])
        await Promise.resolve(this.fs.unlink(p)).catch(() => undefined)
    })
  }

  /** Follow `subject`: schedule a write after every change while dirty; remove when clean. */
  attach(subject: AutosaveSubject): () => void {
    this.unsubscribe?.()
    this.unsubscribe = subject.onDidChange(() => this.onChange(subject))
    return () => {
      this.unsubscribe?.()
      this.unsubscribe = null
      this.cancel()
    }
  }

  private onChange(subject: AutosaveSubject): void {
    this.cancel()
    if (!subject.dirty) {
      // A clean save (or a freshly opened file): nothing to recover.
      void this.chain(() => this.removeFiles())
      return
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = null
      void this.chain(() => this.write(subject))
    }, this.delayMs)
  }

  private cancel(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer)
    this.timer = null
  }

  /** Write now if dirty (quit with unsaved work), else remove; resolves when the disk is settled. */
  async flush(subject: AutosaveSubject): Promise<void> {
    this.cancel()
    await this.chain(() => (subject.dirty ? this.write(subject) : this.removeFiles()))
  }

  /**
   * flush(), synchronously, with Node's own file system: for Windows' session end (logoff,
   * shutdown), after which the process may be ended before an asynchronous write completes.
   */
  flushSync(subject: AutosaveSubject): void {
    this.cancel()
    try {
      const snap = subject.dirty ? this.snapshot(subject) : null
      if (snap) {
        mkdirSync(this.dir, { recursive: true })
        writeAtomicSync(this.labPath, snap.text)
        writeAtomicSync(this.metaPath, snap.metaText)
      } else if (!subject.dirty) {
        for (const p of [this.metaPath, this.labPath]) rmSync(p, { force: true })
      }
    } catch (err) {
      console.warn('autosave failed', err)
    }
  }

  /** Resolves when every queued write or removal is done. */
  idle(): Promise<void> {
    return this.writing
  }

  private chain(op: () => Promise<void>): Promise<void> {
    this.writing = this.writing.then(op).catch((err: unknown) => {
      console.warn('autosave failed', err)
    })
    return this.writing
  }

  private async write(subject: AutosaveSubject): Promise<void> {
    const snap = subject.dirty ? this.snapshot(subject) : null
    if (!snap) return
    await this.fs.mkdirp(this.dir)
    // The lab first, then the metadata: a recovery needs both, and a half pair is ignored.
    await writeAtomic(this.fs, this.labPath, snap.text)
    await writeAtomic(this.fs, this.metaPath, snap.metaText)
  }

  /** The lab's text and the metadata written beside it, or null when the lab cannot be exported. */
  private snapshot(subject: AutosaveSubject): { text: string; metaText: string } | null {
    const exported = subject.exportText()
    if (!exported.ok) return null
    let labName: string | null = null
    try {
      const parsed = JSON.parse(exported.value.text) as { name?: unknown }
      labName = typeof parsed.name === 'string' ? parsed.name : null
    } catch {
      /* the session always exports JSON */
    }
    const meta: AutosaveMeta = {
      originalPath: subject.filePath,
      savedAt: this.timers.now().toISOString(),
      fileName: subject.filePath ? basename(subject.filePath) : exported.value.fileName,
      labName,
      revision: subject.currentRevision,
    }
    return { text: exported.value.text, metaText: JSON.stringify(meta, null, 2) + '\n' }
  }

  private async removeFiles(): Promise<void> {
    for (const p of [this.metaPath, this.labPath]) {
      await Promise.resolve(this.fs.unlink(p)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err
      })
    }
  }
}
