/**
 * Reading and saving lab files, shared by Electron main (File › Save, autosave, recent files) and
 * the CLI (`lab import -o`), so both follow the same rules:
 *
 *  - atomic: the text goes to a temp file in the target's directory (created with O_EXCL and
 *    O_NOFOLLOW under an unpredictable name, so a planted file or symlink is never written
 *    through), is fsynced, renamed over the target, and the directory is fsynced; a crash leaves
 *    the old file or the new one, never a truncated one; the next save removes a crashed save's temps;
 *  - the file keeps what it was: its permission bits, its owner where this process may set it, a
 *    symlink stays a symlink (the save writes through to its target), a file with hard links is
 *    rewritten in place (after its backup) so every link sees the new text;
 *  - refused, changing nothing: a read-only file, a lab written by a newer version (schemaVersion
 *    above ours), something that is not a regular file, and — unless the caller forces it — a file
 *    that changed on disk since it was opened or last saved (another program wrote it);
 *  - `<name>.bak` keeps the previous version, but only when that version parses (valid UTF-8 JSON):
 *    a file damaged on disk never replaces a good backup;
 *  - Windows: a rename refused with EPERM/EBUSY/EACCES (an antivirus scanner holding the file) is
 *    retried for about 3 s before the save gives up with "in use by another program".
 *
 * Reading is strict UTF-8: an invalid byte is an error with its line and column.
 */
import { basename, dirname, join } from 'node:path'
import { LIMITS } from '../../../shared/model/limits'
import { LAB_FORMAT, LAB_SCHEMA_VERSION } from '../../../shared/model/topology'
import { io, nodeFsAsync, nodeFsSync, runAsync, runSync, type FileStat, type FsOps } from './fs-ops'
import { decodeUtf8, type TextLocation } from '../../../shared/text/utf8'

/** What a file on disk was when the app read or wrote it: a later save compares the disk against it. */
export interface FileIdentity {
  size: number
  mtimeMs: number
  /** sha256 of the bytes; '' when the file was too large to hash, or read by readTextFileSync (not hashed). */
  sha256: string
}

export type ReadOutcome =
  | { ok: true; text: string; identity: FileIdentity }
  | {
      ok: false
      reason: 'missing' | 'not-a-file' | 'too-large' | 'encoding' | 'io'
      message: string
      /** Where the bad byte is (reason 'encoding'). */
      location?: TextLocation
      /** The message without the file name and location (reason 'encoding'). */
      detail?: string
    }

export interface SaveOptions {
  /**
   * The file as it was opened or last saved. When given, a file on disk with other content (or no
   * file at all) is not overwritten: the outcome is 'changed' and the caller asks the user. Absent
   * for Save As (the dialog asked) and for the CLI.
   */
  expected?: FileIdentity
  /** Overwrite even if the file changed on disk (the user chose "Overwrite"). */
  force?: boolean
  /** Keep the previous version as <name>.bak (default true). */
  backup?: boolean
  /** The platform whose rules apply (default: this process's). Tests pass 'win32' for the retry. */
  platform?: NodeJS.Platform
  /** Waits between rename attempts on Windows (default: about 3 s in total). */
  retryDelaysMs?: readonly number[]
}

export type SaveRefusal = 'changed' | 'newer' | 'read-only' | 'not-a-file' | 'busy' | 'io'

export type SaveOutcome =
  | {
      ok: true
      /** The file written: the symlink's target when `path` is a symlink. */
      path: string
      backup: string | null
      identity: FileIdentity
      /** What could not be kept (e.g. the owner), for the caller to mention. */
      notes: string[]
    }
  | {
      ok: false
      reason: SaveRefusal
      message: string
      /** reason 'changed': the file now on disk (null: deleted or moved). */
      current?: FileIdentity | null
      code?: string
    }

export const BACKUP_SUFFIX = '.bak'
/** An existing file larger than this is not read at save time (no backup, no content check). */
export const MAX_EXISTING_BYTES = 64 * 1024 * 1024
/** 10 ms doubling to 250 ms, about 3 s in all: long enough for a scanner, short for a waiting dialog. */
export const WINDOWS_RETRY_DELAYS_MS: readonly number[] = [
  10, 20, 40, 80, 160, 250, 250, 250, 250, 250, 250, 250, 250, 250, 250, 250,
]
const RETRY_CODES = new Set(['EPERM', 'EBUSY', 'EACCES'])

/** Temp files of ours: `.<name>.<32 hex>.tmp`, and the older `.<name>.<pid>.<12 hex>.tmp` / `.<name>.<pid>.tmp`. */
const TEMP_RE = /^\.(.+)\.(?:[0-9a-f]{32}|[0-9]+\.[0-9a-f]{12}|[0-9]+)\.tmp$/

export function sha256(bytes: Uint8Array): string {
  // Loaded on first use: the command line reads files without hashing them (node:crypto costs a
  // third of a bare node start).
  const { createHash } = process.getBuiltinModule('node:crypto')
  return createHash('sha256').update(bytes).digest('hex')
}

function identityOf(st: FileStat, bytes: Uint8Array | null): FileIdentity {
  return { size: st.size, mtimeMs: st.mtimeMs, sha256: bytes ? sha256(bytes) : '' }
}

/** Same file content? By hash when both have one (a `touch` is not a change), else size and mtime. */
export function sameContent(a: FileIdentity, b: FileIdentity): boolean {
  if (a.sha256 && b.sha256) return a.sha256 === b.sha256
  return a.size === b.size && a.mtimeMs === b.mtimeMs
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code
}

/** Why an existing file must not be overwritten by a lab, or null when it may be. */
export function newerVersionRefusal(existing: string): string | null {
  let data: unknown
  try {
    data = JSON.parse(existing)
  } catch {
    return null // not JSON: not a lab we could lose information from by saving over it
  }
  if (typeof data !== 'object' || data === null) return null
  const obj = data as Record<string, unknown>
  if (obj['format'] !== LAB_FORMAT) return null
  const v = obj['schemaVersion']
  if (typeof v === 'number' && v > LAB_SCHEMA_VERSION)
    return `it was written by a newer version of P2P DMA Lab (schema ${v}; this version writes schema ${LAB_SCHEMA_VERSION})`
  return null
}

/** A backup is only worth keeping from a version that parses: valid UTF-8 and valid JSON. */
function parses(bytes: Uint8Array): string | null {
  const d = decodeUtf8(bytes)
  if (!d.ok) return null
  try {
    JSON.parse(d.text)
    return d.text
  } catch {
    return null
  }
}

// ---- reading ---------------------------------------------------------------------------------

function* readSteps(
  fs: FsOps,
  path: string,
  maxBytes: number,
  hash: boolean,
): Generator<unknown, ReadOutcome, unknown> {
  const name = basename(path)
  const limit = `${maxBytes / 1024 / 1024} MiB`
  let st: FileStat | null
  try {
    st = yield* io(fs.stat(path))
  } catch (err) {
    return { ok: false, reason: 'io', message: `cannot open ${name}: ${codeOf(err) ?? String(err)}` }
  }
  if (!st) return { ok: false, reason: 'missing', message: `cannot open ${name}: no such file (ENOENT)` }
  if (!st.isFile) return { ok: false, reason: 'not-a-file', message: `${name} is not a regular file` }
  if (st.size > maxBytes)
    return {
      ok: false,
      reason: 'too-large',
      message: `${name} is larger than ${limit}; files that big are refused`,
    }
  let bytes: Uint8Array
  try {
    bytes = yield* io(fs.read(path, maxBytes))
  } catch (err) {
    if (codeOf(err) === 'EFBIG')
      return {
        ok: false,
        reason: 'too-large',
        message: `${name} is larger than ${limit}; files that big are refused`,
      }
    return { ok: false, reason: 'io', message: `cannot read ${name}: ${codeOf(err) ?? String(err)}` }
  }
  const decoded = decodeUtf8(bytes)
  if (!decoded.ok)
    return {
      ok: false,
      reason: 'encoding',
      location: decoded.location,
      detail: decoded.message,
      message: `${name}:${decoded.location.line}:${decoded.location.column}: ${decoded.message}`,
    }
  const text = decoded.text.charCodeAt(0) === 0xfeff ? decoded.text.slice(1) : decoded.text
  return { ok: true, text, identity: identityOf(st, hash ? bytes : null) }
}

/** Read a text file (strict UTF-8, at most maxBytes, a BOM dropped) and what it was on disk. */
export function readTextFile(
  path: string,
  maxBytes: number = LIMITS.maxFileBytes,
  fs: FsOps = nodeFsAsync,
): Promise<ReadOutcome> {
  return runAsync(readSteps(fs, path, maxBytes, true))
}

/**
 * readTextFile for the CLI, synchronously. The bytes are not hashed (identity.sha256 is ''): the
 * CLI never compares a file against what it read, and hashing cost it a crypto load per run.
 */
export function readTextFileSync(
  path: string,
  maxBytes: number = LIMITS.maxFileBytes,
  fs: FsOps = nodeFsSync,
): ReadOutcome {
  return runSync(readSteps(fs, path, maxBytes, false))
}

// ---- writing ---------------------------------------------------------------------------------

/** Remove temp files a crashed save of `path` left in its directory (ours only, by name). */
function* removeStaleTemps(fs: FsOps, path: string): Generator<unknown, string[], unknown> {
  const dir = dirname(path)
  const name = basename(path)
  let entries: string[]
  try {
    entries = yield* io(fs.readdir(dir))
  } catch {
    return []
  }
  const removed: string[] = []
  for (const entry of entries) {
    const m = TEMP_RE.exec(entry)
    if (!m || m[1] !== name) continue
    try {
      yield* io(fs.unlink(join(dir, entry))) // unlink never follows a symlink
      removed.push(entry)
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed
}

/** rename, retried on Windows while another program holds the file. */
function* renameRetrying(
  fs: FsOps,
  from: string,
  to: string,
  options: SaveOptions,
): Generator<unknown, void, unknown> {
  const windows = (options.platform ?? process.platform) === 'win32'
  const delays = options.retryDelaysMs ?? WINDOWS_RETRY_DELAYS_MS
  for (let attempt = 0; ; attempt++) {
    try {
      yield* io(fs.rename(from, to))
      return
    } catch (err) {
      if (!windows || !RETRY_CODES.has(codeOf(err) ?? '') || attempt >= delays.length) throw err
      yield* io(fs.sleep(delays[attempt]!))
    }
  }
}

/**
 * Replace `path` atomically with `data`: an exclusive temp beside it (mode `mode`, owner `owner`
 * where allowed), fsync, rename over `path`, fsync the directory. Returns notes on what could not be kept.
 */
function* atomicReplace(
  fs: FsOps,
  path: string,
  data: Uint8Array,
  options: SaveOptions,
  keep: { mode: number; uid: number; gid: number } | null,
): Generator<unknown, string[], unknown> {
  const notes: string[] = []
  const dir = dirname(path)
  yield* removeStaleTemps(fs, path)
  let tmp: string
  for (let tries = 0; ; tries++) {
    tmp = join(dir, `.${basename(path)}.${fs.randomHex(16)}.tmp`)
    try {
      yield* io(fs.createExclusive(tmp, data, keep ? keep.mode & 0o777 : null))
      break
    } catch (err) {
      // EEXIST on a 128-bit random name: someone is planting names; try a few fresh ones, then give up.
      if (codeOf(err) !== 'EEXIST' || tries >= 3) throw err
    }
  }
  try {
    if (keep && (options.platform ?? process.platform) !== 'win32') {
      const made = yield* io(fs.lstat(tmp))
      if (made && (made.uid !== keep.uid || made.gid !== keep.gid)) {
        try {
          yield* io(fs.chown(tmp, keep.uid, keep.gid))
        } catch {
          notes.push(`the owner (uid ${keep.uid}, gid ${keep.gid}) could not be kept`)
        }
      }
    }
    yield* renameRetrying(fs, tmp, path, options)
  } catch (err) {
    try {
      yield* io(fs.unlink(tmp))
    } catch {
      /* nothing to clean */
    }
    throw err
  }
  yield* io(fs.syncDir(dir))
  return notes
}

function* saveSteps(
  fs: FsOps,
  path: string,
  text: string,
  options: SaveOptions,
): Generator<unknown, SaveOutcome, unknown> {
  const name = basename(path)
  const data = new TextEncoder().encode(text)
  let target = path
  let st: FileStat | null
  let existing: Uint8Array | null = null
  let existingText: string | null
  try {
    // A symlink stays a symlink: the save writes through to the file it points at.
    const link = yield* io(fs.lstat(path))
    if (link?.isSymlink) {
      const resolved = yield* io(fs.stat(path))
      if (!resolved)
        return {
          ok: false,
          reason: 'not-a-file',
          message: `${name} is a symbolic link to a file that does not exist; it is not replaced. Choose another name.`,
        }
      target = yield* io(fs.realpath(path))
      st = resolved
    } else st = link
    if (st && !st.isFile)
      return {
        ok: false,
        reason: 'not-a-file',
        message: `${name} is not a regular file; it is not replaced.`,
      }
    if (st) {
      // A rename would replace a read-only file without asking; refuse instead. (root passes access(W_OK): check the bits too.)
      if ((st.mode & 0o222) === 0 || !(yield* io(fs.writable(target))))
        return {
          ok: false,
          reason: 'read-only',
          message: `${name} is read-only, so it is not overwritten. Save under another name, or make the file writable first.`,
        }
      if (st.size <= MAX_EXISTING_BYTES) {
        try {
          existing = yield* io(fs.read(target, MAX_EXISTING_BYTES))
        } catch (err) {
          if (codeOf(err) !== 'EFBIG') throw err
        }
      }
    }
    const current = st ? identityOf(st, existing) : null
    if (options.expected && !options.force) {
      if (!current)
        return {
          ok: false,
          reason: 'changed',
          current: null,
          message: `${name} was deleted or moved by another program since it was opened or last saved.`,
        }
      if (!sameContent(options.expected, current))
        return {
          ok: false,
          reason: 'changed',
          current,
          message: `${name} was changed on disk by another program since it was opened or last saved.`,
        }
    }
    existingText = existing ? parses(existing) : null
    const refusal = existingText !== null ? newerVersionRefusal(existingText) : null
    if (refusal)
      return {
        ok: false,
        reason: 'newer',
        message: `${name} is not overwritten: ${refusal}. Choose another name.`,
      }
  } catch (err) {
    const code = codeOf(err)
    return {
      ok: false,
      reason: 'io',
      code,
      message: `${name} was not saved (${code ?? (err as Error).message}); the file on disk is unchanged.`,
    }
  }

  const keep = st ? { mode: st.mode, uid: st.uid, gid: st.gid } : null
  let backup: string | null = null
  const notes: string[] = []
  try {
    if (existing && existingText !== null && options.backup !== false) {
      backup = target + BACKUP_SUFFIX
      notes.push(...(yield* atomicReplace(fs, backup, existing, options, keep)))
    }
  } catch (err) {
    return failed(err, name, options, 'the file on disk is unchanged')
  }
  try {
    if (st && st.nlink > 1) {
      // Hard links: a rename would leave the other names on the old inode. Rewrite in place (the
      // previous version is in the backup, when it parsed).
      yield* io(fs.overwrite(target, data))
    } else {
      notes.push(...(yield* atomicReplace(fs, target, data, options, keep)))
    }
  } catch (err) {
    const inPlace = !!st && st.nlink > 1
    return failed(
      err,
      name,
      options,
      inPlace && backup
        ? `the previous version is in ${basename(backup)}`
        : inPlace
          ? 'the file on disk may be incomplete'
          : 'the file on disk is unchanged',
    )
  }
  let after: FileStat | null = null
  try {
    after = yield* io(fs.stat(target))
  } catch {
    /* identity below falls back to what was written */
  }
  return {
    ok: true,
    path: target,
    backup,
    notes: [...new Set(notes)],
    identity: { size: after?.size ?? data.length, mtimeMs: after?.mtimeMs ?? 0, sha256: sha256(data) },
  }
}

function failed(err: unknown, name: string, options: SaveOptions, state: string): SaveOutcome {
  const code = codeOf(err)
  if ((options.platform ?? process.platform) === 'win32' && RETRY_CODES.has(code ?? ''))
    return {
      ok: false,
      reason: 'busy',
      code,
      message: `${name} is in use by another program (an antivirus scanner?) and was not saved; ${state}. Try again in a moment.`,
    }
  return {
    ok: false,
    reason: 'io',
    code,
    message: `${name} was not saved (${code ?? (err as Error).message}); ${state}.`,
  }
}

/** Save `text` to `path` under every rule above (Electron main: never blocks). */
export function saveTextFile(
  path: string,
  text: string,
  options: SaveOptions = {},
  fs: FsOps = nodeFsAsync,
): Promise<SaveOutcome> {
  return runAsync(saveSteps(fs, path, text, options))
}

/** The same, synchronously (the CLI). */
export function saveTextFileSync(
  path: string,
  text: string,
  options: SaveOptions = {},
  fs: FsOps = nodeFsSync,
): SaveOutcome {
  return runSync(saveSteps(fs, path, text, options))
}

/**
 * Write the app's own files (recent list, autosave) atomically: exclusive temp, fsync, rename,
 * fsync the directory; no backup and no content checks. Throws on failure.
 */
export function writeAtomic(
  path: string,
  text: string,
  fs: FsOps = nodeFsAsync,
  options: SaveOptions = {},
): Promise<void> {
  return runAsync(
    (function* () {
      yield* atomicReplace(fs, path, new TextEncoder().encode(text), options, null)
    })(),
  )
}

/** writeAtomic, synchronously: for the moment a process may be ended right after (Windows' session end). */
export function writeAtomicSync(
  path: string,
  text: string,
  fs: FsOps = nodeFsSync,
  options: SaveOptions = {},
): void {
  runSync(
    (function* () {
      yield* atomicReplace(fs, path, new TextEncoder().encode(text), options, null)
    })(),
  )
}
