/**
 * The main-side behaviour of every IPC channel, without Electron: validate the argument list
 * against shared/ipc/schemas.ts, call the session, answer a Result. Main (electron/main/ipc.ts)
 * and the browser harness (tools/bridge/server.ts) host this very object, so the renderer talks
 * to the same code in both.
 *
 * Requests are untrusted (docs/design.md#the-ipc-contract): a payload that does not match its schema is answered
 * with kind 'input' and located issues before anything reaches the session, so nothing changes.
 * An exception from the engine is a bug; it is answered with kind 'internal' (never thrown across
 * IPC, where only its message would survive).
 */
import { isAbsolute } from 'node:path'
import type { z } from 'zod'
import type {
  AppInfo,
  Events,
  IpcError,
  Invoke,
  InvokeChannel,
  LabView,
  RecoveryInfo,
  Result,
  UiState,
} from '../../../shared/ipc/contract'
import { invokeChannels } from '../../../shared/ipc/contract'
import { requestSchemas } from '../../../shared/ipc/schemas'
import type { InputIssue } from '../../../shared/model/topology'
import type { ExerciseEdit, StepperView } from '../../../shared/model/stepper'
import type { LabSession } from '../session'
import type { EditRequest } from '../../../shared/model/edit'
import type { Era } from '../../../shared/model/topology'
import { elixirFileUrl, elixirUrl } from '../stepping/stepper'
import { locateInCapture } from '../sysfs/read'
import type {
  OracleAvailability,
  OracleFinished,
  OracleProgress,
  SavedFile,
} from '../../../shared/ipc/contract'
import type { ClassHost } from '../class/host'

/** One handler per contract key: a channel without a handler fails to compile. */
export type Handlers = { [K in keyof Invoke]: (...args: unknown[]) => ReturnType<Invoke[K]> }

/** The autosave left by an earlier session (main: electron/main/labfiles.ts; harness/tests: none or a fake). */
export interface RecoverySource {
  info(): RecoveryInfo
  /** The pending autosave, or null. */
  take(): { fileName: string; text: string; originalPath: string | null } | null
  /** Forget (and delete) the pending autosave. */
  discard(): void
}

export const NO_RECOVERY: RecoverySource = {
  info: () => ({ available: false, savedAt: null, originalPath: null, labName: null }),
  take: () => null,
  discard: () => undefined,
}

/** Host services some channels need (main has a file system; the harness may not). */
export interface HandlerServices {
  recovery?: RecoverySource
  /** Open an https URL in the system browser (main: shell.openExternal); absent in the harness and tests. */
  openExternal?: (url: string) => void
  /** Open or focus the presenter window (main); absent in the harness and tests (the tab is opened by the page). */
  openPresenter?: () => void
  /** "Verify with a real kernel" (main and harness: electron/app/oracle/service.ts; tests: a fake spawner). */
  oracle?: OracleHost
  /**
   * "Import this machine": this host's PCI tree from sysfs as a capture text (electron/app/sysfs/read.ts);
   * absent where the host cannot read it (then the channel answers why).
   */
  thisMachine?: () => Result<{ fileName: string; text: string; root: string }>
  /**
   * Open a file by path exactly as File › Open does (main: recent files, Save back to it, change
   * detection); resolves to the problem text, or null when it opened. Absent in the harness.
   */
  openFile?: (path: string) => Promise<string | null>
  /** The class session (main, the harness and the CLI: electron/app/class/host.ts). */
  class?: ClassHost
  /** Save text with the system's save dialog (main); absent in the harness, whose page downloads instead. */
  saveText?: (req: SaveTextRequest) => Promise<Omit<SavedFile, 'dialog'>>
}

export interface SaveTextRequest {
  /** The name the dialog proposes. */
  fileName: string
  text: string
  title: string
  filters: { name: string; extensions: string[] }[]
}

/** Where a running oracle reports to (the handlers forward both as oracle.* events). */
export interface OracleSink {
  progress(p: OracleProgress): void
  finished(end: OracleFinished): void
}

/** What the oracle channels need of a host (electron/app/oracle/service.ts; tests: a fake spawner). */
export interface OracleHost {
  availability(): OracleAvailability
  start(lab: { fileName: string; text: string }, revision: number, sink: OracleSink): string
  cancel(): boolean
}

/**
 * Push an event to the windows. `except` names the requester whose reply already carries the same
 * data (its webContents in main, its socket in the harness), so a change reaches each window once.
 */
export type Emit = <K extends keyof Events>(channel: K, payload: Events[K], options?: EmitOptions) => void
export interface EmitOptions {
  except?: unknown
}

/** The requester of the call in flight per handler table (set by dispatch). */
const inFlight = new WeakMap<Handlers, { origin: unknown }>()

/** At most this many issues are reported for one bad request (a junk payload can have thousands). */
const MAX_ISSUES = 20
const MAX_MESSAGE = 300

function clip(text: string, max = MAX_MESSAGE): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}

function failure(
  kind: IpcError['kind'],
  message: string,
  issues: InputIssue[] = [],
): { ok: false; error: IpcError } {
  return { ok: false, error: { kind, message, issues } }
}

/** Zod issues → located InputIssues: source 'ipc:<channel>', path like '0.fileName' ('(arguments)' for the list itself). */
export function zodIssues(channel: string, error: z.ZodError): InputIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map((p) => clip(String(p), 60)).join('.')
    return { source: `ipc:${channel}`, path: path || '(arguments)', message: clip(issue.message) }
  })
}

function validationError(channel: string, error: z.ZodError): { ok: false; error: IpcError } {
  const issues = zodIssues(channel, error)
  const first = issues[0]
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : ''
  const summary = first ? `${first.path}: ${first.message}${more}` : 'invalid arguments'
  return failure('input', `lab:${channel}: ${summary}`, issues)
}

/**
 * Validate args for `channel` and, when they match, run `call` with the parsed (fresh, schema-shaped)
 * arguments. Engine exceptions become kind 'internal'.
 */
function guarded<K extends InvokeChannel>(
  channel: K,
  call: (args: z.infer<(typeof requestSchemas)[K]>) => ReturnType<Invoke[K]>,
): (...args: unknown[]) => ReturnType<Invoke[K]> {
  const schema = requestSchemas[channel] as z.ZodType
  return (...args: unknown[]) => {
    let parsed: ReturnType<typeof schema.safeParse>
    try {
      parsed = schema.safeParse(args)
    } catch (err) {
      // A getter or proxy in the payload that throws while zod reads it.
      return failure('input', `lab:${channel}: unreadable arguments (${clip(errorText(err))})`, [
        { source: `ipc:${channel}`, path: '(arguments)', message: 'the arguments could not be read' },
      ]) as ReturnType<Invoke[K]>
    }
    if (!parsed.success) return validationError(channel, parsed.error) as ReturnType<Invoke[K]>
    const internal = (err: unknown) => {
      console.error(`lab:${channel}: internal error`, err)
      return failure('internal', `lab:${channel}: internal error: ${clip(errorText(err))}`)
    }
    try {
      const r = call(parsed.data as z.infer<(typeof requestSchemas)[K]>)
      // An asynchronous channel (file.open): a rejection is an internal error too, never a throw.
      if (r instanceof Promise) return r.catch(internal) as ReturnType<Invoke[K]>
      return r
    } catch (err) {
      return internal(err) as ReturnType<Invoke[K]>
    }
  }
}

/** guarded() for a channel whose handler may answer a promise: a rejection becomes kind 'internal'. */
function guardedAsync<K extends InvokeChannel>(
  channel: K,
  call: (args: z.infer<(typeof requestSchemas)[K]>) => ReturnType<Invoke[K]>,
): (...args: unknown[]) => ReturnType<Invoke[K]> {
  const sync = guarded(channel, call)
  return (...args: unknown[]) => {
    const r = sync(...args) as unknown
    if (!(r instanceof Promise)) return r as ReturnType<Invoke[K]>
    return r.catch((err: unknown) => {
      console.error(`lab:${channel}: internal error`, err)
      return failure('internal', `lab:${channel}: internal error: ${clip(errorText(err))}`)
    }) as ReturnType<Invoke[K]>
  }
}

const NO_CLASS = 'this host does not run a class server'

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return String(err)
}

/**
 * The handler table for `session`. Session changes (from any handler, or from main's menu calling
 * the session directly) are pushed with emit('lab.changed', view) to every window except the one
 * whose request caused them: that one has the view in its reply (one trip per change).
 */
export function createHandlers(
  session: LabSession,
  emit: Emit,
  host: AppInfo['host'] = 'test',
  services: HandlerServices = {},
): Handlers {
  const ctx: { origin: unknown } = { origin: undefined }
  const push: Emit = (channel, payload) =>
    ctx.origin === undefined ? emit(channel, payload) : emit(channel, payload, { except: ctx.origin })
  session.onDidChange((view) => push('lab.changed', view))
  // Summary progress comes from a worker, after the request that started it has been answered.
  session.onDidChangeSummary((summary) => emit('p2p.summary', summary))
  const cls = services.class
  cls?.onDidChange((status) => push('class.changed', status))
  const recovery = services.recovery ?? NO_RECOVERY
  /** A stepping answer is also pushed to the other windows (the presenter follows the instructor). */
  const pushed = <T extends Result<StepperView>>(r: T): T => {
    if (r.ok) push('timeline.changed', r.value)
    return r
  }
  /**
   * A lock-in or a reveal opens the exercise's operation to stepping and changes what the guard
   * hides: every window, the requester too, gets the new stepper view.
   */
  const revealed = <T extends Result<unknown>>(r: T): T => {
    if (r.ok) {
      const v = session.stepping.view()
      if (v.ok && v.value) emit('timeline.changed', v.value)
    }
    return r
  }
  const handlers: Handlers = {
    'app.info': guarded('app.info', () => {
      const r = session.info(host)
      return r.ok ? { ok: true, value: { ...r.value, thisMachine: !!services.thisMachine } } : r
    }),
    'lab.current': guarded('lab.current', () => session.current()),
    'lab.loadDefault': guarded('lab.loadDefault', () => session.loadDefault()),
    'lab.new': guarded('lab.new', () => session.newLab()),
    'topology.edit': guarded('topology.edit', ([edit]) => session.edit(edit as EditRequest)),
    'topology.undo': guarded('topology.undo', () => session.undo()),
    'topology.redo': guarded('topology.redo', () => session.redo()),
    'topology.iomem': guarded('topology.iomem', () => session.iomem()),
    'lab.importText': guarded('lab.importText', ([req]) => session.importText(req)),
    'lab.setSettings': guarded('lab.setSettings', ([patch]) => session.setSettings(patch)),
    'lab.exportText': guarded('lab.exportText', () => session.exportText()),
    'p2p.explain': guarded('p2p.explain', ([req]) => session.explain(req)),
    'p2p.cells': guarded('p2p.cells', ([req]) => session.cells(req)),
    'p2p.cancel': guarded('p2p.cancel', () => session.cancelSummary()),
    'lab.importThisMachine': guarded('lab.importThisMachine', () => {
      if (!services.thisMachine)
        return failure('input', 'lab:lab.importThisMachine: this host cannot read a PCI tree from sysfs')
      const cap = services.thisMachine()
      if (!cap.ok) return cap
      const r = session.importText(cap.value)
      if (r.ok) return r
      // located in the sysfs file the capture read (not in the capture text nobody sees)
      const issues = r.error.issues.map((i) => locateInCapture(cap.value.text, cap.value.root, i))
      const first = issues[0]
      const at = first ? `${first.source}${first.line !== undefined ? `:${first.line}` : ''}: ` : ''
      return failure(
        r.error.kind,
        clip(`lab:lab.importThisMachine: ${at}${first?.message ?? r.error.message}`),
        issues,
      )
    }),
    'topology.text': guarded('topology.text', () => session.topologyText()),
    'p2p.text': guarded('p2p.text', ([req]) => session.matrixText(req)),
    'lab.recovery': guarded('lab.recovery', () => ({ ok: true, value: recovery.info() })),
    'lab.recover': guarded('lab.recover', () => recoverInto(session, recovery)),
    'lab.discardRecovery': guarded('lab.discardRecovery', () => {
      recovery.discard()
      return { ok: true, value: recovery.info() }
    }),
    'ui.state': guarded('ui.state', () => session.uiState()),
    'ui.setState': guarded('ui.setState', ([patch]) => session.setUiState(patch as Partial<UiState>)),
    'scenario.list': guarded('scenario.list', () => session.stepping.list()),
    'scenario.start': guarded('scenario.start', ([req]) => pushed(session.stepping.start(req))),
    'scenario.compare': guarded('scenario.compare', ([req]) => session.stepping.compare(req)),
    'scenario.report': guarded('scenario.report', ([req]) => session.stepping.report(req)),
    'timeline.step': guarded('timeline.step', ([req]) => pushed(session.stepping.step(req))),
    'timeline.seek': guarded('timeline.seek', ([req]) => pushed(session.stepping.seek(req))),
    'timeline.breakpoints': guarded('timeline.breakpoints', ([req]) =>
      pushed(session.stepping.breakpoints(req)),
    ),
    'timeline.view': guarded('timeline.view', () => session.stepping.view()),
    'exercise.check': guarded('exercise.check', ([req]) => revealed(session.stepping.checkExercise(req))),
    'exercise.reveal': guarded('exercise.reveal', ([req]) => revealed(session.stepping.revealExercise(req))),
    'exercise.answers': guarded('exercise.answers', ([req]) => session.stepping.answers(req)),
    'exercise.edit': guarded('exercise.edit', ([edit]) => session.editExercises(edit as ExerciseEdit)),
    'exercise.undo': guarded('exercise.undo', () => session.exerciseUndo()),
    'exercise.redo': guarded('exercise.redo', () => session.exerciseRedo()),
    'exercise.verify': guarded('exercise.verify', ([req]) => session.stepping.verify(req)),
    'app.openSource': guarded('app.openSource', ([req]) => openSource(req, services.openExternal)),
    'app.presenter.open': guarded('app.presenter.open', () => {
      if (!services.openPresenter) return { ok: true, value: { opened: false } }
      services.openPresenter()
      return { ok: true, value: { opened: true } }
    }),
    'oracle.available': guarded('oracle.available', () => ({
      ok: true,
      value: services.oracle?.availability() ?? {
        available: false,
        reason: 'this host does not run the oracle',
        running: null,
      },
    })),
    'oracle.start': guarded('oracle.start', () => startOracle(session, emit, services.oracle)),
    'oracle.cancel': guarded('oracle.cancel', () => ({
      ok: true,
      value: { cancelled: services.oracle?.cancel() ?? false },
    })),
    'file.open': guarded('file.open', ([req]) => openByPath(session, req.path, services.openFile)),
    'class.addresses': guarded('class.addresses', () =>
      cls ? { ok: true, value: cls.addresses() } : failure('input', `lab:class.addresses: ${NO_CLASS}`),
    ),
    'class.status': guarded('class.status', () =>
      cls ? { ok: true, value: cls.status() } : failure('input', `lab:class.status: ${NO_CLASS}`),
    ),
    'class.start': guardedAsync('class.start', ([req]) =>
      cls ? cls.start(req) : failure('input', `lab:class.start: ${NO_CLASS}`),
    ),
    'class.stop': guardedAsync('class.stop', () =>
      cls ? cls.stop() : failure('input', `lab:class.stop: ${NO_CLASS}`),
    ),
    'class.ask': guarded('class.ask', ([req]) =>
      cls ? cls.ask(req) : failure('input', `lab:class.ask: ${NO_CLASS}`),
    ),
    'class.reveal': guarded('class.reveal', () =>
      cls ? cls.reveal() : failure('input', `lab:class.reveal: ${NO_CLASS}`),
    ),
    'class.results': guarded('class.results', ([req]) =>
      cls ? cls.results(req.format) : failure('input', `lab:class.results: ${NO_CLASS}`),
    ),
    'class.saveResults': guardedAsync('class.saveResults', ([req]) =>
      cls
        ? saveResults(cls, services.saveText, req.format)
        : failure('input', `lab:class.saveResults: ${NO_CLASS}`),
    ),
  }
  inFlight.set(handlers, ctx)
  return handlers
}

/**
 * The elixir.bootlin.com page of a kernel function (identifier search) or file for an era. Only
 * that host is ever opened; the schema already limits fn and file to identifier and path characters.
 */
function openSource(
  req: { era: Era; fn: string; file?: string | undefined },
  openExternal: ((url: string) => void) | undefined,
): Result<{ url: string; opened: boolean }> {
  const url = req.file
    ? (elixirFileUrl(req.era, req.file) ?? elixirUrl(req.era, req.fn))
    : elixirUrl(req.era, req.fn)
  if (new URL(url).host !== 'elixir.bootlin.com') throw new Error(`openSource built a foreign URL: ${url}`)
  if (!openExternal) return { ok: true, value: { url, opened: false } }
  openExternal(url)
  return { ok: true, value: { url, opened: true } }
}

/** Export the class results through the host's save dialog (main); saved false where there is none. */
async function saveResults(
  cls: ClassHost,
  saveText: HandlerServices['saveText'],
  format: 'csv' | 'json',
): Promise<Result<SavedFile>> {
  const r = cls.results(format)
  if (!r.ok) return r
  if (!saveText) return { ok: true, value: { saved: false, path: null, dialog: false } }
  let saved: Omit<SavedFile, 'dialog'>
  try {
    saved = await saveText({
      fileName: r.value.fileName,
      text: r.value.text,
      title: 'Export class results',
      filters:
        format === 'csv'
          ? [{ name: 'CSV (spreadsheet)', extensions: ['csv'] }]
          : [{ name: 'JSON', extensions: ['json'] }],
    })
  } catch (err) {
    return failure('input', `lab:class.saveResults: could not save the results: ${clip(errorText(err))}`)
  }
  return { ok: true, value: { ...saved, dialog: true } }
}

/** Run the oracle on the current lab (as its .p2plab text); progress and the end are pushed as events. */
function startOracle(
  session: LabSession,
  emit: Emit,
  oracle: OracleHost | undefined,
): Result<{ runId: string }> {
  const a = oracle?.availability()
  if (!oracle || !a?.available)
    return failure('input', `lab:oracle.start: ${a?.reason ?? 'this host does not run the oracle'}`)
  if (a.running) return failure('input', `lab:oracle.start: a run is already in progress (${a.running})`)
  const cur = session.current()
  if (!cur.ok) return cur
  const text = session.exportText()
  if (!text.ok) return text
  const runId = oracle.start(text.value, cur.value.revision, {
    progress: (p) => emit('oracle.progress', p),
    finished: (end) => emit('oracle.finished', end),
  })
  return { ok: true, value: { runId } }
}

/** file.open: the host opens the file as File › Open does; the answer is the lab view or why not. */
function openByPath(
  session: LabSession,
  path: string,
  openFile: HandlerServices['openFile'],
): Result<LabView> | Promise<Result<LabView>> {
  if (!openFile)
    return failure('input', 'lab:file.open: this host cannot open files by path; import the file’s text', [
      { source: 'ipc:file.open', path: '0.path', message: 'opening by path is not available here' },
    ])
  if (!isAbsolute(path))
    return failure('input', 'lab:file.open: the path must be absolute', [
      { source: 'ipc:file.open', path: '0.path', message: 'not an absolute path' },
    ])
  return openFile(path).then((problem) =>
    problem === null
      ? session.current()
      : failure('input', `lab:file.open: ${clip(problem)}`, [{ source: path, message: clip(problem) }]),
  )
}

/** Load the pending autosave into the session; it stays dirty and keeps its original path. */
function recoverInto(session: LabSession, recovery: RecoverySource): Result<LabView> {
  const pending = recovery.take()
  if (!pending) {
    return failure('input', 'lab:lab.recover: there is no autosaved lab to recover', [
      { source: 'ipc:lab.recover', path: '(arguments)', message: 'no autosave is pending' },
    ])
  }
  const loaded = session.importText({ fileName: pending.fileName, text: pending.text })
  if (!loaded.ok) return loaded
  session.setFile(pending.originalPath, { saved: false })
  recovery.discard()
  return session.current()
}

export function isInvokeChannel(channel: unknown): channel is InvokeChannel {
  return typeof channel === 'string' && Object.hasOwn(invokeChannels, channel)
}

/**
 * Route a request by name (the harness's socket, or any caller with an untyped channel string).
 * `origin` identifies the requester (a webContents, a socket): events the call causes skip it.
 */
export function dispatch(
  handlers: Handlers,
  channel: string,
  args: unknown[],
  origin?: unknown,
): Result<unknown> | Promise<Result<unknown>> {
  if (!isInvokeChannel(channel)) {
    const name = clip(String(channel), 80)
    return failure('input', `lab:${name}: unknown channel`, [
      { source: `ipc:${name}`, message: `'${name}' is not a channel of the contract` },
    ])
  }
  if (!Array.isArray(args)) {
    return failure('input', `lab:${channel}: the arguments must be a list`, [
      { source: `ipc:${channel}`, path: '(arguments)', message: 'expected an argument list' },
    ])
  }
  const ctx = inFlight.get(handlers)
  if (!ctx) return handlers[channel](...args)
  const outer = ctx.origin
  ctx.origin = origin
  try {
    return handlers[channel](...args)
  } finally {
    ctx.origin = outer
  }
}
