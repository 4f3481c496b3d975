/**
 * mmu_interval_notifier (mm/mmu_notifier.c, 5.5+; S7 mmu_notifier.h, hmm.rst) and the invalidate
 * callbacks of the drivers the lab models: ODP MRs, HMM mirrors and the 2019 RFC importer.
 *
 * Sequence protocol (docs/kernel/hmm.md#mmu-interval-notifiers-55):
 *   insert:        sub->invalidate_seq = subscriptions->invalidate_seq - 1 (odd; the mm's is even when idle)
 *   read_begin:    seq = sub->invalidate_seq
 *   invalidate:    subscriptions->invalidate_seq |= 1 -> cur_seq (odd); ops->invalidate(sub, range, cur_seq),
 *                  which calls mmu_interval_set_seq(sub, cur_seq) under the driver's lock
 *   range_end:     subscriptions->invalidate_seq++ (even again)
 *   read_retry:    sub->invalidate_seq != seq
 */
import { hex, PAGE_SIZE, sizeStr, vaddr, type Vaddr } from '../core/addr'
import { ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { has, pick } from '../era/index'
import { driverFrame, frame, kcall, type Call } from '../core/step'
import { Tx, type DevPteRun, type IntervalNotifier } from '../core/world'

export type NotifyEvent =
  | 'MMU_NOTIFY_UNMAP'
  | 'MMU_NOTIFY_CLEAR'
  | 'MMU_NOTIFY_PROTECTION_VMA'
  | 'MMU_NOTIFY_RELEASE'
  | 'MMU_NOTIFY_MIGRATE'

/** Notifiers of `mm` whose interval overlaps [start, end). */
export function notifiersOverlapping(k: Kernel, mm: string, start: bigint, end: bigint): IntervalNotifier[] {
  return Object.values(k.world.notifiers).filter((n) => n.mm === mm && n.start < end && start < n.end)
}

/**
 * mmuIntervalNotifierInsert - register an interval notifier over [start, start+length).
 * Mirrors mm/mmu_notifier.c: mmu_interval_notifier_insert() -> __mmu_interval_notifier_insert().
 *
 * The first notifier of an mm allocates mm->notifier_subscriptions (invalidate_seq = 2); the new
 * notifier's invalidate_seq starts at subscriptions->invalidate_seq - 1, so read_begin() returns at once.
 *
 * Errnos: -EINVAL (length 0 or overflow).
 * Simplification: no interval tree and no deferred insertion while an invalidation is running.
 */
export function* mmuIntervalNotifierInsert(
  k: Kernel,
  n: Omit<IntervalNotifier, 'invalidate_seq' | 'last'>,
): Call<KResult<void>> {
  // Before 5.5 a mirror registered with hmm_mirror_register() and each range with hmm_range_register().
  const f = frame(k, pick(k.era, 'mmu_interval_notifier_insert', 'hmm_mirror_register'), ['EINVAL'])
  return yield* kcall(
    f,
    { start: hex(n.start), length: sizeStr(n.end - n.start), ops: n.ops },
    (function* (): Call<KResult<void>> {
      const tx = new Tx(k.world)
      let subs = k.world.subs[n.mm]
      if (!subs) {
        subs = { mm: n.mm, invalidate_seq: 2 }
        tx.set('subs', n.mm, subs)
      }
      tx.set('notifiers', n.id, { ...n, invalidate_seq: subs.invalidate_seq - 1, last: null })
      yield f.mutate(
        tx.deltas,
        has(k.era, 'mmu_interval_notifier_insert')
          ? `interval_sub->invalidate_seq = subscriptions->invalidate_seq - 1 = ${subs.invalidate_seq - 1} (odd: no invalidation pending for this notifier); inserted into the mm's interval tree`
          : "the mirror joins the mm's hmm: its sync_cpu_device_pagetables() is called for every invalidation of the range",
      )
      return ok(undefined)
    })(),
  )
}

/**
 * mmuIntervalReadBegin - start a read-side critical section.
 * Mirrors mm/mmu_notifier.c: mmu_interval_read_begin().
 *
 * Errnos: none.
 * Simplification: never sleeps (the lab never runs an invalidation concurrently with a reader).
 */
export function* mmuIntervalReadBegin(k: Kernel, id: string): Call<number> {
  const f = frame(k, 'mmu_interval_read_begin', [])
  yield f.enter({ sub: id })
  const seq = k.world.notifiers[id]!.invalidate_seq
  yield f.ret(String(seq))
  return seq
}

/**
 * mmuIntervalReadRetry - did an invalidation run since read_begin()?
 * Mirrors include/linux/mmu_notifier.h: mmu_interval_read_retry(): sub->invalidate_seq != seq.
 *
 * Errnos: none.
 */
export function* mmuIntervalReadRetry(k: Kernel, id: string, seq: number): Call<boolean> {
  const f = frame(k, 'mmu_interval_read_retry', [])
  yield f.enter({ sub: id, seq: String(seq) })
  const cur = k.world.notifiers[id]?.invalidate_seq ?? -1
  const retry = cur !== seq
  yield f.check(
    'interval_sub->invalidate_seq != seq',
    !retry,
    retry
      ? `invalidate_seq is ${cur}, the read began at ${seq}: an invalidation ran in between, the result is stale`
      : `still ${seq}: no invalidation since read_begin`,
  )
  yield f.ret(retry ? 'true' : 'false')
  return retry
}

/**
 * mmuNotifierInvalidate - tell every overlapping interval notifier that [start, end) changes.
 * Mirrors mm/mmu_notifier.c: __mmu_notifier_invalidate_range_start() -> mn_itree_invalidate() and
 * __mmu_notifier_invalidate_range_end() -> mn_itree_inv_end().
 *
 * Yields nothing when the mm has no notifiers (mm_has_notifiers() is false, as for most processes).
 *
 * Errnos: none (a blockable invalidation cannot fail).
 * Simplification: only interval notifiers; the whole start/end pair is shown as one call.
 */
export function* mmuNotifierInvalidate(
  k: Kernel,
  mm: string,
  start: Vaddr,
  end: Vaddr,
  event: NotifyEvent,
  owner: string | null = null,
): Call<void> {
  const subs = k.world.subs[mm]
  if (!subs) return
  const f = frame(k, 'mmu_notifier_invalidate_range_start', [])
  yield f.enter({
    event,
    start: hex(start),
    end: hex(end),
    ...(owner ? { owner } : {}),
    flags: 'MMU_NOTIFIER_RANGE_BLOCKABLE',
  })
  const hits = notifiersOverlapping(k, mm, start, end)
  const cur = subs.invalidate_seq | 1
  const t0 = new Tx(k.world)
  if (hits.length) t0.set('subs', mm, { ...subs, invalidate_seq: cur })
  yield f.check(
    'mn_itree_inv_start_range(): any interval notifier overlaps?',
    true,
    hits.length
      ? `${hits.map((h) => h.id).join(', ')}; subscriptions->invalidate_seq |= 1 -> cur_seq ${cur} (odd: invalidating)`
      : 'none overlaps the range: nothing to call',
  )
  if (!t0.empty) yield f.mutate(t0.deltas, `subscriptions->invalidate_seq = ${cur}`)
  for (const n of hits) yield* driverInvalidate(k, n, start, end, event, owner, cur)
  yield f.ret('0')
  if (hits.length) {
    const e = frame(k, 'mmu_notifier_invalidate_range_end', [])
    yield e.enter({ event })
    const s = k.world.subs[mm]!
    const tx = new Tx(k.world).set('subs', mm, { ...s, invalidate_seq: s.invalidate_seq + 1 })
    yield e.mutate(
      tx.deltas,
      `mn_itree_inv_end(): subscriptions->invalidate_seq++ -> ${s.invalidate_seq + 1} (even: idle); waiters in read_begin() wake up`,
    )
    yield e.ret('void')
  }
}

/**
 * Write a run of a device's page table (an ODP MR's MTT, an HMM mirror's device page table) under
 * its key, `${owner}:${hex(va)}`.
 */
export function setDevPte(tx: Tx, run: DevPteRun): void {
  tx.set('devptes', `${run.owner}:${hex(run.va)}`, run)
}

/** Remove (zap) the device PTEs of `owner` inside [start, end), splitting runs at the edges. */
export function zapDevPtes(tx: Tx, owner: string, start: bigint, end: bigint): DevPteRun[] {
  const gone: DevPteRun[] = []
  for (const [key, r] of Object.entries(tx.world.devptes)) {
    if (r.owner !== owner) continue
    const rEnd = r.va + r.npages * PAGE_SIZE
    if (rEnd <= start || end <= r.va) continue
    tx.set('devptes', key, null)
    if (r.va < start) tx.set('devptes', key, { ...r, npages: (start - r.va) / PAGE_SIZE })
    if (rEnd > end) {
      const skip = (end - r.va) / PAGE_SIZE
      setDevPte(tx, {
        ...r,
        va: vaddr(end),
        npages: r.npages - skip,
        pfn: (r.pfn + skip) as never,
        dma: r.dma === null ? null : ((r.dma + skip * PAGE_SIZE) as never),
      })
    }
    const lo = r.va > start ? r.va : start
    const hi = rEnd < end ? rEnd : end
    gone.push({ ...r, va: vaddr(lo), npages: (hi - lo) / PAGE_SIZE })
  }
  return gone
}

/**
 * The RFC importer's sync callback: hmm_range_dma_unmap() -> the exporter's p2p_unmap() for every
 * zapped run that p2p_map() had mapped.
 */
function* rfcDmaUnmap(k: Kernel, n: IntervalNotifier, lo: Vaddr, hi: Vaddr, gone: DevPteRun[]): Call<void> {
  const u = frame(k, 'hmm_range_dma_unmap', [])
  yield u.enter({ start: hex(lo), end: hex(hi), device: n.dev })
  for (const r of gone) {
    const vma = Object.values(k.world.vmas).find(
      (v) => v.mm === n.mm && v.vm_start <= r.va && r.va < v.vm_end,
    )
    if (!r.how.includes('p2p_map') || !vma?.vm_ops) continue
    const ops = vma.vm_ops.split(':')[0]!
    const p = driverFrame(k, `${ops}.p2p_unmap`, 'drivers/… (illustrative RFC exporter)', 'p2p_unmap', [])
    yield p.enter({ device: n.dev, start: hex(r.va), end: hex(r.va + r.npages * PAGE_SIZE), pas: 'daddrs' })
    yield p.check(
      'hmm_vma_p2p_unmap(): the VMA covers the address (else BUG())',
      true,
      `the exporter tears down ${r.npages} page(s) of BAR mapping for the importer`,
    )
    yield p.ret(r.npages.toString())
  }
  yield u.ret('void')
}

/**
 * driverInvalidate - the registered ops->invalidate() of one notifier.
 * Mirrors drivers/infiniband/core/umem_odp.c + mlx5 (ib_umem_notifier_invalidate_range /
 * mlx5_ib_invalidate_range), lib/test_hmm.c: dmirror_interval_invalidate(), and for the 2019 RFC
 * the importer's sync callback that must call hmm_range_dma_unmap() -> p2p_unmap().
 *
 * Errnos: none (returns true: the lab's invalidations are blockable).
 * Simplification: set_page_dirty() is shown as a check (the lab has no dirty bit).
 */
function* driverInvalidate(
  k: Kernel,
  n: IntervalNotifier,
  start: Vaddr,
  end: Vaddr,
  event: NotifyEvent,
  owner: string | null,
  curSeq: number,
): Call<void> {
  const file =
    n.kind === 'odp'
      ? 'drivers/infiniband/hw/mlx5/odp.c'
      : n.kind === 'mirror'
        ? 'lib/test_hmm.c (a GPU mirror)'
        : 'RFC importer (mm/hmm.c of the 2019 -mm base)'
  const f = driverFrame(k, n.ops, file, null, [])
  yield f.enter({ range: `[${hex(start)}, ${hex(end)})`, event, cur_seq: String(curSeq) })
  if (n.kind === 'mirror' && event === 'MMU_NOTIFY_MIGRATE' && owner === n.dev) {
    yield f.check(
      'range->event == MMU_NOTIFY_MIGRATE && range->owner == dmirror->mdevice',
      true,
      'our own migration: the mirror skips it (its device page table is updated by the migration itself)',
    )
    yield f.ret('true')
    return
  }
  const lo = start > n.start ? start : n.start
  const hi = end < n.end ? end : n.end
  const tx = new Tx(k.world)
  tx.set('notifiers', n.id, {
    ...tx.world.notifiers[n.id]!,
    invalidate_seq: curSeq,
    last: `${event} [${hex(lo)}, ${hex(hi)})${owner ? ` owner ${owner}` : ''}`,
    lastOwner: owner,
  })
  yield f.mutate(
    tx.deltas,
    has(k.era, 'mmu_interval_read_retry')
      ? `${n.kind === 'odp' ? 'mutex_lock(&umem_odp->umem_mutex); ' : ''}mmu_interval_set_seq(sub, ${curSeq}): readers that began earlier will see mmu_interval_read_retry() == true`
      : `range->valid = false: the importer's hmm_range_valid() check sees the invalidation (sequence ${curSeq} in the lab)`,
  )
  const z = new Tx(k.world)
  const gone = zapDevPtes(z, n.id, lo, hi)
  const pages = gone.reduce((s, r) => s + r.npages, 0n)
  if (n.kind === 'odp') {
    const u = Object.values(z.world.odps).find((o) => o.notifier === n.id)
    if (u && pages > 0n) z.set('odps', u.id, { ...u, npagesMapped: u.npagesMapped - pages })
  }
  if (n.kind === 'rfc' && gone.length) yield* rfcDmaUnmap(k, n, lo, hi, gone)
  if (z.empty) yield f.check('device PTEs in the range?', true, 'none were populated: nothing to zap')
  else
    yield f.mutate(
      z.deltas,
      gone.length
        ? n.kind === 'odp'
          ? `mlx5_ib_invalidate_range(): zap ${pages} device PTE(s) in the MR's translation table, then ib_umem_odp_unmap_dma_pages(): ${has(k.era, 'hmm_dma_unmap_pfn') ? 'hmm_dma_unmap_pfn()' : 'ib_dma_unmap_page()'} per page`
          : n.kind === 'rfc'
            ? `hmm_range_dma_unmap(): p2p_unmap()/dma_unmap_page() for ${pages} page(s); the device must not use the addresses any more`
            : `dmirror_do_update(): clear ${pages} entr${pages === 1n ? 'y' : 'ies'} of the mirror's device page table`
        : 'no device PTEs in the range were populated',
    )
  if (n.kind === 'odp') {
    const w = gone.filter((r) => r.writable).reduce((s, r) => s + r.npages, 0n)
    yield f.check(
      'writable pages: set_page_dirty()',
      true,
      w
        ? `${w} page(s) were mapped writable: set_page_dirty() before the DMA mapping goes`
        : 'no writable pages mapped in the range',
    )
  }
  yield f.ret('true')
}
