import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import RecoveryBanner from './RecoveryBanner.vue'
import { useLabStore } from '../stores/lab'
import { installFakeLab, makeView, type FakeLab } from '../testing/fake-lab'

let fake: FakeLab
beforeEach(() => {
  setActivePinia(createPinia())
  fake = installFakeLab()
})

const AVAILABLE = {
  available: true,
  savedAt: '2026-11-27T10:00:00.000Z',
  originalPath: '/home/ann/gpu.p2plab',
  labName: 'GPU box',
}

describe('RecoveryBanner', () => {
  it('shows nothing when there is nothing to recover', async () => {
    const w = mount(RecoveryBanner)
    await flushPromises()
    expect(fake.api.invoke['lab.recovery']).toHaveBeenCalledTimes(1)
    expect(w.find('[data-test="recovery-banner"]').exists()).toBe(false)
  })

  it('offers the autosave; Restore loads it into the lab store', async () => {
    vi.mocked(fake.api.invoke['lab.recovery']).mockResolvedValueOnce({ ok: true, value: AVAILABLE })
    const recovered = makeView(9, { dirty: true, filePath: AVAILABLE.originalPath })
    vi.mocked(fake.api.invoke['lab.recover']).mockResolvedValueOnce({ ok: true, value: recovered })
    const w = mount(RecoveryBanner)
    await flushPromises()
    const banner = w.find('[data-test="recovery-banner"]')
    expect(banner.text()).toContain('GPU box')
    expect(banner.text()).toContain('/home/ann/gpu.p2plab')
    await w.find('[data-test="recover"]').trigger('click')
    await flushPromises()
    expect(useLabStore().view?.revision).toBe(9)
    expect(useLabStore().view?.dirty).toBe(true)
    expect(w.find('[data-test="recovery-banner"]').exists()).toBe(false)
  })

  it('Discard deletes the autosave and hides the banner', async () => {
    vi.mocked(fake.api.invoke['lab.recovery']).mockResolvedValueOnce({ ok: true, value: AVAILABLE })
    const w = mount(RecoveryBanner)
    await flushPromises()
    await w.find('[data-test="discard-recovery"]').trigger('click')
    await flushPromises()
    expect(fake.api.invoke['lab.discardRecovery']).toHaveBeenCalledTimes(1)
    expect(fake.api.invoke['lab.recover']).not.toHaveBeenCalled()
    expect(w.find('[data-test="recovery-banner"]').exists()).toBe(false)
  })
})
