import { onMounted, watch } from 'vue'
import { storeToRefs } from 'pinia'
import { invoke } from '../api/lab'
import { useSelectionStore } from '../stores/selection'

/**
 * Keep the UI state that matters (the selected pair and node) in main, so a reloaded page or a
 * window recreated after a renderer crash comes back where it was (ui.state / ui.setState).
 * On mount the state main holds is applied; afterwards every change is sent. A selection the
 * current lab does not have is dropped by App's own view watcher, and that clear is sent too.
 */
export function useUiStateSync(): void {
  const selection = useSelectionStore()
  const { selectedPair, selectedNode } = storeToRefs(selection)
  let restored = false

  onMounted(async () => {
    const r = await invoke('ui.state')
    if (r.ok && !selectedPair.value && !selectedNode.value) {
      const { selectedPair: pair, selectedNode: node } = r.value
      if (pair) selection.selectPair(pair.provider, pair.client)
      if (node) selection.selectNode(node)
    }
    restored = true
  })

  watch([selectedPair, selectedNode], ([pair, node]) => {
    if (!restored) return
    void invoke('ui.setState', {
      selectedPair: pair ? { provider: pair.provider, client: pair.client } : null,
      selectedNode: node,
    })
  })
}
