/**
 * The built-in scenario library: narrated scenarios that retell the January 2019 debate ("[RFC PATCH
 * 3/5] mm/vma: add support for peer to peer to device vma") and what landed instead, written for a
 * workshop. Each runs on the default lab (two-socket Xeon: GPU0, GPU1, NIC0 and nvme1 under socket 0's
 * PEX switch; nvme0 on its own root port; AHCI sda) and pins the era where the story differs.
 *
 * Expectations here are the lesson's claims; the golden traces (tests/scenarios/golden/library-*.trace.txt)
 * record every step. Sources: docs/kernel/rfc-2019.md (the thread), docs/kernel/gup.md,
 * docs/kernel/scatterlist.md and dma.md, docs/kernel/hmm.md and rdma.md (HMM, ODP), docs/kernel/dmabuf.md;
 * cases C22–C40 of docs/kernel/cases.md.
 */
import type { Scenario } from './schema'
import * as setup from './setups'

const BAR_FLAGS = ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'] as const

function barThenGup(era: 'v5.0' | 'v6.12'): Scenario {
  return {
    name: `L01 The premise: a BAR mapped with remap_pfn_range, then GUP (${era})`,
    era,
    narration:
      "Jérôme's cover letter starts from the everyday way to give user space a BAR: the driver's mmap calls remap_pfn_range(). Christoph Hellwig: \"any operation that expects a page structure, which is at least everything using get_user_pages won't work. So you can't do direct I/O to your remapped BAR, you can't create MRs on it.\" This scenario shows exactly that, and that it is still true today.",
    operations: [
      {
        op: 'mmap_bar',
        args: { dev: 'gpu0', bar: 1, len: '2M', as: 'bar' },
        narration:
          'The GPU driver maps 2 MiB of BAR1. Watch vm_flags gain VM_IO|VM_PFNMAP and the PTEs become special: no struct page stands behind them.',
        expect: { errno: null, state: [{ vma: 'bar', flagsContain: [...BAR_FLAGS] }] },
      },
      era === 'v5.0'
        ? {
            op: 'get_user_pages_fast',
            args: { buf: 'bar', npages: 512, flags: ['FOLL_WRITE'] },
            narration:
              "A driver takes the pages the 2019 way: get_user_pages_fast(start, 512, write = 1, pages) (pin_user_pages*() and FOLL_PIN are 5.6, FOLL_LONGTERM 5.2). GUP-fast (gup_pgd_range) gives up on the special PTE, and the slow path's check_vma_flags() refuses the VMA outright: -EFAULT.",
            expect: { errno: 'EFAULT' },
          }
        : {
            op: 'pin_user_pages_fast',
            args: { buf: 'bar', npages: 512, flags: ['FOLL_WRITE', 'FOLL_LONGTERM'] },
            ...setup.failsWith(
              'EFAULT',
              "An RDMA driver would pin the buffer. GUP-fast (gup_fast(), the 6.10 name) gives up on the special PTE, and the slow path's check_vma_flags() refuses the VMA outright: -EFAULT.",
            ),
          },
      setup.regMr('nic0', 'bar', '2M', ['IBV_ACCESS_LOCAL_WRITE'], 'mr', {
        narration:
          era === 'v5.0'
            ? '"You can\'t create MRs on it": ib_umem_get() charges pinned_vm, get_user_pages_longterm() fails, and pinned_vm is rolled back.'
            : '"You can\'t create MRs on it": ib_umem_get() charges pinned_vm, fails to pin, and rolls pinned_vm back.',
        expect: { errno: 'EFAULT', state: [{ umem: 'mr', exists: false }] },
      }),
      setup.pread(
        'nvme1n1',
        'bar',
        '2M',
        setup.failsWith(
          'EFAULT',
          '"You can\'t do direct I/O to your remapped BAR": the block layer cannot pin it either.',
        ),
      ),
    ],
  }
}

function iomemAnnotation(): Scenario {
  return {
    name: 'L02 The IOMEM annotation problem: P2PDMA pages in 2019 (v5.4)',
    era: 'v5.4',
    narration:
      'Jason Gunthorpe: "Remember, the long discussion we had about how to get the IOMEM annotation into SGL? That is a necessary pre-condition to doing anything with GUP in DMA using drivers." In the 5.x kernels a P2PDMA page in an SGL looks like any other page: dma_map_sg() maps its CPU physical address, and only a driver that knows to call pci_p2pdma_map_sg() gets bus addresses. Nothing in the SGL says which entries are I/O memory.',
    operations: [
      setup.addResource(
        'gpu0',
        1,
        { size: '64M' },
        {
          narration:
            'GPU0 offers 64 MiB of BAR1 as p2pmem: ZONE_DEVICE pages with struct page (MEMORY_DEVICE_PCI_P2PDMA).',
          expect: { errno: null },
        },
      ),
      setup.distance('gpu0', 'nic0', {
        narration: 'The orchestrating driver checks the path first, which fills the map-type cache.',
      }),
      setup.allocSgl('gpu0', '64K', 'sgl', {
        narration:
          'A kernel user (think nvmet) allocates p2pmem straight into an SGL; user space has no way to get these pages yet.',
        expect: { errno: null },
      }),
      {
        op: 'dma_map_sg',
        args: { dev: 'nic0', sgt: 'sgl' },
        narration:
          'The generic dma_map_sg() knows nothing of P2PDMA: the entry gets the CPU physical address, with no flag saying it is I/O memory. That is the missing annotation.',
        expect: { state: [{ sg: 'sgl', entry: 0, busAddress: false, p2pdma: true }] },
      },
    ],
  }
}

function busAddressFlag(iommu: boolean): Scenario {
  return {
    name: `L03 Today's answer to the annotation: SG_DMA_BUS_ADDRESS (v6.12, IOMMU ${iommu ? 'on' : 'off'})`,
    era: 'v6.12',
    settings: { iommu },
    narration:
      'From v6.0 dma_map_sgtable() recognises P2PDMA pages itself: pci_p2pdma_map_segment() classifies the path, and a switch-local peer gets its PCI bus address with the SG_DMA_BUS_ADDRESS flag, so unmap knows not to touch the IOMMU. With ACS redirect (IOMMU on) the same peer goes through the host bridge and gets an IOVA.',
    operations: [
      setup.addResource('gpu0', 1, { size: '64M' }),
      setup.allocSgl('gpu0', '64K', 'sgl'),
      {
        op: 'dma_map_sgtable',
        args: { dev: 'nic0', sgt: 'sgl' },
        narration: iommu
          ? 'ACS redirect on the switch ports sends the TLPs up to the root complex: THRU_HOST_BRIDGE on this whitelisted Intel host, mapped like RAM through the IOMMU.'
          : 'Same switch, no ACS redirect: BUS_ADDR. The entry carries the bus address and the flag.',
        expect: { errno: null, state: [{ sg: 'sgl', entry: 0, busAddress: !iommu }] },
      },
    ],
  }
}

function follP2pdma(): Scenario {
  return {
    name: 'L04 P2PDMA pages in user space, with and without FOLL_PCI_P2PDMA (v6.12)',
    era: 'v6.12',
    narration:
      'Logan Gunthorpe wanted to keep "the GUP->SGL->DMA flow ... Even if we need a special GUP for special pages". That is what landed in 6.2: p2pmem/allocate maps P2PDMA pages (VM_MIXEDMAP, vm_insert_page), GUP refuses them unless the caller passes FOLL_PCI_P2PDMA, and only the block layer with a P2PDMA-capable queue does. O_DIRECT to NVMe works; to AHCI, and an ordinary RDMA MR, do not.',
    operations: [
      ...setup.publishedP2pmem('gpu0', 1, '64M'),
      setup.mmapP2pmem('gpu0', '2M', 'buf', {
        narration:
          'mmap of /sys/bus/pci/devices/…/p2pmem/allocate: real struct pages, so VM_MIXEDMAP rather than VM_PFNMAP.',
        expect: {
          errno: null,
          state: [{ vma: 'buf', flagsContain: 'VM_MIXEDMAP', flagsExclude: 'VM_PFNMAP' }],
        },
      }),
      setup.gup(
        'pin_user_pages_fast',
        'buf',
        4,
        ['FOLL_WRITE'],
        setup.failsWith(
          'EREMOTEIO',
          'A caller that did not promise to handle PCI memory: try_grab_folio() says -EREMOTEIO.',
        ),
      ),
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'buf', npages: 4, flags: ['FOLL_WRITE', 'FOLL_PCI_P2PDMA'], as: 'pinned' },
        narration: 'With the flag the pages are pinned like any others.',
        expect: { ret: 4, state: [{ pages: 'pinned', p2pdma: true, pinned: true }] },
      },
      setup.pread(
        'nvme1n1',
        'buf',
        '2M',
        setup.returns(
          2097152,
          'nvme1 sits under the same switch and its queue supports P2PDMA: the block layer passes the flag, the PRPs carry bus addresses.',
        ),
      ),
      setup.pread(
        'sda',
        'buf',
        '2M',
        setup.failsWith('EREMOTEIO', 'The AHCI queue does not support P2PDMA, so no flag, so -EREMOTEIO.'),
      ),
      setup.regMr(
        'nic0',
        'buf',
        '2M',
        ['IBV_ACCESS_LOCAL_WRITE'],
        'mr',
        setup.failsWith(
          'EREMOTEIO',
          'ib_umem_get() pins FOLL_LONGTERM without FOLL_PCI_P2PDMA: an ordinary MR on p2pmem still fails.',
        ),
      ),
    ],
  }
}

function rfcSpecialVma(): Scenario {
  return {
    name: 'L05 The RFC special VMA: p2p_map instead of struct page (v5.0-rfc)',
    era: 'v5.0-rfc',
    narration:
      'Jérôme\'s answer: no struct page at all. The exporter\'s mmap makes a VM_IO|VM_PFNMAP VMA with vm_ops->p2p_map, and an importer that goes through hmm_range_dma_map() asks the exporter for DMA addresses. Jason liked that it "avoids" struct page; Logan found p2p_map "never" set by any posted driver and called the approach "the same bait and switch". Step through the path the RFC added, then the ways it fails.',
    operations: [
      {
        op: 'mmap_rfc_device',
        args: { dev: 'gpu0', bar: 1, len: '2M', p2p: 'map', as: 'sv' },
        narration:
          'The exporter sets vm_ops with p2p_map/p2p_unmap and writes no CPU PTEs: "the memory might not even be map to CPU".',
        expect: {
          errno: null,
          state: [
            { vma: 'sv', flagsContain: ['VM_IO', 'VM_PFNMAP'] },
            { pte: 'sv', kind: 'none' },
          ],
        },
      },
      {
        op: 'hmm_range_dma_map',
        args: { dev: 'nic0', buf: 'sv', npages: 512, as: 'r' },
        narration:
          '_hmm_range_fault(range, block, device, daddrs) sees a device VMA and calls p2p_map(): every entry becomes HMM_PFN_P2P.',
        expect: { ret: 512, state: [{ hmm: 'r', page: 0, flags: 'HMM_PFN_P2P' }] },
      },
      {
        op: 'hmm_range_fault',
        args: { buf: 'sv', npages: 512, fault: true },
        ...setup.failsWith(
          'EFAULT',
          'The public hmm_range_fault() passes device = NULL: a mirror that is not the importer gets -EFAULT.',
        ),
      },
      setup.gup(
        'get_user_pages_fast',
        'sv',
        1,
        ['FOLL_WRITE'],
        setup.failsWith(
          'EFAULT',
          'And GUP (get_user_pages_fast(), the 2019 call), O_DIRECT, ordinary MRs? Still -EFAULT: the RFC replaced GUP for HMM users only (Jason: "I see Jerome solving the GUP problem by replacing GUP entirely").',
        ),
      ),
      setup.munmap(
        'sv',
        {},
        {
          narration:
            '"IMPORTER MUST OBEY mmu_notifier NOTIFICATION AND CALL p2p_unmap()": the invalidation reaches the importer, which calls hmm_range_dma_unmap() -> p2p_unmap().',
          expect: { errno: null },
        },
      ),
    ],
  }
}

function rfcTestP2p(): Scenario {
  return {
    name: 'L06 RFC 1/5: pci_test_p2p() as posted (v5.0-rfc)',
    era: 'v5.0-rfc',
    narration:
      'Logan: "This function only ever returns false". Greg KH: "I guess it was nevr actually tested :(". Jérôme: "I fixed it on the test rig and forgot to patch my local git tree." Switch settings.rfcTestP2p to as-intended to see the answer it meant to give.',
    operations: [
      {
        op: 'device_test_p2p',
        args: { a: 'gpu0', b: 'nic0' },
        ...setup.returns(
          0,
          'Same switch: upstream_bridge_distance() is 4, ret = true … and then `return false;`.',
        ),
      },
      {
        op: 'device_test_p2p',
        args: { a: 'gpu0', b: 'nvme0' },
        ...setup.returns(0, 'Across root ports the v5.0 walk gives -1: false even as intended.'),
      },
    ],
  }
}

function rfcFallback(): Scenario {
  return {
    name: 'L07 RFC 4/5: device-private memory without p2p_map falls back to RAM (v5.0-rfc)',
    era: 'v5.0-rfc',
    narration:
      "The other half of the RFC: HMM device memory inside an ordinary process VMA. If the device driver's hmm_devmem_ops have no p2p_map, hmm_range_dma_map() sets range->default_flags |= flags[HMM_PFN_DEVICE_PRIVATE] and goes again: the pages fault back to system RAM and are mapped with dma_map_page().",
    operations: [
      setup.devmemAdd('gpu0', 'private', '64M', {
        narration: 'GPU0 VRAM as DEVICE_PRIVATE memory (hmm_devmem).',
      }),
      setup.mmapAnon('16K', 'a'),
      setup.touch('a', '16K', { narration: 'The program writes its buffer: ordinary RAM pages.' }),
      setup.migrateToDevice('a', 4, 'gpu0', {
        narration:
          'The GPU driver migrates the buffer into VRAM: the CPU PTEs become device-private entries.',
        expect: { ret: 4, state: [{ pte: 'a', kind: 'device_private' }] },
      }),
      {
        op: 'hmm_range_dma_map',
        args: { dev: 'nic0', buf: 'a', npages: 4, as: 'r' },
        narration: 'NIC0 wants DMA addresses: no p2p_map, so back to RAM, then dma_map_page().',
        expect: {
          ret: 4,
          state: [
            { hmm: 'r', page: 0, pfn: 'ram' },
            { pte: 'a', kind: 'present', type: 'ram' },
          ],
        },
      },
    ],
  }
}

function hmmOnBar(era: 'v5.0' | 'v6.12'): Scenario {
  return {
    name: `L08 HMM meets a BAR mapping (${era})`,
    era,
    narration:
      'hmm_range_fault() mirrors a process\'s page table into a device. On a PFN map there is nothing to mirror: in 2019 every entry became HMM_PFN_SPECIAL with -EINVAL ("should not be mirrored by a device"); today a faulting request gets -EFAULT and a snapshot gets HMM_PFN_ERROR entries.',
    operations: [
      { op: 'mmap_bar', args: { dev: 'gpu0', bar: 1, len: '2M', as: 'bar' } },
      era === 'v5.0'
        ? {
            op: 'hmm_range_fault',
            args: { buf: 'bar', npages: 512, fault: true, dev: 'nic0', as: 'r' },
            narration: 'hmm_vma_fault(): VM_SPECIAL, so hmm_pfns_special() and -EINVAL.',
            expect: { errno: 'EINVAL', state: [{ hmm: 'r', page: 0, flags: 'HMM_PFN_SPECIAL' }] },
          }
        : {
            op: 'hmm_range_fault',
            args: { buf: 'bar', npages: 512, fault: false, dev: 'nic0', as: 'r' },
            narration: 'A snapshot walks past the VM_IO|VM_PFNMAP VMA: 0, every entry HMM_PFN_ERROR.',
            expect: { ret: 0, state: [{ hmm: 'r', page: 0, flags: 'HMM_PFN_ERROR' }] },
          },
    ],
  }
}

function hmmMirror(): Scenario {
  return {
    name: 'L09 An HMM mirror with device-private memory (v6.12)',
    era: 'v6.12',
    narration:
      "What HMM became: a GPU mirrors a process's address space, migrates hot pages into its own memory (DEVICE_PRIVATE: the CPU cannot touch them), and device page faults go through hmm_range_fault() with dev_private_owner, all kept coherent by mmu interval notifiers. When the CPU or GUP touches a migrated page, migrate_to_ram brings it back.",
    operations: [
      ...setup.devmemAndBuffer({ dev: 'gpu0', type: 'private', size: '64M' }, { as: 'b', len: '64K' }),
      setup.mirrorRegister('gpu0', 'b', 'gpu', {
        narration: "An interval notifier over the buffer: the mirror's contract with the mm.",
      }),
      setup.migrateToDevice('b', 4, 'gpu0', {
        narration:
          "migrate_vma_setup() raises MMU_NOTIFY_MIGRATE with owner gpu0; the GPU's own mirror skips it.",
        expect: { ret: 4, state: [{ pte: 'b', kind: 'device_private' }] },
      }),
      {
        op: 'mirror_fault',
        args: { mirror: 'gpu', buf: 'b', npages: 16, write: true, as: 'g' },
        narration:
          'The GPU faults: pages in its own memory come back VALID with their device pfn, RAM pages as usual.',
        expect: {
          state: [
            { hmm: 'g', page: 0, pfn: 'device_private' },
            { hmm: 'g', page: 8, pfn: 'ram' },
          ],
        },
      },
      {
        op: 'touch',
        args: { buf: 'b', len: '4K' },
        narration:
          'The CPU reads page 0: do_swap_page() sees a device-private entry and calls migrate_to_ram.',
        expect: { state: [{ pte: 'b', kind: 'present', type: 'ram' }] },
      },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'b', offset: 4096, npages: 1, flags: ['FOLL_WRITE', 'FOLL_LONGTERM'], as: 'p' },
        narration:
          'NIC0 pins page 1, still in VRAM: GUP migrates it to RAM first. "device memory can never be pinned by a device driver nor through GUP" (hmm.rst).',
        expect: { ret: 1, state: [{ pages: 'p', ram: true }] },
      },
    ],
  }
}

function odp(): Scenario {
  return {
    name: 'L10 RDMA ODP: no pins, invalidation instead (v6.12)',
    era: 'v6.12',
    narration:
      'Jason in 2019: HMM mirror "obtains DMA addresses for user VMAs ... A driver using HMM mirror doesn\'t seem to call GUP at all". ODP MRs became exactly that (ODP over hmm_range_fault, ~5.10): nothing is pinned; the NIC faults pages in, and munmap, mprotect and exit invalidate its translations through the interval notifier.',
    operations: [
      ...setup.writtenBuffer('a', '1M'),
      setup.regMr('nic0', 'a', '1M', ['IBV_ACCESS_LOCAL_WRITE', 'IBV_ACCESS_ON_DEMAND'], 'mr', {
        narration: 'IBV_ACCESS_ON_DEMAND: ib_umem_odp_get() inserts a notifier; pinned_vm stays 0.',
        expect: { errno: null, state: [{ mm: 'app', pinnedVm: 0 }] },
      }),
      setup.odpRacedFirstWrite(
        'mr',
        '1M',
        'The first RDMA WRITE faults the MR in; an invalidation races it, so mmu_interval_read_retry() sends it round again.',
      ),
      setup.munmap(
        'a',
        { offset: 262144, len: '256K' },
        {
          narration:
            "munmap of the second quarter: MMU_NOTIFY_UNMAP, the NIC's translations go, the pages are dirtied and freed.",
          expect: { state: [{ devptes: 'mr', count: 192 }] },
        },
      ),
      setup.rdmaAccess(
        'mr',
        { offset: 307200, len: 4096 },
        setup.failsWith(
          'EFAULT',
          'A later access to the hole: hmm_range_fault() finds no VMA, -EFAULT, and the work request completes in error.',
        ),
      ),
      setup.exitReleasing('mr', {
        narration: 'Process exit: MMU_NOTIFY_RELEASE over the whole address space.',
      }),
    ],
  }
}

function dmabufGpu(): Scenario {
  return {
    name: 'L11 dma-buf, the answer that landed: a GPU exporter and its importers (v6.12)',
    era: 'v6.12',
    narration:
      'Christian König asked whether struct page should be split; instead, dma-buf grew allow_peer2peer (~5.8): the exporter hands out DMA addresses, importers that can cope with "peer resources without struct pages" say so, and move_notify lets the exporter move memory whenever it likes. A GPU keeps a BO in VRAM for peer-capable importers and moves it to GTT (system RAM) for the others.',
    operations: [
      {
        op: 'amdgpu_export_bo',
        args: { dev: 'gpu0', size: '2M', as: 'bo' },
        narration: 'A 2 MiB buffer object in VRAM, exported as a dma-buf.',
      },
      {
        op: 'dma_buf_attach',
        args: { dmabuf: 'bo', dev: 'nic0', dynamic: true, allowPeer2peer: true, as: 'nic' },
        narration:
          'NIC0 attaches with allow_peer2peer and move_notify; amdgpu checks pci_p2pdma_distance(): same switch, so peer2peer stays true.',
        expect: { state: [{ attachment: 'nic', peer2peer: true }] },
      },
      {
        op: 'dma_buf_map_attachment',
        args: { attachment: 'nic', as: 'vram' },
        narration: 'The VRAM SGL: dma_map_resource() of the aperture, sg_page NULL. No struct page anywhere.',
        expect: {
          state: [
            { dmabuf: 'bo', placement: 'VRAM' },
            { sgt: 'vram', nents: 1 },
          ],
        },
      },
      {
        op: 'dma_buf_attach',
        args: { dmabuf: 'bo', dev: 'nvme0', as: 'old' },
        narration:
          'A static importer (plain dma_buf_attach): peer2peer false. The BO is pinned, VRAM leaves the allowed domains, the BO moves to GTT, and NIC0 gets move_notify.',
        expect: {
          state: [
            { dmabuf: 'bo', placement: 'GTT' },
            { attachment: 'nic', moveNotifies: 1 },
          ],
        },
      },
      {
        op: 'dma_buf_map_attachment',
        args: { attachment: 'nic', as: 'gtt' },
        narration: 'NIC0 maps again and now gets system-memory DMA addresses.',
        expect: { state: [{ sg: 'gtt', entry: 0, busAddress: false }] },
      },
    ],
  }
}

function vfioDmabuf(): Scenario {
  return {
    name: 'L12 A BAR as a dma-buf: VFIO export to an RDMA MR, and revocation (next)',
    era: 'next',
    narration:
      "The newest trees close the circle the RFC opened: user space exports a vfio-pci device's BAR range as a dma-buf, and an RDMA NIC registers it as an MR through ib_umem_dmabuf_get(). There is still no struct page: dma_buf_phys_vec_to_sgt() builds DMA addresses by map type. The exporter can revoke at any time (memory decode off), the importer is told through move_notify, exactly the invalidation contract the RFC demanded.",
    operations: [
      {
        op: 'vfio_export_dmabuf',
        args: { dev: 'gpu0', bar: 1, len: '2M', as: 'vbar' },
        narration: 'VFIO_DEVICE_FEATURE_GET dma_buf over BAR1 [0, 2M).',
      },
      {
        op: 'dma_buf_attach',
        args: { dmabuf: 'vbar', dev: 'nvme0', as: 'static' },
        ...setup.failsWith(
          'EOPNOTSUPP',
          'An importer without allow_peer2peer cannot use memory without struct pages: -EOPNOTSUPP.',
        ),
      },
      {
        op: 'ib_umem_dmabuf_get',
        args: { dev: 'nic0', dmabuf: 'vbar', offset: '0x1000', size: '0x2000', as: 'mr' },
        narration: 'The RDMA importer attaches dynamically with allow_peer2peer and move_notify.',
        expect: { errno: null },
      },
      {
        op: 'ib_umem_dmabuf_map_pages',
        args: { mr: 'mr' },
        narration:
          'Same switch: BUS_ADDR, one entry with the bus address and no CPU list (orig_nents = 0), trimmed to the MR.',
        expect: {
          errno: null,
          state: [
            { sgt: 'mr:sgt', origNents: 0 },
            { sg: 'mr:sgt', entry: 0, busAddress: true, dmaLength: '0x2000' },
          ],
        },
      },
      {
        op: 'vfio_pci_mem_enable',
        args: { dev: 'gpu0', on: false },
        narration:
          'The user turns memory decode off: vfio_pci_dma_buf_move() revokes, move_notify tells the MR.',
        expect: { state: [{ dmabuf: 'vbar', revoked: true }] },
      },
      {
        op: 'ib_umem_dmabuf_map_pages',
        args: { mr: 'mr' },
        ...setup.failsWith('ENODEV', 'A revoked buffer cannot be mapped: -ENODEV until decode is back on.'),
      },
      { op: 'vfio_pci_mem_enable', args: { dev: 'gpu0', on: true } },
      { op: 'ib_umem_dmabuf_map_pages', args: { mr: 'mr' }, narration: 'Remapped.', expect: { errno: null } },
    ],
  }
}

function longterm(): Scenario {
  return {
    name: 'L13 Long-term pins and device memory: coherent migrates, fsdax refuses (v6.12)',
    era: 'v6.12',
    narration:
      'FOLL_LONGTERM says "this pin may last forever". Memory that must stay movable cannot accept that: DEVICE_COHERENT pages are migrated to RAM before the pin, and a MAP_SHARED fsdax file refuses it with -EOPNOTSUPP. The same rule later refused FOLL_LONGTERM|FOLL_PCI_P2PDMA: "We want to allow the pgmap to be hot-unplugged at all times".',
    operations: [
      ...setup.devmemAndBuffer({ dev: 'gpu0', type: 'coherent', size: '64M' }, { as: 'y', len: '4K' }),
      {
        op: 'migrate_to_device',
        args: { buf: 'y', npages: 1, dev: 'gpu0', type: 'coherent' },
        narration: 'The page now lives in coherent device memory, still mapped for the CPU.',
      },
      {
        op: 'pin_user_pages',
        args: { buf: 'y', npages: 1, flags: ['FOLL_LONGTERM'], as: 'p' },
        narration: 'folio_is_longterm_pinnable() is false: unpin, migrate, pin the RAM copy.',
        expect: { ret: 1, state: [{ pages: 'p', ram: true }] },
      },
      { op: 'devmem_add', args: { type: 'fsdax', size: '1G' } },
      { op: 'mmap_dax', args: { len: '2M', as: 'z' } },
      setup.gup(
        'pin_user_pages',
        'z',
        1,
        ['FOLL_LONGTERM', 'FOLL_WRITE'],
        setup.failsWith('EOPNOTSUPP', 'check_vma_flags(): FOLL_LONGTERM && vma_is_fsdax(): -EOPNOTSUPP.'),
      ),
    ],
  }
}

function hmmP2pdma(): Scenario {
  return {
    name: 'L14 HMM and P2PDMA pages: hmm_dma_map_pfn (v6.16)',
    era: 'v6.16',
    narration:
      'Where the two designs met: hmm_range_fault() walks VM_MIXEDMAP since 5.17, so an HMM user sees P2PDMA pages, and from ~6.16 hmm_dma_map_pfn() maps them by map type, with HMM_PFN_P2PDMA_BUS for a switch-local peer: struct pages for the mm, bus addresses for the device.',
    operations: [
      ...setup.publishedP2pmem('gpu0', 1, '64M'),
      setup.mmapP2pmem('gpu0', '64K', 'buf'),
      setup.hmmFaultP2pmem('buf', 16, 'nic0', 'r', 'Each entry: pfn | HMM_PFN_VALID | HMM_PFN_WRITE.'),
      {
        op: 'hmm_dma_map_pfn',
        args: { range: 'r', dev: 'nic0' },
        narration:
          'pci_p2pdma_state() says BUS_ADDR: HMM_PFN_P2PDMA_BUS | HMM_PFN_DMA_MAPPED and the bus address.',
        expect: {
          ret: 16,
          state: [{ hmm: 'r', page: 0, flags: ['HMM_PFN_P2PDMA_BUS', 'HMM_PFN_DMA_MAPPED'] }],
        },
      },
    ],
  }
}

/**
 * L15: GUP on a raw pfn in a VM_MIXEDMAP driver VMA (issue 16 correction 1): the 5.6–5.17 FOLL_PIN
 * hole and the 5.18+ -EEXIST. Sources: mm/gup.c follow_pfn_pte() and __get_user_pages() (5.10.13;
 * 6.1 :485-503, :1265-1276; 6.12 :780-798, :1512-1522), 7196040e19ad and 65462462ffb2 (5.18).
 */
function mixedRawPfn(era: 'v5.15' | 'v6.12'): Scenario {
  const old = era === 'v5.15'
  return {
    name: `L15 A raw BAR pfn among RAM pages: GUP on a VM_MIXEDMAP driver VMA (${era})`,
    era,
    narration:
      'The middle road of the 2019 thread: a driver that mixes RAM pages (vm_insert_page()) and raw BAR pfns (vmf_insert_mixed()) in one VMA. The VMA is VM_MIXEDMAP, not VM_PFNMAP, so check_vma_flags() lets GUP in, and the walk meets a PTE with no struct page: vm_normal_page() is NULL and follow_page_pte() calls follow_pfn_pte(). What the caller gets back changed in 5.18: compare the two eras of this scenario.',
    operations: [
      {
        op: 'mmap_mixed',
        args: { dev: 'gpu0', layout: ['ram', 'bar', 'ram'], as: 'obj' },
        narration:
          'RAM page, raw BAR pfn, RAM page. Watch the VMA get VM_MIXEDMAP and the middle PTE become special.',
        expect: { errno: null, state: [{ pte: 'obj', offset: 1, kind: 'present', special: true }] },
      },
      {
        op: 'pin_user_pages_fast',
        args: { buf: 'obj', offset: 4096, npages: 2, flags: ['FOLL_WRITE'], as: 'pinned' },
        narration: old
          ? 'follow_pfn_pte() refuses only FOLL_GET ("No page to get reference"); a pin gets -EEXIST, and __get_user_pages() treats that as "goto next_page": the raw pfn is counted, pages[0] is never written. The pin reports 2 pages, one of them garbage (fixed in 5.18 by 7196040e19ad, "mm: fix invalid page pointer returned with FOLL_PIN gups").'
          : 'Since 5.18 follow_pfn_pte() returns -EEXIST whatever the flags, and __get_user_pages() passes it on when pages[] is wanted ("if (pages) { ret = PTR_ERR(page); goto out; }", 65462462ffb2): the pin fails with -EEXIST and nothing stays pinned.',
        expect: old
          ? { errno: null, ret: 2 }
          : { errno: 'EEXIST', state: [{ pages: 'obj', offset: 2, pinned: false }] },
      },
    ],
  }
}

/**
 * L16: dma-direct in 6.16 (issue 16 correction 6): a25e7962db0d left a BUS_ADDR segment's DMA
 * length 0 (fixed by d0d08f4bd7f6, 6.18) and a THRU_HOST_BRIDGE segment's dma_address unwritten
 * (fixed by 560000d619ef; 7.2.13 kernel/dma/direct.c:465-510 has both fixes).
 */
function dmaDirect616(era: 'v6.16' | 'v7.2'): Scenario {
  const bug = era === 'v6.16'
  return {
    name: `L16 Why does this transfer move 0 bytes? dma-direct and P2PDMA segments (${era})`,
    era,
    narration:
      "No IOMMU: dma_map_sgtable() goes to dma_direct_map_sg(), which asks pci_p2pdma_state() about each P2PDMA segment. GPU0's p2pmem is BUS_ADDR for NIC0 below the same switch and THRU_HOST_BRIDGE for nvme0 on another root port. 6.16 rewrote these helpers (a25e7962db0d) and shipped two bugs in dma_direct_map_sg(); later kernels fixed both. Look at each segment's dma_address and DMA length after the map.",
    operations: [
      setup.addResource('gpu0', 1, { size: '2M' }),
      ...setup.mappedSgl('gpu0', '64K', 'toNic', 'nic0', {
        narration: bug
          ? 'BUS_ADDR: the bus address is written and the segment marked, then "continue" skips sg_dma_len(sg) = sg->length. The map succeeds, and a driver that programs its DMA engine from sg_dma_len() moves 0 bytes (fixed in 6.18 by d0d08f4bd7f6).'
          : 'BUS_ADDR: the bus address, the mark and, since d0d08f4bd7f6 (6.18), the DMA length too.',
        expect: {
          ret: 0,
          state: [{ sg: 'toNic', entry: 0, busAddress: true, dmaLength: bug ? 0 : 65536, length: 65536 }],
        },
      }),
      ...setup.mappedSgl('gpu0', '64K', 'toNvme', 'nvme0', {
        narration: bug
          ? 'THRU_HOST_BRIDGE: "break" leaves the switch before the CPU physical address is mapped, so only the length is set; sg->dma_address keeps whatever it held (fixed by 560000d619ef: break -> fallthrough).'
          : 'THRU_HOST_BRIDGE falls through to the ordinary mapping: the CPU physical address of the BAR, as for RAM.',
        expect: {
          ret: 0,
          state: [
            {
              sg: 'toNvme',
              entry: 0,
              busAddress: false,
              dmaLength: 65536,
              ...(bug ? { dmaAddress: null } : {}),
            },
          ],
        },
      }),
    ],
  }
}

/** The built-in library (a fresh array on every call). */
export function builtinScenarios(): Scenario[] {
  return [
    barThenGup('v5.0'),
    barThenGup('v6.12'),
    iomemAnnotation(),
    busAddressFlag(false),
    busAddressFlag(true),
    follP2pdma(),
    rfcSpecialVma(),
    rfcTestP2p(),
    rfcFallback(),
    hmmOnBar('v5.0'),
    hmmOnBar('v6.12'),
    hmmMirror(),
    odp(),
    dmabufGpu(),
    vfioDmabuf(),
    longterm(),
    hmmP2pdma(),
    mixedRawPfn('v5.15'),
    mixedRawPfn('v6.12'),
    dmaDirect616('v6.16'),
    dmaDirect616('v7.2'),
  ]
}
