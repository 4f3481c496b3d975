/**
 * RDMA On-Demand Paging over HMM (docs/kernel/rdma.md#odp-on-demand-paging; "IB/core: Improve ODP to use hmm_range_fault()",
 * 36f30e486dce, ~5.10, modelled from v6.0): no pins. The MR holds an mmu_interval_notifier; device
 * page faults fill the NIC's translation table with hmm_range_fault(); invalidations zap it.
 */
import { hex, PAGE_SIZE, pfnToPhys, sizeStr, vaddr, dmaAddr, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { has } from '../era/index'
import { frame, kcall, type Call, type Frame } from '../core/step'
import { Tx, type HmmEntryRun } from '../core/world'
import { hmmDmaMap, hmmRangeFault, type HmmReq } from '../hmm/hmm'
import {
  mmuIntervalNotifierInsert,
  mmuIntervalReadBegin,
  mmuIntervalReadRetry,
  mmuNotifierInvalidate,
  setDevPte,
} from '../mm/notifier'
import type { PciDev } from '../topology/types'
import type { MrRegistration } from './umem'

/** HMM_RANGE_DEFAULT_TIMEOUT (ms): how long ib_umem_odp_map_dma_and_lock() retries -EBUSY. */
export const HMM_RANGE_DEFAULT_TIMEOUT = 1000

/**
 * ibUmemOdpGet - create an ODP umem: no pinning, an interval notifier over [addr, addr+len).
 * Mirrors drivers/infiniband/core/umem_odp.c: ib_umem_odp_get() -> ib_init_umem_odp() ->
 * mmu_interval_notifier_insert(&umem_odp->notifier, mm, start, end - start, ops).
 *
 * Errnos: -EINVAL (length 0, or not writable... only the length check is modelled), -ENOMEM.
 * Simplification: the mlx5 MR's initial snapshot prefetch (MLX5_PF_FLAGS_SNAPSHOT) is not shown.
 */
export function* ibUmemOdpGet(k: Kernel, reg: MrRegistration): Call<KResult<void>> {
  const { mm, nic, addr, len, name } = reg
  const f = frame(k, 'ib_umem_odp_get', ['EINVAL', 'ENOMEM'])
  return yield* kcall(
    f,
    { addr: hex(addr), size: sizeStr(len), access: 'IB_ACCESS_ON_DEMAND' },
    (function* (): Call<KResult<void>> {
      yield f.check('size != 0', len > 0n, len > 0n ? sizeStr(len) : 'zero length')
      if (len === 0n) return fail(kerr('EINVAL', f.fn, 'zero-length ODP MR'))
      const start = vaddr(addr & ~(PAGE_SIZE - 1n))
      const end = vaddr((addr + len + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n))
      yield f.check(
        'no pin_user_pages()',
        true,
        'ODP never pins: pages stay movable and reclaimable; the NIC faults them in and is told when they go',
      )
      const r = yield* mmuIntervalNotifierInsert(k, {
        id: `odp:${name}`,
        mm,
        start,
        end,
        kind: 'odp',
        dev: nic.id,
        ops: 'ib_umem_notifier_invalidate',
      })
      if (!r.ok) return r
      const tx = new Tx(k.world).set('odps', name, {
        id: name,
        mm,
        dev: nic.id,
        address: addr,
        length: len,
        notifier: `odp:${name}`,
        npagesMapped: 0n,
      })
      yield f.mutate(
        tx.deltas,
        `ODP umem '${name}': ${(end - start) / PAGE_SIZE} page(s), none mapped, pinned_vm unchanged`,
      )
      return ok(undefined)
    })(),
  )
}

/**
 * One NIC access that may fault on an ODP MR, as the driver's page-fault handler hands it to
 * ib_umem_odp_map_dma_and_lock(): the MR, user_virt, bcnt, whether the access writes (the access
 * mask's ODP_WRITE_ALLOWED_BIT), and the lab's `race` (an invalidation runs between
 * mmap_read_unlock() and umem_mutex, so mmu_interval_read_retry() sends the loop round again).
 */
export interface OdpAccess {
  mr: string
  addr: Vaddr
  len: bigint
  write: boolean
  race: boolean
}

/**
 * ibUmemOdpMapDmaAndLock - fault pages of an ODP MR into the NIC's translation table.
 * Mirrors drivers/infiniband/core/umem_odp.c: ib_umem_odp_map_dma_and_lock():
 * bounds check (-EFAULT); range.default_flags = HMM_PFN_REQ_FAULT (| HMM_PFN_REQ_WRITE);
 * again: read_begin, mmap_read_lock, hmm_range_fault(), on -EBUSY retry until
 * HMM_RANGE_DEFAULT_TIMEOUT; mutex_lock(&umem_odp->umem_mutex); mmu_interval_read_retry() -> unlock, again;
 * map each page (6.16+: hmm_dma_map_pfn(); before: ib_umem_odp_map_dma_single_page()); return the
 * number of pages with the mutex held.
 *
 * Errnos: -EFAULT (out of the umem, or from hmm_range_fault), -EPERM, -EBUSY (timeout).
 * Simplification: the timeout is a retry count of 3; the mutex is released by the caller's step.
 */
// long: the again/retry loop of ib_umem_odp_map_dma_and_lock() (read_begin, hmm_range_fault, -EBUSY, the race, umem_mutex, read_retry) reads best in one piece
export function* ibUmemOdpMapDmaAndLock(k: Kernel, a: OdpAccess): Call<KResult<bigint>> {
  const { mr: name, addr: start, len: bcnt, write, race } = a
  const u = k.world.odps[name]!
  const f = frame(k, 'ib_umem_odp_map_dma_and_lock', ['EFAULT', 'EPERM', 'EBUSY'])
  return yield* kcall(
    f,
    {
      user_virt: hex(start),
      bcnt: sizeStr(bcnt),
      access_mask: write ? 'ODP_READ_ALLOWED_BIT|ODP_WRITE_ALLOWED_BIT' : 'ODP_READ_ALLOWED_BIT',
      fault: 'true',
    },
    (function* (): Call<KResult<bigint>> {
      const inside = start >= u.address && start + bcnt <= u.address + u.length
      yield f.check(
        'user_virt < ib_umem_start(umem) || user_virt + bcnt > ib_umem_end(umem)',
        inside,
        inside ? 'inside the MR' : 'outside the MR: -EFAULT',
      )
      if (!inside) return fail(kerr('EFAULT', f.fn, 'access outside the ODP MR'))
      const first = vaddr(start & ~(PAGE_SIZE - 1n))
      const npages = (start + bcnt + PAGE_SIZE - 1n - first) / PAGE_SIZE
      let raced = false
      for (let attempt = 0; attempt < 3; attempt++) {
        const seq = yield* mmuIntervalReadBegin(k, u.notifier)
        const req: HmmReq = {
          mm: u.mm,
          start: first,
          npages,
          fault: true,
          write,
          owner: null,
          notifier: u.notifier,
          seq,
        }
        const r = yield* hmmRangeFault(k, req)
        if (!r.ok) {
          if (r.error.errno === 'EBUSY') {
            yield f.check(
              'ret == -EBUSY && !time_after(jiffies, timeout)',
              true,
              `retry (timeout ${HMM_RANGE_DEFAULT_TIMEOUT} ms)`,
            )
            continue
          }
          return r
        }
        if (race && !raced) {
          raced = true
          yield f.check(
            'meanwhile, on another CPU',
            true,
            'the kernel reclaims or madvise()s part of the range while this fault is between mmap_read_unlock() and umem_mutex: an invalidation runs',
          )
          yield* mmuNotifierInvalidate(k, u.mm, first, vaddr(first + PAGE_SIZE), 'MMU_NOTIFY_CLEAR')
        }
        const lock = frame(k, 'mutex_lock', [])
        yield lock.enter({ lock: '&umem_odp->umem_mutex' })
        yield lock.ret('void')
        const retry = yield* mmuIntervalReadRetry(k, u.notifier, seq)
        if (retry) {
          yield f.check(
            'mmu_interval_read_retry()',
            false,
            'mutex_unlock(&umem_odp->umem_mutex); goto retry: the snapshot is stale',
          )
          continue
        }
        const n = yield* odpMapPages(k, f, { name, first, npages, seq, entries: r.value.entries })
        return ok(n)
      }
      return fail(kerr('EBUSY', f.fn, 'invalidations kept racing the fault until the timeout', 'later'))
    })(),
    (n) => `${n} page(s)`,
  )
}

/**
 * The mapping half of ib_umem_odp_map_dma_and_lock(), under umem_mutex: map each faulted page
 * (6.16+: hmm_dma_map_pfn(); before: ib_umem_odp_map_dma_single_page() -> ib_dma_map_page()), write
 * the device PTEs (mlx5's MTT), then mutex_unlock(). Returns the number of pages mapped.
 */
function* odpMapPages(
  k: Kernel,
  f: Frame,
  q: { name: string; first: Vaddr; npages: bigint; seq: number; entries: HmmEntryRun[] },
): Call<bigint> {
  const { name, first, npages, seq } = q
  const u = k.world.odps[name]!
  if (has(k.era, 'hmm_dma_map_pfn')) {
    const tmp = `odp-range:${name}`
    const tx0 = new Tx(k.world).set('vars', tmp, {
      kind: 'hmm',
      mm: u.mm,
      start: first,
      npages,
      dev: u.dev,
      entries: q.entries,
      notifier: u.notifier,
      seq,
    })
    yield f.mutate(tx0.deltas, 'umem_odp->map.pfn_list holds the hmm_pfns')
    yield* hmmDmaMap(k, tmp, pciOf(k, u.dev))
  }
  const tx = new Tx(k.world)
  const v = k.world.vars[`odp-range:${name}`]
  const entries = v && v.kind === 'hmm' ? v.entries : q.entries
  let n = 0n
  for (const e of entries) {
    if (e.pfn === null) continue
    const at = vaddr(first + e.idx * PAGE_SIZE)
    const dma = e.dma ?? dmaAddr(pfnToPhys(e.pfn))
    setDevPte(tx, {
      owner: u.notifier,
      dev: u.dev,
      va: at,
      npages: e.count,
      pfn: e.pfn,
      writable: e.flags.includes('HMM_PFN_WRITE'),
      dma,
      how: e.flags.filter((x) => x.startsWith('HMM_PFN_P2PDMA')).join('|') || 'system memory',
    })
    n += e.count
  }
  if (k.world.vars[`odp-range:${name}`]) tx.set('vars', `odp-range:${name}`, null)
  tx.set('odps', name, { ...tx.world.odps[name]!, npagesMapped: tx.world.odps[name]!.npagesMapped + n })
  yield f.mutate(
    tx.deltas,
    `${has(k.era, 'hmm_dma_map_pfn') ? 'hmm_dma_map_pfn()' : 'ib_umem_odp_map_dma_single_page(): ib_dma_map_page()'} for ${n} page(s); mlx5 writes them into the MR's translation table (MTT) under umem_mutex`,
  )
  const un = frame(k, 'mutex_unlock', [])
  yield un.enter({ lock: '&umem_odp->umem_mutex' })
  yield un.ret('void')
  return n
}

function pciOf(k: Kernel, id: string): PciDev {
  const d = k.machine.devs.get(id)
  if (!d) throw new Error(`no device ${id}`)
  return d
}

/**
 * rdmaAccess - the NIC reads or writes [addr, addr+len) of an MR (an RDMA READ/WRITE hitting it).
 * Mirrors drivers/infiniband/hw/mlx5/odp.c: mlx5_ib_eqe_pf_action() -> pagefault_single_data_segment()
 * -> pagefault_real_mr() -> ib_umem_odp_map_dma_and_lock() when the translation table misses.
 *
 * Errnos: those of ib_umem_odp_map_dma_and_lock(); a failed fault completes the work request in error.
 */
export function* rdmaAccess(
  k: Kernel,
  name: string,
  addr: Vaddr,
  len: bigint,
  write: boolean,
  race: boolean,
): Call<KResult<bigint>> {
  const u = k.world.odps[name]!
  const f = frame(k, 'mlx5_ib_eqe_pf_action', ['EFAULT', 'EPERM', 'EBUSY'])
  return yield* kcall(
    f,
    { mr: name, va: hex(addr), len: sizeStr(len), op: write ? 'RDMA WRITE' : 'RDMA READ' },
    (function* (): Call<KResult<bigint>> {
      const first = addr & ~(PAGE_SIZE - 1n)
      const end = (addr + len + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n)
      let covered = 0n
      for (const r of Object.values(k.world.devptes)) {
        if (r.owner !== u.notifier) continue
        const lo = r.va > first ? r.va : first
        const e = r.va + r.npages * PAGE_SIZE
        const hi = e < end ? e : end
        if (hi > lo && (!write || r.writable)) covered += hi - lo
      }
      const hit = covered === end - first
      yield f.check(
        'the MTT translates every page?',
        hit,
        hit
          ? 'no page fault: the NIC does the DMA'
          : 'a translation is missing: the NIC raises a page-fault event',
      )
      if (hit) return ok(len)
      const r = yield* ibUmemOdpMapDmaAndLock(k, { mr: name, addr, len, write, race })
      if (!r.ok) {
        yield f.check(
          'pagefault_single_data_segment() < 0',
          false,
          'mlx5_ib_page_fault_resume(..., error = 1): the work request completes with an error',
        )
        return r
      }
      return ok(len)
    })(),
    (n) => `${n} bytes transferred`,
  )
}
