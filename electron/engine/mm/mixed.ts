/**
 * A driver whose ->mmap() builds a VM_MIXEDMAP VMA that mixes struct pages and raw pfns: RAM pages
 * it allocates and inserts with vm_insert_page(), P2PDMA pages of its own BAR (pci_alloc_p2pmem()
 * + vm_insert_page(), as p2pmem_alloc_mmap() does), and raw BAR pfns with vmf_insert_mixed(),
 * which on x86 (CONFIG_ARCH_HAS_PTE_SPECIAL) writes a special PTE: vm_normal_page() returns NULL
 * for it, so GUP ends in follow_pfn_pte() (gup/gup.ts).
 *
 * Sources: mm/memory.c vm_insert_page() (6.12 :2218; a VMA that is not yet VM_MIXEDMAP gets
 * BUG_ON(mmap_read_trylock()) and BUG_ON(VM_PFNMAP), then VM_MIXEDMAP), insert_page() ->
 * validate_page_before_insert() (6.12 :2024: -EINVAL for refcount 0, anon, slab or typed pages),
 * vmf_insert_mixed() -> __vm_insert_mixed() (6.12 :2474: !vm_mixed_ok() -> VM_FAULT_SIGBUS; 6.1
 * :2292 BUG_ON(!vm_mixed_ok()) instead), insert_pfn() (pte_mkspecial for a pfn_t without PFN_DEV).
 */
import { hex, PAGE_SIZE, pfn as mkPfn, sizeStr, vaddr, type Pfn, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { driverFrame, frame, kcall, type Call } from '../core/step'
import { Tx, type PteRun, type VmArea } from '../core/world'
import type { PciDev } from '../topology/types'
import { allocRamPages, hasFlag, pteKey, updatePages, withFlags } from './mm'
import type { MmapHook } from './mmap'
import { genPoolAlloc } from './p2pmem'

export type MixedEntry = 'ram' | 'p2p' | 'bar'

/** Consecutive layout entries of one kind: one allocation / insert step each. */
function segments(layout: readonly MixedEntry[]): { kind: MixedEntry; at: number; n: number }[] {
  const out: { kind: MixedEntry; at: number; n: number }[] = []
  layout.forEach((kind, at) => {
    const last = out[out.length - 1]
    if (last && last.kind === kind) last.n++
    else out.push({ kind, at, n: 1 })
  })
  return out
}

/**
 * mixedMmapHook - the ->mmap() of an illustrative driver that maps `layout.length` pages, one per
 * entry: 'ram', 'p2p' (needs pci_p2pdma_add_resource() on the device first) or 'bar' (the next
 * raw pfn of `bar`; raw pfns are taken from the end of the BAR, clear of p2pmem registered from its
 * start).
 *
 * Errnos: -EINVAL (the mapping is not layout.length pages, or the BAR is too small), -ENOMEM (no
 * p2pmem left).
 * Simplification: the driver inserts everything at mmap time (no ->fault()); it keeps its RAM and
 * p2pmem references until the lab's run ends (no vm_ops->close).
 */
export function mixedMmapHook(dev: PciDev, bar: number, layout: readonly MixedEntry[]): MmapHook {
  return function* (k, vma) {
    const f = driverFrame(
      k,
      `${dev.driver}_mmap`,
      `drivers/… (${dev.driver}, illustrative: a VM_MIXEDMAP driver)`,
      null,
      ['EINVAL', 'ENOMEM'],
    )
    return yield* kcall(f, { bar: String(bar), layout: layout.join(',') }, body())
    function* body(): Call<KResult<void>> {
      const v = k.world.vmas[vma]!
      const pages = (v.vm_end - v.vm_start) / PAGE_SIZE
      const fits = pages === BigInt(layout.length)
      yield f.check(
        'vma_pages(vma) == pages the driver has to map?',
        fits,
        `${pages} page(s) mapped, ${layout.length} in the driver's layout`,
      )
      if (!fits) return fail(kerr('EINVAL', f.fn, 'the mapping size does not match the driver object'))
      const barDef = dev.bars.find((x) => x.index === bar && !x.io)
      const nBar = BigInt(layout.filter((e) => e === 'bar').length)
      const barOk = nBar === 0n || (!!barDef && nBar * PAGE_SIZE <= BigInt(barDef.size))
      yield f.check(
        'raw pages fit in the BAR?',
        barOk,
        barDef
          ? `${nBar} raw pfn(s) from BAR${bar} (${sizeStr(barDef.size)})`
          : `BAR${bar} is not a memory BAR`,
      )
      if (!barOk) return fail(kerr('EINVAL', f.fn, 'the BAR cannot back the raw pfns'))
      const tx = new Tx(k.world).set('vmas', vma, withFlags(v, ['VM_MIXEDMAP']))
      yield f.mutate(
        tx.deltas,
        'vma->vm_flags |= VM_MIXEDMAP: this VMA holds both struct pages and raw pfns; vm_normal_page() decides per PTE (a special PTE has no page)',
      )
      // Raw pfns come from the end of the BAR, clear of p2pmem registered from its start.
      const barLast = barDef ? (BigInt(barDef.start) + BigInt(barDef.size)) / PAGE_SIZE - 1n : 0n
      let nextBar = 0n
      for (const s of segments(layout)) {
        const va = vaddr(v.vm_start + BigInt(s.at) * PAGE_SIZE)
        const n = BigInt(s.n)
        let r: KResult<void>
        if (s.kind === 'bar') {
          const first = mkPfn(barLast - nBar + 1n + nextBar)
          nextBar += n
          r = yield* vmfInsertMixed(k, { vma, va, first, n })
        } else if (s.kind === 'ram') {
          const a = new Tx(k.world)
          const first = allocRamPages(a, n, 0)
          yield f.mutate(
            a.deltas,
            `alloc_page(GFP_KERNEL) x ${n}: RAM pfn ${hex(first)}.. with refcount 1 (the driver's reference)`,
          )
          r = yield* vmInsertPage(k, { vma, va, first, n }, 'RAM')
        } else {
          const a = yield* genPoolAlloc(k, dev, n * PAGE_SIZE, vma, 'pci_alloc_p2pmem')
          if (!a.ok) return fail(kerr('ENOMEM', f.fn, a.error.why, 'later'))
          r = yield* vmInsertPage(k, { vma, va, first: mkPfn(a.value >> 12n), n }, 'P2PDMA')
        }
        if (!r.ok) return r
      }
      return ok(undefined)
    }
  }
}

/** `n` consecutive pages from pfn `first`, inserted at `va` in `vma`: one insert call per page, shown once. */
interface InsertRun {
  vma: string
  va: Vaddr
  first: Pfn
  n: bigint
}

/**
 * The PTE an insert writes for a run: insert_page_into_pte_locked() (a normal PTE for a struct page)
 * and insert_pfn() (pte_mkspecial() for a raw pfn) in mm/memory.c; writable when the VMA is shared
 * and writable.
 */
function insertedPte(v: VmArea, run: InsertRun, special: boolean): PteRun {
  return {
    mm: v.mm,
    va: run.va,
    npages: run.n,
    pfn: run.first,
    present: true,
    writable: hasFlag(v, 'VM_WRITE') && hasFlag(v, 'VM_SHARED'),
    special,
    devmap: false,
  }
}

/**
 * vmInsertPage - vm_insert_page() for a run of consecutive pages (one call per page, shown once).
 * Mirrors mm/memory.c: vm_insert_page() -> insert_page() -> validate_page_before_insert() and
 * insert_page_into_pte_locked(): get_page() (folio_get), inc the mapcount, a normal PTE.
 *
 * Errnos: -EINVAL (a page validate_page_before_insert() refuses).
 * Simplification: a P2PDMA page's refcount goes 0 -> 1 as in mm/p2pmem.ts (the lab shows free
 * P2PDMA pages with refcount 0; the kernel keeps 1 and drops the extra get with put_page()).
 */
function* vmInsertPage(k: Kernel, run: InsertRun, what: 'RAM' | 'P2PDMA'): Call<KResult<void>> {
  const { va, first, n } = run
  const f = frame(k, 'vm_insert_page', ['EINVAL'])
  return yield* kcall(
    f,
    { addr: hex(va), page: `pfn ${hex(first)}`, pages: `${n} (one call per page, shown once)` },
    body(),
  )
  function* body(): Call<KResult<void>> {
    const v = k.world.vmas[run.vma]!
    yield f.check(
      'vma->vm_flags & VM_MIXEDMAP',
      hasFlag(v, 'VM_MIXEDMAP'),
      'already VM_MIXEDMAP: no BUG_ON(VM_PFNMAP), nothing to set',
    )
    yield f.check(
      'validate_page_before_insert(): not anon, slab or typed',
      true,
      what === 'RAM'
        ? 'a page the driver allocated: refcount 1, no anon mapping'
        : 'a ZONE_DEVICE page of the P2PDMA pagemap',
    )
    const tx = new Tx(k.world)
    updatePages(tx, first, n, (r) =>
      what === 'RAM'
        ? { ...r, refcount: r.refcount + 1, mapcount: r.mapcount + 1 }
        : { ...r, refcount: 1, mapcount: r.mapcount + 1 },
    )
    tx.set('ptes', pteKey(v.mm, va), insertedPte(v, run, false))
    yield f.mutate(
      tx.deltas,
      `insert_page(): get_page() and a normal PTE for ${n} ${what} page(s) at ${hex(va)}`,
    )
    return ok(undefined)
  }
}

/**
 * vmfInsertMixed - vmf_insert_mixed() of a run of raw pfns (one call per page, shown once).
 * Mirrors mm/memory.c: vmf_insert_mixed() -> __vm_insert_mixed(): vm_mixed_ok() (VM_MIXEDMAP is
 * set), the address is inside the VMA, then insert_pfn(): x86 has pte special, so the PTE is
 * pte_mkspecial() whatever pfn_valid() says.
 *
 * Errnos: -EFAULT (VM_FAULT_SIGBUS).
 */
function* vmfInsertMixed(k: Kernel, run: InsertRun): Call<KResult<void>> {
  const { va, first, n } = run
  const f = frame(k, 'vmf_insert_mixed', ['EFAULT'])
  return yield* kcall(
    f,
    { addr: hex(va), pfn: hex(first), pages: `${n} (one call per page, shown once)` },
    body(),
    () => 'VM_FAULT_NOPAGE',
  )
  function* body(): Call<KResult<void>> {
    const v = k.world.vmas[run.vma]!
    const mixed = hasFlag(v, 'VM_MIXEDMAP')
    yield f.check(
      'vm_mixed_ok(vma, pfn, mkwrite)',
      mixed,
      mixed
        ? 'vma->vm_flags & VM_MIXEDMAP'
        : 'neither VM_MIXEDMAP nor a devmap/special pfn_t: VM_FAULT_SIGBUS',
    )
    if (!mixed) return fail(kerr('EFAULT', f.fn, 'VM_FAULT_SIGBUS: vm_mixed_ok() is false'))
    const tx = new Tx(k.world).set('ptes', pteKey(v.mm, va), insertedPte(v, run, true))
    yield f.mutate(
      tx.deltas,
      `insert_pfn(): ${n} PTE(s) -> raw pfn ${hex(first)}.. with pte_mkspecial(): no struct page, no refcount`,
    )
    return ok(undefined)
  }
}
