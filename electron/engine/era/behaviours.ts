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
    '6.12',
    undefined,
    'partly',
    'folio_is_longterm_pinnable() is false for an FS_DAX folio, so check_and_migrate_movable_pages() refuses it',
    '6.12.118 include/linux/mm.h folio_is_longterm_pinnable(): folio_is_fsdax(); the release it landed is unverified (shown from 6.12)',
  ),
  'gup.longterm-always-through-locked': b(
    '6.4',
    undefined,
    'partly',
    'every slow-path GUP goes through __gup_longterm_locked(), which returns __get_user_pages_locked() at once without FOLL_LONGTERM',
    '6.12.118 mm/gup.c __gup_longterm_locked(); 6.1.192 still has __gup_longterm_unlocked(); the 6.3/6.4 cleanup release is unverified',
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
    '7.2',
    undefined,
    'unverified',
    'nvme-pci maps a request with blk_dma_map_iter_start(); a P2P refusal is BLK_STS_INVAL (-EINVAL)',
    'oracle 7.2.13; S12: blk_rq_dma_map_iter_start() is 6.17 (the lab has no era between 6.16 and 7.2)',
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
    undefined,
    'unverified',
    'dma_direct_map_sg(): a THRU_HOST_BRIDGE P2PDMA segment sets only sg_dma_len; dma_address is never written',
    'S5/S7 (6.16/6.17 snapshots, docs/kernel/dma.md); issue 16 correction 6 is open: whether and when it was fixed',
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
