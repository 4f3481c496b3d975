/**
 * DMA mapping of scatterlists (kernel/dma/mapping.c, kernel/dma/direct.c, drivers/iommu/dma-iommu.c)
 * with P2PDMA segments, and the v5.x client-driver path pci_p2pdma_map_sg().
 *
 * Per era:
 *   v5.x        dma_map_sg() knows nothing of P2PDMA pages: it maps their CPU physical address
 *               (or an IOVA for it). Client drivers call pci_p2pdma_map_sg() instead.
 *   v6.0–v6.15  pci_p2pdma_map_segment(): BUS_ADDR -> bus address + SG_DMA_BUS_ADDRESS;
 *               THRU_HOST_BRIDGE -> normal mapping; anything else -> -EREMOTEIO.
 *   v6.16+      pci_p2pdma_state() (a25e7962db0d "PCI/P2PDMA: Refactor the p2pdma mapping helpers").
 *               That refactor left dma-direct with two bugs, both real and both fixed later:
 *               - BUS_ADDR: `continue` before `sg_dma_len(sg) = sg->length`, so the segment's DMA
 *                 length stays 0 ("why does this transfer move 0 bytes?"); fixed by d0d08f4bd7f6
 *                 "dma-direct: Fix missing sg_dma_len assignment in P2PDMA bus mappings" (Pranjal
 *                 Shrivastava; Linus' tree 2025-11-28 via dma-mapping-6.18-2025-11-27, so 6.18;
 *                 backported to 6.17.y; index ids 66153080668, 45599881157).
 *               - THRU_HOST_BRIDGE: `break` without writing sg->dma_address (only the length is
 *                 set); fixed by 560000d619ef "dma-mapping: direct: fix missing mapping for
 *                 THRU_HOST_BRIDGE segments" (Li RongQing; `break` -> `fallthrough` into the
 *                 PCI_P2PDMA_MAP_NONE mapping; dma-mapping-fixes, June 2026; 6.18.36 and 7.0.y;
 *                 mainline 7.1 or 7.2, unverified). K72 kernel/dma/direct.c:465-510 has both fixes.
 *               The IOMMU path (iommu_dma_map_sg) sets sg_dma_len for BUS_ADDR segments in every
 *               6.x tree read (K612, K72 drivers/iommu/dma-iommu.c:1460-1469).
 */
import type { DmaDirection } from '../../../shared/model/mm'
import { dmaAddr, hex, PAGE_SIZE, paddr, pfnToPhys, sizeStr, type DmaAddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaves, has, pick } from '../era/index'
import { frame, kcall, type Call, type Frame } from '../core/step'
import { Tx, type SgEntry, type SgTable } from '../core/world'
import { isP2pdmaPage } from '../gup/gup'
import { pageAt } from '../mm/mm'
import { pciDev } from '../p2pdma/pci'
import type { PciDev } from '../topology/types'
import { p2pdmaMapType } from './p2p'
import type { MapType } from '../../../shared/model/p2p'

/** Start of the IOVA space handed out top-down (the 32-bit range first, like iommu_dma_alloc_iova for PCI). */
export const IOVA_TOP_32 = 1n << 32n
const IOVA_TOP_48 = 1n << 48n

function sgPhys(e: SgEntry): bigint {
  return pfnToPhys(e.page!) + BigInt(e.offset)
}

/** The P2PDMA pagemap of an entry's page, or null. */
function p2pPgmap(k: Kernel, e: SgEntry): { provider: string; bus_offset: bigint; id: string } | null {
  if (e.page === null) return null
  const r = pageAt(k.world, e.page)
  if (!isP2pdmaPage(k, r)) return null
  const pg = k.world.pgmaps[r!.pgmap!]!
  return { provider: pg.dev, bus_offset: pg.bus_offset, id: pg.id }
}

/** Per-call pci_p2pdma_map_state: the map type is recomputed only when the pgmap changes. */
interface MapState {
  pgmap: string | null
  map: MapType
  busOff: bigint
}

/**
 * pci_p2pdma_map_segment - classify one P2PDMA segment; for BUS_ADDR set the bus address.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pdma_map_segment() (6.0–6.15; 6.16+ pci_p2pdma_state() +
 * pci_p2pdma_bus_addr_map(), same outcome).
 */
function* p2pMapSegment(
  k: Kernel,
  dev: PciDev,
  st: MapState,
  sgt: string,
  i: number,
  setLen = true,
): Call<MapType> {
  const name = pick(k.era, 'pci_p2pdma_state', 'pci_p2pdma_map_segment')
  const f = frame(k, name, [])
  yield f.enter({ dev: dev.bdf, sg: `${sgt}[${i}]` })
  const e = k.world.sgts[sgt]!.sgl[i]!
  const pg = p2pPgmap(k, e)!
  if (st.pgmap !== pg.id) {
    st.pgmap = pg.id
    st.map = yield* p2pdmaMapType(k, pg.provider, dev.id)
    st.busOff = pg.bus_offset
  } else {
    yield f.check(
      'state->pgmap == sg_page(sg)->pgmap',
      true,
      `same pgmap as the previous segment: reuse ${st.map}`,
    )
  }
  if (st.map === 'BUS_ADDR') {
    const t = k.world.sgts[sgt]!
    const addr = dmaAddr(sgPhys(e) + st.busOff)
    const ne: SgEntry = {
      ...e,
      dma_address: addr,
      dma_length: setLen ? e.length : e.dma_length,
      bus_address: true,
    }
    const tx = new Tx(k.world).set('sgts', sgt, { ...t, sgl: t.sgl.map((x, j) => (j === i ? ne : x)) })
    yield f.mutate(
      tx.deltas,
      setLen
        ? name === 'pci_p2pdma_state'
          ? `sg->dma_address = pci_p2pdma_bus_addr_map(state, sg_phys(sg)) = ${hex(addr)}; sg_dma_len(sg) = ${e.length}; sg_dma_mark_bus_address(sg)`
          : `sg->dma_address = sg_phys(sg) + bus_offset = ${hex(addr)}; sg_dma_len = ${e.length}; sg_dma_mark_bus_address(sg)`
        : `sg->dma_address = pci_p2pdma_bus_addr_map(state, sg_phys(sg)) = ${hex(addr)}; sg_dma_mark_bus_address(sg); continue: sg_dma_len(sg) is never set and stays ${e.dma_length} (the 6.16 bug, fixed by d0d08f4bd7f6 in 6.18)`,
    )
  }
  yield f.ret(st.map)
  return st.map
}

function setEntries(
  tx: Tx,
  sgt: string,
  fn: (e: SgEntry, i: number) => SgEntry,
  extra: Partial<SgTable> = {},
): void {
  const t = tx.world.sgts[sgt]!
  tx.set('sgts', sgt, { ...t, ...extra, sgl: t.sgl.map(fn) })
}

/**
 * dma_direct_map_sg - map each segment for a device without an IOMMU.
 * Mirrors kernel/dma/direct.c: dma_direct_map_sg() (and dma_direct_map_page(): the CPU physical
 * address, phys_to_dma() being the identity on the lab's machines).
 *
 * Errnos: -EREMOTEIO (6.0+, a P2PDMA segment the device cannot reach); on error the segments
 * mapped so far are unmapped (out_unmap: dma_direct_unmap_sg).
 */
function* dmaDirectMapSg(k: Kernel, dev: PciDev, sgt: string): Call<KResult<number>> {
  const f = frame(k, 'dma_direct_map_sg', ['EREMOTEIO'])
  return yield* kcall(f, { dev: dev.bdf, nents: String(k.world.sgts[sgt]!.orig_nents) }, body())
  function* body(): Call<KResult<number>> {
    const st: MapState = { pgmap: null, map: 'UNKNOWN', busOff: 0n }
    const n = k.world.sgts[sgt]!.orig_nents
    for (let i = 0; i < n; i++) {
      const e = k.world.sgts[sgt]!.sgl[i]!
      const pg = p2pPgmap(k, e)
      let thb = false
      if (pg && behaves(k.era, 'dma.map-sg-p2pdma')) {
        const map = yield* p2pMapSegment(
          k,
          dev,
          st,
          sgt,
          i,
          !behaves(k.era, 'dma.direct-bus-addr-no-dma-len'),
        )
        if (map === 'BUS_ADDR') continue
        if (map !== 'THRU_HOST_BRIDGE') {
          yield f.check(
            'switch (map type)',
            false,
            `${map}: ${dev.bdf} cannot reach ${pciDev(k.machine, pg.provider).bdf}'s memory: ret = -EREMOTEIO; goto out_unmap`,
          )
          const undo = new Tx(k.world)
          setEntries(undo, sgt, (x, j) =>
            j < i ? { ...x, dma_address: null, dma_length: 0, bus_address: false } : x,
          )
          if (i > 0)
            yield f.mutate(
              undo.deltas,
              `out_unmap: dma_direct_unmap_sg() of the ${i} segment(s) already mapped`,
            )
          return fail(
            p2pRefused(k, f.fn, dev, pg.provider, map, {
              hint: 'put both devices under one PCIe switch, or use a host bridge on the P2PDMA whitelist / an AMD Zen CPU',
            }),
          )
        }
        thb = true
        if (behaves(k.era, 'dma.direct-thb-no-dma-address')) {
          const tx = new Tx(k.world)
          setEntries(tx, sgt, (x, j) => (j === i ? { ...x, dma_length: x.length } : x))
          yield f.mutate(
            tx.deltas,
            'case PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: break; then sg_dma_len(sg) = sg->length: sg->dma_address is never written (the 6.16 bug; 560000d619ef turned the break into fallthrough)',
          )
          continue
        }
      } else if (pg) {
        yield f.check(
          'is_pci_p2pdma_page(sg_page(sg))?',
          true,
          `${k.era}: dma_direct_map_sg() does not look at P2PDMA pages; the BAR's CPU physical address is used (client drivers had to call pci_p2pdma_map_sg())`,
        )
      }
      const addr = dmaAddr(sgPhys(e))
      const tx = new Tx(k.world)
      setEntries(tx, sgt, (x, j) => (j === i ? { ...x, dma_address: addr, dma_length: x.length } : x))
      yield f.mutate(
        tx.deltas,
        `dma_direct_map_page(): sg[${i}].dma_address = phys_to_dma(${hex(sgPhys(e))}) = ${hex(addr)}${thb ? ' (THRU_HOST_BRIDGE: the CPU physical address of the BAR)' : ''}`,
      )
    }
    return ok(n)
  }
}

/**
 * The next IOVA range of `len` bytes in dev's domain: alloc_iova_fast(..., size_aligned = true)
 * aligns the range to its size rounded up to a power of two; top-down below 4 GiB first, then
 * below 2^48 (the lab's deterministic allocator, see iommuDmaMapSg). The caller records
 * `iovaTop: base` in the domain.
 */
export function iovaRange(k: Kernel, dev: PciDev, len: bigint): { base: bigint; top: bigint } {
  const dom = k.world.domains[dev.id] ?? { dev: dev.id, iovaTop: IOVA_TOP_32 }
  let align = PAGE_SIZE
  while (align < len) align <<= 1n
  let top = dom.iovaTop
  if (top - len < 1n << 20n) top = IOVA_TOP_48
  return { base: (top - len) & ~(align - 1n), top }
}

/**
 * iommu_dma_map_sg - map segments through the device's IOMMU domain.
 * Mirrors drivers/iommu/dma-iommu.c: iommu_dma_map_sg() -> iommu_dma_alloc_iova() -> iommu_map_sg()
 * -> __finalise_sg().
 *
 * BUS_ADDR segments are skipped by iommu_map_sg() and keep their bus address; THRU_HOST_BRIDGE
 * segments get regular IOVAs (for the BAR's CPU physical address); with only BUS_ADDR segments
 * (iova_len == 0) no IOVA is allocated (C04).
 *
 * Errnos: -EREMOTEIO (6.0+), -ENOMEM (IOVA space exhausted).
 * Simplification: one IOVA range for all non-bus segments, no segment merging in __finalise_sg(),
 * a deterministic top-down, size-aligned allocator below 4 GiB first (PCI devices try 32-bit IOVAs
 * first), then below 2^48; freed ranges are not reused and there is no IOVA rcache.
 */
function* iommuDmaMapSg(k: Kernel, dev: PciDev, sgt: string): Call<KResult<number>> {
  const f = frame(k, 'iommu_dma_map_sg', ['EREMOTEIO', 'ENOMEM'])
  return yield* kcall(f, { dev: dev.bdf, nents: String(k.world.sgts[sgt]!.orig_nents) }, body())
  function* body(): Call<KResult<number>> {
    const st: MapState = { pgmap: null, map: 'UNKNOWN', busOff: 0n }
    const n = k.world.sgts[sgt]!.orig_nents
    const toMap: number[] = []
    let iovaLen = 0n
    for (let i = 0; i < n; i++) {
      const e = k.world.sgts[sgt]!.sgl[i]!
      const pg = p2pPgmap(k, e)
      if (pg && behaves(k.era, 'dma.map-sg-p2pdma')) {
        const map = yield* p2pMapSegment(k, dev, st, sgt, i)
        if (map === 'BUS_ADDR') continue
        if (map !== 'THRU_HOST_BRIDGE') {
          yield f.check('switch (map type)', false, `${map}: ret = -EREMOTEIO; goto out_restore_sg`)
          const undo = new Tx(k.world)
          setEntries(undo, sgt, (x) => ({ ...x, dma_address: null, dma_length: 0, bus_address: false }))
          yield f.mutate(
            undo.deltas,
            'out_restore_sg: __invalidate_sg() restores the segments (bus-address marks cleared)',
          )
          return fail(p2pRefused(k, f.fn, dev, pg.provider, map))
        }
      }
      toMap.push(i)
      const len = (BigInt(e.offset) + BigInt(e.length) + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n)
      iovaLen += len
    }
    if (iovaLen === 0n) {
      yield f.check(
        'iova_len == 0?',
        true,
        'every segment is a bus address: return __finalise_sg() without allocating any IOVA; nothing enters the IOMMU page table',
      )
      return ok(n)
    }
    const base = yield* iommuDmaAllocIova(k, dev, iovaLen)
    const { keys, addrs } = yield* iommuMapSg(k, dev, sgt, toMap, base, iovaLen)
    const fin = new Tx(k.world)
    const t = fin.world.sgts[sgt]!
    fin.set('sgts', sgt, {
      ...t,
      iovas: [...t.iovas, ...keys],
      sgl: t.sgl.map((x, j) =>
        addrs.has(j) ? { ...x, dma_address: addrs.get(j)!, dma_length: x.length } : x,
      ),
    })
    yield f.mutate(
      fin.deltas,
      `__finalise_sg(): sg_dma_address = IOVA for the ${toMap.length} mapped segment(s); bus-address segments keep their bus address`,
    )
    return ok(n)
  }
}

/**
 * iommu_dma_alloc_iova(): alloc_iova_fast(..., size_aligned = true) in the device's domain, top-down
 * below 4 GiB first (PCI devices try 32-bit IOVAs first), then below 2^48. Returns the IOVA base.
 */
function* iommuDmaAllocIova(k: Kernel, dev: PciDev, iovaLen: bigint): Call<bigint> {
  const { base, top } = iovaRange(k, dev, iovaLen)
  const a = frame(k, 'iommu_dma_alloc_iova', ['ENOMEM'])
  yield a.enter({ size: sizeStr(iovaLen), dma_limit: hex(top - 1n) })
  const tx = new Tx(k.world).set('domains', dev.id, { dev: dev.id, iovaTop: base })
  yield a.mutate(
    tx.deltas,
    `alloc_iova_fast(): IOVA [${hex(base)}, ${hex(base + iovaLen)}) in ${dev.bdf}'s domain`,
  )
  yield a.ret(hex(base))
  return base
}

/**
 * iommu_map_sg(): one IOMMU mapping (IOVA -> CPU physical) per segment to map, consecutive from
 * `base`. Returns the mapping keys and each segment's DMA address.
 */
function* iommuMapSg(
  k: Kernel,
  dev: PciDev,
  sgt: string,
  toMap: readonly number[],
  base: bigint,
  iovaLen: bigint,
): Call<{ keys: string[]; addrs: Map<number, DmaAddr> }> {
  const mf = frame(k, 'iommu_map_sg', [])
  yield mf.enter({ iova: hex(base), nents: String(toMap.length) })
  const mt = new Tx(k.world)
  let at = base
  const keys: string[] = []
  const addrs = new Map<number, DmaAddr>()
  for (const i of toMap) {
    const e = mt.world.sgts[sgt]!.sgl[i]!
    const phys = pfnToPhys(e.page!)
    const len = (BigInt(e.offset) + BigInt(e.length) + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n)
    const key = `${dev.id}:${hex(at)}`
    mt.set('iovas', key, { dev: dev.id, iova: dmaAddr(at), paddr: paddr(phys), size: len, alloc: hex(base) })
    keys.push(key)
    addrs.set(i, dmaAddr(at + BigInt(e.offset)))
    at += len
  }
  yield mf.mutate(mt.deltas, `${toMap.length} IOMMU mapping(s) IOVA -> CPU physical in ${dev.bdf}'s domain`)
  yield mf.ret(sizeStr(iovaLen))
  return { keys, addrs }
}

/**
 * dmaMapSgAttrs - dispatch to dma-direct or the IOMMU's map_sg.
 * Mirrors kernel/dma/mapping.c: __dma_map_sg_attrs() (5.15+, fffe3cc8c219: dma_map_direct() ?
 * dma_direct_map_sg : ops->map_sg). Before 5.15 the dispatch is the body of dma_map_sg_attrs() itself
 * (`parent`), and dma_map_sgtable() (5.8+) calls dma_map_sg_attrs().
 *
 * Errnos: -EREMOTEIO, -ENOMEM.
 */
function* dmaMapSgAttrs(
  k: Kernel,
  dev: PciDev,
  sgt: string,
  dir: DmaDirection,
  parent: Frame | null = null,
): Call<KResult<number>> {
  if (!has(k.era, '__dma_map_sg_attrs')) {
    if (parent) return yield* dispatch(parent)
    return yield* dmaMapSg(k, dev, sgt, dir)
  }
  const f = frame(k, '__dma_map_sg_attrs', ['EREMOTEIO', 'ENOMEM'])
  return yield* kcall(f, { dev: dev.bdf, dir }, dispatch(f))
  function* dispatch(f: Frame): Call<KResult<number>> {
    yield f.check(
      'dma_map_direct(dev, ops)?',
      !k.iommu,
      k.iommu
        ? `${dev.bdf} sits behind an IOMMU: ops->map_sg = iommu_dma_map_sg`
        : 'no IOMMU: dma_direct_map_sg',
    )
    const r = k.iommu ? yield* iommuDmaMapSg(k, dev, sgt) : yield* dmaDirectMapSg(k, dev, sgt)
    if (!r.ok) return r
    const tx = new Tx(k.world)
    const t = tx.world.sgts[sgt]!
    tx.set('sgts', sgt, { ...t, mappedFor: dev.id, dir })
    yield f.mutate(tx.deltas, `the table is mapped for ${dev.bdf} (${r.value} DMA segment(s))`)
    return r
  }
}

/**
 * dmaMapSgtable - map an sg_table for DMA by `dev`.
 * Mirrors kernel/dma/mapping.c: dma_map_sgtable(): nents = __dma_map_sg_attrs(); < 0 is returned,
 * else sgt->nents = nents and 0.
 *
 * Errnos: -EREMOTEIO ("The DMA device cannot access P2PDMA memory specified in the sg_table. This
 * will not succeed if retried."), -ENOMEM, -EINVAL.
 */
export function* dmaMapSgtable(
  k: Kernel,
  dev: PciDev,
  sgt: string,
  dir: DmaDirection,
): Call<KResult<number>> {
  const f = frame(k, 'dma_map_sgtable', ['EREMOTEIO', 'ENOMEM', 'EINVAL'])
  return yield* kcall(f, { dev: dev.bdf, sgt, dir }, body())
  function* body(): Call<KResult<number>> {
    const t = k.world.sgts[sgt]
    if (!t) return fail(kerr('EINVAL', f.fn, `no sg_table '${sgt}'`))
    const r = yield* dmaMapSgAttrs(k, dev, sgt, dir)
    if (!r.ok) return r
    if (!has(k.era, '__dma_map_sg_attrs') && r.value === 0) {
      // 5.8–5.14: `nents = dma_map_sg_attrs(); if (nents <= 0) return -EINVAL;`
      yield f.check(
        'nents <= 0?',
        false,
        'dma_map_sg_attrs() mapped nothing: -EINVAL (the errno is lost before 5.15)',
      )
      return fail(kerr('EINVAL', f.fn, 'dma_map_sg_attrs() returned 0'))
    }
    const tx = new Tx(k.world).set('sgts', sgt, { ...k.world.sgts[sgt]!, nents: r.value })
    yield f.mutate(tx.deltas, `sgt->nents = ${r.value}`)
    return ok(0)
  }
}

/**
 * dmaMapSg - the older interface: returns the number of DMA segments, 0 on any failure.
 * Mirrors kernel/dma/mapping.c: dma_map_sg_attrs() ("if (ret < 0) return 0" — recalled, unverified).
 *
 * Errnos: none (0 on failure).
 */
export function* dmaMapSg(k: Kernel, dev: PciDev, sgt: string, dir: DmaDirection): Call<KResult<number>> {
  const f = frame(k, 'dma_map_sg_attrs', [])
  return yield* kcall(f, { dev: dev.bdf, sgt, dir }, body())
  function* body(): Call<KResult<number>> {
    const r = yield* dmaMapSgAttrs(k, dev, sgt, dir, f)
    if (!r.ok) {
      yield f.check('ents < 0?', false, `-${r.error.errno} becomes 0: dma_map_sg() callers only test for 0`)
      return ok(0)
    }
    const tx = new Tx(k.world).set('sgts', sgt, { ...k.world.sgts[sgt]!, nents: r.value })
    yield f.mutate(tx.deltas, `nents = ${r.value}`)
    return r
  }
}

/**
 * dmaUnmapSgtable - undo dma_map_sgtable().
 * Mirrors kernel/dma/mapping.c: dma_unmap_sgtable() -> dma_direct_unmap_sg() / iommu_dma_unmap_sg().
 *
 * Bus-address segments are only unmarked (sg_dma_unmark_bus_address): "the dma_address is a bus
 * address and doesn't need to be unmapped". IOMMU mappings of the table are removed.
 *
 * Errnos: -EINVAL (the table is not mapped; the kernel would not check, the lab refuses).
 */
export function* dmaUnmapSgtable(k: Kernel, dev: PciDev, sgt: string): Call<KResult<void>> {
  const f = frame(k, pick(k.era, 'dma_unmap_sgtable', 'dma_unmap_sg_attrs'), ['EINVAL'])
  return yield* kcall(f, { dev: dev.bdf, sgt }, body())
  function* body(): Call<KResult<void>> {
    const t = k.world.sgts[sgt]
    yield f.check(
      'mapped for this device?',
      !!t && t.mappedFor === dev.id,
      t?.mappedFor ? `mapped for ${pciDev(k.machine, t.mappedFor).bdf}` : 'not mapped',
    )
    if (!t || t.mappedFor !== dev.id)
      return fail(kerr('EINVAL', f.fn, `'${sgt}' is not mapped for ${dev.bdf}`))
    const u = frame(k, k.iommu ? 'iommu_dma_unmap_sg' : 'dma_direct_unmap_sg', [])
    yield u.enter({ dev: dev.bdf, nents: String(t.nents) })
    const tx = new Tx(k.world)
    for (const key of t.iovas) tx.set('iovas', key, null)
    const bus = t.sgl.filter((e) => e.bus_address).length
    tx.set('sgts', sgt, {
      ...t,
      nents: 0,
      mappedFor: null,
      dir: null,
      iovas: [],
      sgl: t.sgl.map((e) => ({ ...e, bus_address: false })),
    })
    yield u.mutate(
      tx.deltas,
      `${bus ? `sg_dma_unmark_bus_address() on ${bus} bus-address segment(s), nothing else to undo for them` : 'no bus-address segments'}${t.iovas.length ? `; ${t.iovas.length} IOVA mapping(s) removed (__iommu_dma_unmap)` : k.iommu ? '' : '; dma_direct_unmap_page() keeps no state'}`,
    )
    yield u.ret('void')
    return ok(undefined)
  }
}

/**
 * pciP2pdmaMapSg - the v5.x client-driver call for P2PDMA scatterlists.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pdma_map_sg() (v5.0 S1) and pci_p2pdma_map_sg_attrs()
 * (v5.4 S3: by cached map type; UNKNOWN hits WARN_ON_ONCE(1) and returns 0, C21). Bus addresses are
 * paddr - bus_offset in both: the sign bug of docs/kernel/dma.md#the-bus_offset-sign.
 *
 * Errnos: none (returns nents, or 0 on failure).
 * Simplification: offered for v5.x only; 6.x removed it once dma_map_sg() understood P2PDMA (release unverified).
 */
export function* pciP2pdmaMapSg(
  k: Kernel,
  dev: PciDev,
  sgt: string,
  dir: DmaDirection,
): Call<KResult<number>> {
  const v54 = has(k.era, 'pci_p2pdma_map_sg_attrs')
  const f = frame(k, v54 ? 'pci_p2pdma_map_sg_attrs' : 'pci_p2pdma_map_sg', [])
  return yield* kcall(f, { dev: dev.bdf, sgt, dir }, body())
  function* body(): Call<KResult<number>> {
    const t = k.world.sgts[sgt]!
    const e0 = t.sgl[0]
    const pg = e0 ? p2pPgmap(k, e0) : null
    if (!pg) {
      yield f.check(
        'is_pci_p2pdma_page(sg_page(sg))',
        false,
        'not P2PDMA memory: the driver should have called dma_map_sg()',
      )
      return ok(0)
    }
    if (v54) {
      const map = yield* p2pdmaMapType(k, pg.provider, dev.id)
      if (map === 'THRU_HOST_BRIDGE') return yield* dmaMapSg(k, dev, sgt, dir)
      if (map !== 'BUS_ADDR') {
        yield f.check('switch (map type)', false, `${map}: WARN_ON_ONCE(1); return 0`)
        return ok(0)
      }
    }
    const tx = new Tx(k.world)
    setEntries(
      tx,
      sgt,
      (x) => ({ ...x, dma_address: dmaAddr(sgPhys(x) - pg.bus_offset), dma_length: x.length }),
      { nents: t.orig_nents, mappedFor: dev.id, dir },
    )
    yield f.mutate(
      tx.deltas,
      `${v54 ? '__pci_p2pdma_map_sg(): ' : ''}s->dma_address = paddr - p2p_pgmap->bus_offset (${hex(pg.bus_offset)}): the sign is wrong (docs/kernel/dma.md#the-bus_offset-sign), invisible while the offset is 0; there is no bus-address flag`,
    )
    return ok(t.orig_nents)
  }
}

/**
 * dmaMapForDriver - how a client driver of the era maps an SGL: dma_map_sgtable() from v6.0 in the
 * lab (it exists since 5.8), dma_map_sg() before, where 0 mapped entries is the driver's failure
 * (nvme_map_data: BLK_STS_RESOURCE; ib_umem_get: -ENOMEM).
 *
 * Errnos: -EREMOTEIO, -ENOMEM, -EINVAL.
 */
export function* dmaMapForDriver(
  k: Kernel,
  dev: PciDev,
  sgt: string,
  dir: DmaDirection,
): Call<KResult<number>> {
  if (behaves(k.era, 'driver.map-sgtable')) return yield* dmaMapSgtable(k, dev, sgt, dir)
  const r = yield* dmaMapSg(k, dev, sgt, dir)
  if (r.ok && r.value === 0)
    return fail(kerr('ENOMEM', 'dma_map_sg', 'dma_map_sg() mapped no entries', 'later'))
  return r
}

/** -EREMOTEIO: the P2PDMA path from the mapping device to the provider is not usable (`map`). */
function p2pRefused(
  k: Kernel,
  fn: string,
  dev: PciDev,
  provider: string,
  map: string,
  o: { hint?: string } = {},
) {
  const why = `the P2PDMA path from ${dev.bdf} to ${pciDev(k.machine, provider).bdf} is ${map}`
  return o.hint === undefined
    ? kerr('EREMOTEIO', fn, why, 'never')
    : kerr('EREMOTEIO', fn, why, 'never', o.hint)
}
