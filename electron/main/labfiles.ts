/**
 * Lab files on disk, behind a small file-system interface so every rule is unit-tested under Node
 * with a temp dir and an injected crash (electron/main/labfiles.test.ts):
 *
 *  - save: atomic (temp file in the same directory, fsync, rename, fsync the directory); the
 *    previous version is kept as `<name>.p2plab.bak` first; temp files left by a crashed save are
 *    removed by the next save into that directory;
 *  - a lab file that was opened and found damaged or newer is never overwritten, and neither is an
 *    existing file that a newer version of the app wrote (schemaVersion above ours);
 *  - recent files: at most 10, newest first, in <userData>/recent.json (atomic);
 *  - autosave: unsaved work is written (debounced) to <userData>/autosave/current.p2plab with a
 *    metadata file beside it; removed on a clean save or quit; offered for recovery at the next start.
 *
 * No electron import: main passes app.getPath('userData').
 */
import { randomBytes } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { RecoveryInfo } from '../../shared/ipc/contract'
import { LIMITS } from '../../shared/model/lab-schema'
import { LAB_FORMAT, LAB_SCHEMA_VERSION } from '../../shared/model/topology'
import type { RecoverySource } from '../app/ipc/handlers'

/** The few file operations lab files need; node:fs/promises by default, a fault-injecting fake in tests. */
export interface LabFs {
  writeFileSync(path: string, text: string): Promise<void>
  rename(from: string, to: string): Promise<void>
  unlink(path: string): Promise<void>
  readFile(path: string): Promise<string>
  readdir(dir: string): Promise<string[]>
  mkdir(dir: string): Promise<void>
  /** fsync a directory (best effort; unsupported on Windows). */
  syncDir(dir: string): Promise<void>
  exists(path: string): Promise<boolean>
}

export const nodeFs: LabFs = {
  async writeFileSync(path, text) {
    // 'wx': never follow or reuse an existing name; fsync before the handle is closed.
    const fh = await fsp.open(path, 'wx', 0o644)
    try {
      await fh.writeFile(text, 'utf8')
      await fh.sync()
    } finally {
      await fh.close()
    }
  },
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  readFile: (path) => fsp.readFile(path, 'utf8'),
  readdir: (dir) => fsp.readdir(dir),
  mkdir: async (dir) => {
    await fsp.mkdir(dir, { recursive: true })
  },
  async syncDir(dir) {
    try {
      const dh = await fsp.open(dir, 'r')
      try {
        await dh.sync()
      } finally {
        await dh.close()
      }
    } catch {
      /* directory fsync unsupported on this platform */
    }
  },
  exists: (path) =>
    fsp.stat(path).then(
      () => true,
      () => false,
    ),
}

export const BACKUP_SUFFIX = '.bak'
export const MAX_RECENT = 10
const TEMP_RE = /^\.(.+)\.[0-9]+\.[0-9a-f]{12}\.tmp$/

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
}

/** Remove temp files a crashed save of `path` left in its directory (ours only: `.<name>.<pid>.<hex>.tmp`). */
export async function removeStaleTemps(fs: LabFs, path: string): Promise<string[]> {
  const dir = dirname(path)
  const name = basename(path)
  let entries: string[]
  try {
    entries = await fs.readdir(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const entry of entries) {
    const m = TEMP_RE.exec(entry)
    if (m && m[1] === name) {
      await fs.unlink(join(dir, entry)).catch(() => undefined)
      removed.push(entry)
    }
  }
  return removed
}

/** Atomic write: temp file beside `path`, fsync, rename over it, fsync the directory. */
export async function writeAtomic(fs: LabFs, path: string, text: string): Promise<void> {
  const tmp = tempName(path)
  try {
    await fs.writeFileSync(tmp, text)
    await fs.rename(tmp, path)
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined)
    throw err
  }
  await fs.syncDir(dirname(path))
}

/** Why an existing file must not be overwritten, or null when it may be. */
export function overwriteRefusal(existing: string): string | null {
  let data: unknown
  try {
    data = JSON.parse(existing)
  } catch {
    return null // not JSON: not a lab file we could lose information from by saving a lab over it
  }
  if (typeof data !== 'object' || data === null) return null
  const obj = data as Record<string, unknown>
  if (obj['format'] !== LAB_FORMAT) return null
  const v = obj['schemaVersion']
  if (typeof v === 'number' && v > LAB_SCHEMA_VERSION)
    return `it was written by a newer version of P2P DMA Lab (schema ${v}; this version writes schema ${LAB_SCHEMA_VERSION})`
  return null
}

export type SaveResult =
  { ok: true; backup: string | null } | { ok: false; reason: 'protected' | 'io'; message: string }

/**
 * The lab-file side of main: saving, protected paths, recent files. One instance per app.
 */
export class LabFiles {
  /** Files opened and found damaged or newer: never overwritten (resolved paths). */
  private readonly protectedPaths = new Set<string>()
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

  /**
   * Save `text` to `path`: refuse protected or newer files, clear stale temps, keep the current
   * file as `<path>.bak`, then write atomically.
   */
  async save(path: string, text: string): Promise<SaveResult> {
    const name = basename(path)
    if (this.isProtected(path)) {
      return {
        ok: false,
        reason: 'protected',
        message: `${name} could not be read when it was opened (damaged, or from a newer version), so it is never overwritten. Choose another name.`,
      }
    }
    try {
      await removeStaleTemps(this.fs, path)
      await removeStaleTemps(this.fs, path + BACKUP_SUFFIX)
      let backup: string | null = null
      if (await this.fs.exists(path)) {
        const existing = await this.fs.readFile(path)
        const refusal = overwriteRefusal(existing)
        if (refusal) {
          this.protect(path)
          return {
            ok: false,
            reason: 'protected',
            message: `${name} is not overwritten: ${refusal}. Choose another name.`,
          }
        }
        backup = path + BACKUP_SUFFIX
        await writeAtomic(this.fs, backup, existing)
      }
      await writeAtomic(this.fs, path, text)
      await this.addRecent(path)
      return { ok: true, backup }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      return {
        ok: false,
        reason: 'io',
        message: `${name} was not saved (${code ?? (err as Error).message}); the file on disk is unchanged.`,
      }
    }
  }

  /** Load recent.json; a missing or damaged list is an empty one. */
  async loadRecent(): Promise<string[]> {
    try {
      const data: unknown = JSON.parse(await this.fs.readFile(this.recentPath))
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
      await this.fs.mkdir(this.userData)
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
      if ((await this.fs.exists(this.metaPath)) && (await this.fs.exists(this.labPath))) {
        await this.fs.rename(this.labPath, this.pendingLabPath)
        await this.fs.rename(this.metaPath, this.pendingMetaPath)
      }
      const meta = JSON.parse(await this.fs.readFile(this.pendingMetaPath)) as Partial<AutosaveMeta>
      const text = await this.fs.readFile(this.pendingLabPath)
      if (text.length > LIMITS.maxFileBytes) throw new Error('autosave too large')
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
        await this.fs.unlink(p).catch(() => undefined)
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
    if (!subject.dirty) return
    const exported = subject.exportText()
    if (!exported.ok) return
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
    await this.fs.mkdir(this.dir)
    await removeStaleTemps(this.fs, this.labPath)
    await removeStaleTemps(this.fs, this.metaPath)
    // The lab first, then the metadata: a recovery needs both, and a half pair is ignored.
    await writeAtomic(this.fs, this.labPath, exported.value.text)
    await writeAtomic(this.fs, this.metaPath, JSON.stringify(meta, null, 2) + '\n')
  }

  private async removeFiles(): Promise<void> {
    for (const p of [this.metaPath, this.labPath]) {
      await this.fs.unlink(p).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err
      })
    }
  }
}
