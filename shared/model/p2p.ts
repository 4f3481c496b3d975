/**
 * P2P verdicts as the renderer, the CLI (--json) and tests see them. Plain, JSON-safe data.
 */
import type { Era, InputIssue } from './topology'

/** enum pci_p2pdma_map_type (include/linux/pci-p2pdma.h, 5.4+); 'NONE' exists from 6.16 on. */
export type MapType = 'UNKNOWN' | 'NONE' | 'NOT_SUPPORTED' | 'BUS_ADDR' | 'THRU_HOST_BRIDGE'

/** nvidia-smi topo -m path classes for PCIe (NV# is NVLink and never derived from PCIe). */
export type SmiLevel = 'X' | 'PIX' | 'PXB' | 'PHB' | 'NODE' | 'SYS'

/**
 * One decision the engine made, with the kernel function and source file it models and the eras
 * for which it holds. The renderer lists these as "why".
 */
export interface Decision {
  /** The kernel function that makes this decision, e.g. 'calc_map_type_and_dist'. */
  fn: string
  /** Source file in the kernel tree, e.g. 'drivers/pci/p2pdma.c'. */
  file: string
  /** The eras this rule holds for, e.g. 'v6.0–v7.2'. */
  eras: string
  /** Which source in docs/kernel/sources.md (S1..S16) or the oracle the rule was read from. */
  source: string
  /** What was tested and the outcome, in kernel vocabulary. */
  text: string
  /** true = this check allowed/continued, false = it refused, null = informational. */
  ok: boolean | null
}

export interface PairVerdict {
  provider: string // BDF, e.g. '0000:03:00.0'
  client: string // BDF
  providerId: string // topology node id
  clientId: string
  mapType: MapType
  /**
   * v5.0/5.2: the raw return value of upstream_bridge_distance() (-1, -2 or >= 0; 5.2 adds 0x1000+d).
   * 5.4+: the distance calc_map_type_and_dist() computed (also for NOT_SUPPORTED).
   */
  distance: number
  /** The score pci_p2pdma_distance_many() returns for this single client: -1 when refused. */
  score: number
  /** BDFs of the functions with ACS redirect on the path, in walk order (provider path first). */
  acsRedirect: string[]
  /** Kernel log lines, prefixed like pci_warn(): '<driver> <bdf>: <text>'. */
  warnings: string[]
  /** Node ids of the path: provider up to the common upstream bridge (inclusive) and down to the client. */
  path: string[]
  /** The common upstream bridge, or null when the path goes through the host bridge(s). */
  commonUpstream: string | null
  /** Host bridge node ids crossed (empty when the common upstream bridge is below the host bridge). */
  hostBridges: string[]
  /** The nvidia-smi topo -m level of the same pair, for comparison. */
  smiLevel: SmiLevel
  decisions: Decision[]
  /** What pci=disable_acs_redir= would do for this pair, the engine having tried it (p2p.explain). */
  fix?: FixAdvice
}

/** The engine's advice about pci=disable_acs_redir= for one pair (electron/engine/p2pdma/fix.ts). */
export interface FixAdvice {
  /** The value to offer: set only when it changes the verdict (helps). */
  param: string | null
  /** The value that was tried (the current list plus the pair's ACS-redirect ports), or null when the path has none. */
  tried: string | null
  /** The pair's verdict with the tried value. */
  after: { mapType: MapType; distance: number } | null
  helps: boolean
  /** When no parameter helps and the pair is not BUS_ADDR: what would have to change, in words. */
  otherwise: string[]
}

export interface P2pMatrix {
  era: Era
  cpu: { vendor: string; family: number; inferred: boolean; why: string }
  iommu: boolean
  /**
   * true in eras without enum pci_p2pdma_map_type (v5.0, v5.0-rfc, v5.2): each pair's `distance`
   * is the int upstream_bridge_distance() returned (-1, -2, d, 0x1000 + d) and `mapType` is derived
   * from it. The engine decides this (eras.ts p2pRules(era).hasMapTypes); views only display it.
   */
  distanceIsReturnValue: boolean
  providers: string[] // BDFs
  clients: string[] // BDFs
  pairs: PairVerdict[]
  /** Boot-time log lines (e.g. 'pci 0000:00:01.0: Configured ACS to 0x001d' style lines, ACS setup). */
  bootLog: string[]
  assumptions: string[]
}

/** The stable CLI --json interface of `lab p2p` (see the README). */
export interface P2pJson {
  era: string
  pairs: {
    provider: string
    client: string
    mapType: 'BUS_ADDR' | 'THRU_HOST_BRIDGE' | 'NOT_SUPPORTED'
    distance: number
    acsRedirect: string[]
    warnings: string[]
    /** What the provider and the client are called (the source file's names, else pci.ids); the CLI adds it. */
    name?: { provider: string; client: string }
  }[]
}

export type LabError = { kind: 'input'; issues: InputIssue[] } | { kind: 'internal'; message: string }
