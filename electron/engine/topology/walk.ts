/**
 * Plain walks over the enumerated machine: pci_upstream_bridge() chains, depth, BDF lookup.
 *
 * The tree the P2PDMA distance walk climbs (T1, docs/kernel/cases.md#shared-topologies), drawn like the comment above
 * calc_map_type_and_dist() in drivers/pci/p2pdma.c. Each arrow is one pci_upstream_bridge() hop;
 * the chain stops at the root port because pci_upstream_bridge(root port) is NULL (its bus is a
 * root bus, whose "bridge" is the host bridge, not a pci_dev):
 *
 *   [host bridge 0000:00]                      (not a pci_dev; 00:00.0 8086:2020 is its own device)
 *     -+  00:01.0 Root Port A        [01-05]   <- upstreamChain(GPU0) ends here (depth 4)
 *      \+ 01:00.0 Switch Upstream Port [02-05]  <- common upstream bridge of GPU0 and NIC0
 *       +-+ 02:00.0 Switch Downstream Port 0
 *       + \- 03:00.0 GPU0                       upstreamChain = [gpu0, dsp0, usp, rpA]
 *       +-+ 02:01.0 Switch Downstream Port 1
 *       + \- 04:00.0 NIC0                       distance(GPU0, NIC0) = 2 + 2 = 4
 *       \-+ 02:02.0 Switch Downstream Port 2
 *         \- 05:00.0 NVMe2
 *     -+  00:02.0 Root Port B        [06]
 *       +- 06:00.0 NVMe0 fn0                    distance(fn0, fn1) = 1 + 1 = 2 (common: RP-B)
 *       \- 06:00.1 NVMe0 fn1
 *     -+  00:03.0 Root Port C        [07]
 *       \- 07:00.0 AHCI                         no common bridge with GPU0: 4 + 2 = 6
 */
import type { Machine, PciDev } from './types'

/** The device, then each pci_upstream_bridge() up to and including the device on the root bus. */
export function upstreamChain(m: Machine, id: string): string[] {
  const out: string[] = []
  let cur: PciDev | undefined = m.devs.get(id)
  while (cur && out.length <= m.devs.size) {
    out.push(cur.id)
    cur = cur.upstream === null ? undefined : m.devs.get(cur.upstream)
  }
  return out
}

/** Number of functions in upstreamChain(): 1 for a device on a root bus, 4 for an endpoint behind a switch. */
export function depth(m: Machine, id: string): number {
  return upstreamChain(m, id).length
}

/**
 * The upstream bridge of a function, or null on a root bus.
 * Mirrors include/linux/pci.h: pci_upstream_bridge() (dev->bus->self; NULL on a root bus).
 * Simplification: the virtfn (SR-IOV VF -> PF) indirection is not modelled.
 */
export function upstreamBridge(m: Machine, id: string): PciDev | null {
  const d = m.devs.get(id)
  return d?.upstream ? (m.devs.get(d.upstream) ?? null) : null
}

/** Looks a function up by pci_name() ('0000:03:00.0'); 'bb:dd.f' means domain 0000. Case-insensitive. */
export function findByBdf(m: Machine, bdf: string): PciDev | null {
  let b = bdf.trim().toLowerCase()
  if (/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(b)) b = '0000:' + b
  const id = m.byBdf.get(b)
  return id === undefined ? null : (m.devs.get(id) ?? null)
}

/** The deepest function that is in both upstream chains (the common upstream bridge), or null. */
export function commonUpstream(m: Machine, a: string, b: string): string | null {
  const chainB = new Set(upstreamChain(m, b))
  return upstreamChain(m, a).find((id) => chainB.has(id)) ?? null
}
