/**
 * O_DIRECT reads from a block device into a user buffer, down to the driver's DMA mapping
 * (block/fops.c, block/bio.c, drivers/nvme/host/pci.c, block/blk-mq-dma.c).
 *
 * The block layer is the caller that passes FOLL_PCI_P2PDMA (6.2+): only when the request queue
 * supports P2PDMA (blk_queue_pci_p2pdma(), set by nvme-pci when dma_pci_p2pdma_supported()).
 */
import type { FollFlag } from '../../../shared/model/mm'
import { hex, PAGE_SIZE, sizeStr, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KernelError, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaves, pick } from '../era/index'
import { frame, kcall, type Call } from '../core/step'
import { Tx } from '../core/world'
import { dmaMapForDriver, dmaUnmapSgtable } from '../dma/mapping'
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
 * P2PDMA pages on a queue without P2PDMA); a refused P2P DMA mapping fails the request:
 * BLK_STS_TARGET (-EREMOTEIO) in nvme_map_data() up to 7.1, BLK_STS_INVAL (-EINVAL) from
 * blk_dma_map_iter_start() in 7.2+ (docs/kernel/oracle.md).
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
    const r = yield* blkdevDirectIO(k, mm, disk, buf, len)
    return r
  }
}

/**
 * blkdevDirectIO - O_DIRECT I/O on a block device: pin, submit, wait, release.
 * Mirrors block/fops.c: __blkdev_direct_IO() (ret = bio_iov_iter_get_pages(); on completion
 * blk_status_to_errno(dio->bio.bi_status)).
 *
 * Errnos: -EINVAL, -EFAULT, -EOPNOTSUPP, -EREMOTEIO, -ENOMEM, -EIO.
 */
function* blkdevDirectIO(
  k: Kernel,
  mm: string,
  disk: PciDev,
  buf: Vaddr,
  len: bigint,
): Call<KResult<bigint>> {
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
    const pinned = yield* bioIovIterGetPages(k, mm, disk, buf, len / PAGE_SIZE)
    if (!pinned.ok) return pinned
    const sgt = `rq:${diskName(disk)}`
    const rq = yield* queueRq(k, disk, sgt, pinned.value.runs, len)
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
 * bioIovIterGetPages - pin the user buffer for a bio.
 * Mirrors block/bio.c: __bio_iov_iter_get_pages(): extraction flags get FOLL_PCI_P2PDMA
 * (ITER_ALLOW_P2PDMA from ~6.3/6.4) only when blk_queue_pci_p2pdma(q); iov_iter_get_pages2()
 * (FOLL_GET) before v6.4 in the lab, iov_iter_extract_pages() (FOLL_PIN) after.
 *
 * Errnos: the GUP errnos (-EINVAL, -EFAULT, -EOPNOTSUPP, -EREMOTEIO).
 * Simplification: the v6.2/v6.3 boundary of the iov_iter_extract_pages() conversion is unverified.
 */
function* bioIovIterGetPages(
  k: Kernel,
  mm: string,
  disk: PciDev,
  buf: Vaddr,
  npages: bigint,
): Call<KResult<{ runs: PageRange[]; pin: boolean }>> {
  const f = frame(k, '__bio_iov_iter_get_pages', ['EINVAL', 'EFAULT', 'EOPNOTSUPP', 'EREMOTEIO'])
  return yield* kcall(
    f,
    { pages: npages.toString() },
    body(),
    (r) => `${r.runs.reduce((s, x) => s + x.count, 0n)} page(s)`,
  )
  function* body(): Call<KResult<{ runs: PageRange[]; pin: boolean }>> {
    const flags: FollFlag[] = ['FOLL_WRITE']
    if (behaves(k.era, 'block.dio-foll-pci-p2pdma')) {
      const p2p = !!disk.endpoint?.queueP2p
      yield f.check(
        'blk_queue_pci_p2pdma(q)',
        p2p,
        p2p
          ? `${diskName(disk)}'s queue supports P2PDMA: extraction passes ${behaves(k.era, 'block.dio-extract-pages') ? 'ITER_ALLOW_P2PDMA -> ' : ''}FOLL_PCI_P2PDMA`
          : `${diskName(disk)}'s queue does not support P2PDMA: no FOLL_PCI_P2PDMA`,
      )
      if (p2p) flags.push('FOLL_PCI_P2PDMA')
    }
    const pin = behaves(k.era, 'block.dio-extract-pages')
    const via = frame(
      k,
      pin ? 'iov_iter_extract_pages' : pick(k.era, 'iov_iter_get_pages2', 'iov_iter_get_pages'),
      ['EINVAL', 'EFAULT', 'EOPNOTSUPP', 'EREMOTEIO'],
    )
    yield via.enter({ maxpages: npages.toString() })
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

/** The driver side: build the request's SGL and DMA-map it for the disk's controller. */
/**
 * queueRq - the driver maps the request for DMA: nvme_map_data() (drivers/nvme/host/pci.c:
 * blk_rq_map_sg + dma_map_sgtable, -EREMOTEIO -> BLK_STS_TARGET, else BLK_STS_RESOURCE; 7.2+ first
 * blk_dma_map_iter_start()) or ata_sg_setup() (drivers/ata/libata-core.c: dma_map_sg).
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
    if (nvme && behaves(k.era, 'block.nvme-dma-iter')) {
      const it = yield* blkDmaMapIterStart(k, disk, sgt)
      if (!it.ok) return it
    }
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

/**
 * blk_dma_map_iter_start - the 7.2 block-layer DMA iterator's P2PDMA switch.
 * Mirrors block/blk-mq-dma.c: blk_dma_map_iter_start(): pci_p2pdma_state(); NOT_SUPPORTED ->
 * iter->status = BLK_STS_INVAL (read in 7.2.13 source, docs/kernel/oracle.md#how-the-oracle-asks-the-kernel).
 *
 * Errnos: -EINVAL.
 * Simplification: after the switch the lab maps through dma_map_sgtable() (the real iterator maps
 * segment by segment, or one IOVA range with dma_iova_try_alloc()).
 */
function* blkDmaMapIterStart(k: Kernel, disk: PciDev, sgt: string): Call<KResult<void>> {
  const f = frame(k, 'blk_dma_map_iter_start', ['EINVAL'])
  return yield* kcall(f, { dev: disk.bdf }, body())
  function* body(): Call<KResult<void>> {
    const t = k.world.sgts[sgt]!
    const e = t.sgl[0]
    const page = e?.page != null ? pageAt(k.world, e.page) : null
    if (!isP2pdmaPage(k, page)) {
      yield f.check('pci_p2pdma_state()', true, 'PCI_P2PDMA_MAP_NONE: ordinary memory')
      return ok(undefined)
    }
    const pg = k.world.pgmaps[page!.pgmap!]!
    const map = yield* p2pdmaMapType(k, pg.dev, disk.id)
    const okMap = map === 'BUS_ADDR' || map === 'THRU_HOST_BRIDGE'
    yield f.check(
      'switch (pci_p2pdma_state())',
      okMap,
      okMap ? map : `${map}: default: iter->status = BLK_STS_INVAL`,
    )
    if (!okMap)
      return fail(
        kerr(
          'EINVAL',
          f.fn,
          `BLK_STS_INVAL: the P2PDMA path to ${disk.bdf} is ${map}`,
          'never',
          'put both devices under one PCIe switch, or use a host bridge on the P2PDMA whitelist / an AMD Zen CPU',
        ),
      )
    return ok(undefined)
  }
}
