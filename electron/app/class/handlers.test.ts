/**
 * The class.* channels through the shared handler table (what main and the browser harness host):
 * validated like every channel, answered asynchronously where the server starts, stops or a save
 * dialog opens, and pushed to the instructor's other windows as class.changed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Result, SavedFile } from '../../../shared/ipc/contract'
import type { ClassStatus } from '../../../shared/model/class'
import { LabSession } from '../session'
import { createHandlers, dispatch as dispatchAny, type SaveTextRequest } from '../ipc/handlers'

/** Every answer awaited: class.start, class.stop and class.saveResults answer promises. */
const dispatch = async (...a: Parameters<typeof dispatchAny>): Promise<Result<unknown>> => dispatchAny(...a)
import { ClassHost } from './host'

let renderer: string
beforeAll(() => {
  renderer = mkdtempSync(join(tmpdir(), 'class-handlers-'))
  writeFileSync(join(renderer, 'attendee.html'), '<!doctype html><title>attendee</title>')
})
afterAll(() => rmSync(renderer, { recursive: true, force: true }))

const LOOPBACK = [{ address: '127.0.0.1', family: 'IPv4' as const, iface: 'lo', internal: true }]

function setup(saveText?: (req: SaveTextRequest) => Promise<Omit<SavedFile, 'dialog'>>) {
  const session = new LabSession()
  const lab = structuredClone(session.labFile) as unknown as { scenarios: Record<string, unknown>[] }
  lab.scenarios[0]!['exercises'] = [
    { kind: 'errno', op: 2, question: 'Which errno?', answer: 'EFAULT', explanation: 'mm/gup.c' },
  ]
  session.importText({ fileName: 'c.p2plab', text: JSON.stringify(lab) })
  const host = new ClassHost(session, { rendererDir: renderer, addresses: () => LOOPBACK, throttleMs: 0 })
  const emit = vi.fn()
  const handlers = createHandlers(session, emit, 'test', { class: host, ...(saveText ? { saveText } : {}) })
  return { session, host, emit, handlers }
}

const value = <T>(r: Result<unknown>): T => {
  if (!r.ok) throw new Error(r.error.message)
  return r.value as T
}

describe('class.* channels', () => {
  it('start, ask, reveal, stop: the requester gets the status, the other windows class.changed', async () => {
    const { host, emit, handlers } = setup()
    const me = { window: 'main' }
    const started = value<ClassStatus>(
      await dispatch(handlers, 'class.start', [{ host: '127.0.0.1', port: 0 }], me),
    )
    expect(started).toMatchObject({ running: true, host: '127.0.0.1', maxAttendees: 300 })
    expect(started.code).toMatch(/^[A-Z2-9]{4}$/)
    expect(started.joinUrl).toBe(`${started.url}#code=${started.code}`)
    expect(emit).toHaveBeenCalledWith('class.changed', expect.objectContaining({ running: true }))

    emit.mockClear()
    const asked = value<ClassStatus>(
      await dispatch(handlers, 'class.ask', [{ scenario: 0, exercise: 0 }], me),
    )
    expect(asked.ask).toMatchObject({ key: '0:0', answered: 0, reveal: null })
    expect(emit).toHaveBeenCalledWith('class.changed', asked, { except: me })
    expect(value<ClassStatus>(await dispatch(handlers, 'class.reveal', [])).ask!.reveal!.answer).toBe(
      'EFAULT',
    )
    expect(value<ClassStatus>(await dispatch(handlers, 'class.status', [])).ask!.reveal).not.toBeNull()
    const stopped = value<ClassStatus>(await dispatch(handlers, 'class.stop', []))
    expect(stopped.running).toBe(false)
    expect(host.running).toBe(false)
  })

  it('validates every request; refusals change nothing', async () => {
    const { host, handlers } = setup()
    for (const [ch, args] of [
      ['class.start', [{ host: '127.0.0.1' }]],
      ['class.start', [{ host: 'evil.example', port: 80 }]],
      ['class.start', [{ host: '127.0.0.1', port: 70000 }]],
      ['class.start', [{ host: '127.0.0.1', port: 0, maxAttendees: 0 }]],
      ['class.ask', [{ scenario: -1, exercise: 0 }]],
      ['class.ask', []],
      ['class.results', [{ format: 'xml' }]],
      ['class.saveResults', [{ format: 'csv', path: '/etc/passwd' }]],
    ] as const) {
      const r = await dispatch(handlers, ch, [...args])
      expect(r.ok, `${ch} ${JSON.stringify(args)}`).toBe(false)
      if (!r.ok) expect(r.error.kind).toBe('input')
    }
    // No class yet: asking, revealing and results are refused with a reason.
    for (const ch of ['class.reveal', 'class.results'] as const) {
      const r = await dispatch(handlers, ch, ch === 'class.results' ? [{ format: 'csv' }] : [])
      expect(r.ok).toBe(false)
    }
    expect((await dispatch(handlers, 'class.ask', [{ scenario: 0, exercise: 0 }])).ok).toBe(false)
    expect(host.status().running).toBe(false)
  })

  it('a host without a class server says so', async () => {
    const handlers = createHandlers(new LabSession(), vi.fn())
    for (const ch of ['class.status', 'class.addresses', 'class.reveal', 'class.stop'] as const) {
      const r = await dispatch(handlers, ch, [])
      expect(!r.ok && r.error.message).toContain('does not run a class server')
    }
  })

  it('saveResults uses the host save dialog, or answers dialog false (the page downloads instead)', async () => {
    const saved: SaveTextRequest[] = []
    const { handlers } = setup(async (req) => {
      saved.push(req)
      return { saved: true, path: `/tmp/${req.fileName}` }
    })
    await dispatch(handlers, 'class.start', [{ host: '127.0.0.1', port: 0 }])
    const r = value<SavedFile>(await dispatch(handlers, 'class.saveResults', [{ format: 'csv' }]))
    expect(r).toEqual({ saved: true, path: expect.stringMatching(/\/tmp\/class-.*\.csv$/), dialog: true })
    expect(saved[0]!.text.split('\r\n')[0]).toContain('attendee,attendeeId,exercise')
    expect(saved[0]!.filters).toEqual([{ name: 'CSV (spreadsheet)', extensions: ['csv'] }])
    await dispatch(handlers, 'class.stop', [])

    const failing = setup(async () => {
      throw new Error('EACCES: permission denied')
    })
    await dispatch(failing.handlers, 'class.start', [{ host: '127.0.0.1', port: 0 }])
    const bad = await dispatch(failing.handlers, 'class.saveResults', [{ format: 'json' }])
    expect(!bad.ok && bad.error).toMatchObject({ kind: 'input', message: expect.stringContaining('EACCES') })
    await dispatch(failing.handlers, 'class.stop', [])

    const harness = setup()
    await dispatch(harness.handlers, 'class.start', [{ host: '127.0.0.1', port: 0 }])
    expect(value(await dispatch(harness.handlers, 'class.saveResults', [{ format: 'json' }]))).toEqual({
      saved: false,
      path: null,
      dialog: false,
    })
    const json = value<{ text: string }>(
      await dispatch(harness.handlers, 'class.results', [{ format: 'json' }]),
    )
    expect(JSON.parse(json.text)).toMatchObject({ format: 'p2p-dma-lab-class-results', version: 1 })
    await dispatch(harness.handlers, 'class.stop', [])
  })
})
