/**
 * The CLI's process entry: `lab …` / `p2p-dma-lab …` (package.json "bin"), `npm run lab -- …`.
 * Bundled by tools/build-cli.mjs into out/cli/lab.mjs, which plain node runs. Binds the CLI
 * (./lab.ts) to this process (./process-io.ts): files are read as strict UTF-8 (refused over
 * 16 MiB before reading) and written under the app's save rules; a closed stdout ends the run
 * quietly.
 */
import { runCli } from './lab'
import { processIo } from './process-io'
import { readFileSync } from 'node:fs'

/** The package version, written into the bundle by tools/build-cli.mjs. */
declare const __P2PLAB_VERSION__: string | undefined

function version(): string {
  if (typeof __P2PLAB_VERSION__ === 'string') return __P2PLAB_VERSION__
  // Run from source (`npx tsx electron/app/cli/main.ts`): read it beside the sources.
  const pkg = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(pkg) as { version: string }).version
}

process.exitCode = await runCli(process.argv.slice(2), processIo(version()))
