import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { IpcError, LabView, Result } from '../../../shared/ipc/contract'
import type { EditRequest } from '../../../shared/model/edit'
import type { TopoNodeSpec } from '../../../shared/model/topology'
import { invoke } from '../api/lab'
import { useLabStore } from './lab'

export type AppTab = 'topology' | 'editor' | 'addressmap' | 'stepper' | 'class'

/** An edit the engine refused: its message and the nodes it names (outlined red on the canvas). */
export interface Refusal {
  message: string
  issues: { nodeId: string | null; message: string }[]
}

/**
 * Editor view state: the open tab, the canvas selection, collapsed switches and expanded folds,
 * the clipboard, and the last refused edit. Every change of the topology goes to the engine
 * (topology.edit / undo / redo); the answer replaces the lab store's view.
 */
export const useEditorStore = defineStore('editor', () => {
  const tab = ref<AppTab>('topology')
  const selectedIds = ref<string[]>([])
  /** Switch upstream ports (or any bridge) whose subtree is hidden. */
  const collapsed = ref<string[]>([])
  /** Fold keys ("parent|signature") the user expanded. */
  const expandedFolds = ref<string[]>([])
  /** Spec nodes of the copied subtrees (roots first), as the engine's lab carried them. */
  const clipboard = shallowRef<TopoNodeSpec[] | null>(null)
  const refusal = shallowRef<Refusal | null>(null)
  const busy = ref(false)

  // Everything here belongs to one lab: opening another (import, default, new, open) drops the
  // refusal, the selection, collapsed switches and expanded folds of the one before.
  watch(
    () => useLabStore().view?.generation,
    (now, before) => {
      if (before === undefined || now === before) return
      refusal.value = null
      selectedIds.value = []
      collapsed.value = []
      expandedFolds.value = []
    },
  )

  async function settle(p: Promise<Result<LabView>>): Promise<boolean> {
    const lab = useLabStore()
    busy.value = true
    try {
      const r = await p
      if (r.ok) {
        lab.accept(r.value)
        refusal.value = null
        return true
      }
      refusal.value = toRefusal(r.error)
      return false
    } finally {
      busy.value = false
    }
  }

  const edit = (req: EditRequest) => settle(invoke('topology.edit', req))
  const undo = () => settle(invoke('topology.undo'))
  const redo = () => settle(invoke('topology.redo'))
  async function newLab() {
    const ok = await settle(invoke('lab.new'))
    if (ok) {
      selectedIds.value = ['hb0']
      collapsed.value = []
      expandedFolds.value = []
    }
    return ok
  }

  function select(ids: string[]) {
    selectedIds.value = ids
  }
  function toggleCollapsed(id: string) {
    collapsed.value = collapsed.value.includes(id)
      ? collapsed.value.filter((x) => x !== id)
      : [...collapsed.value, id]
  }
  function toggleFold(key: string) {
    expandedFolds.value = expandedFolds.value.includes(key)
      ? expandedFolds.value.filter((x) => x !== key)
      : [...expandedFolds.value, key]
  }
  function clearRefusal() {
    refusal.value = null
  }
  function setClipboard(nodes: TopoNodeSpec[] | null) {
    clipboard.value = nodes
  }

  return {
    tab,
    selectedIds,
    collapsed,
    expandedFolds,
    clipboard,
    refusal,
    busy,
    edit,
    undo,
    redo,
    newLab,
    select,
    toggleCollapsed,
    toggleFold,
    clearRefusal,
    setClipboard,
  }
})

function toRefusal(e: IpcError): Refusal {
  const issues = e.issues.map((i) => ({ nodeId: i.nodeId ?? null, message: i.message }))
  const first = e.issues[0]?.message
  return { message: first ?? e.message, issues }
}
