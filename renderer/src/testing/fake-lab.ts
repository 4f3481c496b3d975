/**
 * A fake `window.lab` for component tests: every contract channel is a vi.fn answering from a
 * small hand-written LabView (one switch with two GPUs and a NIC, one host bridge).
 */
import { vi } from 'vitest'
import type {
  AppInfo,
  CellView,
  Events,
  LabApi,
  LabView,
  RecoveryInfo,
  TopoNodeView,
  UiState,
} from '../../../shared/ipc/contract'
import { EMPTY_UI_STATE } from '../../../shared/ipc/contract'
import { cellView, noPciFunctionFields } from '../../../shared/ipc/views'
import { CPU_PRESETS } from '../../../electron/engine/index'
import { CLASS_STOPPED } from '../../../shared/model/class'

export const NO_RECOVERY_INFO: RecoveryInfo = {
  available: false,
  savedAt: null,
  originalPath: null,
  labName: null,
}
import type { PairVerdict } from '../../../shared/model/p2p'
import { DEFAULT_SETTINGS, ERAS } from '../../../shared/model/topology'

/** A node view with every field the fake does not care about empty (tests pass what matters). */
export function nodeView(
  p: Partial<TopoNodeView> & Pick<TopoNodeView, 'id' | 'kind' | 'label'>,
): TopoNodeView {
  return {
    bdf: null,
    parent: null,
    children: [],
    vendor: null,
    device: null,
    classCode: null,
    ...noPciFunctionFields(),
    host: null,
    isProvider: false,
    name: p.label,
    lspciName: null,
    className: null,
    osDevices: [],
    p2pmem: p.isProvider ? 'bar' : null,
    numaNode: 0,
    hostBridge: 'hb0',
    switchId: null,
    ...p,
  }
}

export const GPU0 = '0000:03:00.0'
export const GPU1 = '0000:04:00.0'
export const NIC = '0000:81:00.0'

export const NODES: TopoNodeView[] = [
  nodeView({
    id: 'hb0',
    kind: 'host_bridge',
    label: 'Host bridge 0',
    children: ['rp0'],
    host: { domain: 0, busStart: 0, busEnd: 0x7f, numaNode: 0, key: '8086:2020', cpus: '0-23' },
  }),
  nodeView({
    id: 'rp0',
    kind: 'root_port',
    label: 'Root port',
    bdf: '0000:00:01.0',
    parent: 'hb0',
    children: ['usp'],
    acsCap: ['SV', 'RR', 'CR', 'UF'],
    acsCtrl: ['SV', 'RR', 'CR', 'UF'],
  }),
  nodeView({
    id: 'usp',
    kind: 'switch_upstream',
    label: 'PLX upstream',
    bdf: '0000:01:00.0',
    parent: 'rp0',
    children: ['dsp0', 'dsp1'],
  }),
  nodeView({
    id: 'dsp0',
    kind: 'switch_downstream',
    label: 'PLX down 0',
    bdf: '0000:02:00.0',
    parent: 'usp',
    children: ['gpu0'],
    acsCap: ['SV', 'RR', 'CR'],
    acsCtrl: ['RR'],
  }),
  nodeView({
    id: 'dsp1',
    kind: 'switch_downstream',
    label: 'PLX down 1',
    bdf: '0000:02:01.0',
    parent: 'usp',
    children: ['gpu1'],
  }),
  nodeView({
    id: 'gpu0',
    kind: 'endpoint',
    label: 'Tesla V100',
    bdf: GPU0,
    parent: 'dsp0',
    endpointType: 'gpu',
    vendor: 0x10de,
    device: 0x1db4,
    isProvider: true,
    switchId: 'usp',
    osDevices: ['nvml0'],
    bars: [
      {
        index: 1,
        size: 32 * 2 ** 30,
        start: '0x38000000000',
        busStart: '0x38000000000',
        io: false,
        mem64: true,
        prefetch: true,
      },
    ],
  }),
  nodeView({
    id: 'gpu1',
    kind: 'endpoint',
    label: 'Tesla V100 #2',
    bdf: GPU1,
    parent: 'dsp1',
    endpointType: 'gpu',
    isProvider: true,
    switchId: 'usp',
  }),
  nodeView({
    id: 'nic',
    kind: 'endpoint',
    label: 'ConnectX-5',
    bdf: NIC,
    parent: null,
    endpointType: 'rnic',
    numaNode: 1,
    osDevices: ['mlx5_0'],
  }),
]

function verdict(provider: string, client: string, p: Partial<PairVerdict>): PairVerdict {
  const id = (bdf: string) => NODES.find((n) => n.bdf === bdf)!.id
  return {
    provider,
    client,
    providerId: id(provider),
    clientId: id(client),
    mapType: 'BUS_ADDR',
    distance: 4,
    score: 4,
    acsRedirect: [],
    warnings: [],
    path: [],
    commonUpstream: null,
    hostBridges: [],
    smiLevel: 'PIX',
    decisions: [],
    ...p,
  }
}

export const PAIRS: PairVerdict[] = [
  verdict(GPU0, GPU0, { distance: 0, score: 0, smiLevel: 'X', path: ['gpu0'] }),
  verdict(GPU0, GPU1, {
    mapType: 'THRU_HOST_BRIDGE',
    distance: 4,
    smiLevel: 'PXB',
    acsRedirect: ['0000:02:00.0'],
    path: ['gpu0', 'dsp0', 'usp', 'dsp1', 'gpu1'],
    commonUpstream: 'usp',
    warnings: [
      'nvidia 0000:04:00.0: ACS redirect is set between the client and provider (0000:03:00.0)',
      'nvidia 0000:04:00.0: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=0000:02:00.0',
    ],
    decisions: [
      {
        fn: 'calc_map_type_and_dist',
        file: 'drivers/pci/p2pdma.c',
        eras: 'v6.0–v7.2',
        source: 'S4',
        text: 'common upstream bridge 0000:01:00.0, distance 4',
        ok: true,
      },
      {
        fn: '__upstream_bridge_distance',
        file: 'drivers/pci/p2pdma.c',
        eras: 'v6.0–v7.2',
        source: 'S4',
        text: 'ACS redirect set on 0000:02:00.0',
        ok: false,
      },
    ],
  }),
  verdict(GPU0, NIC, {
    mapType: 'NOT_SUPPORTED',
    distance: 6,
    score: -1,
    smiLevel: 'SYS',
    path: ['gpu0', 'dsp0', 'usp', 'rp0', 'hb0', 'nic'],
    hostBridges: ['hb0'],
  }),
  verdict(GPU1, GPU0, { distance: 4, path: ['gpu1', 'dsp1', 'usp', 'dsp0', 'gpu0'], commonUpstream: 'usp' }),
  verdict(GPU1, GPU1, { distance: 0, smiLevel: 'X' }),
  verdict(GPU1, NIC, { mapType: 'NOT_SUPPORTED', distance: 6, score: -1, smiLevel: 'SYS' }),
]

export function makeView(revision = 1, patch: Partial<LabView> = {}): LabView {
  return {
    lab: {
      format: 'p2p-dma-lab',
      schemaVersion: 1,
      name: 'Fake lab',
      machine: { name: 'fake', cpu: null, nodes: [] },
      settings: { ...DEFAULT_SETTINGS },
    },
    nodes: NODES,
    canUndo: false,
    canRedo: false,
    canUndoExercises: false,
    canRedoExercises: false,
    generation: 1,
    matrix: {
      era: 'v6.12',
      distanceIsReturnValue: false,
      cpu: { vendor: 'intel', family: 6, inferred: true, why: 'host bridge 8086:2020' },
      iommu: false,
      providers: [GPU0, GPU1],
      clients: [GPU0, GPU1, NIC],
      pairs: PAIRS,
      bootLog: [],
      assumptions: [],
      pairsOmitted: false,
      summary: {
        revision,
        status: 'ready',
        pairs: 6,
        counts: { BUS_ADDR: 3, THRU_HOST_BRIDGE: 1, NOT_SUPPORTED: 2 },
        changed: null,
        progress: null,
        message: null,
      },
      lastChange: null,
    },
    importReport: null,
    revision,
    dirty: false,
    filePath: null,
    ...patch,
  }
}

export const INFO: AppInfo = {
  name: 'P2P DMA Lab',
  version: '0.1.0',
  eras: ERAS.map((id) => ({
    id,
    label: `Linux ${id}`,
    summary: `summary of ${id}`,
    release: id.slice(1),
    distros: [],
  })),
  cpus: [...CPU_PRESETS],
  sources: [
    {
      key: 'S4',
      title: 'drivers/pci/p2pdma.c of the 6.x series',
      where: 'NVIDIA/NV-Kernels drivers/pci/p2pdma.c @ 2f18f71dae62',
      era: '6.0–6.15',
      url: null,
    },
  ],
  host: 'test',
}

function noStepper(source: string) {
  const message = 'no scenario is being stepped'
  return Promise.resolve({
    ok: false as const,
    error: { kind: 'input' as const, message: `${source}: ${message}`, issues: [{ source, message }] },
  })
}

/**
 * Fix advice for the fake pairs: the ACS-redirect pair (GPU0 → GPU1, same switch) is helped by the
 * parameter; the others are not (the NIC is across the host bridge).
 */
export function fakeFix(v: PairVerdict): NonNullable<PairVerdict['fix']> {
  if (v.acsRedirect.length > 0)
    return {
      param: v.acsRedirect.join(';'),
      tried: v.acsRedirect.join(';'),
      after: { mapType: 'BUS_ADDR', distance: v.distance },
      helps: true,
      otherwise: [],
    }
  if (v.mapType === 'BUS_ADDR') return { param: null, tried: null, after: null, helps: false, otherwise: [] }
  return {
    param: null,
    tried: null,
    after: null,
    helps: false,
    otherwise: [
      'the two devices share no PCIe switch or bridge below the host bridge: only placing them under a common switch gives BUS_ADDR',
      'no kernel parameter helps: pci=disable_acs_redir= only clears ACS redirect on ports, and this path has none that decides the verdict',
    ],
  }
}

/** Cells as p2p.cells answers them, from a view's pairs. */
export function fakeCells(view: LabView, providers: string[], clients: string[]): CellView[] {
  const byKey = new Map(view.matrix.pairs.map((p) => [`${p.provider}|${p.client}`, p]))
  const out: CellView[] = []
  for (const p of providers)
    for (const c of clients) {
      const v = byKey.get(`${p}|${c}`)
      if (!v) continue
      out.push(cellView(p, c, v, null))
    }
  return out
}

export interface FakeLab {
  api: LabApi
  emit<K extends keyof Events>(channel: K, payload: Events[K]): void
  listeners: Map<string, Set<(p: unknown) => void>>
}

/** Install a fake window.lab; every request answers ok with `view()` (settings patched where asked). */
export function installFakeLab(initial: LabView = makeView()): FakeLab {
  let current = initial
  let uiState: UiState = { ...EMPTY_UI_STATE }
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const ok = <T>(value: T) => Promise.resolve({ ok: true as const, value })
  const api: LabApi = {
    invoke: {
      'app.info': vi.fn(() => ok(INFO)),
      'lab.current': vi.fn(() => ok(current)),
      'lab.loadDefault': vi.fn(() => ok(current)),
      'lab.new': vi.fn(() => ok(current)),
      'topology.edit': vi.fn(() => {
        current = { ...current, revision: current.revision + 1, canUndo: true }
        return ok(current)
      }),
      'topology.undo': vi.fn(() => ok(current)),
      'topology.redo': vi.fn(() => ok(current)),
      'topology.iomem': vi.fn(() => ok({ iomem: [], ioports: [], dma: [], notes: [] })),
      'lab.importText': vi.fn(() => ok(current)),
      'lab.setSettings': vi.fn((patch) => {
        const { cpu: _cpu, ...rest } = patch
        current = {
          ...current,
          revision: current.revision + 1,
          lab: { ...current.lab, settings: { ...current.lab.settings, ...rest } },
        }
        return ok(current)
      }),
      'lab.exportText': vi.fn(() => ok({ fileName: 'x.p2plab', text: '{}' })),
      // the engine's answer for one pair, with fix advice as the engine gives it (fakeFix)
      'p2p.explain': vi.fn((req) => {
        const v = current.matrix.pairs.find((p) => p.provider === req.provider && p.client === req.client)
        return ok(v ? { ...v, fix: fakeFix(v) } : PAIRS[1]!)
      }),
      // the window's cells, from the fake view's pairs (changed: none unless a test says so)
      'p2p.cells': vi.fn((req) =>
        ok({ revision: current.revision, cells: fakeCells(current, req.providers, req.clients) }),
      ),
      'p2p.cancel': vi.fn(() => ok({ ...current.matrix.summary, status: 'cancelled' as const })),
      'lab.importThisMachine': vi.fn(() => ok(current)),
      'topology.text': vi.fn(() => ok({ fileName: 'fake.topology.txt', text: 'Machine "fake"\n' })),
      'p2p.text': vi.fn(() => ok({ fileName: 'fake.p2p.txt', text: 'P2P matrix — fake\n' })),
      'lab.recovery': vi.fn(() => ok(NO_RECOVERY_INFO)),
      'lab.recover': vi.fn(() => ok(current)),
      'lab.discardRecovery': vi.fn(() => ok(NO_RECOVERY_INFO)),
      'ui.state': vi.fn(() => ok(uiState)),
      'ui.setState': vi.fn((patch) => {
        uiState = { ...uiState, ...patch }
        return ok(uiState)
      }),
      // The stepper: no scenarios by default; stepper tests replace these with engine-made views.
      'scenario.list': vi.fn(() => ok([])),
      'scenario.start': vi.fn(() => noStepper('scenario.start')),
      'scenario.compare': vi.fn(() => noStepper('scenario.compare')),
      'scenario.report': vi.fn(() => noStepper('scenario.report')),
      'timeline.step': vi.fn(() => noStepper('timeline.step')),
      'timeline.seek': vi.fn(() => noStepper('timeline.seek')),
      'timeline.breakpoints': vi.fn(() => noStepper('timeline.breakpoints')),
      'timeline.view': vi.fn(() => ok(null)),
      'exercise.check': vi.fn(() => noStepper('exercise.check')),
      'exercise.reveal': vi.fn(() => noStepper('exercise.reveal')),
      'exercise.answers': vi.fn(() => ok([])),
      'exercise.edit': vi.fn(() => ok(makeView(2))),
      'exercise.undo': vi.fn(() => ok(makeView(3))),
      'exercise.redo': vi.fn(() => ok(makeView(4))),
      'exercise.verify': vi.fn(() => ok([])),
      'app.openSource': vi.fn((req) =>
        ok({ url: `https://elixir.bootlin.com/linux/${req.era}/C/ident/${req.fn}`, opened: false }),
      ),
      'app.presenter.open': vi.fn(() => ok({ opened: false })),
      // "Verify with a real kernel": unavailable unless a test says otherwise
      'oracle.available': vi.fn(() => ok({ available: false, reason: 'no QEMU in tests', running: null })),
      'oracle.start': vi.fn(() => ok({ runId: 'oracle-1' })),
      'oracle.cancel': vi.fn(() => ok({ cancelled: true })),
      // The class session: not running; class tests replace these with their own answers.
      'class.addresses': vi.fn(() =>
        ok([{ address: '127.0.0.1', family: 'IPv4' as const, iface: 'lo', internal: true }]),
      ),
      'class.status': vi.fn(() => ok(CLASS_STOPPED)),
      'class.start': vi.fn(() => ok(CLASS_STOPPED)),
      'class.stop': vi.fn(() => ok(CLASS_STOPPED)),
      'class.ask': vi.fn(() => ok(CLASS_STOPPED)),
      'class.reveal': vi.fn(() => ok(CLASS_STOPPED)),
      'class.results': vi.fn((req) => ok({ fileName: `class.${req.format}`, mime: 'text/plain', text: '' })),
      'class.saveResults': vi.fn(() => ok({ saved: false, path: null, dialog: false })),
    },
    // The browser harness's answer by default: no path for a File (the page imports its text).
    openFile: vi.fn(() => Promise.resolve(null)),
    on: vi.fn((channel, listener) => {
      const set = listeners.get(channel) ?? new Set()
      set.add(listener as (p: unknown) => void)
      listeners.set(channel, set)
      return () => set.delete(listener as (p: unknown) => void)
    }),
  }
  window.lab = api
  return {
    api,
    listeners,
    emit(channel, payload) {
      for (const l of listeners.get(channel) ?? []) l(payload)
    },
  }
}
