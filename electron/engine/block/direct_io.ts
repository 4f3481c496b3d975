/**
 * O_DIRECT reads from a block device into a user buffer, down to the driver's DMA mapping
 * (block/fops.c, block/bio.c, drivers/nvme/host/pci.c, block/blk-mq-dma.c).
 *
 * The block layer is the caller that passes FOLL_PCI_P2PDMA (6.2+): only when the request queue
 * supports P2PDMA (blk_queue_pci_p2pdma(), set by nvme-pci when dma_pci_p2pdma_supported()).
 */
import type { FollFlag } from '../../../shared/model/mm'
import { dmaAddr, hex, PAGE_SIZE, paddr, sizeStr, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KernelError, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaves, has, pick } from '../era/index'
import { frame, kcall, type Call } from '../core/step'
import { Tx } from '../core/world'
import { dmaMapForDriver, dmaUnmapSgtable, iovaRange } from '../dma/mapping'
import type { MapType } from '../../../shared/model/p2p'
import { p2pdmaMapType } from '../dma/p2p'
import { sgAllocTableFromPages } from '../dma/scatterlist'
import { isP2pdmaPage, pinUserPagesFast, unpinUserPages, type PageRange } from '../gup/gup'
import { pageAt } from '../mm/mm'
import type { PciDev } from '../topology/types'

/** blk_status_t values the lab produces, with blk_status_to_errno() (block/blk-core.c blk_errors[]). */
const BLK_STS: Record<string, { errno: 'EREMOTEIO' | 'EINVAL' | 'ENOMEM' | 'EIO'; name: string }> = {
  BLK_STS_TARGET: { errno: 'EREMOTEIO', name: 'critical target' },
  BLK_STS_INVAL: { errno: 'EINVAL', name: 'invalid' },
  BLK_STS_RESOURCE: { errno: 'ENOMEM', name: 'resource' },
  BLK_STS_IOERR: { errno: 'EIO', name: 'I/O' },
}

/** The disk name the lab shows for a block device: its first osDevices entry. */
export function diskName(d: PciDev): string {
  return d.endpoint?.osDevices?.[0] ?? d.id
}

/**
 * preadDirect - pread(fd opened with O_DIRECT on a block device, buf, len, pos).
 * Mirrors fs/read_write.c: ksys_pread64() -> block/fops.c: blkdev_read_iter() -> __blkdev_direct_IO()
 * -> block/bio.c: bio_iov_iter_get_pages() -> the driver's DMA mapping -> completion.
 *
 * Returns the byte count. A failed pin returns its errno (-EFAULT for a PFN-map BAR, -EREMOTEIO for
 * P2PDMA pages on a queue without P2PDMA); a refused P2P DMA mapping fails the request, with an
 * errno that depends on how nvme-pci maps it:
 * - 6.0–6.16: nvme_map_data() -> blk_rq_map_sg() + dma_map_sgtable(), whose -EREMOTEIO becomes
 *   BLK_STS_TARGET, which blk_status_to_errno() turns back into -EREMOTEIO ("critical target",
 *   K61 drivers/nvme/host/pci.c:852-853 and block/blk-core.c:159; K612 :822-823 and :144).
 * - 6.17+: nvme_map_data() -> blk_rq_dma_map_iter_start(): no scatterlist, no dma_map_sgtable();
 *   pci_p2pdma_state() NOT_SUPPORTED sets iter->status = BLK_STS_INVAL, -EINVAL. Christoph
 *   Hellwig's 858299dc6160 "block: add scatterlist-less DMA mapping helpers" and 7ce3c1dd78fc
 *   "nvme-pci: convert the data mapping to blk_rq_dma_map" are both in "[GIT PULL] Block updates
 *   for 6.17-rc1" (index id 34329083783, [S12] mails); BLK_STS_INVAL from the first version (index id
 *   34317641785); K72 block/blk-mq-dma.c:164-233 and drivers/nvme/host/pci.c:1246-1283. (The
 *   lab has no era between 6.16 and 7.2, so v6.16 shows -EREMOTEIO and v7.2 -EINVAL.)
 *
 * Errnos: -EINVAL, -EFAULT, -EREMOTEIO.
 * Simplification: one bio for the whole buffer (the kernel splits at BIO_MAX_VECS), no partial
 * reads: a partial pin is released and its follow-up error returned; the device "writes" at once.
 */
export function* preadDirect(
  k: Kernel,
  mm: string,
  disk: PciDev,
  buf: Vaddr,
  len: bigint,
  pos: bigint,
): Call<KResult<bigint>> {
  const f = frame(k, 'ksys_pread64', ['EINVAL', 'EFAULT', 'EOPNOTSUPP', 'EREMOTEIO', 'ENOMEM', 'EIO'])
  return yield* kcall(
    f,
    { fd: `/dev/${diskName(disk)} (O_DIRECT)`, buf: hex(buf), count: len.toString(), pos: pos.toString() },
    body(),
    (n) => n.toString(),
  )
  function* body(): Call<KResult<bigint>> {
    const r = yield* blkdevDirectIO(k, { mm, disk, buf, len })
    return r
  }
}

/**
 * One O_DIRECT read as block/fops.c hands it down: the block device, and the iov_iter over the
 * user buffer (the process's mm, the buffer's address, the byte count).
 */
interface DirectRead {
  mm: string
  disk: PciDev
  buf: Vaddr
  len: bigint
}

/**
 * blkdevDirectIO - O_DIRECT I/O on a block device: pin, submit, wait, release.
 * Mirrors block/fops.c: __blkdev_direct_IO() (ret = bio_iov_iter_get_pages(); on completion
 * blk_status_to_errno(dio->bio.bi_status)).
 *
 * Errnos: -EINVAL, -EFAULT, -EOPNOTSUPP, -EREMOTEIO, -ENOMEM, -EIO.
 */
function* blkdevDirectIO(k: Kernel, rd: DirectRead): Call<KResult<bigint>> {
  const { disk, buf, len } = rd
  const f = frame(k, '__blkdev_direct_IO', ['EINVAL', 'EFAULT', 'EOPNOTSUPP', 'EREMOTEIO', 'ENOMEM', 'EIO'])
  return yield* kcall(f, { bdev: diskName(disk), count: sizeStr(len) }, body(), (n) => n.toString())
  function* body(): Call<KResult<bigint>> {
    const aligned = buf % 512n === 0n && len % 512n === 0n && len > 0n
    yield f.check(
      'blkdev_dio_invalid(): buffer and length aligned to the logical block size (512)?',
      aligned,
      aligned ? 'aligned' : 'O_DIRECT needs block-aligned buffers',
    )
    if (!aligned) return fail(kerr('EINVAL', f.fn, 'unaligned O_DIRECT request'))
    const pinned = yield* bioIovIterGetPages(k, rd)
    if (!pinned.ok) return pinned
    const sgt = `rq:${diskName(disk)}`
    const rq =
      disk.endpoint?.type === 'nvme' && behaves(k.era, 'block.nvme-dma-iter')
        ? yield* nvmeMapDataIter(k, disk, pinned.value.runs, len)
        : yield* queueRq(k, disk, sgt, pinned.value.runs, len)
    // Completion: unmap (done by the driver), release the pages, free the table.
    const c = frame(k, 'bio_endio', [])
    yield c.enter({ status: rq.ok ? 'BLK_STS_OK' : rq.error.fn })
    yield* unpinUserPages(k, pinned.value.runs, pinned.value.pin)
    const tx = new Tx(k.world).set('sgts', sgt, null)
    if (!tx.empty) yield c.mutate(tx.deltas, "the request's scatterlist is freed")
    yield c.ret('void')
    if (!rq.ok) return rq
    return ok(len)
  }
}

/**
 * bioIovIterGetPages - take the user buffer's pages for a bio.
 * Mirrors block/bio.c: __bio_iov_iter_get_pages() of the era (S12 for the commits, pulls named):
 * - ≤5.19: iov_iter_get_pages(iter, pages, maxsize, maxpages, &offset) -> get_user_pages_fast()
 *   (FOLL_GET references; a write bool before 5.2).
 * - 6.0–6.1: iov_iter_get_pages2(), the same call renamed (eba2d3d79829; 6.1.192 block/bio.c:1217).
 * - 6.2: iov_iter_get_pages(…, &offset, gup_flags) with gup_flags |= FOLL_PCI_P2PDMA when
 *   blk_queue_pci_p2pdma(q) (5e3e3f2e15df + d82076403cef, for-6.2/block) -> get_user_pages_fast():
 *   still FOLL_GET.
 * - 6.3–6.4: the same call with extraction_flags |= ITER_ALLOW_P2PDMA (f62e52d1276b), which
 *   __iov_iter_get_pages_alloc() turns into FOLL_PCI_P2PDMA; still FOLL_GET.
 * - 6.5+: iov_iter_extract_pages(…, ITER_ALLOW_P2PDMA) -> pin_user_pages_fast(): FOLL_PIN
 *   (a7e689dd1c06, 403b6fb8dac1: "Block updates for 6.5"; 6.12.118 block/bio.c:1327-1365,
 *   lib/iov_iter.c:1796-1821).
 *
 * Errnos: the GUP errnos (-EINVAL, -EFAULT, -EOPNOTSUPP, -EREMOTEIO).
 */
function* bioIovIterGetPages(k: Kernel, rd: DirectRead): Call<KResult<{ runs: PageRange[]; pin: boolean }>> {
  const { mm, disk, buf } = rd
  const npages = rd.len / PAGE_SIZE
  const f = frame(k, '__bio_iov_iter_get_pages', ['EINVAL', 'EFAULT', 'EOPNOTSUPP', 'EREMOTEIO', 'EEXIST'])
  return yield* kcall(
    f,
    { pages: npages.toString() },
    body(),
    (r) => `${r.runs.reduce((s, x) => s + x.count, 0n)} page(s)`,
  )
  function* body(): Call<KResult<{ runs: PageRange[]; pin: boolean }>> {
    // a read: the device writes the user buffer, so the pages are taken for writing
    const flags: FollFlag[] = ['FOLL_WRITE']
    const iterFlag = has(k.era, 'ITER_ALLOW_P2PDMA')
    let p2p = false
    if (behaves(k.era, 'block.dio-foll-pci-p2pdma')) {
      p2p = !!disk.endpoint?.queueP2p
      const set = iterFlag ? 'extraction_flags |= ITER_ALLOW_P2PDMA' : 'gup_flags |= FOLL_PCI_P2PDMA'
      yield f.check(
        'blk_queue_pci_p2pdma(q)',
        p2p,
        p2p
          ? `${diskName(disk)}'s queue supports P2PDMA: ${set}${iterFlag ? ' (FOLL_PCI_P2PDMA for GUP)' : ''}`
          : `${diskName(disk)}'s queue does not support P2PDMA: no FOLL_PCI_P2PDMA`,
      )
      if (p2p) flags.push('FOLL_PCI_P2PDMA')
    }
    const pin = behaves(k.era, 'block.dio-extract-pages')
    const via = frame(
      k,
      pin ? 'iov_iter_extract_pages' : pick(k.era, 'iov_iter_get_pages', 'iov_iter_get_pages2'),
      ['EINVAL', 'EFAULT', 'EOPNOTSUPP', 'EREMOTEIO', 'EEXIST'],
    )
    const viaArgs: Record<string, string> = {
      maxsize: (npages * PAGE_SIZE).toString(),
      maxpages: npages.toString(),
    }
    if (iterFlag) viaArgs.extraction_flags = p2p ? 'ITER_ALLOW_P2PDMA' : '0'
    else if (behaves(k.era, 'block.dio-foll-pci-p2pdma')) viaArgs.gup_flags = p2p ? 'FOLL_PCI_P2PDMA' : '0'
    yield via.enter(viaArgs)
    const r = yield* pinUserPagesFast(k, mm, buf, npages, flags, pin)
    if (!r.ok) {
      yield via.fail(r.error)
      return fail(r.error)
    }
    if (r.value.n < npages) {
      yield via.check(
        'all pages extracted?',
        false,
        `only ${r.value.n} of ${npages}: the lab releases them and retries the rest once`,
      )
      const rest = yield* pinUserPagesFast(
        k,
        mm,
        (buf + r.value.n * PAGE_SIZE) as Vaddr,
        npages - r.value.n,
        flags,
        pin,
      )
      if (!rest.ok) {
        yield* unpinUserPages(k, r.value.runs, pin)
        yield via.fail(rest.error)
        return fail(rest.error)
      }
      r.value.runs.push(...rest.value.runs)
    }
    yield via.ret(npages.toString())
    yield f.check(
      'bio_add_page(): merge bvecs (6.2+: same pgmap only)',
      true,
      `${r.value.runs.length} physically contiguous run(s)`,
    )
    return ok({ runs: r.value.runs, pin })
  }
}

/**
 * queueRq - the driver maps the request for DMA through a scatterlist: nvme_map_data() up to 6.16
 * (drivers/nvme/host/pci.c: blk_rq_map_sg + dma_map_sgtable, -EREMOTEIO -> BLK_STS_TARGET, else
 * BLK_STS_RESOURCE) or ata_sg_setup() (drivers/ata/libata-core.c: dma_map_sg).
 *
 * Errnos: -EREMOTEIO (BLK_STS_TARGET), -ENOMEM (BLK_STS_RESOURCE), -EINVAL (BLK_STS_INVAL), -EIO.
 * Simplification: AHCI is modelled with the same sg-table mapping as NVMe.
 */
function* queueRq(k: Kernel, disk: PciDev, sgt: string, runs: PageRange[], len: bigint): Call<KResult<void>> {
  const nvme = disk.endpoint?.type === 'nvme'
  const f = nvme
    ? frame(k, 'nvme_map_data', ['EREMOTEIO', 'ENOMEM', 'EINVAL', 'EIO'])
    : frame(k, 'ata_sg_setup', ['EREMOTEIO', 'ENOMEM', 'EINVAL', 'EIO'])
  return yield* kcall(f, { dev: disk.bdf }, body())
  function* body(): Call<KResult<void>> {
    const s = yield* sgAllocTableFromPages(k, sgt, runs, 0, len, 0xffff_ffffn, 'blk_rq_map_sg')
    if (!s.ok) return s
    const m = yield* dmaMapForDriver(k, disk, sgt, 'DMA_FROM_DEVICE')
    if (!m.ok) {
      const sts = m.error.errno === 'EREMOTEIO' ? 'BLK_STS_TARGET' : 'BLK_STS_RESOURCE'
      yield f.check(
        'rc == -EREMOTEIO ? BLK_STS_TARGET : BLK_STS_RESOURCE',
        false,
        `${sts}: blk_status_to_errno() = -${BLK_STS[sts]!.errno}`,
      )
      return fail(stsError(sts, f.fn, m.error))
    }
    const t = k.world.sgts[sgt]!
    yield f.check(
      'device DMA',
      true,
      `${disk.bdf} writes ${sizeStr(len)} to ${t.sgl.map((e) => `${hex(e.dma_address ?? 0n)}${e.bus_address ? ' (bus address)' : ''}`).join(', ')}`,
    )
    const u = yield* dmaUnmapSgtable(k, disk, sgt)
    if (!u.ok) return u
    return ok(undefined)
  }
}

function stsError(sts: string, fn: string, cause: KernelError): KernelError {
  const s = BLK_STS[sts]!
  return kerr(
    s.errno,
    fn,
    `${sts} ("${s.name}") from ${cause.fn}: ${cause.why}`,
    'never',
    cause.remedy,
    cause.culprits,
  )
}

/** What nvme-pci hands the controller for one piece of the request (a PRP/SGL data entry). */
interface DmaPiece {
  addr: bigint
  len: bigint
}

/** The state a mapped request keeps for unmapping (iod->dma_state / IOD_* flags). */
interface IterMapping {
  map: MapType | 'NONE'
  pieces: DmaPiece[]
  /** IOVA mapping keys to destroy at unmap (dma_iova_destroy / dma_unmap_phys of an IOVA). */
  iovas: string[]
}

/**
 * nvmeMapDataIter - nvme-pci's data mapping from 6.17: no scatterlist.
 * Mirrors drivers/nvme/host/pci.c: nvme_map_data() (K72 :1246): a single-segment request tries
 * nvme_pci_setup_data_simple() (K72 :1207: dma_map_bvec(), but BLK_STS_AGAIN for a P2PDMA page or
 * a segment longer than two controller pages), else blk_rq_dma_map_iter_start(); a false return
 * gives iter.status; then the PRP/SGL setup walks blk_rq_dma_map_iter_next(); completion unmaps
 * (nvme_unmap_data() -> blk_rq_dma_unmap()).
 *
 * Errnos: -EINVAL (BLK_STS_INVAL: the P2P path is NOT_SUPPORTED), -ENOMEM (BLK_STS_RESOURCE).
 * Simplification: the bio's page runs are the request's physical segments (no max segment size or
 * boundary splitting); the PRP list itself is not built, the controller's DMA is one check step.
 */
function* nvmeMapDataIter(k: Kernel, disk: PciDev, runs: PageRange[], len: bigint): Call<KResult<void>> {
  const f = frame(k, 'nvme_map_data', ['EINVAL', 'ENOMEM'])
  return yield* kcall(f, { dev: disk.bdf, segments: String(runs.length) }, body())
  function* body(): Call<KResult<void>> {
    const first = runs[0]!
    const p2p = isP2pdmaPage(k, pageAt(k.world, first.pfn))
    let mapped: IterMapping | null = null
    if (runs.length === 1) {
      const prp = len <= 2n * PAGE_SIZE
      yield f.check(
        'blk_rq_nr_phys_segments(req) == 1: nvme_pci_setup_data_simple()',
        !p2p && prp,
        p2p
          ? 'is_pci_p2pdma_page(bv.bv_page): BLK_STS_AGAIN, use the DMA iterator'
          : prp
            ? 'one segment that fits two PRP entries: dma_map_bvec()'
            : `one ${sizeStr(len)} segment does not fit two PRP entries: BLK_STS_AGAIN, use the DMA iterator`,
      )
      if (!p2p && prp) mapped = yield* mapPieces(k, disk, runs, 'NONE', 'dma_map_bvec')
    } else
      yield f.check('blk_rq_nr_phys_segments(req) == 1?', false, `${runs.length} segments: the DMA iterator`)
    if (!mapped) {
      const it = yield* blkRqDmaMapIterStart(k, disk, runs)
      if (!it.ok) return it
      mapped = it.value
      yield f.check(
        'switch (iter.p2pdma.map)',
        true,
        mapped.map === 'BUS_ADDR'
          ? 'PCI_P2PDMA_MAP_BUS_ADDR: iod->flags |= IOD_DATA_P2P (nothing to unmap)'
          : mapped.map === 'THRU_HOST_BRIDGE'
            ? 'PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: iod->flags |= IOD_DATA_MMIO'
            : 'PCI_P2PDMA_MAP_NONE: ordinary memory',
      )
    }
    yield f.check(
      'nvme_pci_setup_data_prp(): the controller DMAs',
      true,
      `${disk.bdf} writes ${sizeStr(len)} to ${mapped.pieces.map((p) => `${hex(p.addr)} +${sizeStr(p.len)}`).join(', ')}${mapped.map === 'BUS_ADDR' ? ' (PCI bus addresses: peer to peer)' : ''}`,
    )
    const u = frame(k, 'blk_rq_dma_unmap', [])
    yield u.enter({ dev: disk.bdf })
    const tx = new Tx(k.world)
    for (const key of mapped.iovas) tx.set('iovas', key, null)
    if (!tx.empty)
      yield u.mutate(
        tx.deltas,
        `completion: dma_iova_destroy(): ${mapped.iovas.length} IOVA mapping(s) removed`,
      )
    else
      yield u.check(
        'nothing left to unmap?',
        true,
        mapped.map === 'BUS_ADDR'
          ? 'IOD_DATA_P2P: bus addresses need no unmapping'
          : 'dma-direct: dma_unmap_phys() keeps no state',
      )
    yield u.ret('void')
    return ok(undefined)
  }
}

/**
 * blk_rq_dma_map_iter_start - map a request's segments for DMA without a scatterlist.
 * Mirrors block/blk-mq-dma.c (K72): blk_rq_dma_map_iter_start() :226 -> blk_dma_map_iter_start()
 * :164: pci_p2pdma_state() of the first segment's page; BUS_ADDR -> blk_dma_map_bus() (the bus
 * address, for this and every following segment); THRU_HOST_BRIDGE / NONE -> one IOVA range with
 * dma_iova_try_alloc() + dma_iova_link() per segment (blk_rq_dma_map_iova(), IOMMU), else
 * dma_map_phys() per segment (blk_dma_map_direct(), dma-direct); anything else ->
 * iter->status = BLK_STS_INVAL.
 *
 * Errnos: -EINVAL (BLK_STS_INVAL).
 * Simplification: blk_dma_map_iter_start() is shown as its own frame as in K72 (it was split out of
 * blk_rq_dma_map_iter_start() after 6.17, release unverified); every segment follows the first
 * one's map type, as blk_rq_dma_map_iter_next() does.
 */
function* blkRqDmaMapIterStart(k: Kernel, disk: PciDev, runs: PageRange[]): Call<KResult<IterMapping>> {
  const f = frame(k, 'blk_rq_dma_map_iter_start', ['EINVAL'])
  return yield* kcall(f, { dev: disk.bdf }, body(), (m) => `true (${m.pieces.length} DMA segment(s))`)
  function* body(): Call<KResult<IterMapping>> {
    const g = frame(k, 'blk_dma_map_iter_start', ['EINVAL'])
    return yield* kcall(
      g,
      { dev: disk.bdf, segments: String(runs.length) },
      inner(),
      (m) => `true (${m.map})`,
    )
    function* inner(): Call<KResult<IterMapping>> {
      const page = pageAt(k.world, runs[0]!.pfn)
      let map: MapType | 'NONE' = 'NONE'
      if (isP2pdmaPage(k, page)) {
        const pg = k.world.pgmaps[page!.pgmap!]!
        map = yield* p2pdmaMapType(k, pg.dev, disk.id)
      }
      const okMap = map === 'BUS_ADDR' || map === 'THRU_HOST_BRIDGE' || map === 'NONE'
      yield g.check(
        'switch (pci_p2pdma_state(&iter->p2pdma, dma_dev, phys_to_page(vec.paddr)))',
        okMap,
        okMap ? `PCI_P2PDMA_MAP_${map}` : `${map}: default: iter->status = BLK_STS_INVAL; return false`,
      )
      if (!okMap)
        return fail(
          kerr(
            'EINVAL',
            g.fn,
            `BLK_STS_INVAL ("invalid"): the P2PDMA path to ${disk.bdf} is ${map}`,
            'never',
            'put both devices under one PCIe switch, or use a host bridge on the P2PDMA whitelist / an AMD Zen CPU',
          ),
        )
      if (map === 'BUS_ADDR') return ok(yield* mapPieces(k, disk, runs, map, 'blk_dma_map_bus'))
      return ok(yield* mapPieces(k, disk, runs, map, k.iommu ? 'blk_rq_dma_map_iova' : 'blk_dma_map_direct'))
    }
  }
}

/**
 * The DMA addresses of a request's segments, one way:
 * - blk_dma_map_bus: pci_p2pdma_bus_addr_map() = CPU physical + the provider's bus offset;
 * - blk_rq_dma_map_iova: dma_iova_try_alloc() for the whole request, dma_iova_link() per segment
 *   (DMA_ATTR_MMIO for THRU_HOST_BRIDGE), dma_iova_sync();
 * - blk_dma_map_direct / dma_map_bvec: dma_map_phys() (phys_to_dma(): the identity here), or an
 *   IOVA per segment behind an IOMMU (dma_map_bvec() on a single segment).
 */
function* mapPieces(
  k: Kernel,
  disk: PciDev,
  runs: PageRange[],
  map: MapType | 'NONE',
  how: 'blk_dma_map_bus' | 'blk_rq_dma_map_iova' | 'blk_dma_map_direct' | 'dma_map_bvec',
): Call<IterMapping> {
  const f = frame(k, how, [])
  yield f.enter({ dev: disk.bdf, segments: String(runs.length) })
  const phys = runs.map((r) => ({ phys: r.pfn * PAGE_SIZE, len: r.count * PAGE_SIZE }))
  const tx = new Tx(k.world)
  const iovas: string[] = []
  let pieces: DmaPiece[]
  let why: string
  if (how === 'blk_dma_map_bus') {
    const page = pageAt(k.world, runs[0]!.pfn)!
    const off = k.world.pgmaps[page.pgmap!]!.bus_offset
    pieces = phys.map((p) => ({ addr: p.phys + off, len: p.len }))
    why = `iter->addr = pci_p2pdma_bus_addr_map(mem, paddr) = CPU physical + bus offset ${hex(off)}, per segment`
  } else if (k.iommu) {
    const total = phys.reduce((s, p) => s + p.len, 0n)
    const { base } = iovaRange(k, disk, total)
    tx.set('domains', disk.id, { dev: disk.id, iovaTop: base })
    let at = base
    pieces = []
    for (const p of phys) {
      const key = `${disk.id}:${hex(at)}`
      tx.set('iovas', key, {
        dev: disk.id,
        iova: dmaAddr(at),
        paddr: paddr(p.phys),
        size: p.len,
        alloc: hex(base),
      })
      iovas.push(key)
      pieces.push({ addr: at, len: p.len })
      at += p.len
    }
    why =
      how === 'dma_map_bvec'
        ? `an IOVA for the segment in ${disk.bdf}'s domain: ${hex(base)}`
        : `dma_iova_try_alloc(): one IOVA range [${hex(base)}, ${hex(base + total)}) for the request; dma_iova_link() of ${phys.length} segment(s)${map === 'THRU_HOST_BRIDGE' ? ' with DMA_ATTR_MMIO' : ''}; dma_iova_sync()`
  } else {
    pieces = phys.map((p) => ({ addr: p.phys, len: p.len }))
    why = `${how === 'dma_map_bvec' ? 'dma_map_bvec()' : 'dma_iova_try_alloc() is false without an IOMMU: dma_map_phys() per segment'}: the CPU physical address (phys_to_dma())${map === 'THRU_HOST_BRIDGE' ? ', DMA_ATTR_MMIO' : ''}`
  }
  if (!tx.empty) yield f.mutate(tx.deltas, why)
  else yield f.check('mapping', true, why)
  yield f.ret(pieces.map((p) => hex(p.addr)).join(', '))
  return { map, pieces, iovas }
}
