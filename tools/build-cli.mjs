/**
 * Builds the command line that plain node runs: out/cli/lab.mjs (package.json "bin": `lab` and
 * `p2p-dma-lab`; `npm run lab` through tools/lab.mjs), a small entry (arguments, --help, the
 * dispatch), and out/cli/commands/<name>.cjs, one self-contained bundle per command module that
 * electron/app/cli/lab.ts imports on demand. A command loads only its own file: `lab p2p` never
 * loads zod or the scenario engine, `lab eras` not even the importers. Ship the folder whole.
 *
 * The command bundles are CommonJS scripts, so that the entry can compile them with V8's code
 * cache (electron/app/cli/code-cache.ts): the first run of a command writes
 * out/cli/commands/<name>.<hash>.cache beside its bundle, later runs skip parsing and compiling.
 * <hash> is the bundle's content hash, written into the entry here: a rebuilt bundle never meets
 * the cache of another.
 *
 * The pci.ids snapshot (electron/engine/pciids/pci-ids.data.ts) is not bundled: the build writes its
 * text to out/cli/pci-ids.txt (its licence beside it, pci-ids.LICENSE), and the bundles read it on
 * the first name lookup through electron/app/cli/pci-ids-file.ts, which takes the place of the
 * engine's electron/engine/pciids/snapshot.ts. V8 compiled the 740 KiB string literal on every run
 * of every command that names devices.
 *
 * Beside the bundle, out/cli/lab.inputs.json lists every source file that went into it, so the
 * staleness check (tools/lab.mjs) stats exactly those files.
 *
 * Usage: node tools/build-cli.mjs [--quiet]. Exported: buildCli({ outDir, quiet }).
 */
import { createHash } from 'node:crypto'
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Our own modules have no side effects at import time (they define functions, tables and schemas),
 * so esbuild may drop every one whose exports nothing uses — including those only re-exported by
 * electron/engine/index.ts. bench/cli.ts bundles its engine timing script with it too.
 */
export const ownSourcesArePure = {
  name: 'own-sources-are-pure',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${join('node_modules', '')}`)) return undefined
      return { contents: readFileSync(args.path, 'utf8'), loader: 'ts' }
    })
    build.onResolve({ filter: /^\./ }, async (args) => {
      if (args.pluginData === 'inner') return undefined
      const r = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      })
      if (r.errors.length) return { errors: r.errors }
      return { path: r.path, sideEffects: false }
    })
  },
}

const SNAPSHOT_DATA = 'electron/engine/pciids/pci-ids.data.ts'

/** PCI_IDS_VERSION and PCI_IDS_TEXT of the generated snapshot module (string literals, JSON-quoted). */
function readSnapshot() {
  const src = readFileSync(join(root, SNAPSHOT_DATA), 'utf8')
  const value = (name) => {
    const m = new RegExp(`^export const ${name} = (".*")$`, 'm').exec(src)
    if (!m) throw new Error(`${SNAPSHOT_DATA}: no ${name} (regenerate it with tools/gen-pci-ids.ts)`)
    return JSON.parse(m[1])
  }
  return { version: value('PCI_IDS_VERSION'), text: value('PCI_IDS_TEXT') }
}

/** The engine's pciids/snapshot.ts is bundled as electron/app/cli/pci-ids-file.ts (reads out/cli/pci-ids.txt). */
const snapshotFromFile = {
  name: 'pci-ids-from-file',
  setup(build) {
    build.onResolve({ filter: /^\.\/snapshot$/ }, (args) => {
      if (!/[\\/]engine[\\/]pciids$/.test(args.resolveDir)) return undefined
      return { path: join(root, 'electron/app/cli/pci-ids-file.ts'), sideEffects: false }
    })
  },
}

/** The command modules electron/app/cli/lab.ts imports on demand, each bundled on its own. */
const COMMANDS = ['p2p', 'topo', 'qemu', 'info', 'run', 'exercises', 'class']

/**
 * In the entry bundle, `import('./p2p')` becomes loadBundle() of out/cli/commands/p2p.cjs with its
 * code cache (a module of a few lines, made here, given each command's bundle hash).
 */
function commandsAreSeparate(hashes) {
  return {
    name: 'commands-are-separate',
    setup(build) {
      build.onResolve({ filter: /^\.\/[a-z0-9-]+$/ }, (args) => {
        const name = args.path.slice(2)
        if (args.kind !== 'dynamic-import' || !COMMANDS.includes(name)) return undefined
        return { path: name, namespace: 'p2plab-command' }
      })
      build.onLoad({ filter: /.*/, namespace: 'p2plab-command' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(join(root, 'electron/app/cli/code-cache.ts'))}).loadCommand(${JSON.stringify(args.path)}, ${JSON.stringify(hashes[args.path])})`,
        loader: 'js',
        resolveDir: root,
      }))
    },
  }
}

export async function buildCli({ outDir = join(root, 'out/cli'), quiet = false } = {}) {
  const { build } = await import('esbuild')
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const outfile = join(outDir, 'lab.mjs')
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(join(outDir, 'commands'), { recursive: true })
  const t0 = performance.now()
  const snapshot = readSnapshot()
  writeFileSync(join(outDir, 'pci-ids.txt'), snapshot.text)
  copyFileSync(join(root, 'electron/engine/pciids/LICENSE'), join(outDir, 'pci-ids.LICENSE'))
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    define: {
      __P2PLAB_VERSION__: JSON.stringify(pkg.version),
      __P2PLAB_PCI_IDS_VERSION__: JSON.stringify(snapshot.version),
    },
    metafile: true,
    logLevel: 'warning',
  }
  const commands = await Promise.all(
    COMMANDS.map((name) =>
      build({
        ...common,
        format: 'cjs',
        entryPoints: [join(root, `electron/app/cli/${name}.ts`)],
        outfile: join(outDir, 'commands', `${name}.cjs`),
        // run by code-cache.ts in the CommonJS wrapper (require, __filename); import.meta.url from __filename
        banner: { js: "var __p2plabUrl = require('node:url').pathToFileURL(__filename).href;" },
        define: {
          ...common.define,
          'import.meta.url': '__p2plabUrl',
          __P2PLAB_PCI_IDS_FILE__: JSON.stringify('../pci-ids.txt'),
        },
        plugins: [snapshotFromFile, ownSourcesArePure],
      }),
    ),
  )
  const hashes = Object.fromEntries(
    COMMANDS.map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(join(outDir, 'commands', `${name}.cjs`)))
        .digest('hex')
        .slice(0, 16),
    ]),
  )
  const entry = await build({
    ...common,
    entryPoints: [join(root, 'electron/app/cli/main.ts')],
    outfile,
    banner: { js: '#!/usr/bin/env node' },
    define: { ...common.define, __P2PLAB_PCI_IDS_FILE__: JSON.stringify('./pci-ids.txt') },
    plugins: [commandsAreSeparate(hashes), snapshotFromFile, ownSourcesArePure],
  })
  const builds = [entry, ...commands]
  chmodSync(outfile, 0o755)
  const inputs = [
    ...new Set(
      builds.flatMap((r) => Object.keys(r.metafile.inputs)).map((p) => relative(root, resolve(root, p))),
    ),
  ]
    .filter((p) => !p.startsWith('node_modules') && !p.startsWith('p2plab-command:'))
    .concat(['package.json', 'tools/build-cli.mjs', SNAPSHOT_DATA])
    .sort()
  writeFileSync(join(outDir, 'lab.inputs.json'), JSON.stringify({ inputs }, null, 1) + '\n')
  if (!quiet) {
    const sizes = builds
      .flatMap((r) => Object.entries(r.metafile.outputs))
      .map(([p, o]) => `${relative(outDir, resolve(process.cwd(), p))} ${(o.bytes / 1024).toFixed(0)} KiB`)
    process.stderr.write(
      `build-cli: ${relative(root, outDir)}/ (${sizes.join(', ')}; ${inputs.length} sources) in ${(performance.now() - t0).toFixed(0)} ms\n`,
    )
  }
  return { outfile, inputs }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli({ quiet: process.argv.includes('--quiet') })
}
