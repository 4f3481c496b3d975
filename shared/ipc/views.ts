/**
 * Pieces of the contract's views that the app layer builds and that the renderer's fake window.lab
 * (renderer/src/testing/fake-lab.ts) builds the same way: one definition for both.
 */
import type { PairVerdict } from '../model/p2p'
import type { CellView, TopoNodeView } from './contract'

/**
 * The matrix cell (p2p.cells) of the pair asked for as provider × client, from its verdict. `before`
 * is the same pair's verdict on the machine as it was before the last settings change (null when
 * there is none): the cell is marked changed when the map type or the distance differ.
 */
export function cellView(
  provider: string,
  client: string,
  v: PairVerdict,
  before: PairVerdict | null,
): CellView {
  const changed = before !== null && (before.mapType !== v.mapType || before.distance !== v.distance)
  return {
    provider,
    client,
    mapType: v.mapType,
    distance: v.distance,
    smiLevel: v.smiLevel,
    acs: v.acsRedirect.length > 0,
    warnings: v.warnings.length,
    changed,
    before: changed && before ? before.mapType : null,
  }
}

/**
 * The fields of a node view that describe a PCI function (endpoint type, port type, bus range,
 * ACS, BARs), empty.
 */
export function noPciFunctionFields(): Pick<
  TopoNodeView,
  'endpointType' | 'pcieType' | 'secondary' | 'subordinate' | 'acsCap' | 'acsCtrl' | 'bars'
> {
  return {
    endpointType: null,
    pcieType: null,
    secondary: null,
    subordinate: null,
    acsCap: null,
    acsCtrl: [],
    bars: [],
  }
}
