/**
 * The names table: every kernel function, flag, field and enum value the engine can show in a trace
 * (a frame, a check, a flag in an argument), with the release it appeared in, the release it went
 * in (and what it became), the file it lives in, and the source. index.ts answers from it: has(),
 * pick(), requireName() (frame() calls it, so a name outside its range throws before it reaches a
 * trace) and nameRange() (the call stack's era tag).
 *
 * Conventions: `since: null` = older than every lab era (v5.0); `gone` = the first release WITHOUT
 * the name. `confidence`: 'verified' (read in a tree, or a pull request / push log names the
 * release), 'partly' (the commit is known, its release inferred from timing), 'unverified' (from
 * memory). "6.1.192 file:line" / "6.12.118 file:line" = Debian's linux-source-6.1 and linux-source-6.12
 * trees (docs/kernel/sources.md); S12 = the patch mails, pull requests and push logs that place a
 * commit in a release (the commit is named beside it; docs/kernel/eras.md lists them). Names present
 * in 6.12.118 are assumed to continue into v6.16/v7.2/next unless an entry says otherwise (unverified
 * beyond 6.12 unless marked).
 *
 * Driver frames the lab invents for illustration (an `nvidia_mmap`, an RFC exporter's
 * `nvidia_p2p_vm_ops.p2p_map`) are not kernel names and are not here: core/step.ts illustrative().
 */
import type { Release } from './release'

export interface NameDef {
  kind: 'function' | 'flag' | 'field' | 'enum' | 'macro' | 'sysfs'
  /** First release with the name; null: older than every lab era. */
  since: Release | null
  /** First release without it. */
  gone?: Release
  /** What it became in `gone`. */
  renamedTo?: string
  /** A second span in which the name existed again (iov_iter_get_pages: ≤5.19, then 6.2–6.4). */
  again?: { since: Release; gone?: Release }
  /** Only with this out-of-tree patch set (never merged). */
  patch?: 'rfc-2019'
  /** Also present with this patch set although mainline got it later (the RFC's -mm base). */
  alsoWith?: 'rfc-2019'
  /** The file it is defined in (newest known), and earlier/later homes. */
  file: string
  moved?: readonly { since: Release; file: string }[]
  source: string
  confidence: 'verified' | 'partly' | 'unverified'
}

type Opt = Partial<Pick<NameDef, 'gone' | 'renamedTo' | 'patch' | 'alsoWith' | 'moved' | 'kind' | 'again'>>

/** What fn() and flag() take: where the name is defined, since when, how sure, and the source. */
type RowArgs = [
  file: string,
  since: Release | null,
  confidence: NameDef['confidence'],
  source: string,
  o?: Opt,
]

const row = (kind: NameDef['kind'], [file, since, confidence, source, o = {}]: RowArgs): NameDef => ({
  kind,
  since,
  file,
  source,
  confidence,
  ...o,
})
const fn = (...args: RowArgs): NameDef => row('function', args)
const flag = (...args: RowArgs): NameDef => row('flag', args)

/** Present in both Debian trees at these lines; older than 5.0 (from memory unless said). */
const both = (a: string, b: string): string => `6.1.192 ${a}; 6.12.118 ${b}`

export const NAMES = {
  // ---- process, mmap, faults (mm/) -------------------------------------------------------------
  mm_alloc: fn('kernel/fork.c', null, 'partly', both('kernel/fork.c:1199', 'kernel/fork.c:1356')),
  ksys_mmap_pgoff: fn(
    'mm/mmap.c',
    null,
    'partly',
    `${both('mm/mmap.c:1452', 'mm/mmap.c:514')}; added 4.17 (from memory)`,
  ),
  do_mmap: fn('mm/mmap.c', null, 'partly', both('mm/mmap.c:1269', 'mm/mmap.c:284')),
  mmap_region: fn(
    'mm/mmap.c',
    null,
    'partly',
    `${both('mm/mmap.c:2904', 'mm/mmap.c:1602')}; after 6.12 unverified`,
  ),
  call_mmap: fn(
    'include/linux/fs.h',
    null,
    'partly',
    `${both('include/linux/fs.h:2274', 'include/linux/fs.h:2223')}; after 6.12 unverified`,
  ),
  remap_pfn_range: fn('mm/memory.c', null, 'verified', both('mm/memory.c:2568', 'mm/memory.c:2723')),
  io_remap_pfn_range: fn(
    'include/linux/mm.h',
    null,
    'verified',
    both('include/linux/mm.h:3069', 'include/linux/mm.h:3623'),
  ),
  vmf_insert_pfn: fn('mm/memory.c', null, 'verified', both('mm/memory.c:2265', 'mm/memory.c:2450')),
  vmf_insert_pfn_prot: fn('mm/memory.c', null, 'verified', both('mm/memory.c:2217', 'mm/memory.c:2402')),
  vmf_insert_mixed: fn('mm/memory.c', null, 'verified', 'S12 (older than 5.0)'),
  vm_insert_page: fn('mm/memory.c', null, 'verified', both('mm/memory.c:2046', 'mm/memory.c:2218')),
  do_user_addr_fault: fn(
    'arch/x86/mm/fault.c',
    null,
    'partly',
    `${both('arch/x86/mm/fault.c:1203', 'arch/x86/mm/fault.c:1209')}; split out of __do_page_fault for 5.0 (from memory)`,
  ),
  handle_mm_fault: fn('mm/memory.c', null, 'verified', both('mm/memory.c:5263', 'mm/memory.c:6080')),
  do_fault: fn('mm/memory.c', null, 'verified', both('mm/memory.c:4723', 'mm/memory.c:5434')),
  do_swap_page: fn('mm/memory.c', null, 'verified', both('mm/memory.c:3775', 'mm/memory.c:4210')),
  __vm_munmap: fn('mm/mmap.c', null, 'partly', both('mm/mmap.c:2934', 'mm/mmap.c:1636')),
  unmap_vmas: fn('mm/memory.c', null, 'verified', both('mm/memory.c:1712', 'mm/memory.c:1879')),
  exit_mmap: fn('mm/mmap.c', null, 'verified', both('mm/mmap.c:3267', 'mm/mmap.c:1919')),
  do_mprotect_pkey: fn('mm/mprotect.c', null, 'verified', both('mm/mprotect.c:671', 'mm/mprotect.c:709')),
  mprotect_fixup: fn(
    'mm/mprotect.c',
    null,
    'verified',
    both('include/linux/mm.h:2155 (decl)', 'include/linux/mm.h:2631 (decl)'),
  ),
  change_protection: fn('mm/mprotect.c', null, 'verified', both('mm/mprotect.c:501', 'mm/mprotect.c:541')),
  mutex_lock: fn(
    'kernel/locking/mutex.c',
    null,
    'verified',
    both('kernel/locking/mutex.c:281', 'kernel/locking/mutex.c:281'),
  ),
  mutex_unlock: fn(
    'kernel/locking/mutex.c',
    null,
    'verified',
    both('kernel/locking/mutex.c:537', 'kernel/locking/mutex.c:542'),
  ),
  ext4_file_mmap: fn('fs/ext4/file.c', null, 'verified', both('fs/ext4/file.c:768', 'fs/ext4/file.c:789')),
  put_page: fn(
    'include/linux/mm.h',
    null,
    'verified',
    both('include/linux/mm.h:1224', 'include/linux/mm.h:1540'),
  ),
  get_page: fn('include/linux/mm.h', null, 'verified', 'include/linux/mm.h (older than 5.0)'),
  lockdown_lsm: fn(
    'security/lockdown/lockdown.c',
    '5.4',
    'partly',
    'security/lockdown/lockdown.c, the lockdown LSM merged for 5.4 (from memory)',
  ),

  // ---- GUP (mm/gup.c) --------------------------------------------------------------------------
  get_user_pages: fn('mm/gup.c', null, 'verified', 'S12'),
  get_user_pages_fast: fn('mm/gup.c', null, 'verified', both('mm/gup.c:3151', 'mm/gup.c:3543')),
  get_user_pages_unlocked: fn(
    'mm/gup.c',
    null,
    'verified',
    'older than 5.0 (the v5.0 get_user_pages_fast() falls back to it); 6.1.192 mm/gup.c:2354',
  ),
  get_user_pages_longterm: fn(
    'mm/gup.c',
    null,
    'partly',
    'S12: 2bb6d2837083 (4.15), replaced by FOLL_LONGTERM in 932f4a630a69 (5.2)',
    {
      gone: '5.2',
      renamedTo: 'get_user_pages(…, FOLL_LONGTERM)',
    },
  ),
  __gup_longterm_unlocked: fn(
    'mm/gup.c',
    '5.2',
    'partly',
    'S12 (FOLL_LONGTERM in GUP-fast, Ira Weiny 2019); 6.1.192 mm/gup.c:2966; the 6.4-era tree (index 13006298) calls __gup_longterm_locked() directly: gone with the 6.3 series of d64e2dbc33a1 (release inferred)',
    { gone: '6.3', renamedTo: '__gup_longterm_locked() with FOLL_UNLOCKABLE' },
  ),
  pin_user_pages: fn(
    'mm/gup.c',
    '5.6',
    'verified',
    'S12: eddb1c228f79 (v5.6); 6.1.192 mm/gup.c:3304; 6.12.118 mm/gup.c:3643',
  ),
  pin_user_pages_fast: fn(
    'mm/gup.c',
    '5.6',
    'verified',
    'S12: eddb1c228f79 (v5.6); 6.1.192 mm/gup.c:3187; 6.12.118 mm/gup.c:3577',
  ),
  unpin_user_pages: fn(
    'mm/gup.c',
    '5.6',
    'verified',
    'S12: eddb1c228f79 (v5.6); 6.1.192 mm/gup.c:434; 6.12.118 mm/gup.c:401',
  ),
  internal_get_user_pages_fast: fn(
    'mm/gup.c',
    '5.6',
    'partly',
    'S12: with pin_user_pages_fast (5.6); renamed by 23babe1934d7 "mm/gup: consistently name GUP-fast functions" (6.10 merge window); 6.1.192 mm/gup.c:3038',
    {
      gone: '6.10',
      renamedTo: 'gup_fast_fallback',
    },
  ),
  gup_fast_fallback: fn('mm/gup.c', '6.10', 'partly', 'S12: 23babe1934d7 (6.10); 6.12.118 mm/gup.c:3437'),
  lockless_pages_from_mm: fn(
    'mm/gup.c',
    '5.11',
    'partly',
    'S12: c28b1fc70390 (5.11, inferred); 6.1.192 mm/gup.c:2989',
    {
      gone: '6.10',
      renamedTo: 'gup_fast',
    },
  ),
  gup_fast: fn('mm/gup.c', '6.10', 'partly', 'S12: 23babe1934d7; 6.12.118 mm/gup.c:3390'),
  gup_pgd_range: fn('mm/gup.c', null, 'partly', 'S12; 6.1.192 mm/gup.c:2923', {
    gone: '6.10',
    renamedTo: 'gup_fast_pgd_range',
  }),
  gup_fast_pgd_range: fn('mm/gup.c', '6.10', 'partly', 'S12: 23babe1934d7; 6.12.118 mm/gup.c:3350'),
  gup_pte_range: fn('mm/gup.c', null, 'partly', 'S12; 6.1.192 mm/gup.c:2449', {
    gone: '6.10',
    renamedTo: 'gup_fast_pte_range',
  }),
  gup_fast_pte_range: fn('mm/gup.c', '6.10', 'partly', 'S12; 6.12.118 mm/gup.c:2935'),
  is_valid_gup_flags: fn(
    'mm/gup.c',
    '5.10',
    'partly',
    'S12: Barry Song, "mm/gup: don\'t permit users to call get_user_pages with FOLL_LONGTERM" (posted 2020-08-19, index id 19386880875; in akpm\'s -mm tree as mm-gup-dont-permit-users-to-call-get_user_pages-with-foll_longterm, index id 11531570453; 5.10 inferred): it replaced the inline WARN_ON_ONCE(gup_flags & FOLL_PIN) of get_user_pages_fast/get_user_pages/get_user_pages_remote (5.6-5.9) and added WARN_ON_ONCE(gup_flags & FOLL_LONGTERM); present in 5.10.13 (index id 31178608294); 6.1.192 mm/gup.c:2171',
    {
      gone: '6.3',
      renamedTo: 'is_valid_gup_args',
    },
  ),
  is_valid_gup_args: fn(
    'mm/gup.c',
    '6.3',
    'verified',
    'S12: d64e2dbc33a1 in "MM updates for 6.3-rc1"; 6.12.118 mm/gup.c:2595',
  ),
  __gup_longterm_locked: fn('mm/gup.c', '5.2', 'partly', 'S12: 932f4a630a69 (5.2)'),
  check_dax_vmas: fn('mm/gup.c', '5.1', 'partly', 'S12', { gone: '5.11' }),
  check_vma_flags: fn('mm/gup.c', null, 'verified', '6.1.192 mm/gup.c:1063'),
  writable_file_mapping_allowed: fn('mm/gup.c', '6.5', 'unverified', 'S12 (S16 has it; release from memory)'),
  try_get_page: fn(
    'include/linux/mm.h',
    '5.1',
    'unverified',
    'S12: 88b1a17dfc3e "mm: add try_get_page() helper function" (5.1, from memory)',
  ),
  try_grab_page: fn(
    'mm/gup.c',
    '5.7',
    'partly',
    'S12: "mm/gup: track FOLL_PIN pages" (5.7); 6.1.192 mm/gup.c:219; gone in 6.12.118 (f442fa614137 "mm: gup: stop abusing try_grab_folio", 6.10)',
    {
      gone: '6.10',
      renamedTo: 'try_grab_folio (slow path)',
    },
  ),
  try_grab_compound_head: fn('mm/gup.c', '5.7', 'unverified', 'S12', {
    gone: '5.18',
    renamedTo: 'try_grab_folio',
  }),
  try_get_compound_head: fn(
    'mm/gup.c',
    '5.1',
    'unverified',
    'GUP-fast grab of 5.1–5.6 (88b1a17dfc3e era; from memory)',
    {
      gone: '5.7',
      renamedTo: 'try_grab_compound_head',
    },
  ),
  page_cache_get_speculative: fn(
    'include/linux/pagemap.h',
    null,
    'unverified',
    'the 5.0 GUP-fast grab in gup_pte_range() (from memory)',
    {
      gone: '5.1',
    },
  ),
  try_grab_folio: fn(
    'mm/gup.c',
    '5.18',
    'partly',
    'S12: the GUP-fast grab (returns struct folio *) 5.18–6.9, 6.1.192 mm/gup.c:125; the slow-path grab (returns int) from 6.10, 6.12.118 mm/gup.c:146',
  ),
  try_grab_folio_fast: fn('mm/gup.c', '6.10', 'partly', 'S12: f442fa614137 (6.10)'),
  follow_page_mask: fn('mm/gup.c', null, 'verified', '6.1.192 mm/gup.c; 6.12.118 mm/gup.c'),
  follow_page_pte: fn('mm/gup.c', null, 'verified', 'S12'),
  follow_pfn_pte: fn('mm/gup.c', null, 'partly', both('mm/gup.c:485', 'mm/gup.c:780')),
  faultin_page: fn('mm/gup.c', null, 'verified', 'S12'),
  __get_user_pages: fn('mm/gup.c', null, 'verified', 'S12'),
  __get_user_pages_locked: fn('mm/gup.c', null, 'verified', 'S12'),
  check_and_migrate_cma_pages: fn('mm/gup.c', '5.1', 'unverified', 'S12', {
    gone: '5.13',
    renamedTo: 'check_and_migrate_movable_pages',
  }),
  check_and_migrate_movable_pages: fn(
    'mm/gup.c',
    '5.13',
    'partly',
    `S12: d1e153fea2a8; ${both('mm/gup.c:2105', 'mm/gup.c:2531')}`,
  ),
  migrate_longterm_unpinnable_pages: fn(
    'mm/gup.c',
    '6.0',
    'unverified',
    'S12; 6.1.192 mm/gup.c:2023 (introduced between 5.13 and 6.1; shown only with DEVICE_COHERENT pages, 6.0+)',
    { gone: '6.12', renamedTo: 'migrate_longterm_unpinnable_folios' },
  ),
  migrate_longterm_unpinnable_folios: fn('mm/gup.c', '6.12', 'partly', 'S12 (by 6.12); 6.12.118 mm/gup.c'),
  folio_is_longterm_pinnable: fn(
    'include/linux/mm.h',
    '6.0',
    'partly',
    'S12 (present in 6.1.192 and 6.12.118; introduction unverified)',
  ),
  vma_is_fsdax: fn('include/linux/fs.h', null, 'verified', 'S12'),
  FOLL_WRITE: flag('include/linux/mm.h', null, 'verified', 'include/linux/mm.h (older than 5.0)'),
  FOLL_GET: flag(
    'include/linux/mm.h',
    null,
    'verified',
    'include/linux/mm.h (older than 5.0); internal (mm/internal.h) from 6.3',
  ),
  FOLL_FORCE: flag('include/linux/mm.h', null, 'verified', 'include/linux/mm.h (older than 5.0)'),
  FOLL_LONGTERM: flag(
    'include/linux/mm.h',
    '5.2',
    'partly',
    'S12: 932f4a630a69 (5.2); 6.1.192 include/linux/mm.h:3100; 6.12.118 include/linux/mm_types.h:1534',
  ),
  FOLL_PIN: flag('include/linux/mm.h', '5.6', 'verified', 'S12: eddb1c228f79 (v5.6); mm/internal.h from 6.3'),
  FOLL_PCI_P2PDMA: flag(
    'include/linux/mm.h',
    '6.2',
    'verified',
    'S12: 4003f107fa2e "mm: introduce FOLL_PCI_P2PDMA to gate getting PCI P2PDMA pages" (6.2); absent from 6.1.192 mm/gup.c',
  ),
  FOLL_TOUCH: flag('include/linux/mm.h', null, 'verified', 'include/linux/mm.h (older than 5.0)'),
  GUP_PIN_COUNTING_BIAS: flag(
    'include/linux/mm.h',
    '5.7',
    'partly',
    '"mm/gup: track FOLL_PIN pages" (5.7, from memory); 6.1.192, 6.12.118 include/linux/mm.h',
    { kind: 'macro' },
  ),

  // ---- block and iov_iter ----------------------------------------------------------------------
  ksys_pread64: fn('fs/read_write.c', null, 'verified', both('fs/read_write.c:652', 'fs/read_write.c:751')),
  __blkdev_direct_IO: fn(
    'block/fops.c',
    null,
    'verified',
    `${both('block/fops.c:170', 'block/fops.c:163')}; fs/block_dev.c before block/fops.c (5.15, cd82cca7ebfe, from memory)`,
    {
      moved: [{ since: '5.15', file: 'block/fops.c' }],
    },
  ),
  __bio_iov_iter_get_pages: fn('block/bio.c', null, 'verified', both('block/bio.c:1191', 'block/bio.c:1327')),
  bio_endio: fn('block/bio.c', null, 'verified', both('block/bio.c:1522', 'block/bio.c:1688')),
  blk_rq_map_sg: fn('block/blk-merge.c', null, 'verified', 'S12'),
  blk_dma_map_iter_start: fn(
    'block/blk-mq-dma.c',
    '7.2',
    'unverified',
    'S12: blk_rq_dma_map_iter_start() is 6.17 (verified); this name is newer (>6.17, unverified); oracle 7.2.13',
  ),
  blk_rq_dma_map_iter_start: fn(
    'block/blk-mq-dma.c',
    '6.17',
    'verified',
    '858299dc6160 "block: add scatterlist-less DMA mapping helpers" in "Block updates for 6.17-rc1" (S12, index id 34329083783); 7.2.13 block/blk-mq-dma.c:226',
  ),
  blk_dma_map_bus: fn(
    'block/blk-mq-dma.c',
    '6.17',
    'partly',
    '7.2.13 block/blk-mq-dma.c:80 (with the 6.17 iterator, S12)',
  ),
  blk_dma_map_direct: fn(
    'block/blk-mq-dma.c',
    '6.17',
    'partly',
    '7.2.13 block/blk-mq-dma.c:87 (with the 6.17 iterator, S12)',
  ),
  blk_rq_dma_map_iova: fn(
    'block/blk-mq-dma.c',
    '6.17',
    'partly',
    '7.2.13 block/blk-mq-dma.c:105 (with the 6.17 iterator, S12)',
  ),
  blk_rq_dma_unmap: fn(
    'include/linux/blk-mq-dma.h',
    '6.17',
    'partly',
    '7.2.13 include/linux/blk-mq-dma.h:56 (with the 6.17 iterator, S12)',
  ),
  dma_map_bvec: fn(
    'include/linux/blkdev.h',
    null,
    'verified',
    both('include/linux/blkdev.h:628', 'include/linux/blkdev.h:653'),
    {
      kind: 'macro',
    },
  ),
  gen_pool_virt_to_phys: fn(
    'lib/genalloc.c',
    null,
    'verified',
    both('lib/genalloc.c:217', 'lib/genalloc.c:217'),
  ),
  device_add: fn('drivers/base/core.c', null, 'verified', '6.1.192 drivers/base/core.c:3579; 7.2.13 :3639'),
  nvme_map_data: fn(
    'drivers/nvme/host/pci.c',
    null,
    'verified',
    both('drivers/nvme/host/pci.c:816', 'drivers/nvme/host/pci.c:785'),
  ),
  iov_iter_get_pages: fn(
    'lib/iov_iter.c',
    null,
    'partly',
    "S12: iov_iter_get_pages(i, pages, maxsize, maxpages, &start) (FOLL_GET) until 6.0, when Al Viro's series renamed it iov_iter_get_pages2() (eba2d3d79829); back with a flags argument in 6.2 (d82076403cef, for-6.2/block; 5e3e3f2e15df passes FOLL_PCI_P2PDMA), extraction flags from 6.3 (f62e52d1276b), removed by the 6.5 block pull; absent from 6.1.192 and 6.12.118",
    { gone: '6.0', renamedTo: 'iov_iter_get_pages2', again: { since: '6.2', gone: '6.5' } },
  ),
  iov_iter_get_pages2: fn(
    'lib/iov_iter.c',
    '6.0',
    'partly',
    both('lib/iov_iter.c:1495', 'lib/iov_iter.c:1212'),
  ),
  iov_iter_extract_pages: fn(
    'lib/iov_iter.c',
    '6.3',
    'partly',
    'S12: 7d58fe731028 (6.3); 6.12.118 lib/iov_iter.c:1872',
  ),
  ITER_ALLOW_P2PDMA: flag('include/linux/uio.h', '6.3', 'partly', 'S12 (with iov_iter_extract_pages)'),
  BLK_STS_TARGET: flag('include/linux/blk_types.h', null, 'verified', 'S12', { kind: 'enum' }),
  BLK_STS_INVAL: flag(
    'include/linux/blk_types.h',
    '6.0',
    'partly',
    'S12: ">6.1" partly; used from the 6.0 P2PDMA mapping path',
    {
      kind: 'enum',
    },
  ),
  BLK_STS_RESOURCE: flag('include/linux/blk_types.h', null, 'verified', 'older than 5.0', { kind: 'enum' }),
  BLK_STS_OK: flag('include/linux/blk_types.h', null, 'verified', 'older than 5.0', { kind: 'enum' }),
  ata_sg_setup: fn(
    'drivers/ata/libata-core.c',
    null,
    'verified',
    both('drivers/ata/libata-core.c:4710', 'drivers/ata/libata-core.c:4780'),
  ),

  // ---- scatterlists and the DMA API -----------------------------------------------------------
  sg_alloc_table_from_pages: fn(
    'include/linux/scatterlist.h',
    null,
    'verified',
    both('include/linux/scatterlist.h:411', 'include/linux/scatterlist.h:471'),
  ),
  __sg_alloc_table_from_pages: fn('lib/scatterlist.c', null, 'unverified', 'the 5.x builder (from memory)', {
    gone: '5.15',
    renamedTo: 'sg_alloc_append_table_from_pages',
  }),
  sg_alloc_append_table_from_pages: fn(
    'lib/scatterlist.c',
    '5.15',
    'unverified',
    both('lib/scatterlist.c:442', 'lib/scatterlist.c:455'),
  ),
  sg_alloc_table_from_pages_segment: fn(
    'lib/scatterlist.c',
    '5.15',
    'unverified',
    both('lib/scatterlist.c:565', 'lib/scatterlist.c:579'),
  ),
  SG_DMA_BUS_ADDRESS: flag('include/linux/scatterlist.h', '6.0', 'partly', 'S12'),
  sg_dma_mark_bus_address: fn('include/linux/scatterlist.h', '6.0', 'partly', 'S12'),
  dma_map_sg_attrs: fn(
    'kernel/dma/mapping.c',
    null,
    'verified',
    both('kernel/dma/mapping.c:227', 'kernel/dma/mapping.c:250'),
  ),
  __dma_map_sg_attrs: fn(
    'kernel/dma/mapping.c',
    '5.15',
    'verified',
    'S12: fffe3cc8c219 ("dma-mapping updates for Linux 5.15")',
  ),
  dma_map_sgtable: fn('kernel/dma/mapping.c', '5.8', 'unverified', 'S12 (release from memory)'),
  dma_unmap_sgtable: fn('include/linux/dma-mapping.h', '5.8', 'unverified', 'S12'),
  dma_direct_map_sg: fn('kernel/dma/direct.c', null, 'verified', '6.1.192 kernel/dma/direct.h:21 (decl)'),
  dma_direct_unmap_sg: fn('kernel/dma/direct.c', null, 'verified', '6.1.192 kernel/dma/direct.h:39 (decl)'),
  iommu_dma_map_sg: fn(
    'drivers/iommu/dma-iommu.c',
    null,
    'verified',
    both('drivers/iommu/dma-iommu.c:1186', 'drivers/iommu/dma-iommu.c:1376'),
  ),
  iommu_dma_unmap_sg: fn(
    'drivers/iommu/dma-iommu.c',
    null,
    'verified',
    both('drivers/iommu/dma-iommu.c:1306', 'drivers/iommu/dma-iommu.c:1514'),
  ),
  iommu_dma_alloc_iova: fn(
    'drivers/iommu/dma-iommu.c',
    null,
    'verified',
    both('drivers/iommu/dma-iommu.c:626', 'drivers/iommu/dma-iommu.c:762'),
  ),
  iommu_map_sg: fn(
    'drivers/iommu/iommu.c',
    null,
    'verified',
    both('drivers/iommu/iommu.c:2506', 'drivers/iommu/iommu.c:2616'),
  ),
  dma_pci_p2pdma_supported: fn('kernel/dma/mapping.c', '6.0', 'partly', 'S12'),
  DMA_ATTR_SKIP_CPU_SYNC: flag('include/linux/dma-mapping.h', null, 'verified', 'older than 5.0'),
  DMA_ATTR_MMIO: flag(
    'include/linux/dma-mapping.h',
    '6.18',
    'unverified',
    'Leon Romanovsky\'s "dma-mapping: introduce DMA_ATTR_MMIO" (2025; release unverified, taken as after 6.16)',
  ),
  DMA_MAPPING_ERROR: flag('include/linux/dma-mapping.h', null, 'verified', 'older than 5.0 (4.19)', {
    kind: 'macro',
  }),

  // ---- P2PDMA (drivers/pci/p2pdma.c) ----------------------------------------------------------
  pci_p2pdma_add_resource: fn('drivers/pci/p2pdma.c', null, 'verified', 'S12 (4.20)'),
  pci_p2pdma_setup: fn('drivers/pci/p2pdma.c', null, 'verified', 'S12 (4.20)'),
  pci_p2pmem_publish: fn('drivers/pci/p2pdma.c', null, 'verified', 'S12 (4.20)'),
  pci_alloc_p2pmem: fn(
    'drivers/pci/p2pdma.c',
    null,
    'verified',
    both('drivers/pci/p2pdma.c:693', 'drivers/pci/p2pdma.c:818'),
  ),
  pci_p2pmem_alloc_sgl: fn('drivers/pci/p2pdma.c', null, 'verified', 'S12 (4.20)'),
  pci_p2pmem_virt_to_bus: fn('drivers/pci/p2pdma.c', null, 'verified', 'S12 (4.20)'),
  pci_p2pdma_distance_many: fn('drivers/pci/p2pdma.c', null, 'verified', 'S12 (4.20)'),
  pci_p2pdma_distance: fn('include/linux/pci-p2pdma.h', null, 'verified', 'S12 (4.20)'),
  pci_p2pmem_find_many: fn('drivers/pci/p2pdma.c', null, 'verified', 'S12 (4.20)'),
  find_parent_pci_dev: fn('drivers/pci/p2pdma.c', null, 'verified', 'S12 (4.20)'),
  gen_pool_alloc: fn(
    'lib/genalloc.c',
    null,
    'verified',
    'S12 (S1: pci_alloc_p2pmem() of 4.20 calls it); an inline over gen_pool_alloc_algo_owner() in 6.1.192 include/linux/genalloc.h:152',
  ),
  gen_pool_alloc_owner: fn(
    'lib/genalloc.c',
    '5.4',
    'unverified',
    'include/linux/genalloc.h:129 in 6.1.192/6.12.118; added with the p2pdma owner tracking (from memory)',
  ),
  upstream_bridge_distance: fn(
    'drivers/pci/p2pdma.c',
    null,
    'verified',
    'S12: S1/S2; renamed by 6389d4374522 (v5.14)',
    {
      gone: '5.14',
      renamedTo: 'calc_map_type_and_dist',
    },
  ),
  calc_map_type_and_dist: fn(
    'drivers/pci/p2pdma.c',
    '5.14',
    'verified',
    'S12: 6389d4374522 ("applied for v5.14"); 6.1.192 drivers/pci/p2pdma.c:450',
  ),
  root_complex_whitelist: fn('drivers/pci/p2pdma.c', '5.2', 'verified', 'S12: 0f97da831026 (v5.2)', {
    gone: '5.4',
    renamedTo: 'host_bridge_whitelist',
  }),
  host_bridge_whitelist: fn(
    'drivers/pci/p2pdma.c',
    '5.4',
    'verified',
    'S12: PCI changes for v5.4; 6.1.192 drivers/pci/p2pdma.c:391',
  ),
  __host_bridge_whitelist: fn(
    'drivers/pci/p2pdma.c',
    '5.4',
    'verified',
    'S12; 6.1.192 drivers/pci/p2pdma.c:358',
  ),
  pci_host_bridge_dev: fn(
    'drivers/pci/p2pdma.c',
    '5.14',
    'partly',
    'S12: 3ec0c3ec2d92 (v5.14); S3 (5.4 vendor tree) carries it as a backport',
  ),
  cpu_supports_p2pdma: fn(
    'drivers/pci/p2pdma.c',
    '5.9',
    'verified',
    'S12: dea286bb71ba ("applied … for v5.9"); 6.1.192 drivers/pci/p2pdma.c:286',
  ),
  pci_bridge_has_acs_redir: fn('drivers/pci/p2pdma.c', null, 'verified', 'S12 (4.20)'),
  pci_p2pdma_map_type: fn(
    'drivers/pci/p2pdma.c',
    '5.4',
    'verified',
    'S12: "Store mapping method in an xarray" (5.4); 6.1.192 drivers/pci/p2pdma.c:844',
  ),
  pci_p2pdma_map_sg: fn(
    'drivers/pci/p2pdma.c',
    null,
    'verified',
    'S12: 4.20; removed 6.0 ("PCI/P2PDMA: Remove pci_p2pdma_[un]map_sg()")',
    {
      gone: '6.0',
      renamedTo: 'dma_map_sg() (P2PDMA aware)',
    },
  ),
  pci_p2pdma_map_sg_attrs: fn(
    'drivers/pci/p2pdma.c',
    '5.4',
    'verified',
    'S12: PCI changes for v5.4; absent 6.1.192',
    { gone: '6.0' },
  ),
  pci_p2pdma_map_segment: fn('drivers/pci/p2pdma.c', '6.0', 'verified', 'S12', {
    gone: '6.16',
    renamedTo: 'pci_p2pdma_state',
  }),
  pci_p2pdma_state: fn('include/linux/pci-p2pdma.h', '6.16', 'verified', 'S12 (S5)'),
  pci_p2pdma_bus_addr_map: fn('include/linux/pci-p2pdma.h', '6.16', 'partly', 'S12'),
  p2pmem_alloc_mmap: fn('drivers/pci/p2pdma.c', '6.2', 'verified', 'S12 (sysfs p2pmem/allocate)'),
  PCI_P2PDMA_MAP_UNKNOWN: flag('include/linux/pci-p2pdma.h', '5.4', 'verified', 'S12', { kind: 'enum' }),
  PCI_P2PDMA_MAP_NOT_SUPPORTED: flag('include/linux/pci-p2pdma.h', '5.4', 'verified', 'S12', {
    kind: 'enum',
  }),
  PCI_P2PDMA_MAP_BUS_ADDR: flag('include/linux/pci-p2pdma.h', '5.4', 'verified', 'S12', { kind: 'enum' }),
  PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: flag('include/linux/pci-p2pdma.h', '5.4', 'verified', 'S12', {
    kind: 'enum',
  }),
  PCI_P2PDMA_MAP_NONE: flag('include/linux/pci-p2pdma.h', '6.16', 'verified', 'S12 (S5)', { kind: 'enum' }),
  MEMORY_DEVICE_PCI_P2PDMA: flag('include/linux/memremap.h', null, 'verified', '4.20 (S1)', { kind: 'enum' }),
  prandom_u32_max: fn('include/linux/prandom.h', null, 'verified', '6.1.192 drivers/pci/p2pdma.c:676', {
    gone: '6.2',
    renamedTo: 'get_random_u32_below',
  }),
  get_random_u32_below: fn(
    'include/linux/random.h',
    '6.2',
    'partly',
    '6.12.118 drivers/pci/p2pdma.c:801; the treewide rename of prandom_u32_max() (6.2, from memory)',
  ),

  // ---- the 2019 RFC ----------------------------------------------------------------------------
  pci_test_p2p: fn('drivers/pci/p2pdma.c', null, 'verified', 'S11 RFC 1/5', { patch: 'rfc-2019' }),
  device_test_p2p: fn('drivers/base/core.c', null, 'verified', 'S11 RFC 2/5', { patch: 'rfc-2019' }),
  p2p_map: {
    kind: 'field',
    since: null,
    patch: 'rfc-2019',
    file: 'include/linux/mm.h',
    source: 'S11 RFC 3/5 (vm_operations_struct)',
    confidence: 'verified',
  },
  p2p_unmap: {
    kind: 'field',
    since: null,
    patch: 'rfc-2019',
    file: 'include/linux/mm.h',
    source: 'S11 RFC 3/5',
    confidence: 'verified',
  },
  HMM_PFN_P2P: flag('include/linux/hmm.h', null, 'verified', 'S12: RFC only', { patch: 'rfc-2019' }),

  // ---- HMM, migrate, device memory ------------------------------------------------------------
  hmm_vma_fault: fn(
    'mm/hmm.c',
    null,
    'partly',
    "S9: the public 4.14–5.1 API (hmm_vma_fault(range, block)); from 5.2 the name lives on as mm/hmm.c's internal static helper of hmm_range_fault() (6.1.192 and 6.12.118 mm/hmm.c:63)",
  ),
  hmm_vma_get_pfns: fn('mm/hmm.c', null, 'partly', 'S9: the public 4.14–5.1 snapshot API', {
    gone: '5.2',
    renamedTo: 'hmm_range_snapshot',
  }),
  hmm_range_register: fn('mm/hmm.c', '5.2', 'partly', 'S12', { gone: '5.5', alsoWith: 'rfc-2019' }),
  hmm_range_fault: fn(
    'mm/hmm.c',
    '5.2',
    'verified',
    'S12: (range, block) 5.2–5.3, (range, flags) 5.4–5.6, (range) 5.7+',
    { alsoWith: 'rfc-2019' },
  ),
  _hmm_range_fault: fn('mm/hmm.c', null, 'verified', "S11: the RFC's -mm base", { patch: 'rfc-2019' }),
  hmm_range_dma_map: fn('mm/hmm.c', '5.2', 'verified', 'S12', { gone: '5.5', alsoWith: 'rfc-2019' }),
  hmm_range_dma_unmap: fn('mm/hmm.c', '5.2', 'verified', 'S12', { gone: '5.5', alsoWith: 'rfc-2019' }),
  HMM_FAULT_ALLOW_RETRY: flag('include/linux/hmm.h', '5.4', 'verified', 'S12', { gone: '5.7' }),
  HMM_FAULT_SNAPSHOT: flag('include/linux/hmm.h', '5.4', 'verified', 'S12', { gone: '5.7' }),
  HMM_PFN_VALID: flag(
    'include/linux/hmm.h',
    null,
    'verified',
    'S12: a driver-defined index before 5.8, a fixed bit from 5.8 (2733ea144dcc)',
  ),
  HMM_PFN_WRITE: flag('include/linux/hmm.h', null, 'verified', 'S12 (as HMM_PFN_VALID)'),
  HMM_PFN_ERROR: flag('include/linux/hmm.h', null, 'verified', 'S12 (as HMM_PFN_VALID)'),
  HMM_PFN_SPECIAL: flag('include/linux/hmm.h', null, 'verified', 'S12: 5c8f3c4cf18a (5.8)', {
    gone: '5.8',
  }),
  HMM_PFN_DEVICE_PRIVATE: flag(
    'include/linux/hmm.h',
    null,
    'partly',
    'S12: removed with the customizable format (2733ea144dcc, 5.8)',
    {
      gone: '5.8',
    },
  ),
  HMM_PFN_NONE: flag('include/linux/hmm.h', null, 'partly', 'S12', { gone: '5.8' }),
  HMM_PFN_REQ_FAULT: flag('include/linux/hmm.h', '5.8', 'verified', 'S12: 2733ea144dcc'),
  HMM_PFN_REQ_WRITE: flag('include/linux/hmm.h', '5.8', 'verified', 'S12: 2733ea144dcc'),
  HMM_PFN_DMA_MAPPED: flag('include/linux/hmm.h', '6.16', 'verified', 'S12: 285e871884ff'),
  HMM_PFN_P2PDMA: flag('include/linux/hmm.h', '6.16', 'verified', 'S12: 285e871884ff'),
  HMM_PFN_P2PDMA_BUS: flag('include/linux/hmm.h', '6.16', 'verified', 'S12: 285e871884ff'),
  hmm_dma_map_alloc: fn('mm/hmm.c', '6.16', 'verified', 'S12: 8cad47130566'),
  hmm_dma_map_pfn: fn('mm/hmm.c', '6.16', 'verified', 'S12: 8cad47130566'),
  hmm_dma_unmap_pfn: fn('mm/hmm.c', '6.16', 'verified', 'S12: 8cad47130566'),
  mmu_interval_notifier_insert: fn(
    'mm/mmu_notifier.c',
    '5.5',
    'verified',
    'S12; 6.1.192 mm/mmu_notifier.c:995',
  ),
  mmu_interval_read_begin: fn('mm/mmu_notifier.c', '5.5', 'verified', 'S12'),
  mmu_interval_read_retry: fn('include/linux/mmu_notifier.h', '5.5', 'verified', 'S12'),
  mmu_notifier_invalidate_range_start: fn('include/linux/mmu_notifier.h', null, 'verified', 'older than 5.0'),
  mmu_notifier_invalidate_range_end: fn(
    'include/linux/mmu_notifier.h',
    null,
    'verified',
    both('include/linux/mmu_notifier.h:713', 'include/linux/mmu_notifier.h:628'),
  ),
  mmu_notifier_release: fn(
    'include/linux/mmu_notifier.h',
    null,
    'verified',
    both('include/linux/mmu_notifier.h:412', 'include/linux/mmu_notifier.h:399'),
  ),
  MMU_NOTIFY_UNMAP: flag(
    'include/linux/mmu_notifier.h',
    null,
    'partly',
    'enum mmu_notifier_event (5.0, from memory)',
    { kind: 'enum' },
  ),
  MMU_NOTIFY_CLEAR: flag(
    'include/linux/mmu_notifier.h',
    null,
    'partly',
    'enum mmu_notifier_event (5.0, from memory)',
    { kind: 'enum' },
  ),
  MMU_NOTIFY_PROTECTION_VMA: flag(
    'include/linux/mmu_notifier.h',
    null,
    'partly',
    'enum mmu_notifier_event (5.0, from memory)',
    { kind: 'enum' },
  ),
  MMU_NOTIFY_RELEASE: flag(
    'include/linux/mmu_notifier.h',
    '5.5',
    'unverified',
    'with mmu_interval_notifier (from memory)',
    { kind: 'enum' },
  ),
  MMU_NOTIFY_MIGRATE: flag(
    'include/linux/mmu_notifier.h',
    '5.9',
    'unverified',
    '"mm/migrate: add a flags parameter to migrate_vma" era (from memory)',
    { kind: 'enum' },
  ),
  migrate_vma: fn('mm/migrate.c', null, 'verified', 'S12: the one-shot API 4.14–5.3', {
    gone: '5.4',
    renamedTo: 'migrate_vma_setup/pages/finalize',
  }),
  migrate_vma_setup: fn('mm/migrate_device.c', '5.4', 'verified', 'S12; 6.1.192 mm/migrate_device.c:524', {
    moved: [],
  }),
  migrate_vma_finalize: fn('mm/migrate_device.c', '5.4', 'verified', 'S12; 6.1.192 mm/migrate_device.c:886'),
  MIGRATE_VMA_SELECT_SYSTEM: flag('include/linux/migrate.h', '5.9', 'unverified', 'from memory', {
    kind: 'enum',
  }),
  MIGRATE_VMA_SELECT_DEVICE_PRIVATE: flag('include/linux/migrate.h', '5.9', 'unverified', 'from memory', {
    kind: 'enum',
  }),
  memremap_pages: fn('mm/memremap.c', '5.3', 'unverified', both('mm/memremap.c:291', 'mm/memremap.c:292')),
  devm_memremap_pages: fn('mm/memremap.c', null, 'verified', both('mm/memremap.c:402', 'mm/memremap.c:403')),
  MEMORY_DEVICE_PRIVATE: flag('include/linux/memremap.h', null, 'verified', 'S10', { kind: 'enum' }),
  MEMORY_DEVICE_COHERENT: flag('include/linux/memremap.h', '6.0', 'unverified', 'S12', { kind: 'enum' }),
  MEMORY_DEVICE_FS_DAX: flag('include/linux/memremap.h', null, 'verified', 'older than 5.0', {
    kind: 'enum',
  }),
  MEMORY_DEVICE_PUBLIC: flag('include/linux/memremap.h', null, 'partly', 'S10', {
    kind: 'enum',
    gone: '5.1',
  }),
  dmirror_fops_open: fn(
    'lib/test_hmm.c',
    '5.8',
    'verified',
    'S12: "mm/hmm/test: add selftest driver for HMM" (5.8)',
  ),
  dmirror_interval_invalidate: fn('lib/test_hmm.c', '5.8', 'verified', 'S12'),
  dmirror_migrate_alloc_and_copy: fn('lib/test_hmm.c', '5.8', 'verified', 'S12'),
  dmirror_range_fault: fn('lib/test_hmm.c', '5.8', 'verified', 'S12'),
  hmm_devmem_fault: fn(
    'mm/hmm.c',
    null,
    'unverified',
    'struct hmm_devmem_ops.fault via hmm_devmem_fault() (4.14, S9/S10); hmm_devmem removed in 5.3 with dev_pagemap_ops (from memory)',
    {
      gone: '5.3',
      renamedTo: 'dev_pagemap_ops.migrate_to_ram',
      alsoWith: 'rfc-2019',
    },
  ),
  migrate_to_ram: {
    kind: 'field',
    since: '5.3',
    file: 'include/linux/memremap.h',
    source:
      "struct dev_pagemap_ops.migrate_to_ram, Christoph Hellwig's 5.3 devmem rework (from memory); 6.1.192/6.12.118 include/linux/memremap.h",
    confidence: 'unverified',
  },
  move_notify: {
    kind: 'field',
    since: '5.7',
    file: 'include/linux/dma-buf.h',
    source:
      'struct dma_buf_attach_ops.move_notify (dynamic dma-buf importers; from memory, with dma_buf_move_notify)',
    confidence: 'unverified',
  },
  dev_pagemap_owner: {
    kind: 'field',
    since: '5.7',
    file: 'include/linux/memremap.h',
    source: 'S12 (dev_pagemap.owner)',
    confidence: 'verified',
  },

  // ---- PCI sysfs -------------------------------------------------------------------------------
  pci_mmap_resource: fn(
    'drivers/pci/pci-sysfs.c',
    null,
    'verified',
    both('drivers/pci/pci-sysfs.c:1090', 'drivers/pci/pci-sysfs.c:1054'),
  ),
  pci_mmap_resource_range: fn(
    'drivers/pci/mmap.c',
    null,
    'verified',
    both('drivers/pci/mmap.c:22', 'drivers/pci/mmap.c:24'),
  ),

  // ---- RDMA ------------------------------------------------------------------------------------
  ib_uverbs_reg_mr: fn(
    'drivers/infiniband/core/uverbs_cmd.c',
    null,
    'verified',
    both('drivers/infiniband/core/uverbs_cmd.c:696', 'drivers/infiniband/core/uverbs_cmd.c:696'),
  ),
  mlx5_ib_reg_user_mr: fn(
    'drivers/infiniband/hw/mlx5/mr.c',
    null,
    'verified',
    both('drivers/infiniband/hw/mlx5/mr.c:1424', 'drivers/infiniband/hw/mlx5/mr.c:1530'),
  ),
  ib_umem_get: fn(
    'drivers/infiniband/core/umem.c',
    null,
    'verified',
    both('drivers/infiniband/core/umem.c:164', 'drivers/infiniband/core/umem.c:164'),
  ),
  ib_umem_release: fn(
    'drivers/infiniband/core/umem.c',
    null,
    'verified',
    both('drivers/infiniband/core/umem.c:284', 'drivers/infiniband/core/umem.c:284'),
  ),
  __ib_umem_release: fn(
    'drivers/infiniband/core/umem.c',
    null,
    'verified',
    both('drivers/infiniband/core/umem.c:48', 'drivers/infiniband/core/umem.c:48'),
  ),
  ib_dma_map_sg_attrs: fn(
    'include/rdma/ib_verbs.h',
    null,
    'verified',
    both('include/rdma/ib_verbs.h:4073', 'include/rdma/ib_verbs.h:4129'),
  ),
  ib_dma_map_sgtable_attrs: fn(
    'include/rdma/ib_verbs.h',
    '5.15',
    'unverified',
    'present in 6.1.192 include/rdma/ib_verbs.h:4101 and 6.12.118 :4157; added with the umem sg_append_table conversion (5.15, from memory)',
  ),
  create_user_odp_mr: fn(
    'drivers/infiniband/hw/mlx5/mr.c',
    null,
    'partly',
    both('drivers/infiniband/hw/mlx5/mr.c:1366', 'drivers/infiniband/hw/mlx5/mr.c:1471'),
  ),
  ib_umem_odp_get: fn(
    'drivers/infiniband/core/umem_odp.c',
    null,
    'partly',
    both('drivers/infiniband/core/umem_odp.c:225', 'drivers/infiniband/core/umem_odp.c:225'),
  ),
  ib_umem_odp_map_dma_and_lock: fn(
    'drivers/infiniband/core/umem_odp.c',
    '5.10',
    'partly',
    'S12: 6.1.192/6.12.118 drivers/infiniband/core/umem_odp.c:348; 36f30e486dce "IB/core: Improve ODP to use hmm_range_fault()" (5.10, unverified)',
  ),
  mlx5_ib_eqe_pf_action: fn(
    'drivers/infiniband/hw/mlx5/odp.c',
    null,
    'partly',
    both('drivers/infiniband/hw/mlx5/odp.c:1398', 'drivers/infiniband/hw/mlx5/odp.c:1598'),
  ),
  ib_umem_notifier_invalidate: fn(
    'drivers/infiniband/core/umem_odp.c',
    null,
    'unverified',
    "the lab's name for the umem_odp interval notifier callback (mlx5_ib_invalidate_range)",
  ),
  ib_umem_dmabuf_get: fn(
    'drivers/infiniband/core/umem_dmabuf.c',
    '5.12',
    'partly',
    `S12; ${both('drivers/infiniband/core/umem_dmabuf.c:112', 'drivers/infiniband/core/umem_dmabuf.c:177')}`,
  ),
  ib_umem_dmabuf_map_pages: fn('drivers/infiniband/core/umem_dmabuf.c', '5.12', 'partly', 'S12'),
  ib_umem_dmabuf_unmap_pages: fn('drivers/infiniband/core/umem_dmabuf.c', '5.12', 'partly', 'S12'),
  IB_ACCESS_ON_DEMAND: flag('include/rdma/ib_verbs.h', null, 'verified', 'older than 5.0'),

  // ---- dma-buf ---------------------------------------------------------------------------------
  dma_buf_attach: fn(
    'drivers/dma-buf/dma-buf.c',
    null,
    'verified',
    both('drivers/dma-buf/dma-buf.c:929', 'drivers/dma-buf/dma-buf.c:989'),
  ),
  dma_buf_dynamic_attach: fn(
    'drivers/dma-buf/dma-buf.c',
    '5.5',
    'partly',
    'S12 (dynamic dma-buf, 5.5–5.8; from memory)',
  ),
  dma_buf_map_attachment: fn(
    'drivers/dma-buf/dma-buf.c',
    null,
    'verified',
    both('drivers/dma-buf/dma-buf.c:1054', 'drivers/dma-buf/dma-buf.c:1112'),
  ),
  dma_buf_unmap_attachment: fn(
    'drivers/dma-buf/dma-buf.c',
    null,
    'verified',
    both('drivers/dma-buf/dma-buf.c:1161', 'drivers/dma-buf/dma-buf.c:1217'),
  ),
  dma_buf_move_notify: fn(
    'drivers/dma-buf/dma-buf.c',
    '5.7',
    'partly',
    both('drivers/dma-buf/dma-buf.c:1220', 'drivers/dma-buf/dma-buf.c:1272'),
  ),
  dma_resv_add_fence: fn(
    'drivers/dma-buf/dma-resv.c',
    '5.19',
    'unverified',
    both('drivers/dma-buf/dma-resv.c:275', 'drivers/dma-buf/dma-resv.c:287'),
  ),
  DMA_RESV_USAGE_KERNEL: flag('include/linux/dma-resv.h', '5.19', 'unverified', 'from memory', {
    kind: 'enum',
  }),
  dma_buf_phys_vec_to_sgt: fn('drivers/dma-buf/dma-buf-mapping.c', '6.19', 'unverified', 'S12 (S8)'),
  amdgpu_gem_prime_export: fn(
    'drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c',
    null,
    'partly',
    both('amdgpu_dma_buf.c:312', 'amdgpu_dma_buf.c:330'),
  ),
  amdgpu_dma_buf_attach: fn(
    'drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c',
    null,
    'partly',
    both('amdgpu_dma_buf.c:76', 'amdgpu_dma_buf.c:77'),
  ),
  amdgpu_dma_buf_map: fn(
    'drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c',
    null,
    'partly',
    both('amdgpu_dma_buf.c:163', 'amdgpu_dma_buf.c:182'),
  ),
  amdgpu_dma_buf_pin: fn(
    'drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c',
    '5.8',
    'unverified',
    both('amdgpu_dma_buf.c:126', 'amdgpu_dma_buf.c:145'),
  ),
  vfio_pci_core_feature_dma_buf: fn(
    'drivers/vfio/pci/vfio_pci_dmabuf.c',
    '6.19',
    'partly',
    'S12: "VFIO updates for v6.19-rc1"',
  ),
  vfio_pci_dma_buf_attach: fn('drivers/vfio/pci/vfio_pci_dmabuf.c', '6.19', 'partly', 'S12'),
  vfio_pci_dma_buf_map: fn('drivers/vfio/pci/vfio_pci_dmabuf.c', '6.19', 'partly', 'S12'),
  vfio_pci_dma_buf_move: fn('drivers/vfio/pci/vfio_pci_dmabuf.c', '6.19', 'partly', 'S12'),

  // ---- VM flags (include/linux/mm.h) ------------------------------------------------------------
  VM_READ: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_WRITE: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_MAYREAD: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_MAYWRITE: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_MAYEXEC: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_SHARED: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_MAYSHARE: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_IO: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_PFNMAP: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_MIXEDMAP: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_DONTEXPAND: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  VM_DONTDUMP: flag('include/linux/mm.h', null, 'verified', 'older than 5.0'),
  FOLL_FAST_ONLY: flag(
    'include/linux/mm.h',
    '5.8',
    'partly',
    'S12 (pin_user_pages_fast_only series, 2020-05); 6.1.192 include/linux/mm.h:3103; mm/internal.h from 6.3',
  ),
  is_pinnable_page: fn('include/linux/mm.h', '5.13', 'unverified', 'S12 (d1e153fea2a8 era, from memory)', {
    gone: '6.0',
    renamedTo: 'is_longterm_pinnable_page / folio_is_longterm_pinnable',
  }),
  hmm_range_snapshot: fn(
    'mm/hmm.c',
    '5.2',
    'verified',
    'S12: the 5.2 snapshot entry; replaced by hmm_range_fault(range, HMM_FAULT_SNAPSHOT) in the 5.4 hmm pull',
    { gone: '5.4', renamedTo: 'hmm_range_fault(range, HMM_FAULT_SNAPSHOT)' },
  ),
  dma_unmap_sg_attrs: fn(
    'kernel/dma/mapping.c',
    null,
    'verified',
    'older than 5.0 (include/linux/dma-mapping.h before 5.10)',
  ),
  is_migrate_cma_page: fn(
    'include/linux/mmzone.h',
    null,
    'verified',
    'older than 5.0; check_and_migrate_cma_pages() tests it (5.10.13)',
  ),
  is_longterm_pinnable_page: fn(
    'include/linux/mm.h',
    '5.19',
    'unverified',
    'S12 (renamed from is_pinnable_page; 6.1.192 include/linux/mm.h)',
    { gone: '6.6', renamedTo: 'folio_is_longterm_pinnable' },
  ),
  hmm_mirror_register: fn(
    'mm/hmm.c',
    null,
    'unverified',
    'S9 (4.14 HMM mirror API); removed when mmu_interval_notifier replaced the hmm mirror (5.5/5.6, from memory)',
    { gone: '5.6', renamedTo: 'mmu_interval_notifier_insert' },
  ),
} as const satisfies Record<string, NameDef>

export type KName = keyof typeof NAMES
