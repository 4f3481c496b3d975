/**
 * The cells of one window of the matrix, computed when the window asks (p2p.cells): each cell is
 * one verdictFor() — a few microseconds — so a window of a few thousand cells costs milliseconds
 * whatever the size of the lab. After a settings change the same cell is computed on the machine
 * as it was before, to mark what the change changed.
 */
import type { CellView } from '../../../shared/ipc/contract'
import { verdictFor, type Machine } from '../../engine/index'

/** The cells providers × clients (row-major); pairs that are no provider/client pair are left out. */
export function cellsFor(
  m: Machine,
  before: Machine | null,
  providers: string[],
  clients: string[],
): CellView[] {
  const out: CellView[] = []
  for (const p of providers) {
    for (const c of clients) {
      const v = verdictFor(m, p, c)
      if (!v) continue
      const b = before ? verdictFor(before, p, c) : null
      const changed = b !== null && (b.mapType !== v.mapType || b.distance !== v.distance)
      out.push({
        provider: p,
        client: c,
        mapType: v.mapType,
        distance: v.distance,
        smiLevel: v.smiLevel,
        acs: v.acsRedirect.length > 0,
        warnings: v.warnings.length,
        changed,
        before: changed && b ? b.mapType : null,
      })
    }
  }
  return out
}
