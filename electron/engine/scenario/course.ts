/**
 * The built-in course, "The 2019 P2P debate, hands on": exercises over the scenario library
 * (./library.ts), in the order of the story — a BAR without struct page, what GUP does with it,
 * P2PDMA struct pages and the SGL annotation, map types / distance / ACS / the whitelist / the CPU
 * rule, the IOMMU, the RFC's special VMA, HMM and device-private memory, and what landed instead
 * (FOLL_PCI_P2PDMA, dma-buf with allow_peer2peer, VFIO dma-buf), with era questions along the way.
 *
 * It ships in the default lab, in the lab-file format: save the default lab to get a copy to adapt.
 * Every answer is checked against the engine in every era the exercise names (`lab run`, and
 * course.test.ts for the whole course): when an engine change breaks one, fix the exercise.
 * Every explanation names the kernel function and the source file behind the answer.
 */
import type { Scenario } from './schema'
import type { Exercise } from './exercise'
import { builtinScenarios } from './library'

export const COURSE = {
  title: 'The 2019 P2P debate, hands on',
  description:
    'Predict, then step: every scenario of this lab carries exercises that retell the January 2019 dri-devel thread on peer-to-peer DMA through a VMA and what the kernel adopted afterwards. Lock in a prediction before you step past the question; the answer and the kernel source behind it are revealed after.',
}

type CourseExercise = Exercise & { id: string }

/** Exercises of the library scenarios, by name prefix (and era where the library has two). */
const BY_SCENARIO: { prefix: string; era?: string; exercises: CourseExercise[] }[] = [
  {
    prefix: 'L01',
    era: 'v5.0',
    exercises: [
      {
        id: 'bar-first-failure',
        kind: 'which-op-fails',
        question:
          'A GPU driver mapped 2 MiB of its BAR into the process with remap_pfn_range(). Four calls then use that mapping. Which is the first to fail?',
        answer: '2',
        explanation:
          "get_user_pages_fast() (in 5.0 there is no pin_user_pages_fast(): pin_user_pages*() came in 5.6). The mmap itself is fine: remap_pfn_range() (mm/memory.c) installs special PTEs and sets VM_IO|VM_PFNMAP, no struct page needed. GUP needs struct pages: the fast walk gives up on pte_special(), and the slow path's check_vma_flags() (mm/gup.c) refuses the VMA. The MR and the O_DIRECT read fail for the same reason, because both pin through GUP.",
      },
    ],
  },
  {
    prefix: 'L01',
    era: 'v6.12',
    exercises: [
      {
        id: 'bar-gup-errno',
        kind: 'errno',
        op: 2,
        eras: ['v5.10', 'v6.12'],
        question:
          'pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM) on the remap_pfn_range() BAR mapping: what does it return on Debian 11 (v5.10) and today (v6.12)?',
        answer: 'EFAULT',
        explanation:
          '-EFAULT in both: check_vma_flags() in mm/gup.c returns -EFAULT for any VMA with VM_IO or VM_PFNMAP. Christoph Hellwig\'s point in the 2019 thread still holds: "everything using get_user_pages won\'t work" on a remapped BAR. (In 2019 itself there was no pin_user_pages_fast(), which is 5.6: the v5.0 version of this scenario calls get_user_pages_fast() and gets the same -EFAULT.)',
      },
      {
        id: 'bar-gup-refuser',
        kind: 'refusing-function',
        op: 2,
        question: 'Which kernel function refuses the pin (where does the error begin)?',
        choices: ['gup_fast', 'check_vma_flags', 'follow_page_pte', 'vm_normal_page', 'try_grab_folio'],
        answer: 'check_vma_flags',
        explanation:
          'check_vma_flags() in mm/gup.c, called by __get_user_pages() for each VMA: VM_IO|VM_PFNMAP gives -EFAULT before any page is looked up. gup_fast() (mm/gup.c) also stops at the special PTE, but that is not an error: it pins 0 pages and leaves the rest to the slow path.',
      },
    ],
  },
  {
    prefix: 'L02',
    exercises: [
      {
        id: 'p2p-switch-map-type',
        kind: 'map-type',
        pair: { provider: 'gpu0', client: 'nic0' },
        question:
          'v5.4: GPU0 lends p2pmem to NIC0; both sit under the same PEX switch. What map type does the kernel give this pair?',
        answer: 'BUS_ADDR',
        explanation:
          'PCI_P2PDMA_MAP_BUS_ADDR: calc_map_type_and_dist() in drivers/pci/p2pdma.c finds a common upstream bridge (the switch upstream port) and no ACS redirect on the path, so the TLPs never reach the host bridge and the DMA engine must be given PCI bus addresses.',
      },
      {
        id: 'annotation-silent',
        kind: 'which-op-fails',
        question:
          'In 5.4 the kernel user maps the p2pmem SGL for NIC0 with the generic dma_map_sg(). Which call fails?',
        answer: 'none',
        explanation:
          'None, and that is the problem. dma_map_sg() (kernel/dma/mapping.c, dma_direct_map_sg() in kernel/dma/direct.c) treats the P2PDMA page as RAM and writes its CPU physical address; only a caller that knew to use pci_p2pdma_map_sg_attrs() (drivers/pci/p2pdma.c) got bus addresses. Nothing in the SGL said which entries were I/O memory: the "IOMEM annotation" Jason Gunthorpe called a pre-condition. 6.0 added it as SG_DMA_BUS_ADDRESS (include/linux/scatterlist.h).',
      },
    ],
  },
  {
    prefix: 'L04',
    exercises: [
      {
        id: 'p2pmem-first-failure',
        kind: 'which-op-fails',
        question:
          'GPU0 registers 64 MiB of BAR1 as p2pmem, publishes it, and the process mmaps p2pmem/allocate. Which call is the first to fail?',
        answer: '4',
        explanation:
          'The first pin_user_pages_fast(), without FOLL_PCI_P2PDMA. pci_p2pdma_add_resource() and pci_p2pmem_publish() (drivers/pci/p2pdma.c) create ZONE_DEVICE struct pages for the BAR, and p2pmem_alloc_mmap() maps them with vm_insert_page() (VM_MIXEDMAP): real pages, so the mmap works. GUP then refuses them to a caller that did not ask for P2PDMA pages.',
      },
      {
        id: 'p2pmem-no-flag-refuser',
        kind: 'refusing-function',
        op: 4,
        question:
          'pin_user_pages_fast(FOLL_WRITE) on the p2pmem mapping, without FOLL_PCI_P2PDMA, fails. Which kernel function refuses?',
        choices: ['check_vma_flags', 'gup_fast', 'try_grab_folio', 'is_valid_gup_args'],
        answer: 'try_grab_folio',
        explanation:
          'try_grab_folio() in mm/gup.c (called from follow_page_pte() on the slow path): !(flags & FOLL_PCI_P2PDMA) && is_pci_p2pdma_page(page) gives -EREMOTEIO. check_vma_flags() lets the VM_MIXEDMAP VMA through; gup_fast() only gives up and falls back.',
      },
      {
        id: 'p2pmem-sata-errno',
        kind: 'errno',
        op: 7,
        question: 'An O_DIRECT read from the AHCI disk sda into the p2pmem buffer: which errno?',
        answer: 'EREMOTEIO',
        explanation:
          '-EREMOTEIO: __bio_iov_iter_get_pages() (block/bio.c) asks for P2PDMA pages (ITER_ALLOW_P2PDMA, hence FOLL_PCI_P2PDMA) only when blk_queue_pci_p2pdma(q) says the queue can DMA to PCI memory. NVMe queues can, AHCI cannot, so the pin reaches try_grab_folio() (mm/gup.c) without the flag.',
      },
      {
        id: 'p2pmem-allocate-era',
        kind: 'era-changed',
        op: 3,
        eras: ['v5.4', 'v6.0', 'v6.2', 'v6.12'],
        question: 'mmap of /sys/bus/pci/devices/…/p2pmem/allocate: from which kernel can user space do it?',
        answer: 'v6.2',
        explanation:
          '6.2: p2pmem_alloc_mmap() (drivers/pci/p2pdma.c) came with 7e9c7ef83d78 "PCI/P2PDMA: Allow userspace VMA allocations through sysfs", in the same for-6.2/block series as FOLL_PCI_P2PDMA (4003f107fa2e, mm/gup.c). Before, P2PDMA pages existed only for in-kernel users such as nvmet.',
      },
    ],
  },
  {
    prefix: 'L05',
    exercises: [
      {
        id: 'rfc-first-failure',
        kind: 'which-op-fails',
        question:
          "The RFC's special VMA: the exporter's mmap sets vm_ops->p2p_map. Which call is the first to fail?",
        answer: '3',
        explanation:
          "hmm_range_fault(). The importer's hmm_range_dma_map() passes its device, so _hmm_range_fault() calls the exporter's p2p_map() and gets DMA addresses. The public hmm_range_fault() (mm/hmm.c in the RFC) passes device = NULL, and a device VMA without a device is -EFAULT: only importers that go through hmm_range_dma_map() reach p2p_map.",
      },
      {
        id: 'rfc-gup-errno',
        kind: 'errno',
        op: 4,
        question: 'And plain GUP on the special VMA, with the RFC applied?',
        answer: 'EFAULT',
        explanation:
          '-EFAULT from check_vma_flags() in mm/gup.c: the RFC left GUP alone, so O_DIRECT and ordinary MRs still cannot use the VMA. Jason Gunthorpe: "I see Jerome solving the GUP problem by replacing GUP entirely".',
      },
    ],
  },
  {
    prefix: 'L06',
    exercises: [
      {
        id: 'rfc-v5-distance',
        kind: 'distance',
        pair: { provider: 'gpu0', client: 'nvme0' },
        question:
          'v5.0 + RFC: what does upstream_bridge_distance() return for GPU0 and nvme0, which hang off different root ports?',
        answer: '-1',
        explanation:
          "-1: upstream_bridge_distance() in drivers/pci/p2pdma.c (v5.0) walks up from both devices and finds no common upstream bridge (-2 would mean ACS redirect on the path). There was no host-bridge whitelist yet (5.4), so such pairs could never do P2P — and the RFC's pci_test_p2p() returned false for every pair anyway.",
      },
    ],
  },
  {
    prefix: 'L07',
    exercises: [
      {
        id: 'rfc-devpriv-fallback',
        kind: 'which-op-fails',
        question:
          "RFC 4/5: NIC0 asks for DMA addresses of a buffer that lives in GPU0's device-private memory, and the GPU driver has no p2p_map. Which call fails?",
        answer: 'none',
        explanation:
          "None: hmm_range_dma_map() (mm/hmm.c in the RFC) sets range->default_flags |= HMM_PFN_DEVICE_PRIVATE and faults again, so the pages migrate back to system RAM (the driver's migrate_to_ram) and are mapped with dma_map_page(). P2P silently becomes a copy through RAM.",
      },
    ],
  },
  {
    prefix: 'L09',
    exercises: [
      {
        id: 'devpriv-pin',
        kind: 'errno',
        op: 8,
        question:
          'NIC0 pins page 1 of the buffer with FOLL_LONGTERM while that page lives in VRAM as DEVICE_PRIVATE memory. What does pin_user_pages_fast() return?',
        answer: 'success',
        explanation:
          'Success (1 page), but not of VRAM: the device-private swap entry makes GUP fault, do_swap_page() (mm/memory.c) calls the pgmap\'s migrate_to_ram(), and the RAM copy is pinned. Documentation/mm/hmm.rst: device memory "can never be pinned by a device driver nor through GUP".',
      },
    ],
  },
  {
    prefix: 'L10',
    exercises: [
      {
        id: 'odp-hole-refuser',
        kind: 'refusing-function',
        op: 6,
        question:
          'ODP MR, after munmap of a quarter of it: the NIC reads the hole. Which kernel function refuses the page fault?',
        choices: [
          'mlx5_ib_eqe_pf_action',
          'ib_umem_odp_map_dma_and_lock',
          'hmm_range_fault',
          'check_vma_flags',
        ],
        answer: 'hmm_range_fault',
        explanation:
          'hmm_range_fault() in mm/hmm.c: no VMA covers the address and HMM_PFN_REQ_FAULT asks for a fault, so -EFAULT. ib_umem_odp_map_dma_and_lock() (drivers/infiniband/core/umem_odp.c) passes it on and the work request completes in error. No GUP, no pin: ODP mirrors the page table instead.',
      },
    ],
  },
  {
    prefix: 'L11',
    exercises: [
      {
        id: 'dmabuf-static-importer',
        kind: 'which-op-fails',
        question:
          'A GPU exports a VRAM buffer as a dma-buf. NIC0 attaches with allow_peer2peer; then nvme0 attaches as a static importer without it. Which call fails?',
        answer: 'none',
        explanation:
          'None. dma_buf_attach() (drivers/dma-buf/dma-buf.c) sets attach->peer2peer only for importers with allow_peer2peer; amdgpu_dma_buf_attach() (drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c) answers the static importer by pinning the BO where everyone can reach it: it moves to GTT (system RAM) and NIC0 gets move_notify. P2P is lost, nothing fails.',
      },
    ],
  },
  {
    prefix: 'L12',
    exercises: [
      {
        id: 'vfio-static-errno',
        kind: 'errno',
        op: 2,
        question:
          "A vfio-pci device's BAR exported as a dma-buf: nvme0 attaches without allow_peer2peer. Which errno?",
        answer: 'EOPNOTSUPP',
        explanation:
          '-EOPNOTSUPP: the BAR has no struct pages, so only a peer2peer importer can use it; vfio_pci_dma_buf_attach() (drivers/vfio/pci/vfio_pci_dmabuf.c) refuses !attachment->peer2peer.',
      },
      {
        id: 'vfio-static-refuser',
        kind: 'refusing-function',
        op: 2,
        question: 'Which kernel function refuses that attachment?',
        choices: [
          'dma_buf_attach',
          'vfio_pci_dma_buf_attach',
          'dma_buf_map_attachment',
          'pci_p2pdma_distance',
        ],
        answer: 'vfio_pci_dma_buf_attach',
        explanation:
          "vfio_pci_dma_buf_attach(), the exporter's attach op in drivers/vfio/pci/vfio_pci_dmabuf.c. dma_buf_attach() (drivers/dma-buf/dma-buf.c) only records peer2peer = false and asks the exporter, which says no.",
      },
      {
        id: 'vfio-revoked-errno',
        kind: 'errno',
        op: 6,
        question:
          'User space turned memory decode off (the dma-buf is revoked). The MR maps its pages again: which errno?',
        answer: 'ENODEV',
        explanation:
          '-ENODEV from vfio_pci_dma_buf_map() (drivers/vfio/pci/vfio_pci_dmabuf.c) while the buffer is revoked; ib_umem_dmabuf_map_pages() (drivers/infiniband/core/umem_dmabuf.c) passes it on. The importer learned of the revocation through move_notify: the invalidation contract the RFC asked of p2p_map importers.',
      },
    ],
  },
  {
    prefix: 'L13',
    exercises: [
      {
        id: 'fsdax-longterm-refuser',
        kind: 'refusing-function',
        op: 8,
        question:
          'pin_user_pages(FOLL_LONGTERM | FOLL_WRITE) on a MAP_SHARED fsdax file: which kernel function refuses?',
        choices: ['check_vma_flags', 'folio_is_longterm_pinnable', 'follow_page_pte', 'try_grab_folio'],
        answer: 'check_vma_flags',
        explanation:
          'check_vma_flags() in mm/gup.c: FOLL_LONGTERM && vma_is_fsdax(vma) gives -EOPNOTSUPP (moved there from check_dax_vmas() in 5.11). A long-term pin would stop the file system from ever moving or truncating those blocks; folio_is_longterm_pinnable() handles movable memory by migrating it instead.',
      },
    ],
  },
  {
    prefix: 'L14',
    exercises: [
      {
        id: 'hmm-dma-map-era',
        kind: 'era-changed',
        op: 5,
        eras: ['v6.2', 'v6.12', 'v6.16'],
        question: 'hmm_dma_map_pfn(): from which kernel can an HMM user map P2PDMA pages by map type?',
        answer: 'v6.16',
        explanation:
          '6.16: hmm_dma_map_alloc()/hmm_dma_map_pfn() in mm/hmm.c came with 8cad47130566; they use pci_p2pdma_state() (drivers/pci/p2pdma.c) and mark bus-address entries HMM_PFN_P2PDMA_BUS. hmm_range_fault() could already see P2PDMA pages in VM_MIXEDMAP VMAs, but each driver mapped them itself.',
      },
    ],
  },
]

/** L03 is in the library twice (IOMMU off / on): its exercises by setting. */
const L03: Record<'off' | 'on', CourseExercise[]> = {
  off: [
    {
      id: 'switch-distance',
      kind: 'distance',
      pair: { provider: 'gpu0', client: 'nic0' },
      question: 'v6.12, IOMMU off: what distance does the kernel compute for GPU0 → NIC0 (same PEX switch)?',
      answer: '4',
      explanation:
        "4: calc_map_type_and_dist() in drivers/pci/p2pdma.c counts the ports walked to the common upstream bridge: GPU0's downstream port and the switch upstream port (2), and the same on NIC0's side (2). pci_p2pmem_find_many() prefers the provider with the smallest distance.",
    },
    {
      id: 'which-pairs-iommu-off',
      kind: 'p2p-pairs',
      devices: ['gpu0', 'nic0', 'nvme0', 'gpu2'],
      question:
        'v6.12, IOMMU off, Intel CPU: which of these pairs can do P2P DMA? (select the cells; GPU0, NIC0 share a switch on socket 0, nvme0 is on its own root port of socket 0, GPU2 is on socket 1)',
      answer: ['gpu0 <-> nic0', 'gpu0 <-> nvme0', 'nic0 <-> nvme0'],
      explanation:
        'Same switch: BUS_ADDR. GPU0/NIC0 ↔ nvme0 share no upstream bridge but sit under host bridge 00, whose 8086:2020 is in pci_p2pdma_whitelist[] (host_bridge_whitelist(), drivers/pci/p2pdma.c): THRU_HOST_BRIDGE. GPU2 is under host bridge 80 (8086:2021, on no whitelist), and cpu_supports_p2pdma() is false for an Intel CPU: NOT_SUPPORTED for every pair with GPU2.',
    },
  ],
  on: [
    {
      id: 'acs-redirect-map-type',
      kind: 'map-type',
      pair: { provider: 'gpu0', client: 'nic0' },
      question: 'Now with the IOMMU on: GPU0 → NIC0, same switch. What map type?',
      answer: 'THRU_HOST_BRIDGE',
      explanation:
        'PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: with an IOMMU, pci_enable_acs() (drivers/pci/pci.c) sets ACS Request and Completion Redirect on the switch downstream ports, so calc_map_type_and_dist() (drivers/pci/p2pdma.c) sees the redirect and sends the pair through the host bridge, allowed because 8086:2020 is whitelisted. dma_map_sgtable() then maps the page through the IOMMU (iommu_dma_map_sg(), drivers/iommu/dma-iommu.c): an IOVA, no SG_DMA_BUS_ADDRESS.',
    },
    {
      id: 'which-pairs-socket1-iommu-on',
      kind: 'p2p-pairs',
      devices: ['gpu2', 'gpu3', 'nic1', 'nvme2'],
      question:
        "IOMMU on: socket 1's switch holds GPU2, GPU3, NIC1 and nvme2. Which of these pairs can still do P2P DMA?",
      answer: [],
      explanation:
        "None. ACS redirect (pci_enable_acs(), drivers/pci/pci.c) on the downstream ports sends every pair up to host bridge 80, whose 8086:2021 is not in pci_p2pdma_whitelist[]; cpu_supports_p2pdma() is false on Intel, so calc_map_type_and_dist() (drivers/pci/p2pdma.c) says NOT_SUPPORTED. The kernel's warning names the ports to list in pci=disable_acs_redir= to get BUS_ADDR back.",
    },
  ],
}

/** What if the same machine had an AMD Zen CPU? The CPU rule, as a course scenario. */
function cpuRule(): Scenario {
  return {
    name: 'C01 The CPU rule: the same server with an AMD Zen CPU (v6.12)',
    era: 'v6.12',
    settings: { cpu: { vendor: 'amd', family: 0x17, name: 'AMD Zen (family 0x17), a what-if' } },
    narration:
      'Host-bridge whitelists did not scale, so the kernel learned to trust whole CPU families: cpu_supports_p2pdma() allows traffic through the host bridge on any AMD CPU of family 0x17 (Zen) or newer, whatever the host bridges are. Keep the Intel machine, swap the CPU, and ask the kernel about a pair across the two sockets.',
    operations: [
      {
        op: 'pci_p2pdma_distance',
        args: { provider: 'gpu0', client: 'gpu2', verbose: true },
        narration: 'GPU0 on socket 0 and GPU2 on socket 1: two host bridges, neither path shares a bridge.',
      },
    ],
    exercises: [
      {
        id: 'cpu-rule-map-type',
        kind: 'map-type',
        pair: { provider: 'gpu0', client: 'gpu2' },
        question: 'With an AMD Zen CPU, v6.12: what map type for GPU0 → GPU2 across the sockets?',
        answer: 'THRU_HOST_BRIDGE',
        explanation:
          'PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: calc_map_type_and_dist() (drivers/pci/p2pdma.c) finds no common upstream bridge, then cpu_supports_p2pdma() returns true for AMD family >= 0x17, which skips host_bridge_whitelist() entirely, even across host bridges. With the Intel CPU the same pair is NOT_SUPPORTED (8086:2021 is on no whitelist).',
      },
      {
        id: 'cpu-rule-era',
        kind: 'era-changed',
        pair: { provider: 'gpu0', client: 'gpu2' },
        eras: ['v5.0', 'v5.4', 'v6.0', 'v6.12'],
        question: 'Same AMD CPU, same pair: from which of these kernels can GPU0 and GPU2 do P2P?',
        answer: 'v6.0',
        explanation:
          'cpu_supports_p2pdma() (drivers/pci/p2pdma.c) came in 5.9 with dea286bb71ba "PCI/P2PDMA: Allow P2PDMA on AMD Zen and newer CPUs"; of the eras listed, 6.0 is the first that has it. 5.4 matched AMD only by the root-complex device id (1022:1450) in pci_p2pdma_whitelist[], and v5.0 had no way through a host bridge at all (upstream_bridge_distance() returns -1).',
      },
    ],
  }
}

/** The course's scenarios: the library with its exercises attached, then the course's own. */
export function courseScenarios(): Scenario[] {
  const lib = builtinScenarios()
  const attach = (i: number, exercises: CourseExercise[]) => {
    lib[i] = { ...lib[i]!, exercises: exercises.map((e) => ({ ...e })) }
  }
  for (const entry of BY_SCENARIO) {
    const i = lib.findIndex(
      (s) => s.name.startsWith(entry.prefix + ' ') && (!entry.era || s.era === entry.era),
    )
    if (i < 0) throw new Error(`course: no library scenario ${entry.prefix} ${entry.era ?? ''}`)
    attach(i, entry.exercises)
  }
  lib.forEach((s, i) => {
    if (s.name.startsWith('L03 ')) attach(i, L03[s.settings?.iommu ? 'on' : 'off'])
  })
  return [...lib, cpuRule()]
}
