/**
 * HMM: hmm_range_fault() per era, the device page faults of a GPU mirror, and hmm_dma_map_pfn().
 *
 * The lab's eras map onto the HMM APIs like this (docs/kernel/hmm.md; boundaries marked ~ are approximate):
 *
 *   v5.0          2019 API (v4.20 S9, v5.0 assumed identical): hmm_vma_fault()/hmm_vma_get_pfns() on one VMA;
 *                 VM_SPECIAL/hugetlb/DAX VMA -> every entry HMM_PFN_SPECIAL and -EINVAL
 *   v5.0-rfc      Jérôme's -mm base the RFC applied to: hmm_range_fault(range, block) = _hmm_range_fault(range,
 *                 block, NULL, NULL): a device VMA gives -EFAULT (hmm/rfc.ts has the p2p path)
 *   v5.2, v5.4    5.2-era API (~: these ran until 5.6): device_vma (VM_IO|VM_PFNMAP|VM_MIXEDMAP) -> -EFAULT
 *   v6.0+         current API (5.7+): walk_test skips VM_IO|VM_PFNMAP (REQ_FAULT -> -EFAULT, else HMM_PFN_ERROR
 *                 and 0); VM_MIXEDMAP is walked (5.17+, 87c01d57fa23; 5.7–5.16 gave -EFAULT, a span the lab
 *                 has no era for); dev_private_owner; mmu_interval_notifier sequence
 *   v6.16+        hmm_dma_map_pfn() with HMM_PFN_P2PDMA / HMM_PFN_P2PDMA_BUS / HMM_PFN_DMA_MAPPED (~)
 */
import {
  dmaAddr,
  hex,
  PAGE_SIZE,
  pfn as mkPfn,
  pfnToPhys,
  vaddr,
  type DmaAddr,
  type Pfn,
  type Vaddr,
} from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaves, behaviourRange, has, hasPatch } from '../era/index'
import { frame, kcall, type Call, labFrame } from '../core/step'
import { Tx, type HmmEntryRun, type PteRun, type VmArea } from '../core/world'
import { p2pdmaMapType } from '../dma/p2p'
import { isP2pdmaPage } from '../gup/gup'
import { moveToRam, vmaIsFsdax } from '../mm/devmem'
import { handleMmFault } from '../mm/fault'
import { hasFlag, nextPteStart, pageAt, pteAt, vmaAt } from '../mm/mm'
import {
  mmuIntervalNotifierInsert,
  mmuIntervalReadBegin,
  mmuIntervalReadRetry,
  setDevPte,
  zapDevPtes,
} from '../mm/notifier'
import { pciDev } from '../p2pdma/pci'
import type { PciDev } from '../topology/types'

export type HmmApi = '2019' | 'rfc' | '5.2' | '5.4' | 'current'

/** Which hmm_range_fault() the era has. */
export function hmmApi(k: Kernel): HmmApi {
  if (hasPatch(k.era, 'rfc-2019')) return 'rfc'
  if (has(k.era, 'hmm_vma_get_pfns')) return '2019'
  if (has(k.era, 'HMM_FAULT_SNAPSHOT')) return '5.4'
  if (has(k.era, 'hmm_range_register')) return '5.2'
  return 'current'
}

export interface HmmReq {
  mm: string
  start: Vaddr
  npages: bigint
  /** default_flags has HMM_PFN_REQ_FAULT (2019: flags[HMM_PFN_VALID] requested with block/fault). */
  fault: boolean
  write: boolean
  /** range->dev_private_owner (current API). */
  owner: string | null
  notifier: string | null
  seq: number | null
  /** 2019/RFC: default_flags include flags[HMM_PFN_DEVICE_PRIVATE]: fault device memory back to RAM. */
  faultDevicePrivate?: boolean
}

export interface HmmOut {
  entries: HmmEntryRun[]
}

const DEVICE_VMA = ['VM_IO', 'VM_PFNMAP', 'VM_MIXEDMAP'] as const

function push(out: HmmEntryRun[], e: HmmEntryRun): void {
  const last = out[out.length - 1]
  if (
    last &&
    last.flags.join() === e.flags.join() &&
    last.dma === null &&
    e.dma === null &&
    ((last.pfn === null && e.pfn === null) ||
      (last.pfn !== null && e.pfn !== null && last.pfn + last.count === e.pfn))
  ) {
    out[out.length - 1] = { ...last, count: last.count + e.count }
    return
  }
  out.push(e)
}

/** One hmm_range_fault() call in progress: the request, the era's API and its trace frame. */
interface HmmWalk {
  k: Kernel
  req: HmmReq
  api: HmmApi
  f: ReturnType<typeof frame>
  end: Vaddr
}

/**
 * hmmRangeFault - snapshot (and optionally fault in) the CPU page table for a device.
 * Mirrors, by era: mm/hmm.c: hmm_vma_fault()/hmm_vma_get_pfns() (v4.20/v5.0), hmm_range_fault(range,
 * bool block) and hmm_range_snapshot(range) (5.2–5.3 and the RFC base), hmm_range_fault(range,
 * unsigned int flags) with HMM_FAULT_SNAPSHOT (5.4–5.6: "mm/hmm: replace the block argument to
 * hmm_range_fault with a flags value" and "replace hmm_range_snapshot with hmm_range_fault", both in the
 * 5.4 hmm pull, S12), hmm_range_fault(range) (5.7+: hmm_vma_walk_test, hmm_vma_handle_pte).
 *
 * Errnos: -EFAULT (device VMA / hole / special PTE when a fault is needed), -EINVAL (2019: VM_SPECIAL,
 * every entry HMM_PFN_SPECIAL), -EPERM (no VM_READ in the 2019/5.2 APIs; write fault on a read-only VMA),
 * -EBUSY (the notifier sequence moved: the caller must retry).
 * Simplification: faults are range-wise (one handle_mm_fault() step per run), and the -EBUSY walk
 * restart after a fault or migration is a check step, not a second walk.
 */
export function* hmmRangeFault(k: Kernel, req: HmmReq): Call<KResult<HmmOut>> {
  const api = hmmApi(k)
  const name =
    api === '2019'
      ? req.fault
        ? 'hmm_vma_fault'
        : 'hmm_vma_get_pfns'
      : api === '5.2' && !req.fault
        ? 'hmm_range_snapshot'
        : 'hmm_range_fault'
  const f = frame(k, name, ['EFAULT', 'EINVAL', 'EPERM', 'EBUSY'])
  const end = vaddr(req.start + req.npages * PAGE_SIZE)
  const args: Record<string, string> =
    api === 'current'
      ? {
          start: hex(req.start),
          end: hex(end),
          default_flags:
            [req.fault ? 'HMM_PFN_REQ_FAULT' : '', req.fault && req.write ? 'HMM_PFN_REQ_WRITE' : '']
              .filter(Boolean)
              .join('|') || '0',
          dev_private_owner: req.owner ?? 'NULL',
        }
      : api === '5.4'
        ? // 5.4: hmm_range_fault(range, unsigned int flags); a snapshot is HMM_FAULT_SNAPSHOT
          { start: hex(req.start), end: hex(end), flags: req.fault ? '0' : 'HMM_FAULT_SNAPSHOT' }
        : name === 'hmm_range_snapshot'
          ? { start: hex(req.start), end: hex(end) }
          : { start: hex(req.start), end: hex(end), block: String(req.fault) }
  const w: HmmWalk = { k, req, api, f, end }
  return yield* kcall(f, args, walkRange(w), (o) => `0 (${o.entries.length} run(s) of entries)`)
}

/** The notifier check, then walk_page_range() over the VMAs of [start, end). */
function* walkRange(w: HmmWalk): Call<KResult<HmmOut>> {
  const { k, req, api, f, end } = w
  if (api === 'current' && req.notifier && req.seq !== null) {
    const cur = k.world.notifiers[req.notifier]?.invalidate_seq
    const stale = cur !== req.seq
    yield f.check(
      'mmu_interval_check_retry(range->notifier, range->notifier_seq)',
      !stale,
      stale
        ? `an invalidation ran since read_begin (${req.seq} -> ${cur}): return -EBUSY`
        : 'no invalidation pending',
    )
    if (stale) return fail(kerr('EBUSY', f.fn, 'the notifier sequence changed', 'after-invalidation'))
  }
  const out: HmmEntryRun[] = []
  let i = 0n
  let first = true
  while (i < req.npages) {
    const va = vaddr(req.start + i * PAGE_SIZE)
    const hit = vmaAt(k.world, req.mm, va)
    if (api === '2019' && !first && hit === null) break
    if (!hit) {
      // hmm_vma_walk_hole(): no VMA at all
      const e = yield* holeOrSkip(w, va, 'no VMA covers the address (a hole)', req.npages - i)
      if (!e.ok) return e
      push(out, { idx: i, count: e.value, pfn: null, flags: ['HMM_PFN_ERROR'], dma: null })
      i += e.value
      continue
    }
    first = false
    const [, vma] = hit
    const vEnd = vma.vm_end < end ? vma.vm_end : end
    const span = (vEnd - va) / PAGE_SIZE
    const g = yield* vmaGate(w, vma, va, span)
    if (!g.ok) {
      if (api === '2019')
        yield f.check(
          'hmm_pfns_special(range)',
          false,
          `every pfns[i] = range->values[HMM_PFN_SPECIAL] (${req.npages} entries)`,
        )
      return g
    }
    if (g.value === 'skip') {
      push(out, { idx: i, count: span, pfn: null, flags: ['HMM_PFN_ERROR'], dma: null })
      i += span
      continue
    }
    const r = yield* walkPtes(w, vma, va, span, i, out)
    if (!r.ok) return r
    i += span
  }
  return ok({ entries: out })
}

/** hmm_vma_walk_hole / the skip branch of hmm_vma_walk_test: -EFAULT when a fault is needed, else HMM_PFN_ERROR. */
function* holeOrSkip({ req, f }: HmmWalk, va: Vaddr, why: string, n: bigint): Call<KResult<bigint>> {
  yield f.check(
    'hmm_range_need_fault()?',
    !req.fault,
    req.fault
      ? `${why}, and HMM_PFN_REQ_FAULT asks for a fault: -EFAULT`
      : `${why}: no fault requested, so the entries become HMM_PFN_ERROR`,
  )
  if (req.fault) return fail(kerr('EFAULT', f.fn, `${why} at ${hex(va)}`, 'never'))
  return ok(n)
}

/** Per-VMA gate: whether the VMA is walked at all. */
function* vmaGate(w: HmmWalk, vma: VmArea, va: Vaddr, n: bigint): Call<KResult<'walk' | 'skip'>> {
  const { k, api, f } = w
  const fl = vma.vm_flags.join('|')
  if (api === '2019') {
    const special =
      DEVICE_VMA.some((x) => hasFlag(vma, x)) || hasFlag(vma, 'VM_DONTEXPAND') || vmaIsFsdax(vma)
    yield f.check(
      'vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP) || is_vm_hugetlb_page(vma) || vma_is_dax(vma)',
      !special,
      special
        ? `${fl}: "the result of vmf_insert_pfn() or vm_insert_page()... should not be mirrored by a device": hmm_pfns_special() and -EINVAL`
        : 'an ordinary VMA',
    )
    if (special) return fail(kerr('EINVAL', f.fn, 'a special VMA cannot be mirrored (2019 HMM)', 'never'))
  } else if (api === '5.2' || api === '5.4' || api === 'rfc') {
    const dev = DEVICE_VMA.some((x) => hasFlag(vma, x))
    yield f.check(
      api === 'rfc'
        ? 'device_vma && (!device || !pas || !vma->vm_ops->p2p_map)'
        : 'vma->vm_flags & device_vma (VM_IO | VM_PFNMAP | VM_MIXEDMAP)',
      !dev,
      dev
        ? api === 'rfc'
          ? `${fl}: the public hmm_range_fault() passes device = NULL, pas = NULL: -EFAULT (only hmm_range_dma_map() can reach p2p_map)`
          : `${fl}: a device VMA: -EFAULT`
        : 'not a device VMA',
    )
    if (dev) return fail(kerr('EFAULT', f.fn, 'hmm_range_fault() on a device VMA', 'never'))
  }
  if (api !== 'current') {
    const r = hasFlag(vma, 'VM_READ')
    yield f.check('vma->vm_flags & VM_READ', r, r ? 'readable' : 'no VM_READ: -EPERM')
    if (!r) return fail(kerr('EPERM', f.fn, 'VMA without VM_READ'))
    return ok('walk')
  }
  // VM_MIXEDMAP is walked from 5.17 (87c01d57fa23, hmm.walk-mixedmap); 5.7–5.16 skipped it like VM_IO.
  const mixedWalked = behaves(k.era, 'hmm.walk-mixedmap')
  const walked =
    !hasFlag(vma, 'VM_IO') &&
    !hasFlag(vma, 'VM_PFNMAP') &&
    (mixedWalked || !hasFlag(vma, 'VM_MIXEDMAP')) &&
    hasFlag(vma, 'VM_READ')
  yield f.check(
    mixedWalked
      ? 'hmm_vma_walk_test(): !(vm_flags & (VM_IO | VM_PFNMAP)) && (vm_flags & VM_READ)'
      : 'hmm_vma_walk_test(): !(vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP)) && (vm_flags & VM_READ)',
    walked,
    walked
      ? hasFlag(vma, 'VM_MIXEDMAP')
        ? `${fl}: VM_MIXEDMAP is walked (${behaviourRange('hmm.walk-mixedmap')}); vm_normal_page() decides per PTE`
        : `${fl}: walked`
      : `${fl}: not walked`,
  )
  if (walked) return ok('walk')
  const r = yield* holeOrSkip(
    w,
    va,
    `a VM_IO/VM_PFNMAP${mixedWalked ? '' : '/VM_MIXEDMAP'} (or unreadable) VMA`,
    n,
  )
  if (!r.ok) return r
  return ok('skip')
}

/**
 * One PTE run's outcome: the number of pages it reported, or 0 after a fault (the walk looks at the
 * same address again).
 */
type PteStep = KResult<bigint>

/** hmm_vma_walk_pmd -> hmm_vma_handle_pte, run-wise. */
function* walkPtes(
  w: HmmWalk,
  vma: VmArea,
  va0: Vaddr,
  n: bigint,
  idx0: bigint,
  out: HmmEntryRun[],
): Call<KResult<void>> {
  let j = 0n
  while (j < n) {
    const va = vaddr(va0 + j * PAGE_SIZE)
    const hit = pteAt(w.k.world, w.req.mm, va)
    const r = hit
      ? yield* handlePte(w, vma, va, hit, n - j, idx0 + j, out)
      : yield* handlePteNone(w, vma, va, n - j, idx0 + j, out)
    if (!r.ok) return r
    j += r.value
  }
  return ok(undefined)
}

/** pte_none: entry 0 for a snapshot, else hmm_vma_fault() -> handle_mm_fault(). */
function* handlePteNone(
  { k, req, api, f }: HmmWalk,
  vma: VmArea,
  va: Vaddr,
  left: bigint,
  idx: bigint,
  out: HmmEntryRun[],
): Call<PteStep> {
  const m = (nextPteStart(k.world, req.mm, va, vaddr(va + left * PAGE_SIZE)) - va) / PAGE_SIZE
  if (!req.fault) {
    yield f.check(
      'pte_none: hmm_pte_need_fault()?',
      true,
      'nothing mapped and no fault requested: entry 0 (HMM_PFN_NONE)',
    )
    push(out, { idx, count: m, pfn: null, flags: [], dma: null })
    return ok(m)
  }
  if (vma.file !== null) {
    yield f.check(
      'hmm_vma_fault(): handle_mm_fault()',
      false,
      `${vma.file}: the lab faults anonymous memory only: VM_FAULT_SIGBUS`,
    )
    return fail(kerr('EFAULT', f.fn, 'fault on a file mapping the lab cannot populate'))
  }
  if (req.write && !hasFlag(vma, 'VM_WRITE')) {
    yield f.check('hmm_vma_fault(): write fault needs VM_WRITE', false, 'the VMA is read-only: -EPERM')
    return fail(kerr('EPERM', f.fn, 'write fault on a read-only VMA'))
  }
  yield f.check(
    'pte_none: hmm_pte_need_fault()',
    true,
    `a fault is requested: hmm_vma_fault() -> handle_mm_fault() for ${m} page(s)${api === 'current' ? ', then -EBUSY restarts the walk here' : ''}`,
  )
  const fr = yield* handleMmFault(k, {
    mm: req.mm,
    vmaKey: `${req.mm}:${hex(vma.vm_start)}`,
    va,
    npages: m,
    write: req.write,
  })
  if (!fr.ok) return fr
  return ok(0n)
}

/** hmm_vma_handle_pte() on a present or swap PTE. */
function* handlePte(
  w: HmmWalk,
  vma: VmArea,
  va: Vaddr,
  [key, p]: [string, PteRun],
  left: bigint,
  idx: bigint,
  out: HmmEntryRun[],
): Call<PteStep> {
  const { k, req, f } = w
  const at = (va - p.va) / PAGE_SIZE
  let m = p.npages - at
  if (m > left) m = left
  const pf = mkPfn(p.pfn + at)
  if (p.swp === 'device_private') return yield* handleDevicePrivate(w, va, p, pf, m, idx, out)
  const page = p.special ? null : pageAt(k.world, pf)
  if (!page) {
    yield f.check(
      'vm_normal_page(): a struct page?',
      false,
      `pfn ${hex(pf)} is a special PTE without struct page${req.fault ? ': a fault cannot help, -EFAULT' : ': HMM_PFN_ERROR'}`,
    )
    if (req.fault) return fail(kerr('EFAULT', f.fn, 'special PTE without struct page'))
    push(out, { idx, count: m, pfn: null, flags: ['HMM_PFN_ERROR'], dma: null })
    return ok(m)
  }
  if (req.fault && req.write && !p.writable) {
    const wr = hasFlag(vma, 'VM_WRITE')
    yield f.check(
      'write requested on a read-only PTE: hmm_vma_fault()',
      wr,
      wr ? 'write fault makes the PTE writable' : 'no VM_WRITE: -EPERM',
    )
    if (!wr) return fail(kerr('EPERM', f.fn, 'write fault on a read-only VMA'))
    const tx = new Tx(k.world).set('ptes', key, { ...p, writable: true })
    yield f.mutate(tx.deltas, 'handle_mm_fault(FAULT_FLAG_WRITE): the PTE becomes writable')
    return ok(0n)
  }
  const flags = p.writable ? ['HMM_PFN_VALID', 'HMM_PFN_WRITE'] : ['HMM_PFN_VALID']
  push(out, { idx, count: m, pfn: pf, flags, dma: null })
  yield f.check(
    'hmm_vma_handle_pte(): present',
    true,
    `${m} page(s) from pfn ${hex(pf)}${isP2pdmaPage(k, page) ? ' (P2PDMA pages)' : page.kind === 'ram' ? '' : ' (ZONE_DEVICE)'}: ${flags.join(' | ')}`,
  )
  return ok(m)
}

/**
 * A device-private swap entry: reported as is when the mirror owns the memory (current API:
 * dev_private_owner; older APIs: unless flags[HMM_PFN_DEVICE_PRIVATE] asks for a fault), else
 * faulted back to RAM (do_swap_page() -> migrate_to_ram).
 */
function* handleDevicePrivate(
  { k, req, api, f }: HmmWalk,
  va: Vaddr,
  p: PteRun,
  pf: Pfn,
  m: bigint,
  idx: bigint,
  out: HmmEntryRun[],
): Call<PteStep> {
  const page = pageAt(k.world, pf)
  const pg = page?.pgmap ? k.world.pgmaps[page.pgmap] : undefined
  if (api === 'current') {
    const mine = !!pg && pg.owner === req.owner
    yield f.check(
      'is_device_private_entry(entry) && page_pgmap(page)->owner == range->dev_private_owner',
      mine,
      mine
        ? `the page is in ${pg!.owner}'s own device memory: report it without faulting`
        : `device-private page owned by ${pg?.owner ?? '?'}, dev_private_owner is ${req.owner ?? 'NULL'}`,
    )
    if (mine) {
      const flags = p.writable ? ['HMM_PFN_VALID', 'HMM_PFN_WRITE'] : ['HMM_PFN_VALID']
      push(out, { idx, count: m, pfn: pf, flags, dma: null })
      return ok(m)
    }
    if (!req.fault) {
      yield f.check('hmm_pte_need_fault()', true, 'no fault requested: entry 0')
      push(out, { idx, count: m, pfn: null, flags: [], dma: null })
      return ok(m)
    }
    yield f.check(
      'hmm_vma_fault()',
      true,
      'fault: handle_mm_fault() -> do_swap_page() -> migrate_to_ram, then -EBUSY restarts the walk',
    )
    const mr = yield* moveToRam(k, req.mm, va, m, 'fault')
    if (!mr.ok) return mr
    return ok(0n)
  }
  // 2019 / 5.2 / RFC: device memory faults only when flags[HMM_PFN_DEVICE_PRIVATE] is requested
  const want = !!req.faultDevicePrivate
  yield f.check(
    'cpu_flags & HMM_PFN_DEVICE_PRIVATE: fault only if pfns & flags[HMM_PFN_DEVICE_PRIVATE]',
    !want,
    want
      ? 'the request asks for device memory to be faulted: migrate it back to system RAM'
      : 'report the device page as is: VALID | DEVICE_PRIVATE',
  )
  if (!want) {
    const flags = ['HMM_PFN_VALID', 'HMM_PFN_DEVICE_PRIVATE', ...(p.writable ? ['HMM_PFN_WRITE'] : [])]
    push(out, { idx, count: m, pfn: pf, flags, dma: null })
    return ok(m)
  }
  const mr = yield* moveToRam(k, req.mm, va, m, 'fault')
  if (!mr.ok) return mr
  return ok(0n)
}

/** Store an HMM result under a name (a lab step). */
export function* bindHmm(
  k: Kernel,
  name: string,
  req: HmmReq,
  dev: string,
  entries: HmmEntryRun[],
): Call<void> {
  const f = labFrame()
  const tx = new Tx(k.world).set('vars', name, {
    kind: 'hmm',
    mm: req.mm,
    start: req.start,
    npages: req.npages,
    dev,
    entries,
    notifier: req.notifier,
    seq: req.seq,
  })
  yield f.mutate(tx.deltas, `the scenario calls the range's hmm_pfns[] '${name}'`)
}

/**
 * hmmMirrorRegister - a GPU driver starts mirroring a buffer of a process.
 * Mirrors lib/test_hmm.c (dmirror) with mmu_interval_notifier_insert() (5.5+).
 *
 * Errnos: -EINVAL.
 * Simplification: one interval notifier over the buffer (dmirror inserts one per fault range).
 */
export function* hmmMirrorRegister(
  k: Kernel,
  id: string,
  mm: string,
  start: Vaddr,
  len: bigint,
  dev: PciDev,
): Call<KResult<void>> {
  const f = frame(k, 'dmirror_fops_open', ['EINVAL'])
  return yield* kcall(
    f,
    { dev: dev.bdf },
    mmuIntervalNotifierInsert(k, {
      id,
      mm,
      start,
      end: vaddr(start + len),
      kind: 'mirror',
      dev: dev.id,
      ops: 'dmirror_interval_invalidate',
    }),
  )
}

/** DMA address for a CPU physical page for `dev`: dma-direct (phys) without an IOMMU, else an IOVA. */
function dmaFor(k: Kernel, tx: Tx, dev: PciDev, phys: bigint, len: bigint): DmaAddr {
  if (!k.iommu) return dmaAddr(phys)
  const dom = tx.world.domains[dev.id] ?? { dev: dev.id, iovaTop: 1n << 32n }
  const base = (dom.iovaTop - len) & ~(PAGE_SIZE - 1n)
  tx.set('domains', dev.id, { dev: dev.id, iovaTop: base })
  tx.set('iovas', `${dev.id}:${hex(base)}`, {
    dev: dev.id,
    iova: dmaAddr(base),
    paddr: phys as never,
    size: len,
  })
  return dmaAddr(base)
}

/**
 * mirrorDeviceFault - the GPU touches an address its page table does not map.
 * Mirrors lib/test_hmm.c: dmirror_fault() -> dmirror_range_fault(): mmu_interval_read_begin(),
 * mmap_read_lock, hmm_range_fault(), mmap_read_unlock, mutex_lock(&dmirror->mutex),
 * mmu_interval_read_retry() (-> again), dmirror_do_fault() (fill the device page table).
 *
 * Errnos: those of hmm_range_fault() (-EFAULT, -EPERM); -EBUSY retries internally.
 * Simplification: the device page table stores pfns (dmirror's xarray); device-private pages of
 * the mirror itself are used in place, others were migrated to RAM by the fault.
 */
export function* mirrorDeviceFault(
  k: Kernel,
  notifier: string,
  va: Vaddr,
  npages: bigint,
  write: boolean,
  as: string | null,
): Call<KResult<bigint>> {
  const n = k.world.notifiers[notifier]!
  const dev = pciDev(k.machine, n.dev)
  const f = frame(k, 'dmirror_range_fault', ['EFAULT', 'EPERM', 'EBUSY'])
  return yield* kcall(
    f,
    { dev: dev.bdf, start: hex(va), npages: npages.toString(), write: String(write) },
    (function* (): Call<KResult<bigint>> {
      for (let attempt = 0; attempt < 3; attempt++) {
        const seq = yield* mmuIntervalReadBegin(k, notifier)
        const req: HmmReq = { mm: n.mm, start: va, npages, fault: true, write, owner: dev.id, notifier, seq }
        const r = yield* hmmRangeFault(k, req)
        if (!r.ok) {
          if (r.error.errno === 'EBUSY') continue
          return r
        }
        const retry = yield* mmuIntervalReadRetry(k, notifier, seq)
        if (retry) continue
        const tx = new Tx(k.world)
        zapDevPtes(tx, notifier, va, va + npages * PAGE_SIZE)
        for (const e of r.value.entries) {
          if (e.pfn === null) continue
          const devPriv = pageAt(k.world, e.pfn)?.pgmap
          const own = !!devPriv && k.world.pgmaps[devPriv]?.type === 'MEMORY_DEVICE_PRIVATE'
          const at = vaddr(va + e.idx * PAGE_SIZE)
          setDevPte(tx, {
            owner: notifier,
            dev: dev.id,
            va: at,
            npages: e.count,
            pfn: e.pfn,
            writable: e.flags.includes('HMM_PFN_WRITE'),
            dma: own ? null : dmaFor(k, tx, dev, pfnToPhys(e.pfn), e.count * PAGE_SIZE),
            how: own ? 'device-private (local)' : 'system memory',
          })
        }
        yield f.mutate(
          tx.deltas,
          'dmirror_do_fault(): under dmirror->mutex, write the entries into the device page table',
        )
        if (as) yield* bindHmm(k, as, req, dev.id, r.value.entries)
        return ok(npages)
      }
      return fail(kerr('EBUSY', f.fn, 'invalidations kept racing the fault', 'later'))
    })(),
  )
}

/**
 * hmmDmaMapPfn - DMA-map one run of a faulted range for a device (6.16+).
 * Mirrors mm/hmm.c: hmm_dma_map_pfn() with pci_p2pdma_state():
 *   NONE -> normal map; THRU_HOST_BRIDGE -> HMM_PFN_P2PDMA, DMA_ATTR_SKIP_CPU_SYNC, IOVA link or
 *   dma_map_page; BUS_ADDR -> HMM_PFN_P2PDMA_BUS | HMM_PFN_DMA_MAPPED, pci_p2pdma_bus_addr_map();
 *   anything else -> DMA_MAPPING_ERROR.
 *
 * Returns the number of pages mapped (the scenario op's value); DMA_MAPPING_ERROR stops the loop.
 * Errnos: none (DMA_MAPPING_ERROR is a value, not an errno).
 * Simplification: hmm_dma_map_alloc() is a check; IOVAs come from the lab's bump allocator.
 */
export function* hmmDmaMap(k: Kernel, name: string, dev: PciDev): Call<KResult<bigint>> {
  const f = frame(k, 'hmm_dma_map_pfn', [])
  return yield* kcall(
    f,
    { dev: dev.bdf, map: name },
    (function* (): Call<KResult<bigint>> {
      const v = k.world.vars[name]
      if (!v || v.kind !== 'hmm') return ok(0n)
      yield f.check(
        'hmm_dma_map_alloc(): !dma_need_sync && !dma_addressing_limited; dma_iova_try_alloc()',
        true,
        k.iommu
          ? 'an IOMMU: one IOVA range can be linked'
          : 'dma-direct: no IOVA, pages are mapped one by one',
      )
      const entries: HmmEntryRun[] = []
      let mapped = 0n
      let stop = false
      for (const e of v.entries) {
        if (stop || e.pfn === null || !e.flags.includes('HMM_PFN_VALID')) {
          entries.push(e)
          continue
        }
        const page = pageAt(k.world, e.pfn)
        let state: string = 'NONE'
        let busOff = 0n
        if (isP2pdmaPage(k, page)) {
          const pg = k.world.pgmaps[page!.pgmap!]!
          busOff = pg.bus_offset
          state = yield* p2pdmaMapType(k, pg.dev, dev.id)
        }
        const tx = new Tx(k.world)
        if (state === 'BUS_ADDR') {
          const d = dmaAddr(pfnToPhys(e.pfn) + busOff)
          entries.push({ ...e, flags: [...e.flags, 'HMM_PFN_P2PDMA_BUS', 'HMM_PFN_DMA_MAPPED'], dma: d })
          yield f.check(
            'pci_p2pdma_state() == PCI_P2PDMA_MAP_BUS_ADDR',
            true,
            `pci_p2pdma_bus_addr_map(): dma = phys + bus_offset = ${hex(d)}; no IOMMU mapping, nothing to unmap later`,
          )
          mapped += e.count
          continue
        }
        if (state === 'THRU_HOST_BRIDGE' || state === 'NONE') {
          const d = dmaFor(k, tx, dev, pfnToPhys(e.pfn), e.count * PAGE_SIZE)
          const fl =
            state === 'THRU_HOST_BRIDGE' ? ['HMM_PFN_P2PDMA', 'HMM_PFN_DMA_MAPPED'] : ['HMM_PFN_DMA_MAPPED']
          entries.push({ ...e, flags: [...e.flags, ...fl], dma: d })
          if (!tx.empty)
            yield f.mutate(
              tx.deltas,
              `${k.iommu ? 'dma_iova_link()' : 'dma_map_page()'}${state === 'THRU_HOST_BRIDGE' ? ' with DMA_ATTR_SKIP_CPU_SYNC' : ''}: ${hex(d)}`,
            )
          else
            yield f.check(
              `pci_p2pdma_state() == ${state === 'NONE' ? 'PCI_P2PDMA_MAP_NONE' : 'THRU_HOST_BRIDGE'}`,
              true,
              `dma-direct: ${hex(d)}${state === 'THRU_HOST_BRIDGE' ? ' (DMA_ATTR_SKIP_CPU_SYNC)' : ''}`,
            )
          mapped += e.count
          continue
        }
        yield f.check(
          'pci_p2pdma_state()',
          false,
          `${state}: the device cannot reach the provider: return DMA_MAPPING_ERROR`,
        )
        entries.push(e)
        stop = true
      }
      const tx = new Tx(k.world).set('vars', name, { ...v, entries })
      yield f.mutate(tx.deltas, `hmm_pfns[] of '${name}' carry the sticky DMA flags`)
      return ok(mapped)
    })(),
    (n) => `${n} page(s) mapped`,
  )
}

/**
 * hmmDmaUnmap - undo hmm_dma_map_pfn() for every mapped entry of a range (6.16+).
 * Mirrors mm/hmm.c: hmm_dma_unmap_pfn(): an entry with HMM_PFN_P2PDMA_BUS has nothing to unmap (a bus
 * address never entered an IOMMU); others are unlinked from the IOVA or dma_unmap_page()d; the sticky
 * DMA flags are cleared.
 *
 * Errnos: none (returns the number of entries that needed an unmap).
 */
export function* hmmDmaUnmap(k: Kernel, name: string, dev: PciDev): Call<KResult<bigint>> {
  const f = frame(k, 'hmm_dma_unmap_pfn', [])
  return yield* kcall(
    f,
    { dev: dev.bdf, map: name },
    (function* (): Call<KResult<bigint>> {
      const v = k.world.vars[name]
      if (!v || v.kind !== 'hmm') return ok(0n)
      const tx = new Tx(k.world)
      let unmapped = 0n
      const entries: HmmEntryRun[] = []
      for (const e of v.entries) {
        if (!e.flags.includes('HMM_PFN_DMA_MAPPED')) {
          entries.push(e)
          continue
        }
        const bus = e.flags.includes('HMM_PFN_P2PDMA_BUS')
        yield f.check(
          'HMM_PFN_P2PDMA_BUS?',
          true,
          bus
            ? `${e.count} entr${e.count === 1n ? 'y' : 'ies'} with a bus address: nothing to unmap`
            : `${e.count} entr${e.count === 1n ? 'y' : 'ies'}: ${k.iommu ? 'dma_iova_unlink()' : 'dma_unmap_page()'}`,
        )
        if (!bus) {
          unmapped += e.count
          if (e.dma !== null && k.iommu) {
            const key = `${dev.id}:${hex(e.dma)}`
            if (tx.world.iovas[key]) tx.set('iovas', key, null)
          }
        }
        entries.push({
          ...e,
          flags: e.flags.filter(
            (x) => !['HMM_PFN_DMA_MAPPED', 'HMM_PFN_P2PDMA', 'HMM_PFN_P2PDMA_BUS'].includes(x),
          ),
          dma: null,
        })
      }
      tx.set('vars', name, { ...v, entries })
      yield f.mutate(tx.deltas, 'the sticky DMA flags are cleared')
      return ok(unmapped)
    })(),
    (n) => `${n} page(s) unmapped`,
  )
}

export type { Pfn }
