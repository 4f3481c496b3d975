/**
 * `npm run lab -- …`: runs the built CLI (out/cli/lab.mjs) in this process, building it first when
 * it is missing or older than any source that went into it (out/cli/lab.inputs.json lists them:
 * one stat per source, a few milliseconds). Node only: no tsx, no second process.
 */
import { readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'out/cli')

/**
 * True when the bundle in `dir` is missing, or a source it was built from (paths relative to
 * `base`) changed or vanished since.
 */
export function cliIsStale(dir = outDir, base = root) {
  let built
  let inputs
  try {
    built = statSync(join(dir, 'lab.mjs')).mtimeMs
    inputs = JSON.parse(readFileSync(join(dir, 'lab.inputs.json'), 'utf8')).inputs
  } catch {
    return true
  }
  for (const rel of inputs) {
    const st = statSync(join(base, rel), { throwIfNoEntry: false })
    if (!st || st.mtimeMs > built) return true
  }
  return false
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (cliIsStale()) {
    const { buildCli } = await import('./build-cli.mjs')
    await buildCli({ quiet: true })
  }
  await import(pathToFileURL(join(outDir, 'lab.mjs')).href)
}
