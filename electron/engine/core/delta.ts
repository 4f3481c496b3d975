/**
 * Deltas: every state change carries its before AND after value (docs/design.md#kernel-calls-are-generators-of-steps), so one generic
 * invert() undoes any of them and stepping back needs no per-component undo code.
 *
 * A delta replaces one entry of one world table (null = absent), or the kernel-wide SysState.
 */
import type { Row, SysState, Table } from './world'

export type TableDelta = {
  [T in Table]: { op: 'set'; table: T; key: string; before: Row<T> | null; after: Row<T> | null }
}[Table]
export type SysDelta = { op: 'sys'; before: SysState; after: SysState }
export type Delta = TableDelta | SysDelta

/** The delta that undoes `d`. */
export function invert(d: Delta): Delta {
  return { ...d, before: d.after, after: d.before } as Delta
}

/** Build a table delta with the types checked. */
export function set<T extends Table>(
  table: T,
  key: string,
  before: Row<T> | null | undefined,
  after: Row<T> | null,
): Delta {
  return { op: 'set', table, key, before: before ?? null, after } as Delta
}
