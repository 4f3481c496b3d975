/**
 * Small, pure helpers over the enumerated Machine that the P2PDMA functions share: device lookup,
 * pci_upstream_bridge() chains (memoized), has_acs_redir(), and pci_warn()-style log prefixes.
 */
import { ACS_BIT } from '../../../shared/model/topology'
import type { Decision } from '../../../shared/model/p2p'
import type { Machine, PciDev } from '../topology/types'

/** The device with node id or BDF `ref`; throws (engine bug / bad id) when unknown. */
export function pciDev(m: Machine, ref: string): PciDev {
  const d = m.devs.get(ref) ?? m.devs.get(m.byBdf.get(ref) ?? '')
  if (!d) throw new Error(`p2pdma: no PCI device '${ref}'`)
  return d
}

/** Like pciDev() but returns null for an unknown id. */
export function findPciDev(m: Machine, ref: string): PciDev | null {
  return m.devs.get(ref) ?? m.devs.get(m.byBdf.get(ref) ?? '') ?? null
}

/** PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC: the bits pci_bridge_has_acs_redir() tests. */
export const ACS_REDIR_MASK = ACS_BIT.RR | ACS_BIT.CR | ACS_BIT.EC

/**
 * pci_bridge_has_acs_redir() (all eras): the function has an ACS capability and its ACS Control
 * has RR, CR or EC set. Despite its name the kernel calls it on endpoints too.
 */
export function hasAcsRedir(d: PciDev): boolean {
  return d.acsCap !== null && (d.acsCtrl & ACS_REDIR_MASK) !== 0
}

/**
 * Fill one of the era table's printk formats (P2pTexts, electron/engine/era/eras.ts) the way printk
 * would: %s and %pR take a string, %04x a number (4 hex digits), %#llx a number or bigint (0x…).
 */
export function kfmt(fmt: string, ...args: readonly (string | number | bigint)[]): string {
  let i = 0
  return fmt.replace(/%(#llx|04x|pR|s)/g, (_m, spec: string) => {
    const a = args[i++]
    if (a === undefined) throw new Error(`engine bug: kfmt("${fmt}") is missing argument ${i}`)
    if (spec === '04x') return Number(a).toString(16).padStart(4, '0')
    if (spec === '#llx') return typeof a === 'string' ? a : `0x${a.toString(16)}`
    return String(a)
  })
}

/** pci_warn()/dev_warn() prefix: '<driver> <bdf>: <text>'. */
export function devLog(d: PciDev, text: string): string {
  return `${d.driver} ${d.bdf}: ${text}`
}

// Memo of upstream chains, keyed by the machine's devs Map (shared by shallow copies of a Machine
// that only differ in settings). chain[0] is the device itself, chain[i+1] = pci_upstream_bridge(chain[i]).
const chains = new WeakMap<Map<string, PciDev>, Map<string, readonly PciDev[]>>()
// Position of each device in a chain: for "is `a` an ancestor of `b`, and at which dist_b".
const chainIndex = new WeakMap<Map<string, PciDev>, Map<string, ReadonlyMap<string, number>>>()

/**
 * A per-device value memoized per machine: `memo` is keyed by the machine's devs Map, then by the
 * device id; `compute` runs once per (devs, device).
 */
function memoized<T>(
  memo: WeakMap<Map<string, PciDev>, Map<string, T>>,
  m: Machine,
  d: PciDev,
  compute: () => T,
): T {
  let perDev = memo.get(m.devs)
  if (!perDev) {
    perDev = new Map()
    memo.set(m.devs, perDev)
  }
  const hit = perDev.get(d.id)
  if (hit) return hit
  const value = compute()
  perDev.set(d.id, value)
  return value
}

/** [dev, pci_upstream_bridge(dev), ...] up to the device on the root bus (memoized). */
export function upstreamChain(m: Machine, d: PciDev): readonly PciDev[] {
  return memoized(chains, m, d, () => {
    const up = d.upstream ? m.devs.get(d.upstream) : undefined
    return up ? [d, ...upstreamChain(m, up)] : [d]
  })
}

/** id -> index in upstreamChain(d) (memoized). */
export function upstreamIndex(m: Machine, d: PciDev): ReadonlyMap<string, number> {
  return memoized(chainIndex, m, d, () => {
    const idx = new Map<string, number>()
    upstreamChain(m, d).forEach((x, i) => idx.set(x.id, i))
    return idx
  })
}

/** 0x1234 -> '1234' (%04x). */
export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0')
}

/** The fixed part of a Decision (function, file, eras, source). */
export interface DecisionBase {
  fn: string
  file: string
  eras: string
  source: string
}

/**
 * A Decision from its base. Built as a literal: object spread is pathologically slow (~9 µs) on
 * the V8/CPU combination we benchmark on, and the matrix builds several per pair.
 */
export function dec(b: DecisionBase, text: string, ok: boolean | null, fn: string = b.fn): Decision {
  return { fn, file: b.file, eras: b.eras, source: b.source, text, ok }
}
