/**
 * The P2P matrix of a large machine in compact form: one byte of map type and one int of
 * distance per (provider, client) pair, in typed arrays. Same verdicts as p2pdmaClassify()
 * (distance.ts) for every era — a property test checks that pair by pair — but without the
 * per-pair objects, log lines and explanations, which explainPair() produces on demand.
 *
 * Why a second implementation: a 4096-endpoint machine has 16.7 million pairs. The kernel itself
 * never computes them all (it classifies a pair at its first mapping and caches it), but a
 * matrix view or a "which pairs can talk" query needs every cell.
 *
 * How it stays fast: the walk of calc_map_type_and_dist() (docs/kernel/p2pdma.md#the-distance-walk) only needs, per
 * pair, the nearest common upstream bridge, dist_a, dist_b and whether any node on the path has
 * ACS redirect. Each endpoint's pci_upstream_bridge() chain is turned into integer node ids with
 * a running count of ACS-redirecting nodes, so a pair costs one short loop. The host-bridge part
 * of the verdict (cpu_supports_p2pdma(), host_bridge_whitelist(), v5.2's root_complex_whitelist())
 * depends only on the two host bridges, so it is computed once per host-bridge pair with the same
 * functions the detailed path uses.
 */
import type { MapType } from '../../../shared/model/p2p'
import { p2pRules, type P2pRules } from '../era/index'
import type { Machine, PciDev } from '../topology/types'
import { cpuSupportsP2pdma } from './cpu'
import { isEndpoint, isProvider } from './matrix'
import { hasAcsRedir } from './pci'
import { hostBridgeWhitelist, rootComplexWhitelist } from './whitelist'

export const MAP_CODE = { NOT_SUPPORTED: 0, BUS_ADDR: 1, THRU_HOST_BRIDGE: 2 } as const
const CODE_NAME: MapType[] = ['NOT_SUPPORTED', 'BUS_ADDR', 'THRU_HOST_BRIDGE']

export interface CompactMatrix {
  era: string
  /** Node ids, in enumeration order. */
  providers: string[]
  clients: string[]
  /** providers.length × clients.length, row-major: MAP_CODE per pair. */
  mapType: Uint8Array
  /**
   * v5.0/v5.2: the raw upstream_bridge_distance() return value (-1, -2, dist, 0x1000 + dist);
   * 5.4+: the distance calc_map_type_and_dist() computed (also for NOT_SUPPORTED). Int16: the
   * largest value, 0x1000 + dist, fits (PCI buses limit the depth to < 256).
   */
  distance: Int16Array
  /** 1 when a node on the path has ACS redirect (the acsRedirect list of the detailed verdict is non-empty). */
  acs: Uint8Array
}

export function mapTypeName(code: number): MapType {
  return CODE_NAME[code] ?? 'UNKNOWN'
}

interface Chain {
  /** integer node ids of [dev, pci_upstream_bridge(dev), …] */
  ids: Int32Array
  /** acsUpTo[i] = number of ACS-redirecting nodes among ids[0..i] (inclusive) */
  acsUpTo: Int32Array
  host: number
}

/**
 * compactMatrix - every provider × client verdict as typed arrays.
 * Mirrors drivers/pci/p2pdma.c: the classification of upstream_bridge_distance() (v5.0, v5.2),
 * __upstream_bridge_distance() (v5.4) and calc_map_type_and_dist() (v6.0+), pair by pair, as
 * p2pdmaClassify() does; see that function and distance.ts for the per-era rules and sources.
 *
 * Simplification: no log lines, no explanations (use explainPair() for one pair).
 */
export function compactMatrix(
  m: Machine,
  opts: { onProgress?: (done: number, total: number) => void } = {},
): CompactMatrix {
  const era = m.settings.era
  const rules = p2pRules(era)
  const endpoints: PciDev[] = []
  for (const d of m.devs.values()) if (isEndpoint(d)) endpoints.push(d)
  const providers = endpoints.filter(isProvider)
  const chains = new ChainTable(m)
  const clientChains = endpoints.map((d) => chains.of(d))
  const providerChains = providers.map((d) => chains.of(d))
  // Per client: node id -> position in its chain, as a dense lookup (-1 = not an ancestor).
  // The whole table would be clients × nodes; instead mark the current client's chain in a scratch
  // array while iterating a column — so iterate client-major.
  const pos = new Int32Array(chains.nodeNo.size).fill(-1)
  const thruAllowed = hostPairVerdicts(m, rules, chains.hostRep)
  const P = providers.length
  const C = endpoints.length
  const out = { mapType: new Uint8Array(P * C), distance: new Int16Array(P * C), acs: new Uint8Array(P * C) }
  const ctx: PairCtx = { rules, thruAllowed, out }
  for (let c = 0; c < C; c++) {
    const cc = clientChains[c]!
    for (let j = 0; j < cc.ids.length; j++) pos[cc.ids[j]!] = j
    for (let p = 0; p < P; p++) classifyPair(providerChains[p]!, cc, pos, p * C + c, ctx)
    for (let j = 0; j < cc.ids.length; j++) pos[cc.ids[j]!] = -1
    if (opts.onProgress && (c & 63) === 63) opts.onProgress((c + 1) * P, P * C)
  }
  return { era, providers: providers.map((d) => d.id), clients: endpoints.map((d) => d.id), ...out }
}

/** Integer ids for every device and host bridge that appears in a chain, and each device's chain. */
class ChainTable {
  readonly nodeNo = new Map<string, number>()
  private readonly hostNo = new Map<string, number>()
  /** One device id per host bridge, to ask the whitelist functions. */
  readonly hostRep: string[] = []

  /** A chain being walked, ids and running ACS count (256 buses bound the depth; room to spare). */
  private readonly scratch = new Int32Array(512)
  private readonly scratchAcs = new Int32Array(512)

  constructor(private readonly m: Machine) {}

  private number(id: string): number {
    let n = this.nodeNo.get(id)
    if (n === undefined) {
      n = this.nodeNo.size
      this.nodeNo.set(id, n)
    }
    return n
  }

  of(d: PciDev): Chain {
    // upstreamChain(d) (pci.ts), walked here without building its array: d, then
    // pci_upstream_bridge() of each until the device on the root bus.
    const { scratch, scratchAcs } = this
    let len = 0
    let acs = 0
    for (let x: PciDev | undefined = d; x !== undefined && len < scratch.length; len++) {
      scratch[len] = this.number(x.id)
      if (hasAcsRedir(x)) acs++
      scratchAcs[len] = acs
      x = x.upstream ? this.m.devs.get(x.upstream) : undefined
    }
    const ids = scratch.slice(0, len)
    const acsUpTo = scratchAcs.slice(0, len)
    let h = this.hostNo.get(d.hostBridge)
    if (h === undefined) {
      h = this.hostNo.size
      this.hostNo.set(d.hostBridge, h)
      this.hostRep.push(d.id)
    }
    return { ids, acsUpTo, host: h }
  }
}

/**
 * Host-bridge-pair verdict for paths without a usable common bridge, memoized per pair: is
 * THRU_HOST_BRIDGE allowed (v5.2: both root complexes whitelisted; v5.4+: the CPU or the whitelist)?
 */
function hostPairVerdicts(
  m: Machine,
  rules: P2pRules,
  hostRep: readonly string[],
): (ha: number, hb: number) => boolean {
  const era = m.settings.era
  const hosts = hostRep.length
  const hostAllowed = new Int8Array(hosts * hosts).fill(-1)
  const cpuOk = rules.cpuSupportsP2pdma && cpuSupportsP2pdma(m.cpu)
  return (ha, hb) => {
    const k = ha * hosts + hb
    let v = hostAllowed[k]!
    if (v === -1) {
      const a = hostRep[ha]!
      const b = hostRep[hb]!
      if (rules.family === 'upstream_bridge_distance_rc') {
        v = rootComplexWhitelist(m, a).ok && rootComplexWhitelist(m, b).ok ? 1 : 0
      } else if (rules.family === 'upstream_bridge_distance') {
        v = 0
      } else {
        v = cpuOk || hostBridgeWhitelist(m, era, a, b, false, false).ok ? 1 : 0
      }
      hostAllowed[k] = v
    }
    return v === 1
  }
}

/** One provider/client pair into slot `k` of the arrays: the walk, then the era's reading of it. */
function classifyPair(pc: Chain, cc: Chain, pos: Int32Array, k: number, x: PairCtx): void {
  // common: index i in the provider chain of the common ancestor, j its index in the client chain
  for (let i = 0; i < pc.ids.length; i++) {
    const at = pos[pc.ids[i]!]!
    if (at !== -1) return verdictInto(pc, cc, i, at, k, x)
  }
  verdictInto(pc, cc, -1, -1, k, x)
}

/**
 * The same walk seen from the client: with the provider's chain marked in `pos`, the first node of
 * the client's chain that is on it is the nearest common upstream bridge (both chains run up to
 * their root), so i and j come out as in classifyPair().
 */
function classifyPairFromClient(pc: Chain, cc: Chain, pos: Int32Array, k: number, x: PairCtx): void {
  for (let j = 0; j < cc.ids.length; j++) {
    const at = pos[cc.ids[j]!]!
    if (at !== -1) return verdictInto(pc, cc, at, j, k, x)
  }
  verdictInto(pc, cc, -1, -1, k, x)
}

interface PairCtx {
  rules: P2pRules
  thruAllowed: (ha: number, hb: number) => boolean
  out: { mapType: Uint8Array; distance: Int16Array; acs: Uint8Array }
}

/** The era's reading of one walk (common ancestor at provider index `common`, client index `j`; -1: none). */
function verdictInto(pc: Chain, cc: Chain, common: number, j: number, k: number, x: PairCtx): void {
  let acs: number
  let dist: number
  if (common >= 0) {
    // provider loop checked ids[0..common] (the common ancestor included); client loop ids[0..j-1]
    acs = pc.acsUpTo[common]! + (j > 0 ? cc.acsUpTo[j - 1]! : 0)
    dist = common + j
  } else {
    // no common ancestor: only the provider loop ran over every a; the client path is never checked
    acs = pc.acsUpTo[pc.ids.length - 1]!
    dist = pc.ids.length + cc.ids.length
  }
  const { out } = x
  out.acs[k] = acs > 0 ? 1 : 0
  if (!x.rules.hasMapTypes) {
    // upstream_bridge_distance(): dist, -2 (ACS below a common bridge), -1 / 0x1000 + dist
    let ret: number
    if (common >= 0) ret = acs > 0 ? -2 : dist
    else ret = x.thruAllowed(pc.host, cc.host) ? 0x1000 + dist : -1
    out.distance[k] = ret
    out.mapType[k] = ret >= 0 ? MAP_CODE.BUS_ADDR : MAP_CODE.NOT_SUPPORTED
  } else {
    out.distance[k] = dist
    if (common >= 0 && acs === 0) out.mapType[k] = MAP_CODE.BUS_ADDR
    else out.mapType[k] = x.thruAllowed(pc.host, cc.host) ? MAP_CODE.THRU_HOST_BRIDGE : MAP_CODE.NOT_SUPPORTED
  }
}

/** One provider's row of the compact matrix (the arrays are reused for the next row). */
export interface CompactRow {
  provider: PciDev
  /** Every endpoint, in enumeration order (the columns). */
  clients: readonly PciDev[]
  mapType: Uint8Array
  distance: Int16Array
  acs: Uint8Array
  /**
   * The columns in runs of equal verdicts: run r is columns [runStart[r], runStart[r + 1]), and
   * every column in it has the same mapType, distance and acs, except `self`. Same for every row.
   */
  runStart: Int32Array
  /** The provider's own column (it is an endpoint, so also a client), whose verdict is its own. */
  self: number
}

/**
 * compactRows - compactMatrix() one provider row at a time, in the same order as computeMatrix()'s
 * pairs (provider-major): memory is one row, so a caller that writes each pair out (the CLI's
 * `p2p --json`) stays bounded however many pairs there are. The row's arrays are overwritten by
 * the next row.
 *
 * Siblings give the same verdict. Two clients next to each other in enumeration order with the
 * same pci_upstream_bridge(), the same host bridge and the same ACS redirect state of their own
 * have the same chain above themselves, and an endpoint is on a provider's chain only as the
 * provider: so for any provider other than themselves the walk finds the same nearest common
 * bridge at the same depths, with the same ACS count. Such a run of columns (a switch's many
 * functions, a root bus's integrated devices) is walked once per row and filled natively; only the
 * provider's own column, where it meets itself, is walked on its own.
 */
export function* compactRows(m: Machine): Generator<CompactRow> {
  const rules = p2pRules(m.settings.era)
  const clients: PciDev[] = []
  for (const d of m.devs.values()) if (isEndpoint(d)) clients.push(d)
  const chains = new ChainTable(m)
  const clientChains = clients.map((d) => chains.of(d))
  const providerCol: number[] = []
  for (let c = 0; c < clients.length; c++) if (isProvider(clients[c]!)) providerCol.push(c)
  const runStart = siblingRuns(clientChains)
  const runs = runStart.length - 1
  const pos = new Int32Array(chains.nodeNo.size).fill(-1)
  const C = clients.length
  const out = { mapType: new Uint8Array(C), distance: new Int16Array(C), acs: new Uint8Array(C) }
  const ctx: PairCtx = { rules, thruAllowed: hostPairVerdicts(m, rules, chains.hostRep), out }
  for (let p = 0; p < providerCol.length; p++) {
    const self = providerCol[p]!
    const pc = clientChains[self]!
    for (let i = 0; i < pc.ids.length; i++) pos[pc.ids[i]!] = i
    for (let r = 0; r < runs; r++) {
      const s = runStart[r]!
      const e = runStart[r + 1]!
      // the run's walk, from a member other than the provider
      const k = s === self ? s + 1 : s
      if (k < e) {
        classifyPairFromClient(pc, clientChains[k]!, pos, k, ctx)
        if (e - s > 1) {
          out.mapType.fill(out.mapType[k]!, s, e)
          out.distance.fill(out.distance[k]!, s, e)
          out.acs.fill(out.acs[k]!, s, e)
        }
      }
    }
    classifyPairFromClient(pc, pc, pos, self, ctx)
    for (let i = 0; i < pc.ids.length; i++) pos[pc.ids[i]!] = -1
    yield { provider: clients[self]!, clients, ...out, runStart, self }
  }
}

/**
 * Where runs of sibling columns start (see compactRows): consecutive clients with the same
 * upstream bridge (or none), host bridge and own ACS redirect state. Ends with the column count.
 */
function siblingRuns(chains: readonly Chain[]): Int32Array {
  const starts = [0]
  for (let c = 1; c < chains.length; c++) {
    const a = chains[c - 1]!
    const b = chains[c]!
    const sameUp = a.ids.length >= 2 ? b.ids.length >= 2 && a.ids[1] === b.ids[1] : b.ids.length < 2
    if (!sameUp || a.host !== b.host || a.acsUpTo[0] !== b.acsUpTo[0]) starts.push(c)
  }
  starts.push(chains.length)
  return Int32Array.from(starts)
}
