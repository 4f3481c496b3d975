/**
 * `npm run lab -- …`: binds the CLI (./lab.ts) to this process (./process-io.ts): files are read as
 * strict UTF-8 (refused over 16 MiB before reading) and written under the app's save rules; a
 * closed stdout ends the run quietly.
 */
import { readFileSync } from 'node:fs'
import { runCli } from './lab'
import { processIo } from './process-io'

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

process.exitCode = runCli(process.argv.slice(2), processIo(pkg.version))
