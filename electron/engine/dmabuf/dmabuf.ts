/**
 * dma-buf, the answer that landed (docs/kernel/dmabuf.md): an exporter hands importers DMA addresses
 * (an sg_table without struct pages where needed), importers that set allow_peer2peer must cope
 * with that, and move_notify() lets the exporter move or revoke the memory at any time.
 *
 * Exporters: an amdgpu-like GPU (VRAM BO, moved to GTT = system RAM when an attachment cannot do P2P)
 * and the VFIO PCI BAR exporter (newest; revoke via move_notify when memory decode goes off).
 * Importer: the RDMA umem (rdma/umem_dmabuf.ts), or a plain static/dynamic attach.
 *
 * Simplification: no reservation-lock steps; one BO per dma-buf; amdgpu's GTT pages come from the
 * lab's RAM allocator; the VFIO provider's map type is computed without the map_types cache.
 */
import { dmaAddr, hex, PAGE_SIZE, paddr, sizeStr, type Pfn } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { driverFrame, frame, kcall, type Call } from '../core/step'
import type { KName } from '../era/index'
import { Tx, type DmaBuf, type SgEntry } from '../core/world'
import { dmaMapSgtable, dmaUnmapSgtable } from '../dma/mapping'
import { p2pdmaDistance } from '../dma/p2p'
import { cpuSgEntry, cpuSgTable, mappedSgTable } from '../dma/scatterlist'
import { allocRamPages } from '../mm/mm'
import { calcMapTypeAndDist } from '../p2pdma/distance'
import { pciDev } from '../p2pdma/pci'
import type { PciDev } from '../topology/types'

/**
 * amdgpuExportBo - a GPU driver exports a VRAM buffer object as a dma-buf.
 * Mirrors drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c: amdgpu_gem_prime_export() (a dynamic exporter:
 * its ops have .pin/.unpin and it calls move_notify when the BO moves).
 *
 * Errnos: -EINVAL (size 0).
 */
export function* amdgpuExportBo(k: Kernel, dev: PciDev, size: bigint, as: string): Call<KResult<void>> {
  const f = frame(k, 'amdgpu_gem_prime_export', ['EINVAL'])
  return yield* kcall(
    f,
    { dev: dev.bdf, size: sizeStr(size) },
    (function* (): Call<KResult<void>> {
      yield f.check('size != 0', size > 0n, sizeStr(size))
      if (size === 0n) return fail(kerr('EINVAL', f.fn, 'empty BO'))
      const used = Object.values(k.world.dmabufs)
        .filter((b) => b.dev === dev.id && b.exporter === 'amdgpu')
        .reduce((s, b) => s + b.size, 0n)
      const buf: DmaBuf = {
        id: as,
        exporter: 'amdgpu',
        dev: dev.id,
        size,
        placement: 'VRAM',
        vramOffset: used,
        gttPfn: null,
        pinCount: 0,
        bar: null,
        phys: [],
        revoked: false,
        fencePending: false,
      }
      const tx = new Tx(k.world).set('dmabufs', as, buf)
      yield f.mutate(
        tx.deltas,
        `dma-buf '${as}': a ${sizeStr(size)} BO in VRAM at offset ${hex(used)} (dynamic exporter)`,
      )
      return ok(undefined)
    })(),
  )
}

/**
 * vfioExportDmabuf - user space exports a range of a vfio-pci device's BAR as a dma-buf.
 * Mirrors drivers/vfio/pci/vfio_pci_dmabuf.c: vfio_pci_core_feature_dma_buf() (VFIO_DEVICE_FEATURE_GET,
 * struct vfio_device_feature_dma_buf {region_index, open_flags, nr_ranges, dma_ranges[]}), with
 * pcim_p2pdma_provider(pdev, bar) for the map type later.
 *
 * Errnos: -ENODEV (region_index >= VFIO_PCI_ROM_REGION_INDEX or not a memory BAR), -EINVAL (a range
 * that is empty, not page aligned, or past the BAR).
 */
export function* vfioExportDmabuf(
  k: Kernel,
  dev: PciDev,
  bar: number,
  offset: bigint,
  len: bigint,
  as: string,
): Call<KResult<void>> {
  const f = frame(k, 'vfio_pci_core_feature_dma_buf', ['ENODEV', 'EINVAL'])
  return yield* kcall(
    f,
    { region_index: String(bar), offset: hex(offset), length: sizeStr(len), nr_ranges: '1' },
    (function* (): Call<KResult<void>> {
      const b = dev.bars.find((x) => x.index === bar && !x.io)
      yield f.check(
        'region_index < VFIO_PCI_ROM_REGION_INDEX && a memory BAR',
        bar < 6 && !!b,
        b ? `BAR${bar}: ${sizeStr(b.size)}` : `BAR${bar} is not a memory BAR`,
      )
      if (!b || bar >= 6) return fail(kerr('ENODEV', f.fn, 'not a memory BAR region'))
      const okR =
        len > 0n && offset % PAGE_SIZE === 0n && len % PAGE_SIZE === 0n && offset + len <= BigInt(b.size)
      yield f.check(
        'validate_dmabuf_input(): ranges non-empty, PAGE_ALIGNED, inside the BAR',
        okR,
        `[${hex(offset)}, ${hex(offset + len)})`,
      )
      if (!okR) return fail(kerr('EINVAL', f.fn, 'bad dma range'))
      const tx = new Tx(k.world).set('dmabufs', as, {
        id: as,
        exporter: 'vfio',
        dev: dev.id,
        size: len,
        placement: null,
        vramOffset: 0n,
        gttPfn: null,
        pinCount: 0,
        bar,
        phys: [{ start: paddr(BigInt(b.start) + offset), len }],
        revoked: false,
        fencePending: false,
      })
      yield f.mutate(
        tx.deltas,
        `dma-buf '${as}': phys_vec [${hex(BigInt(b.start) + offset)}, +${sizeStr(len)}) of ${dev.bdf} BAR${bar}; provider = pcim_p2pdma_provider(pdev, ${bar})`,
      )
      return ok(undefined)
    })(),
  )
}

export interface AttachOpts {
  dynamic: boolean
  allowPeer2peer: boolean
  moveNotify: boolean
}

/**
 * dmaBufDynamicAttach - attach a device to a dma-buf.
 * Mirrors drivers/dma-buf/dma-buf.c: dma_buf_dynamic_attach() (dma_buf_attach() = no importer ops):
 * WARN_ON(importer_ops && !importer_ops->move_notify) -> -EINVAL; attach->peer2peer =
 * importer_ops->allow_peer2peer; then the exporter's ->attach(); a static importer of a dynamic
 * exporter gets the buffer pinned and mapped at attach time.
 *
 * Errnos: -EINVAL, -EOPNOTSUPP (VFIO without peer2peer), -ENODEV (revoked VFIO buffer).
 */
export function* dmaBufDynamicAttach(
  k: Kernel,
  bufId: string,
  dev: PciDev,
  o: AttachOpts,
  as: string,
): Call<KResult<void>> {
  const f = frame(k, o.dynamic ? 'dma_buf_dynamic_attach' : 'dma_buf_attach', [
    'EINVAL',
    'EOPNOTSUPP',
    'ENODEV',
  ])
  return yield* kcall(
    f,
    {
      dmabuf: bufId,
      dev: dev.bdf,
      importer_ops: o.dynamic
        ? `{ allow_peer2peer = ${o.allowPeer2peer}, move_notify = ${o.moveNotify ? 'set' : 'NULL'} }`
        : 'NULL',
    },
    (function* (): Call<KResult<void>> {
      const buf = k.world.dmabufs[bufId]!
      if (o.dynamic) {
        yield f.check(
          'WARN_ON(importer_ops && !importer_ops->move_notify)',
          o.moveNotify,
          o.moveNotify
            ? 'the importer can be told to drop its mapping'
            : 'a dynamic importer without move_notify: WARN, -EINVAL',
        )
        if (!o.moveNotify) return fail(kerr('EINVAL', f.fn, 'dynamic importer ops without move_notify'))
      }
      let p2p = o.dynamic && o.allowPeer2peer
      yield f.check(
        'attach->peer2peer = importer_ops && importer_ops->allow_peer2peer',
        p2p,
        p2p ? 'the importer handles peer resources without struct pages' : 'peer2peer = false',
      )
      const att =
        buf.exporter === 'vfio'
          ? yield* vfioDmaBufAttach(k, buf, p2p)
          : yield* amdgpuDmaBufAttach(k, buf, dev, p2p)
      if (!att.ok) return att
      p2p = att.value
      const tx = new Tx(k.world).set('attachments', as, {
        id: as,
        dmabuf: bufId,
        dev: dev.id,
        dynamic: o.dynamic,
        peer2peer: p2p,
        importerOps: o.dynamic ? 'importer_ops' : null,
        sgt: null,
        importer: null,
        moveNotifies: 0,
      })
      yield f.mutate(tx.deltas, `attachment '${as}' of ${dev.bdf}: peer2peer = ${p2p}`)
      if (buf.exporter === 'amdgpu' && !o.dynamic) {
        yield f.check(
          'dma_buf_is_dynamic(dmabuf) != dma_buf_attachment_is_dynamic(attach)',
          true,
          'a static importer of a dynamic exporter: dma_buf_pin() and map now, cached',
        )
        const p = yield* amdgpuPin(k, bufId)
        if (!p.ok) return p
        const m = yield* dmaBufMapAttachment(k, as, `${as}:sgt`)
        if (!m.ok) return m
      }
      return ok(undefined)
    })(),
  )
}

/** The exporter's ->attach() of a VFIO BAR: only a peer2peer importer, and not once revoked. */
function* vfioDmaBufAttach(k: Kernel, buf: { revoked: boolean }, p2p: boolean): Call<KResult<boolean>> {
  const a = frame(k, 'vfio_pci_dma_buf_attach', ['EOPNOTSUPP', 'ENODEV'])
  yield a.enter({})
  if (!p2p) {
    yield a.check(
      '!attachment->peer2peer',
      false,
      'the BAR has no struct pages: only a peer2peer importer can use it: -EOPNOTSUPP',
    )
    const e = kerr(
      'EOPNOTSUPP',
      a.fn,
      'importer without allow_peer2peer',
      'never',
      'use dynamic importer ops with allow_peer2peer = true',
    )
    yield a.fail(e)
    return fail(e)
  }
  if (buf.revoked) {
    yield a.check('priv->revoked', false, 'the buffer was revoked: -ENODEV')
    const e = kerr('ENODEV', a.fn, 'revoked dma-buf', 'later')
    yield a.fail(e)
    return fail(e)
  }
  yield a.ret('0')
  return ok(p2p)
}

/** amdgpu's ->attach(): peer2peer stays on only when pci_p2pdma_distance() finds a P2P path. */
function* amdgpuDmaBufAttach(
  k: Kernel,
  buf: { dev: string },
  dev: PciDev,
  p2p: boolean,
): Call<KResult<boolean>> {
  const a = frame(k, 'amdgpu_dma_buf_attach', [])
  yield a.enter({})
  if (p2p) {
    const d = yield* p2pdmaDistance(k, pciDev(k.machine, buf.dev).id, dev.id, false)
    yield a.check(
      '!amdgpu_dmabuf_is_xgmi_accessible() && pci_p2pdma_distance(adev->pdev, attach->dev, false) < 0',
      d >= 0,
      d >= 0 ? `distance ${d}: P2P stays on` : 'no P2P path: attach->peer2peer = false',
    )
    if (d < 0) p2p = false
  }
  yield a.ret('0')
  return ok(p2p)
}

/** amdgpu_dma_buf_pin(): VRAM is dropped from the allowed domains if any attachment cannot do P2P. */
function* amdgpuPin(k: Kernel, bufId: string): Call<KResult<void>> {
  const f = frame(k, 'amdgpu_dma_buf_pin', [])
  return yield* kcall(
    f,
    {},
    (function* (): Call<KResult<void>> {
      const r = yield* amdgpuPlace(k, bufId, 'amdgpu_dma_buf_pin')
      if (!r.ok) return r
      const b = k.world.dmabufs[bufId]!
      const tx = new Tx(k.world).set('dmabufs', bufId, { ...b, pinCount: b.pinCount + 1 })
      yield f.mutate(tx.deltas, `amdgpu_bo_pin(): pinned in ${b.placement}`)
      return ok(undefined)
    })(),
  )
}

/** Move the BO to GTT if any attachment has peer2peer false (amdgpu_dma_buf_pin / amdgpu_dma_buf_map). */
function* amdgpuPlace(k: Kernel, bufId: string, fn: KName): Call<KResult<void>> {
  const f = frame(k, fn, [])
  const b = k.world.dmabufs[bufId]!
  const atts = Object.values(k.world.attachments).filter((a) => a.dmabuf === bufId)
  const noP2p = atts.filter((a) => !a.peer2peer)
  yield f.check(
    'list_for_each_entry(attach, &dmabuf->attachments): any !attach->peer2peer?',
    noP2p.length === 0,
    noP2p.length
      ? `${noP2p.map((a) => a.id).join(', ')} cannot do P2P: domains &= ~AMDGPU_GEM_DOMAIN_VRAM`
      : 'every importer can reach VRAM peer to peer',
  )
  if (noP2p.length === 0 || b.placement === 'GTT') return ok(undefined)
  const n = b.size / PAGE_SIZE
  const tx = new Tx(k.world)
  const first = allocRamPages(tx, n, 0)
  tx.set('dmabufs', bufId, { ...b, placement: 'GTT', gttPfn: first })
  yield f.mutate(
    tx.deltas,
    `amdgpu_bo_validate(GTT): the BO moves from VRAM to ${n} system RAM page(s) at pfn ${hex(first)}`,
  )
  // dynamic importers whose mapping pointed at VRAM must drop it
  for (const a of atts) if (a.dynamic && a.sgt) yield* moveNotify(k, a.id, 'the BO moved to GTT')
  return ok(undefined)
}

/**
 * moveNotify - dma_buf_move_notify(): tell a dynamic importer its mapping is stale.
 * Mirrors drivers/dma-buf/dma-buf.c: dma_buf_move_notify() -> attach->importer_ops->move_notify(attach).
 *
 * Errnos: none.
 */
export function* moveNotify(k: Kernel, attId: string, why: string): Call<void> {
  const f = frame(k, 'dma_buf_move_notify', [])
  const a = k.world.attachments[attId]!
  yield f.enter({ attach: attId, why })
  const u = a.importer ? k.world.umemDmabufs[a.importer] : undefined
  const imp = u
    ? driverFrame(
        k,
        'ib_umem_dmabuf move_notify (mlx5_ib_dmabuf_invalidate_cb)',
        'drivers/infiniband/hw/mlx5/mr.c (unverified)',
        'move_notify',
        [],
      )
    : driverFrame(k, 'importer_ops->move_notify', 'importer', 'move_notify', [])
  yield imp.enter({ attach: attId })
  if (a.sgt) {
    const dev = pciDev(k.machine, a.dev)
    if (u) yield* umemDmabufUnmapPages(k, u.id)
    yield* unmapAttachment(k, attId, dev)
  }
  const tx = new Tx(k.world).set('attachments', attId, {
    ...k.world.attachments[attId]!,
    moveNotifies: a.moveNotifies + 1,
  })
  yield imp.mutate(
    tx.deltas,
    u
      ? 'zap the MR (mkey) translations, ib_umem_dmabuf_unmap_pages(): the next access must map again'
      : 'the importer dropped its mapping; the next dma_buf_map_attachment() may return a different SGL',
  )
  yield imp.ret('void')
  yield f.ret('void')
}

/**
 * dmaBufMapAttachment - get the importer's DMA addresses.
 * Mirrors drivers/dma-buf/dma-buf.c: dma_buf_map_attachment() -> exporter ->map_dma_buf:
 * amdgpu_dma_buf_map() (VRAM: amdgpu_vram_mgr_alloc_sgt(), dma_map_resource(), sg_page NULL;
 * GTT: drm_prime_pages_to_sg() + dma_map_sgtable()) or vfio_pci_dma_buf_map() -> dma_buf_phys_vec_to_sgt().
 *
 * Errnos: -ENODEV (revoked), -EINVAL (NOT_SUPPORTED map type), -EREMOTEIO/-ENOMEM from dma_map_sgtable().
 */
export function* dmaBufMapAttachment(k: Kernel, attId: string, sgt: string): Call<KResult<number>> {
  const f = frame(k, 'dma_buf_map_attachment', ['ENODEV', 'EINVAL', 'EREMOTEIO', 'ENOMEM'])
  const a = k.world.attachments[attId]!
  const dev = pciDev(k.machine, a.dev)
  return yield* kcall(
    f,
    { attach: attId, direction: 'DMA_BIDIRECTIONAL' },
    (function* (): Call<KResult<number>> {
      const b = k.world.dmabufs[a.dmabuf]!
      if (b.exporter === 'vfio') return yield* vfioMap(k, attId, sgt, dev)
      const m = frame(k, 'amdgpu_dma_buf_map', ['EREMOTEIO', 'ENOMEM', 'EINVAL'])
      yield m.enter({})
      const p = yield* amdgpuPlace(k, a.dmabuf, 'amdgpu_dma_buf_map')
      if (!p.ok) return p
      const bb = k.world.dmabufs[a.dmabuf]!
      if (bb.placement === 'VRAM') {
        const prov = pciDev(k.machine, bb.dev)
        const bar = prov.bars.find((x) => x.index === 1) ?? prov.bars[0]!
        const phys = BigInt(bar.start) + bb.vramOffset
        const e: SgEntry = {
          page: null,
          offset: 0,
          length: Number(bb.size),
          dma_address: dmaAddr(phys),
          dma_length: Number(bb.size),
          bus_address: false,
        }
        const tx = new Tx(k.world)
          .set('sgts', sgt, mappedSgTable(sgt, [e], dev.id, 1))
          .set('attachments', attId, { ...k.world.attachments[attId]!, sgt })
        yield m.mutate(
          tx.deltas,
          `amdgpu_vram_mgr_alloc_sgt(): sg_set_page(sg, NULL, ...); dma_map_resource(${dev.bdf}, aper_base + ${hex(bb.vramOffset)} = ${hex(phys)}, DMA_ATTR_SKIP_CPU_SYNC): no struct page${k.iommu ? ' (with the IOMMU on, dma_map_resource gives an IOVA; the lab shows the physical address)' : ''}`,
        )
        yield m.ret('sgt')
        return ok(1)
      }
      const tx = new Tx(k.world).set(
        'sgts',
        sgt,
        cpuSgTable(sgt, [cpuSgEntry(bb.gttPfn as Pfn, Number(bb.size))]),
      )
      yield m.mutate(tx.deltas, 'drm_prime_pages_to_sg(): the GTT pages (system RAM, with struct pages)')
      const r = yield* dmaMapSgtable(k, dev, sgt, 'DMA_BIDIRECTIONAL')
      if (!r.ok) return r
      const t2 = new Tx(k.world).set('attachments', attId, { ...k.world.attachments[attId]!, sgt })
      yield m.mutate(t2.deltas, 'the attachment caches the mapping')
      yield m.ret('sgt')
      return ok(1)
    })(),
  )
}

/**
 * vfioMap - vfio_pci_dma_buf_map() -> dma_buf_phys_vec_to_sgt(attach, provider, phys_vec, 1, size, dir).
 * Mirrors drivers/dma-buf/dma-buf-mapping.c: dma_buf_phys_vec_to_sgt(): BUS_ADDR -> pci_p2pdma_bus_addr_map()
 * per range; THRU_HOST_BRIDGE -> dma_iova_try_alloc() + dma_iova_link(DMA_ATTR_MMIO) into one IOVA range
 * (or dma_map_phys(DMA_ATTR_MMIO) per range without an IOVA); else -EINVAL. No CPU list: orig_nents = 0.
 */
function* vfioMap(k: Kernel, attId: string, sgt: string, dev: PciDev): Call<KResult<number>> {
  const f = frame(k, 'vfio_pci_dma_buf_map', ['ENODEV', 'EINVAL'])
  return yield* kcall(
    f,
    {},
    (function* (): Call<KResult<number>> {
      const a = k.world.attachments[attId]!
      const b = k.world.dmabufs[a.dmabuf]!
      yield f.check(
        'priv->revoked',
        !b.revoked,
        b.revoked ? 'memory decode is off: the buffer is revoked: -ENODEV' : 'not revoked',
      )
      if (b.revoked)
        return fail(
          kerr(
            'ENODEV',
            f.fn,
            'the dma-buf is revoked',
            'later',
            're-enable memory decode (PCI_COMMAND) through VFIO',
          ),
        )
      return yield* physVecToSgt(k, attId, sgt, dev)
    })(),
  )
}

/**
 * dma_buf_phys_vec_to_sgt(attach, provider, phys_vec, 1, size, dir): the SGL of DMA addresses for a
 * BAR range by map type (pci_p2pdma_map_type()); BUS_ADDR -> the bus address, THRU_HOST_BRIDGE ->
 * one IOVA range (or the physical address without an IOMMU), else -EINVAL.
 */
function* physVecToSgt(k: Kernel, attId: string, sgt: string, dev: PciDev): Call<KResult<number>> {
  const a = k.world.attachments[attId]!
  const b = k.world.dmabufs[a.dmabuf]!
  const c = frame(k, 'dma_buf_phys_vec_to_sgt', ['EINVAL'])
  yield c.enter({ nr_ranges: String(b.phys.length), size: sizeStr(b.size) })
  const prov = pciDev(k.machine, b.dev)
  const mt = frame(k, 'pci_p2pdma_map_type', [])
  yield mt.enter({ provider: prov.bdf, client: dev.bdf })
  const r = calcMapTypeAndDist(k.machine, prov.id, dev.id, true, k.era)
  for (const d of r.decisions) yield mt.check(d.fn, d.ok !== false, d.text)
  yield mt.ret(r.mapType)
  const bb0 = prov.bars.find((x) => x.index === b.bar)
  const bus = bb0 ? BigInt(bb0.busStart) - BigInt(bb0.start) : 0n
  let d: SgEntry['dma_address']
  if (r.mapType === 'BUS_ADDR') {
    d = dmaAddr(b.phys[0]!.start + bus)
    yield c.check('PCI_P2PDMA_MAP_BUS_ADDR', true, `pci_p2pdma_bus_addr_map(): ${hex(d)}; no IOVA`)
  } else if (r.mapType === 'THRU_HOST_BRIDGE') {
    d = k.iommu ? dmaAddr(0xfff0_0000n - b.size) : dmaAddr(b.phys[0]!.start)
    yield c.check(
      'PCI_P2PDMA_MAP_THRU_HOST_BRIDGE',
      true,
      k.iommu
        ? `dma_iova_try_alloc() + dma_iova_link(..., DMA_ATTR_MMIO): one IOVA range at ${hex(d)}`
        : `no IOVA: dma_map_phys(..., DMA_ATTR_MMIO) = ${hex(d)}`,
    )
  } else {
    yield c.check('switch (pci_p2pdma_map_type())', false, `${r.mapType}: -EINVAL`)
    const e = kerr('EINVAL', c.fn, `${dev.bdf} cannot reach ${prov.bdf} peer to peer (${r.mapType})`)
    yield c.fail(e)
    return fail(e)
  }
  // One DMA-only entry either way; only a BUS_ADDR mapping is a PCI bus address.
  const entry: SgEntry = {
    page: null,
    offset: 0,
    length: 0,
    dma_address: d,
    dma_length: Number(b.size),
    bus_address: r.mapType === 'BUS_ADDR',
  }
  const tx = new Tx(k.world)
    .set('sgts', sgt, mappedSgTable(sgt, [entry], dev.id, 0))
    .set('attachments', attId, { ...a, sgt })
  yield c.mutate(
    tx.deltas,
    'sg_set_page(sgl, NULL, 0, 0); orig_nents = 0: there is no CPU list, only DMA addresses',
  )
  yield c.ret('sgt')
  return ok(1)
}

/** Unmap an attachment's SGL (dma_buf_unmap_attachment). */
export function* unmapAttachment(k: Kernel, attId: string, dev: PciDev): Call<KResult<void>> {
  const f = frame(k, 'dma_buf_unmap_attachment', [])
  return yield* kcall(
    f,
    { attach: attId },
    (function* (): Call<KResult<void>> {
      const a = k.world.attachments[attId]!
      if (!a.sgt) return ok(undefined)
      const t = k.world.sgts[a.sgt]
      if (t?.iovas.length) yield* dmaUnmapSgtable(k, dev, a.sgt)
      const tx = new Tx(k.world)
        .set('sgts', a.sgt, null)
        .set('attachments', attId, { ...k.world.attachments[attId]!, sgt: null })
      yield f.mutate(tx.deltas, 'the exporter unmaps and frees the sg_table')
      return ok(undefined)
    })(),
  )
}

/**
 * vfioMemEnable - user space turns memory decode off or on in PCI_COMMAND through VFIO.
 * Mirrors drivers/vfio/pci/vfio_pci_dmabuf.c: vfio_pci_dma_buf_move(vdev, revoked) -> dma_buf_move_notify()
 * for every exported buffer ("revoke, not move").
 *
 * Errnos: none.
 */
export function* vfioMemEnable(k: Kernel, dev: PciDev, on: boolean): Call<KResult<void>> {
  const f = frame(k, 'vfio_pci_dma_buf_move', [])
  return yield* kcall(
    f,
    { revoked: String(!on) },
    (function* (): Call<KResult<void>> {
      for (const b of Object.values(k.world.dmabufs)) {
        if (b.dev !== dev.id || b.exporter !== 'vfio') continue
        const tx = new Tx(k.world).set('dmabufs', b.id, { ...b, revoked: !on })
        yield f.mutate(tx.deltas, `priv->revoked = ${!on}`)
        for (const a of Object.values(k.world.attachments))
          if (a.dmabuf === b.id) yield* moveNotify(k, a.id, on ? 'memory decode back on' : 'revoked')
      }
      return ok(undefined)
    })(),
  )
}

/**
 * umemDmabufUnmapPages - undo the in-place trim before the SGL goes back to the exporter.
 * Mirrors drivers/infiniband/core/umem_dmabuf.c: ib_umem_dmabuf_unmap_pages(): first_sg->dma_address
 * -= first_sg_offset, sg_dma_len += first_sg_offset; last_sg sg_dma_len += last_sg_trim; then
 * dma_buf_unmap_attachment().
 *
 * Errnos: none.
 */
function* umemDmabufUnmapPages(k: Kernel, id: string): Call<void> {
  const f = frame(k, 'ib_umem_dmabuf_unmap_pages', [])
  yield f.enter({ umem: id })
  const u = k.world.umemDmabufs[id]!
  const a = k.world.attachments[u.attach]!
  const t = a.sgt ? k.world.sgts[a.sgt] : undefined
  const e = t?.sgl[0]
  if (t && e && e.dma_address !== null && (u.firstSgOffset !== 0n || u.lastSgTrim !== 0n)) {
    const first = u.firstSgOffset
    const n = t.sgl.length
    const sgl = t.sgl.map((x, i) => {
      let y = x
      if (i === 0)
        y = { ...y, dma_address: dmaAddr(x.dma_address! - first), dma_length: x.dma_length + Number(first) }
      if (i === n - 1) y = { ...y, dma_length: y.dma_length + Number(u.lastSgTrim) }
      return y
    })
    const tx = new Tx(k.world)
      .set('sgts', t.id, { ...t, sgl })
      .set('umemDmabufs', id, { ...u, firstSgOffset: 0n, lastSgTrim: 0n })
    yield f.mutate(
      tx.deltas,
      `restore the trimmed entries: dma_address -= ${hex(first)}, sg_dma_len += ${hex(first)} (first), += ${hex(u.lastSgTrim)} (last): the exporter gets back the SGL it made`,
    )
  }
  yield f.ret('void')
}
