/**
 * THE IPC contract: one table of requests (renderer → main, answered) and pushed events
 * (main → renderer). Types only; the runtime schemas for every request live in ./schemas.ts and
 * are checked against this table by the compiler (a missing or extra key fails to build).
 *
 * Every request answers a Result value: kernel failures, bad input and internal errors travel as
 * data, never as thrown errors (Electron keeps only `message` of a thrown error).
 */
import type {
  LabFile,
  LabSettings,
  CpuPreset,
  CpuSpec,
  ImportReport,
  InputIssue,
  TopoNodeSpec,
  Era,
} from '../model/topology'
import type { P2pMatrix, PairVerdict } from '../model/p2p'
import type { EditRequest } from '../model/edit'
import type { AddressMapView } from '../model/addressmap'
import type {
  CompareView,
  ExerciseAnswer,
  ExerciseCheckView,
  ExerciseEdit,
  ExerciseReveal,
  Prediction,
  ReportText,
  ScenarioSummary,
  StepperView,
  StepRequestKind,
} from '../model/stepper'
import type { ClassAddress, ClassStatus } from '../model/class'

export type Result<T> = { ok: true; value: T } | { ok: false; error: IpcError }

export interface IpcError {
  /** 'input': the request or the file it carried is malformed (nothing changed); 'internal': engine bug. */
  kind: 'input' | 'internal' | 'untrusted'
  message: string
  issues: InputIssue[]
}

/** One function of the enumerated machine, as the renderer shows it. */
export interface TopoNodeView {
  id: string
  kind: TopoNodeSpec['kind']
  label: string
  bdf: string | null
  parent: string | null
  children: string[]
  vendor: number | null
  device: number | null
  classCode: number | null
  endpointType: string | null
  /** 'rc_endpoint' etc. from enumeration; null for host bridges */
  pcieType: string | null
  secondary: number | null
  subordinate: number | null
  acsCap: string[] | null
  acsCtrl: string[]
  /** BAR list with CPU physical and bus addresses as 0x… hex strings. */
  bars: {
    index: number
    size: number
    start: string
    busStart: string
    io: boolean
    mem64: boolean
    prefetch: boolean
  }[]
  /** For host bridges. */
  host: {
    domain: number
    busStart: number
    busEnd: number
    numaNode: number
    key: string | null
    /** Local CPUs as a Linux CPU list, when the source says (hwloc cpuset, NCCL affinity, sysfs). */
    cpus: string | null
  } | null
  /** An endpoint with a memory BAR (a row of the P2P matrix). */
  isProvider: boolean
  /**
   * What a person calls it: the source file's name (hwloc GPUModel, lspci's names) or the user's
   * label, else the PCI ID database's (pci.ids), else the class name.
   */
  name: string
  /** lspci's 'Vendor Device' name from pci.ids, null when the ids are unknown. */
  lspciName: string | null
  /** lspci's class name ('3D controller'), null without a class code. */
  className: string | null
  /** OS device names (nvme0n1, mlx5_0, nvml0). */
  osDevices: string[]
  /**
   * 'published': a driver registers its memory with pci_p2pdma_add_resource() (p2pmem);
   * 'bar': a memory BAR nobody publishes; null: no memory BAR.
   */
  p2pmem: 'published' | 'bar' | null
  /** The NUMA node of the function's host bridge (null for nodes without one). */
  numaNode: number | null
  /** The host bridge node id the function sits under (itself for a host bridge). */
  hostBridge: string | null
  /** The top-most PCIe switch (its upstream port's node id) above the function, if any. */
  switchId: string | null
}

/**
 * The whole-matrix figures: how many pairs of each map type, and how many changed with the last
 * settings change. Small labs get them with the view; large ones are computed off the main
 * process's event loop (a worker) and pushed as p2p.summary when done (progress too, with cancel).
 */
export interface MatrixSummary {
  /** The lab revision these figures belong to. */
  revision: number
  status: 'ready' | 'computing' | 'cancelled' | 'too-large' | 'failed'
  /** providers × clients */
  pairs: number
  counts: { BUS_ADDR: number; THRU_HOST_BRIDGE: number; NOT_SUPPORTED: number } | null
  /** Pairs whose map type or distance the last settings change changed (null: no such change). */
  changed: number | null
  progress: { done: number; total: number } | null
  /** Why the figures are missing (too large, cancelled, failed), in words. */
  message: string | null
}

/** What the last change of the lab was, when it was a settings change the matrix can be compared across. */
export interface LastChange {
  /** e.g. 'era v6.12 → v5.0', 'IOMMU off → on' */
  what: string
  revision: number
}

/**
 * The matrix as the view carries it: the header (era, CPU, providers, clients, boot log,
 * assumptions), the summary and, for small labs only, every pair. Large labs leave `pairs` empty
 * (pairsOmitted): the window asks p2p.cells for the cells it shows and p2p.explain for one pair.
 */
export interface MatrixView extends P2pMatrix {
  pairsOmitted: boolean
  summary: MatrixSummary
  lastChange: LastChange | null
}

/** One matrix cell, compact: what the grid draws. */
export interface CellView {
  provider: string
  client: string
  mapType: 'BUS_ADDR' | 'THRU_HOST_BRIDGE' | 'NOT_SUPPORTED' | 'UNKNOWN' | 'NONE'
  distance: number
  smiLevel: string
  /** ACS redirect on the path. */
  acs: boolean
  /** The kernel prints log lines for this pair. */
  warnings: number
  /** Map type or distance differ from before the last settings change (lastChange). */
  changed: boolean
  /** The map type before the last settings change, when changed. */
  before: string | null
}

export interface CellsView {
  revision: number
  cells: CellView[]
}

export interface LabView {
  lab: LabFile
  /** Depth-first order; the renderer draws the tree from parent/children. */
  nodes: TopoNodeView[]
  matrix: MatrixView
  /** Topology edits (topology.edit) can be undone / redone. */
  canUndo: boolean
  canRedo: boolean
  /** Exercise edits (exercise.edit) can be undone / redone (their own history). */
  canUndoExercises: boolean
  canRedoExercises: boolean
  /** Present after an import: what was imported and what was assumed. */
  importReport: ImportReport | null
  /** Bumps on every change, so the renderer can drop stale answers. */
  revision: number
  /**
   * Bumps when another lab is opened (import, default, new, open, recovery), not on edits or
   * settings of this one: what a banner, a selection or a pane of the old lab is tied to.
   */
  generation: number
  /** The lab has changes not saved to filePath (or was never saved). */
  dirty: boolean
  /** The .p2plab file the lab was opened from or saved to; null for the default lab and imports. */
  filePath: string | null
}

/** UI state main keeps for a reloaded or recreated renderer (validated, size-limited). */
export interface UiState {
  selectedPair: { provider: string; client: string } | null
  selectedNode: string | null
  /** The stepping position (scenario stepper), when there is one. */
  cursor: number | null
}

export const EMPTY_UI_STATE: UiState = Object.freeze({ selectedPair: null, selectedNode: null, cursor: null })

/** An autosave left behind by a session that did not end cleanly. */
export interface RecoveryInfo {
  available: boolean
  /** ISO time of the autosave. */
  savedAt: string | null
  /** The file the unsaved lab belonged to (null: never saved). */
  originalPath: string | null
  /** The lab's name, for the banner. */
  labName: string | null
}

/** What a source key ('S4', 'oracle') cited by a decision stands for (electron/engine/sources.ts). */
export interface SourceNote {
  key: string
  /** What it is, in one line. */
  title: string
  /** Repository, file(s) and commit, as one line ('' when it is not a repository). */
  where: string
  /** The kernel era it stands for. */
  era: string
  url: string | null
}

/** One era as the pickers show it. */
export interface EraOption {
  id: Era
  label: string
  summary: string
  /** The mainline release ('5.10', 'next'). */
  release: string
  /** Distribution kernels this era stands for: 'Debian 12 "bookworm"'; `verified` false = from memory. */
  distros: { name: string; verified: boolean }[]
}

export interface AppInfo {
  name: string
  version: string
  /** The CPUs the app offers by name, with what cpu_supports_p2pdma() says of each (engine p2pdma/cpu.ts). */
  cpus: CpuPreset[]
  /** Every source key the engine cites, with its meaning (docs/kernel/sources.md). */
  sources: SourceNote[]
  /** Every era, oldest first, with the distribution kernels it stands for (from the engine's era table). */
  eras: EraOption[]
  host: 'electron' | 'browser-harness' | 'test'
  /** The host can read its own PCI tree (Linux sysfs): "This machine" is offered. */
  thisMachine?: boolean
}

export interface SettingsPatch {
  era?: Era
  iommu?: boolean
  disableAcsRedir?: string
  rfcTestP2p?: LabSettings['rfcTestP2p']
  seed?: number
  /** null = infer the CPU from the host bridges again */
  cpu?: CpuSpec | null
}

/** "Verify with a real kernel": can the oracle run here (QEMU on PATH, Linux x86_64, a dev checkout)? */
export interface OracleAvailability {
  available: boolean
  /** Why not, when unavailable (shown as the button's tooltip). */
  reason: string | null
  /** A run is in progress (its id). */
  running: string | null
}

/** The real kernel's verdict on one (provider, client) pair of the lab, by the lab's BDFs. */
export interface OraclePair {
  provider: string
  client: string
  kernel: { allowed: boolean; errno: string | null; data: 'ok' | 'absent' | 'n/a' } | null
  engine: { mapType: string; allowed: boolean; errno: string | null }
  agree: boolean
  /** confirmed / contradicted by the kernel; 'unreproducible': QEMU cannot build this pair as the lab has it. */
  status: 'confirmed' | 'contradicted' | 'unreproducible'
  /** The kernel's log lines (dmesg) about the pair. */
  log: string[]
}

export interface OracleReport {
  kernelRelease: string
  cpuModel: string
  era: string
  bootSeconds: number
  problems: string[]
  cannotReproduce: string[]
  pairs: OraclePair[]
}

export interface OracleProgress {
  runId: string
  line: string
}

export interface OracleFinished {
  runId: string
  /** 'done': the kernel answered (see report); 'cancelled'; 'failed': see error. */
  outcome: 'done' | 'cancelled' | 'failed'
  /** The lab revision the run was started on (marks are stale once the lab changes). */
  revision: number
  report: OracleReport | null
  error: string | null
  seconds: number
}

/** What class.saveResults did: saved to path, or not (cancelled, or no save dialog on this host: download it). */
export interface SavedFile {
  saved: boolean
  path: string | null
  /** This host has a save dialog (Electron main); false in the browser harness. */
  dialog: boolean
}

/** renderer → main, answered with a Result. */
export interface Invoke {
  'app.info': () => Result<AppInfo>
  'lab.current': () => Result<LabView>
  'lab.loadDefault': () => Result<LabView>
  /** A new lab with one host bridge (the editor's "New empty lab"). */
  'lab.new': () => Result<LabView>
  /** One edit or a batch (one undo step); refused as a whole, changing nothing, when invalid. */
  'topology.edit': (edit: EditRequest) => Result<LabView>
  'topology.undo': () => Result<LabView>
  'topology.redo': () => Result<LabView>
  /** The address map: /proc/iomem, /proc/ioports and every endpoint's DMA view. */
  'topology.iomem': () => Result<AddressMapView>
  /** Load a lab file or import any supported format; the format is detected from the content. */
  'lab.importText': (req: { fileName: string; text: string }) => Result<LabView>
  'lab.setSettings': (patch: SettingsPatch) => Result<LabView>
  'lab.exportText': () => Result<{ fileName: string; text: string }>
  'p2p.explain': (req: { provider: string; client: string }) => Result<PairVerdict>
  /** The cells of a window of the matrix (at most 200 × 200 and 12 000 cells), computed on demand. */
  'p2p.cells': (req: { providers: string[]; clients: string[] }) => Result<CellsView>
  /** Stop computing the matrix summary of a large lab (the cells still come on demand). */
  'p2p.cancel': () => Result<MatrixSummary>
  /** Linux: read this machine's PCI tree from sysfs (/sys/bus/pci/devices, /proc) as a new lab. */
  'lab.importThisMachine': () => Result<LabView>
  /** The topology as text, like `lstopo --of console` (names, BARs, ACS). */
  'topology.text': () => Result<{ fileName: string; text: string }>
  /** The matrix of these providers × clients as text (at most 512 × 512 pairs): the "Text" export. */
  'p2p.text': (req: { providers: string[]; clients: string[] }) => Result<{ fileName: string; text: string }>
  /** Is there unsaved work from a previous session to recover? */
  'lab.recovery': () => Result<RecoveryInfo>
  /** Load the autosaved lab (stays unsaved: dirty, with its original path). */
  'lab.recover': () => Result<LabView>
  /** Delete the autosave without loading it. */
  'lab.discardRecovery': () => Result<RecoveryInfo>
  /** UI state kept in main (survives a renderer reload or crash). */
  'ui.state': () => Result<UiState>
  'ui.setState': (patch: Partial<UiState>) => Result<UiState>
  /** The lab's scenarios (name, era, narration, operations). */
  'scenario.list': () => Result<ScenarioSummary[]>
  /** Record scenario `index` in `era` (default: its own, else the lab's); the cursor is before its first operation. */
  'scenario.start': (req: { index: number; era?: Era }) => Result<StepperView>
  /** Run a scenario in two eras and compare each operation's outcome and call path. */
  'scenario.compare': (req: { index: number; eras: [Era, Era] }) => Result<CompareView>
  /** A self-contained HTML or Markdown report of a scenario (every step). */
  'scenario.report': (req: { index: number; era?: Era; format: 'html' | 'md' }) => Result<ReportText>
  /** Move the cursor; one batched view per request (runs are bounded). */
  'timeline.step': (req: { kind: StepRequestKind; fn?: string; count?: number }) => Result<StepperView>
  'timeline.seek': (req: { cursor: number }) => Result<StepperView>
  'timeline.breakpoints': (req: { fns: string[] }) => Result<StepperView>
  /** The stepper's view, or null when no scenario is being stepped on the current lab. */
  'timeline.view': () => Result<StepperView | null>
  /**
   * Workshop: lock in a prediction for an exercise and reveal its answer, with the lab's score. The
   * exercise stops being open: every window gets the new stepper view (timeline.changed).
   */
  'exercise.check': (req: {
    index: number
    exercise: number
    prediction: Prediction
  }) => Result<ExerciseReveal>
  /** Instructor: reveal an exercise to everyone without a prediction (no score); pushes timeline.changed. */
  'exercise.reveal': (req: { index: number; exercise: number }) => Result<ExerciseAnswer>
  /** Instructor mode: the answers of a scenario's exercises, for the asking window only (nothing is revealed). */
  'exercise.answers': (req: { index: number }) => Result<ExerciseAnswer[]>
  /** Authoring: add / update / delete / move one exercise, validated like the lab file; one undo step. */
  'exercise.edit': (edit: ExerciseEdit) => Result<LabView>
  'exercise.undo': () => Result<LabView>
  'exercise.redo': () => Result<LabView>
  /** Authoring: each exercise of a scenario checked against the engine, in every era it names (as `lab run`). */
  'exercise.verify': (req: { index: number }) => Result<ExerciseCheckView[]>
  /** Open the kernel source of a function on elixir.bootlin.com (main: the system browser; harness: returns the URL). */
  'app.openSource': (req: { era: Era; fn: string; file?: string }) => Result<{ url: string; opened: boolean }>
  /** Open (or focus) the presenter window (main: a second window on '#presenter'; harness: opened false, open the tab yourself). */
  'app.presenter.open': () => Result<{ opened: boolean }>
  /** Can "Verify with a real kernel" run here? */
  'oracle.available': () => Result<OracleAvailability>
  /** Boot the current lab in QEMU with a real kernel (a child process); progress and the end come as events. */
  'oracle.start': () => Result<{ runId: string }>
  /** Kill the running oracle (its whole process group). */
  'oracle.cancel': () => Result<{ cancelled: boolean }>
  /**
   * Open a file the user picked (the window's Open…) or dropped, by its path, exactly as File › Open
   * does: recent files, Save writes back to it (with its .bak), change detection. Host-only: the
   * page never sends a path itself; window.lab.openFile(file) takes it from the File in the preload.
   * A host that cannot open files by path (the browser harness) answers 'input'.
   */
  'file.open': (req: { path: string }) => Result<LabView> | Promise<Result<LabView>>
  /** Class session: the addresses of this machine a class server can listen on (LAN first, loopback last). */
  'class.addresses': () => Result<ClassAddress[]>
  /** The class in progress (or the last one, stopped), for the instructor's windows. */
  'class.status': () => Result<ClassStatus>
  /** Serve the attendee page on host:port (0 = any free port) with a new join code. */
  'class.start': (req: {
    host: string
    port: number
    maxAttendees?: number
  }) => Result<ClassStatus> | Promise<Result<ClassStatus>>
  /** End the class: attendees are told, the server stops; the results stay exportable. */
  'class.stop': () => Result<ClassStatus> | Promise<Result<ClassStatus>>
  /** Open an exercise of the current lab for the class's answers (null: close the open one). */
  'class.ask': (req: { scenario: number; exercise: number } | null) => Result<ClassStatus>
  /** Reveal the open exercise's answer to everyone. */
  'class.reveal': () => Result<ClassStatus>
  /** The results (per attendee, per exercise: first answer, correctness, time) as CSV or JSON text. */
  'class.results': (req: { format: 'csv' | 'json' }) => Result<ReportText>
  /** Save the results with the system's save dialog (main); saved false where there is none (harness: download). */
  'class.saveResults': (req: { format: 'csv' | 'json' }) => Result<SavedFile> | Promise<Result<SavedFile>>
}

/** main → renderer */
export interface Events {
  'lab.changed': LabView
  /** The matrix summary of the current lab changed (progress, done, cancelled). */
  'p2p.summary': MatrixSummary
  'oracle.progress': OracleProgress
  'oracle.finished': OracleFinished
  /** Every stepping answer (scenario.start, timeline.*), pushed to all windows: the presenter follows it. */
  'timeline.changed': StepperView
  /** The class session changed: started, stopped, an attendee joined or answered, an exercise opened or revealed. */
  'class.changed': ClassStatus
}

export const PREFIX = 'lab:'

export const invokeChannels = {
  'app.info': 1,
  'lab.current': 1,
  'lab.loadDefault': 1,
  'lab.new': 1,
  'topology.edit': 1,
  'topology.undo': 1,
  'topology.redo': 1,
  'topology.iomem': 1,
  'lab.importText': 1,
  'lab.setSettings': 1,
  'lab.exportText': 1,
  'p2p.explain': 1,
  'p2p.cells': 1,
  'p2p.cancel': 1,
  'lab.importThisMachine': 1,
  'topology.text': 1,
  'p2p.text': 1,
  'lab.recovery': 1,
  'lab.recover': 1,
  'lab.discardRecovery': 1,
  'ui.state': 1,
  'ui.setState': 1,
  'scenario.list': 1,
  'scenario.start': 1,
  'scenario.compare': 1,
  'scenario.report': 1,
  'timeline.step': 1,
  'timeline.seek': 1,
  'timeline.breakpoints': 1,
  'timeline.view': 1,
  'app.openSource': 1,
  'exercise.check': 1,
  'exercise.reveal': 1,
  'exercise.answers': 1,
  'exercise.edit': 1,
  'exercise.undo': 1,
  'exercise.redo': 1,
  'exercise.verify': 1,
  'app.presenter.open': 1,
  'oracle.available': 1,
  'oracle.start': 1,
  'oracle.cancel': 1,
  'file.open': 1,
  'class.addresses': 1,
  'class.status': 1,
  'class.start': 1,
  'class.stop': 1,
  'class.ask': 1,
  'class.reveal': 1,
  'class.results': 1,
  'class.saveResults': 1,
} as const satisfies Record<keyof Invoke, 1>

/**
 * Channels the page cannot call through window.lab.invoke: the preload reaches them on the page's
 * behalf (file.open: a path only the preload can read off a File the user picked or dropped).
 */
export const hostOnlyChannels = { 'file.open': 1 } as const satisfies Partial<Record<keyof Invoke, 1>>
export type HostOnlyChannel = keyof typeof hostOnlyChannels
export type PageChannel = Exclude<keyof Invoke, HostOnlyChannel>

export const eventChannels = {
  'lab.changed': 1,
  'p2p.summary': 1,
  'timeline.changed': 1,
  'oracle.progress': 1,
  'oracle.finished': 1,
  'class.changed': 1,
} as const satisfies Record<keyof Events, 1>

export type InvokeChannel = keyof Invoke
export type EventChannel = keyof Events

export interface LabApi {
  invoke: { [K in PageChannel]: (...a: Parameters<Invoke[K]>) => Promise<Awaited<ReturnType<Invoke[K]>>> }
  on<K extends keyof Events>(channel: K, listener: (payload: Events[K]) => void): () => void
  /**
   * Open a file the user picked or dropped the way File › Open does (file.open with the path the
   * preload reads off the File). null: this host has no path for it (the browser harness, or a
   * File not on disk) — import its text instead.
   */
  openFile(file: Blob): Promise<Result<LabView> | null>
}
