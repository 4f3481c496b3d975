/**
 * The CLI's process entry: `lab …` / `p2p-dma-lab …` (package.json "bin"), `npm run lab -- …`.
 * Bundled by tools/build-cli.mjs into out/cli/lab.mjs, which plain node runs. Binds the CLI
 * (./lab.ts) to this process (./process-io.ts): files are read as strict UTF-8 (refused over
 * 16 MiB before reading) and written under the app's save rules; a closed stdout ends the run
 * quietly. The long-running `class` command also gets stdin, SIGINT/SIGTERM and the built
 * renderer (out/renderer, where the attendee page is).
 */
import { runCli } from './lab'
import { longRunning, processIo } from './process-io'
import { saveCodeCaches } from './code-cache'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The package version, written into the bundle by tools/build-cli.mjs. */
declare const __P2PLAB_VERSION__: string | undefined

const bundled = typeof __P2PLAB_VERSION__ === 'string'

function version(): string {
  if (bundled) return __P2PLAB_VERSION__!
  // Run from source (`npx tsx electron/app/cli/main.ts`): read it beside the sources.
  const pkg = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(pkg) as { version: string }).version
}

/** out/renderer: beside the bundle (out/cli/lab.mjs), or from the sources three folders up. */
const rendererDir = fileURLToPath(new URL(bundled ? '../renderer' : '../../../out/renderer', import.meta.url))

const argv = process.argv.slice(2)
const code = await runCli(argv, Object.assign(processIo(version()), longRunning(rendererDir)))
process.exitCode = code
// The built CLI: the code caches of the command bundles this run compiled (code-cache.ts).
saveCodeCaches()
// A class read stdin: an interactive terminal would keep the process alive after the class ended.
if ((argv[0] === '--cli' ? argv[1] : argv[0]) === 'class') process.stdout.write('', () => process.exit(code))
