/**
 * Hand-written StepperViews for component tests, shaped like the engine's for case C22 (a BAR
 * mapped with remap_pfn_range, then pin_user_pages_fast failing in check_vma_flags). The engine's
 * own views are checked in electron/app/stepping/stepper.test.ts.
 */
import type { WorldView } from '../../../shared/model/mm'
import type { DeltaView, FrameView, ScenarioSummary, StepperView } from '../../../shared/model/stepper'

export const EMPTY_WORLD: WorldView = {
  processes: [{ name: 'app', pid: 1000, comm: 'app', pinned_vm: '0' }],
  vmas: [],
  ptes: [],
  pages: [],
  p2pmem: [],
  sgts: [],
  iommu: [],
  umems: [],
  vars: {},
  log: [],
  iomem: [],
}

export const WORLD: WorldView = {
  ...EMPTY_WORLD,
  vmas: [
    {
      key: 'app:0x7f0000000000',
      mm: 'app',
      vm_start: '0x7f0000000000',
      vm_end: '0x7f0000200000',
      vm_flags: ['VM_READ', 'VM_WRITE', 'VM_SHARED', 'VM_IO', 'VM_PFNMAP'],
      vm_pgoff: '0x3800000',
      file: '/dev/nvidia-0000:03:00.0',
      vm_ops: null,
      vm_page_prot: 'pgprot_writecombine',
    },
  ],
  ptes: [
    {
      mm: 'app',
      va: '0x7f0000000000',
      npages: '512',
      pfn: '0x3800000',
      present: true,
      writable: true,
      special: true,
      devmap: false,
    },
  ],
  pages: [
    {
      pfn: '0x100000',
      count: '512',
      kind: 'ram',
      type: null,
      pgmap: null,
      refcount: 2,
      pins: 0,
      mapcount: 1,
    },
  ],
  p2pmem: [
    { dev: 'gpu0', bdf: '0000:03:00.0', size: '1048576', available: '0', published: true, map_types: {} },
  ],
  sgts: [
    {
      id: 'sgt',
      nents: 1,
      orig_nents: 1,
      mappedFor: '0000:04:00.0',
      sgl: [
        {
          page: '0x100000',
          offset: 0,
          length: 2097152,
          dma_address: '0xf0000000',
          dma_length: 2097152,
          bus_address: true,
        },
      ],
    },
  ],
  iommu: [{ dev: 'nic0', bdf: '0000:04:00.0', iova: '0xfff00000', paddr: '0x100000000', size: '2097152' }],
  umems: [{ id: 'mr', dev: 'nic0', address: '0x7f0000000000', length: '2097152', npages: '512' }],
  vars: { buf: 'buffer 0x7f0000000000 +2097152' },
  log: ['[    0.000000] pci 0000:03:00.0: added 1 MiB of p2pmem'],
}

/** One changed-row delta per pane, keyed like the engine keys its tables. */
export const DELTAS: Record<string, DeltaView> = {
  processes: delta('processes', 'mms', 'app', 'pinned_vm', '0', '512'),
  vmas: delta(
    'vmas',
    'vmas',
    'app:0x7f0000000000',
    'vm_flags',
    'VM_READ|VM_WRITE',
    'VM_READ|VM_WRITE|VM_IO|VM_PFNMAP',
  ),
  ptes: delta('ptes', 'ptes', 'app:0x7f0000000000', 'present', 'false', 'true'),
  pages: delta('pages', 'pages', '0x100000', 'refcount', '1', '2'),
  p2pmem: delta('p2pmem', 'p2pdma', 'gpu0', 'published', 'false', 'true'),
  sgts: delta('sgts', 'sgts', 'sgt', 'nents', '0', '1'),
  iommu: delta('iommu', 'iovas', 'nic0:0xfff00000', 'paddr', '—', '0x100000000'),
  umems: delta('umems', 'umems', 'mr', 'length', '0', '2097152'),
  vars: delta('vars', 'vars', 'buf', 'va', '—', '0x7f0000000000'),
}

function delta(
  pane: string,
  table: string,
  key: string,
  field: string,
  before: string,
  after: string,
): DeltaView {
  return {
    pane,
    table,
    key,
    change: 'changed',
    fields: [{ field, before, after }],
    text: `${table} ${key}: ${field} ${before} → ${after}`,
  }
}

const SRC = 'https://elixir.bootlin.com/linux/v6.12/C/ident/'

function frame(seq: number, depth: number, fn: string, extra: Partial<FrameView> = {}): FrameView {
  return {
    seq,
    depth,
    fn,
    args: {},
    file: 'mm/gup.c',
    era: 'all',
    checks: [],
    outcome: null,
    url: SRC + fn,
    ...extra,
  }
}

export const FAIL_FRAMES: FrameView[] = [
  frame(40, 0, 'pin_user_pages_fast', { args: { start: '0x7f0000000000', nr_pages: '512' } }),
  frame(48, 1, 'internal_get_user_pages_fast', {
    checks: [{ what: 'nr_pinned == nr_pages?', ok: false, why: 'GUP-fast pinned 0 of 512' }],
  }),
  frame(52, 2, '__get_user_pages'),
  frame(53, 3, 'check_vma_flags', {
    args: { vm_flags: 'VM_IO|VM_PFNMAP' },
    checks: [
      { what: 'vm_flags & (VM_IO | VM_PFNMAP)', ok: false, why: 'an I/O / PFN-map VMA (remap_pfn_range)' },
    ],
    outcome: {
      kind: 'fail',
      errno: 'EFAULT',
      no: 14,
      why: 'GUP on a VM_IO|VM_PFNMAP mapping',
      remedy: 'map the BAR as p2pmem',
    },
  }),
]

export const SCENARIOS: ScenarioSummary[] = [
  {
    index: 0,
    name: 'C22 GUP on a BAR mapped with remap_pfn_range (v6.12)',
    era: 'v6.12',
    narration: 'The premise of the 2019 thread.',
    exercises: [
      {
        index: 0,
        id: 'ex1',
        question: 'Which operation fails first?',
        kind: 'which-op-fails',
        op: null,
        select: 'one',
        choices: ['1 mmap_bar', '2 pin_user_pages_fast', 'none'],
        pair: null,
        devices: [],
        cells: [],
        eras: [],
      },
    ],
    operations: [
      {
        op: 'mmap_bar',
        args: { dev: 'gpu0', bar: '1', len: '2M', as: 'buf' },
        narration: null,
        expect: { ret: undefined, errno: null },
      },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'buf', npages: '512' },
        narration: 'GUP-fast bails on the special PTE.',
        expect: { ret: -14, errno: 'EFAULT' },
      },
    ],
  },
]

export function stepperView(patch: Partial<StepperView> = {}): StepperView {
  return {
    scenario: {
      index: 0,
      name: SCENARIOS[0]!.name,
      era: 'v6.12',
      narration: 'The premise of the 2019 thread.',
    },
    cursor: 54,
    start: 6,
    total: 111,
    atStart: false,
    atEnd: false,
    current: {
      seq: 53,
      depth: 3,
      kind: 'fail',
      fn: 'check_vma_flags',
      file: 'mm/gup.c',
      era: 'all',
      text: '3 fail check_vma_flags -EFAULT',
      args: null,
      check: null,
      why: null,
      outcome: FAIL_FRAMES[3]!.outcome,
    },
    callStack: FAIL_FRAMES,
    deltas: [],
    changedPanes: [],
    world: WORLD,
    operations: [
      {
        index: 0,
        op: 'mmap_bar',
        first: 6,
        end: 30,
        state: 'done',
        ret: 0x7f0000000000,
        errno: null,
        met: true,
        failures: [],
      },
      {
        index: 1,
        op: 'pin_user_pages_fast',
        first: 30,
        end: 70,
        state: 'running',
        ret: null,
        errno: null,
        met: null,
        failures: [],
      },
    ],
    currentOp: 1,
    breakpoints: [],
    stopped: 'failure',
    position: { step: 48, of: 105 },
    steps: [],
    failMarks: [70],
    extra: [],
    devices: [{ id: 'gpu0', bdf: '0000:03:00.0', label: 'GPU0' }],
    ...patch,
  }
}
