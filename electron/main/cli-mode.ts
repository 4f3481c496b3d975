/**
 * `p2p-dma-lab --cli <command> …`: the headless CLI (electron/app/cli) run by the installed app
 * itself, so installed users have it without Node. Handled before anything else in main — no
 * single-instance lock (a CLI run must not hand its arguments to a running window), no window, no
 * menu — and without ELECTRON_RUN_AS_NODE (that fuse is off in packaged builds): the CLI runs in
 * the main process, writes to this process's stdout/stderr, and the app exits with its code.
 */

/** The CLI's arguments when the app was started with `--cli`, else null. */
export function cliArguments(argv: readonly string[]): string[] | null {
  const at = argv.indexOf('--cli')
  return at < 0 ? null : argv.slice(at + 1)
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve()
    stream.write('', () => resolve())
  })
}

export interface CliHost {
  getVersion(): string
  exit(code: number): void
}

/** Run the CLI with `args` and exit the app with its exit code (a closed stdout exits quietly). */
export async function runCliMode(args: string[], app: CliHost): Promise<number> {
  // Loaded only in this mode: a normal start does not parse the CLI.
  const [{ runCli }, { processIo, longRunning }, { RENDERER_DIR }] = await Promise.all([
    import('../app/cli/lab'),
    import('../app/cli/process-io'),
    import('./window'),
  ])
  let code = 0
  // `--cli class` runs a class server from the installed app (the attendee page is in its renderer build).
  const io = Object.assign(
    processIo(app.getVersion(), process, () => app.exit(code)),
    longRunning(RENDERER_DIR),
  )
  code = await runCli(args, io)
  await Promise.all([drained(process.stdout), drained(process.stderr)])
  app.exit(code)
  return code
}
