/**
 * The P2PDMA map-type lookup as a step: pci_p2pdma_map_type() reading (and in 6.x filling) the
 * provider's map_types cache, with the classification itself delegated to the foundation's
 * electron/engine/p2pdma/distance-many.ts (calc_map_type_and_dist and friends).
 */
import type { MapType } from '../../../shared/model/p2p'
import type { Kernel } from '../kernel'
import { frame, type Call } from '../core/step'
import { Tx, type World } from '../core/world'
import { logLine } from '../mm/mm'
import { mapTypesIdx, pciP2pdmaDistance, pciP2pdmaMapType, type MapTypeCache } from '../p2pdma/distance-many'
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
  for (const pc of r.perClient) {
    if ('notPci' in pc) continue
    const c = frame(k, pc.fn, [])
    yield c.enter({ provider: pc.provider, client: pc.client, verbose: String(verbose) })
    for (const d of pc.decisions) yield c.check(d.fn, d.ok !== false, d.text)
    yield c.ret(pc.fn === 'calc_map_type_and_dist' ? `${pc.mapType}, dist ${pc.dist}` : String(pc.ret))
  }
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
