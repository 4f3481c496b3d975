import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type {
  AppInfo,
  IpcError,
  LabView,
  MatrixSummary,
  Result,
  SettingsPatch,
} from '../../../shared/ipc/contract'
import type { PairVerdict } from '../../../shared/model/p2p'
import type { ExerciseCheckView, ExerciseEdit } from '../../../shared/model/stepper'
import type { InputIssue } from '../../../shared/model/topology'
import { invoke, openFile as openByPath } from '../api/lab'
import { decodeUtf8 } from '../../../shared/text/utf8'
import { useEngineEvent } from '../composables/useEngineEvent'
import { useTimelineStore } from './timeline'

/**
 * The engine's view of the lab, replaced wholesale on every answer or 'lab.changed' event.
 * Holds no kernel semantics: everything shown comes from the engine's LabView.
 */
/** A verdict an open exercise asks about: the devices and nothing the kernel decided. */
function hiddenVerdict(v: PairVerdict): PairVerdict {
  return {
    ...v,
    mapType: 'UNKNOWN',
    distance: NaN,
    score: NaN,
    acsRedirect: [],
    warnings: [],
    path: [],
    commonUpstream: null,
    hostBridges: [],
    decisions: [
      {
        fn: 'lab',
        file: '',
        eras: '',
        source: '',
        text: 'Hidden while an exercise asks about this pair: lock in a prediction (or the instructor reveals it).',
        ok: null,
      },
    ],
  }
}

export const useLabStore = defineStore('lab', () => {
  const timeline = useTimelineStore()
  const view = shallowRef<LabView | null>(null)
  const info = shallowRef<AppInfo | null>(null)
  const lastError = shallowRef<IpcError | null>(null)
  const busy = ref(false)

  const nodesById = computed(() => new Map((view.value?.nodes ?? []).map((n) => [n.id, n])))
  /** Pairs indexed by "provider|client" BDFs: a lookup, not a computation. */
  const pairIndex = computed(() => {
    const m = new Map<string, PairVerdict>()
    for (const p of view.value?.matrix.pairs ?? []) m.set(`${p.provider}|${p.client}`, p)
    return m
  })
  /**
   * Large labs carry no pairs in the view: the pairs asked for (the selection) come from
   * p2p.explain and are kept here for the revision they belong to.
   */
  const fetched = shallowRef<{ revision: number; pairs: Map<string, PairVerdict> }>({
    revision: -1,
    pairs: new Map(),
  })
  /** The matrix summary, replaced by p2p.summary events (progress of a large lab's figures). */
  const summary = shallowRef<MatrixSummary | null>(null)
  const providerSet = computed(() => new Set(view.value?.matrix.providers ?? []))
  const clientSet = computed(() => new Set(view.value?.matrix.clients ?? []))

  /** Accept a view unless it is older than the one we hold (answers and events can race). */
  function accept(next: LabView): boolean {
    const cur = view.value
    if (cur && next.revision < cur.revision) return false
    view.value = next
    if (!summary.value || summary.value.revision <= next.matrix.summary.revision)
      summary.value = next.matrix.summary
    return true
  }

  useEngineEvent('lab.changed', (next) => {
    accept(next)
  })
  useEngineEvent('p2p.summary', (next) => {
    if (next.revision >= (view.value?.revision ?? 0)) summary.value = next
  })

  async function settle(p: Promise<Result<LabView>>): Promise<boolean> {
    busy.value = true
    try {
      const r = await p
      if (r.ok) {
        accept(r.value)
        lastError.value = null
        return true
      }
      lastError.value = r.error
      return false
    } finally {
      busy.value = false
    }
  }

  async function loadInfo() {
    const r = await invoke('app.info')
    if (r.ok) info.value = r.value
    else lastError.value = r.error
  }

  async function load() {
    await Promise.all([loadInfo(), settle(invoke('lab.current'))])
  }
  const loadDefault = () => settle(invoke('lab.loadDefault'))
  const setSettings = (patch: SettingsPatch) => settle(invoke('lab.setSettings', patch))
  const importText = (fileName: string, text: string) => settle(invoke('lab.importText', { fileName, text }))
  /** Linux: this machine's PCI tree from sysfs and /proc (lab.importThisMachine). */
  const importThisMachine = () => settle(invoke('lab.importThisMachine'))
  /**
   * A file the user picked (Open…) or dropped: the desktop app opens it by path exactly as File ›
   * Open (recent files, Save writes back with its .bak); where the host has no path (the browser
   * harness), its text is imported — read as strict UTF-8, so an invalid byte is a located error.
   */
  async function openFile(file: File): Promise<boolean> {
    const opened = await openByPath(file)
    if (opened !== null) return settle(Promise.resolve(opened))
    const decoded = decodeUtf8(new Uint8Array(await file.arrayBuffer()))
    if (!decoded.ok) {
      const { line, column } = decoded.location
      lastError.value = {
        kind: 'input',
        message: `${file.name}:${line}:${column}: ${decoded.message}`,
        issues: [{ source: file.name, line, column, message: decoded.message }],
      }
      return false
    }
    return importText(file.name, decoded.text)
  }
  function clearError() {
    lastError.value = null
  }
  /** Authoring: one exercise edit; resolves to the refusal's located issues, or null when applied. */
  async function editExercises(edit: ExerciseEdit): Promise<InputIssue[] | null> {
    const r = await invoke('exercise.edit', edit)
    if (r.ok) {
      accept(r.value)
      return null
    }
    return r.error.issues.length ? r.error.issues : [{ source: 'exercise.edit', message: r.error.message }]
  }
  const exerciseUndo = () => settle(invoke('exercise.undo'))
  const exerciseRedo = () => settle(invoke('exercise.redo'))
  async function verifyExercises(index: number): Promise<ExerciseCheckView[]> {
    const r = await invoke('exercise.verify', { index })
    return r.ok ? r.value : []
  }
  /**
   * The verdict of a pair: the one lookup every view uses (matrix, explanation, editor, stepper), so
   * a cell an open exercise asks about (the app's spoiler guard lists it) is masked here, once.
   */
  function pair(provider: string, client: string): PairVerdict | null {
    const key = `${provider}|${client}`
    const f = fetched.value
    const v =
      pairIndex.value.get(key) ?? (f.revision === view.value?.revision ? (f.pairs.get(key) ?? null) : null)
    return v && timeline.hiddenPairs.has(key) ? hiddenVerdict(v) : v
  }
  /** Is (provider, client) a cell of the current matrix? */
  function hasPair(provider: string, client: string): boolean {
    return providerSet.value.has(provider) && clientSet.value.has(client)
  }
  /** Make pair(provider, client) available when the view does not carry it (large labs). */
  async function ensurePair(provider: string, client: string): Promise<void> {
    const revision = view.value?.revision
    if (revision === undefined || pair(provider, client) || !hasPair(provider, client)) return
    const v = await explain(provider, client)
    if (!v || view.value?.revision !== revision) return
    const base = fetched.value.revision === revision ? fetched.value.pairs : new Map<string, PairVerdict>()
    const pairs = new Map(base)
    pairs.set(`${provider}|${client}`, v)
    fetched.value = { revision, pairs }
  }
  /** Stop computing the matrix figures of a large lab. */
  async function cancelSummary(): Promise<void> {
    const r = await invoke('p2p.cancel')
    if (r.ok) summary.value = r.value
  }
  /** The pair with its full decision list, from the engine (large labs omit decisions in the view). */
  async function explain(provider: string, client: string): Promise<PairVerdict | null> {
    const r = await invoke('p2p.explain', { provider, client })
    if (!r.ok) return null
    return timeline.hiddenPairs.has(`${provider}|${client}`) ? hiddenVerdict(r.value) : r.value
  }

  return {
    view,
    info,
    lastError,
    busy,
    nodesById,
    pairIndex,
    accept,
    load,
    loadDefault,
    setSettings,
    importText,
    importThisMachine,
    openFile,
    clearError,
    editExercises,
    exerciseUndo,
    exerciseRedo,
    verifyExercises,
    pair,
    hasPair,
    ensurePair,
    explain,
    summary,
    cancelSummary,
  }
})
