/**
 * The RDMA dma-buf importer (drivers/infiniband/core/umem_dmabuf.c, ~5.12; S7).
 */
import { dmaAddr, hex, PAGE_SIZE, sizeStr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { frame, kcall, type Call } from '../core/step'
import { Tx } from '../core/world'
import { dmaBufDynamicAttach, dmaBufMapAttachment } from '../dmabuf/dmabuf'
import type { PciDev } from '../topology/types'

/**
 * ibUmemDmabufGet - create an MR umem over a dma-buf.
 * Mirrors drivers/infiniband/core/umem_dmabuf.c: ib_umem_dmabuf_get(device, offset, size, fd, access, ops):
 * -EINVAL if offset + size overflows, if !ops || !ops->move_notify, if the dma-buf is smaller than
 * offset + size, or if there are no pages; then dma_buf_dynamic_attach(dmabuf, device->dma_device, ops, umem_dmabuf).
 *
 * Errnos: -EINVAL, and dma_buf_dynamic_attach() errnos (-EOPNOTSUPP, -ENODEV).
 */
export function* ibUmemDmabufGet(
  k: Kernel,
  nic: PciDev,
  bufId: string,
  offset: bigint,
  size: bigint,
  ops: 'p2p' | 'no-move-notify' | 'none',
  as: string,
): Call<KResult<void>> {
  const f = frame(k, 'ib_umem_dmabuf_get', ['EINVAL', 'EOPNOTSUPP', 'ENODEV'])
  return yield* kcall(
    f,
    {
      offset: hex(offset),
      size: hex(size),
      ops:
        ops === 'none'
          ? 'NULL'
          : ops === 'p2p'
            ? '{ allow_peer2peer = 1, move_notify }'
            : '{ allow_peer2peer = 1, move_notify = NULL }',
    },
    (function* (): Call<KResult<void>> {
      const b = k.world.dmabufs[bufId]!
      yield f.check('check_add_overflow(offset, size, &end)', true, `end = ${hex(offset + size)}`)
      const hasOps = ops === 'p2p'
      yield f.check(
        '!ops || !ops->move_notify',
        hasOps,
        hasOps ? 'the importer can be invalidated' : 'the importer cannot be told to stop: -EINVAL',
      )
      if (!hasOps) return fail(kerr('EINVAL', f.fn, 'ops or ops->move_notify missing'))
      const fits = offset + size <= b.size
      yield f.check('dmabuf->size < end', fits, `${sizeStr(b.size)} dma-buf, end ${hex(offset + size)}`)
      if (!fits) return fail(kerr('EINVAL', f.fn, 'the range is past the end of the dma-buf'))
      const npages =
        (((offset + size + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n)) - (offset & ~(PAGE_SIZE - 1n))) / PAGE_SIZE
      yield f.check('ib_umem_num_pages(umem) != 0', npages > 0n, `${npages} page(s)`)
      if (npages === 0n) return fail(kerr('EINVAL', f.fn, 'no pages'))
      const att = `${as}:attach`
      const r = yield* dmaBufDynamicAttach(
        k,
        bufId,
        nic,
        { dynamic: true, allowPeer2peer: true, moveNotify: true },
        att,
      )
      if (!r.ok) return r
      const tx = new Tx(k.world)
        .set('umemDmabufs', as, {
          id: as,
          dev: nic.id,
          attach: att,
          offset,
          length: size,
          revoked: false,
          firstSgOffset: 0n,
          lastSgTrim: 0n,
        })
        .set('attachments', att, { ...k.world.attachments[att]!, importer: as })
      yield f.mutate(
        tx.deltas,
        `umem_dmabuf '${as}' over [${hex(offset)}, ${hex(offset + size)}) of '${bufId}'`,
      )
      return ok(undefined)
    })(),
  )
}

/**
 * ibUmemDmabufMapPages - map the dma-buf for the NIC and trim the SGL to the MR.
 * Mirrors drivers/infiniband/core/umem_dmabuf.c: ib_umem_dmabuf_map_pages(): -EINVAL if revoked;
 * dma_buf_map_attachment(DMA_BIDIRECTIONAL); trim the first and last entries in place to
 * [ALIGN_DOWN(offset), ALIGN(offset + size)); dma_resv_wait_timeout(DMA_RESV_USAGE_KERNEL): 0 -> -ETIMEDOUT.
 *
 * Errnos: -EINVAL (revoked), -ETIMEDOUT, and dma_buf_map_attachment() errnos (-ENODEV, -EINVAL, -EREMOTEIO).
 */
export function* ibUmemDmabufMapPages(k: Kernel, as: string): Call<KResult<void>> {
  const f = frame(k, 'ib_umem_dmabuf_map_pages', ['EINVAL', 'ETIMEDOUT', 'ENODEV', 'EREMOTEIO', 'ENOMEM'])
  return yield* kcall(
    f,
    { umem: as },
    (function* (): Call<KResult<void>> {
      const u = k.world.umemDmabufs[as]!
      yield f.check('umem_dmabuf->revoked', !u.revoked, u.revoked ? 'revoked: -EINVAL' : 'not revoked')
      if (u.revoked) return fail(kerr('EINVAL', f.fn, 'the umem was revoked'))
      const sgt = `${as}:sgt`
      const r = yield* dmaBufMapAttachment(k, u.attach, sgt)
      if (!r.ok) return r
      const t = k.world.sgts[sgt]!
      const start = u.offset & ~(PAGE_SIZE - 1n)
      const end = (u.offset + u.length + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n)
      const e = t.sgl[0]!
      const total = BigInt(e.dma_length)
      const ne = {
        ...e,
        dma_address: e.dma_address === null ? null : dmaAddr(e.dma_address + start),
        dma_length: Number(end - start),
      }
      const tx = new Tx(k.world)
        .set('sgts', sgt, { ...t, sgl: [ne, ...t.sgl.slice(1)] })
        .set('umemDmabufs', as, { ...u, firstSgOffset: start, lastSgTrim: total - end })
      yield f.mutate(
        tx.deltas,
        `trim in place: first_sg->dma_address += ${hex(start)}, sg_dma_len -= ${hex(start)}; last entry trimmed by ${hex(total - end)}: [${hex(start)}, ${hex(end)}) of the buffer, nents ${t.nents}`,
      )
      const b = k.world.dmabufs[k.world.attachments[u.attach]!.dmabuf]!
      yield f.check(
        'dma_resv_wait_timeout(dmabuf->resv, DMA_RESV_USAGE_KERNEL, false, MAX_SCHEDULE_TIMEOUT) > 0',
        !b.fencePending,
        b.fencePending
          ? "the exporter's kernel fence (a pending move) never signalled: 0 -> -ETIMEDOUT"
          : 'no pending kernel fences',
      )
      if (b.fencePending) return fail(kerr('ETIMEDOUT', f.fn, 'the exporter fence did not signal', 'later'))
      return ok(undefined)
    })(),
  )
}

/**
 * dmaResvAddFence - the exporter adds a kernel fence (a move in flight) to the dma-buf's reservation.
 * Mirrors drivers/dma-buf/dma-resv.c: dma_resv_add_fence(DMA_RESV_USAGE_KERNEL). The lab's switch for
 * whether ib_umem_dmabuf_map_pages() sees it signal.
 *
 * Errnos: none.
 */
export function* dmaResvAddFence(k: Kernel, bufId: string, signaled: boolean): Call<KResult<void>> {
  const f = frame(k, 'dma_resv_add_fence', [])
  return yield* kcall(
    f,
    { usage: 'DMA_RESV_USAGE_KERNEL', signaled: String(signaled) },
    (function* (): Call<KResult<void>> {
      const b = k.world.dmabufs[bufId]!
      const tx = new Tx(k.world).set('dmabufs', bufId, { ...b, fencePending: !signaled })
      yield f.mutate(
        tx.deltas,
        signaled ? 'a kernel fence that signals' : 'a kernel fence that never signals (a stuck move)',
      )
      return ok(undefined)
    })(),
  )
}
