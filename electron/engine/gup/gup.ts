/**
 * get_user_pages / pin_user_pages as step generators (mm/gup.c), range-wise: one step per PTE run
 * or page run, never one per page. Each era's own call path, with the names of that era (the era
 * table, electron/engine/era/, says which function existed when; docs/kernel/gup.md):
 *
 *   5.0–5.1   get_user_pages_fast(start, nr, write, pages): gup_pgd_range() (grab:
 *             page_cache_get_speculative / try_get_compound_head), then get_user_pages_unlocked()
 *             -> __get_user_pages_locked(); long-term pins: get_user_pages_longterm()
 *   5.2–5.5   get_user_pages_fast(start, nr, gup_flags, pages) and FOLL_LONGTERM: the slow path is
 *             __gup_longterm_unlocked() -> __gup_longterm_locked() (FOLL_LONGTERM) or
 *             get_user_pages_unlocked()
 *   5.6–6.2   pin_user_pages*() and FOLL_PIN; internal_get_user_pages_fast() ->
 *             [lockless_pages_from_mm() (5.11+)] -> gup_pgd_range(); slow path as 5.2; the
 *             slow-path grab is try_grab_page() (5.7+), the GUP-fast one try_grab_compound_head()
 *             (5.7–5.17) / try_grab_folio() (5.18+)
 *   6.3–6.9   is_valid_gup_args(); the slow path always enters __gup_longterm_locked()
 *   6.10+     gup_fast_fallback() -> gup_fast() -> gup_fast_pgd_range(); grabs
 *             try_grab_folio_fast() (GUP-fast) and try_grab_folio() (slow path)
 *
 * Slow path below every entry: __get_user_pages_locked -> __get_user_pages: per VMA
 * check_vma_flags(), per PTE follow_page_pte() (faulting in missing anonymous pages) and the grab.
 * Result: the number of pages pinned (possibly partial), or the errno when none was.
 */
import type { FollFlag } from '../../../shared/model/mm'
import { hex, PAGE_SIZE, pfn as mkPfn, vaddr, type Pfn, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaves, has as inEra, pick } from '../era/index'
import { frame, kcall, type Call, type Frame } from '../core/step'
import { warnOn } from '../core/warn'
import { Tx, type PageRun, type PagesHole, type VmArea } from '../core/world'
import { handleMmFault, type FaultAt } from '../mm/fault'
import { doSwapPageDevicePrivate, moveToRam, pageType, vmaIsFsdax } from '../mm/devmem'
import { flagStr, hasFlag, pageAt, pteAt, ptesOverlapping, updatePages, vmaAt } from '../mm/mm'

/** GUP_PIN_COUNTING_BIAS (include/linux/mm.h): a FOLL_PIN pin adds 1024 to a small folio's refcount. */
export const GUP_PIN_COUNTING_BIAS = 1024

export interface PageRange {
  pfn: Pfn
  count: bigint
}
export interface GupResult {
  n: bigint
  runs: PageRange[]
  /**
   * pages[] entries counted in n but never written (5.6–5.17: FOLL_PIN skipped a raw pfn, see
   * follow_pfn_pte()); `at` is the index from the start of this call. Absent when there are none.
   */
  holes?: PagesHole[]
}

const F = (fl: readonly FollFlag[]): string => (fl.length ? fl.join('|') : '0')
const has = (fl: readonly FollFlag[], f: FollFlag): boolean => fl.includes(f)

/**
 * What mm/gup.c hands down its call chain unchanged, from the entry point to __get_user_pages():
 * the mm, the first user address, nr_pages and gup_flags (with the entry point's FOLL_GET or
 * FOLL_PIN added).
 */
interface GupArgs {
  mm: string
  start: Vaddr
  nr: bigint
  flags: readonly FollFlag[]
}

/** A GUP frame's arguments as the lab shows them: start and nr_pages, with gup_flags where the frame names them. */
const rangeArgs = (q: GupArgs, withFlags = false): Record<string, string> =>
  withFlags
    ? { start: hex(q.start), nr_pages: q.nr.toString(), gup_flags: F(q.flags) }
    : { start: hex(q.start), nr_pages: q.nr.toString() }

/** What a GUP frame returns: the number of pages it got. */
const pagesGot = (r: GupResult): string => r.n.toString()

/** is_pci_p2pdma_page(): ZONE_DEVICE with a MEMORY_DEVICE_PCI_P2PDMA pgmap. */
export function isP2pdmaPage(k: Kernel, r: PageRun | null): boolean {
  return (
    !!r &&
    r.kind === 'zone_device' &&
    !!r.pgmap &&
    k.world.pgmaps[r.pgmap]?.type === 'MEMORY_DEVICE_PCI_P2PDMA'
  )
}

function grabDelta(tx: Tx, first: Pfn, count: bigint, pin: boolean): void {
  updatePages(tx, first, count, (r) =>
    pin
      ? { ...r, refcount: r.refcount + GUP_PIN_COUNTING_BIAS, pins: r.pins + 1 }
      : { ...r, refcount: r.refcount + 1, gets: r.gets + 1 },
  )
}

const GUP_ERRNOS = ['EINVAL', 'EFAULT', 'EOPNOTSUPP', 'EREMOTEIO', 'EEXIST', 'ENOMEM'] as const

/** The flags a caller may name in this era (the names table), for the ops' "does it exist?" check. */
export function follFlagsMissing(k: Kernel, flags: readonly FollFlag[]): FollFlag[] {
  return flags.filter((f) => !inEra(k.era, f))
}

/**
 * pinUserPagesFast - get or pin user pages, lockless first: the era's get_user_pages_fast() or
 * pin_user_pages_fast() (pin = true, 5.6+).
 * Mirrors mm/gup.c: get_user_pages_fast() / pin_user_pages_fast() of the era (see the file comment).
 *
 * The argument checks are the era's: none before 5.6 (and get_user_pages_fast() takes a write bool
 * before 5.2); WARN_ON_ONCE(FOLL_GET) / WARN_ON_ONCE(FOLL_PIN) 5.6–6.2 (6.1.192 mm/gup.c:3191, with
 * is_valid_gup_flags() for get_user_pages_fast() in 6.1–6.2, :3151); is_valid_gup_args() from 6.3.
 *
 * Errnos: -EINVAL, -EFAULT, -EOPNOTSUPP, -EREMOTEIO, -ENOMEM (from the slow path when nothing was
 * pinned).
 * Simplification: no mmap_lock, no FOLL_NOFAULT/FOLL_FAST_ONLY, no huge pages; faults are range-wise.
 */
export function* pinUserPagesFast(
  k: Kernel,
  mm: string,
  start: Vaddr,
  nrPages: bigint,
  flagsIn: readonly FollFlag[],
  pin = true,
): Call<KResult<GupResult>> {
  const f = frame(k, pin ? 'pin_user_pages_fast' : 'get_user_pages_fast', GUP_ERRNOS)
  const writeBool = behaves(k.era, 'gup.fast-takes-write-bool')
  const args: Record<string, string> = writeBool
    ? { start: hex(start), nr_pages: nrPages.toString(), write: has(flagsIn, 'FOLL_WRITE') ? '1' : '0' }
    : { start: hex(start), nr_pages: nrPages.toString(), gup_flags: F(flagsIn) }
  return yield* kcall(f, args, body(), pagesGot)
  function* body(): Call<KResult<GupResult>> {
    const ref: FollFlag = pin ? 'FOLL_PIN' : 'FOLL_GET'
    const flags: FollFlag[] = [...flagsIn, ref]
    if (inEra(k.era, 'is_valid_gup_args')) {
      const v = yield* isValidGupArgs(k, flags, mm)
      if (!v.ok) return v
    } else if (!pin && inEra(k.era, 'is_valid_gup_flags') && behaves(k.era, 'gup.fast-valid-gup-flags')) {
      const v = yield* isValidGupFlags(k, flagsIn, mm)
      if (!v.ok) return v
    } else if (inEra(k.era, 'FOLL_PIN')) {
      // 5.6–6.2 pin_user_pages_fast(): WARN_ON_ONCE(gup_flags & FOLL_GET) (6.1.192 mm/gup.c:3191);
      // 5.6–5.9 get_user_pages_fast(): WARN_ON_ONCE(gup_flags & FOLL_PIN) in the function itself (no lab era;
      // is_valid_gup_flags() from 5.10, gup.fast-valid-gup-flags)
      const other: FollFlag = pin ? 'FOLL_GET' : 'FOLL_PIN'
      const bad = has(flagsIn, other)
      const warned = yield* warnOn(
        k,
        f,
        pin ? 'gup.pin-fast.foll-get' : 'gup.valid-flags.foll-pin',
        bad,
        bad ? 'FOLL_GET and FOLL_PIN are mutually exclusive' : `gup_flags |= ${ref}`,
        mm,
      )
      if (warned) return fail(kerr('EINVAL', f.fn, 'FOLL_GET and FOLL_PIN together'))
    }
    if (!inEra(k.era, 'internal_get_user_pages_fast') && !inEra(k.era, 'gup_fast_fallback'))
      return yield* gupFastBody(k, f, { mm, start, nr: nrPages, flags })
    return yield* gupFastFallback(k, { mm, start, nr: nrPages, flags })
  }
}

/**
 * isValidGupArgs - reject flag combinations GUP callers must never pass.
 * Mirrors mm/gup.c: is_valid_gup_args() (6.3+, d64e2dbc33a1; 6.12.118 mm/gup.c:2595-2640). The
 * FOLL_LONGTERM|FOLL_PCI_P2PDMA test is shown where the era table has it there
 * (gup.valid-args-longterm-p2pdma: 6.4+, 6.12.118 mm/gup.c:2633; 6.2 refused it in check_vma_flags()).
 *
 * Errnos: -EINVAL (after WARN_ON_ONCE).
 * Simplification: the "internal flags" and pages == NULL checks are not modelled (scenarios cannot pass them).
 */
function* isValidGupArgs(k: Kernel, flags: FollFlag[], mm: string): Call<KResult<void>> {
  const f = frame(k, 'is_valid_gup_args', ['EINVAL'])
  return yield* kcall(f, { gup_flags: F(flags) }, body())
  function* body(): Call<KResult<void>> {
    const both = has(flags, 'FOLL_GET') && has(flags, 'FOLL_PIN')
    if (
      yield* warnOn(
        k,
        f,
        'gup.valid-args.get-and-pin',
        both,
        both ? 'both reference types' : 'one reference type',
        mm,
      )
    )
      return fail(kerr('EINVAL', f.fn, 'FOLL_GET and FOLL_PIN together (WARN_ON_ONCE)'))
    const lt = has(flags, 'FOLL_LONGTERM') && !has(flags, 'FOLL_PIN')
    if (
      yield* warnOn(
        k,
        f,
        'gup.valid-args.longterm-without-pin',
        lt,
        lt ? 'a long-term reference must be a pin' : 'ok',
        mm,
      )
    )
      return fail(kerr('EINVAL', f.fn, 'FOLL_LONGTERM without FOLL_PIN (WARN_ON_ONCE)'))
    if (!behaves(k.era, 'gup.valid-args-longterm-p2pdma')) return ok(undefined)
    const lp = has(flags, 'FOLL_LONGTERM') && has(flags, 'FOLL_PCI_P2PDMA')
    if (
      yield* warnOn(
        k,
        f,
        'gup.valid-args.longterm-p2pdma',
        lp,
        lp
          ? '"We want to allow the pgmap to be hot-unplugged at all times": a long-term pin of P2PDMA memory is refused'
          : 'not a long-term P2PDMA pin',
        mm,
      )
    )
      return fail(
        kerr(
          'EINVAL',
          f.fn,
          'FOLL_LONGTERM together with FOLL_PCI_P2PDMA (WARN_ON_ONCE)',
          'never',
          'pin P2PDMA memory short-term only, or use a dma-buf importer',
        ),
      )
    return ok(undefined)
  }
}

/**
 * isValidGupFlags - the FOLL_GET entry points' argument check before is_valid_gup_args().
 * Mirrors mm/gup.c: is_valid_gup_flags() (6.1.192 mm/gup.c:2171-2187; also in 5.10.13): FOLL_PIN is
 * set only inside pin_user_pages*(), and FOLL_LONGTERM needs FOLL_PIN, so both are refused.
 *
 * Errnos: -EINVAL (after WARN_ON_ONCE).
 */
function* isValidGupFlags(k: Kernel, flags: readonly FollFlag[], mm: string): Call<KResult<void>> {
  const f = frame(k, 'is_valid_gup_flags', ['EINVAL'])
  return yield* kcall(f, { gup_flags: F(flags) }, body())
  function* body(): Call<KResult<void>> {
    const pin = has(flags, 'FOLL_PIN')
    if (
      yield* warnOn(
        k,
        f,
        'gup.valid-flags.foll-pin',
        pin,
        pin ? '"FOLL_PIN must only be set internally by the pin_user_pages*() APIs"' : 'no FOLL_PIN',
        mm,
      )
    )
      return fail(kerr('EINVAL', f.fn, 'FOLL_PIN passed to a FOLL_GET entry point (WARN_ON_ONCE)'))
    const lt = has(flags, 'FOLL_LONGTERM')
    if (
      yield* warnOn(
        k,
        f,
        'gup.valid-flags.foll-longterm',
        lt,
        lt
          ? '"FOLL_PIN is a prerequisite to FOLL_LONGTERM": a long-term reference must be a pin'
          : 'no FOLL_LONGTERM',
        mm,
      )
    )
      return fail(kerr('EINVAL', f.fn, 'FOLL_LONGTERM without FOLL_PIN (WARN_ON_ONCE)'))
    return ok(undefined)
  }
}

/**
 * gupFastFallback - GUP-fast, then the slow path for what is left.
 * Mirrors mm/gup.c: internal_get_user_pages_fast() (5.6–6.9) / gup_fast_fallback() (6.10+, renamed
 * by 23babe1934d7): `if (ret < 0) { if (nr_pinned) return nr_pinned; return ret; }`.
 *
 * Errnos: those of the slow path, when GUP-fast pinned nothing.
 */
function* gupFastFallback(k: Kernel, q: GupArgs): Call<KResult<GupResult>> {
  const f = frame(k, pick(k.era, 'gup_fast_fallback', 'internal_get_user_pages_fast'), GUP_ERRNOS)
  return yield* kcall(f, rangeArgs(q, true), body(), pagesGot)
  function* body(): Call<KResult<GupResult>> {
    return yield* gupFastBody(k, f, q)
  }
}

/**
 * The body get_user_pages_fast() had before 5.6 and internal_get_user_pages_fast() /
 * gup_fast_fallback() have since: the lockless walk, then the era's slow path for the rest, and the
 * "have to be a bit careful with return values" rule (a partial pin is returned, not the error).
 */
function* gupFastBody(k: Kernel, f: Frame, q: GupArgs): Call<KResult<GupResult>> {
  const { start, nr } = q
  const fast = yield* gupFastLockless(k, q)
  if (fast.n === nr) return ok(fast)
  yield f.check(
    'nr_pinned == nr_pages?',
    false,
    `GUP-fast got ${fast.n} of ${nr}: the rest goes through the slow path with mmap_lock held`,
  )
  const rest: GupArgs = { ...q, start: vaddr(start + fast.n * PAGE_SIZE), nr: nr - fast.n }
  const slow = !inEra(k.era, 'FOLL_LONGTERM')
    ? yield* getUserPagesUnlocked(k, rest)
    : inEra(k.era, '__gup_longterm_unlocked')
      ? yield* gupLongtermUnlocked(k, rest)
      : yield* gupLongtermLocked(k, rest)
  if (!slow.ok) {
    if (fast.n > 0n) {
      yield f.check(
        'ret < 0 but nr_pinned > 0',
        true,
        `return the ${fast.n} page(s) GUP-fast got; the caller sees a partial result`,
      )
      return ok(fast)
    }
    return slow
  }
  const holes = (slow.value.holes ?? []).map((h) => ({ ...h, at: h.at + fast.n }))
  return ok({
    n: fast.n + slow.value.n,
    runs: [...fast.runs, ...slow.value.runs],
    ...(holes.length ? { holes } : {}),
  })
}

/**
 * The lockless walk: gup_fast() -> gup_fast_pgd_range() (6.10+), lockless_pages_from_mm() ->
 * gup_pgd_range() (5.11–6.9), gup_pgd_range() alone before (local_irq_disable() around it).
 */
function* gupFastLockless(k: Kernel, q: GupArgs): Call<GupResult> {
  if (!inEra(k.era, 'gup_fast') && !inEra(k.era, 'lockless_pages_from_mm')) return yield* gupPgdRange(k, q)
  const f = frame(k, pick(k.era, 'gup_fast', 'lockless_pages_from_mm'), [])
  yield f.enter({ start: hex(q.start), end: hex(q.start + q.nr * PAGE_SIZE) })
  if (has(q.flags, 'FOLL_PIN'))
    yield f.check(
      'raw_read_seqcount(&current->mm->write_protect_seq) & 1',
      true,
      'no fork() is write-protecting the page tables: the walk may pin',
    )
  const r = yield* gupPgdRange(k, q)
  yield f.ret(pagesGot(r))
  return r
}

/** The GUP-fast grab of the era, for the narration (the lab grabs a run in one step). */
function fastGrabName(k: Kernel): string {
  return pick(
    k.era,
    'try_grab_folio_fast',
    'try_grab_folio',
    'try_grab_compound_head',
    'try_get_compound_head',
    'page_cache_get_speculative',
  )
}

/**
 * GUP-fast: walk the page tables without mmap_lock and grab pages until the first PTE it cannot
 * handle. Mirrors mm/gup.c: gup_pgd_range() -> gup_pte_range() (gup_fast_pgd_range() ->
 * gup_fast_pte_range() from 6.10). From 6.2 the grab returns NULL for a P2PDMA page without
 * FOLL_PCI_P2PDMA (try_grab_folio(), 6.4-era tree index 13006298; try_grab_folio_fast(), 6.12.118
 * mm/gup.c:542-543), so the walk stops there.
 */
function* gupPgdRange(k: Kernel, q: GupArgs): Call<GupResult> {
  const { mm, start, nr, flags } = q
  const f = frame(k, pick(k.era, 'gup_fast_pgd_range', 'gup_pgd_range'), [])
  const grab = fastGrabName(k)
  yield f.enter(rangeArgs(q))
  const runs: PageRange[] = []
  let done = 0n
  let stop = ''
  const tx = new Tx(k.world)
  while (done < nr) {
    const va = vaddr(start + done * PAGE_SIZE)
    const hit = pteAt(k.world, mm, va)
    if (!hit || !hit[1].present) {
      stop =
        hit && hit[1].swp === 'device_private'
          ? `${hex(va)} holds a device-private entry (not present): GUP-fast never returns device memory`
          : `pte_none at ${hex(va)}: not faulted in yet`
      break
    }
    const pte = hit[1]
    if (pte.special) {
      stop = `pte_special() at ${hex(va)}: a special PTE has no struct page (remap_pfn_range, vmf_insert_pfn, vmf_insert_mixed of a raw pfn)`
      break
    }
    if (has(flags, 'FOLL_WRITE') && !pte.writable) {
      stop = `PTE at ${hex(va)} is read-only and FOLL_WRITE is set`
      break
    }
    const idx = (va - pte.va) / PAGE_SIZE
    const p = mkPfn(pte.pfn + idx)
    const page = pageAt(k.world, p)
    if (!page) {
      stop = `pfn ${hex(p)} has no struct page`
      break
    }
    if (has(flags, 'FOLL_LONGTERM') && pageType(k, page) === 'MEMORY_DEVICE_FS_DAX') {
      stop = behaves(k.era, 'gup.longterm-refuses-fsdax-folio')
        ? `${hex(va)} maps an FS_DAX folio and FOLL_LONGTERM is set: !folio_is_longterm_pinnable() (folio_is_fsdax(), 6.15): the slow path decides`
        : `${hex(va)} is a pte_devmap() fsdax page and FOLL_LONGTERM is set: GUP-fast leaves it to the slow path`
      break
    }
    if (
      behaves(k.era, 'gup.grab-refuses-p2pdma') &&
      isP2pdmaPage(k, page) &&
      !has(flags, 'FOLL_PCI_P2PDMA')
    ) {
      stop = `${hex(va)} maps a P2PDMA page and FOLL_PCI_P2PDMA is not set: ${grab}() returns NULL and GUP-fast gives up`
      break
    }
    const count = min3(nr - done, pte.npages - idx, page.pfn + page.count - p)
    grabDelta(tx, p, count, has(flags, 'FOLL_PIN'))
    runs.push({ pfn: p, count })
    done += count
  }
  if (done > 0n)
    yield f.mutate(
      tx.deltas,
      `${grab}() on ${done} page(s) without mmap_lock: refcount += ${has(flags, 'FOLL_PIN') ? `${GUP_PIN_COUNTING_BIAS} (GUP_PIN_COUNTING_BIAS) per pin` : '1 per page'}`,
    )
  if (stop) yield f.check('GUP-fast can handle the next PTE?', false, stop)
  yield f.ret(done.toString())
  return { n: done, runs }
}

function min3(a: bigint, b: bigint, c: bigint): bigint {
  let m = a
  if (b < m) m = b
  if (c < m) m = c
  return m
}

/**
 * getUserPagesUnlocked - take mmap_lock and run the slow path.
 * Mirrors mm/gup.c: get_user_pages_unlocked(): `__get_user_pages_locked(..., gup_flags | FOLL_TOUCH)`
 * (6.1.192 mm/gup.c:2354-2377; 6.1 also WARN_ON_ONCE(FOLL_LONGTERM), which no caller here passes).
 *
 * Errnos: those of __get_user_pages().
 */
function* getUserPagesUnlocked(k: Kernel, q: GupArgs): Call<KResult<GupResult>> {
  const f = frame(k, 'get_user_pages_unlocked', GUP_ERRNOS)
  return yield* kcall(f, rangeArgs(q, true), getUserPagesLocked(k, q), pagesGot)
}

/**
 * gupLongtermUnlocked - the 5.2–6.2 slow path of GUP-fast.
 * Mirrors mm/gup.c: __gup_longterm_unlocked() (6.1.192 mm/gup.c:2966): with FOLL_LONGTERM take
 * mmap_lock and call __gup_longterm_locked(), else get_user_pages_unlocked().
 *
 * Errnos: those of the slow path.
 */
function* gupLongtermUnlocked(k: Kernel, q: GupArgs): Call<KResult<GupResult>> {
  const f = frame(k, '__gup_longterm_unlocked', GUP_ERRNOS)
  return yield* kcall(f, rangeArgs(q), body(), pagesGot)
  function* body(): Call<KResult<GupResult>> {
    const lt = has(q.flags, 'FOLL_LONGTERM')
    yield f.check(
      'gup_flags & FOLL_LONGTERM',
      true,
      lt
        ? 'FOLL_LONGTERM: mmap_read_lock(), then __gup_longterm_locked()'
        : '"FOLL_LONGTERM does not work with get_user_pages_unlocked()": no FOLL_LONGTERM, so get_user_pages_unlocked()',
    )
    return lt ? yield* gupLongtermLocked(k, q) : yield* getUserPagesUnlocked(k, q)
  }
}

/**
 * getUserPagesLongterm - the 4.15–5.1 long-term pin (RDMA, V4L2): get_user_pages() with a vmas
 * array, then refuse filesystem-DAX VMAs.
 * Mirrors mm/gup.c: get_user_pages_longterm() (replaced by FOLL_LONGTERM in 5.2, 932f4a630a69):
 * `rc = get_user_pages(start, nr_pages, gup_flags, pages, vmas); ... if (vma_is_fsdax(vma)) ...
 * rc = -EOPNOTSUPP`.
 *
 * Errnos: those of get_user_pages(), -EOPNOTSUPP (an fsdax VMA).
 * Simplification: the CMA migration some 5.1 builds added is not modelled (the lab has no CMA).
 */
export function* getUserPagesLongterm(k: Kernel, q: GupArgs): Call<KResult<GupResult>> {
  const { mm, start, nr, flags } = q
  const f = frame(k, 'get_user_pages_longterm', GUP_ERRNOS)
  return yield* kcall(f, rangeArgs(q, true), body(), pagesGot)
  function* body(): Call<KResult<GupResult>> {
    // `rc = get_user_pages(start, nr_pages, gup_flags, pages, vmas);` (FOLL_GET references)
    const r = yield* pinUserPages(k, mm, start, nr, flags, false)
    if (!r.ok) return r
    const dax = r.value.runs.some((x) => {
      const hit = Object.values(k.world.ptes).find(
        (p) => p.mm === mm && p.pfn <= x.pfn && x.pfn < p.pfn + p.npages,
      )
      const v = hit ? vmaAt(k.world, mm, hit.va) : null
      return !!v && vmaIsFsdax(v[1])
    })
    yield f.check(
      'vma_is_fsdax(vmas[i]) for the pinned pages',
      !dax,
      dax ? 'a filesystem-DAX mapping' : 'no fsdax VMA',
    )
    if (!dax) return r
    yield* unpinUserPages(k, r.value.runs, false)
    return fail(
      kerr(
        'EOPNOTSUPP',
        f.fn,
        'a long-term pin of fsdax file pages would block truncate and hole punching on the file',
        'never',
        'use ODP (no pins) or a short-term pin',
      ),
    )
  }
}

/**
 * __gup_longterm_locked - the FOLL_LONGTERM slow path: pin, then migrate pages that must not be
 * pinned long-term. Mirrors mm/gup.c: __gup_longterm_locked() (5.2+) with
 * check_and_migrate_cma_pages() (5.2–5.12) / check_and_migrate_movable_pages() (5.13+).
 *
 * Without FOLL_LONGTERM it returns __get_user_pages_locked() at once (6.1.192 mm/gup.c:2141); it is
 * only on the path without FOLL_LONGTERM from 6.3, when GUP-fast's slow path and pin_user_pages()
 * enter it directly (6.4-era tree, index 13006298; 6.12.118 mm/gup.c:2560).
 *
 * Errnos: those of __get_user_pages().
 * DEVICE_COHERENT pages (6.0+) are not long-term pinnable (folio_is_longterm_pinnable() is false), so
 * they are unpinned, migrated to system RAM (migrate_longterm_unpinnable_pages/_folios) and the pin
 * is retried.
 * The fsdax long-term refusal per era (issue #16 "also check", settled): 5.0–5.1 in
 * get_user_pages_longterm(); 5.2–5.10 here, after pinning, through check_dax_vmas(); from 5.11 in
 * check_vma_flags() before pinning. 6.12's folio_is_longterm_pinnable() has no fsdax test (K612
 * include/linux/mm.h:1993); 6.15 added folio_is_fsdax() to it (Alistair Popple, "mm/gup: Don't allow
 * FOLL_LONGTERM pinning of FS DAX pages", v8 posted 2025-02-18, index id 2017716127; 6.15 inferred;
 * K72 include/linux/mm.h:2740), which only GUP-fast can meet (the slow path has refused the VMA
 * already).
 *
 * Simplification: no ZONE_MOVABLE/CMA pages exist in the lab's RAM.
 */
function* gupLongtermLocked(k: Kernel, q: GupArgs): Call<KResult<GupResult>> {
  const { mm, start, flags } = q
  const f = frame(k, '__gup_longterm_locked', GUP_ERRNOS)
  return yield* kcall(f, rangeArgs(q), body(), pagesGot)
  function* body(): Call<KResult<GupResult>> {
    if (!has(flags, 'FOLL_LONGTERM')) {
      yield f.check(
        '!(gup_flags & FOLL_LONGTERM)',
        true,
        'not a long-term pin: return __get_user_pages_locked()',
      )
      return yield* getUserPagesLocked(k, q)
    }
    const r = yield* getUserPagesLocked(k, q)
    if (!r.ok) return r
    if (!behaves(k.era, 'gup.check-vma-flags-fsdax')) {
      const dax = yield* checkDaxVmas(k, mm, start, r.value.n)
      if (dax) {
        yield* unpinUserPages(k, r.value.runs, has(flags, 'FOLL_PIN'))
        return fail(
          kerr(
            'EOPNOTSUPP',
            'check_dax_vmas',
            'FOLL_LONGTERM on a MAP_SHARED fsdax file mapping (refused after pinning: the pages are released)',
            'never',
            'use ODP (no pins) or a short-term pin',
          ),
        )
      }
    }
    // FS_DAX folios never get here: check_vma_flags() (5.11+) or check_dax_vmas() refused the VMA.
    // folio_is_longterm_pinnable() also says no to them from 6.15 (gupPgdRange()).
    const check = inEra(k.era, 'check_and_migrate_movable_pages')
      ? `check_and_migrate_movable_pages(): all ${pick(k.era, 'folio_is_longterm_pinnable', 'is_longterm_pinnable_page', 'is_pinnable_page')}()?`
      : 'check_and_migrate_cma_pages(): no is_migrate_cma_page()?'
    const bad = r.value.runs.filter((x) => pageType(k, pageAt(k.world, x.pfn)) === 'MEMORY_DEVICE_COHERENT')
    if (!bad.length) {
      yield f.check(check, true, 'RAM outside ZONE_MOVABLE/CMA and P2PDMA pages stay where they are')
      return r
    }
    yield f.check(
      check,
      false,
      '"Coherent device memory must always allow eviction": a DEVICE_COHERENT page must not be pinned long-term; unpin, migrate it to system RAM, and pin again',
    )
    yield* unpinUserPages(k, r.value.runs, has(flags, 'FOLL_PIN'))
    for (const x of bad) {
      // find the user address that maps this pfn (the pin was taken from [start, start+nr))
      const hit = Object.values(k.world.ptes).find(
        (p) => p.mm === mm && p.pfn <= x.pfn && x.pfn < p.pfn + p.npages,
      )
      if (!hit) continue
      const m = yield* moveToRam(k, mm, vaddr(hit.va + (x.pfn - hit.pfn) * PAGE_SIZE), x.count, 'longterm')
      if (!m.ok) return m
    }
    yield f.check('the retry loop: pin again', true, 'the pages are in RAM now: the second pass pins them')
    return yield* getUserPagesLocked(k, q)
  }
}

/**
 * check_dax_vmas - 5.2–5.10: after a FOLL_LONGTERM pin, refuse it if any page came from an fsdax
 * VMA. Mirrors mm/gup.c: check_dax_vmas() called from __gup_longterm_locked() (Linux 5.10.13
 * mm/gup.c, index id 31178608294: __gup_longterm_locked() kcalloc()s a vmas array when
 * FOLL_LONGTERM, pins, then check_dax_vmas() -> put the pages, -EOPNOTSUPP). 52650c8b466b "mm/gup:
 * remove the vma allocation from gup_longterm_locked()" (5.11, inferred from the akpm batch) moved the refusal into
 * check_vma_flags(), before anything is pinned (K61 mm/gup.c:1075, K612 :1283, K72 :1213).
 * 5.0-5.1 did the same test inside get_user_pages_longterm() (4.15-5.1, recalled; the lab shows
 * it under check_dax_vmas).
 *
 * Returns true when an fsdax VMA was found.
 */
function* checkDaxVmas(k: Kernel, mm: string, start: Vaddr, n: bigint): Call<boolean> {
  const f = frame(k, 'check_dax_vmas', [])
  yield f.enter({ nr_pages: n.toString() })
  let dax: string | null = null
  for (let i = 0n; i < n && !dax;) {
    const v = vmaAt(k.world, mm, vaddr(start + i * PAGE_SIZE))
    if (!v) break
    if (vmaIsFsdax(v[1])) dax = v[1].file ?? v[0]
    i = (v[1].vm_end - start) / PAGE_SIZE
  }
  yield f.check(
    'vma_is_fsdax(vmas[i]) for any page?',
    !dax,
    dax
      ? `${dax} is an fsdax mapping: a long-term pin would block truncate and hole punching; the pages are put back and -EOPNOTSUPP returned`
      : 'no fsdax VMA',
  )
  yield f.ret(dax ? 'true' : 'false')
  return !!dax
}

/**
 * getUserPagesLocked - the slow path with mmap_lock held.
 * Mirrors mm/gup.c: __get_user_pages_locked().
 *
 * Errnos: those of __get_user_pages().
 * Simplification: no VM_FAULT_RETRY / lock dropping.
 */
function* getUserPagesLocked(k: Kernel, q: GupArgs): Call<KResult<GupResult>> {
  const f = frame(k, '__get_user_pages_locked', ['EFAULT', 'EOPNOTSUPP', 'EREMOTEIO', 'EEXIST'])
  return yield* kcall(f, rangeArgs(q), getUserPages(k, q), pagesGot)
}

/**
 * __get_user_pages - the slow path: find the VMA, check it, fault in and grab each page.
 * Mirrors mm/gup.c: __get_user_pages() -> check_vma_flags() -> follow_page_mask() -> follow_page_pte()
 * -> faultin_page() -> try_grab_folio().
 *
 * Returns `i ? i : ret`: the pages grabbed before the first error, or the error when none was.
 *
 * Errnos: -EFAULT (no VMA, VM_IO|VM_PFNMAP, write to a read-only VMA; a raw pfn up to 5.17 with
 * FOLL_GET), -EEXIST (a raw pfn, 5.18+), -EOPNOTSUPP (6.2–6.3 FOLL_LONGTERM|FOLL_PCI_P2PDMA),
 * -EREMOTEIO (P2PDMA page without FOLL_PCI_P2PDMA, 6.2+).
 */
function* getUserPages(k: Kernel, q: GupArgs): Call<KResult<GupResult>> {
  const { mm, start, nr, flags } = q
  const f = frame(k, '__get_user_pages', ['EFAULT', 'EOPNOTSUPP', 'EREMOTEIO', 'EEXIST'])
  yield f.enter(rangeArgs(q, true))
  const runs: PageRange[] = []
  const holes: PagesHole[] = []
  let i = 0n
  let lastVma = ''
  let err: KResult<GupResult> | null = null
  while (i < nr) {
    const va = vaddr(start + i * PAGE_SIZE)
    const v = vmaAt(k.world, mm, va)
    if (!v) {
      yield f.check('vma = gup_vma_lookup(mm, start)', false, `no VMA covers ${hex(va)}`)
      err = fail(kerr('EFAULT', f.fn, `no mapping at ${hex(va)}`))
      break
    }
    const [vk, vma] = v
    if (vk !== lastVma) {
      const c = yield* checkVmaFlags(k, vma, flags)
      if (!c.ok) {
        err = fail(c.error)
        break
      }
      lastVma = vk
    }
    const pte = pteAt(k.world, mm, va)
    if (!pte || !pte[1].present) {
      // faultin_page(): populate up to the next PTE or the end of the VMA / request.
      let upto = vaddr(start + nr * PAGE_SIZE)
      if (vma.vm_end < upto) upto = vma.vm_end
      for (const [, p] of ptesOverlapping(k.world, mm, va, upto)) if (p.va > va && p.va < upto) upto = p.va
      const at: FaultAt = {
        mm,
        vmaKey: vk,
        va,
        npages: (upto - va) / PAGE_SIZE,
        write: has(flags, 'FOLL_WRITE'),
      }
      const fr = yield* faultinPage(k, vma, at)
      if (!fr.ok) {
        err = fail(fr.error)
        break
      }
      continue
    }
    const r = yield* followPagePte(k, f, vma, pte[1], va, nr - i, flags)
    if (!r.ok && r.error.errno === 'EEXIST') {
      const hole = yield* eexistEntry(k, f, pte[1], va, i, nr - i)
      if (!hole) {
        err = r
        break
      }
      holes.push(hole)
      i += hole.count
      continue
    }
    if (!r.ok) {
      err = r
      break
    }
    runs.push(...r.value.runs)
    i += r.value.n
  }
  if (err && !err.ok && i === 0n) {
    yield f.fail(err.error)
    return err
  }
  if (err && !err.ok)
    yield f.check(
      'i ? i : ret',
      true,
      `${i} page(s) were grabbed before ${err.error.fn} returned -${err.error.errno}: return ${i}`,
    )
  yield f.ret(i.toString())
  return ok(holes.length ? { n: i, runs, holes } : { n: i, runs })
}

/**
 * What __get_user_pages() does with follow_page_mask()'s -EEXIST (a present PTE without a struct
 * page): 5.18+ "if (pages) { ret = PTR_ERR(page); goto out; }" (65462462ffb2; K612 mm/gup.c:1512-1522),
 * so null (bail out with -EEXIST); before, "goto next_page": the entries are counted but pages[]
 * is never written (a hole, returned).
 */
function* eexistEntry(
  k: Kernel,
  f: Frame,
  pte: { va: Vaddr; npages: bigint; pfn: Pfn },
  va: Vaddr,
  at: bigint,
  want: bigint,
): Call<PagesHole | null> {
  if (behaves(k.era, 'gup.follow-pfn-pte-eexist')) {
    yield f.check(
      'PTR_ERR(page) == -EEXIST: if (pages) { ret = -EEXIST; goto out; }',
      false,
      'a proper page table entry but no struct page, and the caller wants pages[] filled in: that cannot be done for this page, bail out (65462462ffb2, 5.18)',
    )
    return null
  }
  const left = pte.npages - (va - pte.va) / PAGE_SIZE
  const n = want < left ? want : left
  yield f.check(
    'PTR_ERR(page) == -EEXIST: goto next_page',
    true,
    `"Proper page table entry exists, but no corresponding struct page": the loop moves on and counts ${n} page(s) it never wrote to pages[${at}${n > 1n ? `..${at + n - 1n}` : ''}] (the FOLL_PIN bug 7196040e19ad fixed in 5.18: the caller gets success and whatever its array held there)`,
  )
  return { at, count: n, pfn: mkPfn(pte.pfn + (va - pte.va) / PAGE_SIZE) }
}

/**
 * check_vma_flags - may GUP touch this VMA with these flags?
 * Mirrors mm/gup.c: check_vma_flags() (same order since 4.x; the P2PDMA test is 6.2–6.3 only;
 * writable_file_mapping_allowed() 6.5+).
 *
 * Errnos: -EFAULT, -EOPNOTSUPP.
 */
export function* checkVmaFlags(k: Kernel, vma: VmArea, flags: readonly FollFlag[]): Call<KResult<void>> {
  const f = frame(k, 'check_vma_flags', ['EFAULT', 'EOPNOTSUPP'])
  return yield* kcall(f, { vm_flags: flagStr(vma.vm_flags), gup_flags: F(flags) }, body())
  function* body(): Call<KResult<void>> {
    const io = hasFlag(vma, 'VM_IO') || hasFlag(vma, 'VM_PFNMAP')
    yield f.check(
      'vm_flags & (VM_IO | VM_PFNMAP)',
      !io,
      io
        ? 'an I/O / PFN-map VMA (remap_pfn_range, or a driver that faults in PTEs with vmf_insert_pfn): there are no struct pages to return'
        : 'ordinary VMA',
    )
    if (io)
      return fail(
        kerr(
          'EFAULT',
          f.fn,
          'GUP on a VM_IO|VM_PFNMAP mapping (a BAR mapped with remap_pfn_range has no struct page)',
          'never',
          'map the BAR as p2pmem (pci_p2pdma_add_resource + p2pmem/allocate) or export it as a dma-buf',
        ),
      )
    if (has(flags, 'FOLL_LONGTERM') && behaves(k.era, 'gup.check-vma-flags-fsdax')) {
      const dax = vmaIsFsdax(vma)
      yield f.check(
        '(gup_flags & FOLL_LONGTERM) && vma_is_fsdax(vma)',
        !dax,
        dax
          ? 'a long-term pin of fsdax file pages would block truncate and hole punching on the file'
          : 'not an fsdax mapping',
      )
      if (dax)
        return fail(
          kerr(
            'EOPNOTSUPP',
            f.fn,
            'FOLL_LONGTERM on a MAP_SHARED fsdax file mapping',
            'never',
            'use ODP (no pins) or a short-term pin',
          ),
        )
    }
    if (behaves(k.era, 'gup.check-vma-flags-longterm-p2pdma')) {
      const lp = has(flags, 'FOLL_LONGTERM') && has(flags, 'FOLL_PCI_P2PDMA')
      yield f.check(
        '(gup_flags & FOLL_LONGTERM) && (gup_flags & FOLL_PCI_P2PDMA)',
        !lp,
        lp
          ? 'long-term pins of P2PDMA memory are not supported (6.2–6.3 check)'
          : 'not a long-term P2PDMA pin',
      )
      if (lp) return fail(kerr('EOPNOTSUPP', f.fn, 'FOLL_LONGTERM with FOLL_PCI_P2PDMA'))
    }
    if (has(flags, 'FOLL_WRITE')) {
      const w = hasFlag(vma, 'VM_WRITE') || has(flags, 'FOLL_FORCE')
      yield f.check(
        'FOLL_WRITE: vm_flags & VM_WRITE',
        w,
        w ? 'the VMA is writable' : 'write access to a read-only VMA',
      )
      if (!w) return fail(kerr('EFAULT', f.fn, 'FOLL_WRITE on a VMA without VM_WRITE'))
      if (inEra(k.era, 'writable_file_mapping_allowed') && vma.file && has(flags, 'FOLL_LONGTERM')) {
        yield f.check(
          'writable_file_mapping_allowed()',
          true,
          `${vma.file} needs no dirty tracking (no page_mkwrite, no writeback; reasoned from vma_needs_dirty_tracking(), unverified), so a long-term writable pin is allowed`,
        )
      }
    }
    return ok(undefined)
  }
}

/**
 * faultinPage - fault in missing pages for GUP: `at` is the fault it hands to handle_mm_fault().
 * Mirrors mm/gup.c: faultin_page() -> handle_mm_fault().
 *
 * Errnos: -EFAULT (VM_FAULT_SIGBUS: the lab only faults anonymous memory).
 */
function* faultinPage(k: Kernel, vma: VmArea, at: FaultAt): Call<KResult<void>> {
  const { mm, va, npages } = at
  const f = frame(k, 'faultin_page', ['EFAULT'])
  return yield* kcall(f, { address: hex(va), pages: npages.toString() }, body())
  function* body(): Call<KResult<void>> {
    const swp = pteAt(k.world, mm, va)
    if (swp && swp[1].swp === 'device_private')
      return yield* doSwapPageDevicePrivate(k, mm, va, npages, 'the page lives in DEVICE_PRIVATE memory')
    const anon = vma.file === null
    yield f.check(
      'anonymous VMA?',
      anon,
      anon
        ? 'do_anonymous_page() will supply zeroed RAM'
        : `the lab only faults anonymous memory; ${vma.file} has no fault handler here`,
    )
    if (!anon) return fail(kerr('EFAULT', f.fn, 'handle_mm_fault() returned VM_FAULT_SIGBUS'))
    return yield* handleMmFault(k, at)
  }
}

/**
 * follow_page_pte - find the page behind one PTE run and grab it.
 * Mirrors mm/gup.c: follow_page_pte() -> vm_normal_page() / follow_pfn_pte() -> try_grab_folio().
 */
function* followPagePte(
  k: Kernel,
  parent: Frame,
  vma: VmArea,
  pte: { va: Vaddr; npages: bigint; pfn: Pfn; special: boolean; writable: boolean },
  va: Vaddr,
  want: bigint,
  flags: readonly FollFlag[],
): Call<KResult<GupResult>> {
  void parent
  const f = frame(k, 'follow_page_pte', ['EFAULT', 'EREMOTEIO', 'EEXIST'])
  return yield* kcall(f, { address: hex(va) }, body(), (r) => `${r.n} page(s)`)
  function* body(): Call<KResult<GupResult>> {
    const idx = (va - pte.va) / PAGE_SIZE
    const p = mkPfn(pte.pfn + idx)
    const page = pte.special ? null : pageAt(k.world, p)
    yield f.check(
      'vm_normal_page(vma, address, pte)',
      !!page,
      page
        ? `pfn ${hex(p)} has a struct page (${page.kind === 'ram' ? 'RAM' : 'ZONE_DEVICE'})`
        : `pfn ${hex(p)} is a special PTE without struct page (VM_MIXEDMAP raw pfn): follow_pfn_pte()`,
    )
    if (!page) return yield* followPfnPte(k, vma, p, flags)
    const count = min3(want, pte.npages - idx, page.pfn + page.count - p)
    return yield* tryGrab(k, p, count, page, flags)
  }
}

/**
 * follow_pfn_pte - a present PTE with no struct page behind it (a raw pfn in a VM_MIXEDMAP VMA).
 * Mirrors mm/gup.c: follow_pfn_pte(), in three regimes:
 * - up to 5.17 ("No page to get reference") `if (flags & FOLL_GET) return -EFAULT;`, else
 *   -EEXIST (5.10.13 mm/gup.c; since 1027e4436b6a). From 5.6 FOLL_PIN is not FOLL_GET, so a pin
 *   took the -EEXIST path and __get_user_pages() skipped the entry (Peter Xu, "mm: fix invalid page
 *   pointer returned with FOLL_PIN gups", 7196040e19ad, made it "FOLL_GET | FOLL_PIN"; Fixes:
 *   3faa52c03f44 of 5.6; AUTOSEL'd to a stable branch 2022-04-28, index id 36049806000).
 * - 5.18+: always -EEXIST (John Hubbard, "mm/gup: follow_pfn_pte(): -EEXIST cleanup",
 *   65462462ffb2, right after v5.17 in Linus' tree, index id 65724601301; K61 mm/gup.c:485-503,
 *   K612 :780-798), and __get_user_pages() returns it when pages[] is wanted (K61 :1265-1276,
 *   K612 :1512-1522).
 * The lab's era v5.10 and v5.15 stand for the .0 releases: the skip is shown there.
 *
 * Errnos: -EFAULT (up to 5.17, FOLL_GET), -EEXIST.
 */
function* followPfnPte(k: Kernel, vma: VmArea, p: Pfn, flags: readonly FollFlag[]): Call<KResult<GupResult>> {
  const f = frame(k, 'follow_pfn_pte', ['EFAULT', 'EEXIST'])
  return yield* kcall(f, { pfn: hex(p), vm_flags: flagStr(vma.vm_flags) }, body(), () => '0')
  function* body(): Call<KResult<GupResult>> {
    if (!behaves(k.era, 'gup.follow-pfn-pte-eexist')) {
      const get = has(flags, 'FOLL_GET')
      yield f.check(
        'flags & FOLL_GET',
        !get,
        get
          ? '"No page to get reference": -EFAULT'
          : 'FOLL_PIN is not FOLL_GET: this check lets a pin through to the -EEXIST below',
      )
      if (get)
        return fail(kerr('EFAULT', f.fn, 'a raw pfn in a VM_MIXEDMAP VMA has no page to take a reference on'))
    }
    yield f.check(
      'return -EEXIST',
      false,
      '"Proper page table entry exists, but no corresponding struct page"',
    )
    return fail(
      kerr(
        'EEXIST',
        f.fn,
        'a raw pfn in a VM_MIXEDMAP VMA (a special PTE) has no struct page to return',
        'never',
        'map device memory that GUP must see as p2pmem (ZONE_DEVICE pages), or hand it over as a dma-buf',
      ),
    )
  }
}

/**
 * The slow path's grab of one run: take a reference (FOLL_GET) or a pin (FOLL_PIN).
 * Mirrors the era's follow_page_pte() grab: get_page() (5.0), try_get_page() (5.1–5.6, -ENOMEM on a
 * refcount overflow), try_grab_page() (5.7–6.9: bool until 6.1, int from 6.2), try_grab_folio(folio,
 * refs, flags) (6.10+, f442fa614137; 6.12.118 mm/gup.c:146). From 6.2 (4003f107fa2e):
 * `if (unlikely(!(flags & FOLL_PCI_P2PDMA) && is_pci_p2pdma_page(page))) return -EREMOTEIO;`
 * (6.4-era tree, index 13006298; 6.12.118 mm/gup.c:152-153).
 *
 * Errnos: -EREMOTEIO (6.2+).
 */
function* tryGrab(
  k: Kernel,
  first: Pfn,
  count: bigint,
  page: PageRun,
  flags: readonly FollFlag[],
): Call<KResult<GupResult>> {
  const f = frame(k, pick(k.era, 'try_grab_folio', 'try_grab_page', 'try_get_page', 'get_page'), [
    'EREMOTEIO',
  ])
  return yield* kcall(
    f,
    { pfn: hex(first), pages: count.toString(), flags: has(flags, 'FOLL_PIN') ? 'FOLL_PIN' : 'FOLL_GET' },
    body(),
    (r) => `${r.n} page(s)`,
  )
  function* body(): Call<KResult<GupResult>> {
    if (behaves(k.era, 'gup.grab-refuses-p2pdma')) {
      const p2p = isP2pdmaPage(k, page)
      const refused = p2p && !has(flags, 'FOLL_PCI_P2PDMA')
      yield f.check(
        '!(flags & FOLL_PCI_P2PDMA) && is_pci_p2pdma_page(page)',
        !refused,
        p2p
          ? refused
            ? 'a P2PDMA page, and the caller did not say it can handle one'
            : 'a P2PDMA page; the caller passed FOLL_PCI_P2PDMA'
          : 'not a P2PDMA page',
      )
      if (refused)
        return fail(
          kerr(
            'EREMOTEIO',
            f.fn,
            'P2PDMA page without FOLL_PCI_P2PDMA',
            'never',
            'only callers that can DMA to PCI memory (the block layer with a P2PDMA queue) pass FOLL_PCI_P2PDMA',
          ),
        )
    }
    const tx = new Tx(k.world)
    grabDelta(tx, first, count, has(flags, 'FOLL_PIN'))
    yield f.mutate(
      tx.deltas,
      has(flags, 'FOLL_PIN')
        ? `pin: refcount += ${GUP_PIN_COUNTING_BIAS} on ${count} page(s) (folio_maybe_dma_pinned() now true)`
        : `get: refcount += 1 on ${count} page(s)`,
    )
    return ok({ n: count, runs: [{ pfn: first, count }] })
  }
}

/**
 * unpinUserPages - drop pins (or FOLL_GET references) taken by GUP.
 * Mirrors mm/gup.c: unpin_user_pages() (put_page() for FOLL_GET).
 *
 * Errnos: none.
 */
export function* unpinUserPages(k: Kernel, runs: readonly PageRange[], pin: boolean): Call<KResult<void>> {
  const f = frame(k, pin ? 'unpin_user_pages' : 'put_page', [])
  return yield* kcall(f, { npages: runs.reduce((s, r) => s + r.count, 0n).toString() }, body())
  function* body(): Call<KResult<void>> {
    const tx = new Tx(k.world)
    for (const r of runs)
      updatePages(tx, r.pfn, r.count, (p) =>
        pin
          ? { ...p, refcount: p.refcount - GUP_PIN_COUNTING_BIAS, pins: p.pins - 1 }
          : { ...p, refcount: p.refcount - 1, gets: p.gets - 1 },
      )
    if (!tx.empty)
      yield f.mutate(
        tx.deltas,
        pin ? `refcount -= ${GUP_PIN_COUNTING_BIAS} per pinned page` : 'refcount -= 1 per page',
      )
    return ok(undefined)
  }
}

/**
 * pinUserPages - the slow path only: the era's pin_user_pages() (pin = true, 5.6+) or
 * get_user_pages().
 * Mirrors mm/gup.c:
 * - get_user_pages(): __get_user_pages_locked(gup_flags | FOLL_TOUCH) before 5.2;
 *   __gup_longterm_locked() 5.2–6.2 (after is_valid_gup_flags() where it exists, 6.1.192
 *   mm/gup.c:2327); is_valid_gup_args() then __get_user_pages_locked() from 6.3 (6.12.118).
 * - pin_user_pages(): WARN_ON_ONCE(FOLL_GET) then __gup_longterm_locked() (5.6–6.2, 6.1.192
 *   mm/gup.c:3304); from 6.3 is_valid_gup_args(), and a refusal returns 0, not -EINVAL (6.4-era tree
 *   index 13006298; 6.12.118 pin_user_pages()).
 *
 * Errnos: as __get_user_pages(), plus -EINVAL from the argument checks.
 */
export function* pinUserPages(
  k: Kernel,
  mm: string,
  start: Vaddr,
  nr: bigint,
  flagsIn: readonly FollFlag[],
  pin = true,
): Call<KResult<GupResult>> {
  const f = frame(k, pin ? 'pin_user_pages' : 'get_user_pages', GUP_ERRNOS)
  return yield* kcall(f, rangeArgs({ mm, start, nr, flags: flagsIn }, true), body(), pagesGot)
  function* body(): Call<KResult<GupResult>> {
    const flags: FollFlag[] = [...flagsIn, pin ? 'FOLL_PIN' : 'FOLL_GET']
    const q: GupArgs = { mm, start, nr, flags }
    if (inEra(k.era, 'is_valid_gup_args')) {
      const v = yield* isValidGupArgs(k, flags, mm)
      if (!v.ok) {
        if (!pin) return v
        yield f.check('!is_valid_gup_args()', false, 'pin_user_pages() returns 0 (no pages), not an errno')
        return ok({ n: 0n, runs: [] })
      }
      return pin ? yield* gupLongtermLocked(k, q) : yield* getUserPagesLocked(k, q)
    }
    if (pin) {
      const bad = has(flagsIn, 'FOLL_GET')
      const warned = yield* warnOn(
        k,
        f,
        'gup.pin.foll-get',
        bad,
        bad ? 'FOLL_GET and FOLL_PIN together' : 'gup_flags |= FOLL_PIN',
        mm,
      )
      if (warned) return fail(kerr('EINVAL', f.fn, 'FOLL_GET and FOLL_PIN together'))
    } else if (inEra(k.era, 'is_valid_gup_flags')) {
      const v = yield* isValidGupFlags(k, flagsIn, mm)
      if (!v.ok) return v
    }
    return inEra(k.era, '__gup_longterm_locked')
      ? yield* gupLongtermLocked(k, q)
      : yield* getUserPagesLocked(k, q)
  }
}
