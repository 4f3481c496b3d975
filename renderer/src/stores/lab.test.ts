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

  it('a picked or dropped file: the desktop app opens it by path (file.open), never as bare text', async () => {
    const { fake } = await setup(makeView(2))
    const store = useLabStore()
    const opened = makeView(3, { filePath: '/home/u/T1.p2plab' })
    ;(fake.api.openFile as unknown as { mockResolvedValueOnce(v: unknown): void }).mockResolvedValueOnce({
      ok: true,
      value: opened,
    })
    const file = new File(['{}'], 'T1.p2plab')
    expect(await store.openFile(file)).toBe(true)
    expect(fake.api.openFile).toHaveBeenCalledWith(file)
    expect(fake.api.invoke['lab.importText']).not.toHaveBeenCalled()
    expect(store.view?.filePath).toBe('/home/u/T1.p2plab')
  })

  it('where the host has no path (the browser harness) the text is imported, as strict UTF-8', async () => {
    const { fake } = await setup(makeView(2))
    const store = useLabStore()
    expect(await store.openFile(new File(['\ufeffGPU0\tX\n'], 'box.txt'))).toBe(true)
    expect(fake.api.invoke['lab.importText']).toHaveBeenCalledWith({ fileName: 'box.txt', text: 'GPU0\tX\n' })
    const latin1 = new File([new Uint8Array([0x7b, 0x0a, 0x22, 0xe9, 0x22, 0x7d])], 'latin1.p2plab')
    expect(await store.openFile(latin1)).toBe(false)
    expect(store.lastError).toMatchObject({
      kind: 'input',
      message: expect.stringMatching(/^latin1\.p2plab:2:2: the text is not valid UTF-8/) as unknown as string,
      issues: [{ source: 'latin1.p2plab', line: 2, column: 2 }],
    })
    expect(fake.api.invoke['lab.importText']).toHaveBeenCalledTimes(1)
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
