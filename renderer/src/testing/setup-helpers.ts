import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { flushPromises } from '@vue/test-utils'
import { useLabStore } from '../stores/lab'
import { installFakeLab, makeView, type FakeLab } from './fake-lab'
import type { LabView } from '../../../shared/ipc/contract'

/** A real Pinia over a fake window.lab, with the lab already loaded. */
export async function setup(view: LabView = makeView()): Promise<{ pinia: Pinia; fake: FakeLab }> {
  const fake = installFakeLab(view)
  const pinia = createPinia()
  setActivePinia(pinia)
  await useLabStore().load()
  await flushPromises()
  return { pinia, fake }
}
