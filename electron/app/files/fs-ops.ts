/**
 * The few file operations saving and reading need, as one interface with a synchronous and an
 * asynchronous Node binding. The save and read algorithms (./save.ts) are written once, as
 * generators that yield these operations' results; `runAsync` drives them in Electron main (which
 * must not block) and `runSync` in the CLI (whose commands are synchronous). Tests inject faults
 * (a crash before rename, EPERM from an antivirus scanner) by wrapping either binding.
 */
import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'

export type Maybe<T> = T | Promise<T>

export interface FileStat {
  isFile: boolean
  isSymlink: boolean
  isDirectory: boolean
  size: number
  mtimeMs: number
  /** Permission bits (st_mode & 0o7777). */
  mode: number
  uid: number
  gid: number
  nlink: number
}

export interface FsOps {
  /** lstat: null when the path does not exist. */
  lstat(path: string): Maybe<FileStat | null>
  /** stat (follows symlinks): null when the path (or a link's target) does not exist. */
  stat(path: string): Maybe<FileStat | null>
  realpath(path: string): Maybe<string>
  /** Read a whole file (following symlinks: people open links), refusing (EFBIG) more than maxBytes. */
  read(path: string, maxBytes: number): Maybe<Uint8Array>
  /**
   * Create `path` exclusively (O_CREAT|O_EXCL|O_NOFOLLOW: fails on any existing name, a planted
   * symlink included), give it `mode` exactly (or 0o666 less the umask when null), write, fsync, close.
   */
  createExclusive(path: string, data: Uint8Array, mode: number | null): Maybe<void>
  /** Rewrite an existing file in place (same inode: hard links keep seeing it): write, truncate, fsync. */
  overwrite(path: string, data: Uint8Array): Maybe<void>
  chown(path: string, uid: number, gid: number): Maybe<void>
  rename(from: string, to: string): Maybe<void>
  unlink(path: string): Maybe<void>
  readdir(dir: string): Maybe<string[]>
  /** mkdir -p */
  mkdirp(dir: string): Maybe<void>
  /** fsync a directory (best effort: unsupported on Windows). */
  syncDir(dir: string): Maybe<void>
  /** May this process write to `path` (access W_OK; Windows: the read-only attribute)? */
  writable(path: string): Maybe<boolean>
  sleep(ms: number): Maybe<void>
  /** Unpredictable hex for temp names (crypto). */
  randomHex(bytes: number): string
}

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0

function toStat(s: fs.Stats): FileStat {
  return {
    isFile: s.isFile(),
    isSymlink: s.isSymbolicLink(),
    isDirectory: s.isDirectory(),
    size: s.size,
    mtimeMs: s.mtimeMs,
    mode: s.mode & 0o7777,
    uid: s.uid,
    gid: s.gid,
    nlink: s.nlink,
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

function efbig(path: string, maxBytes: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${path} is larger than ${maxBytes} bytes`)
  err.code = 'EFBIG'
  return err
}

/** What reading a whole file needs of it once open (a file handle, a descriptor). */
interface OpenFile {
  size(): Maybe<number>
  /** Read up to `length` bytes at `position` into `buf` at `offset`; how many came (0 at the end). */
  readAt(buf: Buffer, offset: number, length: number, position: number): Maybe<number>
}

/** FsOps.read for both bindings: the whole file, refused (EFBIG) when over maxBytes. */
export function* readBounded(
  file: OpenFile,
  path: string,
  maxBytes: number,
): Generator<unknown, Buffer, unknown> {
  const size = yield* io(file.size())
  if (size > maxBytes) throw efbig(path, maxBytes)
  // Read at most maxBytes + 1, so a file that grows after stat() is still refused.
  const buf = Buffer.alloc(Math.min(size, maxBytes) + 1)
  let length = 0
  for (;;) {
    const n = yield* io(file.readAt(buf, length, buf.length - length, length))
    if (n === 0) break
    length += n
    if (length === buf.length) break
  }
  if (length > maxBytes) throw efbig(path, maxBytes)
  return buf.subarray(0, length)
}

/** node:crypto is loaded on the first temp name, not when the CLI starts. */
const randomHex = (bytes: number): string =>
  process.getBuiltinModule('node:crypto').randomBytes(bytes).toString('hex')

export const nodeFsAsync: FsOps = {
  lstat: (p) => fsp.lstat(p).then(toStat, (e: unknown) => (isMissing(e) ? null : Promise.reject(e))),
  stat: (p) => fsp.stat(p).then(toStat, (e: unknown) => (isMissing(e) ? null : Promise.reject(e))),
  realpath: (p) => fsp.realpath(p),
  async read(path, maxBytes) {
    const fh = await fsp.open(path, fs.constants.O_RDONLY)
    try {
      const file: OpenFile = {
        size: async () => (await fh.stat()).size,
        readAt: async (buf, offset, length, position) =>
          (await fh.read(buf, offset, length, position)).bytesRead,
      }
      return await runAsync(readBounded(file, path, maxBytes))
    } finally {
      await fh.close()
    }
  },
  async createExclusive(path, data, mode) {
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW
    const fh = await fsp.open(path, flags, mode ?? 0o666)
    try {
      if (mode !== null) await fh.chmod(mode) // exact bits, whatever the umask
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
  },
  async overwrite(path, data) {
    const fh = await fsp.open(path, fs.constants.O_WRONLY | O_NOFOLLOW)
    try {
      await fh.write(data, 0, data.length, 0)
      await fh.truncate(data.length)
      await fh.sync()
    } finally {
      await fh.close()
    }
  },
  chown: (p, uid, gid) => fsp.chown(p, uid, gid),
  rename: (a, b) => fsp.rename(a, b),
  unlink: (p) => fsp.unlink(p),
  readdir: (d) => fsp.readdir(d),
  mkdirp: async (d) => {
    await fsp.mkdir(d, { recursive: true })
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
  writable: (p) =>
    fsp.access(p, fs.constants.W_OK).then(
      () => true,
      () => false,
    ),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  randomHex,
}

/** A synchronous lstat or stat as FsOps has it: null when the path does not exist. */
function missingAsNull(stat: (path: string) => fs.Stats): (path: string) => FileStat | null {
  return (path) => {
    try {
      return toStat(stat(path))
    } catch (e) {
      if (isMissing(e)) return null
      throw e
    }
  }
}

export const nodeFsSync: FsOps = {
  lstat: missingAsNull((p) => fs.lstatSync(p)),
  stat: missingAsNull((p) => fs.statSync(p)),
  realpath: (p) => fs.realpathSync(p),
  read(path, maxBytes) {
    const fd = fs.openSync(path, fs.constants.O_RDONLY)
    try {
      const file: OpenFile = {
        size: () => fs.fstatSync(fd).size,
        readAt: (buf, offset, length, position) => fs.readSync(fd, buf, offset, length, position),
      }
      return runSync(readBounded(file, path, maxBytes))
    } finally {
      fs.closeSync(fd)
    }
  },
  createExclusive(path, data, mode) {
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW
    const fd = fs.openSync(path, flags, mode ?? 0o666)
    try {
      if (mode !== null) fs.fchmodSync(fd, mode)
      let off = 0
      while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  },
  overwrite(path, data) {
    const fd = fs.openSync(path, fs.constants.O_WRONLY | O_NOFOLLOW)
    try {
      let off = 0
      while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, off)
      fs.ftruncateSync(fd, data.length)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  },
  chown: (p, uid, gid) => fs.chownSync(p, uid, gid),
  rename: (a, b) => fs.renameSync(a, b),
  unlink: (p) => fs.unlinkSync(p),
  readdir: (d) => fs.readdirSync(d),
  mkdirp: (d) => {
    fs.mkdirSync(d, { recursive: true })
  },
  syncDir(dir) {
    try {
      const fd = fs.openSync(dir, 'r')
      try {
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
    } catch {
      /* directory fsync unsupported on this platform */
    }
  },
  writable(p) {
    try {
      fs.accessSync(p, fs.constants.W_OK)
      return true
    } catch {
      return false
    }
  },
  sleep(ms) {
    // The CLI's only wait (a Windows file held by a scanner): block this thread, not a busy loop.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
  },
  randomHex,
}

/** One step of an algorithm: yield the (maybe pending) result of an FsOps call, get it back resolved. */
export function* io<T>(value: Maybe<T>): Generator<Maybe<T>, T, unknown> {
  return (yield value) as T
}

function isPromise(x: unknown): x is Promise<unknown> {
  return typeof (x as { then?: unknown } | null)?.then === 'function'
}

/** Drive an algorithm over asynchronous operations (a rejected operation is thrown at its yield). */
export async function runAsync<T>(gen: Generator<unknown, T, unknown>): Promise<T> {
  let step = gen.next()
  while (!step.done) {
    let value: unknown
    try {
      value = await step.value
    } catch (err) {
      step = gen.throw(err)
      continue
    }
    step = gen.next(value)
  }
  return step.value
}

/** Drive an algorithm over synchronous operations (nodeFsSync): no event loop needed. */
export function runSync<T>(gen: Generator<unknown, T, unknown>): T {
  let step = gen.next()
  while (!step.done) {
    if (isPromise(step.value)) throw new Error('runSync: an operation returned a promise (use runAsync)')
    step = gen.next(step.value)
  }
  return step.value
}
