/**
 * "Verify with a real kernel", main side: the oracle service with a fake child process (no QEMU),
 * and the oracle channels through the shared handler table (what Electron main and the harness host).
 */
import { EventEmitter } from 'node:events'
import { PassThrough } from 'node:stream'
import { describe, expect, it, vi } from 'vitest'
import type { Events, OracleFinished, OracleProgress } from '../../../shared/ipc/contract'
import { LabSession } from '../session'
import { createHandlers } from '../ipc/handlers'
import { dispatchNow } from '../../../tests/helpers/dispatch'
import { OracleService, parseOracleJson, type OracleChild, type OracleServiceOptions } from './service'

class FakeChild extends EventEmitter {
  pid = 4242
  stdout = new PassThrough()
  stderr = new PassThrough()
  killed: string[] = []
  kill(signal?: NodeJS.Signals): boolean {
    this.killed.push(signal ?? 'SIGTERM')
    return true
  }
  /** End the process as the CLI would. */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.stdout.end()
    this.stderr.end()
    setImmediate(() => this.emit('close', code, signal))
  }
}

const JSON_OUT = {
  name: 'T1',
  kernelRelease: '7.2.13+deb14-amd64',
  cpuModel: 'Skylake-Server',
  era: 'v7.2',
  bootSeconds: 11.3,
  problems: [],
  cannotReproduce: ['BAR sizes'],
  pairs: [
    {
      provider: '0000:03:00.0',
      client: '0000:04:00.0',
      kernel: { allowed: true, errno: null, data: 'ok' },
      engine: { mapType: 'BUS_ADDR', allowed: true, errno: null },
      agree: true,
      status: 'confirmed',
      log: ['nvme 0000:03:00.0: added peer-to-peer DMA memory 0xfa000000-0xfaffffff'],
    },
    {
      provider: '0000:03:00.0',
      client: '0000:06:00.0',
      kernel: { allowed: false, errno: 'EINVAL', data: 'n/a' },
      engine: { mapType: 'BUS_ADDR', allowed: true, errno: null },
      agree: false,
      status: 'contradicted',
      log: [],
    },
  ],
}

function setup(over: Partial<OracleServiceOptions> = {}) {
  const children: FakeChild[] = []
  const spawned: { command: string; args: string[] }[] = []
  const killGroup = vi.fn()
  const cleanup = vi.fn()
  const service = new OracleService({
    repoRoot: '/repo',
    platform: 'linux',
    arch: 'x64',
    hasCommand: () => true,
    exists: () => true,
    killGroup,
    writeLab: (fileName) => ({ path: `/tmp/x/${fileName}`, cleanup }),
    spawn: (command, args) => {
      const c = new FakeChild()
      children.push(c)
      spawned.push({ command, args })
      return c as unknown as OracleChild
    },
    ...over,
  })
  const progress: OracleProgress[] = []
  const finished: OracleFinished[] = []
  let resolveDone: (f: OracleFinished) => void = () => undefined
  const done = new Promise<OracleFinished>((resolve) => (resolveDone = resolve))
  const sink = {
    progress: (p: OracleProgress) => progress.push(p),
    finished: (f: OracleFinished) => {
      finished.push(f)
      resolveDone(f)
    },
  }
  return { service, children, spawned, killGroup, cleanup, progress, finished, sink, done }
}

const LAB = { fileName: 'T1.p2plab', text: '{}' }

describe('OracleService', () => {
  it('spawns tsx tools/oracle/oracle.ts <lab> --json and streams stderr progress lines', async () => {
    const t = setup()
    const runId = t.service.start(LAB, 7, t.sink)
    expect(t.spawned[0]).toEqual({
      command: '/repo/node_modules/.bin/tsx',
      args: ['/repo/tools/oracle/oracle.ts', '/tmp/x/T1.p2plab', '--json'],
    })
    expect(t.service.availability().running).toBe(runId)
    const c = t.children[0]!
    c.stderr.write('oracle: kernel 7.2 cached\noracle: booting T1')
    c.stderr.write(': Skylake-Server, 6 NVMe\noracle:   7.8 s: guest kernel is up\n')
    c.stdout.write(JSON.stringify(JSON_OUT).slice(0, 40))
    c.stdout.write(JSON.stringify(JSON_OUT).slice(40) + '\n')
    c.exit(1) // a disagreement is still a result
    const f = await t.done
    expect(t.progress.map((p) => p.line)).toEqual([
      'starting the oracle for T1.p2plab',
      'kernel 7.2 cached',
      'booting T1: Skylake-Server, 6 NVMe',
      '  7.8 s: guest kernel is up',
    ])
    expect(t.progress.every((p) => p.runId === runId)).toBe(true)
    expect(f).toMatchObject({ runId, outcome: 'done', revision: 7, error: null })
    expect(f.report!.pairs.map((p) => p.status)).toEqual(['confirmed', 'contradicted'])
    expect(f.report!.pairs[1]!.kernel).toEqual({ allowed: false, errno: 'EINVAL', data: 'n/a' })
    expect(f.report!.kernelRelease).toBe('7.2.13+deb14-amd64')
    expect(t.cleanup).toHaveBeenCalled()
    expect(t.service.availability().running).toBeNull()
  })

  it('cancel kills the whole process group and finishes as cancelled', async () => {
    const t = setup()
    t.service.start(LAB, 1, t.sink)
    expect(() => t.service.start(LAB, 1, t.sink)).toThrow(/already in progress/)
    expect(t.service.cancel()).toBe(true)
    expect(t.killGroup).toHaveBeenCalledWith(4242, 'SIGKILL')
    t.children[0]!.exit(null, 'SIGKILL')
    const f = await t.done
    expect(f.outcome).toBe('cancelled')
    expect(f.report).toBeNull()
    expect(t.service.cancel()).toBe(false)
  })

  it.each([
    {
      run: 'a failed run (exit 2, no JSON) reports the last stderr lines',
      stream: 'stderr' as const,
      text: 'error: apt-get download failed: no network\n',
      code: 2,
      error: /code 2: error: apt-get download failed: no network/,
    },
    {
      run: 'exit 0 with garbage on stdout is a failure, not an empty success',
      stream: 'stdout' as const,
      text: 'no json here\n',
      code: 0,
      error: /no JSON/,
    },
  ])('$run', async ({ stream, text, code, error }) => {
    const t = setup()
    t.service.start(LAB, 1, t.sink)
    t.children[0]![stream].write(text)
    t.children[0]!.exit(code)
    const f = await t.done
    expect(f.outcome).toBe('failed')
    expect(f.error).toMatch(error)
  })

  it('says why it is unavailable', () => {
    expect(setup({ hasCommand: () => false }).service.availability()).toEqual({
      available: false,
      reason: expect.stringMatching(/qemu-system-x86_64 is not installed/),
      running: null,
    })
    expect(setup({ platform: 'darwin', arch: 'arm64' }).service.availability().reason).toMatch(
      /Linux on x86_64/,
    )
    expect(setup({ exists: () => false }).service.availability().reason).toMatch(/development checkout/)
    const t = setup({ hasCommand: () => false })
    expect(() => t.service.start(LAB, 1, t.sink)).toThrow(/not installed/)
    expect(t.spawned).toHaveLength(0)
  })

  it('in the installed app, says first and plainly what it needs (not "install QEMU" first)', () => {
    // Everything missing at once, as on a user's laptop: the packaged reason comes before the rest.
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const r = setup({
        packaged: true,
        platform,
        hasCommand: () => false,
        exists: () => false,
      }).service.availability()
      expect(r.available).toBe(false)
      expect(r.reason).toMatch(
        /^The installed app cannot run the real-kernel check: it needs a development checkout/,
      )
      expect(r.reason).toMatch(/Linux x86_64.*qemu-system-x86_64.*gcc/)
      expect(r.reason).not.toMatch(/^qemu|needs Linux on/)
    }
    // Even with QEMU installed, packaged never claims to be available.
    expect(setup({ packaged: true }).service.availability().available).toBe(false)
  })

  it('a host may switch it off with its own reason (the harness without --oracle)', () => {
    const t = setup({ enabled: false, disabledReason: 'start the harness with --oracle' })
    expect(t.service.availability()).toEqual({
      available: false,
      reason: 'start the harness with --oracle',
      running: null,
    })
    expect(() => t.service.start(LAB, 1, t.sink)).toThrow(/--oracle/)
    expect(t.spawned).toHaveLength(0)
  })

  it('parseOracleJson keeps only known statuses and strings', () => {
    const r = parseOracleJson(
      'noise before\n' +
        JSON.stringify({ ...JSON_OUT, pairs: [{ ...JSON_OUT.pairs[0], status: 'weird', log: [1, 'x'] }] }),
    )
    expect(r.pairs[0]!.status).toBe('unreproducible')
    expect(r.pairs[0]!.log).toEqual(['x'])
    expect(() => parseOracleJson('{"pairs": 3}')).toThrow(/no pairs/)
  })
})

describe('oracle channels (createHandlers)', () => {
  function host(over: Partial<OracleServiceOptions> = {}) {
    const t = setup(over)
    const events: { channel: keyof Events; payload: unknown }[] = []
    const session = new LabSession({ version: '0.0.0' })
    const handlers = createHandlers(
      session,
      (channel, payload) => events.push({ channel, payload }),
      'test',
      {
        oracle: t.service,
      },
    )
    return { t, events, handlers, session }
  }

  it('oracle.start runs the current lab and pushes oracle.progress and oracle.finished', async () => {
    const { t, events, handlers, session } = host()
    expect(dispatchNow(handlers, 'oracle.available', [])).toEqual({
      ok: true,
      value: { available: true, reason: null, running: null },
    })
    const r = dispatchNow(handlers, 'oracle.start', [])
    expect(r).toEqual({ ok: true, value: { runId: 'oracle-1' } })
    const again = dispatchNow(handlers, 'oracle.start', [])
    expect(again.ok).toBe(false)
    const c = t.children[0]!
    c.stderr.write('oracle: booting\n')
    c.stdout.write(JSON.stringify(JSON_OUT))
    c.exit(0)
    await vi.waitFor(() => expect(events.some((e) => e.channel === 'oracle.finished')).toBe(true), {
      timeout: 30_000,
    })
    expect(events.filter((e) => e.channel === 'oracle.progress').map((e) => e.payload)).toEqual([
      { runId: 'oracle-1', line: expect.stringMatching(/^starting the oracle/) },
      { runId: 'oracle-1', line: 'booting' },
    ])
    const fin = events.find((e) => e.channel === 'oracle.finished')!.payload as OracleFinished
    expect(fin.outcome).toBe('done')
    const cur = session.current()
    expect(cur.ok && fin.revision).toBe(cur.ok ? cur.value.revision : -1)
  })

  it('oracle.cancel answers whether something was cancelled', () => {
    const { handlers } = host()
    expect(dispatchNow(handlers, 'oracle.cancel', [])).toEqual({ ok: true, value: { cancelled: false } })
    dispatchNow(handlers, 'oracle.start', [])
    expect(dispatchNow(handlers, 'oracle.cancel', [])).toEqual({ ok: true, value: { cancelled: true } })
  })

  it('wrong shapes are refused before anything runs', () => {
    const { t, handlers } = host()
    for (const ch of ['oracle.available', 'oracle.start', 'oracle.cancel']) {
      const r = dispatchNow(handlers, ch, [{ lab: '/etc/passwd' }])
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.kind).toBe('input')
    }
    expect(t.spawned).toHaveLength(0)
  })

  it('unavailable: oracle.start is refused with the reason; a host without the service says so', () => {
    const { t, handlers } = host({ hasCommand: () => false })
    const r = dispatchNow(handlers, 'oracle.start', [])
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.message).toMatch(/qemu-system-x86_64 is not installed/)
    expect(t.spawned).toHaveLength(0)
    const bare = createHandlers(new LabSession({ version: '0' }), () => undefined)
    const a = bare['oracle.available']()
    expect(a.ok && a.value.available).toBe(false)
  })
})
