/**
 * Page faults, range-wise: anonymous memory (do_anonymous_page) and PFN-map VMAs whose driver
 * fills PTEs lazily with vmf_insert_pfn() (do_fault -> vma->vm_ops->fault).
 */
import { hex, PAGE_SIZE, pfn as mkPfn, type Pfn, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { driverFrame, frame, kcall, type Call } from '../core/step'
import { Tx, type VmArea } from '../core/world'
import { allocRamPages, flagStr, hasFlag, isCowMapping, pageAt, pteKey } from './mm'

/** A run of faulting pages: [va, va + npages pages) of VMA `vmaKey` in `mm`, read or written. */
export interface FaultAt {
  mm: string
  vmaKey: string
  va: Vaddr
  npages: bigint
  write: boolean
}

/**
 * struct vm_fault as do_fault() hands it to the driver's ->fault() and on to vmf_insert_pfn()
 * (include/linux/mm.h: vmf->vma, vmf->address), with the run of pages the lab faults in one step.
 */
export interface VmFault {
  vma: VmArea
  address: Vaddr
  npages: bigint
}

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
export function* handleMmFault(k: Kernel, q: FaultAt): Call<KResult<void>> {
  const { mm, vmaKey, va, npages, write } = q
  const f = frame(k, 'handle_mm_fault', [])
  return yield* kcall(
    f,
    { address: hex(va), pages: npages.toString(), flags: write ? 'FAULT_FLAG_WRITE' : '0' },
    body(),
  )
  function* body(): Call<KResult<void>> {
    const v = k.world.vmas[vmaKey]!
    const tx = new Tx(k.world)
    const first = allocRamPages(tx, npages, 1)
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

/**
 * handlePfnFault - the first CPU access to a lazily mapped BAR: the driver's ->fault() inserts
 * special PTEs with vmf_insert_pfn().
 * Mirrors mm/memory.c: handle_mm_fault() -> __handle_mm_fault() -> handle_pte_fault() -> do_fault()
 * -> __do_fault() -> vma->vm_ops->fault().
 *
 * The handler returns VM_FAULT_NOPAGE: it installed the PTE itself, so do_fault() has no struct page
 * to map, and the access is retried and succeeds.
 *
 * Errnos: -EFAULT (VM_FAULT_SIGBUS: address outside the VMA, or one of the BUG_ON conditions of
 * vmf_insert_pfn_prot(), which in the kernel oops instead).
 * Simplification: the lab faults the whole run of missing pages in one step; the kernel calls
 * ->fault() once per faulting page (vfio-pci's handler has changed how much it inserts per fault
 * across versions; not modelled).
 */
export function* handlePfnFault(k: Kernel, q: FaultAt): Call<KResult<void>> {
  const { vmaKey, va, npages, write } = q
  const f = frame(k, 'handle_mm_fault', ['EFAULT'])
  return yield* kcall(
    f,
    { address: hex(va), pages: npages.toString(), flags: write ? 'FAULT_FLAG_WRITE' : '0' },
    body(),
  )
  function* body(): Call<KResult<void>> {
    const v = k.world.vmas[vmaKey]!
    yield f.check(
      'vma_is_anonymous(vma)?',
      false,
      `no: ${v.file ?? 'a file'} mapping with vm_ops = ${v.vm_ops}: handle_pte_fault() -> do_fault()`,
    )
    const r = yield* doFault(k, { vma: v, address: va, npages })
    return r.ok ? ok(undefined) : r
  }
}

/**
 * doFault - a fault on a file-backed VMA with no PTE yet.
 * Mirrors mm/memory.c: do_fault() -> do_read_fault()/do_shared_fault() -> __do_fault().
 *
 * Errnos: -EFAULT (VM_FAULT_SIGBUS from ->fault()).
 * Simplification: fault-around and the read/COW/shared split are folded into one call.
 */
function* doFault(k: Kernel, vmf: VmFault): Call<KResult<string>> {
  const { vma: v, address: va } = vmf
  const f = frame(k, 'do_fault', ['EFAULT'])
  return yield* kcall(f, { address: hex(va) }, body(), (x) => x)
  function* body(): Call<KResult<string>> {
    yield f.check('vma->vm_ops->fault', true, `${v.vm_ops} has a ->fault() handler: __do_fault() calls it`)
    const driver = v.vm_ops!.replace(/_pfn_vm_ops$/, '')
    const r = yield* driverPfnFault(k, driver, vmf)
    if (!r.ok) return r
    yield f.check(
      'ret & VM_FAULT_NOPAGE',
      r.value === 'VM_FAULT_NOPAGE',
      'the handler installed the PTE itself: there is no vmf->page to map, so do_fault() returns and the CPU retries the access',
    )
    return r
  }
}

/**
 * driverPfnFault - the driver's ->fault(): translate the address to a BAR pfn and insert it.
 * Mirrors the pattern of drivers/vfio/pci/vfio_pci_core.c: vfio_pci_mmap_fault():
 * pfn = vma->vm_pgoff + ((vmf->address - vma->vm_start) >> PAGE_SHIFT), then vmf_insert_pfn().
 *
 * Errnos: -EFAULT (VM_FAULT_SIGBUS from vmf_insert_pfn()).
 * Simplification: an illustrative `<driver>_mmap_fault`; no memory_lock, no check that the BAR's
 * memory decode is enabled (vfio returns VM_FAULT_SIGBUS then).
 */
function* driverPfnFault(k: Kernel, driver: string, vmf: VmFault): Call<KResult<string>> {
  const { vma: v, address: va } = vmf
  const f = driverFrame(
    k,
    `${driver}_mmap_fault`,
    'drivers/vfio/pci/vfio_pci_core.c (vfio_pci_mmap_fault pattern)',
    null,
    ['EFAULT'],
  )
  return yield* kcall(f, { address: hex(va) }, body(), (x) => x)
  function* body(): Call<KResult<string>> {
    const pfn = mkPfn(v.vm_pgoff + (va - v.vm_start) / PAGE_SIZE)
    yield f.check(
      'pfn = vma->vm_pgoff + ((vmf->address - vma->vm_start) >> PAGE_SHIFT)',
      true,
      `page ${(va - v.vm_start) / PAGE_SIZE} of the VMA is BAR pfn ${hex(pfn)} (phys ${hex(pfn * PAGE_SIZE)})`,
    )
    return yield* vmfInsertPfn(k, vmf, pfn)
  }
}

/**
 * vmfInsertPfn - insert a PTE for a pfn with no struct page (or one the caller must not refcount).
 * Mirrors mm/memory.c: vmf_insert_pfn() -> vmf_insert_pfn_prot(vma, addr, pfn, vma->vm_page_prot)
 * -> insert_pfn().
 *
 * vmf_insert_pfn() sets no VMA flags: the driver must have set VM_PFNMAP or VM_MIXEDMAP already
 * (docs/kernel/mm-mmap.md). insert_pfn() writes pte_mkspecial(pfn_pte(pfn, prot)); an already populated PTE
 * is left alone. Returns VM_FAULT_NOPAGE.
 *
 * Errnos: -EFAULT for VM_FAULT_SIGBUS (address outside the VMA; a failed BUG_ON is modelled the same way).
 * The four BUG_ON conditions were read in 6.12 mm/memory.c:2411-2415 (6.1: 2226-2230; see
 * docs/kernel/mm-mmap.md#lazy-mapping-vmf_insert_pfn-from-a-fault-handler).
 * Simplification: the lab shows them as checks and fails with VM_FAULT_SIGBUS instead of oopsing. pfn_modify_allowed()
 * (L1TF) and track_pfn_insert() (x86 PAT) are not modelled. One step inserts `npages` PTEs.
 */
// long: vmf_insert_pfn_prot() check by check (the VMA range, the four BUG_ON conditions, the populated PTE), each a step the learner stops at
export function* vmfInsertPfn(k: Kernel, vmf: VmFault, pfn: Pfn): Call<KResult<string>> {
  const { vma: v, address: va, npages } = vmf
  const outer = frame(k, 'vmf_insert_pfn', ['EFAULT'])
  const f = frame(k, 'vmf_insert_pfn_prot', ['EFAULT'])
  return yield* kcall(
    outer,
    { addr: hex(va), pfn: hex(pfn) },
    kcall(f, { addr: hex(va), pfn: hex(pfn), pgprot: v.vm_page_prot }, body(), (x) => x),
    (x) => x,
  )
  function* body(): Call<KResult<string>> {
    const pfnmap = hasFlag(v, 'VM_PFNMAP')
    const mixed = hasFlag(v, 'VM_MIXEDMAP')
    const bug = (what: string): KResult<string> =>
      fail(
        kerr(
          'EFAULT',
          f.fn,
          `BUG_ON(${what}) (recalled, unverified): the kernel would oops; the lab reports VM_FAULT_SIGBUS`,
        ),
      )
    const flags = `vm_flags ${flagStr(v.vm_flags)}`
    yield f.check(
      'BUG_ON(!(vm_flags & (VM_PFNMAP | VM_MIXEDMAP))) [recalled, unverified]',
      pfnmap || mixed,
      pfnmap || mixed
        ? `${flags}: the driver set the flag itself`
        : `${flags}: vmf_insert_pfn() sets no flags`,
    )
    if (!pfnmap && !mixed) return bug('!(vma->vm_flags & (VM_PFNMAP|VM_MIXEDMAP))')
    yield f.check(
      'BUG_ON(both VM_PFNMAP and VM_MIXEDMAP) [recalled, unverified]',
      !(pfnmap && mixed),
      pfnmap && mixed ? 'both set' : 'exactly one of them is set',
    )
    if (pfnmap && mixed) return bug('(vm_flags & (VM_PFNMAP|VM_MIXEDMAP)) == (VM_PFNMAP|VM_MIXEDMAP)')
    const cow = pfnmap && isCowMapping(v)
    yield f.check(
      'BUG_ON((vm_flags & VM_PFNMAP) && is_cow_mapping(vm_flags)) [recalled, unverified]',
      !cow,
      cow ? 'a private writable pfnmap' : 'not a COW mapping',
    )
    if (cow) return bug('(vma->vm_flags & VM_PFNMAP) && is_cow_mapping(vma->vm_flags)')
    const valid = pageAt(k.world, pfn) !== null
    yield f.check(
      'BUG_ON((vm_flags & VM_MIXEDMAP) && pfn_valid(pfn)) [recalled, unverified]',
      !(mixed && valid),
      mixed
        ? valid
          ? 'a pfn with a struct page in a VM_MIXEDMAP VMA must go through vmf_insert_mixed()/vm_insert_page()'
          : 'no struct page behind the pfn'
        : 'not VM_MIXEDMAP',
    )
    if (mixed && valid) return bug('(vma->vm_flags & VM_MIXEDMAP) && pfn_valid(pfn)')
    const inside = va >= v.vm_start && va + npages * PAGE_SIZE <= v.vm_end
    yield f.check(
      'addr < vma->vm_start || addr >= vma->vm_end',
      inside,
      inside ? 'the address is inside the VMA' : 'outside the VMA: VM_FAULT_SIGBUS',
    )
    if (!inside) return fail(kerr('EFAULT', f.fn, 'vmf_insert_pfn() outside the VMA: VM_FAULT_SIGBUS'))
    const tx = new Tx(k.world)
    tx.set('ptes', pteKey(v.mm, va), {
      mm: v.mm,
      va,
      npages,
      pfn,
      present: true,
      writable: hasFlag(v, 'VM_WRITE'),
      special: true,
      devmap: false,
    })
    yield f.mutate(
      tx.deltas,
      `insert_pfn(): ${npages} PTE(s) -> pfn ${hex(pfn)}.. set with pte_mkspecial(pfn_pte(pfn, ${v.vm_page_prot})); no struct page, no refcount, no rmap`,
    )
    return ok('VM_FAULT_NOPAGE')
  }
}
