/**
 * The built command line (tools/build-cli.mjs → out/cli/lab.mjs) as users run it: plain node, no
 * tsx, the package's bin. Built into a temporary folder here, so the test needs no earlier build.
 */
import { spawn, spawnSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { buildCli } from './build-cli.mjs'
import { cliIsStale } from './lab.mjs'
import { runCli } from '../electron/app/cli/lab'
import { defaultLab, serializeLab } from '../electron/engine/index'

const root = resolve(import.meta.dirname, '..')
const DGX = join(
  root,
  'tests/fixtures/realdata/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.nocomments.xml',
)
let dir = ''
let bundle = ''

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'p2plab-cli-'))
  bundle = (await buildCli({ outDir: join(dir, 'cli'), quiet: true })).outfile
  // The renderer build beside out/cli, as in a checkout: `lab class` serves its attendee page.
  mkdirSync(join(dir, 'renderer'))
  writeFileSync(join(dir, 'renderer', 'attendee.html'), '<!doctype html><title>attendee</title>')
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function node(args: string[], opts: { input?: string } = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    ...opts,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Runs the bundle as a module and reports whether zod was evaluated by the command. */
function zodEvaluated(args: string[]): boolean {
  const script = `process.argv = [process.execPath, ${JSON.stringify(bundle)}, ...${JSON.stringify(args)}]; await import(${JSON.stringify('file://' + bundle)}); process.stderr.write('zod:' + (globalThis.__zod_globalConfig !== undefined) + '\\n')`
  const r = node(['--input-type=module', '-e', script])
  const m = /zod:(true|false)/.exec(r.stderr)
  if (!m) throw new Error(`no answer: ${r.stderr}`)
  return m[1] === 'true'
}

describe('out/cli/lab.mjs', () => {
  it('runs under plain node as the package bin, with a shebang and the package version', () => {
    expect(readFileSync(bundle, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      version: string
      bin: Record<string, string>
    }
    expect(pkg.bin).toEqual({ lab: 'out/cli/lab.mjs', 'p2p-dma-lab': 'out/cli/lab.mjs' })
    expect(node([bundle, '--version']).stdout).toBe(`p2p-dma-lab ${pkg.version}\n`)
  })

  it('prints what the in-process CLI prints, exit codes included; `--cli` first is accepted', async () => {
    const file = join(dir, 'default.p2plab')
    writeFileSync(file, serializeLab(defaultLab()))
    for (const args of [
      ['p2p', file, '--json'],
      ['p2p', file, '--era', 'v5.0'],
      ['eras'],
      ['p2p', join(dir, 'none')],
      // names from pci.ids: the bundle reads the snapshot from out/cli/pci-ids.txt
      ['p2p', DGX, '--json'],
      ['topo', DGX],
    ]) {
      let stdout = ''
      let stderr = ''
      const code = await runCli(args, {
        version: 'x',
        readFile: (p) => readFileSync(p, 'utf8'),
        writeFile: () => undefined,
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
      })
      const built = node([bundle, ...args])
      expect(built.code, args.join(' ')).toBe(code)
      expect(built.stdout).toBe(stdout)
      if (code !== 0) expect(built.stderr).toMatch(/cannot read/)
      expect(node([bundle, '--cli', ...args]).stdout).toBe(stdout)
    }
  })

  it('reads the pci.ids snapshot from a file beside the bundle, not from its own text', () => {
    expect(readFileSync(join(dir, 'cli', 'commands', 'p2p.cjs'), 'utf8')).not.toContain('Allied Telesis')
    expect(readFileSync(join(dir, 'cli', 'pci-ids.txt'), 'utf8')).toMatch(
      /^0001 {2}SafeNet[^]*\n10de {2}NVIDIA Corporation\n/,
    )
    // Without it the run fails, saying what is missing, and prints nothing else.
    renameSync(join(dir, 'cli', 'pci-ids.txt'), join(dir, 'cli', 'pci-ids.moved'))
    try {
      const r = node([bundle, 'p2p', DGX, '--json'])
      expect(r.code).not.toBe(0)
      expect(r.stdout).toBe('')
      expect(r.stderr).toContain("the command line's PCI ID snapshot is missing")
    } finally {
      renameSync(join(dir, 'cli', 'pci-ids.moved'), join(dir, 'cli', 'pci-ids.txt'))
    }
  })

  it('runs a command from its bundle with the V8 code cache its first run wrote, same output', () => {
    const cmds = join(dir, 'cli', 'commands')
    const caches = () => readdirSync(cmds).filter((f) => f.startsWith('topo.') && f.endsWith('.cache'))
    for (const f of caches()) rmSync(join(cmds, f))
    const first = node([bundle, 'topo', DGX])
    expect(first.code).toBe(0)
    const [cache] = caches()
    expect(cache).toMatch(/^topo\.[0-9a-f]{16}\.cache$/)
    const written = readFileSync(join(cmds, cache!))
    const second = node([bundle, 'topo', DGX])
    expect(second).toEqual(first)
    expect(readFileSync(join(cmds, cache!)).equals(written)).toBe(true) // used, not rewritten
    // a damaged cache is refused by V8 and written anew
    writeFileSync(join(cmds, cache!), 'damaged')
    expect(node([bundle, 'topo', DGX])).toEqual(first)
    expect(readFileSync(join(cmds, cache!), 'latin1')).not.toBe('damaged')
  })

  it('loads only what a command needs: p2p and eras never evaluate zod, run does', () => {
    const file = join(dir, 'default.p2plab')
    writeFileSync(file, serializeLab(defaultLab()))
    expect(zodEvaluated(['p2p', file, '--json'])).toBe(false)
    expect(zodEvaluated(['eras'])).toBe(false)
    expect(zodEvaluated(['run', file, '--json'])).toBe(true)
  })

  it('is stale when a source it was built from changes, current otherwise', () => {
    expect(cliIsStale(join(dir, 'cli'), root)).toBe(false)
    const inputs = (
      JSON.parse(readFileSync(join(dir, 'cli', 'lab.inputs.json'), 'utf8')) as { inputs: string[] }
    ).inputs
    expect(inputs).toContain('electron/app/cli/lab.ts')
    expect(inputs).toContain('electron/engine/p2pdma/distance.ts')
    // not bundled, but written beside the bundle
    expect(inputs).toContain('electron/engine/pciids/pci-ids.data.ts')
    const future = new Date(Date.now() + 60_000)
    utimesSync(bundle, future, future)
    expect(cliIsStale(join(dir, 'cli'), root)).toBe(false)
    const past = new Date(Date.now() - 3600_000 * 24 * 365 * 20)
    utimesSync(bundle, past, past)
    expect(cliIsStale(join(dir, 'cli'), root)).toBe(true)
    expect(cliIsStale(join(dir, 'missing'), root)).toBe(true)
  })

  it('`class` serves the attendee page, prints the join URL and the code, and SIGINT or SIGTERM end it', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const child = spawn(
        process.execPath,
        [bundle, 'class', '--host', '127.0.0.1', '--port', '0', '--no-qr'],
        {
          cwd: root,
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      )
      let out = ''
      let err = ''
      child.stderr.on('data', (d) => (err += d))
      const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)))
      // A failed expectation must not leave the class server running.
      onTestFinished(() => {
        if (child.exitCode === null) child.kill('SIGKILL')
      })
      const code = await new Promise<string>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no code line: ${out} ${err}`)), 30_000)
        child.stdout.on('data', (d) => {
          out += d
          // the banner ends with the lab's name
          const m = /^code: (\w{4})$/m.exec(out)
          if (m && /^lab: /m.test(out)) {
            clearTimeout(timer)
            ok(m[1]!)
          }
        })
      })
      const url = /^class: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out)?.[1]
      expect(url, out).toBeDefined()
      expect(out).toContain(`join link (the QR code): ${url}#code=${code}`)
      const page = await fetch(url!)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<title>attendee</title>')
      child.kill(signal)
      expect(await exited).toBe(0)
      expect(out).toContain(`class ended (${signal})`)
      expect(err).toBe('')
      await expect(fetch(url!)).rejects.toThrow()
    }
  })
})
