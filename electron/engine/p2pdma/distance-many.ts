/**
 * pci_p2pdma_distance_many(), pci_p2pdma_distance(), pci_p2pdma_map_type(), pci_p2pmem_find_many()
 * and the 2019 RFC's pci_test_p2p()/device_test_p2p(), with the per-provider map-type cache as
 * plain data (drivers/pci/p2pdma.c; docs/kernel/p2pdma.md#pci_p2pdma_distance_many-and-pci_p2pdma_distance,
 * docs/kernel/rfc-2019.md#the-series).
 */
import type { Era } from '../../../shared/model/topology'
import type { Decision, MapType } from '../../../shared/model/p2p'
import { eraGroup, eraSource, nameRange, p2pRules, patchEra, pick } from '../era/index'
import { belowN, type RngState } from '../core/rng'
import type { Machine, PciDev } from '../topology/types'
import { calcMapTypeAndDist, p2pdmaClassify, upstreamBridgeDistance, type PairDistance } from './distance'
import { dec, kfmt, pciDev } from './pci'

const FILE = 'drivers/pci/p2pdma.c'

/** A client: a PCI function (node id or BDF), or a struct device that is not a PCI function. */
export type P2pClient =
  | string
  | {
      notPci: true
      /** dev_name(), e.g. 'nvme0n1' or 'rxe0'. */
      name: string
      /** dev_driver_string() for the log prefix; omitted: no prefix word. */
      driver?: string
      /** The nearest PCI ancestor through dev->parent (find_parent_pci_dev()), if any. */
      parentPci?: string
      /**
       * Its driver sets dev->dma_ops = &dma_virt_ops (a software RDMA device such as rdma_rxe before
       * 5.11): the eras whose rules have texts.dmaVirtOps refuse it before looking for a PCI parent.
       */
      dmaVirtOps?: boolean
    }

/** provider node id -> (map_types_idx(client) as hex string -> map type). Missing = UNKNOWN (xa_to_value(NULL) = 0). */
export type MapTypeCache = Readonly<Record<string, Readonly<Record<string, MapType>>>>

/** One xa_store() into a provider's map_types, with before/after for a delta. */
export interface CacheWrite {
  provider: string
  client: string
  idx: number
  before: MapType
  after: MapType
}

export interface P2pCtx {
  /** The map_types caches before the call (default: empty). */
  cache?: MapTypeCache
  /** Whether provider->p2pdma exists (pci_p2pdma_add_resource() was called); default: true. */
  hasP2pdma?: (providerId: string) => boolean
}

/**
 * mapTypesIdx - the xarray index of a client.
 * Mirrors drivers/pci/p2pdma.c: map_types_idx(): (domain << 16) | (bus << 8) | devfn in v5.4 (S3),
 * (domain << 16) | pci_dev_id() in 6.x (S4) — the same number.
 */
export function mapTypesIdx(d: PciDev): number {
  return d.domain * 0x10000 + d.bus * 0x100 + d.devfn
}

const idxKey = (n: number): string => n.toString(16)

/** Read one entry (UNKNOWN when absent). */
export function cacheLookup(cache: MapTypeCache, provider: string, client: PciDev): MapType {
  return cache[provider]?.[idxKey(mapTypesIdx(client))] ?? 'UNKNOWN'
}

function cacheStore(
  cache: MapTypeCache,
  provider: string,
  client: PciDev,
  mt: MapType,
  writes: CacheWrite[],
): MapTypeCache {
  const idx = mapTypesIdx(client)
  const before = cacheLookup(cache, provider, client)
  writes.push({ provider, client: client.id, idx, before, after: mt })
  return { ...cache, [provider]: { ...(cache[provider] ?? {}), [idxKey(idx)]: mt } }
}

/** find_parent_pci_dev(): the PCI function itself, or the nearest PCI ancestor of a non-PCI device. */
export function findParentPciDev(m: Machine, c: P2pClient): PciDev | null {
  if (typeof c === 'string') return pciDev(m, c)
  return c.parentPci ? pciDev(m, c.parentPci) : null
}

function clientName(c: P2pClient): string {
  if (typeof c === 'string') return c
  return c.driver ? `${c.driver} ${c.name}` : c.name
}

export interface DistanceManyResult {
  /** The return value: -1, or the sum of the distances. */
  ret: number
  /** Per-client results in call order (stops at the first failure when !verbose). */
  perClient: (PairDistance | { notPci: true; name: string })[]
  logs: string[]
  decisions: Decision[]
  cache: MapTypeCache
  cacheWrites: CacheWrite[]
}

/**
 * pciP2pdmaDistanceMany - cumulative distance between a provider and a list of clients.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pdma_distance_many() (v5.0 S1, v5.2 S2, v5.4 S3, v6.0+ S4/S6).
 *
 * n == 0 returns -1. A client with no PCI ancestor returns -1 at once ("cannot be used for
 * peer-to-peer DMA as it is not a PCI device" when verbose). Otherwise each client is classified
 * (p2pdmaClassify); a refused client (v5.x: < 0; 5.4+: NOT_SUPPORTED) makes the result -1. With
 * verbose=false the loop stops at the first refusal; with verbose=true it continues so every
 * client's warnings print. v5.x adds the raw return value, 5.4+ the distance (a THRU_HOST_BRIDGE
 * distance counts like any other). 5.4+ stores every computed map type (NOT_SUPPORTED too) in
 * the provider's map_types when the provider has p2pdma.
 *
 * Errnos: none (returns -1 on refusal).
 * A client marked dmaVirtOps is refused first in the eras that have the dma_virt_ops check (the era
 * table's texts.dmaVirtOps: "because the driver makes use of dma_virt_ops").
 */
export function pciP2pdmaDistanceMany(
  m: Machine,
  provider: string,
  clients: readonly P2pClient[],
  verbose: boolean,
  ctx: P2pCtx = {},
  era: Era = m.settings.era,
): DistanceManyResult {
  const rules = p2pRules(era)
  const prov = pciDev(m, provider)
  const base = { fn: 'pci_p2pdma_distance_many', file: FILE, eras: eraGroup(era), source: eraSource(era) }
  let cache: MapTypeCache = ctx.cache ?? {}
  const cacheWrites: CacheWrite[] = []
  const logs: string[] = []
  const decisions: Decision[] = []
  const perClient: DistanceManyResult['perClient'] = []
  const hasP2pdma = ctx.hasP2pdma ? ctx.hasP2pdma(prov.id) : true
  const done = (ret: number, text: string): DistanceManyResult => {
    decisions.push(dec(base, text, ret >= 0))
    return { ret, perClient, logs, decisions, cache, cacheWrites }
  }
  if (clients.length === 0) return done(-1, 'num_clients == 0: returns -1')
  let notSupported = false
  let total = 0
  for (const c of clients) {
    // 5.2–5.10 (S2, S3): `if (IS_ENABLED(CONFIG_DMA_VIRT_OPS) && clients[i]->dma_ops == &dma_virt_ops)`
    if (typeof c !== 'string' && c.dmaVirtOps && rules.texts.dmaVirtOps !== null) {
      const name = clientName(c)
      perClient.push({ notPci: true, name })
      if (verbose) logs.push(`${name}: ${kfmt(rules.texts.dmaVirtOps)}`)
      return done(-1, `${name} uses dma_virt_ops: returns -1 before find_parent_pci_dev()`)
    }
    const pci = findParentPciDev(m, c)
    if (!pci) {
      const name = clientName(c)
      perClient.push({ notPci: true, name })
      if (verbose) logs.push(`${name}: ${kfmt(rules.texts.notPci)}`)
      return done(
        -1,
        `${name} has no PCI device in its parent chain (find_parent_pci_dev() == NULL): returns -1`,
      )
    }
    const r = p2pdmaClassify(m, prov.id, pci.id, verbose, era)
    perClient.push(r)
    logs.push(...r.logs)
    decisions.push(...r.decisions)
    if (rules.hasCache && r.cacheStore && hasP2pdma)
      cache = cacheStore(cache, prov.id, pci, r.cacheStore, cacheWrites)
    if (r.notSupported) notSupported = true
    if (notSupported && !verbose) {
      decisions.push(
        dec(base, `${pci.bdf} is not supported and verbose is false: the loop stops here`, false),
      )
      break
    }
    total += r.ret
  }
  if (notSupported) return done(-1, 'at least one client is not supported: returns -1')
  return done(total, `every client is supported: returns the summed distance ${total}`)
}

/**
 * pciP2pdmaDistance - pci_p2pdma_distance(provider, client, verbose) =
 * pci_p2pdma_distance_many(provider, &client, 1, verbose) (include/linux/pci-p2pdma.h).
 *
 * Errnos: none.
 */
export function pciP2pdmaDistance(
  m: Machine,
  provider: string,
  client: P2pClient,
  verbose: boolean,
  ctx: P2pCtx = {},
  era: Era = m.settings.era,
): DistanceManyResult {
  return pciP2pdmaDistanceMany(m, provider, [client], verbose, ctx, era)
}

export interface MapTypeResult {
  /** null: the era has no map types (v5.0/v5.2). */
  mapType: MapType | null
  /** The on-demand calc_map_type_and_dist() run (6.x), if one happened. */
  computed: PairDistance | null
  logs: string[]
  decisions: Decision[]
  cache: MapTypeCache
  cacheWrites: CacheWrite[]
}

/**
 * pciP2pdmaMapType - the map type a DMA mapping of the provider's pages for `client` uses.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pdma_map_type() (v5.4 S3: cache read only; v6.0+ S4:
 * computes a missing entry with calc_map_type_and_dist(verbose=true) and caches it).
 *
 * NOT_SUPPORTED when the provider has no p2pdma, or (6.x) when the DMA device is not itself a PCI
 * device (dev_is_pci(), no parent walk). v5.4 returns UNKNOWN for a client that never went
 * through pci_p2pdma_distance*(), and pci_p2pdma_map_sg_attrs() then hits WARN_ON_ONCE(1) and
 * returns 0 (C21).
 *
 * Errnos: none (the callers turn NOT_SUPPORTED into -EREMOTEIO / 0 / BLK_STS_INVAL).
 */
export function pciP2pdmaMapType(
  m: Machine,
  provider: string,
  client: P2pClient,
  ctx: P2pCtx = {},
  era: Era = m.settings.era,
): MapTypeResult {
  const rules = p2pRules(era)
  const cache = ctx.cache ?? {}
  const base = { fn: 'pci_p2pdma_map_type', file: FILE, eras: eraGroup(era), source: eraSource(era) }
  const out = (mapType: MapType | null, text: string, ok: boolean | null): MapTypeResult => ({
    mapType,
    computed: null,
    logs: [],
    decisions: [dec(base, text, ok)],
    cache,
    cacheWrites: [],
  })
  if (!rules.hasMapTypes)
    return out(
      null,
      `${era} has no pci_p2pdma_map_type(); the client driver calls pci_p2pdma_map_sg() and always gets bus addresses`,
      null,
    )
  const prov = pciDev(m, provider)
  if (ctx.hasP2pdma && !ctx.hasP2pdma(prov.id))
    return out(
      'NOT_SUPPORTED',
      `${prov.bdf} has no p2pdma (no pci_p2pdma_add_resource()): NOT_SUPPORTED`,
      false,
    )
  if (typeof client !== 'string') {
    return out(
      'NOT_SUPPORTED',
      rules.mapTypeOnDemand
        ? `${client.name} is not a PCI device (dev_is_pci() is false; no parent walk): NOT_SUPPORTED`
        : `${client.name} is not a PCI device: pci_p2pdma_map_sg_attrs() hits WARN_ON_ONCE(!dev_is_pci(dev)) and returns 0`,
      false,
    )
  }
  const cl = pciDev(m, client)
  const cached = cacheLookup(cache, prov.id, cl)
  if (cached !== 'UNKNOWN')
    return out(cached, `map_types[${cl.bdf}] is cached: ${cached}`, cached !== 'NOT_SUPPORTED')
  if (!rules.mapTypeOnDemand) {
    return out(
      'UNKNOWN',
      `map_types has no entry for ${cl.bdf} (no pci_p2pdma_distance*() call computed it): xa_to_value(NULL) = PCI_P2PDMA_MAP_UNKNOWN; pci_p2pdma_map_sg_attrs() hits WARN_ON_ONCE(1) and returns 0`,
      false,
    )
  }
  const r = calcMapTypeAndDist(m, prov.id, cl.id, true, era)
  const cacheWrites: CacheWrite[] = []
  const newCache = cacheStore(cache, prov.id, cl, r.mapType, cacheWrites)
  return {
    mapType: r.mapType,
    computed: r,
    logs: r.logs,
    decisions: [
      ...r.decisions,
      dec(
        base,
        `map_types had no entry for ${cl.bdf}: computed on demand with verbose = true and cached: ${r.mapType}`,
        r.mapType !== 'NOT_SUPPORTED',
      ),
    ],
    cache: newCache,
    cacheWrites,
  }
}

export interface FindManyCandidate {
  provider: string
  bdf: string
  /** pci_p2pdma_distance_many(provider, clients, n, false) */
  score: number
}

export interface FindManyResult {
  /** Chosen provider node id (the kernel returns it with a reference held), or null. */
  chosen: string | null
  chosenBdf: string | null
  rng: RngState
  /** The random index drawn among the closest, or null when there was no draw. */
  draw: number | null
  candidates: FindManyCandidate[]
  /** Node ids with the minimum distance, in for_each_pci_dev() order (at most 512 kept). */
  closest: string[]
  closestDistance: number | null
  logs: string[]
  decisions: Decision[]
  cache: MapTypeCache
  cacheWrites: CacheWrite[]
}

/** PAGE_SIZE / sizeof(struct pci_dev *) on 64-bit: the kernel keeps at most this many ties. */
export const FIND_MANY_MAX_DEVS = 512

/**
 * pciP2pmemFindMany - find the published p2pmem provider closest to all clients.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pmem_find_many() (all eras; S1 prandom_u32_max(),
 * S4/S6 get_random_u32_below()).
 *
 * Walks every PCI device in enumeration order (for_each_pci_dev), skips those without published
 * p2pmem, scores each with pci_p2pdma_distance_many(..., verbose=false), skips < 0, keeps the set
 * with the minimum score (at most 512 ties) and picks one at random with the seeded RNG.
 *
 * Errnos: none (NULL when nothing is compatible).
 * Simplification: `publishedProviders` stands for pci_has_p2pmem() (see provider.ts); the
 * reference count of the returned device is not modelled.
 */
// long: pci_p2pmem_find_many()'s one loop over for_each_pci_dev() with its scoring and tie-breaking, as the kernel writes it
export function pciP2pmemFindMany(
  m: Machine,
  publishedProviders: readonly string[],
  clients: readonly P2pClient[],
  rng: RngState,
  ctx: P2pCtx = {},
  era: Era = m.settings.era,
): FindManyResult {
  const base = { fn: 'pci_p2pmem_find_many', file: FILE, eras: eraGroup(era), source: eraSource(era) }
  const published = new Set(publishedProviders.map((p) => pciDev(m, p).id))
  let cache: MapTypeCache = ctx.cache ?? {}
  const cacheWrites: CacheWrite[] = []
  const logs: string[] = []
  const decisions: Decision[] = []
  const candidates: FindManyCandidate[] = []
  let closest: string[] = []
  let closestDistance = Number.POSITIVE_INFINITY
  for (const d of m.devs.values()) {
    if (!published.has(d.id)) continue
    const r = pciP2pdmaDistanceMany(m, d.id, clients, false, { ...ctx, cache }, era)
    cache = r.cache
    cacheWrites.push(...r.cacheWrites)
    logs.push(...r.logs)
    candidates.push({ provider: d.id, bdf: d.bdf, score: r.ret })
    if (r.ret < 0 || r.ret > closestDistance) continue
    if (r.ret === closestDistance && closest.length >= FIND_MANY_MAX_DEVS) continue
    if (r.ret < closestDistance) {
      closest = []
      closestDistance = r.ret
    }
    closest.push(d.id)
  }
  decisions.push(
    dec(
      base,
      candidates.length
        ? `scores (pci_p2pdma_distance_many, verbose=false): ${candidates.map((c) => `${c.bdf}=${c.score}`).join(', ')}`
        : 'no device has published p2pmem (pci_has_p2pmem())',
      null,
    ),
  )
  if (closest.length === 0) {
    decisions.push(dec(base, 'no compatible provider: returns NULL', false))
    return {
      chosen: null,
      chosenBdf: null,
      rng,
      draw: null,
      candidates,
      closest,
      closestDistance: null,
      logs,
      decisions,
      cache,
      cacheWrites,
    }
  }
  const draw = belowN(rng, closest.length)
  const chosen = closest[draw.value] as string
  const chosenBdf = pciDev(m, chosen).bdf
  decisions.push(
    dec(
      base,
      `${closest.length} provider(s) at distance ${closestDistance}; ${pick(era, 'get_random_u32_below', 'prandom_u32_max')}(${closest.length}) = ${draw.value}: ${chosenBdf}`,
      true,
    ),
  )
  return {
    chosen,
    chosenBdf,
    rng: draw.state,
    draw: draw.value,
    candidates,
    closest,
    closestDistance,
    logs,
    decisions,
    cache,
    cacheWrites,
  }
}

export interface TestP2pResult {
  ret: boolean
  /** upstream_bridge_distance(pciA, pciB, NULL), or null when a device is not PCI. */
  tmp: number | null
  /** What the function would return as intended ("fixed on the test rig"). */
  intended: boolean
  decisions: Decision[]
}

/**
 * pciTestP2p - RFC 1/5 "pci/p2p: add a function to test peer to peer capability" (Jan 2019, never merged).
 * Mirrors the posted drivers/pci/p2pdma.c: pci_test_p2p() (S11; Message-Id <20190129174728.6430-2-jglisse@redhat.com> inferred from the series numbering, unverified).
 *
 * find_parent_pci_dev() on both; either missing: false. Otherwise
 * tmp = upstream_bridge_distance(pciA, pciB, NULL) (the v5.0 int version) and ret = tmp >= 0 —
 * but the posted function ends with `return false;` ("This function only ever returns false",
 * Logan Gunthorpe). mode 'as-posted' returns false always; 'as-intended' returns tmp >= 0.
 *
 * Errnos: none (returns bool).
 */
export function pciTestP2p(
  m: Machine,
  a: P2pClient,
  b: P2pClient,
  mode: 'as-posted' | 'as-intended' = m.settings.rfcTestP2p,
): TestP2pResult {
  const base = { fn: 'pci_test_p2p', file: FILE, eras: nameRange('pci_test_p2p'), source: 'S11 (RFC 1/5)' }
  const rfcEra = patchEra('rfc-2019')
  const decisions: Decision[] = []
  if (!p2pRules(m.settings.era).rfcTestP2p) {
    decisions.push(
      dec(
        base,
        `pci_test_p2p() is from an unmerged RFC; evaluated with the ${rfcEra} upstream_bridge_distance() it was written against (era ${m.settings.era} has no such function)`,
        null,
      ),
    )
  }
  const pa = findParentPciDev(m, a)
  const pb = findParentPciDev(m, b)
  if (!pa || !pb) {
    decisions.push(dec(base, 'find_parent_pci_dev() returned NULL for one device: false', false))
    return { ret: false, tmp: null, intended: false, decisions }
  }
  const r = upstreamBridgeDistance(m, pa.id, pb.id, false, rfcEra)
  decisions.push(...r.decisions)
  const intended = r.ret >= 0
  const ret = mode === 'as-intended' ? intended : false
  decisions.push(
    dec(
      base,
      mode === 'as-posted'
        ? `tmp = upstream_bridge_distance() = ${r.ret}, ret = ${intended}, but the function as posted ends with "return false;": false`
        : `tmp = upstream_bridge_distance() = ${r.ret}: ${intended} (as intended, "fixed on the test rig")`,
      ret,
    ),
  )
  return { ret, tmp: r.ret, intended, decisions }
}

/**
 * deviceTestP2p - RFC 2/5: drivers/base/core.c: device_test_p2p() = pci_test_p2p(devA, devB)
 * ("other interconnects may be added later").
 *
 * Errnos: none (returns bool).
 */
export function deviceTestP2p(
  m: Machine,
  a: P2pClient,
  b: P2pClient,
  mode: 'as-posted' | 'as-intended' = m.settings.rfcTestP2p,
): TestP2pResult {
  const r = pciTestP2p(m, a, b, mode)
  return {
    ...r,
    decisions: [
      {
        fn: 'device_test_p2p',
        file: 'drivers/base/core.c',
        eras: nameRange('pci_test_p2p'),
        source: 'S11 (RFC 2/5)',
        text: 'returns pci_test_p2p(devA, devB)',
        ok: null,
      },
      ...r.decisions,
    ],
  }
}
