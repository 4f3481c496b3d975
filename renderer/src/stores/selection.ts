import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

export interface PairKey {
  provider: string // BDF
  client: string // BDF
}

/** Presenter font scales, A− … A+. */
export const FONT_SCALES = [0.9, 1, 1.15, 1.3, 1.5, 1.75] as const

const SCALE_KEY = 'p2p-dma-lab.fontScale'
function loadScale(): number {
  try {
    const i = Number(localStorage.getItem(SCALE_KEY))
    return Number.isInteger(i) && i >= 0 && i < FONT_SCALES.length && localStorage.getItem(SCALE_KEY) !== null
      ? i
      : 1
  } catch {
    return 1
  }
}

/** View state only: what is selected, hovered, and how the UI is scaled. */
export const useSelectionStore = defineStore('selection', () => {
  const selectedPair = ref<PairKey | null>(null)
  const selectedNode = ref<string | null>(null)
  const hoveredPair = ref<PairKey | null>(null)
  const hoveredNode = ref<string | null>(null)
  /** Show the nvidia-smi topo -m level next to the kernel verdict in each matrix cell. */
  const showSmi = ref(false)
  const fontScaleIndex = ref(loadScale())
  watch(fontScaleIndex, (i) => {
    try {
      localStorage.setItem(SCALE_KEY, String(i))
    } catch {
      // storage unavailable (private mode, tests): the scale just is not remembered
    }
  })

  function selectPair(provider: string, client: string) {
    selectedPair.value = { provider, client }
  }
  function selectNode(id: string | null) {
    selectedNode.value = id
  }
  function clear() {
    selectedPair.value = null
    selectedNode.value = null
    hoveredPair.value = null
    hoveredNode.value = null
  }
  function fontBigger() {
    fontScaleIndex.value = Math.min(FONT_SCALES.length - 1, fontScaleIndex.value + 1)
  }
  function fontSmaller() {
    fontScaleIndex.value = Math.max(0, fontScaleIndex.value - 1)
  }
  function fontScale(): number {
    return FONT_SCALES[fontScaleIndex.value] ?? 1
  }

  return {
    selectedPair,
    selectedNode,
    hoveredPair,
    hoveredNode,
    showSmi,
    fontScaleIndex,
    selectPair,
    selectNode,
    clear,
    fontBigger,
    fontSmaller,
    fontScale,
  }
})
