/**
 * The source of the kernel-case scenario files (tests/scenarios/*.p2plab): each entry is one lab
 * file (a topology from electron/engine/test/fixtures/topologies.ts, settings, scenarios).
 * `npx tsx tests/scenarios/generate.ts` writes the lab files and the golden traces; the test checks
 * that the files on disk still match this source.
 */
import type { LabFile, LabSettings, MachineSpec } from '../../shared/model/topology'
import { DEFAULT_SETTINGS, LAB_FORMAT, LAB_SCHEMA_VERSION } from '../../shared/model/topology'
import { t1, t1amd, t1nw } from '../../electron/engine/test/fixtures/topologies'
import type { Scenario } from '../../electron/engine/scenario/schema'

export interface CaseFile {
  /** File stem: starts with the kernel-cases.md id. */
  file: string
  title: string
  machine: MachineSpec
  settings?: Partial<LabSettings>
  scenarios: Scenario[]
}

const BAR_FLAGS = ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'] as const
/** GPU0 BAR1 CPU physical start in T1 (0x38_0000_0000) >> PAGE_SHIFT. */
const GPU0_BAR1_PFN = '0x3800000'

function c22(era: 'v6.12' | 'v5.0'): Scenario {
  return {
    name: `C22 GUP on a BAR mapped with remap_pfn_range (${era})`,
    era,
    narration:
      'The premise of the 2019 thread: a GPU driver maps 2 MiB of its BAR into a process with remap_pfn_range(). The PTEs are special and there is no struct page, so every path that needs pages (pin_user_pages_fast, an RDMA MR, an O_DIRECT read) fails with -EFAULT in check_vma_flags().',
    processes: [{ name: 'app' }],
    operations: [
      {
        op: 'mmap_bar',
        args: { dev: 'gpu0', bar: 1, len: '2M', as: 'buf' },
        narration:
          'The GPU driver mmap: pgprot_writecombine + remap_pfn_range(vma, vm_start, 0x38_0000_0000 >> 12, 2M).',
        expect: {
          errno: null,
          state: [
            {
              vma: 'buf',
              flagsContain: [...BAR_FLAGS],
              flagsExclude: 'VM_MIXEDMAP',
              prot: 'pgprot_writecombine',
            },
          ],
        },
      },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'buf', npages: 512, flags: ['FOLL_WRITE', 'FOLL_LONGTERM'] },
        narration: 'GUP-fast bails on the special PTE; the slow path refuses the VM_IO|VM_PFNMAP VMA.',
        expect: { errno: 'EFAULT', ret: -14 },
      },
      {
        op: 'ibv_reg_mr',
        args: {
          dev: 'nic0',
          buf: 'buf',
          len: '2M',
          access: ['IBV_ACCESS_LOCAL_WRITE', 'IBV_ACCESS_REMOTE_WRITE'],
          as: 'mr',
        },
        narration: 'ib_umem_get() charges pinned_vm, fails to pin, and rolls pinned_vm back.',
        expect: {
          errno: 'EFAULT',
          state: [
            { mm: 'app', pinnedVm: 0 },
            { umem: 'mr', exists: false },
          ],
        },
      },
      {
        op: 'pread',
        args: { disk: 'nvme2n1', buf: 'buf', len: '2M' },
        narration: 'The block layer cannot pin the buffer either.',
        expect: { errno: 'EFAULT' },
      },
    ],
  }
}

function c23(era: 'v6.12' | 'v5.0'): Scenario {
  const locked = era === 'v6.12'
  return {
    name: `C23 mmap of /sys/bus/pci/devices/0000:03:00.0/resource1 (${era})`,
    era,
    narration:
      'The sysfs resource files map a whole BAR for user space through pci_mmap_resource_range() and io_remap_pfn_range(): a PFN map like C22, with pci_phys_vm_ops. Past the end of the BAR is -EINVAL; under kernel lockdown (5.4+) it is -EPERM.',
    processes: [{ name: 'app' }],
    operations: [
      {
        op: 'mmap_resource',
        args: { dev: 'gpu0', bar: 1, len: '16G', as: 'res' },
        narration:
          '(a) The whole 16 GiB BAR, MAP_SHARED, offset 0: one VMA and one PTE run, not 4 million pages.',
        expect: {
          errno: null,
          state: [
            {
              vma: 'res',
              flagsContain: [...BAR_FLAGS],
              vmOps: 'pci_phys_vm_ops',
              prot: 'pgprot_device',
              pgoff: GPU0_BAR1_PFN,
            },
          ],
        },
      },
      {
        op: 'mmap_resource',
        args: { dev: 'gpu0', bar: 1, len: '2M', wc: true, as: 'reswc' },
        narration: 'resource1_wc: the same with write-combining.',
        expect: { errno: null, state: [{ vma: 'reswc', prot: 'pgprot_writecombine' }] },
      },
      {
        op: 'mmap_resource',
        args: { dev: 'gpu0', bar: 1, len: '4K', offset: '16G', as: 'past' },
        narration: '(b) One page past the end of the BAR: pci_mmap_fits() fails and the VMA is freed again.',
        expect: { errno: 'EINVAL', state: [{ vma: 'past', exists: false }] },
      },
      { op: 'lockdown', args: { on: true }, narration: 'Boot with lockdown=integrity.' },
      {
        op: 'mmap_resource',
        args: { dev: 'gpu0', bar: 1, len: '16G', as: 'locked' },
        narration: locked
          ? '(c) security_locked_down(LOCKDOWN_PCI_ACCESS) refuses.'
          : '(c) v5.0 has no lockdown check here (it came with 5.4): the mapping succeeds.',
        expect: { errno: locked ? 'EPERM' : null },
      },
      { op: 'lockdown', args: { on: false } },
      {
        op: 'pin_user_pages',
        args: { buf: 'res', npages: 1, flags: ['FOLL_WRITE'] },
        narration: '(d) GUP on the resource mapping: check_vma_flags() refuses VM_IO|VM_PFNMAP.',
        expect: { errno: 'EFAULT' },
      },
    ],
  }
}

const addGpu0 = (size = 0, offset: string | number = 0) => ({
  op: 'p2pdma_add_resource' as const,
  args: { dev: 'gpu0', bar: 1, size, offset },
  expect: { ret: 0 },
})

function c24(era: 'v6.12' | 'v6.2' | 'v7.2'): Scenario {
  return {
    name: `C24 p2pmem allocate mapping plus O_DIRECT (${era})`,
    era,
    narration:
      "What landed in 6.2: GPU0's BAR1 becomes ZONE_DEVICE p2pmem (here the 12 GiB from offset 4 GiB, as in C19(d)) and user space maps it from p2pmem/allocate: vm_insert_page() gives a VM_MIXEDMAP VMA of refcounted struct pages. An O_DIRECT read from NVMe2 (same switch, queue supports P2PDMA) pins them with FOLL_PCI_P2PDMA and NVMe2 DMAs to bus addresses. AHCI's queue does not support P2PDMA, so its pin fails with -EREMOTEIO.",
    processes: [{ name: 'app' }],
    operations: [
      addGpu0(0, '4G'),
      { op: 'p2pmem_publish', args: { dev: 'gpu0' } },
      {
        op: 'mmap_p2pmem',
        args: { dev: 'gpu0', len: '2M', as: 'buf' },
        narration: '(1) mmap(p2pmem/allocate, 2M, MAP_SHARED, 0).',
        expect: {
          errno: null,
          state: [
            { vma: 'buf', flagsContain: 'VM_MIXEDMAP', flagsExclude: ['VM_PFNMAP', 'VM_IO'] },
            { pages: 'buf', p2pdma: true, refcount: 1 },
            { p2pmem: 'gpu0', size: '12G', available: 12 * 1024 * 1024 * 1024 - 2 * 1024 * 1024 },
          ],
        },
      },
      {
        op: 'pread',
        args: { disk: 'nvme2n1', buf: 'buf', len: '2M' },
        narration: '(2) NVMe2 reads into GPU memory: BUS_ADDR, distance 4.',
        expect: {
          ret: 2097152,
          state: [
            { mapType: { provider: 'gpu0', client: 'nvme2' }, equals: 'BUS_ADDR' },
            { pages: 'buf', pinned: false, refcount: 1 },
            { sgt: 'rq:nvme2n1', exists: false },
          ],
        },
      },
      {
        op: 'pread',
        args: { disk: 'sda', buf: 'buf', len: '2M' },
        narration:
          '(3) The AHCI queue does not support P2PDMA: no FOLL_PCI_P2PDMA, so try_grab_folio() returns -EREMOTEIO (inferred).',
        expect: { errno: 'EREMOTEIO' },
      },
      {
        op: 'mmap_p2pmem',
        args: { dev: 'gpu0', len: '2M', private: true, as: 'priv' },
        narration: '(4a) MAP_PRIVATE.',
        expect: { errno: 'EINVAL', state: [{ vma: 'priv', exists: false }] },
      },
      {
        op: 'mmap_p2pmem',
        args: { dev: 'gpu0', len: '2M', offset: 4096, as: 'off' },
        narration: '(4b) offset 4096.',
        expect: { errno: 'EINVAL' },
      },
      {
        op: 'mmap_p2pmem',
        args: { dev: 'gpu0', len: '13G', as: 'big' },
        narration: '(4c) 13 GiB: more than is free in the 12 GiB pool.',
        expect: {
          errno: 'ENOMEM',
          state: [{ p2pmem: 'gpu0', available: 12 * 1024 * 1024 * 1024 - 2 * 1024 * 1024 }],
        },
      },
    ],
  }
}

function c24old(): Scenario {
  return {
    name: 'C24 contrast: v6.0 has no p2pmem/allocate',
    era: 'v6.0',
    narration: 'Before 6.2 p2pmem could not be mapped into user space at all: the operation does not exist.',
    operations: [
      addGpu0(0, '4G'),
      { op: 'mmap_p2pmem', args: { dev: 'gpu0', len: '2M', as: 'buf' }, expect: { notInEra: true } },
    ],
  }
}

function c25(era: 'v6.12' | 'v6.2'): Scenario {
  return {
    name: `C25 pinning P2PDMA pages with and without FOLL_PCI_P2PDMA (${era})`,
    era,
    narration:
      'Four P2PDMA pages at buf, one anonymous page just below (MAP_FIXED at buf-4K). Without FOLL_PCI_P2PDMA the pin fails with -EREMOTEIO; with it, all four are pinned; a range that starts on the anonymous page returns the partial result 1.',
    processes: [{ name: 'app' }],
    operations: [
      addGpu0(),
      { op: 'mmap_p2pmem', args: { dev: 'gpu0', len: '16K', as: 'buf' } },
      { op: 'mmap_anon', args: { len: '4K', fixed: { buf: 'buf', offset: -4096 }, as: 'pre' } },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'buf', npages: 4, flags: ['FOLL_WRITE'] },
        narration:
          "(a) GUP-fast stops at the P2PDMA page; the slow path's try_grab_folio() returns -EREMOTEIO.",
        expect: { errno: 'EREMOTEIO', state: [{ pages: 'buf', pinned: false }] },
      },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'buf', npages: 4, flags: ['FOLL_WRITE', 'FOLL_PCI_P2PDMA'], as: 'p' },
        narration: '(b) The caller says it can handle P2PDMA pages.',
        expect: { ret: 4, state: [{ pages: 'p', p2pdma: true, pinned: true, refcount: 1025 }] },
      },
      {
        op: 'unpin_user_pages',
        args: { pages: 'p' },
        expect: { state: [{ pages: 'buf', pinned: false, refcount: 1 }] },
      },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'pre', npages: 5, flags: ['FOLL_WRITE'], as: 'q' },
        narration:
          '(c) The anonymous page is faulted in and pinned, then the P2PDMA page stops the walk: 1 (inferred from the "some pinned" convention).',
        expect: { ret: 1, state: [{ pages: 'q', ram: true, pinned: true }] },
      },
      { op: 'unpin_user_pages', args: { pages: 'q' } },
      {
        op: 'pin_user_pages',
        args: { buf: 'buf', npages: 4, flags: ['FOLL_WRITE', 'FOLL_LONGTERM', 'FOLL_PCI_P2PDMA'] },
        narration:
          era === 'v6.2'
            ? '(d) 6.2–6.3: check_vma_flags() refuses a long-term P2PDMA pin with -EOPNOTSUPP.'
            : '(d) 6.4+: is_valid_gup_args() WARNs and returns -EINVAL for FOLL_LONGTERM|FOLL_PCI_P2PDMA.',
        expect: { errno: era === 'v6.2' ? 'EOPNOTSUPP' : 'EINVAL' },
      },
    ],
  }
}

function c26(era: 'v6.12' | 'v6.2'): Scenario {
  return {
    name: `C26 RDMA MR on a p2pmem mapping (${era})`,
    era,
    narration:
      'ib_umem_get() pins with FOLL_LONGTERM|FOLL_WRITE and never FOLL_PCI_P2PDMA, so an ordinary MR on p2pmem fails with -EREMOTEIO; pinned_vm is rolled back and no umem exists.',
    processes: [{ name: 'app' }],
    operations: [
      addGpu0(),
      { op: 'mmap_p2pmem', args: { dev: 'gpu0', len: '2M', as: 'buf' } },
      {
        op: 'ibv_reg_mr',
        args: {
          dev: 'nic0',
          buf: 'buf',
          len: '2M',
          access: ['IBV_ACCESS_LOCAL_WRITE', 'IBV_ACCESS_REMOTE_WRITE'],
          as: 'mr',
        },
        expect: {
          errno: 'EREMOTEIO',
          state: [
            { mm: 'app', pinnedVm: 0 },
            { umem: 'mr', exists: false },
            { pages: 'buf', pinned: false, refcount: 1 },
          ],
        },
      },
      {
        op: 'mmap_anon',
        args: { len: '2M', as: 'ram' },
        narration: 'The same registration on anonymous RAM works.',
      },
      {
        op: 'ibv_reg_mr',
        args: { dev: 'nic0', buf: 'ram', len: '2M', access: ['IBV_ACCESS_LOCAL_WRITE'], as: 'mr2' },
        expect: {
          ret: 0,
          state: [
            { mm: 'app', pinnedVm: 512 },
            { umem: 'mr2', exists: true },
            { pages: 'ram', pinned: true, ram: true },
            { sg: 'umem:mr2', entry: 0, dmaAddressIsPhys: true, length: '2M' },
          ],
        },
      },
      {
        op: 'ibv_dereg_mr',
        args: { dev: 'nic0', mr: 'mr2' },
        expect: {
          state: [
            { mm: 'app', pinnedVm: 0 },
            { pages: 'ram', pinned: false },
          ],
        },
      },
    ],
  }
}

function c01(era: 'v6.12' | 'v5.0'): Scenario {
  const v6 = era === 'v6.12'
  return {
    name: `C01 same-switch P2P, bus addresses (${era})`,
    era,
    narration: v6
      ? 'GPU0 and NIC0 share switch S: BUS_ADDR, distance 4. dma_map_sgtable() gives the bus address (phys + bus_offset, here 0) and sets SG_DMA_BUS_ADDRESS; unmapping only clears the flag.'
      : 'v5.0: the same distance 4, but dma_map_sg() knows nothing of P2PDMA; the client driver calls pci_p2pdma_map_sg(), which writes paddr - bus_offset and has no flag to set.',
    operations: [
      { ...addGpu0(), expect: { ret: 0, state: [{ p2pmem: 'gpu0', size: '16G', published: false }] } },
      {
        op: 'p2pmem_publish',
        args: { dev: 'gpu0' },
        expect: { state: [{ p2pmem: 'gpu0', published: true }] },
      },
      {
        op: 'pci_p2pdma_distance',
        args: { provider: 'gpu0', client: 'nic0' },
        expect: {
          ret: 4,
          state: v6 ? [{ mapType: { provider: 'gpu0', client: 'nic0' }, equals: 'BUS_ADDR' }] : [],
        },
      },
      {
        op: 'pci_p2pmem_alloc_sgl',
        args: { dev: 'gpu0', len: '64K', as: 'sgt0' },
        expect: {
          ret: 1,
          state: [
            { sgt: 'sgt0', origNents: 1 },
            { sg: 'sgt0', entry: 0, p2pdma: true, length: '64K' },
          ],
        },
      },
      ...(v6
        ? [
            {
              op: 'dma_map_sgtable' as const,
              args: { dev: 'nic0', sgt: 'sgt0' },
              expect: {
                ret: 0,
                state: [
                  { sgt: 'sgt0', nents: 1 },
                  { sg: 'sgt0', entry: 0, busAddress: true, dmaAddress: '0x3800000000', dmaLength: '64K' },
                  { iommu: 'nic0', mappings: 0 },
                ],
              },
            },
            {
              op: 'dma_unmap_sgtable' as const,
              args: { dev: 'nic0', sgt: 'sgt0' },
              expect: {
                ret: 0,
                state: [
                  { sg: 'sgt0', entry: 0, busAddress: false },
                  { sgt: 'sgt0', nents: 0 },
                ],
              },
            },
          ]
        : [
            {
              op: 'dma_map_sgtable' as const,
              args: { dev: 'nic0', sgt: 'sgt0' },
              narration: 'dma_map_sgtable() arrived in 5.8.',
              expect: { notInEra: true },
            },
            {
              op: 'pci_p2pdma_map_sg' as const,
              args: { dev: 'nic0', sgt: 'sgt0' },
              expect: {
                ret: 1,
                state: [
                  { sg: 'sgt0', entry: 0, busAddress: false, dmaAddress: '0x3800000000', dmaLength: '64K' },
                ],
              },
            },
          ]),
    ],
  }
}

function c01offset(era: 'v6.12' | 'v5.0'): Scenario {
  const v6 = era === 'v6.12'
  return {
    name: `C01 with a non-zero bus offset (${era})`,
    era,
    narration: v6
      ? 'The host bridge translates: bus address = CPU physical + 4 GiB. 6.x writes sg_phys + bus_offset = 0x39_0000_0000.'
      : 'v5.0 writes paddr - bus_offset = 0x37_0000_0000: the sign bug Logan Gunthorpe confirmed in 2021 ("All the systems I\'ve tested on have had a zero bus offset").',
    operations: [
      addGpu0(),
      { op: 'pci_p2pmem_alloc_sgl', args: { dev: 'gpu0', len: '64K', as: 'sgt0' } },
      v6
        ? {
            op: 'dma_map_sgtable',
            args: { dev: 'nic0', sgt: 'sgt0' },
            expect: {
              ret: 0,
              state: [{ sg: 'sgt0', entry: 0, busAddress: true, dmaAddress: '0x3900000000' }],
            },
          }
        : {
            op: 'pci_p2pdma_map_sg',
            args: { dev: 'nic0', sgt: 'sgt0' },
            expect: { ret: 1, state: [{ sg: 'sgt0', entry: 0, dmaAddress: '0x3700000000' }] },
          },
    ],
  }
}

function c04(redirOff: boolean): Scenario {
  return {
    name: redirOff
      ? 'C04 IOMMU on, ACS redirect disabled on the switch ports: no IOVA'
      : 'C04 contrast: IOMMU on with ACS redirect left on: THRU_HOST_BRIDGE, an IOVA',
    era: 'v6.12',
    settings: { iommu: true, disableAcsRedir: redirOff ? '0000:02:00.0;0000:02:01.0' : '' },
    narration: redirOff
      ? 'The IOMMU driver enabled ACS (RR|CR) on every port; pci=disable_acs_redir= clears it on DSP0 and DSP1. The path stays inside the switch: BUS_ADDR. iommu_dma_map_sg() marks the segment as a bus address and, with iova_len == 0, returns without allocating an IOVA.'
      : "Without the boot parameter DSP0 and DSP1 redirect P2P TLPs up to the root complex: THRU_HOST_BRIDGE (8086:2020 is whitelisted), so the BAR is mapped at an IOVA in NIC0's domain.",
    operations: [
      addGpu0(),
      { op: 'pci_p2pmem_alloc_sgl', args: { dev: 'gpu0', len: '64K', as: 'sgt0' } },
      {
        op: 'pci_p2pdma_distance',
        args: { provider: 'gpu0', client: 'nic0' },
        expect: {
          ret: 4,
          state: [
            {
              mapType: { provider: 'gpu0', client: 'nic0' },
              equals: redirOff ? 'BUS_ADDR' : 'THRU_HOST_BRIDGE',
            },
          ],
        },
      },
      {
        op: 'dma_map_sgtable',
        args: { dev: 'nic0', sgt: 'sgt0' },
        expect: {
          ret: 0,
          state: redirOff
            ? [
                { sg: 'sgt0', entry: 0, busAddress: true, dmaAddressIsPhys: true },
                { iommu: 'nic0', mappings: 0 },
              ]
            : [
                { sg: 'sgt0', entry: 0, busAddress: false, dmaAddressIsPhys: false },
                { iommu: 'nic0', mappings: 1 },
              ],
        },
      },
      {
        op: 'dma_unmap_sgtable',
        args: { dev: 'nic0', sgt: 'sgt0' },
        expect: { state: [{ iommu: 'nic0', mappings: 0 }] },
      },
    ],
  }
}

function c05(): Scenario {
  return {
    name: 'C05 across root ports on a whitelisted Intel host: THRU_HOST_BRIDGE through the IOMMU',
    era: 'v6.12',
    settings: { iommu: true },
    narration:
      "NVMe0's CMB (BAR2) is the provider, NIC0 the client. No common upstream bridge: distance 2 + 4 = 6; 8086:2020 is whitelisted, so THRU_HOST_BRIDGE. The IOMMU maps the CMB's CPU physical address at an IOVA in NIC0's domain.",
    operations: [
      {
        op: 'p2pdma_add_resource',
        args: { dev: 'nvme0', bar: 2 },
        expect: { ret: 0, state: [{ p2pmem: 'nvme0', size: '256M' }] },
      },
      {
        op: 'p2pmem_publish',
        args: { dev: 'nvme0' },
        expect: { state: [{ p2pmem: 'nvme0', published: true }] },
      },
      {
        op: 'pci_p2pdma_distance',
        args: { provider: 'nvme0', client: 'nic0' },
        expect: {
          ret: 6,
          state: [{ mapType: { provider: 'nvme0', client: 'nic0' }, equals: 'THRU_HOST_BRIDGE' }],
        },
      },
      { op: 'pci_p2pmem_alloc_sgl', args: { dev: 'nvme0', len: '64K', as: 'sgt0' } },
      {
        op: 'dma_map_sgtable',
        args: { dev: 'nic0', sgt: 'sgt0' },
        expect: {
          ret: 0,
          state: [
            { iommu: 'nic0', mappings: 1 },
            { sg: 'sgt0', entry: 0, busAddress: false, dmaAddressIsPhys: false, dmaLength: '64K' },
          ],
        },
      },
    ],
  }
}

function c06(era: 'v6.12' | 'v6.16'): Scenario {
  const old = era === 'v6.12'
  return {
    name: `C06 AMD Zen, IOMMU off: THRU_HOST_BRIDGE through dma-direct (${era})`,
    era,
    narration: old
      ? "cpu_supports_p2pdma() is true (AMD family 0x17), so NVMe0 -> NIC0 across root ports is THRU_HOST_BRIDGE with distance 6, and dma_direct_map_page() gives the CMB's CPU physical address, without the bus-address flag."
      : 'In the 6.16/6.17 snapshots read, dma_direct_map_sg() breaks out of THRU_HOST_BRIDGE without writing sg->dma_address (kernel-facts §h.3; whether upstream fixed it is unverified). The lab models what the snapshots say: only the DMA length is set.',
    operations: [
      { op: 'p2pdma_add_resource', args: { dev: 'nvme0', bar: 2 } },
      {
        op: 'pci_p2pdma_distance',
        args: { provider: 'nvme0', client: 'nic0' },
        expect: {
          ret: 6,
          state: [{ mapType: { provider: 'nvme0', client: 'nic0' }, equals: 'THRU_HOST_BRIDGE' }],
        },
      },
      { op: 'pci_p2pmem_alloc_sgl', args: { dev: 'nvme0', len: '64K', as: 'sgt0' } },
      {
        op: 'dma_map_sgtable',
        args: { dev: 'nic0', sgt: 'sgt0' },
        expect: {
          ret: 0,
          state: [
            old
              ? { sg: 'sgt0', entry: 0, busAddress: false, dmaAddressIsPhys: true, dmaLength: '64K' }
              : { sg: 'sgt0', entry: 0, busAddress: false, dmaAddress: null, dmaLength: '64K' },
            { iommu: 'nic0', mappings: 0 },
          ],
        },
      },
    ],
  }
}

function c07(era: 'v6.12' | 'next'): Scenario {
  return {
    name: `C07 across root ports on a host bridge that is not whitelisted (${era})`,
    era,
    narration:
      era === 'next'
        ? 'The newest tree prints the whitelist line whenever verbose (warn = verbose).'
        : 'T1-nw: 00:00.0 is 8086:a700, on no whitelist, and the CPU is Intel: NOT_SUPPORTED, cached. dma_map_sgtable() returns -EREMOTEIO; dma_map_sg() returns 0. No "Host bridge not in P2PDMA whitelist" line, because no ACS redirect was found (warn = acs_redirects).',
    operations: [
      { op: 'p2pdma_add_resource', args: { dev: 'nvme0', bar: 2 } },
      {
        op: 'pci_p2pdma_distance',
        args: { provider: 'nvme0', client: 'nic0' },
        expect: {
          ret: -1,
          state: [
            { mapType: { provider: 'nvme0', client: 'nic0' }, equals: 'NOT_SUPPORTED' },
            { logContains: 'do not share an upstream bridge or whitelisted host bridge' },
            ...(era === 'next' ? [{ logContains: 'Host bridge not in P2PDMA whitelist: 8086:a700' }] : []),
          ],
        },
      },
      { op: 'pci_p2pmem_alloc_sgl', args: { dev: 'nvme0', len: '64K', as: 'sgt0' } },
      {
        op: 'dma_map_sgtable',
        args: { dev: 'nic0', sgt: 'sgt0' },
        expect: { errno: 'EREMOTEIO', state: [{ sgt: 'sgt0', nents: 0, mappedFor: null }] },
      },
      { op: 'dma_map_sg', args: { dev: 'nic0', sgt: 'sgt0' }, expect: { ret: 0, errno: null } },
    ],
  }
}

function c07read(era: 'v6.12' | 'v7.2'): Scenario {
  return {
    name: `C07/C24 a refused P2P O_DIRECT read (${era})`,
    era,
    narration:
      era === 'v7.2'
        ? 'Oracle-confirmed: 7.2 refuses the same read with EINVAL: blk_dma_map_iter_start() maps NOT_SUPPORTED to BLK_STS_INVAL.'
        : "Oracle-confirmed: NVMe2 (behind the switch) reads into NVMe0's CMB across root ports of a non-whitelisted Intel host. The pin succeeds (FOLL_PCI_P2PDMA), nvme_map_data()'s dma_map_sgtable() returns -EREMOTEIO, BLK_STS_TARGET, and pread fails with EREMOTEIO.",
    operations: [
      { op: 'p2pdma_add_resource', args: { dev: 'nvme0', bar: 2 } },
      { op: 'mmap_p2pmem', args: { dev: 'nvme0', len: '2M', as: 'cmb' } },
      {
        op: 'pread',
        args: { disk: 'nvme2n1', buf: 'cmb', len: '2M' },
        expect: {
          errno: era === 'v7.2' ? 'EINVAL' : 'EREMOTEIO',
          state: [
            { pages: 'cmb', pinned: false, refcount: 1 },
            { mapType: { provider: 'nvme0', client: 'nvme2' }, equals: 'NOT_SUPPORTED' },
          ],
        },
      },
      { op: 'mmap_anon', args: { len: '2M', as: 'ram' } },
      {
        op: 'pread',
        args: { disk: 'nvme2n1', buf: 'ram', len: '2M' },
        narration: 'The control read into RAM works.',
        expect: { ret: 2097152 },
      },
    ],
  }
}

function c13(): Scenario {
  return {
    name: 'C13 provider is also the client',
    era: 'v6.12',
    narration: 'NVMe0 maps its own CMB: the walk matches on the first iteration, distance 0, BUS_ADDR.',
    operations: [
      { op: 'p2pdma_add_resource', args: { dev: 'nvme0', bar: 2 } },
      {
        op: 'pci_p2pdma_distance',
        args: { provider: 'nvme0', client: 'nvme0' },
        expect: { ret: 0, state: [{ mapType: { provider: 'nvme0', client: 'nvme0' }, equals: 'BUS_ADDR' }] },
      },
      { op: 'pci_p2pmem_alloc_sgl', args: { dev: 'nvme0', len: '4K', as: 'sgt0' } },
      {
        op: 'dma_map_sgtable',
        args: { dev: 'nvme0', sgt: 'sgt0' },
        expect: { ret: 0, state: [{ sg: 'sgt0', entry: 0, busAddress: true, dmaAddressIsPhys: true }] },
      },
    ],
  }
}

function e1(): Scenario {
  return {
    name: 'SGL merge rule: pages of two P2PDMA pagemaps are never merged (6.2+)',
    era: 'v6.12',
    narration:
      "kernel-facts §e.1, the 'IOMEM annotation' answer (iii): GPU0 registers BAR1 as two 64 KiB ranges, i.e. two pagemaps with adjacent pfns. A buffer spanning both is physically contiguous, but since 6.2 pages_are_mergeable() also requires zone_device_pages_have_same_pgmap(), so the SGL gets two entries, and pci_p2pdma_map_segment() looks the map type up again when the pgmap changes.",
    operations: [
      {
        op: 'p2pdma_add_resource',
        args: { dev: 'gpu0', bar: 1, size: '64K', offset: 0 },
        expect: { ret: 0 },
      },
      {
        op: 'p2pdma_add_resource',
        args: { dev: 'gpu0', bar: 1, size: '64K', offset: '64K' },
        expect: { ret: 0, state: [{ p2pmem: 'gpu0', size: '128K' }] },
      },
      {
        op: 'mmap_p2pmem',
        args: { dev: 'gpu0', len: '64K', as: 'hi' },
        narration: 'gen_pool walks the newest chunk first: this comes from the second range.',
      },
      {
        op: 'mmap_p2pmem',
        args: { dev: 'gpu0', len: '64K', fixed: { buf: 'hi', offset: -65536 }, as: 'lo' },
        narration:
          'The first range, mapped just below, so the user buffer [lo, lo+128K) is physically contiguous.',
      },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'lo', npages: 32, flags: ['FOLL_WRITE', 'FOLL_PCI_P2PDMA'], as: 'pages' },
        expect: { ret: 32 },
      },
      {
        op: 'sg_alloc_table_from_pages',
        args: { pages: 'pages', as: 'sgt' },
        expect: {
          ret: 0,
          state: [
            { sgt: 'sgt', origNents: 2 },
            { sg: 'sgt', entry: 0, length: '64K', p2pdma: true },
            { sg: 'sgt', entry: 1, length: '64K' },
          ],
        },
      },
      {
        op: 'dma_map_sgtable',
        args: { dev: 'nic0', sgt: 'sgt' },
        expect: {
          ret: 0,
          state: [
            { sgt: 'sgt', nents: 2 },
            { sg: 'sgt', entry: 0, busAddress: true, dmaAddress: '0x3800000000' },
            { sg: 'sgt', entry: 1, busAddress: true, dmaAddress: '0x3800010000' },
          ],
        },
      },
      { op: 'dma_unmap_sgtable', args: { dev: 'nic0', sgt: 'sgt' } },
      {
        op: 'unpin_user_pages',
        args: { pages: 'pages' },
        expect: { state: [{ pages: 'lo', pinned: false, refcount: 1 }] },
      },
      {
        op: 'munmap',
        args: { buf: 'lo' },
        narration: 'The pages drop to refcount 0 and go back to the gen_pool.',
        expect: { ret: 0, state: [{ p2pmem: 'gpu0', available: '64K' }] },
      },
    ],
  }
}

function c19(): Scenario {
  return {
    name: 'C19 pci_p2pdma_add_resource argument checks',
    era: 'v6.12',
    narration:
      'The argument checks come first and return -EINVAL early; a successful registration of 12 GiB from offset 4 GiB creates one ZONE_DEVICE page run. pci_alloc_p2pmem() returns NULL (the lab shows -ENOMEM) without p2pdma or without room.',
    operations: [
      {
        op: 'p2pdma_add_resource',
        args: { dev: 'gpu0', bar: 5 },
        narration: '(a) BAR5 is an I/O-port BAR: not IORESOURCE_MEM.',
        expect: { errno: 'EINVAL' },
      },
      {
        op: 'p2pdma_add_resource',
        args: { dev: 'gpu0', bar: 1, size: 0, offset: '16G' },
        narration: '(b) offset >= len.',
        expect: { errno: 'EINVAL' },
      },
      {
        op: 'p2pdma_add_resource',
        args: { dev: 'gpu0', bar: 1, size: '4G', offset: '13G' },
        narration: '(c) size + offset > len.',
        expect: { errno: 'EINVAL' },
      },
      {
        op: 'p2pdma_add_resource',
        args: { dev: 'gpu0', bar: 1, size: 0, offset: '4G' },
        narration: '(d) [start + 4G, start + 16G - 1].',
        expect: {
          ret: 0,
          state: [
            { p2pmem: 'gpu0', size: '12G', available: '12G', published: false },
            { logContains: 'added peer-to-peer DMA memory 0x3900000000-0x3bffffffff' },
          ],
        },
      },
      {
        op: 'pci_p2pmem_alloc_sgl',
        args: { dev: 'nic0', len: '4K', as: 'e' },
        narration: '(e) NIC0 has no p2pdma.',
        expect: { errno: 'ENOMEM' },
      },
      {
        op: 'pci_p2pmem_alloc_sgl',
        args: { dev: 'gpu0', len: '13G', as: 'f' },
        narration: '(f) the pool only holds 12 GiB.',
        expect: { errno: 'ENOMEM', state: [{ sgt: 'f', exists: false }] },
      },
    ],
  }
}

export const CASES: CaseFile[] = [
  {
    file: 'C01-same-switch-bus-address',
    title: 'C01: same-switch P2P with bus addresses, 6.x and v5.0',
    machine: t1(),
    scenarios: [c01('v6.12'), c01('v5.0')],
  },
  {
    file: 'C01b-bus-offset-sign',
    title: 'C01 with a 4 GiB bus offset: the v5.x sign bug',
    machine: { ...t1({ busOffset: 0x1_0000_0000 }), name: 'T1 (bus offset 4 GiB)' },
    scenarios: [c01offset('v6.12'), c01offset('v5.0')],
  },
  {
    file: 'C04-iommu-acs-redir-disabled',
    title: 'C04: IOMMU on, ACS redirect disabled on the switch ports',
    machine: t1(),
    settings: { iommu: true },
    scenarios: [c04(true), c04(false)],
  },
  {
    file: 'C05-thru-host-bridge-iommu',
    title: 'C05: across root ports, THRU_HOST_BRIDGE through the IOMMU',
    machine: t1(),
    settings: { iommu: true },
    scenarios: [c05()],
  },
  {
    file: 'C06-amd-zen-dma-direct',
    title: 'C06: AMD Zen with the IOMMU off, THRU_HOST_BRIDGE through dma-direct',
    machine: t1amd(0x1480, 0x19),
    scenarios: [c06('v6.12'), c06('v6.16')],
  },
  {
    file: 'C07-not-whitelisted',
    title: 'C07: across root ports on a host bridge that is not whitelisted',
    machine: t1nw(),
    scenarios: [c07('v6.12'), c07('next'), c07read('v6.12'), c07read('v7.2')],
  },
  {
    file: 'C13-provider-is-client',
    title: 'C13: the provider is also the client',
    machine: t1(),
    scenarios: [c13()],
  },
  {
    file: 'E1-sgl-pgmap-merge-rule',
    title: 'kernel-facts §e.1: scatterlists never merge pages of different pagemaps (6.2+)',
    machine: t1(),
    scenarios: [e1()],
  },
  {
    file: 'C19-add-resource-checks',
    title: 'C19: pci_p2pdma_add_resource argument checks',
    machine: t1(),
    scenarios: [c19()],
  },
  {
    file: 'C22-gup-on-remap-pfn-range',
    title: 'C22: GUP on a BAR mapped with remap_pfn_range',
    machine: t1(),
    scenarios: [c22('v6.12'), c22('v5.0')],
  },
  {
    file: 'C23-sysfs-resource-mmap',
    title: 'C23: mmap of /sys/bus/pci/devices/*/resourceN',
    machine: t1(),
    scenarios: [c23('v6.12'), c23('v5.0')],
  },
  {
    file: 'C24-p2pmem-allocate-odirect',
    title: 'C24: p2pmem allocate mapping plus O_DIRECT',
    machine: t1(),
    scenarios: [c24('v6.12'), c24('v6.2'), c24('v7.2'), c24old()],
  },
  {
    file: 'C25-foll-pci-p2pdma',
    title: 'C25: pinning P2PDMA pages with and without FOLL_PCI_P2PDMA',
    machine: t1(),
    scenarios: [c25('v6.12'), c25('v6.2')],
  },
  {
    file: 'C26-rdma-mr-on-p2pmem',
    title: 'C26: RDMA MR on a p2pmem mapping',
    machine: t1(),
    scenarios: [c26('v6.12'), c26('v6.2')],
  },
]

/** The lab file of a case. */
export function labFileOf(c: CaseFile): LabFile {
  return {
    format: LAB_FORMAT,
    schemaVersion: LAB_SCHEMA_VERSION,
    name: c.title,
    description: `Kernel case ${c.file.split('-')[0]} from kernel-cases.md, as runnable scenarios (lab run ${c.file}.p2plab).`,
    machine: c.machine,
    settings: { ...DEFAULT_SETTINGS, ...(c.settings ?? {}) },
    scenarios: c.scenarios,
  }
}
