/**
 * The one I/O interface of the headless CLI: every command (p2p, explain, import, run, …) reads and
 * writes through it, so tests run the CLI in-process, and electron/app/cli/process-io.ts binds it
 * to a real process (`npm run lab`, and the packaged app's `--cli` mode).
 */
export interface CliIo {
  /**
   * Reads a file as strict UTF-8 text; throws with a message on failure. An error that knows where
   * in the file it is (invalid UTF-8) carries `line` and `column` (see CliFileError).
   */
  readFile(path: string): string
  /**
   * Writes a file under the app's save rules (electron/app/files/save.ts: atomic, exclusive temp,
   * `.bak`, newer-version and read-only refusal); throws with a message when refused or failed.
   */
  writeFile(path: string, text: string): void
  stdout(text: string): void
  /**
   * Writes UTF-8 bytes to stdout, when the host can (a process can; the tests' collectors take
   * text only). The bytes are the caller's no more: the host may write them later.
   */
  stdoutBytes?(bytes: Uint8Array): void
  stderr(text: string): void
  version: string
  /**
   * Long-running commands (`class`): each line typed on standard input, then `end` when it closes.
   * Returns the unsubscribe function. Absent where there is no input (a one-shot host).
   */
  readLines?(line: (text: string) => void, end: () => void): () => void
  /** Long-running commands: called once on SIGINT or SIGTERM. Returns the unsubscribe function. */
  onStop?(stop: (signal: string) => void): () => void
  /** The built renderer (out/renderer): the class server serves the attendee page from it. */
  rendererDir?: string
}

const FILE_ERROR = Symbol.for('p2p-dma-lab.CliFileError')

/**
 * A file error with a location in the file, when there is one. `instanceof` goes by a registered
 * symbol, so it holds across the built CLI's separately bundled commands (tools/build-cli.mjs).
 */
export class CliFileError extends Error {
  readonly [FILE_ERROR] = true
  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[FILE_ERROR] === true
  }
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message)
  }
}
