/**
 * The model of a debugger-style variables tree: any plain value (what the engine sends: strings,
 * numbers, booleans, null, arrays, records) becomes named nodes, an object or an array a node with a
 * one-line preview that expands into its fields. Pure, so the flattening and previews are tested
 * without a DOM.
 */

export interface VarNode {
  /** Unique in the tree: the path of names from the root. */
  id: string
  name: string
  /** The value as one line: a leaf's text, or a preview of an object or array. */
  value: string
  children?: VarNode[]
  /** An object the last step changed. */
  hot?: boolean
  /** A field the last step changed (of a hot object). */
  changed?: boolean
}

/** One visible row of the tree as rendered (depth-first over the expanded nodes). */
export interface VarRow {
  node: VarNode
  level: number
  parent: string | null
  setsize: number
  posinset: number
  expanded: boolean | undefined
}

const PREVIEW_MAX = 72

function leafText(v: unknown): string {
  if (v === null || v === undefined) return '—'
  if (typeof v === 'string') return v === '' ? '""' : v
  return String(v)
}

function clip(s: string): string {
  return s.length > PREVIEW_MAX ? `${s.slice(0, PREVIEW_MAX - 1)}…` : s
}

/** A collapsed object or array as a debugger previews it: `{a: 1, b: [2]}`, `[x, y]`, `[]`. */
export function preview(v: unknown, depth = 0): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]'
    if (depth > 0) return `[${v.length}]`
    return clip(`[${v.map((x) => preview(x, depth + 1)).join(', ')}]`)
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
    if (entries.length === 0) return '{}'
    if (depth > 0) return '{…}'
    return clip(`{${entries.map(([k, x]) => `${k}: ${preview(x, depth + 1)}`).join(', ')}}`)
  }
  return leafText(v)
}

/** Builds the node for `value` named `name` under `parentId`; `hotFields` marks changed children. */
export function valueNode(
  parentId: string,
  name: string,
  value: unknown,
  hotFields: ReadonlySet<string> = new Set(),
): VarNode {
  const id = `${parentId}/${name}`
  if (Array.isArray(value))
    return {
      id,
      name,
      value: preview(value),
      children: value.map((x, i) => valueNode(id, `[${i}]`, x)),
    }
  if (value !== null && typeof value === 'object')
    return {
      id,
      name,
      value: preview(value),
      children: Object.entries(value as Record<string, unknown>).map(([k, x]) => ({
        ...valueNode(id, k, x),
        changed: hotFields.has(k) || undefined,
      })),
    }
  return { id, name, value: leafText(value) }
}

/** The rows shown for `roots` given the set of expanded node ids (children of collapsed nodes are hidden). */
export function visibleRows(roots: VarNode[], expanded: ReadonlySet<string>): VarRow[] {
  const out: VarRow[] = []
  const walk = (nodes: VarNode[], level: number, parent: string | null): void => {
    nodes.forEach((node, i) => {
      const open = node.children?.length ? expanded.has(node.id) : undefined
      out.push({ node, level, parent, setsize: nodes.length, posinset: i + 1, expanded: open })
      if (open) walk(node.children!, level + 1, node.id)
    })
  }
  walk(roots, 1, null)
  return out
}

export type TreeMove =
  | { kind: 'focus'; id: string }
  | { kind: 'expand'; id: string }
  | { kind: 'collapse'; id: string }
  | { kind: 'toggle'; id: string }
  | null

/**
 * What a key does in the tree (WAI-ARIA tree pattern): Up/Down move over the visible rows,
 * Right expands a closed node or enters an open one, Left collapses an open node or goes to its
 * parent, Home/End go to the first/last row, Enter and Space toggle.
 */
export function treeKey(rows: VarRow[], current: string, key: string): TreeMove {
  const i = Math.max(
    0,
    rows.findIndex((r) => r.node.id === current),
  )
  const row = rows[i]
  if (!row) return null
  switch (key) {
    case 'ArrowDown':
      return rows[i + 1] ? { kind: 'focus', id: rows[i + 1]!.node.id } : null
    case 'ArrowUp':
      return i > 0 ? { kind: 'focus', id: rows[i - 1]!.node.id } : null
    case 'Home':
      return { kind: 'focus', id: rows[0]!.node.id }
    case 'End':
      return { kind: 'focus', id: rows[rows.length - 1]!.node.id }
    case 'ArrowRight':
      if (row.expanded === false) return { kind: 'expand', id: row.node.id }
      if (row.expanded === true && rows[i + 1]) return { kind: 'focus', id: rows[i + 1]!.node.id }
      return null
    case 'ArrowLeft':
      if (row.expanded === true) return { kind: 'collapse', id: row.node.id }
      return row.parent ? { kind: 'focus', id: row.parent } : null
    case 'Enter':
    case ' ':
      return row.expanded === undefined ? null : { kind: 'toggle', id: row.node.id }
    default:
      return null
  }
}
