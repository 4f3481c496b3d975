/**
 * The CLI bound to this process: files through the shared read/save rules (strict UTF-8, atomic
 * saves with the app's refusals), stdout/stderr, and a closed stdout (`lab p2p lab.p2plab | head -1`)
 * ending the run quietly: no EPIPE stack trace, nothing more written, the command's own exit code.
 * Used by `npm run lab` (./main.ts) and by the packaged app's `--cli` mode (electron/main/cli-mode.ts).
 */
import { createInterface } from 'node:readline'
import { LIMITS } from '../../../shared/model/limits'
import { readTextFileSync, saveTextFileSync } from '../files/save'
import { CliFileError, type CliIo } from './io'

export interface ProcessIo extends CliIo {
  /** Set once stdout or stderr was closed by the reader: the run ends without another write. */
  readonly closed: boolean
}

/** What of `process` the binding uses (a fake in tests). */
export interface ProcessLike {
  stdout: Pick<NodeJS.WriteStream, 'write' | 'on'>
  stderr: Pick<NodeJS.WriteStream, 'write' | 'on'>
  exitCode?: number | string | null | undefined
  exit(code?: number): void
}

export function processIo(
  version: string,
  proc: ProcessLike = process,
  onClosed: () => void = () => proc.exit(Number(proc.exitCode ?? 0)),
): ProcessIo {
  let closed = false
  const guard = (stream: ProcessLike['stdout']): void => {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err
      if (closed) return
      closed = true
      onClosed()
    })
  }
  guard(proc.stdout)
  guard(proc.stderr)
  return {
    version,
    get closed() {
      return closed
    },
    readFile(path) {
      const r = readTextFileSync(path, LIMITS.maxFileBytes)
      if (r.ok) return r.text
      if (r.location) throw new CliFileError(r.detail ?? r.message, r.location.line, r.location.column)
      throw new CliFileError(r.message)
    },
    writeFile(path, text) {
      const r = saveTextFileSync(path, text)
      if (!r.ok) throw new CliFileError(r.message)
      for (const note of r.notes) if (!closed) proc.stderr.write(`note: ${path}: ${note}\n`)
    },
    stdout: (t) => {
      if (!closed) proc.stdout.write(t)
    },
    stdoutBytes: (b) => {
      if (!closed) proc.stdout.write(b)
    },
    stderr: (t) => {
      if (!closed) proc.stderr.write(t)
    },
  }
}

/**
 * What a long-running command (`lab class`) needs of the process: the lines typed on stdin,
 * SIGINT/SIGTERM, and the built renderer the class server serves the attendee page from.
 */
export function longRunning(
  rendererDir: string,
): Required<Pick<CliIo, 'readLines' | 'onStop' | 'rendererDir'>> {
  return {
    rendererDir,
    readLines(line, end) {
      const rl = createInterface({ input: process.stdin, terminal: false })
      rl.on('line', line)
      rl.on('close', end)
      return () => {
        rl.off('close', end)
        rl.close()
      }
    },
    onStop(stop) {
      const onInt = () => stop('SIGINT')
      const onTerm = () => stop('SIGTERM')
      process.once('SIGINT', onInt)
      process.once('SIGTERM', onTerm)
      return () => {
        process.off('SIGINT', onInt)
        process.off('SIGTERM', onTerm)
      }
    },
  }
}
