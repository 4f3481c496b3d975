/**
 * How a verdict is *labelled* in the UI. The verdicts themselves come from the engine; this file
 * only chooses abbreviations and prose for the legend.
 */
import type { MapType, PairVerdict, SmiLevel } from '../../../shared/model/p2p'
import type { Era } from '../../../shared/model/topology'

export const MAP_TYPE_INFO: Record<MapType, { abbr: string; short: string; meaning: string }> = {
  BUS_ADDR: {
    short: 'meet at a switch: DMA to PCI bus addresses',
    abbr: 'BUS',
    meaning:
      'PCI_P2PDMA_MAP_BUS_ADDR: the devices meet at a switch below the host bridge; the DMA engine is programmed with PCI bus addresses.',
  },
  THRU_HOST_BRIDGE: {
    short: 'through an allowed host bridge: normal mapping',
    abbr: 'HOST',
    meaning:
      'PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: the path crosses an allowed host bridge; a normal mapping is used (CPU physical or IOVA addresses).',
  },
  NOT_SUPPORTED: {
    short: 'host bridge not allowed: mapping fails',
    abbr: '✗',
    meaning:
      'PCI_P2PDMA_MAP_NOT_SUPPORTED: the path crosses a host bridge that is not allowed (no whitelist entry, CPU not Zen+); mapping fails.',
  },
  UNKNOWN: {
    short: 'not computed (never returned)',
    abbr: '?',
    meaning:
      'PCI_P2PDMA_MAP_UNKNOWN: not computed yet (a missing map_types entry); exported routines never return it.',
  },
  NONE: {
    short: 'not a P2PDMA transfer (6.16+)',
    abbr: 'NONE',
    meaning: 'PCI_P2PDMA_MAP_NONE (6.16+): not a PCI P2PDMA transfer.',
  },
}

export const MAP_TYPES = Object.keys(MAP_TYPE_INFO) as MapType[]

export const SMI_LEVEL_INFO: Record<SmiLevel, string> = {
  X: 'Self',
  PIX: 'At most a single PCIe bridge',
  PXB: 'Multiple PCIe bridges, no host bridge',
  PHB: 'Through a PCIe host bridge (typically the CPU)',
  NODE: 'Through the interconnect between host bridges of one NUMA node',
  SYS: 'Through the SMP interconnect between NUMA nodes (QPI/UPI, Infinity Fabric)',
}

/**
 * Eras whose verdict is the raw int upstream_bridge_distance() returned (the contract's
 * PairVerdict.distance comment): -1, -2, >= 0, or 0x1000 + d in 5.2. No map types existed yet.
 */
const RAW_ERAS: readonly Era[] = ['v5.0', 'v5.0-rfc', 'v5.2']

export function isRawEra(era: Era | string | undefined): boolean {
  return RAW_ERAS.includes(era as Era)
}

export function formatRaw(distance: number): string {
  return distance >= 0x1000 ? `0x${distance.toString(16)}` : String(distance)
}

/** The big text of a matrix cell: the map type abbreviation, or the raw return value in v5.x eras. */
export function cellText(v: PairVerdict, era: Era | string | undefined): string {
  return isRawEra(era) ? formatRaw(v.distance) : MAP_TYPE_INFO[v.mapType].abbr
}
