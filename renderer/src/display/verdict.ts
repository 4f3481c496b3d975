/**
 * How a verdict is *labelled* in the UI. The verdicts themselves come from the engine; this file
 * only chooses abbreviations and prose for the legend.
 */
import type { MapType, P2pMatrix, PairVerdict, SmiLevel } from '../../../shared/model/p2p'

export const MAP_TYPE_INFO: Record<MapType, { abbr: string; short: string; meaning: string }> = {
  BUS_ADDR: {
    short: 'via a switch, PCI bus addresses',
    abbr: 'BUS',
    meaning:
      'PCI_P2PDMA_MAP_BUS_ADDR: the devices meet at a switch below the host bridge; the DMA engine is programmed with PCI bus addresses.',
  },
  THRU_HOST_BRIDGE: {
    short: 'via an allowed host bridge',
    abbr: 'HOST',
    meaning:
      'PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: the path crosses an allowed host bridge; a normal mapping is used (CPU physical or IOVA addresses).',
  },
  NOT_SUPPORTED: {
    short: 'refused: host bridge not allowed',
    abbr: '✗',
    meaning:
      'PCI_P2PDMA_MAP_NOT_SUPPORTED: the path crosses a host bridge that is not allowed (no whitelist entry, CPU not Zen+); mapping fails.',
  },
  UNKNOWN: {
    short: 'not computed',
    abbr: '?',
    meaning:
      'PCI_P2PDMA_MAP_UNKNOWN: not computed yet (a missing map_types entry); exported routines never return it.',
  },
  NONE: {
    short: 'not P2PDMA (6.16+)',
    abbr: 'NONE',
    meaning: 'PCI_P2PDMA_MAP_NONE (6.16+): not a PCI P2PDMA transfer.',
  },
}

export const MAP_TYPES = Object.keys(MAP_TYPE_INFO) as MapType[]

export const SMI_LEVEL_INFO: Record<SmiLevel, string> = {
  X: 'self',
  PIX: 'one PCIe bridge at most',
  PXB: 'several PCIe bridges, no host bridge',
  PHB: 'through a PCIe host bridge (CPU)',
  NODE: 'across host bridges of one NUMA node',
  SYS: 'across NUMA nodes (QPI/UPI, Infinity Fabric)',
}

/**
 * Is each verdict the raw int upstream_bridge_distance() returned (-1, -2, >= 0, or 0x1000 + d in
 * 5.2)? The engine says so per matrix (P2pMatrix.distanceIsReturnValue); no era list lives here.
 */
export function isRawEra(matrix: Pick<P2pMatrix, 'distanceIsReturnValue'> | null | undefined): boolean {
  return matrix?.distanceIsReturnValue ?? false
}

export function formatRaw(distance: number): string {
  if (Number.isNaN(distance)) return '?' // hidden while an exercise asks about it
  return distance >= 0x1000 ? `0x${distance.toString(16)}` : String(distance)
}

/** The big text of a matrix cell: the map type abbreviation, or the raw return value in v5.x eras. */
export function cellText(v: Pick<PairVerdict, 'mapType' | 'distance'>, raw: boolean): string {
  return raw ? formatRaw(v.distance) : MAP_TYPE_INFO[v.mapType].abbr
}
