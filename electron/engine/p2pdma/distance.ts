/**
 * The distance / map-type walk between a P2PDMA provider and a client, per era
 * (drivers/pci/p2pdma.c; docs/kernel/p2pdma.md#the-distance-walk).
 *
 * The walk is the same loop from v5.0 to the newest tree (S1–S6); only the interpretation of its
 * result changes:
 *
 *     a = provider                                  -+ Root Port            (dist counts hops)
 *     while a:                                       \+ Switch Upstream Port  <- common ancestor
 *         has_acs_redir(a)?  record a                 +-+ Downstream Port 0
 *         if a is an ancestor-or-self of b: found     + \- provider (a)
 *         a = pci_upstream_bridge(a)                  \-+ Downstream Port 1
 *     found: walk b up to (not including) a,             \- client (b)
 *            has_acs_redir(bb)? record bb
 *
 * So every node on the path is checked, the common ancestor exactly once (in the provider loop,
 * before the match test). With no common ancestor dist = depth(provider) + depth(client).
 */
import type { Era } from '../../../shared/model/topology'
import type { Decision, MapType } from '../../../shared/model/p2p'
import { eraGroup, eraSource, p2pRules, type P2pRules } from '../era/index'
import type { Machine, PciDev } from '../topology/types'
import { cpuDecision, cpuSupportsP2pdma } from './cpu'
import { dec, devLog, hasAcsRedir, kfmt, pciDev, upstreamChain, upstreamIndex } from './pci'
import { hostBridgeWhitelist, rootComplexWhitelist } from './whitelist'

const FILE = 'drivers/pci/p2pdma.c'

/** The raw result of the walk (no era interpretation). */
export interface Walk {
  provider: PciDev
  client: PciDev
  /** The nearest common upstream bridge (or the device itself / a shared function), null if none. */
  common: PciDev | null
  distA: number
  distB: number
  /** dist_a + dist_b */
  dist: number
  /** Functions with ACS redirect, in walk order: provider path first (incl. the common ancestor), then the client path. */
  acs: PciDev[]
  /** Node ids: provider .. common .. client, or provider .. host bridge(s) .. client. */
  path: string[]
  /** Host bridge node ids crossed (empty when there is a common upstream bridge). */
  hostBridges: string[]
}

/**
 * walkUpstream - the loop shared by upstream_bridge_distance() (v5.0–v5.4) and
 * calc_map_type_and_dist() (v6.0+), docs/kernel/p2pdma.md#the-distance-walk.
 * Mirrors drivers/pci/p2pdma.c (S1 @ 02917e9f8676, S3, S4, S6: identical loop).
 *
 * Errnos: none.
 * Simplification: the inner "is a an ancestor of b" loop is a lookup in b's memoized upstream
 * chain; it yields the same a, dist_a and dist_b as the kernel's nested loops.
 */
export function walkUpstream(m: Machine, provider: PciDev, client: PciDev): Walk {
  const ca = upstreamChain(m, provider)
  const cb = upstreamChain(m, client)
  const idxB = upstreamIndex(m, client)
  const acs: PciDev[] = []
  for (let i = 0; i < ca.length; i++) {
    const a = ca[i] as PciDev
    if (hasAcsRedir(a)) acs.push(a)
    const j = idxB.get(a.id)
    if (j === undefined) continue
    // check_b_path_acs: the client and its bridges below the common ancestor (a itself is not re-checked)
    for (let k = 0; k < j; k++) {
      const bb = cb[k] as PciDev
      if (hasAcsRedir(bb)) acs.push(bb)
    }
    const path: string[] = []
    for (let k = 0; k <= i; k++) path.push((ca[k] as PciDev).id)
    for (let k = j - 1; k >= 0; k--) path.push((cb[k] as PciDev).id)
    return { provider, client, common: a, distA: i, distB: j, dist: i + j, acs, path, hostBridges: NONE }
  }
  // No common ancestor: the last inner loop walked all of b, so dist_b = depth(b).
  const hostBridges =
    provider.hostBridge === client.hostBridge
      ? [provider.hostBridge]
      : [provider.hostBridge, client.hostBridge]
  const path: string[] = []
  for (const d of ca) path.push(d.id)
  for (const h of hostBridges) path.push(h)
  for (let k = cb.length - 1; k >= 0; k--) path.push((cb[k] as PciDev).id)
  return {
    provider,
    client,
    common: null,
    distA: ca.length,
    distB: cb.length,
    dist: ca.length + cb.length,
    acs,
    path,
    hostBridges,
  }
}

/**
 * acsListString - what the kernel prints after "pci=disable_acs_redir=".
 * Mirrors seq_buf_print_bus_devfn() ("%s;" per node) and the "drop final semicolon" step of
 * upstream_bridge_distance_warn() (5.x, PAGE_SIZE buffer) / calc_map_type_and_dist() (6.x, char buf[128]).
 *
 * On overflow seq_buf keeps size-1 characters; S4 then writes the NUL one byte past the buffer
 * (the visible text is unchanged), S6 skips the write (seq_buf_has_overflowed()).
 * Simplification: the overflow behaviour is inferred from lib/seq_buf.c semantics, not observed.
 */
export function acsListString(names: readonly string[], size: number): { text: string; overflowed: boolean } {
  let s = ''
  for (const n of names) s += `${n};`
  if (s.length < size) return { text: s.slice(0, -1), overflowed: false }
  return { text: s.slice(0, size - 1), overflowed: true }
}

/** One (provider, client) classification, in the shape every era can fill. */
export interface PairDistance {
  /** The kernel function that computed it. */
  fn: 'upstream_bridge_distance' | 'calc_map_type_and_dist'
  era: Era
  providerId: string
  clientId: string
  provider: string
  client: string
  /**
   * v5.0/v5.2: the int upstream_bridge_distance() returns (-1, -2, dist, 0x1000 + dist).
   * 5.4+: the distance written to *dist (also for NOT_SUPPORTED).
   */
  ret: number
  /** dist_a + dist_b of the walk. */
  dist: number
  /** 5.4+: the map type; v5.x: derived (ret >= 0 -> BUS_ADDR, else NOT_SUPPORTED). */
  mapType: MapType
  /** distance_many treats this client as not supported (v5.x: ret < 0; 5.4+: NOT_SUPPORTED). */
  notSupported: boolean
  /** 5.4+: ACS redirect found below a common upstream bridge (the `acs_redirects` flag). */
  acsRedirects: boolean
  /** BDFs with ACS redirect, in walk order. */
  acsList: string[]
  /** The pci=disable_acs_redir= value as printed, or null when no hint is printed for this result. */
  acsHint: string | null
  common: string | null
  hostBridges: string[]
  path: string[]
  /** Kernel log lines this call prints (empty unless verbose, except 6.x's acs_redirects whitelist line). */
  logs: string[]
  decisions: Decision[]
  /** 5.4+: the map type stored in provider->p2pdma->map_types (when the provider has p2pdma); null in v5.x. */
  cacheStore: MapType | null
}

function walkDecisions(w: Walk, era: Era, fn: string): Decision[] {
  const base = { fn, file: FILE, eras: eraGroup(era), source: eraSource(era) }
  const out: Decision[] = []
  if (w.common) {
    const what =
      w.common === w.provider && w.common === w.client
        ? 'the provider is the client'
        : `common upstream bridge ${w.common.bdf} (${w.common.kind})`
    out.push(dec(base, `walk: ${what}; distance = dist_a ${w.distA} + dist_b ${w.distB} = ${w.dist}`, true))
  } else {
    out.push(
      dec(
        base,
        `walk: ${w.provider.bdf} and ${w.client.bdf} share no upstream bridge (pci_upstream_bridge() of a root-bus device is NULL); distance = depth ${w.distA} + depth ${w.distB} = ${w.dist}`,
        null,
      ),
    )
  }
  if (w.acs.length) {
    const commonNote =
      w.common && w.acs.includes(w.common)
        ? ' (the common upstream bridge itself counts: it is checked before the match test)'
        : ''
    out.push(
      dec(
        base,
        `ACS redirect (RR|CR|EC in ACS Control) on ${w.acs.map((d) => d.bdf).join(', ')}${commonNote}${w.common ? '' : '; with no common upstream bridge this does not change the result'}`,
        w.common ? false : null,
        'pci_bridge_has_acs_redir',
      ),
    )
  }
  return out
}

/**
 * The shared empty list of a PairDistance/PairVerdict field that has nothing to list (frozen: the
 * matrix of a large machine holds hundreds of thousands of pairs, most with empty lists).
 */
export const NONE: string[] = Object.freeze([]) as unknown as string[]

/** What a classification decided, beyond the walk: mkPair() turns it and the walk into a PairDistance. */
interface PairOutcome {
  era: Era
  fn: PairDistance['fn']
  ret: number
  mapType: MapType
  notSupported: boolean
  acsRedirects: boolean
  acsHint: string | null
  logs: string[]
  decisions: Decision[]
  /** The map type stored in the provider's map_types xarray, or null (v5.0/v5.2 cache nothing). */
  cacheStore: MapType | null
}

// Built field by field: object spread is measurably slow on the matrix's hot path.
function mkPair(w: Walk, o: PairOutcome): PairDistance {
  const { era, fn, ret, mapType, notSupported, acsRedirects, acsHint, logs, decisions, cacheStore } = o
  let acsList = NONE
  if (w.acs.length) {
    acsList = []
    for (const d of w.acs) acsList.push(d.bdf)
  }
  return {
    fn,
    era,
    providerId: w.provider.id,
    clientId: w.client.id,
    provider: w.provider.bdf,
    client: w.client.bdf,
    ret,
    dist: w.dist,
    mapType,
    notSupported,
    acsRedirects,
    acsList,
    acsHint,
    common: w.common ? w.common.id : null,
    hostBridges: w.hostBridges,
    path: w.path,
    logs: logs.length ? logs : NONE,
    decisions: decisions.length ? decisions : (NONE as unknown as Decision[]),
    cacheStore,
  }
}

/**
 * A map-type era's pair (v5.4+): the distance is the walk's, NOT_SUPPORTED refuses, and the map type
 * is what the provider's map_types xarray stores.
 */
function cachedPair(w: Walk, o: Omit<PairOutcome, 'ret' | 'notSupported' | 'cacheStore'>): PairDistance {
  return mkPair(w, { ...o, ret: w.dist, notSupported: o.mapType === 'NOT_SUPPORTED', cacheStore: o.mapType })
}

/**
 * The two pci_warn() lines an ACS redirect on the path prints (the era's first line, then the
 * pci=disable_acs_redir= hint with the era's list size); returns the hint's device list.
 */
function acsRedirectLines(w: Walk, rules: P2pRules, logs: string[]): string {
  const acsHint = acsListString(
    w.acs.map((d) => d.bdf),
    rules.acsListSize,
  ).text
  logs.push(devLog(w.client, kfmt(rules.texts.acsRedirect, w.provider.bdf)))
  logs.push(devLog(w.client, kfmt(rules.texts.acsHint, acsHint)))
  return acsHint
}

/**
 * upstreamBridgeDistance - hop count through the nearest common upstream bridge, the v5.0 way.
 * Mirrors drivers/pci/p2pdma.c: upstream_bridge_distance() + upstream_bridge_distance_warn()
 * (v5.0 S1 @ 02917e9f8676; v5.2 S2 @ 3306e99edf70 adds root_complex_whitelist()).
 *
 * Returns dist (>= 0), -1 (no common upstream bridge) or -2 (ACS redirect on a path that has a
 * common bridge). v5.2: with no common bridge and BOTH root complexes AMD 1022:1450 (devfn 00.0 on
 * each device's root bus), 0x1000 + dist_a + dist_b; ACS is ignored on that path.
 * With `verbose` (the _warn variant): -2 prints "cannot be used for peer-to-peer DMA as ACS redirect
 * is set between the client and provider (%s)" and the pci=disable_acs_redir= hint; -1 prints
 * "cannot be used for peer-to-peer DMA as the client and provider (%s) do not share an upstream bridge".
 *
 * Errnos: none modelled (the _warn variant's -ENOMEM when kmalloc fails is not modelled).
 * Simplification: `era` must be v5.0, v5.0-rfc or v5.2.
 */
export function upstreamBridgeDistance(
  m: Machine,
  provider: string,
  client: string,
  verbose: boolean,
  era: Era = m.settings.era,
  explain = true,
): PairDistance {
  const rules = p2pRules(era)
  if (rules.hasMapTypes) throw new Error(`upstreamBridgeDistance: ${era} uses map types`)
  const w = walkUpstream(m, pciDev(m, provider), pciDev(m, client))
  const base = { fn: 'upstream_bridge_distance', file: FILE, eras: eraGroup(era), source: eraSource(era) }
  const decisions = explain ? walkDecisions(w, era, 'upstream_bridge_distance') : []
  let ret: number
  if (w.common) {
    ret = w.acs.length ? -2 : w.dist
    if (explain)
      decisions.push(
        dec(base, w.acs.length ? 'ACS redirect on the path: returns -2' : `returns ${ret}`, ret >= 0),
      )
  } else if (rules.family === 'upstream_bridge_distance_rc') {
    const rp = rootComplexWhitelist(m, w.provider.id)
    if (explain) decisions.push(rp.decision)
    const rc = rp.ok ? rootComplexWhitelist(m, w.client.id) : null
    if (rc && explain) decisions.push(rc.decision)
    ret = rp.ok && rc?.ok ? 0x1000 + w.dist : -1
    if (explain)
      decisions.push(
        dec(
          base,
          ret >= 0
            ? `both root complexes are whitelisted: returns 0x1000 + ${w.dist} = ${ret}`
            : 'no common upstream bridge and not both root complexes whitelisted: returns -1',
          ret >= 0,
        ),
      )
  } else {
    ret = -1
    if (explain)
      decisions.push(dec(base, 'no common upstream bridge and no whitelist in this era: returns -1', false))
  }
  const logs: string[] = []
  let acsHint: string | null = null
  if (verbose && ret === -2) {
    acsHint = acsRedirectLines(w, rules, logs)
  } else if (verbose && ret < 0) {
    logs.push(devLog(w.client, kfmt(rules.texts.deny, w.provider.bdf)))
  }
  const mapType = ret >= 0 ? 'BUS_ADDR' : 'NOT_SUPPORTED'
  const notSupported = ret < 0
  const acsRedirects = ret === -2
  const fn = 'upstream_bridge_distance'
  return mkPair(w, {
    era,
    fn,
    ret,
    mapType,
    notSupported,
    acsRedirects,
    acsHint,
    logs,
    decisions,
    cacheStore: null,
  })
}

/**
 * The host-bridge test of a path without a usable common bridge, as the 5.9+ map-type walk and
 * calc_map_type_and_dist() (drivers/pci/p2pdma.c) both make it: cpu_supports_p2pdma() (in the eras
 * that have it), else host_bridge_whitelist(provider, client, warn). Appends the explanation of
 * both to `decisions`; `logs` are the whitelist's warning lines (none unless `warn`).
 */
function hostBridgeAllows(
  m: Machine,
  era: Era,
  w: Walk,
  warn: boolean,
  explain: boolean,
  decisions: Decision[],
): { ok: boolean; logs: string[] } {
  const rules = p2pRules(era)
  const cpu = rules.cpuSupportsP2pdma && cpuSupportsP2pdma(m.cpu)
  if (explain && rules.cpuSupportsP2pdma) decisions.push(cpuDecision(m.cpu, era))
  if (cpu) return { ok: true, logs: [] }
  const wl = hostBridgeWhitelist(m, era, w.provider.id, w.client.id, warn, explain)
  if (explain) decisions.push(...wl.decisions)
  return { ok: wl.ok, logs: wl.logs }
}

/**
 * upstreamBridgeDistanceMapType - the ~v5.4 map-type classification.
 * Mirrors drivers/pci/p2pdma.c: __upstream_bridge_distance() + upstream_bridge_distance() +
 * upstream_bridge_distance_warn() (S3, a v5.4 vendor tree), the walk of every era whose rules have
 * family 'upstream_bridge_distance_map' (5.4–5.13); 5.9+ asks cpu_supports_p2pdma() before the whitelist.
 *
 * No common bridge, or ACS redirect below the common bridge: THRU_HOST_BRIDGE, then
 * host_bridge_whitelist() (AMD 1450 is still a table entry; there is no CPU check) turns a miss
 * into NOT_SUPPORTED. Otherwise BUS_ADDR. Every call (verbose or not) stores the map type in the
 * provider's map_types xarray. `verbose` prints "ACS redirect is set between the client and
 * provider (%s)" + the hint (only for the common-bridge ACS case), then for NOT_SUPPORTED
 * "cannot be used for peer-to-peer DMA as the client and provider (%s) do not share an upstream
 * bridge or whitelisted host bridge". 5.4 never prints the whitelist line.
 *
 * Errnos: none modelled (-ENOMEM of the _warn kmalloc is not modelled).
 */
export function upstreamBridgeDistanceMapType(
  m: Machine,
  provider: string,
  client: string,
  verbose: boolean,
  era: Era = m.settings.era,
  explain = true,
): PairDistance {
  const rules = p2pRules(era)
  if (rules.family !== 'upstream_bridge_distance_map')
    throw new Error(`upstreamBridgeDistanceMapType: ${era} does not classify with the 5.4 map-type walk`)
  const w = walkUpstream(m, pciDev(m, provider), pciDev(m, client))
  const base = { fn: 'upstream_bridge_distance', file: FILE, eras: eraGroup(era), source: eraSource(era) }
  const decisions = explain ? walkDecisions(w, era, '__upstream_bridge_distance') : []
  const acsRedirects = !!w.common && w.acs.length > 0
  let mapType: MapType = w.common && !acsRedirects ? 'BUS_ADDR' : 'THRU_HOST_BRIDGE'
  if (mapType === 'THRU_HOST_BRIDGE') {
    // 5.9+ (dea286bb71ba): `if (!cpu_supports_p2pdma() && !host_bridge_whitelist(provider, client))`;
    // this walk's whitelist never warns, so it prints nothing
    if (!hostBridgeAllows(m, era, w, false, explain, decisions).ok) mapType = 'NOT_SUPPORTED'
  }
  if (explain)
    decisions.push(
      dec(
        base,
        `map type ${mapType}, distance ${w.dist}; stored in the provider's map_types xarray`,
        mapType !== 'NOT_SUPPORTED',
      ),
    )
  const logs: string[] = []
  let acsHint: string | null = null
  if (verbose && acsRedirects) {
    acsHint = acsRedirectLines(w, rules, logs)
  }
  if (verbose && mapType === 'NOT_SUPPORTED') {
    logs.push(devLog(w.client, kfmt(rules.texts.deny, w.provider.bdf)))
  }
  const fn = 'upstream_bridge_distance'
  return cachedPair(w, { era, fn, mapType, acsRedirects, acsHint, logs, decisions })
}

/**
 * calcMapTypeAndDist - classify the data path between a provider and a client (v6.0+).
 * Mirrors drivers/pci/p2pdma.c: calc_map_type_and_dist() (v6.0–v7.2 S4/oracle 6.12.117, 7.2.13;
 * next S6).
 *
 * Common bridge and no ACS redirect: BUS_ADDR. ACS redirect below a common bridge: with verbose,
 * "ACS redirect is set between the client and provider (%s)" + "to disable ACS redirect for this
 * path, add the kernel parameter: pci=disable_acs_redir=%s" (128-byte list), and acs_redirects =
 * true. Then (also for no common bridge) THRU_HOST_BRIDGE if cpu_supports_p2pdma() or
 * host_bridge_whitelist(provider, client, warn); else NOT_SUPPORTED with, when verbose, "cannot be
 * used for peer-to-peer DMA as the client and provider (%s) do not share an upstream bridge or
 * whitelisted host bridge". warn = acs_redirects in v6.0–v7.2 (even when !verbose), verbose in S6.
 * The result is stored in the provider's map_types xarray (NOT_SUPPORTED too).
 *
 * Errnos: none (returns a map type).
 * Simplification: no RCU; the xarray store is returned as `cacheStore` for the caller to record.
 */
export function calcMapTypeAndDist(
  m: Machine,
  provider: string,
  client: string,
  verbose: boolean,
  era: Era = m.settings.era,
  explain = true,
): PairDistance {
  const rules = p2pRules(era)
  if (rules.family !== 'calc_map_type_and_dist')
    throw new Error(`calcMapTypeAndDist: ${era} has no calc_map_type_and_dist()`)
  const w = walkUpstream(m, pciDev(m, provider), pciDev(m, client))
  const base = { fn: 'calc_map_type_and_dist', file: FILE, eras: eraGroup(era), source: eraSource(era) }
  const decisions = explain ? walkDecisions(w, era, 'calc_map_type_and_dist') : []
  const logs: string[] = []
  let acsHint: string | null = null
  let mapType: MapType = 'THRU_HOST_BRIDGE'
  let acsRedirects = false
  if (w.common && w.acs.length === 0) {
    mapType = 'BUS_ADDR'
  } else {
    if (w.common) {
      acsRedirects = true
      if (verbose) {
        acsHint = acsRedirectLines(w, rules, logs)
      }
    }
    // `if (!cpu_supports_p2pdma() && !host_bridge_whitelist(provider, client, acs_redirects))`
    const warn = rules.whitelistWarn === 'verbose' ? verbose : acsRedirects
    const allowed = hostBridgeAllows(m, era, w, warn, explain, decisions)
    logs.push(...allowed.logs)
    if (!allowed.ok) {
      mapType = 'NOT_SUPPORTED'
      if (verbose) {
        logs.push(devLog(w.client, kfmt(rules.texts.deny, w.provider.bdf)))
      }
    }
  }
  if (explain)
    decisions.push(
      dec(
        base,
        mapType === 'BUS_ADDR'
          ? `PCI_P2PDMA_MAP_BUS_ADDR, distance ${w.dist}: TLPs are routed below ${w.common?.bdf ?? '?'} without reaching the host bridge; program the DMA engine with PCI bus addresses`
          : mapType === 'THRU_HOST_BRIDGE'
            ? `PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, distance ${w.dist}: the path goes through the host bridge; use a normal DMA mapping (CPU physical or IOVA)`
            : `PCI_P2PDMA_MAP_NOT_SUPPORTED, distance ${w.dist}: DMA mapping routines must fail`,
        mapType !== 'NOT_SUPPORTED',
      ),
    )
  const fn = 'calc_map_type_and_dist'
  return cachedPair(w, { era, fn, mapType, acsRedirects, acsHint, logs, decisions })
}

/**
 * p2pdmaClassify - the era's per-client classification as pci_p2pdma_distance_many() calls it:
 * upstream_bridge_distance[_warn]() in v5.0/v5.2, the S3 map-type variant in v5.4,
 * calc_map_type_and_dist() in v6.0+.
 *
 * `explain` = false skips building Decision records (the matrix's lean mode).
 *
 * Errnos: none.
 */
export function p2pdmaClassify(
  m: Machine,
  provider: string,
  client: string,
  verbose: boolean,
  era: Era = m.settings.era,
  explain = true,
): PairDistance {
  switch (p2pRules(era).family) {
    case 'upstream_bridge_distance':
    case 'upstream_bridge_distance_rc':
      return upstreamBridgeDistance(m, provider, client, verbose, era, explain)
    case 'upstream_bridge_distance_map':
      return upstreamBridgeDistanceMapType(m, provider, client, verbose, era, explain)
    case 'calc_map_type_and_dist':
      return calcMapTypeAndDist(m, provider, client, verbose, era, explain)
  }
}
