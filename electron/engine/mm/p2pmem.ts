/**
 * P2PDMA providers as steps: pci_p2pdma_add_resource() (ZONE_DEVICE pages for a BAR), publish,
 * the p2pmem gen_pool, pci_p2pmem_alloc_sgl(), and the 6.2+ sysfs p2pmem/allocate mmap.
 *
 * The argument checks and log text come from electron/engine/p2pdma/provider.ts (the foundation's
 * model of the same function); this file adds the world changes (pgmap, page runs, pool).
 */
import { hex, PAGE_SIZE, paddr, pfn as mkPfn, sizeStr, vaddr, type Paddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { frame, kcall, type Call } from '../core/step'
import { pick, type KName } from '../era/index'
import { Tx, type P2pdmaState, type PoolAlloc } from '../core/world'
import { cpuSgEntry, cpuSgTable } from '../dma/scatterlist'
import { pciP2pdmaAddResource } from '../p2pdma/provider'
import type { PciDev } from '../topology/types'
import { hasFlag, logLine, pteKey, updatePages, withFlags, zoneDevicePages } from './mm'
import type { MmapHook } from './mmap'

export const pgmapId = (dev: string, bar: number, offset: bigint): string =>
  `pgmap:${dev}:${bar}:${hex(offset)}`

/**
 * pciP2pdmaAddResource - register (part of) a memory BAR as p2pmem.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pdma_add_resource() -> pci_p2pdma_setup() (first call) ->
 * devm_memremap_pages() (MEMORY_DEVICE_PCI_P2PDMA pgmap: struct pages for the BAR range) ->
 * gen_pool_add_owner().
 *
 * Errnos: -EINVAL (not IORESOURCE_MEM, offset >= len, size + offset > len).
 * Simplification: free P2PDMA pages are shown with refcount 0; the pool is kept in CPU physical
 * addresses (the kernel's gen_pool stores bus addresses as "phys"); overlapping registrations are
 * not detected (devm_memremap_pages() would refuse them).
 */
// long: pci_p2pdma_add_resource() in order: its argument checks, pci_p2pdma_setup(), devm_memremap_pages(), gen_pool_add_owner()
export function* p2pdmaAddResource(
  k: Kernel,
  dev: PciDev,
  bar: number,
  size: bigint,
  offset: bigint,
): Call<KResult<void>> {
  const f = frame(k, 'pci_p2pdma_add_resource', ['EINVAL'])
  return yield* kcall(f, { pdev: dev.bdf, bar: String(bar), size: hex(size), offset: hex(offset) }, body())
  function* body(): Call<KResult<void>> {
    const r = pciP2pdmaAddResource(k.machine, { devs: {} }, dev.id, bar, Number(size), Number(offset), k.era)
    if (r.ret !== 0) {
      const d = r.decisions[r.decisions.length - 1]!
      yield f.check('pci_resource_flags/offset/size checks', false, d.text)
      return fail(kerr('EINVAL', f.fn, d.text.replace(/: -EINVAL$/, '')))
    }
    const b = dev.bars.find((x) => x.index === bar)!
    yield f.check(
      'IORESOURCE_MEM, offset < len, size + offset <= len',
      true,
      `BAR${bar} is a ${sizeStr(b.size)} memory BAR`,
    )
    const len = size === 0n ? BigInt(b.size) - offset : size
    const start = paddr(BigInt(b.start) + offset)
    if (!k.world.p2pdma[dev.id]) {
      const s = frame(k, 'pci_p2pdma_setup', [])
      yield s.enter({ pdev: dev.bdf })
      const tx = new Tx(k.world).set('p2pdma', dev.id, {
        dev: dev.id,
        chunks: [],
        allocs: [],
        published: false,
        map_types: {},
      })
      yield s.mutate(
        tx.deltas,
        'pdev->p2pdma = a gen_pool (order PAGE_SHIFT) and the sysfs group p2pmem/ (size, available, published)',
      )
      yield s.ret('0')
    }
    const m = frame(k, 'devm_memremap_pages', [])
    yield m.enter({ type: 'MEMORY_DEVICE_PCI_P2PDMA', range: `${hex(start)}-${hex(start + len - 1n)}` })
    const id = pgmapId(dev.id, bar, offset)
    const tx = new Tx(k.world)
    tx.set('pgmaps', id, {
      id,
      type: 'MEMORY_DEVICE_PCI_P2PDMA',
      dev: dev.id,
      bar,
      start,
      size: len,
      bus_offset: BigInt(b.busStart - b.start),
    })
    zoneDevicePages(tx, mkPfn(start >> 12n), len / PAGE_SIZE, id)
    yield m.mutate(
      tx.deltas,
      `${len / PAGE_SIZE} ZONE_DEVICE struct pages for the BAR range (one page run), page->pgmap = the P2PDMA pagemap (bus_offset ${hex(BigInt(b.busStart - b.start))})`,
    )
    yield m.ret(hex(start))
    const st = k.world.p2pdma[dev.id]!
    const pool = new Tx(k.world).set('p2pdma', dev.id, {
      ...st,
      chunks: [{ start, size: len, bar, pgmap: id }, ...st.chunks],
    })
    if (r.log) logLine(pool, r.log)
    yield f.mutate(
      pool.deltas,
      `gen_pool_add_owner(): a ${sizeStr(len)} chunk at the head of the pool (p2pmem/size = ${poolSize(st) + len}); ${r.log ?? ''}`,
    )
    return ok(undefined)
  }
}

/**
 * pciP2pmemPublish - let other drivers find this p2pmem (pci_p2pmem_find_many()).
 * Mirrors drivers/pci/p2pdma.c: pci_p2pmem_publish().
 *
 * Errnos: none (a device without p2pdma is a no-op).
 */
export function* p2pmemPublish(k: Kernel, dev: PciDev, publish: boolean): Call<KResult<void>> {
  const f = frame(k, 'pci_p2pmem_publish', [])
  return yield* kcall(f, { pdev: dev.bdf, publish: String(publish) }, body())
  function* body(): Call<KResult<void>> {
    const st = k.world.p2pdma[dev.id]
    yield f.check('pdev->p2pdma?', !!st, st ? 'the device has p2pdma' : 'no p2pdma: nothing to publish')
    if (!st) return ok(undefined)
    const tx = new Tx(k.world).set('p2pdma', dev.id, { ...st, published: publish })
    yield f.mutate(tx.deltas, `p2pmem/published reads ${publish ? 1 : 0}`)
    return ok(undefined)
  }
}

/** p2pmem/size: the bytes of every chunk. */
export function poolSize(st: P2pdmaState): bigint {
  return st.chunks.reduce((s, c) => s + c.size, 0n)
}

/** Bytes still free in the pool (p2pmem/available). */
export function poolAvailable(st: P2pdmaState): bigint {
  return poolSize(st) - st.allocs.reduce((s, a) => s + a.size, 0n)
}

/** gen_pool_alloc with gen_pool_first_fit: chunks in list order (newest first), first fit inside each. */
function firstFit(st: P2pdmaState, size: bigint): Paddr | null {
  for (const c of st.chunks) {
    let at = c.start as bigint
    const inChunk = st.allocs
      .filter((a) => a.start >= c.start && a.start < c.start + c.size)
      .sort((x, y) => (x.start < y.start ? -1 : 1))
    for (const a of inChunk) {
      if (a.start - at >= size) return paddr(at)
      at = a.start + a.size
    }
    if (c.start + c.size - at >= size) return paddr(at)
  }
  return null
}

/**
 * genPoolAlloc - take `size` bytes from a provider's p2pmem pool.
 * Mirrors drivers/pci/p2pdma.c: pci_alloc_p2pmem() / gen_pool_alloc_owner() (lib/genalloc.c).
 *
 * Errnos: -ENOMEM when the device has no p2pdma or no free range is large enough (the kernel
 * returns NULL).
 */
export function* genPoolAlloc(
  k: Kernel,
  dev: PciDev,
  size: bigint,
  owner: string,
  fn: KName = 'gen_pool_alloc_owner',
): Call<KResult<Paddr>> {
  const f = frame(k, fn, ['ENOMEM'])
  return yield* kcall(f, { size: sizeStr(size) }, body(), hex)
  function* body(): Call<KResult<Paddr>> {
    const st = k.world.p2pdma[dev.id]
    const at = st ? firstFit(st, size) : null
    if (!st) {
      yield f.check(
        'pdev->p2pdma?',
        false,
        `${dev.bdf} has no p2pdma (pci_p2pdma_add_resource() was never called): NULL`,
      )
      return fail(kerr('ENOMEM', f.fn, `${dev.bdf} has no p2pmem (the kernel returns NULL)`, 'never'))
    }
    yield f.check(
      'a free range of the pool fits?',
      at !== null,
      `p2pmem/available = ${poolAvailable(st)} bytes; asked ${size}`,
    )
    if (at === null)
      return fail(
        kerr('ENOMEM', f.fn, `the p2pmem pool of ${dev.bdf} has no free ${sizeStr(size)} range`, 'later'),
      )
    const alloc: PoolAlloc = { start: at, size, owner }
    const tx = new Tx(k.world).set('p2pdma', dev.id, { ...st, allocs: [...st.allocs, alloc] })
    yield f.mutate(
      tx.deltas,
      `allocated [${hex(at)}, ${hex(at + size)}); p2pmem/available drops by ${sizeStr(size)}`,
    )
    return ok(at)
  }
}

/**
 * pciP2pmemAllocSgl - allocate p2pmem and describe it with a one-entry scatterlist.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pmem_alloc_sgl(): kmalloc one scatterlist, pci_alloc_p2pmem(),
 * sg_set_buf(sg, addr, length), *nents = 1.
 *
 * Errnos: -ENOMEM (the kernel returns NULL).
 */
export function* p2pmemAllocSgl(k: Kernel, dev: PciDev, len: bigint, sgt: string): Call<KResult<number>> {
  const f = frame(k, 'pci_p2pmem_alloc_sgl', ['ENOMEM'])
  return yield* kcall(f, { pdev: dev.bdf, length: sizeStr(len) }, body())
  function* body(): Call<KResult<number>> {
    const r = yield* genPoolAlloc(k, dev, len, `sgl:${sgt}`, 'pci_alloc_p2pmem')
    if (!r.ok) return r
    const table = cpuSgTable(sgt, [cpuSgEntry(mkPfn(r.value >> 12n), Number(len))])
    const tx = new Tx(k.world).set('sgts', sgt, table)
    yield f.mutate(
      tx.deltas,
      `sg_set_buf(sg, addr, ${len}): one entry, page = pfn ${hex(r.value >> 12n)} (a P2PDMA page); *nents = 1`,
    )
    return ok(1)
  }
}

/**
 * p2pmemAllocMmapHook - ->mmap() of /sys/bus/pci/devices/<bdf>/p2pmem/allocate (6.2+).
 * Mirrors drivers/pci/p2pdma.c: p2pmem_alloc_mmap().
 *
 * A private mapping ((vm_flags & VM_MAYSHARE) != VM_MAYSHARE) and vm_pgoff != 0 give -EINVAL; no
 * p2pdma gives -ENODEV; no room in the pool gives -ENOMEM. Then vm_insert_page() for every page,
 * which makes the VMA VM_MIXEDMAP and maps refcounted ZONE_DEVICE pages with normal PTEs.
 *
 * Errnos: -EINVAL, -ENODEV, -ENOMEM.
 * Simplification: the per-page vm_insert_page() loop is one range step; the percpu_ref get/put pairs
 * are not shown.
 */
export function p2pmemAllocMmapHook(dev: PciDev): MmapHook {
  return function* (k, vmaKey) {
    const f = frame(k, 'p2pmem_alloc_mmap', ['EINVAL', 'ENODEV', 'ENOMEM'])
    return yield* kcall(f, { file: `${dev.bdf}/p2pmem/allocate` }, body())
    function* body(): Call<KResult<void>> {
      const v = k.world.vmas[vmaKey]!
      const shared = hasFlag(v, 'VM_MAYSHARE')
      yield f.check(
        '(vm_flags & VM_MAYSHARE) == VM_MAYSHARE',
        shared,
        shared ? 'MAP_SHARED' : 'a private (COW) mapping of p2pmem is refused',
      )
      if (!shared) return fail(kerr('EINVAL', f.fn, 'p2pmem/allocate must be mapped MAP_SHARED'))
      yield f.check('vm_pgoff == 0', v.vm_pgoff === 0n, `vm_pgoff = ${hex(v.vm_pgoff)}`)
      if (v.vm_pgoff !== 0n) return fail(kerr('EINVAL', f.fn, 'p2pmem/allocate must be mapped at offset 0'))
      const st = k.world.p2pdma[dev.id]
      yield f.check(
        'rcu_dereference(pdev->p2pdma)',
        !!st?.chunks.length,
        st?.chunks.length ? 'the provider has p2pdma' : 'no p2pdma',
      )
      if (!st?.chunks.length) return fail(kerr('ENODEV', f.fn, `${dev.bdf} has no p2pmem`))
      const len = v.vm_end - v.vm_start
      const r = yield* genPoolAlloc(k, dev, len, vmaKey)
      if (!r.ok) return fail(kerr('ENOMEM', f.fn, r.error.why, 'later'))
      return yield* vmInsertPages(k, vmaKey, r.value, len)
    }
  }
}

/**
 * vmInsertPages - insert refcounted struct pages into a VMA, page by page (folded into one step).
 * Mirrors mm/memory.c: vm_insert_page(): BUG_ON(vma->vm_flags & VM_PFNMAP) (recalled, unverified);
 * sets VM_MIXEDMAP if it is not set; get_page() and a normal (non-special) PTE per page.
 *
 * Errnos: none modelled.
 */
function* vmInsertPages(k: Kernel, vmaKey: string, start: Paddr, len: bigint): Call<KResult<void>> {
  const f = frame(k, 'vm_insert_page', [])
  const n = len / PAGE_SIZE
  return yield* kcall(
    f,
    { pages: `${n} (one call per page, shown once)`, first_pfn: hex(start >> 12n) },
    body(),
  )
  function* body(): Call<KResult<void>> {
    const v = k.world.vmas[vmaKey]!
    yield f.check(
      '!(vm_flags & VM_PFNMAP)',
      !hasFlag(v, 'VM_PFNMAP'),
      'a VM_PFNMAP VMA would hit BUG_ON (recalled, unverified)',
    )
    if (!hasFlag(v, 'VM_MIXEDMAP')) {
      const tx = new Tx(k.world).set('vmas', vmaKey, withFlags(v, ['VM_MIXEDMAP']))
      yield f.mutate(
        tx.deltas,
        'vm_flags |= VM_MIXEDMAP: the VMA may mix struct pages and raw pfns; vm_normal_page() decides per PTE',
      )
    }
    const tx = new Tx(k.world)
    const first = mkPfn(start >> 12n)
    updatePages(tx, first, n, (r) => ({ ...r, refcount: r.refcount + 1, mapcount: r.mapcount + 1 }))
    tx.set('ptes', pteKey(v.mm, v.vm_start), {
      mm: v.mm,
      va: vaddr(v.vm_start),
      npages: n,
      pfn: first,
      present: true,
      writable: hasFlag(v, 'VM_WRITE'),
      special: false,
      devmap: false,
    })
    yield f.mutate(
      tx.deltas,
      `get_page() + insert_page(): ${n} MEMORY_DEVICE_PCI_P2PDMA pages mapped with normal PTEs (refcount 0 -> 1)`,
    )
    return ok(undefined)
  }
}

/**
 * The x86-64 direct map base (PAGE_OFFSET, 4-level paging): devm_memremap_pages() returns
 * __va(range.start) for a P2PDMA pagemap, and that kernel address is what the gen_pool hands out.
 * Simplification: no KASLR of the direct map (page_offset_base is fixed).
 */
export const PAGE_OFFSET = 0xffff_8880_0000_0000n

/**
 * pciAllocP2pmem - allocate p2pmem for a kernel user (nvmet, a driver).
 * Mirrors drivers/pci/p2pdma.c: pci_alloc_p2pmem(): rcu_dereference(pdev->p2pdma), then
 * gen_pool_alloc_owner() and percpu_ref_tryget_live_rcu(ref) (6.12 :818-841; gen_pool_alloc()
 * before the pool had owners, S1); returns the kernel
 * virtual address in the direct map.
 *
 * Errnos: -ENOMEM (the kernel returns NULL: no p2pdma, or the pool has no room).
 */
export function* pciAllocP2pmem(k: Kernel, dev: PciDev, size: bigint, as: string): Call<KResult<bigint>> {
  const f = frame(k, 'pci_alloc_p2pmem', ['ENOMEM'])
  return yield* kcall(f, { pdev: dev.bdf, size: sizeStr(size) }, body(), hex)
  function* body(): Call<KResult<bigint>> {
    const r = yield* genPoolAlloc(
      k,
      dev,
      size,
      `kmem:${as}`,
      pick(k.era, 'gen_pool_alloc_owner', 'gen_pool_alloc'),
    )
    if (!r.ok) return fail(kerr('ENOMEM', f.fn, r.error.why, r.error.retry))
    const addr = PAGE_OFFSET + r.value
    const tx = new Tx(k.world).set('vars', as, { kind: 'kaddr', addr, size, provider: dev.id })
    yield f.mutate(
      tx.deltas,
      `returns ${hex(addr)} = __va(${hex(r.value)}): the direct-map address of the BAR page (the lab names it '${as}')`,
    )
    return ok(addr)
  }
}

/**
 * pciP2pmemVirtToBus - the PCI bus address of p2pmem a kernel user got from pci_alloc_p2pmem().
 * Mirrors drivers/pci/p2pdma.c: pci_p2pmem_virt_to_bus() (6.12 :871): 0 for a NULL address or a
 * device without p2pdma, else gen_pool_virt_to_phys(p2pdma->pool, addr) — "when we added the
 * memory to the pool we used the PCI bus address as the physical address", so the "phys" is the
 * bus address. lib/genalloc.c: gen_pool_virt_to_phys() walks the chunks and returns
 * chunk->phys_addr + (addr - chunk->start_addr), or -1 when no chunk of this pool holds addr
 * (an address of another provider's pool, for instance).
 *
 * Errnos: none (returns the address; 0 and (phys_addr_t)-1 are its failure values).
 */
export function* pciP2pmemVirtToBus(k: Kernel, dev: PciDev, addr: bigint): Call<bigint> {
  const f = frame(k, 'pci_p2pmem_virt_to_bus', [])
  yield f.enter({ pdev: dev.bdf, addr: hex(addr) })
  yield f.check('addr != NULL', addr !== 0n, addr ? 'an address' : 'NULL: return 0')
  if (addr === 0n) {
    yield f.ret('0')
    return 0n
  }
  const st = k.world.p2pdma[dev.id]
  yield f.check(
    'rcu_dereference_protected(pdev->p2pdma)',
    !!st,
    st ? `${dev.bdf} has p2pdma` : `${dev.bdf} has no p2pdma: return 0`,
  )
  if (!st) {
    yield f.ret('0')
    return 0n
  }
  const g = frame(k, 'gen_pool_virt_to_phys', [])
  yield g.enter({ pool: `${dev.bdf} p2pmem`, addr: hex(addr) })
  let found: bigint | null = null
  for (const c of st.chunks) {
    const start = PAGE_OFFSET + c.start
    const inside = addr >= start && addr < start + c.size
    const bus = c.start + (k.world.pgmaps[c.pgmap]?.bus_offset ?? 0n)
    yield g.check(
      `chunk [${hex(start)}, ${hex(start + c.size)})?`,
      inside,
      inside
        ? `chunk->phys_addr ${hex(bus)} (the BAR${c.bar} bus address) + ${hex(addr - start)}`
        : 'not in this chunk',
    )
    if (inside) {
      found = bus + (addr - start)
      break
    }
  }
  const ret = found ?? BigInt.asUintN(64, -1n)
  yield g.ret(found === null ? '-1 (no chunk holds the address)' : hex(ret))
  yield f.ret(hex(ret))
  return ret
}
