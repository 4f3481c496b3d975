/**
 * An in-memory CliIo for CLI tests: files come from a record, stdout/stderr are collected (or stdout
 * goes to `sink`), writes are kept in `written`.
 */
import type { CliIo } from '../../electron/app/cli/io'

export interface MemoryIo extends CliIo {
  out(): string
  err(): string
  written: Record<string, string>
}

export function memoryIo(files: Record<string, string> = {}, sink?: (t: string) => void): MemoryIo {
  let out = ''
  let err = ''
  const written: Record<string, string> = {}
  return {
    readFile: (p) => {
      const t = files[p]
      if (t === undefined) throw new Error('ENOENT: no such file')
      return t
    },
    writeFile: (p, t) => {
      written[p] = t
    },
    stdout: sink ?? ((t) => (out += t)),
    stderr: (t) => (err += t),
    version: 'test',
    out: () => out,
    err: () => err,
    written,
  }
}
