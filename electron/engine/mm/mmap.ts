/**
 * mmap() and munmap() as step generators, with the ->mmap() handlers the lab models: a driver that
 * maps a BAR with remap_pfn_range()/io_remap_pfn_range() or lazily (vmf_insert_pfn() faults), the sysfs resourceN(_wc) files, and
 * p2pmem/allocate (in mm/p2pmem.ts).
 */
import type { VmFlag } from '../../../shared/model/mm'
import { alignUp, hex, PAGE_SIZE, pfn as mkPfn, sizeStr, vaddr, type Pfn, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaves } from '../era/index'
import { driverFrame, frame, kcall, type Call, type Frame } from '../core/step'
import type { KName } from '../era/index'
import { Tx, type VmArea } from '../core/world'
import type { Bar, PciDev } from '../topology/types'
import {
  flagStr,
  hasFlag,
  isCowMapping,
  mmOf,
  pageKey,
  pteKey,
  updatePages,
  vmaKey,
  vmasOverlapping,
  withFlags,
  zapPtes,
} from './mm'
import { mmuNotifierInvalidate } from './notifier'

/** A ->mmap() file operation: runs with the VMA already in the world (see doMmap's Simplification). */
export type MmapHook = (k: Kernel, vma: string) => Call<KResult<void>>

export interface MmapReq {
  mm: string
  len: bigint
  shared: boolean
  /** PROT_WRITE */
  write: boolean
  /** MAP_FIXED address, or null. */
  fixed: Vaddr | null
  /** offset >> PAGE_SHIFT */
  pgoff: bigint
  file: string | null
}

/** Gap the model leaves after each mapping, so MAP_FIXED just below or above a buffer is possible. */
const GAP = 1n << 20n

/**
 * doMmap - create a mapping.
 * Mirrors mm/mmap.c: do_mmap() -> get_unmapped_area() -> mmap_region() -> call_mmap().
 *
 * vm_flags start as VM_READ|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC (+VM_WRITE for PROT_WRITE), plus
 * VM_SHARED|VM_MAYSHARE for MAP_SHARED. When ->mmap() fails, mmap_region() unwinds through
 * unmap_and_free_vma: the PTEs the driver wrote are zapped and the VMA is freed.
 *
 * Errnos: -EINVAL (len 0), -EEXIST (MAP_FIXED over a mapping, see Simplification), any ->mmap() errno.
 * Simplification: the VMA is shown in the mm from vm_area_alloc() on; the kernel links it into the
 * tree only after ->mmap() succeeds. MAP_FIXED over an existing mapping fails with -EEXIST
 * (MAP_FIXED_NOREPLACE behaviour) instead of unmapping it. Addresses are chosen bottom-up without
 * randomisation, 2 MiB aligned, with a 1 MiB gap between mappings.
 */
export function* doMmap(k: Kernel, req: MmapReq, hook: MmapHook | null): Call<KResult<Vaddr>> {
  const f = frame(k, 'do_mmap', ['EINVAL', 'EEXIST', 'EPERM', 'ENODEV', 'ENOMEM'])
  const args = {
    len: sizeStr(req.len),
    prot: req.write ? 'PROT_READ|PROT_WRITE' : 'PROT_READ',
    flags: (req.shared ? 'MAP_SHARED' : 'MAP_PRIVATE') + (req.fixed !== null ? '|MAP_FIXED' : ''),
    pgoff: hex(req.pgoff),
    file: req.file ?? 'anonymous',
  }
  return yield* kcall(f, args, body(), hex)
  function* body(): Call<KResult<Vaddr>> {
    const len = alignUp(req.len, PAGE_SIZE)
    yield f.check(
      'len = PAGE_ALIGN(len) != 0',
      len > 0n,
      len > 0n ? `len ${sizeStr(len)}` : 'a zero-length mapping is refused',
    )
    if (len === 0n) return fail(kerr('EINVAL', 'do_mmap', 'mmap() of length 0'))
    const mm = mmOf(k.world, req.mm)
    let va: Vaddr
    if (req.fixed !== null) {
      va = req.fixed
      const clash = vmasOverlapping(k.world, req.mm, va, vaddr(va + len))
      yield f.check(
        'MAP_FIXED range free?',
        clash.length === 0,
        clash.length
          ? `[${hex(va)}, ${hex(va + len)}) overlaps ${clash.map(([key]) => key).join(', ')}`
          : `[${hex(va)}, ${hex(va + len)}) is free`,
      )
      if (clash.length)
        return fail(
          kerr(
            'EEXIST',
            'do_mmap',
            'MAP_FIXED over an existing mapping (the lab refuses instead of unmapping it)',
          ),
        )
    } else {
      va = vaddr(alignUp(mm.mmapNext, 2n << 20n))
      yield f.check(
        'get_unmapped_area()',
        true,
        `picked ${hex(va)} (bottom-up, 2 MiB aligned; no ASLR in the lab)`,
      )
    }
    const flags: VmFlag[] = ['VM_READ', 'VM_MAYREAD', 'VM_MAYWRITE', 'VM_MAYEXEC']
    if (req.write) flags.splice(1, 0, 'VM_WRITE')
    if (req.shared) flags.push('VM_SHARED', 'VM_MAYSHARE')
    const r = yield* mmapRegion(k, req, va, len, flags, hook)
    if (!r.ok) return r
    return ok(va)
  }
}

/**
 * mmapRegion - allocate the VMA and let the file's ->mmap() fill it in.
 * Mirrors mm/mmap.c: mmap_region() (unmap_and_free_vma on ->mmap() failure).
 *
 * Errnos: whatever ->mmap() returns (-EINVAL, -EPERM, -ENODEV, -ENOMEM).
 * Simplification: see doMmap().
 */
function* mmapRegion(
  k: Kernel,
  req: MmapReq,
  va: Vaddr,
  len: bigint,
  flags: VmFlag[],
  hook: MmapHook | null,
): Call<KResult<void>> {
  const f = frame(k, 'mmap_region', ['EINVAL', 'EPERM', 'ENODEV', 'ENOMEM'])
  return yield* kcall(f, { addr: hex(va), len: sizeStr(len), vm_flags: flagStr(flags) }, body())
  function* body(): Call<KResult<void>> {
    const key = vmaKey(req.mm, va)
    const vma: VmArea = {
      mm: req.mm,
      vm_start: va,
      vm_end: vaddr(va + len),
      vm_flags: flags,
      vm_pgoff: req.pgoff,
      file: req.file,
      vm_ops: null,
      vm_page_prot: req.shared ? 'PAGE_SHARED' : req.write ? 'PAGE_COPY' : 'PAGE_READONLY',
    }
    const mm = mmOf(k.world, req.mm)
    const tx = new Tx(k.world).set('vmas', key, vma)
    const end = va + len + GAP
    if (end > mm.mmapNext) tx.set('mms', req.mm, { ...mm, mmapNext: vaddr(end) })
    yield f.mutate(
      tx.deltas,
      `vm_area_alloc(): new VMA [${hex(va)}, ${hex(va + len)}) ${flagStr(flags)}${req.file ? ` backed by ${req.file}` : ' (anonymous)'}`,
    )
    if (!hook) return ok(undefined)
    const r = yield* callMmap(k, key, hook)
    if (r.ok) return r
    // unmap_and_free_vma: undo what ->mmap() may have done, then free the VMA.
    const undo = new Tx(k.world)
    zapPtes(undo, req.mm, va, vaddr(va + len))
    undo.set('vmas', key, null)
    undo.set('mms', req.mm, { ...mmOf(undo.world, req.mm), mmapNext: mm.mmapNext })
    yield f.mutate(
      undo.deltas,
      'unmap_and_free_vma: ->mmap() failed, so unmap_region() zaps any PTEs it wrote and the VMA is freed',
    )
    return r
  }
}

/**
 * callMmap - file->f_op->mmap(file, vma).
 * Mirrors include/linux/fs.h: call_mmap().
 *
 * Errnos: the handler's.
 */
function* callMmap(k: Kernel, vma: string, hook: MmapHook): Call<KResult<void>> {
  const f = frame(k, 'call_mmap', ['EINVAL', 'EPERM', 'ENODEV', 'ENOMEM'])
  return yield* kcall(f, { vma }, hook(k, vma))
}

/**
 * What remap_pfn_range(vma, addr, pfn, size, prot) and io_remap_pfn_range() are asked to map:
 * `size` bytes of pfns from `first`, at `addr` in the VMA `vma`, with the protection `prot`.
 */
export interface PfnRemap {
  vma: string
  addr: Vaddr
  first: Pfn
  size: bigint
  prot: string
}

/**
 * remapPfnRange - map a physical range (no struct page needed) into a VMA.
 * Mirrors mm/memory.c: remap_pfn_range() / remap_pfn_range_notrack().
 *
 * Sets VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP (VM_REMAP_FLAGS in newer trees) and writes special
 * PTEs (pte_mkspecial), so vm_normal_page() returns NULL and GUP cannot find a struct page. A COW
 * (private, writable) mapping must cover the whole VMA and gets vm_pgoff = pfn.
 *
 * Errnos: -EINVAL (COW mapping not covering the whole VMA).
 * Simplification: track_pfn_remap() (x86 PAT memtype reservation) is not modelled.
 */
export function* remapPfnRange(
  k: Kernel,
  r: PfnRemap,
  fnName: KName = 'remap_pfn_range',
): Call<KResult<void>> {
  const { vma, addr, first, size, prot } = r
  const f = frame(k, fnName, ['EINVAL'])
  return yield* kcall(f, { addr: hex(addr), pfn: hex(first), size: sizeStr(size), prot }, body())
  function* body(): Call<KResult<void>> {
    const v = k.world.vmas[vma]!
    const end = addr + size
    if (isCowMapping(v)) {
      const whole = addr === v.vm_start && end === v.vm_end
      yield f.check(
        'is_cow_mapping(): range == whole VMA?',
        whole,
        whole
          ? 'private writable mapping covers the whole VMA: vm_pgoff = pfn'
          : 'a COW pfnmap must cover the whole VMA',
      )
      if (!whole)
        return fail(kerr('EINVAL', fnName, 'remap_pfn_range() of part of a private writable (COW) VMA'))
    }
    const tx = new Tx(k.world)
    const nv = withFlags({ ...v, vm_page_prot: prot, vm_pgoff: isCowMapping(v) ? first : v.vm_pgoff }, [
      'VM_IO',
      'VM_PFNMAP',
      'VM_DONTEXPAND',
      'VM_DONTDUMP',
    ])
    tx.set('vmas', vma, nv)
    yield f.mutate(
      tx.deltas,
      'vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP: "this is an I/O mapping with no struct page behind it"',
    )
    const pt = new Tx(k.world)
    pt.set('ptes', pteKey(v.mm, addr), {
      mm: v.mm,
      va: addr,
      npages: size / PAGE_SIZE,
      pfn: first,
      present: true,
      writable: hasFlag(v, 'VM_WRITE'),
      special: true,
      devmap: false,
    })
    yield f.mutate(
      pt.deltas,
      `remap_pte_range(): ${size / PAGE_SIZE} PTEs -> pfn ${hex(first)}.. set with pte_mkspecial(); no struct page, no refcount`,
    )
    return ok(undefined)
  }
}

/**
 * ioRemapPfnRange - remap_pfn_range() with pgprot_decrypted() applied.
 * Mirrors include/linux/mm.h: io_remap_pfn_range() ("IO devices do not understand encryption").
 *
 * Errnos: as remap_pfn_range().
 * Simplification: the lab's machines have no memory encryption, so pgprot_decrypted() is a no-op.
 */
export function* ioRemapPfnRange(k: Kernel, r: PfnRemap): Call<KResult<void>> {
  const f = frame(k, 'io_remap_pfn_range', ['EINVAL'])
  return yield* kcall(f, { addr: hex(r.addr), pfn: hex(r.first), size: sizeStr(r.size) }, body())
  function* body(): Call<KResult<void>> {
    yield f.check('pgprot_decrypted(prot)', true, 'no SME/TDX on this machine: the protection is unchanged')
    return yield* remapPfnRange(k, r)
  }
}

/**
 * The driver's check that the mapping fits in the memory BAR (offset vm_pgoff, the VMA's length):
 * -EINVAL when it does not, or when the BAR is not a memory BAR. `check` is the condition as the
 * driver writes it.
 */
function* barFits(
  f: Frame,
  dev: PciDev,
  bar: number,
  v: VmArea,
  check: string,
): Call<KResult<{ b: PciDev['bars'][number]; len: bigint; off: bigint }>> {
  const b = dev.bars.find((x) => x.index === bar && !x.io)
  const len = v.vm_end - v.vm_start
  const off = v.vm_pgoff * PAGE_SIZE
  const fits = !!b && off + len <= BigInt(b.size)
  yield f.check(
    check,
    fits,
    b
      ? `BAR${bar} is ${sizeStr(b.size)}; the mapping asks for [${hex(off)}, ${hex(off + len)})`
      : `BAR${bar} is not a memory BAR`,
  )
  if (!fits || !b) return fail(kerr('EINVAL', f.fn, 'the mapping does not fit in the BAR'))
  return ok({ b, len, off })
}

/**
 * barMmapHook - a driver's ->mmap() that maps part of a BAR, as GPU and FPGA drivers do.
 * Mirrors the usual pattern (docs/kernel/mm-mmap.md): vma->vm_page_prot = pgprot_writecombine(), then
 * [io_]remap_pfn_range(vma, vm_start, (pci_resource_start(bar) >> PAGE_SHIFT) + vm_pgoff, len, prot).
 *
 * Errnos: -EINVAL (past the end of the BAR), remap_pfn_range() errnos.
 * Simplification: an illustrative driver (`<driver>_mmap`), not one real driver's code.
 */
export function barMmapHook(dev: PciDev, bar: number, io: boolean): MmapHook {
  return function* (k, vma) {
    const f = driverFrame(k, `${dev.driver}_mmap`, `drivers/… (${dev.driver}, illustrative)`, null, [
      'EINVAL',
    ])
    return yield* kcall(f, { bar: String(bar) }, body())
    function* body(): Call<KResult<void>> {
      const v = k.world.vmas[vma]!
      const fit = yield* barFits(f, dev, bar, v, 'offset + len <= BAR size?')
      if (!fit.ok) return fit
      const { b, len, off } = fit.value
      const tx = new Tx(k.world).set('vmas', vma, { ...v, vm_page_prot: 'pgprot_writecombine', vm_ops: null })
      yield f.mutate(tx.deltas, 'vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot)')
      const first = mkPfn((BigInt(b.start) + off) >> 12n)
      const remap: PfnRemap = { vma, addr: v.vm_start, first, size: len, prot: 'pgprot_writecombine' }
      return io ? yield* ioRemapPfnRange(k, remap) : yield* remapPfnRange(k, remap)
    }
  }
}

/** vm_operations_struct name of barLazyMmapHook's VMAs; fault.ts dispatches on the suffix. */
export const PFN_FAULT_OPS = '_pfn_vm_ops'

/** Does this VMA fill its PTEs lazily from a ->fault() handler that calls vmf_insert_pfn()? */
export function hasPfnFaultHandler(v: VmArea): boolean {
  return !!v.vm_ops?.endsWith(PFN_FAULT_OPS)
}

/**
 * barLazyMmapHook - a driver's ->mmap() that maps a BAR lazily: set the flags, install no PTEs.
 * Mirrors the pattern of drivers/vfio/pci/vfio_pci_core.c: vfio_pci_core_mmap() (docs/kernel/mm-mmap.md):
 * VM_SHARED is required, the range must fit in the BAR, then vm_private_data, vm_page_prot =
 * pgprot_noncached(), vm_pgoff = (pci_resource_start(bar) >> PAGE_SHIFT) + pgoff, vm_flags |=
 * VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP and vm_ops = the driver's ops whose ->fault()
 * calls vmf_insert_pfn() on first CPU access (fault.ts: handlePfnFault).
 *
 * Errnos: -EINVAL (not MAP_SHARED, past the end of the BAR).
 * Simplification: an illustrative driver (`<driver>_mmap`), not vfio-pci itself: no VFIO region
 * index in vm_pgoff, no memory-enable (PCI_COMMAND_MEMORY) check and no zap on reset; newer kernels'
 * VM_ALLOW_ANY_UNCACHED is not modelled.
 */
export function barLazyMmapHook(dev: PciDev, bar: number): MmapHook {
  return function* (k, vma) {
    const f = driverFrame(
      k,
      `${dev.driver}_mmap`,
      'drivers/vfio/pci/vfio_pci_core.c (vfio_pci_core_mmap pattern)',
      null,
      ['EINVAL'],
    )
    return yield* kcall(f, { bar: String(bar), lazy: 'true' }, body())
    function* body(): Call<KResult<void>> {
      const v = k.world.vmas[vma]!
      const shared = hasFlag(v, 'VM_SHARED')
      yield f.check(
        'vma->vm_flags & VM_SHARED',
        shared,
        shared
          ? 'a shared mapping: no COW copies of device memory'
          : 'a private (COW) mapping of MMIO is refused: vmf_insert_pfn() would BUG_ON a COW pfnmap',
      )
      if (!shared)
        return fail(kerr('EINVAL', f.fn, 'MAP_PRIVATE mapping of a BAR', 'never', 'use MAP_SHARED'))
      const fit = yield* barFits(f, dev, bar, v, 'phys_len >= req_len + pgoff')
      if (!fit.ok) return fit
      const { b } = fit.value
      const nv = withFlags(
        {
          ...v,
          vm_page_prot: 'pgprot_noncached',
          vm_pgoff: (BigInt(b.start) >> 12n) + v.vm_pgoff,
          vm_ops: `${dev.driver}${PFN_FAULT_OPS}`,
        },
        ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'],
      )
      const tx = new Tx(k.world).set('vmas', vma, nv)
      yield f.mutate(
        tx.deltas,
        `vm_page_prot = pgprot_noncached(); vm_pgoff = pci_resource_start() >> PAGE_SHIFT + pgoff (${hex(nv.vm_pgoff)}); vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP; vm_ops = &${nv.vm_ops} (.fault calls vmf_insert_pfn). No PTE is written: the first CPU access faults`,
      )
      return ok(undefined)
    }
  }
}

/**
 * sysfsResourceMmapHook - mmap of /sys/bus/pci/devices/<bdf>/resourceN (or resourceN_wc).
 * Mirrors drivers/pci/pci-sysfs.c: pci_mmap_resource() and drivers/pci/mmap.c: pci_mmap_resource_range().
 *
 * security_locked_down(LOCKDOWN_PCI_ACCESS) (-EPERM under lockdown, 5.4+), iomem_is_exclusive(),
 * pci_mmap_fits() (vm_pgoff + vma_pages within the BAR), then vm_pgoff += start >> PAGE_SHIFT,
 * vm_ops = pci_phys_vm_ops, prot pgprot_writecombine (_wc) or pgprot_device, io_remap_pfn_range().
 *
 * Errnos: -EPERM, -EINVAL.
 * Simplification: iomem_is_exclusive() is always false (no driver claimed the BAR exclusively).
 */
export function sysfsResourceMmapHook(dev: PciDev, bar: number, wc: boolean): MmapHook {
  return function* (k, vma) {
    const f = frame(k, 'pci_mmap_resource', ['EPERM', 'EINVAL'])
    return yield* kcall(f, { file: `${dev.bdf}/resource${bar}${wc ? '_wc' : ''}` }, body())
    function* body(): Call<KResult<void>> {
      if (behaves(k.era, 'pci.sysfs-lockdown')) {
        const locked = k.world.sys.lockdown
        yield f.check(
          'security_locked_down(LOCKDOWN_PCI_ACCESS)',
          !locked,
          locked
            ? 'the kernel is locked down: raw PCI BAR access from user space is refused'
            : 'not locked down',
        )
        if (locked)
          return fail(
            kerr(
              'EPERM',
              f.fn,
              'kernel lockdown forbids mmap of PCI resource files',
              'never',
              'boot without lockdown= (or with lockdown=none)',
            ),
          )
      }
      const b = dev.bars.find((x) => x.index === bar)
      yield f.check(
        'IORESOURCE_MEM && iomem_is_exclusive(start)?',
        true,
        'no driver claimed the BAR with IORESOURCE_EXCLUSIVE',
      )
      const v = k.world.vmas[vma]!
      const nr = (v.vm_end - v.vm_start) / PAGE_SIZE
      const size = b ? BigInt(b.size) / PAGE_SIZE : 0n
      const fits = !!b && !b.io && v.vm_pgoff < size && size - v.vm_pgoff >= nr
      yield f.check(
        'pci_mmap_fits(): vm_pgoff + vma_pages <= BAR pages',
        fits,
        `vm_pgoff ${hex(v.vm_pgoff)} + ${nr} pages vs BAR${bar} ${size} pages`,
      )
      if (!fits || !b) return fail(kerr('EINVAL', f.fn, 'the requested range is outside the BAR'))
      return yield* pciMmapResourceRange(k, b, vma, wc)
    }
  }
}

/**
 * pciMmapResourceRange - set up the VMA for a BAR (the resource pci_mmap_resource() checked) and map it.
 * Mirrors drivers/pci/mmap.c: pci_mmap_resource_range().
 *
 * Errnos: -EINVAL (from io_remap_pfn_range()).
 */
function* pciMmapResourceRange(k: Kernel, b: Bar, vma: string, wc: boolean): Call<KResult<void>> {
  const f = frame(k, 'pci_mmap_resource_range', ['EINVAL'])
  return yield* kcall(f, { bar: String(b.index), write_combine: String(wc) }, body())
  function* body(): Call<KResult<void>> {
    const v = k.world.vmas[vma]!
    const prot = wc ? 'pgprot_writecombine' : 'pgprot_device'
    const nv: VmArea = {
      ...v,
      vm_pgoff: v.vm_pgoff + (BigInt(b.start) >> 12n),
      vm_ops: 'pci_phys_vm_ops',
      vm_page_prot: prot,
    }
    const tx = new Tx(k.world).set('vmas', vma, nv)
    yield f.mutate(
      tx.deltas,
      `vm_pgoff += pci_resource_start() >> PAGE_SHIFT (${hex(nv.vm_pgoff)}); vm_ops = &pci_phys_vm_ops (.access = generic_access_phys); prot = ${prot}`,
    )
    const size = v.vm_end - v.vm_start
    return yield* ioRemapPfnRange(k, { vma, addr: v.vm_start, first: mkPfn(nv.vm_pgoff), size, prot })
  }
}

/**
 * doMunmap - remove [start, start+len) from a process.
 * Mirrors mm/mmap.c: __vm_munmap() -> do_vmi_munmap() -> unmap_region() (zap_page_range) -> remove_vma().
 *
 * Pages with struct page lose their mapping reference (page_remove_rmap, put_page); an anonymous
 * page whose refcount reaches 0 is freed, and a P2PDMA page returns to the provider's gen_pool
 * (p2pdma_page_free). Pinned pages stay: the pin holds a reference.
 *
 * Errnos: -EINVAL (unaligned start or len 0).
 * Interval notifiers overlapping the range get MMU_NOTIFY_UNMAP before the PTEs go (ODP MRs and HMM
 * mirrors drop their device mappings there).
 *
 * Simplification: a partial munmap trims or splits the VMA in one step.
 */
export function* doMunmap(
  k: Kernel,
  mm: string,
  start: Vaddr,
  len: bigint,
  notify = true,
): Call<KResult<void>> {
  const f = frame(k, notify ? '__vm_munmap' : 'unmap_vmas', ['EINVAL'])
  return yield* kcall(f, { start: hex(start), len: sizeStr(len) }, body())
  function* body(): Call<KResult<void>> {
    const end = vaddr(start + alignUp(len, PAGE_SIZE))
    const okArgs = start % PAGE_SIZE === 0n && len > 0n
    yield f.check('start page aligned, len != 0', okArgs, okArgs ? 'ok' : 'bad arguments')
    if (!okArgs) return fail(kerr('EINVAL', f.fn, 'munmap() with an unaligned address or zero length'))
    // unmap_region() -> unmap_vmas(): mmu_notifier_invalidate_range_start(MMU_NOTIFY_UNMAP) before the zap
    if (notify) yield* mmuNotifierInvalidate(k, mm, start, end, 'MMU_NOTIFY_UNMAP')
    const tx = new Tx(k.world)
    const gone = zapPtes(tx, mm, start, end)
    for (const p of gone) {
      if (p.special) continue
      updatePages(tx, p.pfn, p.npages, (r) => ({ ...r, refcount: r.refcount - 1, mapcount: r.mapcount - 1 }))
    }
    yield f.mutate(
      tx.deltas,
      gone.length
        ? `unmap_region(): zap ${gone.length} PTE run(s); struct pages drop their mapping reference (special PFN-map PTEs have none)`
        : 'unmap_region(): no PTEs were populated',
    )
    const free = new Tx(k.world)
    for (const [key, r] of Object.entries(free.world.pages)) {
      if (r.refcount !== 0) continue
      if (r.kind === 'ram') free.set('pages', key, null)
    }
    for (const [dev, st] of Object.entries(free.world.p2pdma)) {
      const keep = st.allocs.filter((a) => {
        const first = a.start >> 12n
        const runs = Object.values(free.world.pages).filter(
          (r) => r.pfn >= first && r.pfn < first + a.size / PAGE_SIZE,
        )
        return !(
          a.owner.startsWith(`${mm}:`) &&
          runs.length > 0 &&
          runs.every((r) => r.refcount === 0) &&
          vmasOverlapping(free.world, mm, start, end).some(([vk]) => vk === a.owner)
        )
      })
      if (keep.length !== st.allocs.length) free.set('p2pdma', dev, { ...st, allocs: keep })
    }
    if (!free.empty)
      yield f.mutate(
        free.deltas,
        'pages whose refcount dropped to 0 are freed (RAM to the page allocator; P2PDMA pages back to the gen_pool via p2pdma_page_free)',
      )
    const vt = new Tx(k.world)
    for (const [key, v] of vmasOverlapping(k.world, mm, start, end)) {
      vt.set('vmas', key, null)
      if (v.vm_start < start) vt.set('vmas', key, { ...v, vm_end: start })
      if (v.vm_end > end)
        vt.set('vmas', vmaKey(mm, end), {
          ...v,
          vm_start: end,
          vm_pgoff: v.vm_pgoff + (end - v.vm_start) / PAGE_SIZE,
        })
    }
    yield f.mutate(
      vt.deltas,
      'remove_vma(): the VMA(s) in the range are gone (split at the edges when only part was unmapped)',
    )
    return ok(undefined)
  }
}

export { pageKey }
