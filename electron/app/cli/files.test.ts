/**
 * The CLI bound to real files and a real process (./process-io.ts, as `npm run lab` and the packaged
 * `--cli` mode use it): `import -o` under the app's save rules, strict UTF-8, every error with
 * file:line:column, and a closed stdout (`| head -1`) ending the run quietly.
 */
import { spawnSync } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { chmodSync, existsSync, readFileSync, readdirSync } from 'node:fs'
import { statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './lab'
import { runCommand } from './run'
import { processIo, type ProcessLike } from './process-io'
import { tempDirEach } from '../../../tests/helpers/temp-dir'

const root = resolve(import.meta.dirname, '../../..')
const T1 = join(root, 'tests/fixtures/labs/T1-intel.p2plab')
const DGX = join(root, 'tests/fixtures/realdata/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml')

let dir: string
tempDirEach('lab-cli-files-', (d) => (dir = d))

/** A stand-in for process.stdout/stderr: collects text, can be "closed by the reader". */
class FakeStream extends EventEmitter {
  text = ''
  write(t: string): boolean {
    this.text += t
    return true
  }
}

function fakeProcess() {
  const stdout = new FakeStream()
  const stderr = new FakeStream()
  let exited: number | null = null
  const proc: ProcessLike = {
    stdout: stdout as unknown as ProcessLike['stdout'],
    stderr: stderr as unknown as ProcessLike['stderr'],
    exit: (code?: number) => {
      exited = code ?? 0
    },
  }
  return { proc, stdout, stderr, exited: () => exited }
}

async function cli(argv: string[]) {
  const p = fakeProcess()
  const code = await runCli(argv, processIo('0.0.0-test', p.proc))
  return { code, stdout: p.stdout.text, stderr: p.stderr.text }
}

describe('lab import -o: the same rules as the app’s save', () => {
  it('writes atomically with a backup of the previous lab, leaving no temp file', async () => {
    const out = join(dir, 'out.p2plab')
    expect((await cli(['import', T1, '-o', out])).code).toBe(0)
    const first = readFileSync(out, 'utf8')
    expect((await cli(['import', DGX, '-o', out])).code).toBe(0)
    expect(readFileSync(out + '.bak', 'utf8')).toBe(first)
    expect(readdirSync(dir).sort()).toEqual(['out.p2plab', 'out.p2plab.bak'])
  })

  it('refuses to overwrite a lab written by a newer version (exit 2, nothing written)', async () => {
    const out = join(dir, 'future.p2plab')
    const future = JSON.stringify({ format: 'p2p-dma-lab', schemaVersion: 7, name: 'future' })
    writeFileSync(out, future)
    const r = await cli(['import', T1, '-o', out])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /future\.p2plab is not overwritten: it was written by a newer version .*schema 7/,
    )
    expect(readFileSync(out, 'utf8')).toBe(future)
    expect(readdirSync(dir)).toEqual(['future.p2plab'])
  })

  it('refuses a read-only target, and keeps a 0600 file 0600', async () => {
    const ro = join(dir, 'ro.p2plab')
    writeFileSync(ro, '{}')
    chmodSync(ro, 0o444)
    expect((await cli(['import', T1, '-o', ro])).stderr).toMatch(/ro\.p2plab is read-only/)
    expect(readFileSync(ro, 'utf8')).toBe('{}')
    const priv = join(dir, 'private.p2plab')
    writeFileSync(priv, '{}')
    chmodSync(priv, 0o600)
    expect((await cli(['import', T1, '-o', priv])).code).toBe(0)
    expect(statSync(priv).mode & 0o777).toBe(0o600)
  })

  it('planted symlinks at the old predictable temp names are never written through', async () => {
    const victim = join(dir, 'victim.txt')
    writeFileSync(victim, 'precious\n')
    const out = join(dir, 'out.p2plab')
    // The names the old CLI used (.<name>.<pid>.tmp), for a range of pids around ours.
    for (let pid = process.pid - 200; pid < process.pid + 200; pid++)
      symlinkSync(victim, join(dir, `.out.p2plab.${pid}.tmp`))
    expect((await cli(['import', T1, '-o', out])).code).toBe(0)
    expect(readFileSync(victim, 'utf8')).toBe('precious\n')
    expect(existsSync(out)).toBe(true)
  })
})

describe('CLI errors are located (file:line:column)', () => {
  it('invalid UTF-8 in the input', async () => {
    const bad = join(dir, 'latin1.p2plab')
    writeFileSync(bad, Buffer.concat([Buffer.from('{\n "name": "caf'), Buffer.from([0xe9, 0x22, 0x7d])]))
    const r = await cli(['p2p', bad])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^error: .*latin1\.p2plab:2:14: the text is not valid UTF-8 \(byte 0xe9/m)
  })

  it('a schema error in a lab file (a JSON path) and a topology rule (a node id)', async () => {
    const lab = JSON.parse(readFileSync(T1, 'utf8')) as {
      machine: { nodes: { id: string; parent?: string; endpoint?: { bars: { size: number }[] } }[] }
    }
    const gpu = lab.machine.nodes.findIndex((n) => n.endpoint?.bars.length)
    lab.machine.nodes[gpu]!.endpoint!.bars[0]!.size = 3000
    const text = JSON.stringify(lab, null, 2)
    writeFileSync(join(dir, 'schema.p2plab'), text)
    const r = await cli(['p2p', join(dir, 'schema.p2plab')])
    expect(r.code).toBe(2)
    const line = text.split('\n').findIndex((l) => l.includes('"size": 3000')) + 1
    expect(r.stderr).toMatch(new RegExp(`schema\\.p2plab:${line}:\\d+: .*power of two`))

    const lab2 = JSON.parse(readFileSync(T1, 'utf8')) as typeof lab
    const dsp = lab2.machine.nodes.findIndex((n) => n.id === 'dsp1')
    lab2.machine.nodes[dsp]!.parent = 'nowhere'
    const text2 = JSON.stringify(lab2, null, 2)
    writeFileSync(join(dir, 'rule.p2plab'), text2)
    const r2 = await cli(['p2p', join(dir, 'rule.p2plab')])
    expect(r2.code).toBe(2)
    const parentLine = text2.split('\n').findIndex((l) => l.includes('"parent": "nowhere"')) + 1
    expect(r2.stderr).toMatch(new RegExp(`rule\\.p2plab:${parentLine}:\\d+: .*no parent "nowhere"`))
  })

  it('lab run: a JSON syntax error says line:column, not "at position N"', async () => {
    const file = join(dir, 'broken.p2plab')
    writeFileSync(file, '{\n  "name": "s",\n  "operations": [ oops ]\n}\n')
    const p = fakeProcess()
    expect(runCommand(['run', file], processIo('t', p.proc))).toBe(2)
    expect(p.stderr.text).toMatch(/^lab run: .*broken\.p2plab:3:19: JSON syntax error/)
    expect(p.stderr.text).not.toMatch(/position/)
  })

  it('lab run: a scenario schema error points at the offending value', async () => {
    const file = join(dir, 'schema.json')
    writeFileSync(
      file,
      '{\n  "scenarios": [\n    { "name": "ok", "operations": [] },\n    { "name": 7, "operations": [] }\n  ]\n}\n',
    )
    const p = fakeProcess()
    expect(runCommand(['run', file], processIo('t', p.proc))).toBe(2)
    expect(p.stderr.text).toMatch(/schema\.json:4:15: scenarios\[1\]\.name: /)
  })
})

describe('a closed stdout ends the CLI quietly', () => {
  it('EPIPE on stdout: no throw, no further writes, the command’s exit code', async () => {
    const p = fakeProcess()
    const io = processIo('t', p.proc)
    io.stdout('first line\n')
    p.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    io.stdout('second line\n')
    io.stderr('late note\n')
    expect(p.stdout.text).toBe('first line\n')
    expect(p.stderr.text).toBe('')
    expect(p.exited()).toBe(0)
    expect(io.closed).toBe(true)
    // Any other stream error is still an error.
    expect(() => p.stderr.emit('error', Object.assign(new Error('EIO'), { code: 'EIO' }))).toThrow('EIO')
  })

  it('`lab p2p <big import> | head -1` prints one line and nothing more on stderr than without the pipe', async () => {
    const cmd = `node --import tsx electron/app/cli/main.ts p2p '${DGX}'`
    const piped = spawnSync('sh', ['-c', `${cmd} | head -1`], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    })
    const whole = spawnSync('sh', ['-c', `${cmd} > /dev/null`], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    })
    expect(whole.status).toBe(0)
    expect(piped.stdout.split('\n').filter(Boolean)).toHaveLength(1)
    expect(piped.stderr).not.toMatch(/EPIPE|Error|\n\s+at /)
    expect(piped.stderr).toBe(whole.stderr)
  })
})
