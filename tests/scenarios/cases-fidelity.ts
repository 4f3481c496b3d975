/**
 * Scenario files of the fidelity issues (#11 item 3 and 4, #16 corrections 1 and 6 and the "also
 * check" items): new scenario shapes and era corrections, one file each, with a scenario in every
 * era where the path exists. The expectations come from the kernel source cited in each
 * narration, not from the engine.
 *
 * Source trees: K61 / K612 / K72 = Debian linux-source-6.1 6.1.192, -6.12 6.12.118, -7.2 7.2.13
 * (docs/kernel/sources.md); the rest is cited by commit, or by the id of a patch mail in the code
 * search index ([S12]).
 */
import { ERAS, type Era } from '../../shared/model/topology'
import { t1, t1nw } from '../helpers/topologies'
import type { FollFlag } from '../../shared/model/mm'
import { setup, type Assertion, type Operation, type Scenario } from '../../electron/engine/index'
import { caseFile, type CaseFile } from './case-file'

const addGpu0 = (size: string | number = '2M'): Operation => ({
  op: 'p2pdma_add_resource',
  args: { dev: 'gpu0', bar: 1, size },
  expect: { ret: 0 },
})

/** GPU0's p2pmem offered and one 64 KiB p2pmem/allocate mapping of it, 'p2p' (6.2+). */
const p2pMapping = (): Operation[] => [
  addGpu0(),
  setup.mmapP2pmem('gpu0', '64K', 'p2p', { expect: { errno: null } }),
]

/** One page of the 'p2p' mapping pinned by `call` with `flags`. */
function pinP2pPage(
  call: 'pin_user_pages' | 'pin_user_pages_fast',
  flags: FollFlag[],
  more: setup.StepNotes,
): Operation {
  return { op: call, args: { buf: 'p2p', npages: 1, flags }, ...more }
}

/** The long-term P2PDMA pin is_valid_gup_args() refuses from 6.3. */
const LONGTERM_P2PDMA: FollFlag[] = ['FOLL_WRITE', 'FOLL_LONGTERM', 'FOLL_PCI_P2PDMA']

/** The same scenario in each era of `eras`: only its name (the era in brackets) and `era` differ. */
function inEras(eras: readonly Era[], title: string, scenario: Omit<Scenario, 'name' | 'era'>): Scenario[] {
  return eras.map((era) => ({ name: `${title} (${era})`, era, ...structuredClone(scenario) }))
}

/** Devices of T1 that are not PCI functions, as a kernel has them. */
const PLAIN_DEVICES: NonNullable<Scenario['devices']> = [
  { name: 'mlx5_0', kind: 'ib_device', parent: 'nic0' },
  { name: 'nvme2n1', kind: 'block', parent: 'nvme2' },
  { name: 'dw-edma.0', kind: 'platform', driver: 'dw-edma' },
]

// ---- F01: pci_p2pdma_distance_many() / pci_p2pmem_find_many() with any client list ----------

function f01(eras: readonly Era[]): Scenario[] {
  return inEras(eras, 'F01 pci_p2pdma_distance_many and pci_p2pmem_find_many with any client list', {
    narration:
      'pci_p2pdma_distance_many(provider, clients, num_clients, verbose) (drivers/pci/p2pdma.c; K612 :687, K61 :561, the same loop since 4.20): num_clients == 0 returns -1; each client goes through find_parent_pci_dev(), which walks dev->parent until dev_is_pci() (K612 :365-382), so an ib_device under a NIC or a block device under an NVMe controller counts as that PCI function; a device with no PCI ancestor prints "cannot be used for peer-to-peer DMA as it is not a PCI device" when verbose and returns -1 at once. The result is the sum of the distances. pci_p2pmem_find_many() (K612 :763) scores every device with published p2pmem that way (verbose = false) and keeps the closest. In T1 GPU0, NIC0 and NVMe2 sit below one switch: 2 + 2 hops each.',
    devices: PLAIN_DEVICES,
    operations: [
      addGpu0(),
      {
        op: 'pci_p2pdma_distance_many',
        args: { provider: 'gpu0', clients: [] },
        narration: 'No client at all: "if (num_clients == 0) return -1;".',
        expect: { ret: -1 },
      },
      {
        op: 'pci_p2pdma_distance_many',
        args: { provider: 'gpu0', clients: ['nic0', 'nvme2'] },
        narration: 'Two PCI functions below the same switch: distance 4 each, 8 in all.',
        expect: { ret: 8 },
      },
      {
        op: 'pci_p2pdma_distance_many',
        args: { provider: 'gpu0', clients: ['mlx5_0', 'nvme2n1'] },
        narration:
          'The same two, named by their class devices: find_parent_pci_dev() walks from the ib_device and the gendisk to NIC0 and NVMe2.',
        expect: { ret: 8 },
      },
      {
        op: 'pci_p2pdma_distance_many',
        args: { provider: 'gpu0', clients: ['mlx5_0', 'dw-edma.0'] },
        narration:
          'A platform DMA engine has no PCI ancestor: dev_warn(clients[i], "cannot be used for peer-to-peer DMA as it is not a PCI device") and -1, even though the first client was fine.',
        expect: {
          ret: -1,
          state: [
            {
              logContains: 'dw-edma dw-edma.0: cannot be used for peer-to-peer DMA as it is not a PCI device',
            },
          ],
        },
      },
      { op: 'p2pmem_publish', args: { dev: 'gpu0' } },
      {
        op: 'pci_p2pmem_find_many',
        args: { clients: ['mlx5_0', 'nvme2n1'], as: 'found' },
        narration:
          'GPU0 is the only device with published p2pmem and serves both clients: pci_dev_get() of GPU0.',
        expect: { ret: 1, state: [{ pciDev: 'found', is: 'gpu0' }] },
      },
      {
        op: 'pci_p2pmem_find_many',
        args: { clients: [], as: 'none' },
        narration: 'An empty client list scores -1 everywhere: NULL.',
        expect: { ret: 0, state: [{ pciDev: 'none', is: null }] },
      },
      {
        op: 'pci_p2pmem_find_many',
        args: { clients: ['dw-edma.0'], as: 'plat' },
        narration: 'A platform device as the only client: no provider can serve it, NULL.',
        expect: { ret: 0, state: [{ pciDev: 'plat', is: null }] },
      },
    ],
  })
}

// ---- F02: pci_p2pmem_virt_to_bus() ------------------------------------------------------------

function f02(era: Era): Scenario {
  return {
    name: `F02 pci_p2pmem_virt_to_bus with a 4 GiB bus offset (${era})`,
    era,
    narration:
      'A kernel user (nvmet, a driver) allocates p2pmem with pci_alloc_p2pmem() and gets a kernel virtual address: the pool chunks were added with gen_pool_add_owner(pool, (unsigned long)addr, pci_bus_address(pdev, bar) + offset, ...) (K612 :341), where addr is devm_memremap_pages()\'s __va() of the BAR. pci_p2pmem_virt_to_bus() (K612 :871, K61 :747; since 4.20) returns gen_pool_virt_to_phys(): "when we added the memory to the pool we used the PCI bus address as the physical address", so the "phys" is the bus address (lib/genalloc.c gen_pool_virt_to_phys(): chunk->phys_addr + offset, or -1 when no chunk holds the address). With a host bridge that adds 4 GiB, GPU0\'s BAR1 at CPU 0x38_0000_0000 has bus address 0x39_0000_0000.',
    operations: [
      addGpu0(),
      { op: 'pci_alloc_p2pmem', args: { dev: 'gpu0', size: '16K', as: 'mem' }, expect: { ret: 0 } },
      {
        op: 'pci_p2pmem_virt_to_bus',
        args: { dev: 'gpu0', mem: 'mem', as: 'bus' },
        narration: 'The first byte of the allocation: the bus address of BAR1, not its CPU address.',
        expect: { state: [{ value: 'bus', equals: '0x3900000000' }] },
      },
      {
        op: 'pci_p2pmem_virt_to_bus',
        args: { dev: 'gpu0', mem: 'mem', offset: '8K', as: 'bus2' },
        expect: { state: [{ value: 'bus2', equals: '0x3900002000' }] },
      },
      {
        op: 'pci_p2pmem_virt_to_bus',
        args: { dev: 'nvme0', mem: 'mem', as: 'nop2p' },
        narration: 'Asked of a device that has no p2pdma: "if (!p2pdma) return 0;".',
        expect: { ret: 0, state: [{ value: 'nop2p', equals: '0x0' }] },
      },
      {
        op: 'p2pdma_add_resource',
        args: { dev: 'nvme0', bar: 2, size: '1M' },
        expect: { ret: 0 },
      },
      {
        op: 'pci_p2pmem_virt_to_bus',
        args: { dev: 'nvme0', mem: 'mem', as: 'other' },
        narration:
          "Asked of the wrong provider: nvme0's pool has no chunk holding GPU0's address, gen_pool_virt_to_phys() returns (phys_addr_t)-1.",
        expect: { ret: -1, state: [{ value: 'other', equals: '0xffffffffffffffff' }] },
      },
    ],
  }
}

// ---- F03: a WARN_ON_ONCE splat -----------------------------------------------------------------

/** Where the era refuses a FOLL_LONGTERM | FOLL_PCI_P2PDMA pin, and the splat line it prints. */
function f03(era: Era): Scenario | null {
  const lp: Partial<Record<Era, { line: number; text: string }>> = {
    'v6.4': { line: 2633, text: 'WARNING: CPU: 0 PID: 1000 at mm/gup.c:2633 is_valid_gup_args+0x…/0x…' },
    'v6.12': { line: 2633, text: 'WARNING: CPU: 0 PID: 1000 at mm/gup.c:2633 is_valid_gup_args+0x…/0x…' },
    'v6.16': { line: 2633, text: 'WARNING: CPU: 0 PID: 1000 at mm/gup.c:2633 is_valid_gup_args+0x…/0x…' },
    'v7.2': { line: 2544, text: 'WARNING: mm/gup.c:2544 at is_valid_gup_args+0x…/0x…, CPU#0: app/1000' },
    next: { line: 2544, text: 'WARNING: mm/gup.c:2544 at is_valid_gup_args+0x…/0x…, CPU#0: app/1000' },
  }
  const w = lp[era]
  if (era === 'v6.2')
    return {
      name: `F03 FOLL_LONGTERM | FOLL_PCI_P2PDMA: no WARN in 6.2 (${era})`,
      era,
      narration:
        '6.2 refuses a long-term pin of P2PDMA memory in check_vma_flags() with -EOPNOTSUPP and no warning (4003f107fa2e, the 6.2 FOLL_PCI_P2PDMA patch). check_vma_flags() runs only on the slow path: GUP-fast never looks at the VMA, and its try_grab_folio() lets a P2PDMA page through when FOLL_PCI_P2PDMA is set, so pin_user_pages_fast() pins the same page long-term (read from K61 gup_pte_range() and the 4003f107fa2e diff; no 6.2 tree was read). From 6.3 is_valid_gup_args() refuses the combination up front, for every entry point, with WARN_ON_ONCE() and -EINVAL (d64e2dbc33a1; K612 :2633).',
      operations: [
        ...p2pMapping(),
        pinP2pPage('pin_user_pages', LONGTERM_P2PDMA, {
          narration: 'The slow path: check_vma_flags() says -EOPNOTSUPP, quietly.',
          expect: { errno: 'EOPNOTSUPP', state: [{ warning: 'is_valid_gup_args', count: 0 }] },
        }),
        pinP2pPage('pin_user_pages_fast', LONGTERM_P2PDMA, {
          narration: 'GUP-fast: nothing on its path refuses the combination, the page is pinned long-term.',
          expect: { ret: 1, state: [{ pages: 'p2p', offset: 0, pinned: true }] },
        }),
      ],
    }
  if (!w) return null
  const tainted = era === 'v6.4' ? 'Tainted: G        W          ' : 'Tainted: G        W'
  return {
    name: `F03 WARN_ON_ONCE splat from is_valid_gup_args (${era})`,
    era,
    narration: `is_valid_gup_args() (since 6.3, d64e2dbc33a1) ends with "/* We want to allow the pgmap to be hot-unplugged at all times */ if (WARN_ON_ONCE((gup_flags & FOLL_LONGTERM) && (gup_flags & FOLL_PCI_P2PDMA))) return false;" (K612 mm/gup.c:2633, K72 :2544). The first offender gets the splat report_bug() and __warn() print (CUT_HERE, the WARNING line with file:line, Modules linked in, the CPU/Comm line, RIP, the Call Trace, "---[ end trace 0000000000000000 ]---") and the kernel is tainted W; BUGFLAG_DONE keeps that site quiet for the rest of the boot (lib/bug.c: report_bug()), so the second identical call returns -EINVAL without a word. Another WARN_ON_ONCE site still prints, now "Tainted: ... W".${era === 'v7.2' || era === 'next' ? ' 7.2 prints the WARNING line file-first with comm/pid ("bugs/core: Reorganize fields in the first line of WARNING output", K72 kernel/panic.c:1082).' : ''}${era === 'v6.4' || era === 'v6.16' ? ` The ${era} line number is the 6.12 tree's (no ${era} tree was read).` : ''}`,
    operations: [
      ...p2pMapping(),
      pinP2pPage('pin_user_pages_fast', LONGTERM_P2PDMA, {
        narration: 'An RDMA-style long-term pin of p2pmem: the WARN fires and prints its splat.',
        expect: {
          errno: 'EINVAL',
          state: [
            { warning: 'is_valid_gup_args', count: 1, line: w.line },
            { logContains: '------------[ cut here ]------------' },
            { logContains: w.text },
            { logContains: 'Not tainted' },
            { logContains: ' pin_user_pages_fast+0x…/0x…' },
            { logContains: '---[ end trace 0000000000000000 ]---' },
          ],
        },
      }),
      pinP2pPage('pin_user_pages_fast', LONGTERM_P2PDMA, {
        narration: 'The same call again: -EINVAL, and no second splat (WARN_ON_ONCE).',
        expect: { errno: 'EINVAL', state: [{ warning: 'is_valid_gup_args', count: 1 }] },
      }),
      pinP2pPage('pin_user_pages_fast', ['FOLL_WRITE', 'FOLL_GET', 'FOLL_PCI_P2PDMA'], {
        narration:
          'FOLL_GET passed to a pin_user_pages*() call: a different WARN_ON_ONCE site of is_valid_gup_args() ("(gup_flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET)") prints its own splat, and this one shows the taint of the first.',
        expect: {
          errno: 'EINVAL',
          state: [{ warning: 'is_valid_gup_args', count: 2 }, { logContains: tainted }],
        },
      }),
    ],
  }
}

/** `dev`'s IOMMU translates each DMA address (an IOVA) to the CPU physical address paired with it. */
function iovaTranslations(dev: string, dmaToPhys: [dma: string, phys: string][]): Assertion[] {
  return dmaToPhys.map(([dma, phys]) => ({ iova: dev, dma, phys }))
}

// ---- F04: [RAM, P2P, RAM] through GUP, a scatterlist and one IOVA allocation ------------------

function f04(era: Era): Scenario {
  return {
    name: `F04 a [RAM, P2P, RAM] page array, its scatterlist and one IOVA allocation (${era})`,
    era,
    settings: { iommu: true },
    narration:
      "A VM_MIXEDMAP driver mapping (vm_insert_page() of RAM, of one p2pmem page, of RAM again; mm/memory.c K612 :2218) pinned with FOLL_PCI_P2PDMA (6.2+): pages[] is RAM, P2PDMA, RAM, each checked on its own. sg_alloc_table_from_pages() (lib/scatterlist.c) never merges across pgmaps (6.2+), so the table has three entries, the first starting at the byte offset given. With the IOMMU on, the IOMMU driver enables ACS redirect on the switch ports (C04), so GPU0 -> NIC0 is THRU_HOST_BRIDGE and iommu_dma_map_sg() maps all three segments in one IOVA range (iommu_dma_alloc_iova() once for the summed length, drivers/iommu/dma-iommu.c), each IOVA translating to its page: RAM for the first, the BAR page for the second. (The IOVA numbers are the lab allocator's: top-down below 4 GiB, size-aligned.)",
    operations: [
      addGpu0(),
      {
        op: 'mmap_mixed',
        args: { dev: 'gpu0', layout: ['ram', 'p2p', 'ram'], as: 'obj' },
        expect: {
          errno: null,
          state: [
            { vma: 'obj', flagsContain: 'VM_MIXEDMAP', flagsExclude: ['VM_IO', 'VM_PFNMAP'] },
            { pte: 'obj', offset: 1, kind: 'present', special: false },
          ],
        },
      },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'obj', npages: 3, flags: ['FOLL_WRITE', 'FOLL_PCI_P2PDMA'], as: 'pages' },
        narration: 'GUP-fast takes all three (normal PTEs, and the caller allows P2PDMA pages).',
        expect: {
          ret: 3,
          state: [
            { pages: 'pages', offset: 0, ram: true, pinned: true },
            { pages: 'pages', offset: 1, p2pdma: true, pinned: true },
            { pages: 'pages', offset: 2, ram: true, p2pdma: false, pinned: true },
          ],
        },
      },
      {
        op: 'sg_alloc_table_from_pages',
        args: { pages: 'pages', as: 'sgt', offset: 512 },
        expect: {
          state: [
            { sgt: 'sgt', origNents: 3 },
            { sg: 'sgt', entry: 0, offset: 512, page: { pages: 'pages', offset: 0 }, length: 3584 },
            { sg: 'sgt', entry: 1, offset: 0, page: { pages: 'pages', offset: 1 }, p2pdma: true },
            { sg: 'sgt', entry: 2, offset: 0, page: { pages: 'pages', offset: 2 }, p2pdma: false },
          ],
        },
      },
      {
        op: 'dma_map_sgtable',
        args: { dev: 'nic0', sgt: 'sgt' },
        expect: {
          ret: 0,
          state: [
            { iommu: 'nic0', allocations: 1, mappings: 3 },
            { sg: 'sgt', entry: 0, dmaAddress: '0xffffc200' },
            { sg: 'sgt', entry: 1, busAddress: false, dmaAddress: '0xffffd000' },
            ...iovaTranslations('nic0', [
              ['0xffffc200', '0x100000200'],
              ['0xffffd000', '0x3800000000'],
              ['0xffffe000', '0x100001000'],
            ]),
          ],
        },
      },
    ],
  }
}

// ---- F05: the owner a migration notification carries ----------------------------------------

function f05(eras: readonly Era[]): Scenario[] {
  return inEras(eras, 'F05 the owner carried by an MMU_NOTIFY_MIGRATE notification', {
    narration:
      'migrate_vma_setup() with MIGRATE_VMA_SELECT_DEVICE_PRIVATE sends mmu_notifier_range_init_owner(..., MMU_NOTIFY_MIGRATE, ..., pgmap_owner) (mm/migrate_device.c; the owner field since 5.9). A mirror whose device is the owner skips the notification ("our own migration", lib/test_hmm.c dmirror_interval_invalidate()); every other mirror of the range invalidates, and sees the owner in range->owner.',
    operations: [
      { op: 'devmem_add', args: { dev: 'gpu0', type: 'private', size: '1G' } },
      { op: 'mmap_anon', args: { len: '64K', as: 'buf' } },
      { op: 'touch', args: { buf: 'buf', len: '64K' } },
      { op: 'hmm_mirror_register', args: { dev: 'gpu0', buf: 'buf', as: 'gpumirror' } },
      { op: 'hmm_mirror_register', args: { dev: 'nic0', buf: 'buf', as: 'nicmirror' } },
      {
        op: 'migrate_to_device',
        args: { buf: 'buf', npages: 4, dev: 'gpu0' },
        narration: "GPU0 migrates four pages into its device-private memory: owner = GPU0's pgmap owner.",
        expect: {
          state: [
            { notifier: 'nicmirror', lastOwner: 'gpu0', lastContains: 'MMU_NOTIFY_MIGRATE' },
            { pte: 'buf', offset: 0, kind: 'device_private' },
          ],
        },
      },
      {
        op: 'touch',
        args: { buf: 'buf', len: '4K' },
        narration:
          "The CPU touches the first page: do_swap_page() -> migrate_to_ram(), which migrates it back with GPU0 as the owner again; the NIC's mirror hears about it, GPU0's skips it.",
        expect: {
          state: [
            { notifier: 'nicmirror', lastOwner: 'gpu0' },
            { pte: 'buf', offset: 0, kind: 'present' },
          ],
        },
      },
    ],
  })
}

/**
 * The mainline release an era stands for, as a number (5.18 -> 518), for the per-era expectations
 * below. Written out here (not read from the engine's era table) so the expectations stay the
 * kernel's, whatever the engine says.
 */
const REL: Record<string, number> = {
  'v5.0': 500,
  'v5.0-rfc': 500,
  'v5.2': 502,
  'v5.4': 504,
  'v5.10': 510,
  'v5.15': 515,
  'v6.0': 600,
  'v6.1': 601,
  'v6.2': 602,
  'v6.4': 604,
  'v6.12': 612,
  'v6.16': 616,
  'v7.2': 702,
  next: 703,
}
const rel = (era: Era): number => {
  const r = REL[era]
  if (r === undefined) throw new Error(`cases-fidelity: no release for ${era}`)
  return r
}

// ---- F06: GUP on a raw pfn in a VM_MIXEDMAP VMA, three regimes (#16 correction 1) ---------------

function f06(era: Era): Scenario {
  const r = rel(era)
  const eexist = r >= 518
  const pinExists = r >= 506
  const ops: Operation[] = [
    {
      op: 'mmap_mixed',
      args: { dev: 'gpu0', layout: ['ram', 'bar', 'ram'], as: 'obj' },
      narration:
        'The driver inserts a RAM page, a raw BAR pfn with vmf_insert_mixed() and another RAM page: a VM_MIXEDMAP VMA (not VM_IO|VM_PFNMAP, so check_vma_flags() lets GUP in) whose middle PTE is special.',
      expect: {
        errno: null,
        state: [
          { vma: 'obj', flagsContain: 'VM_MIXEDMAP', flagsExclude: ['VM_IO', 'VM_PFNMAP'] },
          { pte: 'obj', offset: 1, kind: 'present', special: true },
          { pte: 'obj', offset: 0, kind: 'present', special: false, type: 'ram' },
        ],
      },
    },
    {
      op: 'get_user_pages_fast',
      args: { buf: 'obj', npages: 3, flags: ['FOLL_WRITE'] },
      narration:
        'GUP-fast takes the first RAM page and stops at the special PTE; the slow path fails on the raw pfn, so the caller gets the partial result 1 in every era.',
      expect: { ret: 1 },
    },
    {
      op: 'get_user_pages',
      args: { buf: 'obj', offset: 4096, npages: 2, flags: ['FOLL_WRITE'] },
      narration: eexist
        ? 'From 5.18 follow_pfn_pte() returns -EEXIST whatever the flags, and __get_user_pages() "if (pages) { ret = PTR_ERR(page); goto out; }" passes it on (65462462ffb2; K61 mm/gup.c:485-503 and :1265-1276).'
        : 'Up to 5.17 follow_pfn_pte() starts with "/* No page to get reference */ if (flags & FOLL_GET) return -EFAULT;" (5.10.13 mm/gup.c).',
      expect: eexist ? { errno: 'EEXIST', ret: -17 } : { errno: 'EFAULT', ret: -14 },
    },
  ]
  // Before 5.6 there is no pin_user_pages*() (FOLL_PIN arrived with eddb1c228f79): FOLL_GET only.
  if (pinExists && !eexist)
    ops.push(
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'obj', offset: 4096, npages: 2, flags: ['FOLL_WRITE'], as: 'pinned' },
        narration:
          'The 5.6–5.17 bug: FOLL_PIN is not FOLL_GET, so follow_pfn_pte() returns -EEXIST and __get_user_pages() takes "goto next_page": the raw pfn is counted but pages[0] is never written. The pin "succeeds" with 2 and an invalid pages[0] (Peter Xu, "mm: fix invalid page pointer returned with FOLL_PIN gups", 7196040e19ad, 5.18: "follow_page_mask() returned -EEXIST for such a page, which will jump over the current page, leaving that entry in **pages untouched").',
        expect: {
          ret: 2,
          state: [
            { pages: 'pinned', offset: 0, hole: true },
            { pages: 'pinned', offset: 1, ram: true, pinned: true },
          ],
        },
      },
      {
        op: 'unpin_user_pages',
        args: { pages: 'pinned' },
        narration:
          'Releasing it would hand unpin_user_page() the garbage in pages[0]; the lab unpins only the page GUP returned.',
        expect: { errno: null, state: [{ pages: 'obj', offset: 2, pinned: false }] },
      },
    )
  else if (pinExists)
    ops.push({
      op: 'pin_user_pages_fast',
      args: { buf: 'obj', offset: 4096, npages: 2, flags: ['FOLL_WRITE'] },
      narration:
        'A pin of the raw pfn: -EEXIST, as for FOLL_GET (7196040e19ad first made it -EFAULT, 65462462ffb2 made both -EEXIST, both in 5.18).',
      expect: { errno: 'EEXIST', ret: -17, state: [{ pages: 'obj', offset: 2, pinned: false }] },
    })
  return {
    name: `F06 GUP on a raw pfn in a VM_MIXEDMAP VMA (${era})`,
    era,
    narration: `A driver VMA that mixes vm_insert_page() of RAM with vmf_insert_mixed() of a raw BAR pfn. vm_normal_page() returns NULL for the special PTE (the VMA is VM_MIXEDMAP), so follow_page_pte() calls follow_pfn_pte(). Three regimes: up to 5.17 FOLL_GET gets -EFAULT; 5.6–5.17 FOLL_PIN skipped the entry and reported success with an invalid pages[] entry; 5.18+ -EEXIST whenever pages[] is requested (mm/gup.c; K61 :485-503, K612 :780-798 and :1512-1522). This era: ${eexist ? '5.18+' : pinExists ? '5.6–5.17' : 'before FOLL_PIN'}.`,
    operations: ops,
  }
}

// ---- F07: dma-direct in 6.16: BUS_ADDR without a DMA length, THRU_HOST_BRIDGE without an address

function f07(era: Era): Scenario {
  const r = rel(era)
  const busBug = r >= 616 && r < 618
  const thbBug = r >= 616 && r < 702
  return {
    name: `F07 dma_direct_map_sg with P2PDMA segments (${era})${busBug ? ': why does this transfer move 0 bytes?' : ''}`,
    era,
    narration: `No IOMMU: dma_map_sgtable() -> dma_direct_map_sg() (kernel/dma/direct.c). GPU0's p2pmem for NIC0 below the same switch is BUS_ADDR; for NVMe0 behind another root port of the whitelisted Intel host bridge it is THRU_HOST_BRIDGE. ${
      busBug
        ? 'In 6.16 a25e7962db0d ("PCI/P2PDMA: Refactor the p2pdma mapping helpers") left two bugs: the BUS_ADDR case sets the bus address and hits "continue" before sg_dma_len(sg) = sg->length, so the segment\'s DMA length stays 0 and a driver that trusts sg_dma_len() moves 0 bytes (fixed by d0d08f4bd7f6 in 6.18, backported to 6.17.y); the THRU_HOST_BRIDGE case hits "break" and leaves the switch without writing sg->dma_address (fixed by 560000d619ef, break -> fallthrough).'
        : thbBug
          ? ''
          : r >= 702
            ? 'Both 6.16 bugs are fixed here (K72 kernel/dma/direct.c:465-510: BUS_ADDR sets sg_dma_len before continue; THRU_HOST_BRIDGE falls through to dma_direct_map_phys()).'
            : '6.0–6.15 use pci_p2pdma_map_segment() (K612 drivers/pci/p2pdma.c:1017): the bus address and sg_dma_len for BUS_ADDR, a normal dma_direct_map_page() for THRU_HOST_BRIDGE.'
    }`,
    operations: [
      addGpu0(),
      ...setup.mappedSgl('gpu0', '64K', 'toNic', 'nic0', {
        narration: busBug
          ? 'BUS_ADDR: dma_address is the bus address, SG_DMA_BUS_ADDRESS is set, and sg_dma_len is still 0.'
          : 'BUS_ADDR: the bus address, SG_DMA_BUS_ADDRESS, and the full length.',
        expect: {
          ret: 0,
          state: [
            {
              sg: 'toNic',
              entry: 0,
              busAddress: true,
              dmaAddress: '0x3800000000',
              dmaLength: busBug ? 0 : 65536,
              length: 65536,
            },
          ],
        },
      }),
      ...setup.mappedSgl('gpu0', '64K', 'toNvme', 'nvme0', {
        narration: thbBug
          ? 'THRU_HOST_BRIDGE: the length is set, the DMA address never is (the lab shows it unset).'
          : 'THRU_HOST_BRIDGE: the CPU physical address of the BAR page, mapped like any other page.',
        expect: {
          ret: 0,
          state: [
            thbBug
              ? { sg: 'toNvme', entry: 0, busAddress: false, dmaAddress: null, dmaLength: 65536 }
              : {
                  sg: 'toNvme',
                  entry: 0,
                  busAddress: false,
                  dmaAddress: '0x3800010000',
                  dmaAddressIsPhys: true,
                  dmaLength: 65536,
                },
          ],
        },
      }),
    ],
  }
}

// ---- F08: the fsdax FOLL_LONGTERM refusal per era ---------------------------------------------

function f08(era: Era): Scenario {
  const r = rel(era)
  // check_dax_vmas() only answers yes/no: its caller puts the pages back and returns the errno.
  const where = r >= 511 ? 'check_vma_flags' : '__gup_longterm_locked'
  return {
    name: `F08 a long-term pin of an fsdax mapping (${era})`,
    era,
    narration: `An RDMA MR on a MAP_SHARED file of ext4 -o dax: ib_umem_get() pins with FOLL_LONGTERM, which fsdax refuses (-EOPNOTSUPP) in every era; where it is refused moved. 5.2–5.10: __gup_longterm_locked() pins first, then check_dax_vmas() finds the fsdax VMA, puts the pages back and returns -EOPNOTSUPP (5.10.13 mm/gup.c). 5.11+: check_vma_flags() refuses "(gup_flags & FOLL_LONGTERM) && vma_is_fsdax(vma)" before anything is pinned (52650c8b466b; K61 mm/gup.c:1075, K612 :1283, K72 :1213). 6.12's folio_is_longterm_pinnable() has no fsdax test (K612 include/linux/mm.h:1993); from 6.15 it has one (K72 :2740), met only by GUP-fast. This era: ${r >= 511 ? 'check_vma_flags()' : 'check_dax_vmas() inside __gup_longterm_locked()'}.`,
    operations: [
      { op: 'devmem_add', args: { type: 'fsdax', size: '1G' } },
      { op: 'mmap_dax', args: { len: '2M', as: 'file' }, expect: { errno: null } },
      { op: 'touch', args: { buf: 'file', len: '64K' } },
      {
        op: 'ibv_reg_mr',
        args: { dev: 'nic0', buf: 'file', len: '64K', access: ['IBV_ACCESS_LOCAL_WRITE'], as: 'mr' },
        expect: {
          errno: 'EOPNOTSUPP',
          state: [
            { umem: 'mr', exists: false },
            { mm: 'app', pinnedVm: 0 },
            { pages: 'file', offset: 0, pinned: false },
          ],
        },
      },
    ],
    exercises: [
      {
        id: 'fsdax-refuser',
        kind: 'refusing-function',
        op: 4,
        question: 'Which kernel function refuses the long-term pin of the fsdax pages?',
        choices: ['check_vma_flags', 'check_dax_vmas', '__gup_longterm_locked', 'try_grab_folio'],
        answer: where,
        explanation:
          r >= 511
            ? 'Since 5.11 (52650c8b466b) check_vma_flags() refuses FOLL_LONGTERM on an fsdax VMA before any page is pinned.'
            : 'Up to 5.10, __gup_longterm_locked() pinned the pages first, asked check_dax_vmas() (a yes/no test) afterwards, put the pages back and returned -EOPNOTSUPP itself.',
      },
    ],
  }
}

// ---- F09: the errno of a refused P2P O_DIRECT read per era --------------------------------------

function f09(era: Era): Scenario {
  const r = rel(era)
  const inval = r >= 617
  return {
    name: `F09 O_DIRECT into p2pmem across a refused path (${era})`,
    era,
    narration: `T1-nw: NVMe0 sits behind another root port of a host bridge that is not whitelisted, so GPU0 -> NVMe0 is NOT_SUPPORTED. The pin works (NVMe0's queue supports P2PDMA: FOLL_PCI_P2PDMA); the request fails when nvme-pci maps it. ${
      inval
        ? '6.17+: nvme_map_data() -> blk_rq_dma_map_iter_start() -> blk_dma_map_iter_start(): pci_p2pdma_state() is NOT_SUPPORTED, "default: iter->status = BLK_STS_INVAL; return false;" (K72 block/blk-mq-dma.c:193), and blk_status_to_errno() gives -EINVAL. No scatterlist and no dma_map_sgtable() on the way (7ce3c1dd78fc, Block updates for 6.17).'
        : '6.2–6.16: nvme_map_data() builds the request\'s scatterlist (blk_rq_map_sg()) and calls dma_map_sgtable(), which returns -EREMOTEIO; nvme turns that into BLK_STS_TARGET (K612 drivers/nvme/host/pci.c:822-823), and blk_status_to_errno() turns BLK_STS_TARGET back into -EREMOTEIO ("critical target", K612 block/blk-core.c:144).'
    }`,
    operations: [
      addGpu0(),
      { op: 'mmap_p2pmem', args: { dev: 'gpu0', len: '64K', as: 'buf' }, expect: { errno: null } },
      {
        op: 'pread',
        args: { disk: 'nvme0n1', buf: 'buf', len: '64K' },
        expect: {
          errno: inval ? 'EINVAL' : 'EREMOTEIO',
          state: [
            { mapType: { provider: 'gpu0', client: 'nvme0' }, equals: 'NOT_SUPPORTED' },
            { pages: 'buf', offset: 0, pinned: false },
          ],
        },
      },
    ],
    exercises: [
      {
        id: 'dio-errno-era',
        kind: 'era-changed',
        op: 3,
        eras: ['v6.2', 'v6.16', 'v7.2'],
        question: 'From which era does this read fail with a different errno?',
        answer: 'v7.2',
        explanation:
          'nvme-pci switched from dma_map_sgtable() (-EREMOTEIO -> BLK_STS_TARGET -> -EREMOTEIO) to blk_rq_dma_map_iter_start() (BLK_STS_INVAL -> -EINVAL) in 6.17; the lab has no era between 6.16 and 7.2.',
      },
    ],
  }
}

/** Eras from `from` on (the ERAS order). */
const erasFrom = (from: Era): Era[] => ERAS.slice(ERAS.indexOf(from))

export const FIDELITY_CASES: CaseFile[] = [
  caseFile(
    'F01-distance-many-clients',
    'pci_p2pdma_distance_many / pci_p2pmem_find_many with empty, several and non-PCI client lists',
    f01(ERAS),
    {
      description:
        'Issue #11 item 4: client lists of any shape, find_parent_pci_dev() and the not-a-PCI-device refusal, in every era (lab run F01-distance-many-clients.p2plab).',
    },
  ),
  caseFile(
    'F02-p2pmem-virt-to-bus',
    'pci_p2pmem_virt_to_bus: the bus address of kernel p2pmem',
    ERAS.map(f02),
    {
      machine: { ...t1({ busOffset: 0x1_0000_0000 }), name: 'T1 (bus offset 4 GiB)' },
      description:
        'Issue #11 item 4: pci_alloc_p2pmem() then pci_p2pmem_virt_to_bus() on the right provider, a provider without p2pdma and the wrong provider, in every era.',
    },
  ),
  caseFile(
    'F03-warn-splat',
    'WARN_ON_ONCE splats: the long-term P2PDMA pin in is_valid_gup_args',
    ERAS.map(f03).filter((s): s is Scenario => s !== null),
    {
      description:
        'Issue #11 item 3: the splat as the era prints it, printed once per boot, and the taint it leaves; 6.2 refuses the same pin without a warning.',
    },
  ),
  caseFile(
    'F04-mixed-pages-sg-iova',
    'A [RAM, P2P, RAM] page array: per-page checks, scatterlist offset/page, one IOVA allocation',
    erasFrom('v6.2').map(f04),
    {
      description:
        'Issue #11 item 4: the {pages, offset} fix, sg entry offset and page, an IOVA physical target and "one IOVA allocation", from 6.2 (FOLL_PCI_P2PDMA).',
    },
  ),
  caseFile(
    'F06-mixedmap-raw-pfn-gup',
    'GUP on a raw pfn in a VM_MIXEDMAP VMA: -EFAULT, the FOLL_PIN skip, -EEXIST',
    ERAS.map(f06),
    {
      description:
        'Issue #16 correction 1 and issue #11 item 4: a driver VMA mixing vm_insert_page() and vmf_insert_mixed(), pinned and referenced, in every era.',
    },
  ),
  caseFile(
    'F07-dma-direct-p2pdma-6.16',
    'dma_direct_map_sg with P2PDMA segments: the 6.16 bugs and their fixes',
    erasFrom('v6.0').map(f07),
    {
      description:
        'Issue #16 correction 6: BUS_ADDR segments without sg_dma_len and THRU_HOST_BRIDGE segments without dma_address in 6.16, fixed later; 6.0+.',
    },
  ),
  caseFile(
    'F08-fsdax-longterm-per-era',
    'The fsdax FOLL_LONGTERM refusal: check_dax_vmas (5.2-5.10) or check_vma_flags (5.11+)',
    erasFrom('v5.2').map(f08),
    { description: 'Issue #16 "also check": where the fsdax long-term refusal lives in each era.' },
  ),
  caseFile(
    'F09-odirect-refused-errno',
    'A refused P2P O_DIRECT read: -EREMOTEIO up to 6.16, -EINVAL from 6.17',
    erasFrom('v6.2').map(f09),
    {
      machine: t1nw(),
      description: 'Issue #16 "also check": the block layer\'s errno per era, from 6.2 (p2pmem/allocate).',
    },
  ),
  caseFile(
    'F05-migrate-notify-owner',
    'The owner an MMU_NOTIFY_MIGRATE notification carries',
    f05(erasFrom('v6.0')),
    { description: 'Issue #11 item 4: assert on range->owner as the other mirrors of the range see it.' },
  ),
]
