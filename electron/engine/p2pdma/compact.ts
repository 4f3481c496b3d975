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
  const providers: PciDev[] = []
  const providerChain: number[] = []
  for (let c = 0; c < endpoints.length; c++)
    if (isProvider(endpoints[c]!)) {
      providers.push(endpoints[c]!)
      providerChain.push(c)
    }
  const t = new ChainTable(m, endpoints)
  // Per client: node id -> position in its chain, as a dense lookup (-1 = not an ancestor).
  // The whole table would be clients × nodes; instead mark the current client's chain in a scratch
  // array while iterating a column — so iterate client-major.
  const pos = new Int32Array(t.nodes).fill(-1)
  const thruAllowed = hostPairVerdicts(m, rules, t.hostRep)
  const P = providers.length
  const C = endpoints.length
  const out = { mapType: new Uint8Array(P * C), distance: new Int16Array(P * C), acs: new Uint8Array(P * C) }
  const ctx: PairCtx = { t, rules, thruAllowed, out }
  for (let c = 0; c < C; c++) {
    const s = t.start[c]!
    const e = t.start[c + 1]!
    for (let j = s; j < e; j++) pos[t.ids[j]!] = j - s
    for (let p = 0; p < P; p++) classifyPair(providerChain[p]!, c, pos, p * C + c, ctx)
    for (let j = s; j < e; j++) pos[t.ids[j]!] = -1
    if (opts.onProgress && (c & 63) === 63) opts.onProgress((c + 1) * P, P * C)
  }
  return { era, providers: providers.map((d) => d.id), clients: endpoints.map((d) => d.id), ...out }
}

/**
 * Every endpoint's chain, upstreamChain(d) (pci.ts) as integer node ids: d, then pci_upstream_bridge()
 * of each up to the device on the root bus. Flat, with no object per chain: chain c is
 * ids[start[c] .. start[c + 1]). The number of ACS-redirecting nodes among a chain's first i + 1
 * entries is own[c] + above[start[c] + i]: own is the device's own redirect, above counts the
 * nodes after the first (0 at the device), so siblings below one bridge have equal `above` too.
 */
class ChainTable {
  /** Node count: a node's number is its PciDev.index. */
  readonly nodes: number
  private readonly hostNo = new Map<string, number>()
  /** One device id per host bridge, to ask the whitelist functions. */
  readonly hostRep: string[] = []
  ids: Int32Array
  above: Int32Array
  readonly start: Int32Array
  readonly own: Uint8Array
  /** Host bridge number of each chain. */
  readonly host: Int32Array

  constructor(m: Machine, devs: readonly PciDev[]) {
    const n = devs.length
    this.nodes = m.devs.size
    this.start = new Int32Array(n + 1)
    this.own = new Uint8Array(n)
    this.host = new Int32Array(n)
    this.ids = new Int32Array(8 * n + MAX_DEPTH)
    this.above = new Int32Array(this.ids.length)
    let at = 0
    for (let c = 0; c < n; c++) {
      const d = devs[c]!
      if (at + MAX_DEPTH > this.ids.length) this.grow()
      const { ids, above } = this
      this.start[c] = at
      this.own[c] = hasAcsRedir(d) ? 1 : 0
      ids[at] = d.index
      above[at] = 0
      const prev = c > 0 ? devs[c - 1]! : null
      if (prev !== null && d.upstream !== null && d.upstream === prev.upstream) {
        // A sibling of the previous device: the same chain above it.
        const ps = this.start[c - 1]!
        ids.copyWithin(at + 1, ps + 1, at)
        above.copyWithin(at + 1, ps + 1, at)
        at += at - ps
        this.host[c] = this.host[c - 1]!
        continue
      }
      let len = 1
      let acs = 0
      for (
        let x = d.upstream ? m.devs.get(d.upstream) : undefined;
        x !== undefined && len < MAX_DEPTH;
        len++
      ) {
        ids[at + len] = x.index
        if (hasAcsRedir(x)) acs++
        above[at + len] = acs
        x = x.upstream ? m.devs.get(x.upstream) : undefined
      }
      at += len
      let h = this.hostNo.get(d.hostBridge)
      if (h === undefined) {
        h = this.hostNo.size
        this.hostNo.set(d.hostBridge, h)
        this.hostRep.push(d.id)
      }
      this.host[c] = h
    }
    this.start[n] = at
  }

  private grow(): void {
    const ids = new Int32Array(this.ids.length * 2)
    ids.set(this.ids)
    const above = new Int32Array(ids.length)
    above.set(this.above)
    this.ids = ids
    this.above = above
  }
}

/** Bound on a chain's length: 256 buses bound the depth; room to spare (as pci.ts's walks). */
const MAX_DEPTH = 512

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

/**
 * One provider/client pair (chain numbers p and c) into slot `k` of the arrays, with the client's
 * chain marked in `pos`: the walk, then the era's reading of it.
 */
function classifyPair(p: number, c: number, pos: Int32Array, k: number, x: PairCtx): void {
  // common: index i in the provider chain of the common ancestor, j its index in the client chain
  const { ids, start } = x.t
  const s = start[p]!
  const e = start[p + 1]!
  for (let i = s; i < e; i++) {
    const at = pos[ids[i]!]!
    if (at !== -1) return verdictInto(p, c, i - s, at, k, x)
  }
  verdictInto(p, c, -1, -1, k, x)
}

/**
 * The same walk seen from the client: with the provider's chain marked in `pos`, the first node of
 * the client's chain that is on it is the nearest common upstream bridge (both chains run up to
 * their root), so i and j come out as in classifyPair().
 */
function classifyPairFromClient(p: number, c: number, pos: Int32Array, k: number, x: PairCtx): void {
  const { ids, start } = x.t
  const s = start[c]!
  const e = start[c + 1]!
  for (let j = s; j < e; j++) {
    const at = pos[ids[j]!]!
    if (at !== -1) return verdictInto(p, c, at, j - s, k, x)
  }
  verdictInto(p, c, -1, -1, k, x)
}

interface PairCtx {
  t: ChainTable
  rules: P2pRules
  thruAllowed: (ha: number, hb: number) => boolean
  out: { mapType: Uint8Array; distance: Int16Array; acs: Uint8Array }
}

/**
 * The era's reading of one walk of provider chain p and client chain c (common ancestor at provider
 * index `common`, client index `j`; -1: none).
 */
function verdictInto(p: number, c: number, common: number, j: number, k: number, x: PairCtx): void {
  const { start, above, own, host } = x.t
  const ps = start[p]!
  const pLen = start[p + 1]! - ps
  let acs: number
  let dist: number
  if (common >= 0) {
    // provider loop checked ids[0..common] (the common ancestor included); client loop ids[0..j-1]
    acs = own[p]! + above[ps + common]! + (j > 0 ? own[c]! + above[start[c]! + j - 1]! : 0)
    dist = common + j
  } else {
    // no common ancestor: only the provider loop ran over every a; the client path is never checked
    acs = own[p]! + above[ps + pLen - 1]!
    dist = pLen + start[c + 1]! - start[c]!
  }
  const { out } = x
  out.acs[k] = acs > 0 ? 1 : 0
  if (!x.rules.hasMapTypes) {
    // upstream_bridge_distance(): dist, -2 (ACS below a common bridge), -1 / 0x1000 + dist
    let ret: number
    if (common >= 0) ret = acs > 0 ? -2 : dist
    else ret = x.thruAllowed(host[p]!, host[c]!) ? 0x1000 + dist : -1
    out.distance[k] = ret
    out.mapType[k] = ret >= 0 ? MAP_CODE.BUS_ADDR : MAP_CODE.NOT_SUPPORTED
  } else {
    out.distance[k] = dist
    if (common >= 0 && acs === 0) out.mapType[k] = MAP_CODE.BUS_ADDR
    else
      out.mapType[k] = x.thruAllowed(host[p]!, host[c]!) ? MAP_CODE.THRU_HOST_BRIDGE : MAP_CODE.NOT_SUPPORTED
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
  const t = new ChainTable(m, clients)
  const providerCol: number[] = []
  for (let c = 0; c < clients.length; c++) if (isProvider(clients[c]!)) providerCol.push(c)
  const runStart = siblingRuns(clients, t)
  const runs = runStart.length - 1
  const pos = new Int32Array(t.nodes).fill(-1)
  const C = clients.length
  const out = { mapType: new Uint8Array(C), distance: new Int16Array(C), acs: new Uint8Array(C) }
  const ctx: PairCtx = { t, rules, thruAllowed: hostPairVerdicts(m, rules, t.hostRep), out }
  const { ids, start, host, own, above } = t
  // Without a common bridge, verdictInto() reads of the provider only its chain's length, its ACS
  // count and its host bridge: a row whose provider has the previous one's keeps the previous
  // row's columns below every other host bridge. (The previous provider's own column, which holds
  // its verdict with itself, is below this host bridge, so it is written again.)
  let prev = { host: -1, len: -1, acs: -1 }
  for (let p = 0; p < providerCol.length; p++) {
    const self = providerCol[p]!
    const ps = start[self]!
    const pe = start[self + 1]!
    const pHost = host[self]!
    const pAcs = own[self]! + above[pe - 1]!
    const keep = prev.host === pHost && prev.len === pe - ps && prev.acs === pAcs
    for (let i = ps; i < pe; i++) pos[ids[i]!] = i - ps
    for (let r = 0; r < runs; r++) {
      const s = runStart[r]!
      const e = runStart[r + 1]!
      if (keep && host[s] !== pHost) continue
      // the run's walk, from a member other than the provider
      const k = s === self ? s + 1 : s
      if (k < e) {
        // Below another host bridge the two chains share no node: nothing to walk.
        if (host[k] !== pHost) verdictInto(self, k, -1, -1, k, ctx)
        else classifyPairFromClient(self, k, pos, k, ctx)
        if (e - s > 1) {
          out.mapType.fill(out.mapType[k]!, s, e)
          out.distance.fill(out.distance[k]!, s, e)
          out.acs.fill(out.acs[k]!, s, e)
        }
      }
    }
    prev = { host: pHost, len: pe - ps, acs: pAcs }
    classifyPairFromClient(self, self, pos, self, ctx)
    for (let i = ps; i < pe; i++) pos[ids[i]!] = -1
    yield { provider: clients[self]!, clients, ...out, runStart, self }
  }
}

/**
 * Where runs of sibling columns start (see compactRows): consecutive clients with the same
 * upstream bridge (or none), host bridge and own ACS redirect state. Ends with the column count.
 */
function siblingRuns(devs: readonly PciDev[], t: ChainTable): Int32Array {
  const starts = [0]
  for (let c = 1; c < devs.length; c++)
    if (
      devs[c]!.upstream !== devs[c - 1]!.upstream ||
      t.host[c] !== t.host[c - 1] ||
      t.own[c] !== t.own[c - 1]
    )
      starts.push(c)
  starts.push(devs.length)
  return Int32Array.from(starts)
}
