/**
 * The `nvidia-smi topo -m` level of a pair, derived from the PCI tree, so a learner can compare
 * the kernel's P2PDMA verdict with what NVIDIA's tool would print for the same two devices.
 *
 * nvidia-smi's legend and the mapping used here (PCIe only; NV# is NVLink and never derived):
 *
 *   X     "Self"                                           same PCI function
 *   PIX   "traversing at most a single PCIe bridge"        a common upstream bridge exists and the
 *                                                          bridges on the path belong to ONE bridge
 *                                                          unit: one switch (its upstream port plus
 *                                                          its downstream ports count as one unit),
 *                                                          or one root port / PCI bridge
 *   PXB   "multiple PCIe bridges (without traversing       a common upstream bridge exists and the
 *          the PCIe Host Bridge)"                          path crosses two or more bridge units
 *                                                          (e.g. two switches below one root port)
 *   PHB   "a PCIe Host Bridge (typically the CPU)"         no common upstream bridge, same host bridge
 *                                                          (different root ports, or a root-bus device)
 *   NODE  "PCIe as well as the interconnect between PCIe   different host bridges in the same NUMA node
 *          Host Bridges within a NUMA node"
 *   SYS   "PCIe as well as the SMP interconnect between    different host bridges in different NUMA nodes
 *          NUMA nodes (e.g., QPI/UPI)"
 *
 * Simplification: nvidia-smi itself reads sysfs/hwloc; multi-level switch fabrics may be grouped
 * differently by NVML. The mapping above is ours and documented here, not NVML's code.
 */
import type { SmiLevel } from '../../../shared/model/p2p'
import type { Machine, PciDev } from '../topology/types'
import { walkUpstream, type Walk } from './distance'
import { pciDev } from './pci'

/** The bridge unit a port belongs to: a switch's downstream ports fold into its upstream port. */
function unitOf(d: PciDev): string {
  return d.kind === 'switch_downstream' && d.upstream ? d.upstream : d.id
}

const numa = new WeakMap<Machine['hostBridges'], Map<string, number>>()

function numaOf(m: Machine, hostId: string): number | undefined {
  let map = numa.get(m.hostBridges)
  if (!map) {
    map = new Map(m.hostBridges.map((h) => [h.id, h.numaNode]))
    numa.set(m.hostBridges, map)
  }
  return map.get(hostId)
}

/** The parts of a walk (or of a PairDistance) the level depends on. */
export interface SmiPath {
  providerId: string
  clientId: string
  /** Common upstream bridge node id, or null. */
  common: string | null
  /** Node ids from provider to client (walk order). */
  path: readonly string[]
}

/** smiLevelOfPath - the level of a pair whose walk was already computed. */
export function smiLevelOfPath(m: Machine, w: SmiPath): SmiLevel {
  if (w.providerId === w.clientId) return 'X'
  if (w.common) {
    let first: string | null = null
    for (const id of w.path) {
      if (id === w.providerId || id === w.clientId) continue
      const d = m.devs.get(id)
      if (!d || !d.isBridge) continue
      const u = unitOf(d)
      if (first === null) first = u
      else if (u !== first) return 'PXB'
    }
    return 'PIX'
  }
  const pa = m.devs.get(w.providerId)
  const pb = m.devs.get(w.clientId)
  if (!pa || !pb) throw new Error('smiLevelOfPath: unknown device')
  if (pa.hostBridge === pb.hostBridge) return 'PHB'
  return numaOf(m, pa.hostBridge) === numaOf(m, pb.hostBridge) ? 'NODE' : 'SYS'
}

/** smiLevelOfWalk - the level of a computed Walk. */
export function smiLevelOfWalk(m: Machine, w: Walk): SmiLevel {
  return smiLevelOfPath(m, {
    providerId: w.provider.id,
    clientId: w.client.id,
    common: w.common ? w.common.id : null,
    path: w.path,
  })
}

/** smiLevel - the nvidia-smi topo -m level between two PCI functions (node ids or BDFs). */
export function smiLevel(m: Machine, a: string, b: string): SmiLevel {
  return smiLevelOfWalk(m, walkUpstream(m, pciDev(m, a), pciDev(m, b)))
}
