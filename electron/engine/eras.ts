/**
 * Kernel eras the engine models, with the sources each era's rules were read from, and the
 * per-era switches the P2PDMA engine (electron/engine/p2pdma/) consults.
 *
 * Source keys (S1..S6, oracle) are those of docs/kernel/sources.md and docs/kernel/oracle.md:
 *   S1  torvalds/linux drivers/pci/p2pdma.c @ 02917e9f8676 (v4.20/v5.0)
 *   S2  torvalds/linux drivers/pci/p2pdma.c @ 3306e99edf70 (5.1/5.2, root_complex_whitelist)
 *   S3  CodeLinaro-mirror/qsdk_oss_kernel_linux-ipq-5.4 drivers/pci/p2pdma.c @ 7744840b595e (v5.4 vendor tree)
 *   S4  NVIDIA/NV-Kernels drivers/pci/p2pdma.c @ 2f18f71dae62 (6.x: calc_map_type_and_dist)
 *   S5  linux-blktests/linux-block (6.16/6.17: PCI_P2PDMA_MAP_NONE) — not re-read for this file
 *   S6  kernelorg-mirror/linux_kernel_git_leon_linux-rdma drivers/pci/p2pdma.c @ 04673b7105e6 (newest)
 *   oracle  Debian 6.12.117 and 7.2.13 booted in QEMU (docs/kernel/oracle.md#what-the-real-kernels-showed)
 */
import type { Era } from '../../shared/model/topology'

export interface EraInfo {
  label: string
  summary: string
  sources: string[]
}

export const ERA_INFO: Record<Era, EraInfo> = {
  'v5.0': {
    label: 'v5.0 (2019)',
    summary:
      'upstream_bridge_distance() returns the hop count, -1 (no common upstream bridge) or -2 (ACS redirect on the path). ' +
      'No map types, no host-bridge whitelist, no cache: anything that has to cross the root complex is refused.',
    sources: ['S1 torvalds/linux drivers/pci/p2pdma.c @ 02917e9f8676'],
  },
  'v5.0-rfc': {
    label: 'v5.0 + RFC "p2p through vma" (Jan 2019)',
    summary:
      'v5.0 rules plus RFC 1/5 pci_test_p2p() and 2/5 device_test_p2p(). As posted pci_test_p2p() ends with "return false" ' +
      '(settings.rfcTestP2p = as-posted); as intended it returns upstream_bridge_distance() >= 0. The series never landed.',
    sources: ['S1', 'S11 <20190129174728.6430-1-jglisse@redhat.com> (RFC 0/5..5/5)'],
  },
  'v5.2': {
    label: 'v5.1/v5.2 (release unverified)',
    summary:
      'v5.0 plus root_complex_whitelist(): with no common upstream bridge, if the devfn 00.0 device on the root bus of ' +
      'BOTH the provider and the client is AMD 1022:1450, the distance is 0x1000 + dist_a + dist_b instead of -1. ' +
      'ACS redirect below a common bridge still gives -2. Which release first shipped this is unverified.',
    sources: ['S2 torvalds/linux drivers/pci/p2pdma.c @ 3306e99edf70'],
  },
  'v5.4': {
    label: 'v5.4 (vendor tree S3)',
    summary:
      'Map types (UNKNOWN/NOT_SUPPORTED/BUS_ADDR/THRU_HOST_BRIDGE) cached per provider in an xarray; ACS redirect or no ' +
      'common bridge means THRU_HOST_BRIDGE if host_bridge_whitelist() passes (AMD 1022:1450, Intel 3c00/3c01/2f00/2f01 ' +
      'with REQ_SAME_HOST_BRIDGE), else NOT_SUPPORTED. pci_host_bridge_dev() only accepts devfn 00.0. pci_p2pdma_map_type() ' +
      'only reads the cache (C21). S3 is a vendor tree with backports (it has pdev->acs_cap), so the exact v5.4 text is inferred.',
    sources: ['S3 CodeLinaro-mirror/qsdk_oss_kernel_linux-ipq-5.4 drivers/pci/p2pdma.c @ 7744840b595e'],
  },
  'v6.0': {
    label: 'v6.0',
    summary:
      'calc_map_type_and_dist(): cpu_supports_p2pdma() (AMD family >= 0x17) or host_bridge_whitelist() allows ' +
      'THRU_HOST_BRIDGE; whitelist without AMD, plus Intel Skylake-E 2030-2033, 2020 and 09a2. pci_host_bridge_dev() ' +
      'accepts devfn 00.0 or a Root Port. "Host bridge not in P2PDMA whitelist" only when ACS redirect was found ' +
      '(warn = acs_redirects). pci_p2pdma_map_type() computes on demand. The release that introduced ' +
      'cpu_supports_p2pdma() and the Skylake entries is unverified (they are in S4).',
    sources: ['S4 NVIDIA/NV-Kernels drivers/pci/p2pdma.c @ 2f18f71dae62', 'index id 64779093'],
  },
  'v6.2': {
    label: 'v6.2',
    summary:
      'Same P2P rules as v6.0 (S4). Adds FOLL_PCI_P2PDMA and p2pmem/allocate (release per the ABI date, partly unverified).',
    sources: ['S4', 'S12'],
  },
  'v6.4': {
    label: 'v6.4',
    summary:
      'Same P2P rules as v6.0 (S4). is_valid_gup_args() rejects FOLL_LONGTERM|FOLL_PCI_P2PDMA (exact release unverified).',
    sources: ['S4', 'S16'],
  },
  'v6.12': {
    label: 'v6.12 LTS (oracle-confirmed)',
    summary:
      'Same P2P rules as v6.0; confirmed on a real 6.12.117 kernel in QEMU (32-run matrix): AMD family >= 0x17 only ' +
      '(Hygon refused), common-bridge ACS quirk, REQ_SAME_HOST_BRIDGE, whitelist line only with ACS redirect. ' +
      'A refused O_DIRECT P2P read returns EREMOTEIO.',
    sources: ['S4', 'oracle 6.12.117'],
  },
  'v6.16': {
    label: 'v6.16 (approximate)',
    summary:
      'Same P2P rules as v6.0; PCI_P2PDMA_MAP_NONE exists and struct p2pdma_provider replaces the pagemap fields. ' +
      'The exact release of this refactor is unverified.',
    sources: ['S5 linux-blktests/linux-block', 'S4 (NV-Kernels is 6.16-era)'],
  },
  'v7.2': {
    label: 'v7.2 (oracle-confirmed)',
    summary:
      'Same walk as v6.x; whitelist adds Intel DSA/IAX/QAT ids and Google PCI_ANY_ID (no NVIDIA entries); ' +
      'warn is still acs_redirects. Confirmed on Debian 7.2.13 in QEMU; a refused O_DIRECT read returns EINVAL ' +
      '(blk_dma_map_iter_start: BLK_STS_INVAL).',
    sources: [
      'oracle 7.2.13 (docs/kernel/oracle.md#what-the-real-kernels-showed)',
      'S6 for the added table entries',
    ],
  },
  next: {
    label: 'next (newest tree seen, S6)',
    summary:
      'As v7.2, plus NVIDIA 10de:2f95-2f98 in the whitelist, and "Host bridge not in P2PDMA whitelist" printed whenever ' +
      'verbose (warn = verbose). The ACS hint skips dropping the final ";" when the 128-byte list overflowed. Which release ' +
      'this becomes is unverified.',
    sources: ['S6 kernelorg-mirror/linux_kernel_git_leon_linux-rdma drivers/pci/p2pdma.c @ 04673b7105e6'],
  },
}

/** Which kernel routine classifies a (provider, client) pair. */
export type P2pFamily =
  | 'upstream_bridge_distance' // v5.0 (S1): int, -1/-2
  | 'upstream_bridge_distance_rc' // v5.2 (S2): int, -1/-2, 0x1000 + dist for AMD 1450 root complexes
  | 'upstream_bridge_distance_map' // v5.4 (S3): map type + cache
  | 'calc_map_type_and_dist' // v6.0+ (S4, S6)

/** Which pci_p2pdma_whitelist[] the era has (whitelist.ts). */
export type WhitelistId = 'none' | 'rc-amd' | 'v5.4' | 'v6.0' | 'v7.2' | 'next'

/** How the device that stands for a host bridge is found. */
export type HostBridgeDevRule =
  | 'none' // no whitelist at all (v5.0)
  | 'slot0' // v5.2 root_complex_whitelist(): pci_get_slot(host->bus, PCI_DEVFN(0, 0)), any position on the bus
  | 'first-devfn0' // v5.4 pci_host_bridge_dev(): first device on host->bus->devices, only if devfn 00.0
  | 'first-devfn0-or-root-port' // v6.x: first device, if devfn 00.0 or a PCIe Root Port

export interface P2pRules {
  family: P2pFamily
  /** enum pci_p2pdma_map_type exists (5.4+). */
  hasMapTypes: boolean
  /** PCI_P2PDMA_MAP_NONE exists (6.16+, S5). */
  hasMapTypeNone: boolean
  /** Per-provider map_types xarray (5.4+). */
  hasCache: boolean
  /** pci_p2pdma_map_type() computes a missing entry (6.0+); false: reads the cache only (5.4). */
  mapTypeOnDemand: boolean
  whitelist: WhitelistId
  hostBridgeDev: HostBridgeDevRule
  /** cpu_supports_p2pdma() bypasses the whitelist (S4+). */
  cpuSupportsP2pdma: boolean
  /** When "Host bridge not in P2PDMA whitelist" is printed. */
  whitelistWarn: 'never' | 'acs_redirects' | 'verbose'
  /** seq_buf size for the ACS list: PAGE_SIZE in 5.x (kmalloc), char buf[128] in 6.x. */
  acsListSize: number
  /** S6 checks seq_buf_has_overflowed() before dropping the final ';'. */
  acsOverflowGuard: boolean
  /** Text of the refusal line. */
  denyText: 'upstream bridge' | 'upstream bridge or whitelisted host bridge'
  /** v5.0/5.2 prefix the ACS line with "cannot be used for peer-to-peer DMA as". */
  acsTextPrefixed: boolean
  /** distance_many refuses dma_virt_ops clients (S2, S3); not modelled beyond this flag. */
  dmaVirtOpsCheck: boolean
  /** RFC 1/5 pci_test_p2p() exists. */
  rfcTestP2p: boolean
  /** pci_has_p2pmem() also requires a pool (S6). */
  hasP2pmemNeedsPool: boolean
  /** "added peer-to-peer DMA memory" prints %pR (5.x) or %#llx-%#llx (6.x, oracle). */
  addedMemFormat: 'pR' | 'range'
  /** errno of a refused P2P O_DIRECT read (oracle: 6.12 EREMOTEIO, 7.2 EINVAL); 'unverified' eras are inferred. */
  refusedReadErrno: { errno: 'EREMOTEIO' | 'EINVAL'; verified: boolean }
}

const V50: P2pRules = {
  family: 'upstream_bridge_distance',
  hasMapTypes: false,
  hasMapTypeNone: false,
  hasCache: false,
  mapTypeOnDemand: false,
  whitelist: 'none',
  hostBridgeDev: 'none',
  cpuSupportsP2pdma: false,
  whitelistWarn: 'never',
  acsListSize: 4096,
  acsOverflowGuard: false,
  denyText: 'upstream bridge',
  acsTextPrefixed: true,
  dmaVirtOpsCheck: false,
  rfcTestP2p: false,
  hasP2pmemNeedsPool: false,
  addedMemFormat: 'pR',
  refusedReadErrno: { errno: 'EREMOTEIO', verified: false },
}

const V60: P2pRules = {
  ...V50,
  family: 'calc_map_type_and_dist',
  hasMapTypes: true,
  hasCache: true,
  mapTypeOnDemand: true,
  whitelist: 'v6.0',
  hostBridgeDev: 'first-devfn0-or-root-port',
  cpuSupportsP2pdma: true,
  whitelistWarn: 'acs_redirects',
  acsListSize: 128,
  denyText: 'upstream bridge or whitelisted host bridge',
  acsTextPrefixed: false,
  addedMemFormat: 'range',
}

const RULES: Record<Era, P2pRules> = {
  'v5.0': V50,
  'v5.0-rfc': { ...V50, rfcTestP2p: true },
  'v5.2': {
    ...V50,
    family: 'upstream_bridge_distance_rc',
    whitelist: 'rc-amd',
    hostBridgeDev: 'slot0',
    dmaVirtOpsCheck: true,
  },
  'v5.4': {
    ...V50,
    family: 'upstream_bridge_distance_map',
    hasMapTypes: true,
    hasCache: true,
    whitelist: 'v5.4',
    hostBridgeDev: 'first-devfn0',
    denyText: 'upstream bridge or whitelisted host bridge',
    acsTextPrefixed: false,
    dmaVirtOpsCheck: true,
  },
  'v6.0': V60,
  'v6.2': V60,
  'v6.4': V60,
  'v6.12': { ...V60, refusedReadErrno: { errno: 'EREMOTEIO', verified: true } },
  'v6.16': { ...V60, hasMapTypeNone: true },
  'v7.2': {
    ...V60,
    hasMapTypeNone: true,
    whitelist: 'v7.2',
    refusedReadErrno: { errno: 'EINVAL', verified: true },
  },
  next: {
    ...V60,
    hasMapTypeNone: true,
    whitelist: 'next',
    whitelistWarn: 'verbose',
    acsOverflowGuard: true,
    hasP2pmemNeedsPool: true,
    refusedReadErrno: { errno: 'EINVAL', verified: false },
  },
}

/** The P2PDMA rule switches of an era. */
export function p2pRules(era: Era): P2pRules {
  return RULES[era]
}

/** enum pci_p2pdma_map_type exists in this era (5.4+). */
export function hasMapTypes(era: Era): boolean {
  return RULES[era].hasMapTypes
}

/** The era's verdict is an int from upstream_bridge_distance() (v5.0, v5.0-rfc, v5.2). */
export function isIntDistanceEra(era: Era): boolean {
  return !RULES[era].hasMapTypes
}

/** Short label used in Decision.eras for the era group whose rules match `era`. */
export function eraGroup(era: Era): string {
  switch (RULES[era].family) {
    case 'upstream_bridge_distance':
      return 'v5.0'
    case 'upstream_bridge_distance_rc':
      return 'v5.2'
    case 'upstream_bridge_distance_map':
      return 'v5.4'
    case 'calc_map_type_and_dist':
      return era === 'next' ? 'next' : 'v6.0–v7.2'
  }
}

/** Source key for the era's p2pdma.c (Decision.source). */
export function eraSource(era: Era): string {
  switch (era) {
    case 'v5.0':
    case 'v5.0-rfc':
      return 'S1'
    case 'v5.2':
      return 'S2'
    case 'v5.4':
      return 'S3'
    case 'v6.12':
      return 'S4/oracle 6.12.117'
    case 'v7.2':
      return 'S4/oracle 7.2.13'
    case 'next':
      return 'S6'
    default:
      return 'S4'
  }
}
