/**
 * How the built CLI (out/cli/lab.mjs) loads a command's bundle (out/cli/commands/<name>.cjs, see
 * tools/build-cli.mjs): compiled with V8's code cache. Node 20 has no module compile cache
 * (module.enableCompileCache is Node 22), but vm.Script takes and produces V8 cached data. The
 * first run of a command compiles its bundle as usual and, when the command is done, writes what
 * V8 compiled — the bundle's top level and every function the run called — beside it
 * (`<name>.<hash>.cache`); later runs deserialize that instead of parsing and compiling again.
 *
 * Safe by construction: V8 refuses cached data from another V8 version or other V8 flags
 * (cachedDataRejected, then the cache is written anew), and the cache file's name carries the
 * bundle's content hash, given by the build, because V8 itself checks only the source's length.
 * A cache that cannot be read or written (a read-only install) only costs the compile.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

/** Caches to write once the command is done: the bundles loaded without a usable one. */
const unsaved: { file: string; script: Script }[] = []

/** The CommonJS wrapper the bundle runs in (what Node's own loader wraps a .cjs file in). */
const HEAD = '(function (exports, require, module, __filename, __dirname) {'
const TAIL = '\n})'

/**
 * Runs the CommonJS bundle `file` and returns its exports, with the code cache `cacheFile`
 * (written by saveCodeCaches() when missing or refused).
 */
export function loadBundle(file: string, cacheFile: string): Record<string, unknown> {
  const source = readFileSync(file, 'utf8')
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  const script = new Script(HEAD + source + TAIL, { filename: file, cachedData })
  const module = { exports: {} as Record<string, unknown> }
  const run = script.runInThisContext() as (...args: unknown[]) => void
  run(module.exports, createRequire(file), module, file, dirname(file))
  if (cachedData === undefined || script.cachedDataRejected) unsaved.push({ file: cacheFile, script })
  return module.exports
}

/**
 * The built CLI's command `name`: out/cli/commands/<name>.cjs beside this bundle (out/cli/lab.mjs),
 * its cache <name>.<hash>.cache, where `hash` is the bundle's content hash (tools/build-cli.mjs).
 */
export function loadCommand(name: string, hash: string): Record<string, unknown> {
  const at = (file: string): string => fileURLToPath(new URL(`./commands/${file}`, import.meta.url))
  return loadBundle(at(`${name}.cjs`), at(`${name}.${hash}.cache`))
}

/**
 * Writes the code cache of every bundle loaded without a usable one: call it when the command is
 * done, so the cache holds the functions the command compiled. Atomic (a temp file renamed); a
 * cache that cannot be written is left unwritten.
 */
export function saveCodeCaches(): void {
  for (const { file, script } of unsaved.splice(0)) {
    const tmp = `${file}.${process.pid}.tmp`
    try {
      writeFileSync(tmp, script.createCachedData())
      renameSync(tmp, file)
    } catch {
      rmSync(tmp, { force: true })
    }
  }
}
