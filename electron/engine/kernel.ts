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
  /** The kernel functions open right now, outermost first (for a WARN splat's Call Trace). */
  callStack(): readonly string[]
}

/** A Kernel whose world is read from `get` (the Timeline's current world). */
export function kernelOf(
  machine: Machine,
  era: Era,
  get: () => World,
  stack: () => readonly string[] = () => [],
): Kernel {
  return {
    machine,
    era,
    iommu: machine.settings.iommu,
    get world() {
      return get()
    },
    callStack: stack,
  }
}
