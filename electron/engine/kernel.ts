/**
 * The kernel context a modelled call reads: the static machine, the era, and the live world of the
 * Timeline that runs it (read through a getter, so code after a `yield` sees the deltas the
 * Timeline applied; docs/design.md#1-only-the-timeline-changes-the-world).
 */
import type { Era } from '../../shared/model/topology'
import type { Machine } from './topology/types'
import type { World } from './core/world'

export interface Kernel {
  readonly machine: Machine
  readonly era: Era
  readonly iommu: boolean
  readonly world: World
}

/** A Kernel whose world is read from `get` (the Timeline's current world). */
export function kernelOf(machine: Machine, era: Era, get: () => World): Kernel {
  return {
    machine,
    era,
    iommu: machine.settings.iommu,
    get world() {
      return get()
    },
  }
}

const ERA_NUM: Record<Era, number> = {
  'v5.0': 500,
  'v5.0-rfc': 500,
  'v5.2': 502,
  'v5.4': 504,
  'v6.0': 600,
  'v6.2': 602,
  'v6.4': 604,
  'v6.12': 612,
  'v6.16': 616,
  'v7.2': 702,
  next: 799,
}

/** v6.2 -> 602; 'next' sorts after every release. */
export function eraNum(era: Era): number {
  return ERA_NUM[era]
}

/** era >= 'v6.2' etc. */
export function eraAtLeast(era: Era, min: Era): boolean {
  return ERA_NUM[era] >= ERA_NUM[min]
}
