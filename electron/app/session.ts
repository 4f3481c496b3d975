/**
 * LabSession: the one owner of the lab state (the lab file, the enumerated machine, the P2P matrix,
 * the last import report, the revision). Main and the browser harness each create exactly one and
 * hand it to createHandlers(); nothing else holds state (docs/design.md#the-ipc-contract: no global singleton).
 *
 * Every change is atomic: the new state is built completely (import, enumeration, matrix, node
 * views) and only then swapped in, so a failed import or settings patch leaves the previous lab,
 * machine and revision untouched. Failures travel as Result values (docs/design.md#errors-are-values); a thrown error
 * here is an engine bug, which the IPC handlers turn into kind 'internal'.
 *
 * Pure TypeScript: no electron, no node:* (the harness and the tests run it under plain Node).
 */
import type {
  AppInfo,
  CellsView,
  IpcError,
  LastChange,
  LabView,
  MatrixSummary,
  Result,
  SettingsPatch,
  TopoNodeView,
  UiState,
} from '../../shared/ipc/contract'
import { EMPTY_UI_STATE } from '../../shared/ipc/contract'
import type { P2pMatrix, PairVerdict } from '../../shared/model/p2p'
import {
  type ImportReport,
  type InputIssue,
  type LabFile,
  type LabSettings,
} from '../../shared/model/topology'
import {
  type Machine,
  buildMachine,
  defaultLab,
  computeMatrix,
  explainPair,
  fixAdvice,
  matrixAssumptions,
  p2pRules,
  isEndpoint,
  isProvider,
  importText,
  serializeLab,
  eraInfos,
  SOURCES,
  applyEdits,
  applyExerciseEdit,
  emptyMachine,
  iomemTree,
  CPU_PRESETS,
} from '../engine/index'
import { namesByBdf, nodeViews } from './views/nodes'
import { locateIssues } from './files/json-locate'
import { topologyText } from './views/topo-text'
import { cellsFor } from './matrix/cells'
import { matrixText } from './matrix/text'
import { inlineSummaryHost, type SummaryHost, type SummaryJob, type SummaryTask } from './matrix/summary'

/**
 * Pairs up to which a LabView carries every pair of the matrix, explained. Above it the view carries
 * the matrix header only: the window asks p2p.cells for the cells it shows (a bounded view) and
 * p2p.explain for one pair's decisions.
 */
export const LABVIEW_PAIRS_LIMIT = 2000
/** Up to this many pairs the summary is computed in place; above, on the summary host (a worker). */
export const SUMMARY_INLINE_PAIRS = 50_000
/**
 * Above this many pairs no summary is computed at all: the compact matrix (4 bytes a pair, twice
 * after a settings change) would not fit the memory the app allows itself. Cells still come on
 * demand. 4096² pairs = 64 MiB per matrix.
 */
export const MATRIX_PAIR_LIMIT = 4096 * 4096

function matrixPairs(m: Machine): number {
  let endpoints = 0
  let providers = 0
  for (const d of m.devs.values()) {
    if (!isEndpoint(d)) continue
    endpoints++
    if (isProvider(d)) providers++
  }
  return endpoints * providers
}
import type { EditRequest } from '../../shared/model/edit'
import type { ExerciseEdit } from '../../shared/model/stepper'
import type { AddressMapView } from '../../shared/model/addressmap'
import type { MachineSpec } from '../../shared/model/topology'
import { StepperSession } from './stepping/stepper-session'
import { EditHistory, type Direction } from './edit-history'

/** Undo depth: older edits fall off the bottom of the stack. */
export const UNDO_LIMIT = 200

export const APP_NAME = 'P2P DMA Lab'
export const LAB_EXTENSION = '.p2plab'

/** Everything derived from one lab file; replaced as a whole, never edited in place. */
interface LabState {
  lab: LabFile
  machine: Machine
  matrix: P2pMatrix & { pairsOmitted: boolean }
  /** The machine before the last settings change (same endpoints), to mark changed cells. */
  before: Machine | null
  /** The lab before that change (the summary counts the changed pairs from it). */
  prevLab: LabFile | null
  lastChange: LastChange | null
  nodes: TopoNodeView[]
  importReport: ImportReport | null
  /** The name a save proposes (always ends in .p2plab). */
  fileName: string
}

export type ChangeListener = (view: LabView) => void

export interface LabSessionOptions {
  /** The application version AppInfo reports (main passes app.getVersion()). */
  version?: string
  /** Where large labs' matrix summaries are computed (main and the harness: a worker thread). */
  summaryHost?: SummaryHost
}

export type SummaryListener = (summary: MatrixSummary) => void

function inputError(message: string, issues: InputIssue[]): { ok: false; error: IpcError } {
  return { ok: false, error: { kind: 'input', message, issues } }
}

/** 'gpu-box.xml' -> 'gpu-box.p2plab'; keeps only the last path segment. */
export function labFileNameFor(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? ''
  const stem = base.replace(/\.[^.]*$/, '') || 'lab'
  return stem + LAB_EXTENSION
}

export class LabSession {
  private state: LabState
  private revision = 1
  private readonly listeners = new Set<ChangeListener>()
  private readonly summaryListeners = new Set<SummaryListener>()
  private readonly version: string
  private readonly summaryHost: SummaryHost
  private summaryValue: MatrixSummary = {
    revision: 0,
    status: 'computing',
    pairs: 0,
    counts: null,
    changed: null,
    progress: null,
    message: null,
  }
  private summaryTask: SummaryTask | null = null
  /** Bumped by every start and cancel: a late answer of an older job is dropped. */
  private summaryJobs = 0
  /** The revision last saved to (or loaded from) filePath; the lab is dirty when it differs. */
  private savedRevisionValue = 1
  /** Where the lab lives on disk (a .p2plab it was loaded from or saved to); null = never saved. */
  private filePathValue: string | null = null
  /** UI state that must survive a renderer crash or reload (selection, later the stepping cursor). */
  private uiStateValue: UiState = { ...EMPTY_UI_STATE }
  /** The scenario stepper (scenario.* and timeline.* channels), always on the current lab. */
  readonly stepping = new StepperSession(
    () => this.state.lab,
    () => this.generation,
  )
  /** Bumps when another lab is opened (import, default, new, recovery), not on edits of this one. */
  private generation = 0

  /** Starts with the default lab loaded; throws if the built-in lab does not build (an engine bug). */
  constructor(options: LabSessionOptions = {}) {
    this.version = options.version ?? '0.0.0'
    this.summaryHost = options.summaryHost ?? inlineSummaryHost
    const built = this.build(defaultLab(), null, 'default' + LAB_EXTENSION, 'default lab')
    if (!built.ok) throw new Error(`the default lab does not build: ${built.error.message}`)
    this.state = built.value
    this.startSummary()
  }

  /** Subscribe to summary changes (progress, done, cancelled). Returns the unsubscribe function. */
  onDidChangeSummary(listener: SummaryListener): () => void {
    return subscribe(this.summaryListeners, listener)
  }

  /** The matrix summary of the current revision. */
  get summary(): MatrixSummary {
    return this.summaryValue
  }

  /** The cells of a window of the matrix, computed now (bounded by the request schema). */
  cells(req: { providers: string[]; clients: string[] }): Result<CellsView> {
    const { machine, before } = this.state
    return {
      ok: true,
      value: { revision: this.revision, cells: cellsFor(machine, before, req.providers, req.clients) },
    }
  }

  /** Stop computing the current summary. */
  cancelSummary(): Result<MatrixSummary> {
    if (this.summaryTask && this.summaryValue.status === 'computing') {
      this.summaryTask.cancel()
      this.summaryTask = null
      this.summaryJobs++
      this.setSummary({
        ...this.summaryValue,
        status: 'cancelled',
        progress: null,
        message: 'cancelled: the matrix figures were not computed; the cells still are, as you scroll',
      })
    }
    return { ok: true, value: this.summaryValue }
  }

  /** Start the summary of the current state (in place for small labs, on the host for large ones). */
  private startSummary(): void {
    this.summaryTask?.cancel()
    this.summaryTask = null
    const revision = this.revision
    const s = this.state
    const pairs = s.matrix.providers.length * s.matrix.clients.length
    const base: MatrixSummary = {
      revision,
      status: 'computing',
      pairs,
      counts: null,
      changed: null,
      progress: null,
      message: null,
    }
    if (pairs > MATRIX_PAIR_LIMIT) {
      this.summaryValue = {
        ...base,
        status: 'too-large',
        message: `${s.matrix.providers.length} providers × ${s.matrix.clients.length} clients = ${pairs.toLocaleString('en-US')} pairs: more than the ${MATRIX_PAIR_LIMIT.toLocaleString('en-US')} this app holds in memory, so the whole-matrix figures are not computed. Cells are computed for the part of the matrix you look at; filter to what you need.`,
      }
      return
    }
    const job: SummaryJob = {
      lab: { machine: s.lab.machine, settings: s.lab.settings },
      prev: s.before && s.prevLab ? { machine: s.prevLab.machine, settings: s.prevLab.settings } : null,
    }
    const host = pairs <= SUMMARY_INLINE_PAIRS ? inlineSummaryHost : this.summaryHost
    this.summaryValue = { ...base, progress: { done: 0, total: pairs } }
    let sync = true
    const job_ = ++this.summaryJobs
    const current = (): boolean => this.summaryJobs === job_
    const task = host.start(job, {
      progress: (done, total) => {
        if (current() && !sync) this.setSummary({ ...this.summaryValue, progress: { done, total } })
      },
      done: (r) => {
        if (!current()) return
        const next: MatrixSummary = { ...base, status: 'ready', counts: r.counts, changed: r.changed }
        if (sync) this.summaryValue = next
        else this.setSummary(next)
        this.summaryTask = null
      },
      failed: (message) => {
        if (!current()) return
        const next: MatrixSummary = {
          ...base,
          status: 'failed',
          message: `the matrix figures could not be computed: ${message}`,
        }
        if (sync) this.summaryValue = next
        else this.setSummary(next)
        this.summaryTask = null
      },
    })
    sync = false
    if (this.summaryValue.status === 'computing') this.summaryTask = task
  }

  private setSummary(next: MatrixSummary): void {
    this.summaryValue = next
    for (const l of [...this.summaryListeners]) {
      try {
        l(next)
      } catch (err) {
        console.error('LabSession: summary listener failed', err)
      }
    }
  }

  /** Undo/redo of the machine spec's edits (topology.edit). */
  private readonly machineHistory = new EditHistory<MachineSpec>(UNDO_LIMIT)
  /** Undo/redo of the exercise edits (exercise.edit): the scenario arrays, a history of its own. */
  private readonly exerciseHistory = new EditHistory<unknown[]>(UNDO_LIMIT)

  /** Subscribe to changes; the listener gets the new LabView. Returns the unsubscribe function. */
  onDidChange(listener: ChangeListener): () => void {
    return subscribe(this.listeners, listener)
  }

  get currentRevision(): number {
    return this.revision
  }

  get fileName(): string {
    return this.state.fileName
  }

  /** The current lab file (read-only: change it through the session's methods). */
  get labFile(): LabFile {
    return this.state.lab
  }

  /** The revision last saved or loaded from disk. */
  get savedRevision(): number {
    return this.savedRevisionValue
  }

  /** True when the lab has changes that are not in filePath (or was never saved). */
  get dirty(): boolean {
    return this.revision !== this.savedRevisionValue
  }

  get filePath(): string | null {
    return this.filePathValue
  }

  /**
   * Record where the lab lives on disk. `saved: true` (a save, or a .p2plab just opened) makes the
   * current revision the saved one; `saved: false` (a recovered autosave) keeps the lab dirty.
   * Pushes the view (same revision) so the renderer sees dirty/filePath change.
   */
  setFile(path: string | null, options: { saved: boolean }): void {
    this.filePathValue = path
    if (options.saved) this.savedRevisionValue = this.revision
    else if (this.savedRevisionValue === this.revision) this.savedRevisionValue = 0
    this.notify()
  }

  /** The UI state kept for a reloaded or recreated renderer. */
  uiState(): Result<UiState> {
    return { ok: true, value: this.uiStateValue }
  }

  /** Merge a validated patch into the UI state (the IPC schema bounds its size). */
  setUiState(patch: Partial<UiState>): Result<UiState> {
    const next: UiState = { ...this.uiStateValue }
    for (const [key, value] of Object.entries(patch) as [keyof UiState, unknown][]) {
      if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value
    }
    this.uiStateValue = next
    return { ok: true, value: next }
  }

  info(host: AppInfo['host']): Result<AppInfo> {
    const eras = eraInfos().map((e) => ({
      id: e.id,
      label: e.label,
      summary: e.summary,
      release: e.release,
      distros: e.distros.map((d) => ({ name: d.name, verified: d.verified })),
    }))
    const sources = SOURCES.map((s) => ({
      key: s.key,
      title: s.title,
      where: [s.repo, s.paths.join(', '), s.commit ? `@ ${s.commit.slice(0, 12)}` : '']
        .filter(Boolean)
        .join(' '),
      era: s.era,
      url: s.url,
    }))
    return {
      ok: true,
      value: { name: APP_NAME, version: this.version, eras, cpus: [...CPU_PRESETS], sources, host },
    }
  }

  current(): Result<LabView> {
    return { ok: true, value: this.view() }
  }

  loadDefault(): Result<LabView> {
    const built = this.build(defaultLab(), null, 'default' + LAB_EXTENSION, 'default lab')
    if (!built.ok) return built
    this.filePathValue = null
    this.savedRevisionValue = this.revision + 1 // the built-in lab is never "unsaved work"
    this.generation++
    return this.swap(built.value)
  }

  /** Load a lab file or import a topology (hwloc XML, lspci, nvidia-smi ...); the format is detected. */
  importText(req: { fileName: string; text: string }): Result<LabView> {
    const imported = importText(req.fileName, req.text)
    if (!imported.ok) {
      // A schema error names a JSON path; give it the line and column too, as a syntax error has.
      const issues = locateIssues(req.text, imported.issues)
      return inputError(`${req.fileName}: could not be loaded (${issueSummary(issues)})`, issues)
    }
    const built = this.build(imported.lab, imported.report, labFileNameFor(req.fileName), req.fileName)
    if (!built.ok) return built
    // A new lab: not tied to any file until main says where it came from (setFile).
    this.filePathValue = null
    this.generation++
    return this.swap(built.value)
  }

  /** Change the era, IOMMU, ACS override, RFC mode, seed or CPU; re-enumerates and recomputes. */
  setSettings(patch: SettingsPatch): Result<LabView> {
    const { cpu, ...rest } = patch
    const prev = this.state.lab
    const settings: LabSettings = { ...prev.settings }
    for (const [key, value] of Object.entries(rest) as [keyof LabSettings, unknown][]) {
      if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value
    }
    const machine =
      cpu === undefined ? prev.machine : { ...prev.machine, cpu: cpu === null ? null : { ...cpu } }
    const lab: LabFile = { ...prev, machine, settings }
    const built = this.build(lab, this.state.importReport, this.state.fileName, 'settings')
    if (!built.ok) return built
    const what = describeChange(prev, lab)
    const sameEndpoints =
      sameList(built.value.matrix.providers, this.state.matrix.providers) &&
      sameList(built.value.matrix.clients, this.state.matrix.clients)
    if (what && sameEndpoints) {
      built.value.before = this.state.machine
      built.value.prevLab = prev
      built.value.lastChange = { what, revision: this.revision + 1 }
    }
    return this.swap(built.value)
  }

  /** The topology as text, like `lstopo --of console` (names, BARs, ACS). */
  topologyText(): Result<{ fileName: string; text: string }> {
    const s = this.state
    const fileName = s.fileName.replace(/\.p2plab$/, '') + '.topology.txt'
    return { ok: true, value: { fileName, text: topologyText(s.lab, s.nodes) } }
  }

  /** The matrix of these providers × clients as text (the matrix's "Text" export). */
  matrixText(req: { providers: string[]; clients: string[] }): Result<{ fileName: string; text: string }> {
    const s = this.state
    const known = new Set(s.matrix.clients)
    const unknown = [...req.providers, ...req.clients].filter((b) => !known.has(b))
    if (unknown.length > 0)
      return inputError(`p2p.text: ${unknown[0]} is not an endpoint of this machine`, [
        { source: 'p2p.text', message: `${unknown[0]} is not an endpoint of this machine` },
      ])
    const m = s.machine
    const text = matrixText({
      machine: m,
      labName: s.lab.name,
      settings: s.lab.settings,
      cpu: `${m.cpu.vendor} family 0x${m.cpu.family.toString(16)}${m.cpuInferred ? ' (inferred)' : ''}`,
      names: namesByBdf(m, s.lab.machine),
      providers: req.providers,
      clients: req.clients,
    })
    return { ok: true, value: { fileName: s.fileName.replace(/\.p2plab$/, '') + '.p2p.txt', text } }
  }

  exportText(): Result<{ fileName: string; text: string }> {
    return { ok: true, value: { fileName: this.state.fileName, text: serializeLab(this.state.lab) } }
  }

  /** The kernel's verdict for one provider/client pair of the current machine, with the path and reasons. */
  explain(req: { provider: string; client: string }): Result<PairVerdict> {
    const { machine } = this.state
    const issues: InputIssue[] = []
    for (const role of ['provider', 'client'] as const) {
      if (!machine.byBdf.has(req[role])) {
        issues.push({
          source: 'p2p.explain',
          path: role,
          message: `no PCI function ${req[role]} in this machine`,
        })
      }
    }
    if (issues.length > 0) return inputError(`p2p.explain: ${issueSummary(issues)}`, issues)
    const verdict = explainPair(machine, req.provider, req.client)
    if (verdict === null) {
      const message = `${req.provider} is not a P2PDMA provider or ${req.client} is not a client on this machine`
      return inputError(`p2p.explain: ${message}`, [{ source: 'p2p.explain', message }])
    }
    return { ok: true, value: { ...verdict, fix: fixAdvice(machine, this.state.lab.machine, verdict) } }
  }

  /** A lab with one host bridge and nothing below it, under the current settings. */
  newLab(): Result<LabView> {
    const lab: LabFile = {
      format: this.state.lab.format,
      schemaVersion: this.state.lab.schemaVersion,
      name: 'New lab',
      machine: emptyMachine(),
      settings: { ...this.state.lab.settings },
    }
    const built = this.build(lab, null, 'new-lab' + LAB_EXTENSION, 'new lab')
    if (!built.ok) return built
    // Not the file the previous lab came from (a Save must not write the empty lab over it).
    this.filePathValue = null
    this.savedRevisionValue = this.revision + 1 // an empty lab is no unsaved work
    this.generation++
    return this.swap(built.value)
  }

  /**
   * Apply one edit or a batch (one undo step) to the machine spec. An edit that breaks a PCIe link
   * rule or leaves a machine that does not enumerate is refused with located issues; nothing changes.
   */
  edit(req: EditRequest): Result<LabView> {
    const prev = this.state.lab
    const applied = applyEdits(prev.machine, req, prev.settings)
    if (!applied.ok) {
      return inputError(`topology.edit: refused (${issueSummary(applied.issues)})`, applied.issues)
    }
    const { importReport, fileName } = this.state
    // applyEdits enumerated the edited machine to validate it: that machine is reused, not rebuilt.
    const built = this.build(
      { ...prev, machine: applied.spec },
      importReport,
      fileName,
      'edit',
      applied.machine,
    )
    if (!built.ok) return built
    this.machineHistory.edited(prev.machine, built.value.lab.machine)
    return this.swap(built.value)
  }

  /**
   * Add, update, delete or move one exercise of a scenario (authoring in the app). Validated with the
   * lab file's own schema; refused with located issues, changing nothing. Undoable with
   * exerciseUndo(); the machine, the matrix and a running stepper stay as they are.
   */
  editExercises(req: ExerciseEdit): Result<LabView> {
    const prev = this.state.lab
    const scenarios = prev.scenarios ?? []
    if (!Number.isInteger(req.scenario) || req.scenario < 0 || req.scenario >= scenarios.length) {
      const message = `the lab has no scenario ${req.scenario} (it has ${scenarios.length})`
      return inputError(`exercise.edit: ${message}`, [{ source: 'exercise.edit', path: 'scenario', message }])
    }
    const applied = applyExerciseEdit(scenarios[req.scenario], req)
    if (!applied.ok) {
      const issues = applied.issues.map((i) => ({ ...i, path: `scenarios.${req.scenario}.${i.path}` }))
      return inputError(`exercise.edit: refused (${issueSummary(issues)})`, issues)
    }
    const next = scenarios.map((s, i) => (i === req.scenario ? applied.scenario : s))
    this.exerciseHistory.edited(scenarios, next)
    return this.swapScenarios(next)
  }

  exerciseUndo(): Result<LabView> {
    return this.travelExercises('undo')
  }

  exerciseRedo(): Result<LabView> {
    return this.travelExercises('redo')
  }

  private travelExercises(dir: Direction): Result<LabView> {
    const current = this.state.lab.scenarios
    const scenarios = this.exerciseHistory.next(dir, current)
    if (!scenarios) {
      const message = `nothing to ${dir}`
      return inputError(`exercise.${dir}: ${message}`, [{ source: `exercise.${dir}`, message }])
    }
    this.exerciseHistory.travelled(dir, current ?? [], scenarios)
    return this.swapScenarios(scenarios)
  }

  /** The same machine, matrix and node views with other scenarios (nothing to enumerate again). */
  private swapScenarios(scenarios: unknown[]): Result<LabView> {
    const lab: LabFile = { ...this.state.lab, scenarios }
    return this.swap({ ...this.state, lab })
  }

  undo(): Result<LabView> {
    return this.travel('undo')
  }

  redo(): Result<LabView> {
    return this.travel('redo')
  }

  /** The address map of the current machine (/proc/iomem, /proc/ioports, DMA views). */
  iomem(): Result<AddressMapView> {
    return { ok: true, value: iomemTree(this.state.machine) }
  }

  private travel(dir: Direction): Result<LabView> {
    const prev = this.state.lab
    const spec = this.machineHistory.next(dir, prev.machine)
    if (!spec) {
      const message = `topology.${dir}: nothing to ${dir}`
      return inputError(message, [{ source: `topology.${dir}`, message: `nothing to ${dir}` }])
    }
    const built = this.build({ ...prev, machine: spec }, this.state.importReport, this.state.fileName, dir)
    if (!built.ok) return built
    this.machineHistory.travelled(dir, prev.machine, built.value.lab.machine)
    return this.swap(built.value)
  }

  private view(): LabView {
    const s = this.state
    return {
      lab: s.lab,
      nodes: s.nodes,
      canUndo: this.machineHistory.can('undo', s.lab.machine),
      canRedo: this.machineHistory.can('redo', s.lab.machine),
      canUndoExercises: this.exerciseHistory.can('undo', s.lab.scenarios),
      canRedoExercises: this.exerciseHistory.can('redo', s.lab.scenarios),
      matrix: { ...s.matrix, summary: this.summaryValue, lastChange: s.lastChange },
      importReport: s.importReport,
      revision: this.revision,
      generation: this.generation,
      dirty: this.dirty,
      filePath: this.filePathValue,
    }
  }

  /** Build every derived piece of a new state without touching the current one. */
  private build(
    lab: LabFile,
    importReport: ImportReport | null,
    fileName: string,
    what: string,
    prebuilt?: Machine,
  ): Result<LabState> {
    let machine = prebuilt
    if (!machine) {
      const built = buildMachine(lab.machine, lab.settings)
      if (!built.ok) {
        return inputError(`${what}: the topology is not valid (${issueSummary(built.issues)})`, built.issues)
      }
      machine = built.machine
    }
    // Every pair, explained, is what makes a LabView large (the DGX-2H's 16 473 explained pairs are
    // ~32 MB; 2000 endpoints would be gigabytes). Up to LABVIEW_PAIRS_LIMIT pairs the view carries
    // them; above, the matrix header only, and the window asks p2p.cells for what it shows.
    const small = matrixPairs(machine) <= LABVIEW_PAIRS_LIMIT
    const matrix = small
      ? { ...computeMatrix(machine, { explain: true }), pairsOmitted: false }
      : matrixHeader(machine)
    const nodes = nodeViews(machine, lab.machine, isProvider)
    return {
      ok: true,
      value: {
        lab,
        machine,
        matrix,
        nodes,
        importReport,
        fileName,
        before: null,
        prevLab: null,
        lastChange: null,
      },
    }
  }

  private swap(next: LabState): Result<LabView> {
    this.state = next
    this.revision += 1
    this.startSummary()
    return { ok: true, value: this.notify() }
  }

  /** Push the current view to every listener. */
  private notify(): LabView {
    const view = this.view()
    for (const listener of [...this.listeners]) {
      try {
        listener(view)
      } catch (err) {
        // A broken listener (a closed window, a dropped socket) must not undo or block the change.
        console.error('LabSession: change listener failed', err)
      }
    }
    return view
  }
}

/** Adds `listener` to `listeners`; returns the function that removes it again. */
function subscribe<L>(listeners: Set<L>, listener: L): () => void {
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
  }
}

/** The matrix header without pairs: what a large lab's view carries. */
function matrixHeader(m: Machine): P2pMatrix & { pairsOmitted: boolean } {
  const endpoints = [...m.devs.values()].filter(isEndpoint)
  return {
    era: m.settings.era,
    cpu: { vendor: m.cpu.vendor, family: m.cpu.family, inferred: m.cpuInferred, why: m.cpuWhy },
    iommu: m.settings.iommu,
    distanceIsReturnValue: !p2pRules(m.settings.era).hasMapTypes,
    providers: endpoints.filter(isProvider).map((d) => d.bdf),
    clients: endpoints.map((d) => d.bdf),
    pairs: [],
    bootLog: m.bootLog,
    assumptions: [
      ...matrixAssumptions(m),
      `the view carries no pairs above ${LABVIEW_PAIRS_LIMIT}: cells are computed for the window shown (p2p.cells), decisions per pair (p2p.explain)`,
    ],
    pairsOmitted: true,
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** 'era v6.12 → v5.0; IOMMU off → on' for a settings change, or null when nothing the matrix depends on changed. */
export function describeChange(a: LabFile, b: LabFile): string | null {
  const parts: string[] = []
  const sa = a.settings
  const sb = b.settings
  if (sa.era !== sb.era) parts.push(`era ${sa.era} → ${sb.era}`)
  if (sa.iommu !== sb.iommu) parts.push(`IOMMU ${sa.iommu ? 'on' : 'off'} → ${sb.iommu ? 'on' : 'off'}`)
  if (sa.disableAcsRedir !== sb.disableAcsRedir)
    parts.push(`pci=disable_acs_redir= "${sa.disableAcsRedir}" → "${sb.disableAcsRedir}"`)
  if (sa.rfcTestP2p !== sb.rfcTestP2p) parts.push(`RFC pci_test_p2p ${sa.rfcTestP2p} → ${sb.rfcTestP2p}`)
  const cpu = (l: LabFile): string =>
    l.machine.cpu ? `${l.machine.cpu.vendor} family 0x${l.machine.cpu.family.toString(16)}` : 'inferred'
  if (cpu(a) !== cpu(b)) parts.push(`CPU ${cpu(a)} → ${cpu(b)}`)
  return parts.length ? parts.join('; ') : null
}

/** "first message (+N more)" for error headlines. */
export function issueSummary(issues: InputIssue[]): string {
  if (issues.length === 0) return 'no details'
  const first = issues[0]!
  const where = first.path ?? first.nodeId ?? (first.line !== undefined ? `line ${first.line}` : '')
  const head = where ? `${where}: ${first.message}` : first.message
  return issues.length > 1 ? `${head} (+${issues.length - 1} more)` : head
}
