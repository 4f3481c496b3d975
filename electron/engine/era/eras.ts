/**
 * The era table: every kernel era the lab models, in the order of shared/model/topology.ts ERAS (the
 * one ordered list of era ids; the shared model needs it for validation), each with its release,
 * label, the distribution kernels it stands for, its summary and sources, and the P2PDMA rule
 * switches of its drivers/pci/p2pdma.c.
 *
 * Every other era fact lives beside this file: kernel names (names.ts) and behaviours
 * (behaviours.ts), each with the release it appeared and went. Nothing outside electron/engine/era/
 * compares eras; code asks index.ts (has(), behaves(), p2pRules(), …). See docs/kernel/eras.md.
 *
 * Source keys (S1 … S17, oracle) are defined in electron/engine/sources.ts and docs/kernel/sources.md.
 * "6.1.192 file:line" and "6.12.118 file:line" are Debian's linux-source-6.1 and linux-source-6.12
 * trees (docs/kernel/sources.md). S12 stands for the patch mails, pull requests and push logs that
 * place a commit in a release ("PCI changes for v5.4", "MM updates for 6.3-rc1"); the commit is
 * named beside it. Release placements and their confidence are listed in docs/kernel/eras.md.
 */
import type { Era } from '../../../shared/model/topology'
import type { Release } from './release'

/** A distribution kernel an era stands for. */
export interface Distro {
  name: string
  /** The distribution's kernel series (its base release). */
  kernel: string
  /** true when the kernel series was read from the distribution's own package (not from memory). */
  verified: boolean
  source: string
}

/** Which kernel routine classifies a (provider, client) pair. */
export type P2pFamily =
  | 'upstream_bridge_distance' // 4.20–5.1 (S1): int, -1/-2
  | 'upstream_bridge_distance_rc' // 5.2–5.3 (S2): int, -1/-2, 0x1000 + dist for AMD 1450 root complexes
  | 'upstream_bridge_distance_map' // 5.4–5.13 (S3): map type + cache
  | 'calc_map_type_and_dist' // 5.14+ (6389d4374522; S17, S4, S6)

/**
 * Which pci_p2pdma_whitelist[] the era has (p2pdma/whitelist.ts holds the entries):
 * - 'amd-xeon-e5': 5.4 (S3): AMD 1022:1450 + Xeon E5/E7 3c00/3c01/2f00/2f01 (REQ_SAME_HOST_BRIDGE)
 * - 'xeon-skl': the AMD entry dropped (cpu_supports_p2pdma(), 5.9) + Skylake-E 2030–2033, 2020
 * - 'xeon-skl-icx': + 0x09a2 (feaea1fe8b36, v5.18)
 * - 'accel': + Intel DSA/IAX/QAT and Google PCI_ANY_ID (7.2, oracle)
 * - 'nvidia': + NVIDIA 10de:2f95–2f98 (S6)
 */
export type WhitelistId = 'none' | 'rc-amd' | 'amd-xeon-e5' | 'xeon-skl' | 'xeon-skl-icx' | 'accel' | 'nvidia'

/** How the device that stands for a host bridge is found. */
export type HostBridgeDevRule =
  | 'none' // no whitelist at all (v5.0)
  | 'slot0' // pci_get_slot(host->bus, PCI_DEVFN(0, 0)): any position on the root bus (before 5.14)
  | 'first-devfn0' // pci_host_bridge_dev() (3ec0c3ec2d92, 5.14): first device on host->bus->devices, only if devfn 00.0
  | 'first-devfn0-or-root-port' // 6.1.192 drivers/pci/p2pdma.c:339-356: first device, if devfn 00.0 or a PCIe Root Port

/**
 * The kernel's printk format strings of the P2PDMA warnings, per era (filled by p2pdma/pci.ts
 * kfmt()). null: the era does not print that line.
 */
export interface P2pTexts {
  /** ACS redirect below a common bridge (pci_warn on the client). */
  acsRedirect: string
  /** The pci=disable_acs_redir= hint that follows it. */
  acsHint: string
  /** A refused pair. */
  deny: string
  /** A client with no PCI function in its parent chain. */
  notPci: string
  /** A client whose driver uses dma_virt_ops (5.2–5.10 only), or null. */
  dmaVirtOps: string | null
  /** __host_bridge_whitelist() miss (5.14+, cf201bfe8cdc), or null. */
  notWhitelisted: string | null
  /** pci_p2pdma_add_resource() success (pci_info). */
  addedMemory: string
}

export interface P2pRules {
  family: P2pFamily
  /** enum pci_p2pdma_map_type exists (5.4+). */
  hasMapTypes: boolean
  /** Per-provider map_types xarray (5.4+). */
  hasCache: boolean
  /** pci_p2pdma_map_type() computes a missing entry (6.0+, 719c98658058); false: reads the cache only. */
  mapTypeOnDemand: boolean
  whitelist: WhitelistId
  hostBridgeDev: HostBridgeDevRule
  /** cpu_supports_p2pdma() bypasses the whitelist (5.9+, dea286bb71ba). */
  cpuSupportsP2pdma: boolean
  /** When texts.notWhitelisted is printed. */
  whitelistWarn: 'never' | 'acs_redirects' | 'verbose'
  /** seq_buf size for the ACS list: PAGE_SIZE in 5.x (kmalloc), char buf[128] from 5.14. */
  acsListSize: number
  /** RFC 1/5 pci_test_p2p() exists. */
  rfcTestP2p: boolean
  texts: P2pTexts
}

export interface EraDef {
  /** The mainline release the era's kernel is based on. */
  release: Release
  /** Out-of-tree patches applied on top ('rfc-2019': the Jan 2019 "p2p through vma" RFC). */
  patches: readonly 'rfc-2019'[]
  label: string
  /** The distribution kernels this era stands for (empty: none ships it). */
  distros: readonly Distro[]
  summary: string
  sources: readonly string[]
  /** Source key of the era's drivers/pci/p2pdma.c (Decision.source). */
  p2pSource: string
  p2p: P2pRules
}

const TEXTS_5X: P2pTexts = {
  acsRedirect:
    'cannot be used for peer-to-peer DMA as ACS redirect is set between the client and provider (%s)',
  acsHint: 'to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=%s',
  deny: 'cannot be used for peer-to-peer DMA as the client and provider (%s) do not share an upstream bridge',
  notPci: 'cannot be used for peer-to-peer DMA as it is not a PCI device',
  dmaVirtOps: null,
  notWhitelisted: null,
  addedMemory: 'added peer-to-peer DMA memory %pR',
}

/** 5.4 (S3): the ACS line lost its prefix, the refusal names the whitelist. */
const TEXTS_54: P2pTexts = {
  ...TEXTS_5X,
  acsRedirect: 'ACS redirect is set between the client and provider (%s)',
  deny: 'cannot be used for peer-to-peer DMA as the client and provider (%s) do not share an upstream bridge or whitelisted host bridge',
  dmaVirtOps: 'cannot be used for peer-to-peer DMA because the driver makes use of dma_virt_ops',
}

/** 5.14+ (S17; 6.1.192 drivers/pci/p2pdma.c:381, 519-531): the whitelist miss is printed. */
const TEXTS_515: P2pTexts = {
  ...TEXTS_54,
  dmaVirtOps: null,
  notWhitelisted: 'Host bridge not in P2PDMA whitelist: %04x:%04x',
}

/** 6.1.192 drivers/pci/p2pdma.c:220 (also oracle 6.12.117): "added peer-to-peer DMA memory %#llx-%#llx". */
const TEXTS_6X: P2pTexts = { ...TEXTS_515, addedMemory: 'added peer-to-peer DMA memory %#llx-%#llx' }

const V50: P2pRules = {
  family: 'upstream_bridge_distance',
  hasMapTypes: false,
  hasCache: false,
  mapTypeOnDemand: false,
  whitelist: 'none',
  hostBridgeDev: 'none',
  cpuSupportsP2pdma: false,
  whitelistWarn: 'never',
  acsListSize: 4096,
  rfcTestP2p: false,
  texts: TEXTS_5X,
}

const V52: P2pRules = {
  ...V50,
  family: 'upstream_bridge_distance_rc',
  whitelist: 'rc-amd',
  hostBridgeDev: 'slot0',
  texts: { ...TEXTS_5X, dmaVirtOps: TEXTS_54.dmaVirtOps },
}

const V54: P2pRules = {
  ...V50,
  family: 'upstream_bridge_distance_map',
  hasMapTypes: true,
  hasCache: true,
  whitelist: 'amd-xeon-e5',
  hostBridgeDev: 'first-devfn0',
  texts: TEXTS_54,
}

const V515: P2pRules = {
  ...V54,
  family: 'calc_map_type_and_dist',
  whitelist: 'xeon-skl',
  hostBridgeDev: 'first-devfn0',
  cpuSupportsP2pdma: true,
  whitelistWarn: 'acs_redirects',
  acsListSize: 128,
  texts: TEXTS_515,
}

const V60: P2pRules = {
  ...V515,
  mapTypeOnDemand: true,
  whitelist: 'xeon-skl-icx',
  hostBridgeDev: 'first-devfn0-or-root-port',
  texts: TEXTS_6X,
}

const DEBIAN_12: Distro = {
  name: 'Debian 12 "bookworm"',
  kernel: '6.1',
  verified: true,
  source: 'bookworm-security linux-source-6.1 6.1.192-3',
}

export const ERA_TABLE: Readonly<Record<Era, EraDef>> = {
  'v5.0': {
    p2pSource: 'S1',
    release: '5.0',
    patches: [],
    label: 'v5.0 (2019)',
    distros: [],
    summary:
      'upstream_bridge_distance() returns the hop count, -1 (no common upstream bridge) or -2 (ACS redirect on the path). ' +
      'No map types, no host-bridge whitelist, no cache: anything that has to cross the root complex is refused. ' +
      'GUP: get_user_pages_fast(start, nr, write, pages), get_user_pages_longterm(); no FOLL_LONGTERM, no FOLL_PIN.',
    sources: [
      'S1 torvalds/linux drivers/pci/p2pdma.c @ 02917e9f8676',
      'S12 (GUP names: docs/kernel/eras.md)',
    ],
    p2p: V50,
  },
  'v5.0-rfc': {
    p2pSource: 'S1',
    release: '5.0',
    patches: ['rfc-2019'],
    label: 'v5.0 + RFC "p2p through vma" (Jan 2019)',
    distros: [],
    summary:
      'v5.0 rules plus RFC 1/5 pci_test_p2p() and 2/5 device_test_p2p(). As posted pci_test_p2p() ends with "return false" ' +
      '(settings.rfcTestP2p = as-posted); as intended it returns upstream_bridge_distance() >= 0. The series never landed.',
    sources: ['S1', 'S11 <20190129174728.6430-1-jglisse@redhat.com> (RFC 0/5..5/5)'],
    p2p: { ...V50, rfcTestP2p: true },
  },
  'v5.2': {
    p2pSource: 'S2',
    release: '5.2',
    patches: [],
    label: 'v5.2',
    distros: [],
    summary:
      'v5.0 plus root_complex_whitelist() (0f97da831026, v5.2 merge window): with no common upstream bridge, if the ' +
      'devfn 00.0 device on the root bus of BOTH the provider and the client is AMD 1022:1450, the distance is ' +
      '0x1000 + dist_a + dist_b instead of -1. ACS redirect below a common bridge still gives -2. GUP: FOLL_LONGTERM ' +
      'replaces get_user_pages_longterm() (932f4a630a69); get_user_pages_fast() takes gup_flags.',
    sources: ['S2 torvalds/linux drivers/pci/p2pdma.c @ 3306e99edf70', 'S12 (release from the PCI pull)'],
    p2p: V52,
  },
  'v5.4': {
    p2pSource: 'S3',
    release: '5.4',
    patches: [],
    label: 'v5.4 LTS (vendor tree S3)',
    distros: [{ name: 'Ubuntu 20.04 LTS "focal"', kernel: '5.4', verified: false, source: 'from memory' }],
    summary:
      'Map types (UNKNOWN/NOT_SUPPORTED/BUS_ADDR/THRU_HOST_BRIDGE) cached per provider in an xarray; ACS redirect or no ' +
      'common bridge means THRU_HOST_BRIDGE if host_bridge_whitelist() passes (AMD 1022:1450, Intel 3c00/3c01/2f00/2f01 ' +
      'with REQ_SAME_HOST_BRIDGE), else NOT_SUPPORTED. pci_p2pdma_map_type() only reads the cache (C21). S3 is a vendor ' +
      'tree that carries the 5.14 pci_host_bridge_dev() (first device, devfn 00.0 only); vanilla 5.4 used ' +
      'pci_get_slot(host->bus, PCI_DEVFN(0, 0)) (S12; kept as S3 has it).',
    sources: ['S3 CodeLinaro-mirror/qsdk_oss_kernel_linux-ipq-5.4 drivers/pci/p2pdma.c @ 7744840b595e'],
    p2p: V54,
  },
  'v5.10': {
    p2pSource: 'S3/S12',
    release: '5.10',
    patches: [],
    label: 'v5.10 LTS',
    distros: [
      { name: 'Debian 11 "bullseye"', kernel: '5.10', verified: false, source: 'from memory' },
      { name: 'many vendor and CIP kernels', kernel: '5.10', verified: false, source: 'issue 11' },
    ],
    summary:
      'The 5.4 map-type walk (upstream_bridge_distance() with map types, cache read only) plus cpu_supports_p2pdma() ' +
      '(dea286bb71ba, v5.9): an AMD Zen CPU allows THRU_HOST_BRIDGE without a whitelist entry, and the AMD 1450 entry is ' +
      'gone. The host bridge device is still pci_get_slot(host->bus, PCI_DEVFN(0, 0)) (pci_host_bridge_dev() is 5.14). ' +
      'No whitelist warning yet (5.14). Which Skylake-E entries 5.10 had is unverified (taken as 5.15 has them).',
    sources: ['S12: dea286bb71ba (v5.9), 3ec0c3ec2d92 (v5.14), cf201bfe8cdc (v5.14)', 'S3 (the walk)'],
    p2p: { ...V54, whitelist: 'xeon-skl', hostBridgeDev: 'slot0', cpuSupportsP2pdma: true },
  },
  'v5.15': {
    p2pSource: 'S17',
    release: '5.15',
    patches: [],
    label: 'v5.15 LTS',
    distros: [{ name: 'Ubuntu 22.04 LTS "jammy"', kernel: '5.15', verified: false, source: 'from memory' }],
    summary:
      'calc_map_type_and_dist() (6389d4374522, v5.14) with char buf[128] for the ACS list, pci_host_bridge_dev() ' +
      '(first device only if devfn 00.0), "Host bridge not in P2PDMA whitelist" printed when ACS redirect was found ' +
      '(cf201bfe8cdc), cpu_supports_p2pdma(). pci_p2pdma_map_type() still reads the cache only (on demand from 6.0). ' +
      'Whitelist: Xeon E5/E7 and Skylake-E; 0x09a2 came in 5.18.',
    sources: ['S17 xzhan34/linux-intel-lts2021 drivers/pci/p2pdma.c @ a745a76e', 'S12'],
    p2p: V515,
  },
  'v6.0': {
    p2pSource: 'S4',
    release: '6.0',
    patches: [],
    label: 'v6.0',
    distros: [],
    summary:
      'calc_map_type_and_dist(): cpu_supports_p2pdma() (AMD family >= 0x17) or host_bridge_whitelist() allows ' +
      'THRU_HOST_BRIDGE; pci_host_bridge_dev() accepts devfn 00.0 or a Root Port. pci_p2pdma_map_type() computes on ' +
      'demand (719c98658058). dma_map_sg() handles P2PDMA pages (pci_p2pdma_map_segment(), SG_DMA_BUS_ADDRESS); ' +
      'pci_p2pdma_map_sg() is gone.',
    sources: ['S4 NVIDIA/NV-Kernels drivers/pci/p2pdma.c @ 2f18f71dae62', 'index id 64779093'],
    p2p: V60,
  },
  'v6.1': {
    p2pSource: 'S4/6.1.192',
    release: '6.1',
    patches: [],
    label: 'v6.1 LTS',
    distros: [DEBIAN_12],
    summary:
      'The v6.0 P2P rules, read in Debian 6.1.192 drivers/pci/p2pdma.c. No FOLL_PCI_P2PDMA yet (6.2): a P2PDMA page cannot be ' +
      'pinned from user space and there is no p2pmem/allocate.',
    sources: ['S4', 'Debian linux-source-6.1 6.1.192 drivers/pci/p2pdma.c'],
    p2p: V60,
  },
  'v6.2': {
    p2pSource: 'S4',
    release: '6.2',
    patches: [],
    label: 'v6.2',
    distros: [],
    summary:
      'Same P2P rules as v6.0. Adds FOLL_PCI_P2PDMA, p2pmem/allocate, and the block layer passing the flag for a ' +
      'P2PDMA-capable queue through iov_iter_get_pages(…, gup_flags).',
    sources: ['S4', 'S12'],
    p2p: V60,
  },
  'v6.4': {
    p2pSource: 'S4',
    release: '6.4',
    patches: [],
    label: 'v6.4',
    distros: [],
    summary:
      'Same P2P rules as v6.0. is_valid_gup_args() (6.3) refuses FOLL_LONGTERM|FOLL_PCI_P2PDMA with a WARN. The ' +
      'block layer still takes O_DIRECT pages with iov_iter_get_pages(…, gup_flags) (FOLL_GET references); ' +
      'iov_iter_extract_pages() and ITER_ALLOW_P2PDMA exist (6.3) but the block layer uses them from 6.5.',
    sources: ['S4', 'S16', 'S12'],
    p2p: V60,
  },
  'v6.12': {
    p2pSource: 'S4/oracle 6.12.117',
    release: '6.12',
    patches: [],
    label: 'v6.12 LTS (oracle-confirmed)',
    distros: [
      { name: 'Debian 13 "trixie"', kernel: '6.12', verified: false, source: 'from memory' },
      {
        name: 'Debian 12 backports/security',
        kernel: '6.12',
        verified: true,
        source: 'linux-source-6.12 6.12.118-1~deb12u1',
      },
    ],
    summary:
      'Same P2P rules as v6.0; confirmed on a real 6.12.117 kernel in QEMU (32-run matrix): AMD family >= 0x17 only ' +
      '(Hygon refused), common-bridge ACS quirk, REQ_SAME_HOST_BRIDGE, whitelist line only with ACS redirect. ' +
      'A refused O_DIRECT P2P read returns EREMOTEIO. GUP-fast is gup_fast_fallback() (6.10 rename).',
    sources: ['S4', 'Debian linux-source-6.12 6.12.118', 'oracle 6.12.117'],
    p2p: V60,
  },
  'v6.16': {
    p2pSource: 'S4/S5',
    release: '6.16',
    patches: [],
    label: 'v6.16',
    distros: [],
    summary:
      'Same P2P rules as v6.0; PCI_P2PDMA_MAP_NONE and pci_p2pdma_state() exist, HMM maps P2PDMA pfns with ' +
      'hmm_dma_map_pfn(). (struct p2pdma_provider is 6.19, not 6.16: S12, "VFIO updates for v6.19-rc1".)',
    sources: ['S5 linux-blktests/linux-block', 'S7', 'S12'],
    p2p: V60,
  },
  'v7.2': {
    p2pSource: 'S4/oracle 7.2.13',
    release: '7.2',
    patches: [],
    label: 'v7.2 (oracle-confirmed)',
    distros: [],
    summary:
      'Same walk as v6.x; whitelist adds Intel DSA/IAX/QAT ids and Google PCI_ANY_ID (no NVIDIA entries); ' +
      'warn is still acs_redirects. Confirmed on Debian 7.2.13 in QEMU; a refused O_DIRECT read returns EINVAL ' +
      '(blk_dma_map_iter_start: BLK_STS_INVAL).',
    sources: [
      'oracle 7.2.13 (docs/kernel/oracle.md#what-the-real-kernels-showed)',
      'S6 for the added table entries',
    ],
    p2p: { ...V60, whitelist: 'accel' },
  },
  next: {
    p2pSource: 'S6',
    release: 'next',
    patches: [],
    label: 'next (newest tree seen, S6)',
    distros: [],
    summary:
      'As v7.2, plus NVIDIA 10de:2f95-2f98 in the whitelist, and "Host bridge not in P2PDMA whitelist" printed whenever ' +
      'verbose (warn = verbose). Not modelled because nothing visible changes: the ACS hint skips dropping the final ";" ' +
      'when the 128-byte list overflowed (seq_buf_has_overflowed()), and pci_has_p2pmem() also requires a pool. Which ' +
      'release this becomes is unverified.',
    sources: ['S6 kernelorg-mirror/linux_kernel_git_leon_linux-rdma drivers/pci/p2pdma.c @ 04673b7105e6'],
    p2p: {
      ...V60,
      whitelist: 'nvidia',
      whitelistWarn: 'verbose',
    },
  },
}
