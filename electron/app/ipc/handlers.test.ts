/**
 * The IPC contract end to end through the shared handler table (electron/app/ipc/handlers.ts),
 * against the real engine: every channel has a schema and a handler; hostile payloads are refused
 * with located 'input' issues and change nothing; valid calls work.
 */
import type { StepperView } from '../../../shared/model/stepper'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import {
  eventChannels,
  invokeChannels,
  type IpcError,
  type LabView,
  type Result,
} from '../../../shared/ipc/contract'
import { requestSchemas } from '../../../shared/ipc/schemas'
import { LIMITS } from '../../../shared/model/lab-schema'
import { LabSession } from '../session'
import { createHandlers, type Handlers } from './handlers'
import { dispatchNow, now } from '../../../tests/helpers/dispatch'

const CHANNELS = Object.keys(invokeChannels) as (keyof typeof invokeChannels)[]

function setup(): { session: LabSession; handlers: Handlers; emit: ReturnType<typeof vi.fn> } {
  const session = new LabSession({ version: '0.0.0-test' })
  const emit = vi.fn()
  return { session, handlers: createHandlers(session, emit), emit }
}

function state(session: LabSession): string {
  const r = session.current()
  if (!r.ok) throw new Error('current() failed')
  return JSON.stringify([r.value.revision, r.value.lab, r.value.matrix])
}

function expectInputError(r: Result<unknown>, channel: string): IpcError {
  expect(r.ok).toBe(false)
  if (r.ok) throw new Error('unreachable')
  expect(r.error.kind).toBe('input')
  expect(r.error.message.startsWith(`lab:${channel}: `)).toBe(true)
  expect(r.error.issues.length).toBeGreaterThan(0)
  expect(r.error.issues.length).toBeLessThanOrEqual(20)
  for (const issue of r.error.issues) {
    expect(issue.source).toBe(`ipc:${channel}`)
    expect(typeof issue.path).toBe('string')
    expect(issue.path!.length).toBeGreaterThan(0)
    expect(issue.message.length).toBeGreaterThan(0)
    expect(issue.message.length).toBeLessThanOrEqual(300)
  }
  // The answer itself must cross IPC / JSON unchanged.
  expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  return r.error
}

/** Objects whose own keys try prototype pollution. */
const pollution = fc.constantFrom(
  JSON.parse('{"__proto__": {"polluted": true}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
  JSON.parse('{"fileName": "a.xml", "text": "x", "__proto__": {"polluted": true}}'),
  JSON.parse('{"era": "v5.0", "__proto__": {"polluted": true}}'),
  JSON.parse('{"provider": "0000:00:00.0", "client": "0000:00:00.0", "prototype": 1}'),
  JSON.parse('{"cpu": {"vendor": "amd", "family": 23, "__proto__": {"polluted": true}}}'),
  Object.assign(Object.create(null) as object, { era: 'v5.0', toString: 1 }),
)

const junk = fc.anything({
  maxDepth: 4,
  maxKeys: 6,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
})

const wrongTypes = fc.record(
  {
    fileName: fc.oneof(junk, fc.constant(''), fc.string({ minLength: 4097, maxLength: 5000 })),
    text: junk,
    era: fc.oneof(junk, fc.constantFrom('v4.19', 'V5.0', 'latest', '')),
    iommu: junk,
    seed: fc.oneof(junk, fc.constantFrom(-1, 1.5, 2 ** 32, Number.NaN, Infinity)),
    cpu: junk,
    provider: fc.oneof(junk, fc.constantFrom('0000:03:00.0 ', '00:03.0', '0000:03:00.8', 'x'.repeat(100))),
    client: junk,
    extra: junk,
  },
  { requiredKeys: [] },
)

/** Argument lists of every wrong shape: junk, wrong-typed fields, extra arguments, pollution keys. */
const payloads = fc.oneof(
  fc.array(junk, { maxLength: 4 }),
  fc.tuple(wrongTypes),
  fc.tuple(pollution),
  fc.tuple(pollution, junk),
  fc.tuple(fc.record({ fileName: fc.constant('a.p2plab'), text: fc.constant('{}') }), junk),
  fc.tuple(fc.constant({ era: 'v5.0' }), junk, junk),
  fc.tuple(junk, fc.constant({ era: 'v5.0' })),
)

describe('IPC contract', () => {
  it('has a schema and a handler for every channel, and nothing else', () => {
    const { handlers } = setup()
    expect(Object.keys(requestSchemas).sort()).toEqual([...CHANNELS].sort())
    expect(Object.keys(handlers).sort()).toEqual([...CHANNELS].sort())
    for (const ch of CHANNELS) expect(typeof handlers[ch]).toBe('function')
    expect(Object.keys(eventChannels)).toEqual([
      'lab.changed',
      'p2p.summary',
      'timeline.changed',
      'oracle.progress',
      'oracle.finished',
      'class.changed',
    ])
  })

  it('pushes every stepping answer as timeline.changed (the presenter follows it); app.presenter.open needs a host', () => {
    const { session, handlers, emit } = setup()
    session.loadDefault()
    const started = handlers['scenario.start']({ index: 0 }) as Result<StepperView>
    expect(started.ok).toBe(true)
    expect(emit).toHaveBeenLastCalledWith('timeline.changed', started.ok ? started.value : null)
    const stepped = handlers['timeline.step']({ kind: 'into' }) as Result<StepperView>
    expect(stepped.ok && emit.mock.lastCall).toEqual(['timeline.changed', stepped.ok ? stepped.value : null])
    emit.mockClear()
    expect(handlers['timeline.step']({ kind: 'nope' }).ok).toBe(false)
    expect(emit).not.toHaveBeenCalled()
    expect(handlers['app.presenter.open']()).toEqual({ ok: true, value: { opened: false } })
    const open = vi.fn()
    const withHost = createHandlers(new LabSession({ version: '0' }), vi.fn(), 'electron', {
      openPresenter: open,
    })
    expect(withHost['app.presenter.open']()).toEqual({ ok: true, value: { opened: true } })
    expect(open).toHaveBeenCalledOnce()
  })

  it('refuses wrong-shaped payloads on every channel with located input issues, changing nothing', () => {
    const { session, handlers, emit } = setup()
    const before = state(session)
    fc.assert(
      fc.property(fc.constantFrom(...CHANNELS), payloads, (channel, args) => {
        // Only wrong-shaped payloads: a random value that happens to be valid (e.g. setSettings({})) is skipped.
        let valid: boolean
        try {
          valid = requestSchemas[channel].safeParse(args).success
        } catch {
          valid = false
        }
        fc.pre(!valid)
        expectInputError(now(handlers[channel](...args) as Result<unknown>), channel)
        expect(state(session)).toBe(before)
      }),
      { numRuns: 1500, seed: 0x2019 },
    )
    expect(emit).not.toHaveBeenCalled()
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it('refuses huge strings and over-long argument lists', () => {
    const { session, handlers } = setup()
    const before = state(session)
    const huge = 'x'.repeat(LIMITS.maxFileBytes + 1)
    const e = expectInputError(
      handlers['lab.importText']({ fileName: 'big.txt', text: huge }),
      'lab.importText',
    )
    expect(e.issues[0]!.path).toBe('0.text')
    expect(e.message).toContain('16 MiB')
    expectInputError(
      handlers['lab.importText']({ fileName: 'f'.repeat(100_000), text: '' }),
      'lab.importText',
    )
    expectInputError(
      handlers['lab.setSettings']({ disableAcsRedir: 'a'.repeat(1_000_000) }),
      'lab.setSettings',
    )
    expectInputError(handlers['p2p.explain']({ provider: '0'.repeat(1_000_000), client: '' }), 'p2p.explain')
    expectInputError(handlers['app.info'](1), 'app.info')
    expectInputError(handlers['lab.current'](undefined), 'lab.current')
    expectInputError(handlers['lab.importText'](), 'lab.importText')
    const missing = expectInputError(handlers['lab.importText']({ text: 'x' }), 'lab.importText')
    expect(missing.issues[0]!.path).toBe('0.fileName')
    expect(missing.message).toMatch(/^lab:lab\.importText: 0\.fileName: /)
    expect(state(session)).toBe(before)
  })

  it('reports a payload getter that throws as input, not as a crash', () => {
    const { session, handlers } = setup()
    const before = state(session)
    const evil = {
      get fileName(): string {
        throw new Error('gotcha')
      },
      text: '',
    }
    expectInputError(handlers['lab.importText'](evil), 'lab.importText')
    expect(state(session)).toBe(before)
  })

  it('dispatch refuses unknown channels and non-list arguments', () => {
    const { handlers } = setup()
    for (const ch of ['nope', 'lab:app.info', '__proto__', 'toString', 'constructor', '']) {
      const r = dispatchNow(handlers, ch, [])
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.error.kind).toBe('input')
        expect(r.error.message).toContain('unknown channel')
      }
    }
    const r = dispatchNow(handlers, 'app.info', 'x' as unknown as unknown[])
    expect(r.ok).toBe(false)
    expect(dispatchNow(handlers, 'app.info', []).ok).toBe(true)
  })

  it('turns engine exceptions into kind internal', () => {
    const broken = {
      onDidChange: () => () => undefined,
      onDidChangeSummary: () => () => undefined,
      current: () => {
        throw new TypeError('engine bug')
      },
    } as unknown as LabSession
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const r = createHandlers(broken, vi.fn())['lab.current']()
    spy.mockRestore()
    expect(r).toEqual({
      ok: false,
      error: {
        kind: 'internal',
        message: 'lab:lab.current: internal error: TypeError: engine bug',
        issues: [],
      },
    })
  })

  it('valid calls work end to end against the real engine and push lab.changed', () => {
    const { session, handlers, emit } = setup()
    const info = handlers['app.info']()
    expect(info.ok && info.value.host).toBe('test')

    const set = handlers['lab.setSettings']({ era: 'v5.0' })
    expect(set.ok).toBe(true)
    const view = (set as { value: LabView }).value
    expect(view.lab.settings.era).toBe('v5.0')
    expect(view.matrix.era).toBe('v5.0')
    expect(emit).toHaveBeenLastCalledWith('lab.changed', view)

    // A bad file leaves everything as it was.
    const before = state(session)
    const calls = emit.mock.calls.length
    const bad = handlers['lab.importText']({
      fileName: 'broken.p2plab',
      text: '{"format":"p2p-dma-lab","schemaVersion":1,',
    })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error.kind).toBe('input')
    expect(state(session)).toBe(before)
    expect(emit.mock.calls.length).toBe(calls)

    const exported = handlers['lab.exportText']()
    expect(exported.ok).toBe(true)
    const def = handlers['lab.loadDefault']()
    expect(def.ok && def.value.lab.settings.era).not.toBe('v5.0')
    const back = handlers['lab.importText']({
      fileName: 'mine.p2plab',
      text: (exported as { value: { text: string } }).value.text,
    })
    expect(back.ok && back.value.lab.settings.era).toBe('v5.0')
    expect(back.ok && back.value.revision).toBe(4)

    const pair = (back as { value: LabView }).value.matrix.pairs[0]!
    const explained = handlers['p2p.explain']({ provider: pair.provider, client: pair.client })
    expect(explained.ok).toBe(true)
    const current = handlers['lab.current']()
    expect(current.ok && current.value.revision).toBe(4)
  })
})

describe('one trip per change', () => {
  it('a change reaches the requester once (in its reply) and every other window as lab.changed', () => {
    const { handlers, emit } = setup()
    const requester = { name: 'main window' }
    const r = dispatchNow(handlers, 'lab.setSettings', [{ era: 'v5.0' }], requester) as Result<LabView>
    expect(r.ok).toBe(true)
    const changed = emit.mock.calls.filter(([ch]) => ch === 'lab.changed')
    expect(changed).toHaveLength(1)
    // the event is addressed to everyone but the requester, whose reply already carries the view
    expect(changed[0]![2]).toEqual({ except: requester })
    if (r.ok) expect((changed[0]![1] as LabView).revision).toBe(r.value.revision)
  })

  it('a stepping answer is pushed to the other windows only', () => {
    const { handlers, emit } = setup()
    const requester = { name: 'main window' }
    const started = dispatchNow(handlers, 'scenario.start', [{ index: 0 }], requester)
    expect(started.ok).toBe(true)
    const pushed = emit.mock.calls.filter(([ch]) => ch === 'timeline.changed')
    expect(pushed.length).toBeGreaterThan(0)
    for (const call of pushed) expect(call[2]).toEqual({ except: requester })
  })

  it('a change from outside any request (the menu, a file opened by the OS) reaches every window', () => {
    const { session, emit } = setup()
    session.loadDefault()
    const changed = emit.mock.calls.filter(([ch]) => ch === 'lab.changed')
    expect(changed).toHaveLength(1)
    expect(changed[0]![2]).toBeUndefined()
  })

  it('an edit answers with the edited machine', () => {
    const { session, handlers } = setup()
    const before = session.current()
    if (!before.ok) throw new Error('current')
    const hb = before.value.nodes.find((n) => n.kind === 'host_bridge')!
    const r = dispatchNow(handlers, 'topology.edit', [
      { op: 'addNode', kind: 'root_port', parent: hb.id, id: 'rpNew' },
    ]) as Result<LabView>
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.value.nodes.some((n) => n.id === 'rpNew')).toBe(true)
  })
})
