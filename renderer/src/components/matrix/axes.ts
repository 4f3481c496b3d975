/**
 * The matrix's rows and columns after filtering, searching and grouping: view state only (which
 * devices to show and in what order), no kernel semantics. Rows interleave collapsible group
 * headers; columns follow the same group order.
 */
import type { TopoNodeView } from '../../../../shared/ipc/contract'

/** Filter classes, like lstopo's I/O filter: GPU (and accelerators), NIC, storage, other. */
export type DevClass = 'gpu' | 'nic' | 'nvme' | 'other'
export const DEV_CLASSES: { id: DevClass; label: string; title: string }[] = [
  { id: 'gpu', label: 'GPU', title: 'GPUs and accelerators' },
  { id: 'nic', label: 'NIC', title: 'network and RDMA controllers' },
  { id: 'nvme', label: 'NVMe', title: 'NVMe and other storage controllers' },
  {
    id: 'other',
    label: 'other',
    title: 'every other function (BMC display, USB, switches’ management functions, …)',
  },
]
/** The default: the "important" I/O devices, as lstopo's io:important filter keeps them. */
export const IMPORTANT: DevClass[] = ['gpu', 'nic', 'nvme']

export function devClass(n: TopoNodeView): DevClass {
  switch (n.endpointType) {
    case 'gpu':
    case 'accelerator':
      return 'gpu'
    case 'rnic':
    case 'nic':
      return 'nic'
    case 'nvme':
    case 'ahci':
      return 'nvme'
    default:
      return 'other'
  }
}

export type GroupBy = 'none' | 'host' | 'switch'

export interface MatrixFilter {
  classes: DevClass[]
  /** NUMA node, or null for all. */
  numa: number | null
  /** Top-most switch (its upstream port's node id), or null for all. */
  switchId: string | null
  search: string
  groupBy: GroupBy
  /** Collapsed group keys. */
  collapsed: string[]
}

export const DEFAULT_FILTER: MatrixFilter = {
  classes: [...IMPORTANT],
  numa: null,
  switchId: null,
  search: '',
  groupBy: 'none',
  collapsed: [],
}

export interface AxisDev {
  kind: 'dev'
  bdf: string
  node: TopoNodeView
  group: string
}
export interface AxisGroup {
  kind: 'group'
  key: string
  label: string
  count: number
  collapsed: boolean
}
export type RowItem = AxisDev | AxisGroup

export interface Axes {
  rows: RowItem[]
  cols: AxisDev[]
  /** Devices shown / in the matrix, per axis. */
  shownRows: number
  shownCols: number
  /** Column groups in order: [key, first column index, count], for the header band. */
  colGroups: { key: string; label: string; first: number; count: number }[]
}

function matches(n: TopoNodeView, q: string): boolean {
  if (!q) return true
  const hay = [
    n.name,
    n.bdf ?? '',
    n.bdf?.slice(5) ?? '',
    n.lspciName ?? '',
    n.className ?? '',
    ...n.osDevices,
  ]
  return hay.some((h) => h.toLowerCase().includes(q))
}

/** The group a device belongs to, and the group's label. */
export function groupOf(
  n: TopoNodeView,
  by: GroupBy,
  nodesById: Map<string, TopoNodeView>,
): { key: string; label: string } {
  if (by === 'none') return { key: '', label: '' }
  const hb = n.hostBridge ? nodesById.get(n.hostBridge) : undefined
  const hbLabel = hb?.host
    ? `host bridge ${hb.host.domain.toString(16).padStart(4, '0')}:${hb.host.busStart.toString(16).padStart(2, '0')} · NUMA ${hb.host.numaNode}`
    : 'host bridge ?'
  if (by === 'host' || !n.switchId) {
    return by === 'host'
      ? { key: `hb:${n.hostBridge}`, label: hbLabel }
      : { key: `hb:${n.hostBridge}`, label: `no switch · ${hbLabel}` }
  }
  const sw = nodesById.get(n.switchId)
  return {
    key: `sw:${n.switchId}`,
    label: `switch ${sw?.bdf?.slice(5) ?? '?'} ${sw?.name ?? ''} · ${hbLabel}`,
  }
}

export function passes(n: TopoNodeView, f: MatrixFilter, q: string): boolean {
  if (!f.classes.includes(devClass(n))) return false
  if (f.numa !== null && n.numaNode !== f.numa) return false
  if (f.switchId !== null && n.switchId !== f.switchId) return false
  return matches(n, q)
}

/** Rows (providers, with group headers) and columns (clients) for a filter. */
export function buildAxes(
  providers: readonly string[],
  clients: readonly string[],
  nodesByBdf: Map<string, TopoNodeView>,
  nodesById: Map<string, TopoNodeView>,
  f: MatrixFilter,
): Axes {
  const q = f.search.trim().toLowerCase()
  const pick = (list: readonly string[]): AxisDev[] => {
    const out: AxisDev[] = []
    for (const bdf of list) {
      const node = nodesByBdf.get(bdf)
      if (!node || !passes(node, f, q)) continue
      out.push({ kind: 'dev', bdf, node, group: groupOf(node, f.groupBy, nodesById).key })
    }
    return out
  }
  const rowDevs = pick(providers)
  const colDevs = pick(clients)
  if (f.groupBy === 'none') {
    return {
      rows: rowDevs,
      cols: colDevs,
      shownRows: rowDevs.length,
      shownCols: colDevs.length,
      colGroups: [],
    }
  }
  // group order: first appearance among rows, then columns (enumeration order)
  const order: string[] = []
  const labels = new Map<string, string>()
  for (const d of [...rowDevs, ...colDevs]) {
    if (!labels.has(d.group)) {
      order.push(d.group)
      labels.set(d.group, groupOf(d.node, f.groupBy, nodesById).label)
    }
  }
  const collapsed = new Set(f.collapsed)
  const rows: RowItem[] = []
  const cols: AxisDev[] = []
  const colGroups: Axes['colGroups'] = []
  let shownRows = 0
  for (const key of order) {
    const members = rowDevs.filter((d) => d.group === key)
    const colMembers = colDevs.filter((d) => d.group === key)
    const isCollapsed = collapsed.has(key)
    rows.push({
      kind: 'group',
      key,
      label: labels.get(key)!,
      count: members.length + colMembers.length,
      collapsed: isCollapsed,
    })
    if (isCollapsed) continue
    rows.push(...members)
    shownRows += members.length
    if (colMembers.length)
      colGroups.push({ key, label: labels.get(key)!, first: cols.length, count: colMembers.length })
    cols.push(...colMembers)
  }
  return { rows, cols, shownRows, shownCols: cols.length, colGroups }
}
