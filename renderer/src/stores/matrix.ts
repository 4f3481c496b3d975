import { defineStore } from 'pinia'
import { ref, shallowRef, triggerRef, watch } from 'vue'
import type { CellView } from '../../../shared/ipc/contract'
import { invoke } from '../api/lab'
import { DEFAULT_FILTER, type MatrixFilter } from '../components/matrix/axes'
import { useLabStore } from './lab'
import { useTimelineStore } from './timeline'

/** The most cells one p2p.cells request may ask for (the contract's bound). */
const MAX_CELLS = 12_000
const MAX_AXIS = 200

/**
 * The P2P matrix's view state (filter, search, grouping, which view) and the cells fetched for the
 * current revision. Cells are asked for as the window shows them (p2p.cells): the engine computes
 * them on demand, so the window never holds more than what it has looked at.
 */
export const useMatrixStore = defineStore('matrix', () => {
  const lab = useLabStore()
  const timeline = useTimelineStore()
  const filter = ref<MatrixFilter>({ ...DEFAULT_FILTER, classes: [...DEFAULT_FILTER.classes] })
  const mode = ref<'matrix' | 'gpu-nic'>('matrix')
  /** Cells of the current revision by "provider|client". */
  const cells = shallowRef(new Map<string, CellView>())
  let cellsRevision = -1
  const pending = new Set<string>()
  const loading = ref(false)

  watch(
    () => lab.view?.revision,
    () => {
      cells.value = new Map()
      cellsRevision = lab.view?.revision ?? -1
      pending.clear()
    },
  )

  /** A cell; one an open exercise asks about shows nothing the kernel decided (the spoiler guard). */
  function cell(provider: string, client: string): CellView | null {
    const key = `${provider}|${client}`
    const c = cells.value.get(key) ?? null
    if (!c || !timeline.hiddenPairs.has(key)) return c
    return {
      ...c,
      mapType: 'UNKNOWN',
      distance: NaN,
      smiLevel: '?',
      acs: false,
      warnings: 0,
      changed: false,
      before: null,
    }
  }

  /** Fetch the cells of providers × clients that are not here yet (in requests the contract allows). */
  async function ensure(providers: string[], clients: string[]): Promise<void> {
    const revision = lab.view?.revision
    if (revision === undefined || providers.length === 0 || clients.length === 0) return
    if (cellsRevision !== revision) {
      cells.value = new Map()
      cellsRevision = revision
      pending.clear()
    }
    const rows = providers.filter((p) =>
      clients.some((c) => !cells.value.has(`${p}|${c}`) && !pending.has(`${p}|${c}`)),
    )
    if (rows.length === 0) return
    const cols = clients.slice(0, MAX_AXIS)
    const perReq = Math.max(1, Math.min(MAX_AXIS, Math.floor(MAX_CELLS / cols.length)))
    loading.value = true
    try {
      for (let i = 0; i < rows.length; i += perReq) {
        const chunk = rows.slice(i, i + perReq)
        for (const p of chunk) for (const c of cols) pending.add(`${p}|${c}`)
        const r = await invoke('p2p.cells', { providers: chunk, clients: cols })
        for (const p of chunk) for (const c of cols) pending.delete(`${p}|${c}`)
        if (!r.ok || r.value.revision !== cellsRevision) continue
        for (const x of r.value.cells) cells.value.set(`${x.provider}|${x.client}`, x)
        triggerRef(cells)
      }
      if (clients.length > MAX_AXIS) await ensure(providers, clients.slice(MAX_AXIS))
    } finally {
      loading.value = false
    }
  }

  function resetFilter() {
    filter.value = { ...DEFAULT_FILTER, classes: [...DEFAULT_FILTER.classes], groupBy: filter.value.groupBy }
  }
  function toggleGroup(key: string) {
    const c = new Set(filter.value.collapsed)
    if (c.has(key)) c.delete(key)
    else c.add(key)
    filter.value = { ...filter.value, collapsed: [...c] }
  }

  return { filter, mode, cells, loading, cell, ensure, resetFilter, toggleGroup }
})
