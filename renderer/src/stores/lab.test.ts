import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { useLabStore } from './lab'
import { makeView } from '../testing/fake-lab'
import { setup } from '../testing/setup-helpers'

describe('useLabStore', () => {
  it('loads the current lab and the app info', async () => {
    const { fake } = await setup(makeView(5))
    const store = useLabStore()
    expect(store.view?.revision).toBe(5)
    expect(store.info?.host).toBe('test')
    expect(fake.api.on).toHaveBeenCalledWith('lab.changed', expect.any(Function))
  })

  it('drops a stale revision pushed after a newer one', async () => {
    const { fake } = await setup(makeView(5))
    const store = useLabStore()
    fake.emit('lab.changed', makeView(7, { lab: { ...makeView().lab, name: 'newer' } }))
    expect(store.view?.revision).toBe(7)
    fake.emit('lab.changed', makeView(6, { lab: { ...makeView().lab, name: 'stale' } }))
    expect(store.view?.revision).toBe(7)
    expect(store.view?.lab.name).toBe('newer')
  })

  it('drops a stale answer that arrives after a newer event', async () => {
    const { fake } = await setup(makeView(1))
    const store = useLabStore()
    let resolve!: (v: unknown) => void
    ;(
      fake.api.invoke['lab.current'] as unknown as { mockImplementationOnce(f: () => Promise<unknown>): void }
    ).mockImplementationOnce(() => new Promise((r) => (resolve = r)))
    const pending = store.load()
    fake.emit('lab.changed', makeView(3))
    resolve({ ok: true, value: makeView(2) })
    await pending
    await flushPromises()
    expect(store.view?.revision).toBe(3)
  })

  it('keeps the view and records the error when a request fails', async () => {
    const { fake } = await setup(makeView(2))
    const store = useLabStore()
    const error = {
      kind: 'input' as const,
      message: 'bad file',
      issues: [{ source: 'x.xml', line: 3, column: 7, message: 'unexpected <foo>' }],
    }
    ;(
      fake.api.invoke['lab.importText'] as unknown as { mockResolvedValueOnce(v: unknown): void }
    ).mockResolvedValueOnce({ ok: false, error })
    expect(await store.importText('x.xml', '<foo/>')).toBe(false)
    expect(store.lastError).toEqual(error)
    expect(store.view?.revision).toBe(2)
    expect(store.busy).toBe(false)
  })

  it('turns a broken transport into an internal error', async () => {
    const { fake } = await setup(makeView(2))
    const store = useLabStore()
    ;(
      fake.api.invoke['lab.setSettings'] as unknown as { mockRejectedValueOnce(v: unknown): void }
    ).mockRejectedValueOnce(new Error('Error invoking remote method: socket closed'))
    await store.setSettings({ iommu: true })
    expect(store.lastError).toEqual({
      kind: 'internal',
      message: 'Error invoking remote method: socket closed',
      issues: [],
    })
  })
})
