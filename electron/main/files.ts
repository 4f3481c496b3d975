/**
 * File I/O for main: bounded reads of user-chosen files and atomic writes (temp file in the same
 * directory, fsync, rename), so a crash mid-save never leaves a truncated lab behind.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { LIMITS } from '../../shared/model/lab-schema'

/** Files the app opens: lab files and the topology formats the importers detect. */
export const OPENABLE_EXTENSIONS = ['p2plab', 'json', 'xml', 'txt'] as const

export type ReadResult = { ok: true; text: string } | { ok: false; message: string }

/** Read a UTF-8 text file of at most `maxBytes` (16 MiB, LIMITS.maxFileBytes); larger files are refused unread. */
export async function readTextFile(
  path: string,
  maxBytes: number = LIMITS.maxFileBytes,
): Promise<ReadResult> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (err) {
    return {
      ok: false,
      message: `cannot open ${basename(path)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    }
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) return { ok: false, message: `${basename(path)} is not a regular file` }
    const limitText = `${maxBytes / 1024 / 1024} MiB`
    if (st.size > maxBytes)
      return {
        ok: false,
        message: `${basename(path)} is larger than ${limitText}; files that big are refused`,
      }
    // Read at most maxBytes + 1 so a file that grows after stat() is still refused.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
      if (length === buf.length) break
    }
    if (length > maxBytes)
      return {
        ok: false,
        message: `${basename(path)} is larger than ${limitText}; files that big are refused`,
      }
    let text = buf.subarray(0, length).toString('utf8')
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    return { ok: true, text }
  } catch (err) {
    return {
      ok: false,
      message: `cannot read ${basename(path)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    }
  } finally {
    await fh.close()
  }
}

/** Write `text` to `path` atomically: a temp file beside it, fsync, rename over the target, fsync the directory. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const fh = await open(tmp, 'wx', 0o644)
  try {
    try {
      await fh.writeFile(text, 'utf8')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => undefined)
    throw err
  }
  // Make the rename itself durable. Not possible on every platform (Windows): best effort.
  try {
    const dh = await open(dir, 'r')
    try {
      await dh.sync()
    } finally {
      await dh.close()
    }
  } catch {
    /* directory fsync unsupported */
  }
}

/**
 * The file to open given on a command line (argv[0] is the executable; switches and the app path
 * '.' are skipped): the first argument ending in .p2plab, .json, .xml or .txt.
 */
export function fileFromArgv(argv: readonly string[]): string | null {
  const re = new RegExp(`\\.(${OPENABLE_EXTENSIONS.join('|')})$`, 'i')
  for (const arg of argv.slice(1)) {
    if (arg.startsWith('-')) continue
    if (re.test(arg)) return arg
  }
  return null
}
