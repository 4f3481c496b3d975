/**
 * Source keys: what "S1" … "S16" and "oracle" mean wherever the engine cites them (Decision.source,
 * the era table's sources, doc comments). Each key names the kernel text a rule was read from:
 * repository, file(s), commit and the era it stands for. docs/kernel/sources.md says the same in
 * prose, with what each source was used for; sources.test.ts checks that every key cited anywhere in
 * the repository is defined here and there.
 *
 * Several sources are copies the code-search index returned without a repository name ("index id"):
 * their era is worked out from what the file contains, and each says so. Line numbers in the docs
 * are from Debian's 6.1.192 and 6.12.118 trees unless a source says otherwise.
 */

export interface SourceInfo {
  /** 'S1' … 'S17', or 'oracle'. */
  key: string
  /** What it is, in one line. */
  title: string
  /** owner/name of the repository, or null when it is not a repository (mail, web page, the oracle). */
  repo: string | null
  /** Files read from it. */
  paths: string[]
  /** The commit the files were read at (full hash), or null. */
  commit: string | null
  /** The kernel era it stands for, and how that was established. */
  era: string
  /** Where to read it (null when there is no stable public address). */
  url: string | null
}

const KORG = 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git'

export const SOURCES: readonly SourceInfo[] = [
  {
    key: 'S1',
    title: 'drivers/pci/p2pdma.c as of Linux v4.20/v5.0',
    repo: 'torvalds/linux',
    paths: ['drivers/pci/p2pdma.c'],
    commit: '02917e9f8676207a4c577d4d94eae12bf348e9d7',
    era: 'v4.20/v5.0: upstream_bridge_distance() returns the hop count, -1 or -2; no map types, no whitelist',
    url: `${KORG}/tree/drivers/pci/p2pdma.c?id=02917e9f8676207a4c577d4d94eae12bf348e9d7`,
  },
  {
    key: 'S2',
    title: 'drivers/pci/p2pdma.c with root_complex_whitelist() (AMD Zen 1022:1450)',
    repo: 'torvalds/linux',
    paths: ['drivers/pci/p2pdma.c'],
    commit: '3306e99edf70e9f7f9839c0c680136f098ebb1ed',
    era: 'v5.2 merge window, before the fix that skips the allowance when an IOMMU is present',
    url: `${KORG}/tree/drivers/pci/p2pdma.c?id=3306e99edf70e9f7f9839c0c680136f098ebb1ed`,
  },
  {
    key: 'S3',
    title: 'drivers/pci/p2pdma.c of a vendor kernel based on 5.4 (with backports)',
    repo: 'CodeLinaro-mirror/qsdk_oss_kernel_linux-ipq-5.4',
    paths: ['drivers/pci/p2pdma.c'],
    commit: '7744840b595e164d6c4294c8192001c16526ce00',
    era: 'v5.4: map types, the per-provider xarray cache, host_bridge_whitelist(), pci_p2pdma_map_sg_attrs(); it also has pdev->acs_cap (a later backport)',
    url: 'https://github.com/CodeLinaro-mirror/qsdk_oss_kernel_linux-ipq-5.4/blob/7744840b595e164d6c4294c8192001c16526ce00/drivers/pci/p2pdma.c',
  },
  {
    key: 'S4',
    title: 'drivers/pci/p2pdma.c of the 6.x series (calc_map_type_and_dist, pci_p2pdma_map_segment)',
    repo: 'NVIDIA/NV-Kernels',
    paths: ['drivers/pci/p2pdma.c'],
    commit: '2f18f71dae62e743b1f91820c75fc753b2ff17b7',
    era: '6.0–6.15 (with a second copy from the search index, id 64779093); checked against Debian 6.1.192 and 6.12.118',
    url: 'https://github.com/NVIDIA/NV-Kernels/blob/2f18f71dae62e743b1f91820c75fc753b2ff17b7/drivers/pci/p2pdma.c',
  },
  {
    key: 'S5',
    title:
      'linux-block development tree: p2pdma.c, pci-p2pdma.h and kernel/dma/direct.c after the mapping refactor',
    repo: 'linux-blktests/linux-block',
    paths: ['drivers/pci/p2pdma.c', 'include/linux/pci-p2pdma.h', 'kernel/dma/direct.c'],
    commit: '71137931730d31b9ff796c8b228d5de1bdd0c1bb',
    era: '6.16 and later: pci_p2pdma_state(), PCI_P2PDMA_MAP_NONE (pci-p2pdma.h read at 9d2f87563267, direct.c at 29367912ff00)',
    url: 'https://github.com/linux-blktests/linux-block/blob/71137931730d31b9ff796c8b228d5de1bdd0c1bb/drivers/pci/p2pdma.c',
  },
  {
    key: 'S6',
    title: "drivers/pci/p2pdma.c from Leon Romanovsky's rdma tree, the newest seen",
    repo: 'kernelorg-mirror/linux_kernel_git_leon_linux-rdma',
    paths: ['drivers/pci/p2pdma.c'],
    commit: '04673b7105e6651d112a02a0bb7dc58b62ca5882',
    era: 'newest ("next"): pcim_p2pdma_init(), per-BAR pcim_p2pdma_provider(), the longer whitelist, warn = verbose',
    url: 'https://github.com/kernelorg-mirror/linux_kernel_git_leon_linux-rdma/blob/04673b7105e6651d112a02a0bb7dc58b62ca5882/drivers/pci/p2pdma.c',
  },
  {
    key: 'S7',
    title: 'HMM, memremap, RDMA umem and dma-direct files of a 6.16+ tree',
    repo: 'Kingxukai/linux',
    paths: [
      'include/linux/hmm.h',
      'mm/hmm.c',
      'include/linux/memremap.h',
      'drivers/infiniband/core/umem.c',
      'drivers/infiniband/core/umem_odp.c',
      'drivers/infiniband/core/umem_dmabuf.c',
      'Documentation/mm/hmm.rst',
      'include/linux/mmu_notifier.h',
      'Documentation/driver-api/pci/p2pdma.rst',
      'kernel/dma/direct.c',
    ],
    commit: '9b44fff655e2c6f4cc53cb499dd2c038e99cb013',
    era: '6.16 and later: HMM_PFN_P2PDMA, hmm_dma_map_*() (mmu_notifier.h, p2pdma.rst and direct.c read at 0291023e7330)',
    url: 'https://github.com/Kingxukai/linux/blob/9b44fff655e2c6f4cc53cb499dd2c038e99cb013/mm/hmm.c',
  },
  {
    key: 'S8',
    title: 'VFIO PCI BAR export as dma-buf, and dma_buf_phys_vec_to_sgt()',
    repo: 'torvalds/linux',
    paths: ['drivers/vfio/pci/vfio_pci_dmabuf.c', 'drivers/dma-buf/dma-buf-mapping.c'],
    commit: '06fddc7a1961241309ab9e18324514032b1e4763',
    era: '6.19 and later (VFIO updates for v6.19); dma-buf-mapping.c read at 0b9828c7231e',
    url: `${KORG}/tree/drivers/vfio/pci/vfio_pci_dmabuf.c?id=06fddc7a1961241309ab9e18324514032b1e4763`,
  },
  {
    key: 'S9',
    title: 'include/linux/hmm.h of Linux 4.20 (hmm_vma_fault, hmm_vma_get_pfns)',
    repo: 'a4913994/linux-4.20',
    paths: ['include/linux/hmm.h'],
    commit: '9fae657d0fc185147340df0bfb0fd35775d11636',
    era: 'v4.20; taken to hold for v5.0 too (unverified)',
    url: 'https://github.com/a4913994/linux-4.20/blob/9fae657d0fc185147340df0bfb0fd35775d11636/include/linux/hmm.h',
  },
  {
    key: 'S10',
    title: 'include/linux/memremap.h with MEMORY_DEVICE_HOST/PRIVATE/PUBLIC',
    repo: 'torvalds/linux',
    paths: ['include/linux/memremap.h'],
    commit: '0628b8c650718f4dfedfcdc9ed136bf7e394aae7',
    era: 'about 4.15 (only the older ZONE_DEVICE types)',
    url: `${KORG}/tree/include/linux/memremap.h?id=0628b8c650718f4dfedfcdc9ed136bf7e394aae7`,
  },
  {
    key: 'S11',
    title:
      'The January 2019 RFC "Device peer to peer (p2p) through vma" (patches 0/5–5/5) and its review thread',
    repo: null,
    paths: ['linux-mm list: <20190129174728.6430-1-jglisse@redhat.com> and replies'],
    commit: null,
    era: 'v5.0 + RFC: never merged; based on the HMM rework then queued in -mm',
    url: 'https://lore.kernel.org/r/20190129174728.6430-1-jglisse@redhat.com',
  },
  {
    key: 'S12',
    title: 'Patch mails on linux-mm, linux-pci, iommu and stable (GUP, scatterlist, dma-mapping, HMM, ODP)',
    repo: null,
    paths: ['the commit each statement cites, e.g. 7c2645a2a30a, 4003f107fa2e, 1567b49d1a40, 36f30e486dce'],
    commit: null,
    era: 'the release of each cited commit (see docs/kernel/sources.md)',
    url: null,
  },
  {
    key: 'S13',
    title:
      'GitHub issue sbates130272/linux-p2pmem#5: the bus_offset sign bug, confirmed by the P2PDMA maintainer',
    repo: 'sbates130272/linux-p2pmem',
    paths: ['issue #5 (2021-09-08)'],
    commit: null,
    era: 'v4.20 – 5.x mapping code (s->dma_address = paddr - bus_offset)',
    url: 'https://github.com/sbates130272/linux-p2pmem/issues/5',
  },
  {
    key: 'S14',
    title: 'LWN, "Controlling device peer-to-peer access from user space" (2019-03-07), introduction only',
    repo: null,
    paths: [],
    commit: null,
    era: 'the 2019 debate',
    url: null,
  },
  {
    key: 'S15',
    title: 'lib/scatterlist.c with pages_are_mergeable() checking the pagemap',
    repo: null,
    paths: ['lib/scatterlist.c (search index id 230579810, repository not recorded)'],
    commit: null,
    era: '6.2 and later; confirmed in Debian 6.12.118 lib/scatterlist.c:417-424 and absent in 6.1.192',
    url: 'https://elixir.bootlin.com/linux/v6.12/source/lib/scatterlist.c',
  },
  {
    key: 'S16',
    title: 'mm/gup.c of two trees: is_valid_gup_args(), check_vma_flags(), try_grab_folio()',
    repo: null,
    paths: [
      'mm/gup.c (search index id 40375181897: 6.6+, has VM_SHADOW_STACK)',
      'mm/gup.c (search index id 13006298: 6.4-era)',
    ],
    commit: null,
    era: '6.4–6.x; confirmed in Debian 6.12.118 mm/gup.c:2595-2635',
    url: 'https://elixir.bootlin.com/linux/v6.12/source/mm/gup.c',
  },
  {
    key: 'S17',
    title: 'drivers/pci/p2pdma.c of an Intel 5.15 LTS tree (calc_map_type_and_dist(), cache-only map type)',
    repo: 'xzhan34/linux-intel-lts2021',
    paths: ['drivers/pci/p2pdma.c'],
    commit: 'a745a76eadab889358f1fe998d2dfe3f0ba048b9',
    era: 'v5.15: the 5.14 rework (calc_map_type_and_dist(), pci_host_bridge_dev() accepting devfn 00.0 only, char buf[128]); it carries the 5.18 Intel 0x09a2 whitelist entry as a backport',
    url: 'https://github.com/xzhan34/linux-intel-lts2021/blob/a745a76eadab889358f1fe998d2dfe3f0ba048b9/drivers/pci/p2pdma.c',
  },
  {
    key: 'oracle',
    title:
      "Real kernels booted in QEMU by this repository's oracle (tools/oracle): their own P2PDMA verdicts",
    repo: null,
    paths: ['tools/oracle', 'electron/engine/p2pdma/oracle-runs.test.ts'],
    commit: null,
    era: 'Debian 6.12.117 (built with CONFIG_PCI_P2PDMA) and Debian sid 7.2.13',
    url: null,
  },
]

const BY_KEY = new Map(SOURCES.map((s) => [s.key, s]))

/** The source keys a citation mentions, in order, each once ('S4/oracle 6.12.117' -> S4, oracle). */
export function sourceKeys(citation: string): string[] {
  const keys = [...citation.matchAll(/\bS\d{1,2}\b|\boracle\b/g)].map((m) => m[0])
  return [...new Set(keys)]
}

/** The definition of a key, or undefined for a key that is not one of ours. */
export function sourceInfo(key: string): SourceInfo | undefined {
  return BY_KEY.get(key)
}
