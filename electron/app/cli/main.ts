/**
 * `npm run lab -- …`: binds the CLI (./lab.ts) to this process.
 * Files are read whole (refused over 16 MiB before reading) and written atomically.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'
import { runCli } from './lab'
import { LIMITS } from '../../../shared/model/lab-schema'

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

const code = runCli(process.argv.slice(2), {
  version: pkg.version,
  readFile(path) {
    const st = statSync(path)
    if (!st.isFile()) throw new Error('not a regular file')
    if (st.size > LIMITS.maxFileBytes)
      throw new Error(`file is ${st.size} bytes; the limit is ${LIMITS.maxFileBytes}`)
    return readFileSync(path, 'utf8')
  },
  writeFile(path, text) {
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
    const fd = openSync(tmp, 'w', 0o644)
    try {
      writeSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  },
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
})
process.exitCode = code
