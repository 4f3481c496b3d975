import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { IpcError, Result, SavedFile } from '../../../shared/ipc/contract'
import type { ReportText } from '../../../shared/model/stepper'
import { CLASS_STOPPED, type ClassAddress, type ClassStatus } from '../../../shared/model/class'
import { invoke } from '../api/lab'
import { useEngineEvent } from '../composables/useEngineEvent'
import { downloadText } from '../components/editor/exportImage'

/** The port a class proposes first (any free one with 0). */
export const DEFAULT_CLASS_PORT = 8420

/**
 * The class session as the instructor's windows show it (the Class tab, the presenter's class
 * panel): the status main pushes on every change (class.changed: joins and answers arrive a few
 * times a second at most), and the instructor's actions — start, stop, ask, reveal, export. The
 * status is replaced wholesale, never edited here.
 */
export const useClassStore = defineStore('class', () => {
  const status = shallowRef<ClassStatus>(CLASS_STOPPED)
  const addresses = shallowRef<ClassAddress[]>([])
  const lastError = shallowRef<IpcError | null>(null)
  const busy = ref(false)
  /** The last export: where it went (a path in Electron, the file name of a download in the harness). */
  const exported = shallowRef<{ fileName: string; path: string | null } | null>(null)

  const running = computed(() => status.value.running)
  const ask = computed(() => status.value.ask)

  useEngineEvent('class.changed', (s) => {
    status.value = s
  })

  async function settle<T>(p: Promise<Result<T>>, accept: (v: T) => void): Promise<boolean> {
    busy.value = true
    try {
      const r = await p
      if (!r.ok) {
        lastError.value = r.error
        return false
      }
      lastError.value = null
      accept(r.value)
      return true
    } finally {
      busy.value = false
    }
  }
  const setStatus = (s: ClassStatus) => {
    status.value = s
  }

  /** The status and this machine's addresses (on opening the Class tab or the presenter). */
  async function refresh(): Promise<boolean> {
    const ok = await settle(invoke('class.status'), setStatus)
    if (!ok) return false
    return settle(invoke('class.addresses'), (a) => {
      addresses.value = a
    })
  }

  const start = (host: string, port: number) => settle(invoke('class.start', { host, port }), setStatus)
  const stop = () => settle(invoke('class.stop'), setStatus)
  const askExercise = (scenario: number, exercise: number) =>
    settle(invoke('class.ask', { scenario, exercise }), setStatus)
  const closeAsk = () => settle(invoke('class.ask', null), setStatus)
  const reveal = () => settle(invoke('class.reveal'), setStatus)

  /**
   * Export the results: main's save dialog in Electron; where there is none (the browser harness),
   * the file is downloaded.
   */
  async function exportResults(format: 'csv' | 'json'): Promise<boolean> {
    let saved: SavedFile | null = null
    if (!(await settle(invoke('class.saveResults', { format }), (v) => (saved = v)))) return false
    const s = saved as SavedFile | null
    if (!s) return false
    if (s.dialog) {
      // Cancelled in the dialog: nothing to do.
      if (s.saved) exported.value = { fileName: s.path?.split(/[\\/]/).pop() ?? '', path: s.path }
      return s.saved
    }
    let file: ReportText | null = null
    if (!(await settle(invoke('class.results', { format }), (v) => (file = v)))) return false
    const f = file as ReportText | null
    if (!f) return false
    downloadText(f.fileName, f.text, f.mime)
    exported.value = { fileName: f.fileName, path: null }
    return true
  }

  function clearError() {
    lastError.value = null
  }

  return {
    status,
    addresses,
    lastError,
    busy,
    exported,
    running,
    ask,
    refresh,
    start,
    stop,
    askExercise,
    closeAsk,
    reveal,
    exportResults,
    clearError,
  }
})
