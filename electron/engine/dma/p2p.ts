/**
 * The P2PDMA map-type lookup as a step: pci_p2pdma_map_type() reading (and in 6.x filling) the
 * provider's map_types cache, with the classification itself delegated to the foundation's
 * electron/engine/p2pdma/distance-many.ts (calc_map_type_and_dist and friends).
 */
import type { MapType } from '../../../shared/model/p2p'
import type { Kernel } from '../kernel'
import { frame, type Call, type Frame } from '../core/step'
import { Tx, type World } from '../core/world'
import { logLine } from '../mm/mm'
import {
  mapTypesIdx,
  pciP2pdmaDistance,
  pciP2pdmaDistanceMany,
  pciP2pdmaMapType,
  pciP2pmemFindMany,
  type DistanceManyResult,
  type MapTypeCache,
  type P2pClient,
} from '../p2pdma/distance-many'
import type { PairDistance } from '../p2pdma/distance'
import { pciDev } from '../p2pdma/pci'
import type { Machine } from '../topology/types'

/** The world's caches in the shape distance-many.ts reads (provider -> hex(map_types_idx) -> type). */
export function cacheOf(m: Machine, w: World): MapTypeCache {
  const out: Record<string, Record<string, MapType>> = {}
  for (const [prov, st] of Object.entries(w.p2pdma)) {
    const c: Record<string, MapType> = {}
    for (const [client, mt] of Object.entries(st.map_types))
      c[mapTypesIdx(pciDev(m, client)).toString(16)] = mt
    out[prov] = c
  }
  return out
}

function ctxOf(k: Kernel): { cache: MapTypeCache; hasP2pdma: (id: string) => boolean } {
  return { cache: cacheOf(k.machine, k.world), hasP2pdma: (id) => !!k.world.p2pdma[id]?.chunks.length }
}

function cacheWrites(
  k: Kernel,
  tx: Tx,
  writes: readonly { provider: string; client: string; after: MapType }[],
): void {
  for (const wr of writes) {
    const st = tx.world.p2pdma[wr.provider]
    if (!st) continue
    tx.set('p2pdma', wr.provider, { ...st, map_types: { ...st.map_types, [wr.client]: wr.after } })
  }
  void k
}

/**
 * p2pdmaMapType - the map type for DMA from `client` to the provider's pages.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pdma_map_type() (5.4: cache only; 6.0+: computed on demand
 * with calc_map_type_and_dist(verbose = true) and cached in the provider's map_types xarray).
 *
 * Errnos: none (returns NOT_SUPPORTED; callers turn it into -EREMOTEIO, 0 or BLK_STS_INVAL).
 */
export function* p2pdmaMapType(k: Kernel, provider: string, client: string): Call<MapType> {
  const f = frame(k, 'pci_p2pdma_map_type', [])
  const prov = pciDev(k.machine, provider)
  const cl = pciDev(k.machine, client)
  yield f.enter({ provider: prov.bdf, client: cl.bdf })
  const r = pciP2pdmaMapType(k.machine, provider, client, ctxOf(k), k.era)
  if (r.computed) {
    const c = frame(k, r.computed.fn, [])
    yield c.enter({ provider: prov.bdf, client: cl.bdf, verbose: 'true' })
    for (const d of r.computed.decisions) yield c.check(d.fn, d.ok !== false, d.text)
    yield c.ret(`${r.computed.mapType}, dist ${r.computed.dist}`)
  }
  const last = r.decisions[r.decisions.length - 1]
  if (last) yield f.check('map_types cache', last.ok !== false, last.text)
  const tx = new Tx(k.world)
  cacheWrites(k, tx, r.cacheWrites)
  for (const l of r.logs) logLine(tx, l)
  if (!tx.empty)
    yield f.mutate(
      tx.deltas,
      `xa_store(map_types, ${cl.bdf}, ${r.mapType})${r.logs.length ? `; dmesg: ${r.logs.join(' | ')}` : ''}`,
    )
  const mt = r.mapType ?? 'BUS_ADDR'
  yield f.ret(mt)
  return mt
}

/**
 * The end of pci_p2pdma_distance_many(): its own decisions, what the classification stored in the
 * provider's map_types xarray (xa_store) and the lines it logged (pci_warn), then the distance it
 * returns: the summed distance, or -1.
 */
function* distanceManyEnd(k: Kernel, f: Frame, r: DistanceManyResult): Call<number> {
  for (const d of r.decisions.filter((x) => x.fn === 'pci_p2pdma_distance_many'))
    yield f.check(d.fn, d.ok !== false, d.text)
  const tx = new Tx(k.world)
  cacheWrites(k, tx, r.cacheWrites)
  for (const l of r.logs) logLine(tx, l)
  const parts = [
    ...(r.cacheWrites.length
      ? [
          `xa_store(map_types): ${r.cacheWrites.map((w) => `${pciDev(k.machine, w.client).bdf} -> ${w.after}`).join(', ')}`,
        ]
      : []),
    ...(r.logs.length ? [`dmesg: ${r.logs.join(' | ')}`] : []),
  ]
  if (!tx.empty) yield f.mutate(tx.deltas, parts.join('; '))
  yield f.ret(String(r.ret))
  return r.ret
}

/**
 * p2pdmaDistance - pci_p2pdma_distance(provider, client, verbose) as a step.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pdma_distance_many(provider, &client, 1, verbose).
 *
 * Errnos: none (returns -1 when refused).
 */
export function* p2pdmaDistance(k: Kernel, provider: string, client: string, verbose: boolean): Call<number> {
  const f = frame(k, 'pci_p2pdma_distance_many', [])
  const prov = pciDev(k.machine, provider)
  const cl = pciDev(k.machine, client)
  yield f.enter({ provider: prov.bdf, client: cl.bdf, num_clients: '1', verbose: String(verbose) })
  const r = pciP2pdmaDistance(k.machine, provider, client, verbose, ctxOf(k), k.era)
  for (const pc of r.perClient) yield* clientSteps(k, client, pc, verbose)
  return yield* distanceManyEnd(k, f, r)
}

/** A client as the P2PDMA code sees it: a PCI function (node id) or another struct device. */
export function p2pClientOf(k: Kernel, ref: string): P2pClient {
  const d = k.world.devices[ref]
  if (!d) return ref
  const seen = new Set<string>()
  let cur = d
  let parentPci: string | undefined
  for (;;) {
    seen.add(cur.name)
    const p = cur.parent
    if (!p) break
    if ('pci' in p) {
      parentPci = p.pci
      break
    }
    const next = k.world.devices[p.dev]
    if (!next || seen.has(next.name)) break
    cur = next
  }
  return parentPci
    ? { notPci: true, name: d.name, driver: d.driverString, parentPci }
    : { notPci: true, name: d.name, driver: d.driverString }
}

const clientLabel = (k: Kernel, c: P2pClient): string =>
  typeof c === 'string' ? pciDev(k.machine, c).bdf : c.name

/**
 * The steps of one client's classification inside pci_p2pdma_distance_many(): find_parent_pci_dev()
 * for a device that is not a PCI function, then the era's upstream_bridge_distance() /
 * calc_map_type_and_dist() frame.
 */
function* clientSteps(
  k: Kernel,
  c: P2pClient,
  pc: PairDistance | { notPci: true; name: string } | undefined,
  verbose: boolean,
): Call<void> {
  if (typeof c !== 'string') {
    const f = frame(k, 'find_parent_pci_dev', [])
    yield f.enter({ dev: c.name })
    yield f.check(
      'dev_is_pci(dev)?',
      false,
      `${c.driver ? `${c.driver} ` : ''}${c.name} is not a PCI function: walk dev->parent`,
    )
    const parent = c.parentPci ? pciDev(k.machine, c.parentPci) : null
    yield f.check(
      'a PCI function in the parent chain?',
      !!parent,
      parent
        ? `${parent.bdf} is the nearest PCI ancestor: pci_dev_get() and use it as the client`
        : 'none (dev->parent ends without a PCI device): NULL',
    )
    yield f.ret(parent ? parent.bdf : 'NULL')
  }
  if (!pc || 'notPci' in pc) return
  const cf = frame(k, pc.fn, [])
  yield cf.enter({ provider: pc.provider, client: pc.client, verbose: String(verbose) })
  for (const d of pc.decisions) yield cf.check(d.fn, d.ok !== false, d.text)
  yield cf.ret(pc.fn === 'calc_map_type_and_dist' ? `${pc.mapType}, dist ${pc.dist}` : String(pc.ret))
}

/**
 * p2pdmaDistanceMany - pci_p2pdma_distance_many(provider, clients, num_clients, verbose) as a step,
 * with any client list: empty (-1), several (the summed distance, or -1 when one is refused), and
 * clients that are not PCI functions (find_parent_pci_dev() resolves a class device to its PCI
 * parent; a device with no PCI ancestor makes the call return -1 at once).
 * Mirrors drivers/pci/p2pdma.c: pci_p2pdma_distance_many() (6.12 :687; 6.1 :561; v5.0 S1).
 *
 * Errnos: none (returns -1 when refused).
 */
export function* p2pdmaDistanceMany(
  k: Kernel,
  provider: string,
  clients: readonly P2pClient[],
  verbose: boolean,
): Call<number> {
  const f = frame(k, 'pci_p2pdma_distance_many', [])
  const prov = pciDev(k.machine, provider)
  yield f.enter({
    provider: prov.bdf,
    clients: clients.length ? clients.map((c) => clientLabel(k, c)).join(', ') : '(none)',
    num_clients: String(clients.length),
    verbose: String(verbose),
  })
  const r = pciP2pdmaDistanceMany(k.machine, provider, clients, verbose, ctxOf(k), k.era)
  for (let i = 0; i < r.perClient.length; i++) yield* clientSteps(k, clients[i]!, r.perClient[i], verbose)
  return yield* distanceManyEnd(k, f, r)
}

/**
 * p2pmemFindMany - pci_p2pmem_find_many(clients, num_clients) as a step: score every device with
 * published p2pmem by pci_p2pdma_distance_many(verbose = false), keep the closest, pick one at
 * random with the world's seeded RNG (a sys delta, so stepping back restores the draw).
 * Mirrors drivers/pci/p2pdma.c: pci_p2pmem_find_many() (6.12 :763; 6.1 :638).
 *
 * Errnos: none (returns NULL when no provider suits every client).
 */
export function* p2pmemFindMany(k: Kernel, clients: readonly P2pClient[]): Call<string | null> {
  const f = frame(k, 'pci_p2pmem_find_many', [])
  yield f.enter({
    clients: clients.length ? clients.map((c) => clientLabel(k, c)).join(', ') : '(none)',
    num_clients: String(clients.length),
  })
  const published = Object.values(k.world.p2pdma)
    .filter((st) => st.published && st.chunks.length > 0)
    .map((st) => st.dev)
  yield f.check(
    'for_each_pci_dev(): pci_has_p2pmem(pdev)?',
    published.length > 0,
    published.length
      ? `published p2pmem: ${published.map((p) => pciDev(k.machine, p).bdf).join(', ')}`
      : 'no device has published p2pmem (pci_p2pmem_publish())',
  )
  const r = pciP2pmemFindMany(k.machine, published, clients, k.world.sys.rng, ctxOf(k), k.era)
  for (const c of r.candidates) {
    const dm = frame(k, 'pci_p2pdma_distance_many', [])
    yield dm.enter({ provider: c.bdf, num_clients: String(clients.length), verbose: 'false' })
    yield dm.ret(String(c.score))
  }
  for (const d of r.decisions) yield f.check(d.fn, d.ok !== false, d.text)
  const tx = new Tx(k.world)
  cacheWrites(k, tx, r.cacheWrites)
  for (const l of r.logs) logLine(tx, l)
  if (r.draw !== null) tx.sys({ ...tx.world.sys, rng: r.rng })
  if (!tx.empty)
    yield f.mutate(
      tx.deltas,
      [
        ...(r.draw !== null
          ? [`the random draw advances the RNG (index ${r.draw} of ${r.closest.length})`]
          : []),
        ...(r.cacheWrites.length ? [`xa_store(map_types) x${r.cacheWrites.length}`] : []),
      ].join('; ') || 'map_types updated',
    )
  yield f.ret(r.chosenBdf ? `${r.chosenBdf} (pci_dev_get)` : 'NULL')
  return r.chosen
}
