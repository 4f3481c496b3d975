/**
 * The one I/O interface of the headless CLI: every command (p2p, explain, import, run, …) reads and
 * writes through it, so tests run the CLI in-process and electron/app/cli/main.ts binds it to the
 * real process (argv, files, exit code).
 */
export interface CliIo {
  /** Reads a file as UTF-8 text; throws with a message on failure. */
  readFile(path: string): string
  /** Writes a file atomically; throws with a message on failure. */
  writeFile(path: string, text: string): void
  stdout(text: string): void
  stderr(text: string): void
  version: string
}
