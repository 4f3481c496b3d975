/**
 * Page faults on anonymous memory, range-wise.
 */
import { hex, PAGE_SIZE, pfn as mkPfn, type Vaddr } from '../core/addr'
import { ok, type KResult } from '../core/errno'
import type { Kernel } from '../core/run'
import { frame, kcall, type Call } from '../core/step'
import { Tx } from '../core/world'
import { hasFlag, pageKey, pteKey } from './mm'

/**
 * handleMmFault - populate `npages` not-present PTEs of an anonymous VMA starting at va.
 * Mirrors mm/memory.c: handle_mm_fault() -> __handle_mm_fault() -> do_anonymous_page().
 *
 * Each new page comes from the page allocator with refcount 1 and mapcount 1 (the PTE's
 * reference); the PTE is present, and writable for a write fault on a VM_WRITE VMA.
 *
 * Errnos: none modelled (VM_FAULT_OOM is not).
 * Simplification: the lab faults a whole run of missing pages in one step (the kernel faults one
 * page per call); pages come from a bump allocator, so they are physically contiguous.
 */
export function* handleMmFault(
  k: Kernel,
  mm: string,
  vmaKey: string,
  va: Vaddr,
  npages: bigint,
  write: boolean,
): Call<KResult<void>> {
  const f = frame('handle_mm_fault', 'mm/memory.c', 'all', [])
  return yield* kcall(
    f,
    { address: hex(va), pages: npages.toString(), flags: write ? 'FAULT_FLAG_WRITE' : '0' },
    body(),
  )
  function* body(): Call<KResult<void>> {
    const v = k.world.vmas[vmaKey]!
    const first = k.world.sys.ramNext
    const tx = new Tx(k.world)
    tx.sys({ ...k.world.sys, ramNext: mkPfn(first + npages) })
    tx.set('pages', pageKey(first), {
      pfn: first,
      count: npages,
      kind: 'ram',
      pgmap: null,
      refcount: 1,
      pins: 0,
      gets: 0,
      mapcount: 1,
    })
    tx.set('ptes', pteKey(mm, va), {
      mm,
      va,
      npages,
      pfn: first,
      present: true,
      writable: write && hasFlag(v, 'VM_WRITE'),
      special: false,
      devmap: false,
    })
    yield f.mutate(
      tx.deltas,
      `do_anonymous_page(): ${npages} zeroed RAM page(s) at pfn ${hex(first)} (phys ${hex(first * PAGE_SIZE)}), refcount 1, mapped ${write ? 'writable' : 'read-only'}`,
    )
    return ok(undefined)
  }
}
