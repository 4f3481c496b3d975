/**
 * The behaviours table: kernel behaviour that changed between releases without a name appearing or
 * going (a new check inside an old function, a different errno, a different path), and the lab's
 * own modelling limits ('model.*': what the engine models only from some release on, with the
 * kernel's real release beside it). index.ts behaves(era, id) answers from it.
 *
 * Same conventions as names.ts: `since: null` = older than every lab era, `gone` = the first
 * release where it no longer holds.
 */
import type { Release } from './release'

export interface BehaviourDef {
  what: string
  since: Release | null
  gone?: Release
  patch?: 'rfc-2019'
  alsoWith?: 'rfc-2019'
  source: string
  confidence: 'verified' | 'partly' | 'unverified'
}

const b = (
  since: Release | null,
  gone: Release | undefined,
  confidence: BehaviourDef['confidence'],
  what: string,
  source: string,
): BehaviourDef =>
  gone === undefined ? { since, what, source, confidence } : { since, gone, what, source, confidence }

export const BEHAVIOURS = {
  // ---- GUP ----
  'gup.fast-takes-write-bool': b(
    null,
    '5.2',
    'partly',
    'get_user_pages_fast(start, nr_pages, int write, pages): the third argument is a write bool, not gup_flags',
    "S12: Ira Weiny's 2019 series (73b0140bf0fe, 5.2)",
  ),
  'gup.grab-refuses-p2pdma': b(
    '6.2',
    undefined,
    'verified',
    'the GUP grab (try_grab_page() in the slow path, try_grab_folio() in GUP-fast) refuses a P2PDMA page without FOLL_PCI_P2PDMA: -EREMOTEIO / NULL',
    'S12: 4003f107fa2e (6.2); absent from 6.1.192 mm/gup.c',
  ),
  'gup.check-vma-flags-longterm-p2pdma': b(
    '6.2',
    '6.4',
    'partly',
    'check_vma_flags() refuses FOLL_LONGTERM|FOLL_PCI_P2PDMA with -EOPNOTSUPP (moved to is_valid_gup_args() as a WARN)',
    'S12 (index id 13006298: the 6.4-era tree has it in is_valid_gup_args, not in check_vma_flags; 6.3 unverified)',
  ),
  'gup.valid-args-longterm-p2pdma': b(
    '6.4',
    undefined,
    'partly',
    'is_valid_gup_args(): WARN_ON_ONCE((gup_flags & FOLL_LONGTERM) && (gup_flags & FOLL_PCI_P2PDMA)) -> -EINVAL',
    'S12; 6.12.118 mm/gup.c:2633-2635',
  ),
  'gup.longterm-refuses-fsdax-folio': b(
    '6.15',
    undefined,
    'partly',
    'folio_is_longterm_pinnable() is false for an FS_DAX folio (folio_is_fsdax()); only GUP-fast meets it, the slow path refused the VMA already',
    '7.2.13 include/linux/mm.h:2740; absent from 6.12.118 include/linux/mm.h:1993; Alistair Popple, "mm/gup: Don\'t allow FOLL_LONGTERM pinning of FS DAX pages" (S12, v8 2025-02-18; 6.15 inferred)',
  ),
  'gup.check-vma-flags-fsdax': b(
    '5.11',
    undefined,
    'partly',
    'check_vma_flags() refuses FOLL_LONGTERM on an fsdax VMA (vma_is_fsdax()) before anything is pinned',
    '52650c8b466b "mm/gup: remove the vma allocation from gup_longterm_locked()" (S12; 5.11 inferred); 6.1.192 mm/gup.c:1075, 6.12.118 :1283, 7.2.13 :1213; 5.10.13 has check_dax_vmas() instead',
  ),
  'gup.follow-pfn-pte-eexist': b(
    '5.18',
    undefined,
    'verified',
    'follow_pfn_pte() always returns -EEXIST, and __get_user_pages() returns it when pages[] is wanted ("if (pages) { ret = PTR_ERR(page); goto out; }")',
    '65462462ffb2 "mm/gup: follow_pfn_pte(): -EEXIST cleanup" (John Hubbard), right after v5.17 in Linus\' tree (S12, index id 65724601301); 6.1.192 mm/gup.c:485-503 and :1265-1276, 6.12.118 :780-798 and :1512-1522',
  ),
  'gup.follow-pfn-pte-pin-skips': b(
    '5.6',
    '5.18',
    'verified',
    'follow_pfn_pte() refuses only FOLL_GET with -EFAULT: a FOLL_PIN request gets -EEXIST and __get_user_pages() skips the entry ("goto next_page"), leaving pages[i] unwritten',
    '7196040e19ad "mm: fix invalid page pointer returned with FOLL_PIN gups" (Peter Xu; Fixes: 3faa52c03f44 of 5.6; in 5.18, S12 index ids 30581887993, 36049806000 (AUTOSEL to a stable branch, 2022-04-28))',
  ),
  'gup.fast-valid-gup-flags': b(
    '5.10',
    '6.3',
    'partly',
    'get_user_pages_fast() checks is_valid_gup_flags() (WARN_ON_ONCE(FOLL_PIN), WARN_ON_ONCE(FOLL_LONGTERM)) instead of WARN_ON_ONCE(FOLL_PIN) alone',
    'Barry Song, "mm/gup: don\'t permit users to call get_user_pages with FOLL_LONGTERM" (posted 2020-08-19, S12 index id 19386880875: its diff turns get_user_pages_fast()\'s WARN_ON_ONCE(gup_flags & FOLL_PIN) into !is_valid_gup_flags(); in -mm, index id 11531570453; 5.10 inferred); 5.10.13 get_user_pages_fast() calls is_valid_gup_flags() (index id 31178608294); 6.1.192 mm/gup.c:3151-3156',
  ),

  // ---- HMM ----
  'hmm.walk-mixedmap': b(
    '5.17',
    undefined,
    'unverified',
    'hmm_vma_walk_test() walks VM_MIXEDMAP VMAs (vm_normal_page() decides per PTE); 5.7–5.16 skipped them like VM_IO|VM_PFNMAP',
    '87c01d57fa23 (from memory; a 5.15.17 stable backport exists, not modelled); 6.12.118 mm/hmm.c:527-529',
  ),

  // ---- block ----
  'block.dio-foll-pci-p2pdma': b(
    '6.2',
    undefined,
    'verified',
    '__bio_iov_iter_get_pages() passes FOLL_PCI_P2PDMA when blk_queue_pci_p2pdma(q)',
    "S12 (Logan Gunthorpe's 6.2 block patch)",
  ),
  'block.dio-extract-pages': b(
    '6.5',
    undefined,
    'verified',
    'O_DIRECT takes pages with iov_iter_extract_pages() (pins, ITER_ALLOW_P2PDMA) instead of iov_iter_get_pages*() (references)',
    'S12: "Block updates for 6.5"',
  ),
  'block.nvme-dma-iter': b(
    '6.17',
    undefined,
    'verified',
    'nvme-pci maps a request with blk_rq_dma_map_iter_start() (no scatterlist, no dma_map_sgtable()); a P2P refusal is BLK_STS_INVAL (-EINVAL)',
    '858299dc6160 and 7ce3c1dd78fc in "[GIT PULL] Block updates for 6.17-rc1" (S12, index id 34329083783); 7.2.13 block/blk-mq-dma.c:164-233, drivers/nvme/host/pci.c:1246; oracle 7.2.13',
  ),

  // ---- scatterlists and DMA ----
  'sg.pgmap-merge-rule': b(
    '6.2',
    undefined,
    'verified',
    'pages_are_mergeable(): ZONE_DEVICE pages merge only with the same pgmap (zone_device_pages_have_same_pgmap)',
    'S12; S15',
  ),
  'dma.map-sg-p2pdma': b(
    '6.0',
    undefined,
    'partly',
    'dma_direct_map_sg()/iommu_dma_map_sg() recognise P2PDMA pages (pci_p2pdma_map_segment(), SG_DMA_BUS_ADDRESS, -EREMOTEIO)',
    'S12 (Logan Gunthorpe: "the first half of the series has made it into v6.0-rc1"); docs/kernel/dma.md',
  ),

  'dma.direct-thb-no-dma-address': b(
    '6.16',
    '7.2',
    'partly',
    'dma_direct_map_sg(): a THRU_HOST_BRIDGE P2PDMA segment "break"s out of the switch: sg_dma_len is set, dma_address never written',
    'a25e7962db0d (6.16, S5/S7); fixed by 560000d619ef "dma-mapping: direct: fix missing mapping for THRU_HOST_BRIDGE segments" (break -> fallthrough; 6.18.36 and 7.0.y stable in June 2026, so in mainline before 7.2; its mainline release 7.1 or 7.2 is unverified); 7.2.13 kernel/dma/direct.c:465-510 has the fix',
  ),
  'dma.direct-bus-addr-no-dma-len': b(
    '6.16',
    '6.18',
    'verified',
    'dma_direct_map_sg(): a BUS_ADDR P2PDMA segment gets its bus address and "continue"s before sg_dma_len(sg) = sg->length: its DMA length stays 0',
    'a25e7962db0d (6.16); fixed by d0d08f4bd7f6 "dma-direct: Fix missing sg_dma_len assignment in P2PDMA bus mappings" (Pranjal Shrivastava; dma-mapping-6.18-2025-11-27, so 6.18; 6.17.y backport; S12 index ids 66153080668, 45599881157); 7.2.13 kernel/dma/direct.c:491-496',
  ),
  'driver.map-sgtable': b(
    '6.0',
    undefined,
    'partly',
    'client drivers (nvme_map_data(), ib_umem) map with dma_map_sgtable() (which returns -EREMOTEIO/-EINVAL/-ENOMEM), not dma_map_sg() (0 = failure)',
    'Logan Gunthorpe\'s 6.0 P2PDMA dma-mapping series ("nvme-pci: convert to using dma_map_sgtable()"; from memory)',
  ),

  // ---- PCI ----
  'pci.acs-config-from-firmware': b(
    '6.11',
    undefined,
    'unverified',
    '__pci_config_acs() builds ACS Control from the firmware value and prints "Configured ACS to %#06x" (47c8846a49ba + 9cf8a952d57b, 6.12.y)',
    'topology/build.ts enableAcs(); oracle 6.12.117; the first release is unverified (6.11 assumed)',
  ),
  'pci.sysfs-lockdown': b(
    '5.4',
    undefined,
    'partly',
    'pci_mmap_resource() refuses with -EPERM under security_locked_down(LOCKDOWN_PCI_ACCESS)',
    'the lockdown LSM (5.4, from memory)',
  ),

  // ---- what the lab models from some release on (the kernel had it earlier) ----
  'model.hmm-mirror': b(
    '6.0',
    undefined,
    'verified',
    'the lab models mirrors with mmu_interval_notifier (kernel: 5.5+) and the 5.8+ hmm_range_fault(range) pfn format from v6.0',
    'engine limit; S12 for the kernel releases',
  ),
  'model.device-private': b(
    '6.0',
    undefined,
    'verified',
    'the lab models migrate_vma_setup()/migrate_to_ram (kernel: 5.4/5.3) from v6.0',
    'engine limit',
  ),
  'model.dmabuf-p2p': b(
    '6.0',
    undefined,
    'verified',
    'the lab models dma-buf allow_peer2peer (kernel ~5.8) and ib_umem_dmabuf (5.12) from v6.0',
    'engine limit',
  ),
  'model.odp': b(
    '6.0',
    undefined,
    'verified',
    'the lab models RDMA ODP over hmm_range_fault() (kernel 5.10, 36f30e486dce unverified) from v6.0',
    'engine limit',
  ),
  'model.vfio-dmabuf': b(
    '7.2',
    undefined,
    'partly',
    'VFIO PCI exports BARs as dma-bufs (kernel 6.19, S12: "VFIO updates for v6.19-rc1"); the lab has no era between 6.16 and 7.2',
    'S8; S12',
  ),
} as const satisfies Record<string, BehaviourDef>

export type BehaviourId = keyof typeof BEHAVIOURS
