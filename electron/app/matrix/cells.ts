/**
 * The cells of one window of the matrix, computed when the window asks (p2p.cells): each cell is
 * one verdictFor() — a few microseconds — so a window of a few thousand cells costs milliseconds
 * whatever the size of the lab. After a settings change the same cell is computed on the machine
 * as it was before, to mark what the change changed.
 */
import type { CellView } from '../../../shared/ipc/contract'
import { cellView } from '../../../shared/ipc/views'
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
      out.push(cellView(p, c, v, before ? verdictFor(before, p, c) : null))
    }
  }
  return out
}
