/**
 * The P2P matrix as text (p2p.text, the matrix's "Text" button): the providers × clients the user
 * has filtered to, one row per provider, columns numbered and listed below (names are too wide for
 * a column), each cell the map type and distance as the kernel's pci_p2pdma_map_type() and
 * calc_map_type_and_dist() give them. Computed pair by pair (verdictFor), like the window's cells.
 */
import { verdictFor, type Machine } from '../../engine/index'
import type { LabSettings } from '../../../shared/model/topology'

/** Most pairs one export computes (512 × 512); the request schema says the same. */
export const MATRIX_TEXT_PAIRS = 262_144

const SHORT: Record<string, string> = {
  BUS_ADDR: 'BUS',
  THRU_HOST_BRIDGE: 'HOST',
  NOT_SUPPORTED: 'NO',
  UNKNOWN: '?',
  NONE: 'NONE',
}

export function matrixText(opts: {
  machine: Machine
  labName: string
  settings: LabSettings
  cpu: string
  names: Map<string, string>
  providers: string[]
  clients: string[]
}): string {
  const { machine: m, names, providers, clients } = opts
  const name = (bdf: string) => (names.get(bdf) ?? '').replace(/\s+/g, ' ')
  const cw = Math.max(8, `c${clients.length}`.length + 1)
  const rowHead = (bdf: string) => `${bdf}  ${name(bdf).slice(0, 30).padEnd(30)}`
  const headW = rowHead('0000:00:00.0').length
  const out: string[] = []
  const s = opts.settings
  out.push(`P2P matrix — ${opts.labName}`)
  out.push(
    `kernel era ${s.era}, CPU ${opts.cpu}, IOMMU ${s.iommu ? 'on' : 'off'}${s.disableAcsRedir ? `, pci=disable_acs_redir=${s.disableAcsRedir}` : ''}`,
  )
  out.push(`${providers.length} providers (rows) × ${clients.length} clients (columns c1…c${clients.length})`)
  out.push(
    'cell: map type and distance — BUS = BUS_ADDR (via a switch, PCI bus addresses), HOST = THRU_HOST_BRIDGE, NO = NOT_SUPPORTED, ? = UNKNOWN, NONE = not P2PDMA; * = ACS redirect on the path; . = not a pair',
  )
  out.push('')
  out.push(' '.repeat(headW) + clients.map((_, i) => `c${i + 1}`.padStart(cw)).join(''))
  for (const p of providers) {
    let line = rowHead(p)
    for (const c of clients) {
      const v = verdictFor(m, p, c)
      const cell = v
        ? `${SHORT[v.mapType] ?? v.mapType} ${v.distance}${v.acsRedirect.length ? '*' : ''}`
        : '.'
      line += cell.padStart(cw)
    }
    out.push(line.trimEnd())
  }
  out.push('')
  out.push('columns:')
  clients.forEach((c, i) => out.push(`  ${`c${i + 1}`.padEnd(cw)} ${c}  ${name(c)}`.trimEnd()))
  return out.join('\n') + '\n'
}
