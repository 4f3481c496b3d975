import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { IpcError, OracleAvailability, OracleFinished, OraclePair } from '../../../shared/ipc/contract'
import { invoke } from '../api/lab'
import { useEngineEvent } from '../composables/useEngineEvent'
import { useLabStore } from './lab'

/** At most this many progress lines are kept (a run prints a few dozen). */
const MAX_LINES = 400

/**
 * "Verify with a real kernel": main runs the oracle in a child process; this store starts and
 * cancels it, collects the streamed progress lines and holds the per-pair result (the matrix's
 * cell marks). Marks belong to the lab revision the run started on: once the lab changes they are
 * stale and hidden.
 */
export const useOracleStore = defineStore('oracle', () => {
  const lab = useLabStore()
  const availability = shallowRef<OracleAvailability | null>(null)
  const runId = ref<string | null>(null)
  const lines = ref<string[]>([])
  const finished = shallowRef<OracleFinished | null>(null)
  const error = shallowRef<IpcError | null>(null)
  const panelOpen = ref(false)

  const running = computed(() => runId.value !== null)
  const stale = computed(
    () => !!finished.value && !!lab.view && finished.value.revision !== lab.view.revision,
  )
  /** "provider|client" (lab BDFs) → the kernel's verdict, for the current lab revision only. */
  const marks = computed(() => {
    const m = new Map<string, OraclePair>()
    const r = finished.value?.report
    if (!r || stale.value) return m
    for (const p of r.pairs) m.set(`${p.provider}|${p.client}`, p)
    return m
  })
  const counts = computed(() => {
    const c = { confirmed: 0, contradicted: 0, unreproducible: 0 }
    for (const p of marks.value.values()) c[p.status]++
    return c
  })

  useEngineEvent('oracle.progress', (p) => {
    if (runId.value !== null && p.runId !== runId.value) return
    lines.value = [...lines.value.slice(-(MAX_LINES - 1)), p.line]
  })
  useEngineEvent('oracle.finished', (f) => {
    if (runId.value !== null && f.runId !== runId.value) return
    runId.value = null
    finished.value = f
    const tail =
      f.outcome === 'done'
        ? `finished in ${f.seconds.toFixed(1)} s`
        : f.outcome === 'cancelled'
          ? 'cancelled'
          : `failed: ${f.error ?? 'unknown error'}`
    lines.value = [...lines.value, tail]
  })

  async function refresh() {
    const r = await invoke('oracle.available')
    if (r.ok) {
      availability.value = r.value
      if (r.value.running && !runId.value) runId.value = r.value.running
    } else availability.value = { available: false, reason: r.error.message, running: null }
  }

  async function start() {
    error.value = null
    lines.value = []
    finished.value = null
    panelOpen.value = true
    const r = await invoke('oracle.start')
    if (r.ok) runId.value = r.value.runId
    else {
      error.value = r.error
      lines.value = [r.error.message]
    }
  }

  async function cancel() {
    await invoke('oracle.cancel')
  }

  function mark(provider: string, client: string): OraclePair | null {
    return marks.value.get(`${provider}|${client}`) ?? null
  }

  return {
    availability,
    runId,
    lines,
    finished,
    error,
    panelOpen,
    running,
    stale,
    marks,
    counts,
    refresh,
    start,
    cancel,
    mark,
  }
})
