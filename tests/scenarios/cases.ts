/**
 * The source of the kernel-case scenario files (tests/scenarios/*.p2plab): each entry is one lab
 * file (a topology from tests/helpers/topologies.ts, settings, scenarios).
 * `npx tsx tests/scenarios/generate.ts` writes the lab files and the golden traces; the test checks
 * that the files on disk still match this source.
 */
import type { Era, LabFile } from '../../shared/model/topology'
import { DEFAULT_SETTINGS, ERAS, LAB_FORMAT, LAB_SCHEMA_VERSION } from '../../shared/model/topology'
import { has } from '../../electron/engine/era/index'
import { t1, t1amd, t1nw } from '../helpers/topologies'
import { setup, type Scenario } from '../../electron/engine/index'
import { FIDELITY_CASES } from './cases-fidelity'
import { caseFile, type CaseFile } from './case-file'

export type { CaseFile }

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
      era === 'v5.0'
        ? {
            op: 'get_user_pages_fast',
            args: { buf: 'buf', npages: 512, flags: ['FOLL_WRITE'] },
            narration:
              'v5.0 has no pin_user_pages_fast() (5.6) and no FOLL_LONGTERM (5.2): a driver calls get_user_pages_fast(start, 512, write = 1, pages). gup_pgd_range() bails on the special PTE; get_user_pages_unlocked() -> check_vma_flags() refuses the VM_IO|VM_PFNMAP VMA.',
            expect: { errno: 'EFAULT', ret: -14 },
          }
        : {
            op: 'pin_user_pages_fast',
            args: { buf: 'buf', npages: 512, flags: ['FOLL_WRITE', 'FOLL_LONGTERM'] },
            narration:
              'is_valid_gup_args(), then gup_fast_fallback() (6.10 name of internal_get_user_pages_fast()): GUP-fast bails on the special PTE; the slow path refuses the VM_IO|VM_PFNMAP VMA.',
            expect: { errno: 'EFAULT', ret: -14 },
          },
      setup.regMr('nic0', 'buf', '2M', ['IBV_ACCESS_LOCAL_WRITE', 'IBV_ACCESS_REMOTE_WRITE'], 'mr', {
        narration:
          era === 'v5.0'
            ? 'ib_umem_get() charges pinned_vm, calls get_user_pages_longterm() (the v5.0 long-term pin), fails, and rolls pinned_vm back.'
            : 'ib_umem_get() charges pinned_vm, fails to pin, and rolls pinned_vm back.',
        expect: {
          errno: 'EFAULT',
          state: [
            { mm: 'app', pinnedVm: 0 },
            { umem: 'mr', exists: false },
          ],
        },
      }),
      setup.pread('nvme2n1', 'buf', '2M', {
        narration: 'The block layer cannot pin the buffer either.',
        expect: { errno: 'EFAULT' },
      }),
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
      {
        op: 'lockdown',
        args: { on: true },
        narration: locked
          ? 'Boot with lockdown=integrity.'
          : 'Boot with lockdown=integrity: v5.0 has no lockdown LSM (5.4), so the scenario says the operation does not exist in the era.',
      },
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
        op: locked ? 'pin_user_pages' : 'get_user_pages',
        args: { buf: 'res', npages: 1, flags: ['FOLL_WRITE'] },
        narration: locked
          ? '(d) GUP on the resource mapping: check_vma_flags() refuses VM_IO|VM_PFNMAP.'
          : '(d) GUP on the resource mapping (v5.0: get_user_pages(); pin_user_pages() is 5.6): check_vma_flags() refuses VM_IO|VM_PFNMAP.',
        expect: { errno: 'EFAULT' },
      },
    ],
  }
}

const addGpu0 = (size = 0, offset: string | number = 0) =>
  setup.addResource('gpu0', 1, { size, offset }, { expect: { ret: 0 } })

function c24(era: 'v6.12' | 'v6.2' | 'v7.2'): Scenario {
  return {
    name: `C24 p2pmem allocate mapping plus O_DIRECT (${era})`,
    era,
    narration:
      "What landed in 6.2: GPU0's BAR1 becomes ZONE_DEVICE p2pmem (here the 12 GiB from offset 4 GiB, as in C19(d)) and user space maps it from p2pmem/allocate: vm_insert_page() gives a VM_MIXEDMAP VMA of refcounted struct pages. An O_DIRECT read from NVMe2 (same switch, queue supports P2PDMA) pins them with FOLL_PCI_P2PDMA and NVMe2 DMAs to bus addresses. AHCI's queue does not support P2PDMA, so its pin fails with -EREMOTEIO.",
    processes: [{ name: 'app' }],
    operations: [
      addGpu0(0, '4G'),
      setup.publish('gpu0'),
      setup.mmapP2pmem('gpu0', '2M', 'buf', {
        narration: '(1) mmap(p2pmem/allocate, 2M, MAP_SHARED, 0).',
        expect: {
          errno: null,
          state: [
            { vma: 'buf', flagsContain: 'VM_MIXEDMAP', flagsExclude: ['VM_PFNMAP', 'VM_IO'] },
            { pages: 'buf', p2pdma: true, refcount: 1 },
            { p2pmem: 'gpu0', size: '12G', available: 12 * 1024 * 1024 * 1024 - 2 * 1024 * 1024 },
          ],
        },
      }),
      setup.pread('nvme2n1', 'buf', '2M', {
        narration: '(2) NVMe2 reads into GPU memory: BUS_ADDR, distance 4.',
        expect: {
          ret: 2097152,
          state: [
            { mapType: { provider: 'gpu0', client: 'nvme2' }, equals: 'BUS_ADDR' },
            { pages: 'buf', pinned: false, refcount: 1 },
            { sgt: 'rq:nvme2n1', exists: false },
          ],
        },
      }),
      setup.pread('sda', 'buf', '2M', {
        narration:
          '(3) The AHCI queue does not support P2PDMA: no FOLL_PCI_P2PDMA, so try_grab_folio() returns -EREMOTEIO (inferred).',
        expect: { errno: 'EREMOTEIO' },
      }),
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
      setup.mmapP2pmem('gpu0', '13G', 'big', {
        narration: '(4c) 13 GiB: more than is free in the 12 GiB pool.',
        expect: {
          errno: 'ENOMEM',
          state: [{ p2pmem: 'gpu0', available: 12 * 1024 * 1024 * 1024 - 2 * 1024 * 1024 }],
        },
      }),
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
      setup.mmapP2pmem('gpu0', '16K', 'buf'),
      { op: 'mmap_anon', args: { len: '4K', fixed: { buf: 'buf', offset: -4096 }, as: 'pre' } },
      setup.gup('pin_user_pages_fast', 'buf', 4, ['FOLL_WRITE'], {
        narration:
          "(a) GUP-fast stops at the P2PDMA page; the slow path's try_grab_folio() returns -EREMOTEIO.",
        expect: { errno: 'EREMOTEIO', state: [{ pages: 'buf', pinned: false }] },
      }),
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
      setup.gup('pin_user_pages', 'buf', 4, ['FOLL_WRITE', 'FOLL_LONGTERM', 'FOLL_PCI_P2PDMA'], {
        narration:
          era === 'v6.2'
            ? '(d) 6.2: check_vma_flags() refuses a long-term P2PDMA pin with -EOPNOTSUPP (4003f107fa2e).'
            : '(d) 6.4+: is_valid_gup_args() WARNs on FOLL_LONGTERM|FOLL_PCI_P2PDMA, and pin_user_pages() then returns 0, not an errno (6.12.118 mm/gup.c pin_user_pages(): "if (!is_valid_gup_args(pages, NULL, &gup_flags, FOLL_PIN)) return 0;").',
        expect: era === 'v6.2' ? { errno: 'EOPNOTSUPP' } : { errno: null, ret: 0 },
      }),
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'buf', npages: 4, flags: ['FOLL_WRITE', 'FOLL_LONGTERM', 'FOLL_PCI_P2PDMA'], as: 'lt' },
        narration:
          era === 'v6.2'
            ? '(e) 6.2: nothing checks the flags before GUP-fast, which grabs all four pages (the refusal lives in the slow path only; inferred from the code structure of 4003f107fa2e).'
            : '(e) pin_user_pages_fast() returns -EINVAL from the same is_valid_gup_args() WARN (6.12.118 mm/gup.c pin_user_pages_fast()).',
        expect: era === 'v6.2' ? { ret: 4, state: [{ pages: 'lt', pinned: true }] } : { errno: 'EINVAL' },
      },
      ...(era === 'v6.2' ? [{ op: 'unpin_user_pages' as const, args: { pages: 'lt' } }] : []),
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
      setup.mmapP2pmem('gpu0', '2M', 'buf'),
      setup.regMr('nic0', 'buf', '2M', ['IBV_ACCESS_LOCAL_WRITE', 'IBV_ACCESS_REMOTE_WRITE'], 'mr', {
        expect: {
          errno: 'EREMOTEIO',
          state: [
            { mm: 'app', pinnedVm: 0 },
            { umem: 'mr', exists: false },
            { pages: 'buf', pinned: false, refcount: 1 },
          ],
        },
      }),
      setup.mmapAnon('2M', 'ram', {
        narration: 'The same registration on anonymous RAM works.',
      }),
      setup.regMr('nic0', 'ram', '2M', ['IBV_ACCESS_LOCAL_WRITE'], 'mr2', {
        expect: {
          ret: 0,
          state: [
            { mm: 'app', pinnedVm: 512 },
            { umem: 'mr2', exists: true },
            { pages: 'ram', pinned: true, ram: true },
            { sg: 'umem:mr2', entry: 0, dmaAddressIsPhys: true, length: '2M' },
          ],
        },
      }),
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
      setup.publish('gpu0', {
        expect: { state: [{ p2pmem: 'gpu0', published: true }] },
      }),
      setup.distance('gpu0', 'nic0', {
        expect: {
          ret: 4,
          state: v6 ? [{ mapType: { provider: 'gpu0', client: 'nic0' }, equals: 'BUS_ADDR' }] : [],
        },
      }),
      setup.allocSgl('gpu0', '64K', 'sgt0', {
        expect: {
          ret: 1,
          state: [
            { sgt: 'sgt0', origNents: 1 },
            { sg: 'sgt0', entry: 0, p2pdma: true, length: '64K' },
          ],
        },
      }),
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
      setup.allocSgl('gpu0', '64K', 'sgt0'),
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
      setup.allocSgl('gpu0', '64K', 'sgt0'),
      setup.distance('gpu0', 'nic0', {
        expect: {
          ret: 4,
          state: [
            {
              mapType: { provider: 'gpu0', client: 'nic0' },
              equals: redirOff ? 'BUS_ADDR' : 'THRU_HOST_BRIDGE',
            },
          ],
        },
      }),
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
      setup.addResource(
        'nvme0',
        2,
        {},
        {
          expect: { ret: 0, state: [{ p2pmem: 'nvme0', size: '256M' }] },
        },
      ),
      setup.publish('nvme0', {
        expect: { state: [{ p2pmem: 'nvme0', published: true }] },
      }),
      setup.distance('nvme0', 'nic0', {
        expect: {
          ret: 6,
          state: [{ mapType: { provider: 'nvme0', client: 'nic0' }, equals: 'THRU_HOST_BRIDGE' }],
        },
      }),
      setup.allocSgl('nvme0', '64K', 'sgt0'),
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
      : 'Since the 6.16 mapping refactor, dma_direct_map_sg() breaks out of THRU_HOST_BRIDGE without writing sg->dma_address. It is a regression, fixed later by 560000d619ef, whose mainline release is unverified (docs/kernel/dma.md#616-pci_p2pdma_state). The lab models the unfixed code: only the DMA length is set.',
    operations: [
      setup.addResource('nvme0', 2),
      setup.distance('nvme0', 'nic0', {
        expect: {
          ret: 6,
          state: [{ mapType: { provider: 'nvme0', client: 'nic0' }, equals: 'THRU_HOST_BRIDGE' }],
        },
      }),
      setup.allocSgl('nvme0', '64K', 'sgt0'),
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
      setup.addResource('nvme0', 2),
      setup.distance('nvme0', 'nic0', {
        expect: {
          ret: -1,
          state: [
            { mapType: { provider: 'nvme0', client: 'nic0' }, equals: 'NOT_SUPPORTED' },
            { logContains: 'do not share an upstream bridge or whitelisted host bridge' },
            ...(era === 'next' ? [{ logContains: 'Host bridge not in P2PDMA whitelist: 8086:a700' }] : []),
          ],
        },
      }),
      setup.allocSgl('nvme0', '64K', 'sgt0'),
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
      setup.addResource('nvme0', 2),
      setup.mmapP2pmem('nvme0', '2M', 'cmb'),
      setup.pread('nvme2n1', 'cmb', '2M', {
        expect: {
          errno: era === 'v7.2' ? 'EINVAL' : 'EREMOTEIO',
          state: [
            { pages: 'cmb', pinned: false, refcount: 1 },
            { mapType: { provider: 'nvme0', client: 'nvme2' }, equals: 'NOT_SUPPORTED' },
          ],
        },
      }),
      setup.mmapAnon('2M', 'ram'),
      setup.pread('nvme2n1', 'ram', '2M', {
        narration: 'The control read into RAM works.',
        expect: { ret: 2097152 },
      }),
    ],
  }
}

function c13(): Scenario {
  return {
    name: 'C13 provider is also the client',
    era: 'v6.12',
    narration: 'NVMe0 maps its own CMB: the walk matches on the first iteration, distance 0, BUS_ADDR.',
    operations: [
      setup.addResource('nvme0', 2),
      setup.distance('nvme0', 'nvme0', {
        expect: { ret: 0, state: [{ mapType: { provider: 'nvme0', client: 'nvme0' }, equals: 'BUS_ADDR' }] },
      }),
      setup.allocSgl('nvme0', '4K', 'sgt0'),
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
      "The 'IOMEM annotation' answer 3 (docs/kernel/scatterlist.md#the-iomem-annotation): GPU0 registers BAR1 as two 64 KiB ranges, i.e. two pagemaps with adjacent pfns. A buffer spanning both is physically contiguous, but since 6.2 pages_are_mergeable() also requires zone_device_pages_have_same_pgmap(), so the SGL gets two entries, and pci_p2pdma_map_segment() looks the map type up again when the pgmap changes.",
    operations: [
      setup.addResource(
        'gpu0',
        1,
        { size: '64K', offset: 0 },
        {
          expect: { ret: 0 },
        },
      ),
      setup.addResource(
        'gpu0',
        1,
        { size: '64K', offset: '64K' },
        {
          expect: { ret: 0, state: [{ p2pmem: 'gpu0', size: '128K' }] },
        },
      ),
      setup.mmapP2pmem('gpu0', '64K', 'hi', {
        narration: 'gen_pool walks the newest chunk first: this comes from the second range.',
      }),
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
      setup.munmap(
        'lo',
        {},
        {
          narration: 'The pages drop to refcount 0 and go back to the gen_pool.',
          expect: { ret: 0, state: [{ p2pmem: 'gpu0', available: '64K' }] },
        },
      ),
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
      setup.addResource(
        'gpu0',
        5,
        {},
        {
          narration: '(a) BAR5 is an I/O-port BAR: not IORESOURCE_MEM.',
          expect: { errno: 'EINVAL' },
        },
      ),
      setup.addResource(
        'gpu0',
        1,
        { size: 0, offset: '16G' },
        {
          narration: '(b) offset >= len.',
          expect: { errno: 'EINVAL' },
        },
      ),
      setup.addResource(
        'gpu0',
        1,
        { size: '4G', offset: '13G' },
        {
          narration: '(c) size + offset > len.',
          expect: { errno: 'EINVAL' },
        },
      ),
      setup.addResource(
        'gpu0',
        1,
        { size: 0, offset: '4G' },
        {
          narration: '(d) [start + 4G, start + 16G - 1].',
          expect: {
            ret: 0,
            state: [
              { p2pmem: 'gpu0', size: '12G', available: '12G', published: false },
              { logContains: 'added peer-to-peer DMA memory 0x3900000000-0x3bffffffff' },
            ],
          },
        },
      ),
      setup.allocSgl('nic0', '4K', 'e', {
        narration: '(e) NIC0 has no p2pdma.',
        expect: { errno: 'ENOMEM' },
      }),
      setup.allocSgl('gpu0', '13G', 'f', {
        narration: '(f) the pool only holds 12 GiB.',
        expect: { errno: 'ENOMEM', state: [{ sgt: 'f', exists: false }] },
      }),
    ],
  }
}

// ---- issue 3, second half: ZONE_DEVICE, HMM, ODP, the 2019 RFC, dma-buf ----

function c28(): Scenario {
  return {
    name: 'C28 GUP (FOLL_LONGTERM) on device-private memory (v6.12)',
    era: 'v6.12',
    narration:
      "GPU0 has DEVICE_PRIVATE memory (pgmap owner gpu0). An anonymous page was migrated to it, so its PTE is a device-private entry. NIC0's driver pins it: GUP-fast sees a non-present PTE, the slow path faults, do_swap_page() calls migrate_to_ram (MMU_NOTIFY_MIGRATE, owner gpu0), and the pin returns a system-RAM page. Device-private memory is never returned by GUP.",
    processes: [{ name: 'app' }],
    operations: [
      setup.devmemAdd('gpu0', 'private', '64M', {
        narration:
          'The GPU driver registers its VRAM as DEVICE_PRIVATE (memremap_pages with owner and migrate_to_ram).',
        expect: { errno: null },
      }),
      setup.mmapAnon('8K', 'x'),
      setup.touch('x', '4K', {
        narration: 'The program writes the first page: do_anonymous_page().',
      }),
      setup.mirrorRegister('gpu0', 'x', 'mirror', {
        narration: 'GPU0 mirrors the buffer: an interval notifier.',
      }),
      setup.migrateToDevice('x', 1, 'gpu0', {
        narration:
          'GPU0 migrates the page into its memory; its own mirror skips the MMU_NOTIFY_MIGRATE it raised.',
        expect: { ret: 1, state: [{ pte: 'x', kind: 'device_private', type: 'MEMORY_DEVICE_PRIVATE' }] },
      }),
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'x', npages: 1, flags: ['FOLL_WRITE', 'FOLL_LONGTERM'], as: 'p' },
        narration: 'NIC0 pins X for an RDMA MR.',
        expect: {
          ret: 1,
          state: [
            { pages: 'p', ram: true, pinned: true },
            { pte: 'x', kind: 'present', type: 'ram' },
          ],
        },
      },
    ],
  }
}

function c29(): Scenario {
  return {
    name: 'C29 FOLL_LONGTERM on device-coherent memory and on fsdax (v6.12)',
    era: 'v6.12',
    narration:
      '(a) A DEVICE_COHERENT page is CPU-addressable but must stay evictable: a FOLL_LONGTERM pin migrates it to system RAM first (folio_is_longterm_pinnable() is false); a short-term pin pins it in place. (b) FOLL_LONGTERM on a MAP_SHARED fsdax file mapping is -EOPNOTSUPP from check_vma_flags().',
    processes: [{ name: 'app' }],
    operations: [
      ...setup.devmemAndBuffer({ dev: 'gpu0', type: 'coherent', size: '64M' }, { as: 'y', len: '8K' }),
      {
        op: 'migrate_to_device',
        args: { buf: 'y', npages: 1, dev: 'gpu0', type: 'coherent' },
        expect: { ret: 1, state: [{ pte: 'y', kind: 'present', type: 'MEMORY_DEVICE_COHERENT' }] },
      },
      { op: 'migrate_to_device', args: { buf: 'y', offset: 4096, npages: 1, dev: 'gpu0', type: 'coherent' } },
      {
        op: 'pin_user_pages',
        args: { buf: 'y', npages: 1, flags: ['FOLL_LONGTERM'], as: 'lt' },
        narration: '(a) Long-term: migrate to RAM, then pin the RAM copy.',
        expect: {
          ret: 1,
          state: [
            { pages: 'lt', ram: true, pinned: true },
            { pte: 'y', kind: 'present', type: 'ram' },
          ],
        },
      },
      {
        op: 'pin_user_pages',
        args: { buf: 'y', offset: 4096, npages: 1, flags: [], as: 'st' },
        narration: '(a) Short-term: the coherent page itself is pinned.',
        expect: {
          ret: 1,
          state: [
            { pages: 'st', ram: false, pinned: true },
            { pte: 'y', offset: 1, kind: 'present', type: 'MEMORY_DEVICE_COHERENT' },
          ],
        },
      },
      {
        op: 'devmem_add',
        args: { type: 'fsdax', size: '1G' },
        narration: '(b) /dev/pmem0 as FS_DAX memory; ext4 mounted -o dax.',
      },
      {
        op: 'mmap_dax',
        args: { len: '2M', as: 'z' },
        expect: { state: [{ vma: 'z', vmOps: 'ext4_dax_vm_ops', flagsContain: 'VM_SHARED' }] },
      },
      setup.gup('pin_user_pages', 'z', 1, ['FOLL_LONGTERM', 'FOLL_WRITE'], {
        narration: '(b) check_vma_flags(): FOLL_LONGTERM && vma_is_fsdax(vma).',
        expect: { errno: 'EOPNOTSUPP' },
      }),
      setup.gup('pin_user_pages', 'z', 1, ['FOLL_WRITE'], {
        narration: 'A short-term pin of the DAX page works.',
        expect: { ret: 1 },
      }),
    ],
  }
}

function c31(era: 'v5.0' | 'v5.0-rfc' | 'v5.2' | 'v5.4' | 'v6.12'): Scenario {
  const api = era === 'v5.0' ? '2019' : era === 'v5.0-rfc' ? 'rfc' : era === 'v6.12' ? 'current' : '5.2'
  const ops: Scenario['operations'] = [
    { op: 'mmap_bar', args: { dev: 'gpu0', bar: 1, len: '2M', as: 'bar' } },
  ]
  if (api === '2019') {
    ops.push({
      op: 'hmm_range_fault',
      args: { buf: 'bar', npages: 512, fault: true, as: 'r' },
      narration:
        'hmm_vma_fault(range, true): VM_SPECIAL -> hmm_pfns_special(): every entry HMM_PFN_SPECIAL, -EINVAL.',
      expect: {
        errno: 'EINVAL',
        state: [
          { hmm: 'r', page: 0, flags: 'HMM_PFN_SPECIAL' },
          { hmm: 'r', page: 511, flags: 'HMM_PFN_SPECIAL' },
        ],
      },
    })
    ops.push({
      op: 'hmm_range_fault',
      args: { buf: 'bar', npages: 512, fault: false },
      narration: 'hmm_vma_get_pfns(): the same -EINVAL.',
      expect: { errno: 'EINVAL' },
    })
  } else if (api === 'current') {
    ops.push({
      op: 'hmm_range_fault',
      args: { buf: 'bar', npages: 512, fault: true },
      narration:
        'default_flags = HMM_PFN_REQ_FAULT: the pfnmap VMA is not walked and a fault is required: -EFAULT.',
      expect: { errno: 'EFAULT' },
    })
    ops.push({
      op: 'hmm_range_fault',
      args: { buf: 'bar', npages: 512, fault: false, as: 'snap' },
      narration: 'Snapshot (default_flags = 0): returns 0 and every entry is HMM_PFN_ERROR.',
      expect: {
        ret: 0,
        state: [
          { hmm: 'snap', page: 0, flags: 'HMM_PFN_ERROR' },
          { hmm: 'snap', page: 511, flags: 'HMM_PFN_ERROR', pfn: 'none' },
        ],
      },
    })
  } else {
    ops.push({
      op: 'hmm_range_fault',
      args: { buf: 'bar', npages: 512, fault: true },
      narration:
        api === 'rfc'
          ? 'The public hmm_range_fault() passes device = NULL: -EFAULT (C35 has the p2p path).'
          : 'device_vma includes VM_IO|VM_PFNMAP|VM_MIXEDMAP: -EFAULT.',
      expect: { errno: 'EFAULT' },
    })
    ops.push({
      op: 'hmm_range_fault',
      args: { buf: 'bar', npages: 512, fault: false },
      expect: { errno: 'EFAULT' },
    })
  }
  return {
    name: `C31 hmm_range_fault on a pfnmap (BAR) mapping (${era})`,
    era,
    narration:
      'A BAR mapped with remap_pfn_range() (VM_IO|VM_PFNMAP, 512 pages) given to HMM in each era: v5.0 -EINVAL with HMM_PFN_SPECIAL entries; the RFC base and the 5.2-era API -EFAULT; the current API -EFAULT when a fault is requested, else 0 with HMM_PFN_ERROR entries. The lab shows the 5.2-era API at v5.2 and v5.4 (it ran until 5.6) and the current one from v6.0.',
    processes: [{ name: 'app' }],
    operations: ops,
  }
}

function c32(era: 'v5.4' | 'v6.12' | 'v6.16', iommu: boolean): Scenario {
  const ops: Scenario['operations'] = [...setup.publishedP2pmem('gpu0', 1)]
  if (era === 'v5.4') {
    ops.push({
      op: 'mmap_p2pmem',
      args: { dev: 'gpu0', len: '2M', as: 'buf' },
      narration: 'p2pmem/allocate does not exist before v6.2.',
      expect: { notInEra: true },
    })
    ops.push({
      op: 'mmap_bar',
      args: { dev: 'gpu0', bar: 1, len: '2M', as: 'mixed' },
      narration: 'Any device VMA stands in: the 5.2-era device_vma test covers VM_MIXEDMAP too.',
    })
    ops.push({
      op: 'hmm_range_fault',
      args: { buf: 'mixed', npages: 512, fault: true, write: true, dev: 'nic0' },
      expect: { errno: 'EFAULT' },
    })
  } else {
    ops.push({
      op: 'mmap_p2pmem',
      args: { dev: 'gpu0', len: '2M', as: 'buf' },
      expect: { state: [{ vma: 'buf', flagsContain: 'VM_MIXEDMAP' }] },
    })
    ops.push(
      setup.hmmFaultP2pmem(
        'buf',
        512,
        'nic0',
        'r',
        'VM_MIXEDMAP is walked (5.17+): each entry is pfn | HMM_PFN_VALID | HMM_PFN_WRITE.',
      ),
    )
    if (era === 'v6.16')
      ops.push({
        op: 'hmm_dma_map_pfn',
        args: { range: 'r', dev: 'nic0' },
        narration: iommu
          ? 'IOMMU on: THRU_HOST_BRIDGE, HMM_PFN_P2PDMA, an IOVA with DMA_ATTR_SKIP_CPU_SYNC.'
          : 'IOMMU off: BUS_ADDR, HMM_PFN_P2PDMA_BUS | HMM_PFN_DMA_MAPPED, phys + bus_offset.',
        expect: {
          ret: 512,
          state: [
            iommu
              ? {
                  hmm: 'r',
                  page: 0,
                  flags: ['HMM_PFN_P2PDMA', 'HMM_PFN_DMA_MAPPED'],
                  noFlags: 'HMM_PFN_P2PDMA_BUS',
                }
              : {
                  hmm: 'r',
                  page: 0,
                  flags: ['HMM_PFN_P2PDMA_BUS', 'HMM_PFN_DMA_MAPPED'],
                  dma: '0x3800000000',
                },
          ],
        },
      })
    if (era === 'v6.16')
      ops.push({
        op: 'hmm_dma_unmap_pfn',
        args: { range: 'r', dev: 'nic0' },
        narration: iommu
          ? 'Unmap: the IOVA is unlinked.'
          : 'Unmap: HMM_PFN_P2PDMA_BUS entries have nothing to unmap (a bus address never entered an IOMMU).',
        expect: {
          ret: iommu ? 512 : 0,
          state: [
            { hmm: 'r', page: 0, noFlags: 'HMM_PFN_DMA_MAPPED' },
            { iommu: 'nic0', mappings: 0 },
          ],
        },
      })
    else ops.push({ op: 'hmm_dma_map_pfn', args: { range: 'r', dev: 'nic0' }, expect: { notInEra: true } })
  }
  return {
    name: `C32 hmm_range_fault on a VM_MIXEDMAP p2pmem mapping${era === 'v6.16' ? `, then hmm_dma_map_pfn (IOMMU ${iommu ? 'on' : 'off'})` : ''} (${era})`,
    era,
    settings: { iommu },
    narration:
      'NIC0 mirrors a p2pmem buffer (VM_MIXEDMAP, P2PDMA pages). Up to 5.16 HMM refused VM_MIXEDMAP with -EFAULT (shown at v5.4: the lab has no era between 5.7 and 5.16); from 5.17 it is walked. From ~6.16 hmm_dma_map_pfn() maps P2PDMA pages by map type.',
    processes: [{ name: 'app' }],
    operations: ops,
  }
}

function c32nw(): Scenario {
  return {
    name: 'C32 hmm_dma_map_pfn across root ports on a host bridge outside the whitelist (v6.16)',
    era: 'v6.16',
    narration:
      'On T1-nw, NVMe0 (behind its own root port) mirrors GPU0 p2pmem: NOT_SUPPORTED, so hmm_dma_map_pfn() returns DMA_MAPPING_ERROR and nothing is mapped.',
    processes: [{ name: 'app' }],
    operations: [
      ...setup.publishedP2pmem('gpu0', 1),
      setup.mmapP2pmem('gpu0', '64K', 'buf'),
      {
        op: 'hmm_range_fault',
        args: { buf: 'buf', npages: 16, fault: true, dev: 'nvme0', as: 'r' },
        expect: { ret: 0 },
      },
      {
        op: 'hmm_dma_map_pfn',
        args: { range: 'r', dev: 'nvme0' },
        expect: { ret: 0, state: [{ hmm: 'r', page: 0, noFlags: 'HMM_PFN_DMA_MAPPED' }] },
      },
    ],
  }
}

function c34(era: 'v6.12' | 'v6.16'): Scenario {
  return {
    name: `C34 munmap of part of an ODP memory region (${era})`,
    era,
    narration:
      'NIC0 has an ODP MR over [A, A+1M): no pins, an interval notifier. The NIC faults pages in with ib_umem_odp_map_dma_and_lock() (hmm_range_fault under the notifier sequence). munmap(A+256K, 256K) sends MMU_NOTIFY_UNMAP with an odd cur_seq: the driver sets the sequence, zaps the device PTEs and unmaps the DMA pages. A fault that raced an invalidation retries. A later NIC access to A+300K finds no VMA: -EFAULT. At exit the notifier sees MMU_NOTIFY_RELEASE.',
    processes: [{ name: 'app' }],
    operations: [
      ...setup.writtenBuffer('a', '1M'),
      setup.regMr(
        'nic0',
        'a',
        '1M',
        ['IBV_ACCESS_LOCAL_WRITE', 'IBV_ACCESS_REMOTE_WRITE', 'IBV_ACCESS_ON_DEMAND'],
        'mr',
        {
          narration: 'ib_umem_odp_get(): no pinning, pinned_vm unchanged.',
          expect: {
            errno: null,
            state: [
              { mm: 'app', pinnedVm: 0 },
              { notifier: 'mr', seq: 1 },
            ],
          },
        },
      ),
      setup.odpRacedFirstWrite(
        'mr',
        '1M',
        'The first RDMA WRITE faults the whole MR in; an invalidation races the fault, so read_retry sends it round again.',
      ),
      setup.munmap(
        'a',
        { offset: 262144, len: '256K' },
        {
          narration: 'MMU_NOTIFY_UNMAP [A+256K, A+512K).',
          expect: {
            state: [
              { devptes: 'mr', count: 192 },
              { notifier: 'mr', seq: 5, lastContains: 'MMU_NOTIFY_UNMAP' },
            ],
          },
        },
      ),
      setup.rdmaAccess(
        'mr',
        { offset: 307200, len: 4096 },
        {
          narration: 'NIC0 touches A+300K: a hole with no VMA, REQ_FAULT: -EFAULT.',
          expect: { errno: 'EFAULT' },
        },
      ),
      setup.rdmaAccess(
        'mr',
        { offset: 0, len: 4096 },
        {
          narration: 'A+0 is still mapped in the MTT: no fault at all.',
          expect: { ret: 4096 },
        },
      ),
      {
        op: 'mprotect',
        args: { buf: 'a', len: '256K', write: false },
        narration: 'mprotect(PROT_READ): MMU_NOTIFY_PROTECTION_VMA zaps the writable device PTEs.',
        expect: {
          state: [
            { devptes: 'mr', count: 128 },
            { notifier: 'mr', lastContains: 'MMU_NOTIFY_PROTECTION_VMA' },
          ],
        },
      },
      setup.exitReleasing('mr', {
        narration: 'Process exit: mmu_notifier_release() -> MMU_NOTIFY_RELEASE over everything.',
      }),
    ],
  }
}

function c34mirror(): Scenario {
  return {
    name: 'C34 GPU mirror device page faults with device-private memory (v6.12)',
    era: 'v6.12',
    narration:
      'A GPU mirror (lib/test_hmm.c style) faults a buffer into its device page table with hmm_range_fault(dev_private_owner = gpu0). Pages in its own device-private memory are reported without a fault; NIC0 mirroring the same range (another owner) forces migrate_to_ram.',
    processes: [{ name: 'app' }],
    operations: [
      ...setup.devmemAndBuffer({ dev: 'gpu0', type: 'private', size: '64M' }, { as: 'b', len: '64K' }),
      setup.mirrorRegister('gpu0', 'b', 'gpu'),
      { op: 'migrate_to_device', args: { buf: 'b', npages: 4, dev: 'gpu0' }, expect: { ret: 4 } },
      {
        op: 'mirror_fault',
        args: { mirror: 'gpu', buf: 'b', npages: 16, write: true, as: 'g' },
        narration: 'Owner matches: VALID|WRITE with the device-private pfns, no migration.',
        expect: {
          state: [
            { hmm: 'g', page: 0, flags: 'HMM_PFN_VALID', pfn: 'device_private' },
            { devptes: 'gpu', count: 16 },
          ],
        },
      },
      setup.mirrorRegister('nic0', 'b', 'nicm'),
      {
        op: 'mirror_fault',
        args: { mirror: 'nicm', buf: 'b', npages: 4, as: 'n' },
        narration:
          'Another owner with REQ_FAULT: migrate_to_ram; the GPU mirror sees MMU_NOTIFY_MIGRATE (owner gpu0: its own migration, skipped).',
        expect: {
          state: [
            { hmm: 'n', page: 0, pfn: 'ram' },
            { pte: 'b', kind: 'present', type: 'ram' },
          ],
        },
      },
    ],
  }
}

function c35(): Scenario {
  return {
    name: 'C35 the RFC p2p_map path for a special VMA, plus the device-memory fallback (v5.0-rfc)',
    era: 'v5.0-rfc',
    narration:
      "The 2019 RFC: GPU0's mmap produces a VM_IO|VM_PFNMAP VMA with no CPU PTEs and vm_ops->p2p_map. hmm_range_dma_map(range, NIC0, daddrs) reaches p2p_map through _hmm_range_fault(); every entry becomes HMM_PFN_P2P. An exporter that refuses gives -EPERM; the public hmm_range_fault() and a VMA without p2p_map give -EFAULT. Device-private pages whose hmm_devmem_ops lack p2p_map fall back to RAM. munmap makes the importer call p2p_unmap.",
    processes: [{ name: 'app' }],
    operations: [
      {
        op: 'mmap_rfc_device',
        args: { dev: 'gpu0', bar: 1, len: '2M', p2p: 'map', as: 'sv' },
        expect: {
          state: [
            { vma: 'sv', flagsContain: ['VM_IO', 'VM_PFNMAP'] },
            { pte: 'sv', kind: 'none' },
          ],
        },
      },
      {
        op: 'hmm_range_dma_map',
        args: { dev: 'nic0', buf: 'sv', npages: 512, as: 'r1' },
        narration: '1. p2p_map(vma, NIC0, start, end, daddrs, write): every pfn = values[HMM_PFN_P2P].',
        expect: { ret: 512, state: [{ hmm: 'r1', page: 0, flags: 'HMM_PFN_P2P', dma: '0x3800000000' }] },
      },
      { op: 'mmap_rfc_device', args: { dev: 'gpu0', bar: 1, len: '2M', p2p: 'eperm', as: 'refuse' } },
      {
        op: 'hmm_range_dma_map',
        args: { dev: 'nic0', buf: 'refuse', npages: 512, as: 'r2' },
        narration: '2. The exporter refuses: HMM_PFN_ERROR, -EPERM.',
        expect: { errno: 'EPERM' },
      },
      {
        op: 'hmm_range_fault',
        args: { buf: 'sv', npages: 512, fault: true },
        narration: '3. The public API passes device = NULL: -EFAULT.',
        expect: { errno: 'EFAULT' },
      },
      { op: 'mmap_rfc_device', args: { dev: 'gpu0', bar: 1, len: '2M', p2p: 'none', as: 'plain' } },
      {
        op: 'hmm_range_dma_map',
        args: { dev: 'nic0', buf: 'plain', npages: 512, as: 'r4' },
        narration: '4. No p2p_map in vm_ops: -EFAULT.',
        expect: { errno: 'EFAULT' },
      },
      ...setup.devmemAndBuffer({ dev: 'gpu0', type: 'private', size: '64M' }, { as: 'anon', len: '16K' }),
      { op: 'migrate_to_device', args: { buf: 'anon', npages: 4, dev: 'gpu0' } },
      {
        op: 'hmm_range_dma_map',
        args: { dev: 'nic0', buf: 'anon', npages: 4, as: 'r5' },
        narration:
          '5. hmm_devmem_ops without p2p_map: default_flags |= DEVICE_PRIVATE; goto again; the pages fault back to RAM and go through dma_map_page().',
        expect: {
          ret: 4,
          state: [
            { hmm: 'r5', page: 0, pfn: 'ram' },
            { pte: 'anon', kind: 'present', type: 'ram' },
          ],
        },
      },
      setup.munmap(
        'sv',
        {},
        {
          narration: "6. munmap: the importer's callback calls hmm_range_dma_unmap() -> p2p_unmap().",
          expect: { state: [{ devptes: 'rfc:r1', count: 0 }] },
        },
      ),
    ],
  }
}

function c35iommu(): Scenario {
  return {
    name: 'C35 the RFC p2p_map path with the IOMMU on (v5.0-rfc)',
    era: 'v5.0-rfc',
    settings: { iommu: true },
    narration:
      'RFC 0/5: "For now it needs IOMMU off with ACS disabled". With an IOMMU the exporter has no address to give the importer, so p2p_map fails and hmm_range_dma_map() returns its error with HMM_PFN_ERROR entries (the refusal is inferred: no exporter driver was posted).',
    processes: [{ name: 'app' }],
    operations: [
      { op: 'mmap_rfc_device', args: { dev: 'gpu0', bar: 1, len: '2M', p2p: 'map', as: 'sv' } },
      {
        op: 'hmm_range_dma_map',
        args: { dev: 'nic0', buf: 'sv', npages: 512, as: 'r' },
        expect: { errno: 'EPERM' },
      },
    ],
  }
}

function c36(mode: 'as-posted' | 'as-intended'): Scenario {
  return {
    name: `C36 the RFC pci_test_p2p (${mode})`,
    era: 'v5.0-rfc',
    narration:
      'device_test_p2p(GPU0, NIC0): upstream_bridge_distance() is 4 so ret = true, but as posted the function ends with "return false;". Settings.rfcTestP2p = as-intended gives true. An exporter whose p2p_map asks device_test_p2p() inherits the answer.',
    processes: [{ name: 'app' }],
    operations: [
      {
        op: 'device_test_p2p',
        args: { a: 'gpu0', b: 'nic0' },
        expect: { ret: mode === 'as-posted' ? 0 : 1 },
      },
      {
        op: 'device_test_p2p',
        args: { a: 'gpu0', b: 'nvme0' },
        narration: 'Across root ports: -1 either way.',
        expect: { ret: 0 },
      },
      { op: 'mmap_rfc_device', args: { dev: 'gpu0', bar: 1, len: '64K', p2p: 'test', as: 'sv' } },
      {
        op: 'hmm_range_dma_map',
        args: { dev: 'nic0', buf: 'sv', npages: 16, as: 'r' },
        expect: mode === 'as-posted' ? { errno: 'EPERM' } : { ret: 16 },
      },
    ],
  }
}

function c39(): Scenario {
  return {
    name: 'C39 dma-buf importers with allow_peer2peer = false (next)',
    era: 'next',
    narration:
      'A VFIO-bound device exports BAR memory: an importer without peer2peer is refused (-EOPNOTSUPP). A GPU (amdgpu-like) exports a VRAM BO: a static importer is accepted, the BO is pinned and moved to GTT (system RAM) with a page-backed SGL, and a dynamic importer gets move_notify. A peer2peer importer with a P2P path keeps VRAM: dma_map_resource() with sg_page NULL. Dynamic ops without move_notify: WARN, -EINVAL.',
    processes: [{ name: 'app' }],
    operations: [
      { op: 'vfio_export_dmabuf', args: { dev: 'gpu0', bar: 1, len: '2M', as: 'vbar' } },
      {
        op: 'dma_buf_attach',
        args: { dmabuf: 'vbar', dev: 'nic0', as: 'va' },
        expect: { errno: 'EOPNOTSUPP', state: [{ attachment: 'va', exists: false }] },
      },
      {
        op: 'dma_buf_attach',
        args: { dmabuf: 'vbar', dev: 'nic0', dynamic: true, allowPeer2peer: false, as: 'vb' },
        expect: { errno: 'EOPNOTSUPP' },
      },
      {
        op: 'amdgpu_export_bo',
        args: { dev: 'gpu0', size: '2M', as: 'bo' },
        expect: { state: [{ dmabuf: 'bo', placement: 'VRAM' }] },
      },
      {
        op: 'dma_buf_attach',
        args: { dmabuf: 'bo', dev: 'nic0', dynamic: true, allowPeer2peer: true, as: 'p2p' },
        narration: 'A peer2peer importer on the same switch: VRAM stays.',
        expect: { state: [{ attachment: 'p2p', peer2peer: true }] },
      },
      {
        op: 'dma_buf_map_attachment',
        args: { attachment: 'p2p', as: 'vram_sgt' },
        expect: {
          state: [
            { dmabuf: 'bo', placement: 'VRAM' },
            { sg: 'vram_sgt', entry: 0, dmaAddress: '0x3800000000' },
          ],
        },
      },
      {
        op: 'dma_buf_attach',
        args: { dmabuf: 'bo', dev: 'nvme2', as: 'static' },
        narration:
          'A static importer: pinned at attach, moved to GTT; the dynamic importer gets move_notify.',
        expect: {
          state: [
            { attachment: 'static', peer2peer: false },
            { dmabuf: 'bo', placement: 'GTT' },
            { attachment: 'p2p', moveNotifies: 1 },
          ],
        },
      },
      {
        op: 'dma_buf_attach',
        args: {
          dmabuf: 'bo',
          dev: 'nic0',
          dynamic: true,
          allowPeer2peer: true,
          moveNotify: false,
          as: 'bad',
        },
        expect: { errno: 'EINVAL' },
      },
    ],
  }
}

function c40(iommu: boolean, nw = false): Scenario {
  return {
    name: `C40 VFIO BAR dma-buf as an RDMA MR: ${nw ? 'NOT_SUPPORTED' : iommu ? 'THRU_HOST_BRIDGE' : 'BUS_ADDR'} and revocation (next)`,
    era: 'next',
    settings: { iommu },
    narration:
      'GPU0 is bound to vfio-pci; user space exports BAR1 [0, 2M) as a dma-buf and registers [0x1000, 0x3000) as an RDMA MR on NIC0 (ib_umem_dmabuf_get). The exporter builds an SGL without struct pages by map type; the umem trims it; a stuck kernel fence gives -ETIMEDOUT; turning memory decode off revokes (move_notify), after which map and attach give -ENODEV until decode is on again.',
    processes: [{ name: 'app' }],
    operations: nw
      ? [
          { op: 'vfio_export_dmabuf', args: { dev: 'gpu0', bar: 1, len: '2M', as: 'vbar' } },
          {
            op: 'ib_umem_dmabuf_get',
            args: { dev: 'nvme0', dmabuf: 'vbar', offset: '0x1000', size: '0x2000', as: 'mr' },
          },
          { op: 'ib_umem_dmabuf_map_pages', args: { mr: 'mr' }, expect: { errno: 'EINVAL' } },
        ]
      : [
          { op: 'vfio_export_dmabuf', args: { dev: 'gpu0', bar: 1, len: '2M', as: 'vbar' } },
          {
            op: 'ib_umem_dmabuf_get',
            args: { dev: 'nic0', dmabuf: 'vbar', offset: '0x1000', size: '0x2000', ops: 'none', as: 'bad' },
            expect: { errno: 'EINVAL' },
          },
          {
            op: 'ib_umem_dmabuf_get',
            args: { dev: 'nic0', dmabuf: 'vbar', offset: '0x1FF000', size: '0x2000', as: 'past' },
            expect: { errno: 'EINVAL' },
          },
          {
            op: 'ib_umem_dmabuf_get',
            args: { dev: 'nic0', dmabuf: 'vbar', offset: '0x1000', size: '0x2000', as: 'mr' },
            expect: { errno: null, state: [{ attachment: 'mr:attach', peer2peer: true }] },
          },
          {
            op: 'ib_umem_dmabuf_map_pages',
            args: { mr: 'mr' },
            expect: {
              errno: null,
              state: [
                { sgt: 'mr:sgt', origNents: 0, nents: 1 },
                {
                  sg: 'mr:sgt',
                  entry: 0,
                  busAddress: !iommu,
                  dmaLength: '0x2000',
                  ...(iommu ? {} : { dmaAddress: '0x3800001000' }),
                },
              ],
            },
          },
          {
            op: 'vfio_pci_mem_enable',
            args: { dev: 'gpu0', on: false },
            narration: 'Memory decode off: revoke via move_notify.',
            expect: {
              state: [
                { dmabuf: 'vbar', revoked: true },
                { attachment: 'mr:attach', moveNotifies: 1 },
                { sgt: 'mr:sgt', exists: false },
              ],
            },
          },
          { op: 'ib_umem_dmabuf_map_pages', args: { mr: 'mr' }, expect: { errno: 'ENODEV' } },
          {
            op: 'ib_umem_dmabuf_get',
            args: { dev: 'nic0', dmabuf: 'vbar', offset: '0', size: '0x1000', as: 'again' },
            expect: { errno: 'ENODEV' },
          },
          { op: 'vfio_pci_mem_enable', args: { dev: 'gpu0', on: true } },
          { op: 'ib_umem_dmabuf_map_pages', args: { mr: 'mr' }, expect: { errno: null } },
          { op: 'dma_resv_add_fence', args: { dmabuf: 'vbar', signaled: false } },
          {
            op: 'ib_umem_dmabuf_map_pages',
            args: { mr: 'mr' },
            narration: 'dma_resv_wait_timeout() returns 0: -ETIMEDOUT.',
            expect: { errno: 'ETIMEDOUT' },
          },
        ],
  }
}

/** D01: a BAR mapped lazily (vfio_pci_core_mmap style), PTEs filled by vmf_insert_pfn() on fault. */
function d01(): Scenario {
  return {
    name: 'D01 lazy vmf_insert_pfn faults on a BAR mapping (v6.12)',
    era: 'v6.12',
    narration:
      "The other way to map a BAR (docs/kernel/mm-mmap.md): the driver's mmap only sets VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP and its vm_ops, as vfio_pci_core_mmap does; the first CPU access faults, and the ->fault() handler calls vmf_insert_pfn(), which writes a special PTE and returns VM_FAULT_NOPAGE. Before and after the fault, GUP refuses the VMA in check_vma_flags() (-EFAULT) and hmm_range_fault() with HMM_PFN_REQ_FAULT gives -EFAULT: lazily or eagerly mapped, a pfnmap has no struct page.",
    processes: [{ name: 'app' }],
    operations: [
      {
        op: 'mmap_bar',
        args: { dev: 'gpu0', bar: 1, len: '2M', lazy: true, private: true, as: 'cow' },
        narration:
          'MAP_PRIVATE: the driver refuses (vfio: VM_SHARED is required), because a COW pfnmap would hit a BUG_ON in vmf_insert_pfn_prot(). The VMA is freed again.',
        expect: { errno: 'EINVAL', state: [{ vma: 'cow', exists: false }] },
      },
      {
        op: 'mmap_bar',
        args: { dev: 'gpu0', bar: 1, len: '2M', lazy: true, as: 'bar' },
        narration: 'MAP_SHARED, 2 MiB of BAR1: flags and vm_ops are set, and no PTE is written.',
        expect: {
          errno: null,
          state: [
            {
              vma: 'bar',
              flagsContain: [...BAR_FLAGS],
              flagsExclude: 'VM_MIXEDMAP',
              vmOps: 'nvidia_pfn_vm_ops',
              prot: 'pgprot_noncached',
              pgoff: GPU0_BAR1_PFN,
            },
            { pte: 'bar', kind: 'none' },
            { pte: 'bar', offset: 511, kind: 'none' },
          ],
        },
      },
      setup.gup('pin_user_pages_fast', 'bar', 512, ['FOLL_WRITE', 'FOLL_LONGTERM'], {
        narration:
          'No PTE yet, so GUP-fast finds nothing and falls back to the slow path; it stops at check_vma_flags() before it would fault: -EFAULT.',
        expect: { errno: 'EFAULT', ret: -14, state: [{ mm: 'app', pinnedVm: 0 }] },
      }),
      setup.touch('bar', '8K', {
        narration:
          "The CPU writes the first two pages: handle_mm_fault() -> do_fault() -> the driver's ->fault() -> vmf_insert_pfn(): special PTEs, VM_FAULT_NOPAGE.",
        expect: {
          ret: 0,
          state: [
            { pte: 'bar', kind: 'present', special: true },
            { pte: 'bar', offset: 1, kind: 'present', special: true },
            { pte: 'bar', offset: 2, kind: 'none' },
          ],
        },
      }),
      {
        op: 'touch',
        args: { buf: 'bar', offset: 8192, len: '4K' },
        narration: 'The next page faults on its own; the first two are already mapped.',
        expect: { ret: 0, state: [{ pte: 'bar', offset: 2, kind: 'present', special: true }] },
      },
      setup.gup('pin_user_pages_fast', 'bar', 2, ['FOLL_WRITE'], {
        narration:
          'Now the PTEs exist, but they are special: GUP-fast bails and the slow path refuses the VM_IO|VM_PFNMAP VMA: -EFAULT.',
        expect: { errno: 'EFAULT' },
      }),
      {
        op: 'hmm_range_fault',
        args: { buf: 'bar', npages: 4, fault: true },
        narration: 'hmm_vma_walk_test() skips VM_IO|VM_PFNMAP; HMM_PFN_REQ_FAULT asks for a fault: -EFAULT.',
        expect: { errno: 'EFAULT' },
      },
      {
        op: 'hmm_range_fault',
        args: { buf: 'bar', npages: 4, fault: false, as: 'snap' },
        narration:
          'A snapshot without REQ_FAULT returns 0 with HMM_PFN_ERROR entries, even for the populated pages.',
        expect: { ret: 0, state: [{ hmm: 'snap', page: 0, flags: 'HMM_PFN_ERROR', pfn: 'none' }] },
      },
      setup.munmap(
        'bar',
        {},
        {
          narration: 'zap_page_range() drops the special PTEs; there is no struct page to put.',
          expect: { ret: 0, state: [{ vma: 'bar', exists: false }] },
        },
      ),
    ],
  }
}

/**
 * E2: one small workload (a fresh anonymous buffer: GUP with a fault, a pin, an O_DIRECT read, an RDMA
 * MR) in every era, so each era's GUP call path is on file: the names it shows are checked against
 * the era table (tests/scenarios/names-in-era.test.ts). Issue 16 corrections 2–5 read here.
 */
function e2(era: Era): Scenario {
  const hasPin = has(era, 'pin_user_pages_fast')
  return {
    name: `E2 the GUP call path of ${era}`,
    era,
    narration:
      'The same four operations in every era, each through that era\'s own functions (docs/kernel/eras.md): get_user_pages_fast() takes a write bool before 5.2 (73b0140bf0fe); pin_user_pages*() and FOLL_PIN are 5.6 (eddb1c228f79); GUP-fast is internal_get_user_pages_fast() until 6.9 and gup_fast_fallback() -> gup_fast() -> gup_fast_pgd_range() from 6.10 (23babe1934d7); the slow path grabs with get_page() (5.0), try_get_page() (5.1+), try_grab_page() (5.7–6.9; 6.4-era tree index 13006298: it is the one that returns -EREMOTEIO for a P2PDMA page) and try_grab_folio() (6.10+, f442fa614137); O_DIRECT takes pages with iov_iter_get_pages() (≤5.19), iov_iter_get_pages2() (6.0–6.1), iov_iter_get_pages(…, gup_flags) (6.2, Logan Gunthorpe\'s block patch 5e3e3f2e15df), the same with ITER_ALLOW_P2PDMA (6.3–6.4) and iov_iter_extract_pages() with FOLL_PIN (6.5+, "Block updates for 6.5").',
    processes: [{ name: 'app' }],
    operations: [
      {
        op: 'mmap_anon',
        args: { len: '16K', as: 'buf' },
        narration: 'Four anonymous pages, not faulted in yet.',
      },
      {
        op: 'get_user_pages_fast',
        args: { buf: 'buf', npages: 4, flags: ['FOLL_WRITE'], as: 'g' },
        narration:
          "GUP-fast finds pte_none and gives up; the slow path faults the pages in (faultin_page) and grabs them with the era's slow-path helper.",
        expect: { ret: 4, state: [{ pages: 'g', ram: true }] },
      },
      {
        op: 'unpin_user_pages',
        args: { pages: 'g' },
        narration: 'FOLL_GET references go back with put_page().',
      },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'buf', npages: 4, flags: ['FOLL_WRITE', 'FOLL_LONGTERM'], as: 'p' },
        narration: hasPin
          ? "The pages are present now: GUP-fast pins all four with the era's GUP-fast grab (try_grab_compound_head 5.7–5.17, try_grab_folio 5.18–6.9, try_grab_folio_fast 6.10+)."
          : `pin_user_pages_fast() is 5.6: ${era} has no pins, only FOLL_GET references.`,
        ...(hasPin ? { expect: { ret: 4, state: [{ pages: 'p', pinned: true }] } } : {}),
      },
      ...(hasPin ? [{ op: 'unpin_user_pages' as const, args: { pages: 'p' } }] : []),
      setup.pread('nvme2n1', 'buf', '16K', {
        narration:
          "An O_DIRECT read into the buffer: __bio_iov_iter_get_pages() and the era's iov_iter getter.",
        expect: { ret: 16384 },
      }),
      setup.regMr('nic0', 'buf', '16K', ['IBV_ACCESS_LOCAL_WRITE'], 'mr', {
        narration:
          'ib_umem_get(): get_user_pages_longterm() before 5.2, get_user_pages(FOLL_LONGTERM) 5.2–5.5 (932f4a630a69), pin_user_pages_fast(FOLL_LONGTERM) from 5.6.',
        expect: { errno: null, state: [{ umem: 'mr', exists: true }] },
      }),
      { op: 'ibv_dereg_mr', args: { dev: 'nic0', mr: 'mr' } },
    ],
  }
}

export const CASES: CaseFile[] = [
  caseFile('C01-same-switch-bus-address', 'C01: same-switch P2P with bus addresses, 6.x and v5.0', [
    c01('v6.12'),
    c01('v5.0'),
  ]),
  caseFile(
    'C01b-bus-offset-sign',
    'C01 with a 4 GiB bus offset: the v5.x sign bug',
    [c01offset('v6.12'), c01offset('v5.0')],
    { machine: { ...t1({ busOffset: 0x1_0000_0000 }), name: 'T1 (bus offset 4 GiB)' } },
  ),
  caseFile(
    'C04-iommu-acs-redir-disabled',
    'C04: IOMMU on, ACS redirect disabled on the switch ports',
    [c04(true), c04(false)],
    { settings: { iommu: true } },
  ),
  caseFile(
    'C05-thru-host-bridge-iommu',
    'C05: across root ports, THRU_HOST_BRIDGE through the IOMMU',
    [c05()],
    { settings: { iommu: true } },
  ),
  caseFile(
    'C06-amd-zen-dma-direct',
    'C06: AMD Zen with the IOMMU off, THRU_HOST_BRIDGE through dma-direct',
    [c06('v6.12'), c06('v6.16')],
    { machine: t1amd(0x1480, 0x19) },
  ),
  caseFile(
    'C07-not-whitelisted',
    'C07: across root ports on a host bridge that is not whitelisted',
    [c07('v6.12'), c07('next'), c07read('v6.12'), c07read('v7.2')],
    { machine: t1nw() },
  ),
  caseFile('C13-provider-is-client', 'C13: the provider is also the client', [c13()]),
  caseFile(
    'E2-gup-call-path-per-era',
    'E2: the GUP call path of every era (names, grabs, O_DIRECT getters, RDMA pins)',
    ERAS.map(e2),
  ),
  caseFile('E1-sgl-pgmap-merge-rule', 'E1: scatterlists never merge pages of different pagemaps (6.2+)', [
    e1(),
  ]),
  caseFile('C19-add-resource-checks', 'C19: pci_p2pdma_add_resource argument checks', [c19()]),
  caseFile('C22-gup-on-remap-pfn-range', 'C22: GUP on a BAR mapped with remap_pfn_range', [
    c22('v6.12'),
    c22('v5.0'),
  ]),
  caseFile(
    'D01-lazy-vmf-insert-pfn',
    'D01: lazy vmf_insert_pfn() faults on a BAR mapping (vfio_pci_core_mmap style)',
    [d01()],
  ),
  caseFile('C23-sysfs-resource-mmap', 'C23: mmap of /sys/bus/pci/devices/*/resourceN', [
    c23('v6.12'),
    c23('v5.0'),
  ]),
  caseFile('C24-p2pmem-allocate-odirect', 'C24: p2pmem allocate mapping plus O_DIRECT', [
    c24('v6.12'),
    c24('v6.2'),
    c24('v7.2'),
    c24old(),
  ]),
  caseFile('C25-foll-pci-p2pdma', 'C25: pinning P2PDMA pages with and without FOLL_PCI_P2PDMA', [
    c25('v6.12'),
    c25('v6.2'),
  ]),
  caseFile('C26-rdma-mr-on-p2pmem', 'C26: RDMA MR on a p2pmem mapping', [c26('v6.12'), c26('v6.2')]),
  caseFile('C28-gup-device-private', 'C28: GUP on device-private memory', [c28()]),
  caseFile('C29-longterm-coherent-fsdax', 'C29: FOLL_LONGTERM on device-coherent memory and fsdax', [c29()]),
  caseFile('C31-hmm-on-pfnmap', 'C31: hmm_range_fault on a pfnmap (BAR) mapping, per era', [
    c31('v5.0'),
    c31('v5.0-rfc'),
    c31('v5.2'),
    c31('v5.4'),
    c31('v6.12'),
  ]),
  caseFile(
    'C32-hmm-on-p2pmem',
    'C32: hmm_range_fault on a VM_MIXEDMAP p2pmem mapping, then hmm_dma_map_pfn',
    [c32('v5.4', false), c32('v6.12', false), c32('v6.16', false), c32('v6.16', true)],
  ),
  caseFile('C32b-hmm-dma-map-not-supported', 'C32: hmm_dma_map_pfn NOT_SUPPORTED on T1-nw', [c32nw()], {
    machine: t1nw(),
  }),
  caseFile('C34-odp-invalidation', 'C34: munmap of part of an ODP MR; a GPU mirror', [
    c34('v6.12'),
    c34('v6.16'),
    c34mirror(),
  ]),
  caseFile('C35-rfc-p2p-map', 'C35: the RFC p2p_map path and the device-memory fallback', [
    c35(),
    c35iommu(),
  ]),
  caseFile('C36-rfc-pci-test-p2p', 'C36: the RFC pci_test_p2p as posted', [c36('as-posted')]),
  caseFile(
    'C36b-rfc-pci-test-p2p-as-intended',
    'C36: the RFC pci_test_p2p as intended',
    [c36('as-intended')],
    { settings: { rfcTestP2p: 'as-intended' } },
  ),
  caseFile('C39-dmabuf-no-peer2peer', 'C39: dma-buf importers with allow_peer2peer = false', [c39()]),
  caseFile('C40-vfio-dmabuf-rdma', 'C40: VFIO BAR dma-buf imported as an RDMA MR', [c40(false), c40(true)]),
  caseFile('C40b-vfio-dmabuf-not-supported', 'C40: VFIO dma-buf, NOT_SUPPORTED path', [c40(false, true)], {
    machine: t1nw(),
  }),
  ...FIDELITY_CASES,
]

/** Every scenario of the cases (the built-in library retells some of them). */
export function caseScenario(name: string): Scenario {
  for (const c of CASES) for (const s of c.scenarios) if (s.name === name) return s
  throw new Error(`no case scenario '${name}'`)
}

/** The lab file of a case. */
export function labFileOf(c: CaseFile): LabFile {
  return {
    format: LAB_FORMAT,
    schemaVersion: LAB_SCHEMA_VERSION,
    name: c.title,
    description:
      c.description ??
      `Kernel case ${c.file.split('-')[0]} from docs/kernel/cases.md, as runnable scenarios (lab run ${c.file}.p2plab).`,
    machine: c.machine,
    settings: { ...DEFAULT_SETTINGS, ...(c.settings ?? {}) },
    scenarios: c.scenarios,
  }
}
