/**
 * ZONE_DEVICE memory beyond P2PDMA (docs/kernel/devmem.md#the-memory-types): DEVICE_PRIVATE (a GPU's memory the CPU
 * cannot address; the PTE becomes a device-private swap entry), DEVICE_COHERENT (CPU-addressable
 * device memory that must stay evictable, 6.0+), FS_DAX (pmem file data mapped directly).
 *
 *   anonymous page --migrate_to_device--> DEVICE_PRIVATE page (PTE: device-private entry)
 *        ^                                        |
 *        +------- CPU/GUP fault: do_swap_page -> pgmap->ops->migrate_to_ram (MMU_NOTIFY_MIGRATE, owner)
 *
 * Simplification: device memory sits at fixed physical bases (request_free_mem_region() picks the
 * highest free range in the kernel); a "copy" is a step without data; one migration covers a run.
 */
import type { MemoryType } from '../../../shared/model/mm'
import { hex, PAGE_SIZE, paddr, pfn as mkPfn, sizeStr, vaddr, type Pfn, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaviourDef, behaviourRange, behaves, has, hasPatch, nameRange, pick } from '../era/index'
import { driverFrame, frame, kcall, type Call, type Frame } from '../core/step'
import { Tx, type DevPagemap, type PageRun, type PteRun, type VmArea } from '../core/world'
import { allocRamPages, pageAt, pteAt, pteKey, updatePages, zoneDevicePages } from './mm'
import { mmuNotifierInvalidate, zapDevPtes, type NotifyEvent } from './notifier'

export type DevmemKind = 'private' | 'coherent' | 'fsdax'

const TYPE: Record<DevmemKind, MemoryType> = {
  private: 'MEMORY_DEVICE_PRIVATE',
  coherent: 'MEMORY_DEVICE_COHERENT',
  fsdax: 'MEMORY_DEVICE_FS_DAX',
}
const BASE: Record<DevmemKind, bigint> = {
  private: 0xf0_0000_0000n,
  coherent: 0xe0_0000_0000n,
  fsdax: 0xd0_0000_0000n,
}

export const devmemPgmapId = (dev: string, kind: DevmemKind): string => `pgmap:${dev}:${kind}`

/** The ZONE_DEVICE memory type of a page run, or null for RAM / no pgmap. */
export function pageType(k: Kernel, r: PageRun | null): MemoryType | null {
  return r?.pgmap ? (k.world.pgmaps[r.pgmap]?.type ?? null) : null
}

/** vma_is_fsdax(): a DAX file mapping (the lab's fsdax files use ext4_dax_vm_ops). */
export function vmaIsFsdax(v: VmArea): boolean {
  return v.vm_ops === 'ext4_dax_vm_ops'
}

/**
 * memremapPages - hand a device memory range to the mm as ZONE_DEVICE pages.
 * Mirrors mm/memremap.c: memremap_pages() (devm_memremap_pages()); for DEVICE_PRIVATE the driver
 * first calls request_free_mem_region() and sets pgmap->owner and pgmap->ops->migrate_to_ram.
 *
 * Errnos: -EINVAL (size 0; DEVICE_PRIVATE/COHERENT without an owner or ops), -EEXIST (already added).
 * Simplification: pages start free with refcount 0 (newer kernels; older ones kept 1).
 */
export function* memremapPages(
  k: Kernel,
  dev: string,
  kind: DevmemKind,
  size: bigint,
  ops: string,
  p2pMap = false,
): Call<KResult<string>> {
  const f = frame(k, pick(k.era, 'memremap_pages', 'devm_memremap_pages'), ['EINVAL', 'EEXIST'])
  return yield* kcall(
    f,
    { type: TYPE[kind], size: sizeStr(size), owner: kind === 'fsdax' ? 'NULL' : dev },
    (function* (): Call<KResult<string>> {
      const id = devmemPgmapId(dev, kind)
      yield f.check('size != 0 and page aligned', size > 0n && size % PAGE_SIZE === 0n, sizeStr(size))
      if (size === 0n || size % PAGE_SIZE !== 0n) return fail(kerr('EINVAL', f.fn, 'bad size'))
      const exists = !!k.world.pgmaps[id]
      yield f.check('range already a pagemap?', !exists, exists ? `${id} exists` : 'new range')
      if (exists) return fail(kerr('EEXIST', f.fn, `${id} was already added`))
      if (kind !== 'fsdax' && has(k.era, 'migrate_to_ram'))
        yield f.check(
          has(k.era, 'dev_pagemap_owner')
            ? 'pgmap->owner && pgmap->ops->migrate_to_ram'
            : 'pgmap->ops->migrate_to_ram',
          true,
          `owner = ${dev}; ops = ${ops}: CPU faults on these pages call ${ops}.migrate_to_ram`,
        )
      else if (kind !== 'fsdax')
        // 4.14–5.2: hmm_devmem_add(ops, device, size) -> devm_memremap_pages(); faults call ops->fault
        yield f.check(
          'hmm_devmem_add(): devmem->ops->fault',
          true,
          `ops = ${ops}: CPU faults on these pages call ${ops}.fault`,
        )
      const idx = BigInt(Object.values(k.world.pgmaps).filter((p) => p.type === TYPE[kind]).length)
      const start = paddr(BASE[kind] + idx * (64n << 30n))
      const pg: DevPagemap = {
        id,
        type: TYPE[kind],
        dev,
        bar: -1,
        start,
        size,
        bus_offset: 0n,
        ...(kind !== 'fsdax' ? { owner: dev, ops } : { ops }),
        ...(p2pMap ? { p2pMap: true } : {}),
      }
      const first = mkPfn(start >> 12n)
      const tx = new Tx(k.world).set('pgmaps', id, pg)
      zoneDevicePages(tx, first, size / PAGE_SIZE, id)
      yield f.mutate(
        tx.deltas,
        `${TYPE[kind]} pgmap [${hex(start)}, ${hex(start + size)}): ${size / PAGE_SIZE} struct pages${kind === 'private' ? ' for memory the CPU cannot address (request_free_mem_region())' : ''}, all free`,
      )
      return ok(id)
    })(),
  )
}

/** First free (refcount 0) run of `n` pages in a pgmap, or null. */
function freeDevicePages(k: Kernel | { world: Kernel['world'] }, pgmap: string, n: bigint): Pfn | null {
  const runs = Object.values(k.world.pages)
    .filter((r) => r.pgmap === pgmap && r.refcount === 0 && r.count >= n)
    .sort((a, b) => (a.pfn < b.pfn ? -1 : 1))
  return runs[0]?.pfn ?? null
}

/**
 * migrateToDevice - move anonymous pages into device memory.
 * Mirrors lib/test_hmm.c: dmirror_migrate_to_device() -> mm/migrate_device.c: migrate_vma_setup()
 * (MIGRATE_VMA_SELECT_SYSTEM, pgmap_owner) -> alloc_and_copy -> migrate_vma_pages() -> migrate_vma_finalize().
 *
 * For DEVICE_PRIVATE the PTE becomes a device-private entry (not present: the CPU cannot read the
 * page); for DEVICE_COHERENT it stays present and points at the device page. migrate_vma_collect()
 * raises MMU_NOTIFY_MIGRATE with owner = the pgmap owner, so the driver can skip its own migration.
 *
 * Errnos: -EINVAL (not anonymous, or not faulted in), -EBUSY (a page is pinned: migration would
 * break the pin), -ENOMEM (device memory full).
 * Simplification: the whole run migrates or nothing does (the kernel skips single pages).
 */
export function* migrateToDevice(
  k: Kernel,
  mm: string,
  va: Vaddr,
  npages: bigint,
  pgmapId: string,
): Call<KResult<bigint>> {
  const pg = k.world.pgmaps[pgmapId]!
  const old2019 = has(k.era, 'migrate_vma')
  const f = old2019
    ? frame(k, 'migrate_vma', ['EINVAL', 'EBUSY', 'ENOMEM'])
    : frame(k, 'migrate_vma_setup', ['EINVAL', 'EBUSY', 'ENOMEM'])
  const end = vaddr(va + npages * PAGE_SIZE)
  return yield* kcall(
    f,
    {
      start: hex(va),
      end: hex(end),
      ...(old2019
        ? { ops: 'migrate_vma_ops' }
        : { pgmap_owner: pg.owner ?? 'NULL', flags: 'MIGRATE_VMA_SELECT_SYSTEM' }),
    },
    (function* (): Call<KResult<bigint>> {
      const pte = pteAt(k.world, mm, va)
      const full = !!pte && pte[1].present && !pte[1].special && pte[1].va + pte[1].npages * PAGE_SIZE >= end
      const page = full ? pageAt(k.world, mkPfn(pte![1].pfn + (va - pte![1].va) / PAGE_SIZE)) : null
      const anon = !!page && page.kind === 'ram'
      yield f.check(
        'migrate_vma_collect(): present anonymous pages in [start, end)?',
        anon,
        anon
          ? `${npages} RAM page(s) mapped from ${hex(va)}`
          : 'the range is not populated with anonymous RAM pages',
      )
      if (!anon) return fail(kerr('EINVAL', f.fn, 'nothing to migrate: touch the buffer first'))
      const first = mkPfn(pte![1].pfn + (va - pte![1].va) / PAGE_SIZE)
      yield f.check(
        'migrate_vma_check_page(): no extra references (folio_maybe_dma_pinned)?',
        page!.pins === 0,
        page!.pins
          ? 'a pinned page cannot move: its DMA user holds the physical address'
          : 'only the mapping holds the page',
      )
      if (page!.pins) return fail(kerr('EBUSY', f.fn, 'the page is pinned', 'later'))
      yield* mmuNotifierInvalidate(
        k,
        mm,
        va,
        end,
        has(k.era, 'MMU_NOTIFY_MIGRATE') ? 'MMU_NOTIFY_MIGRATE' : 'MMU_NOTIFY_CLEAR',
        pg.owner ?? null,
      )
      const dst = freeDevicePages(k, pgmapId, npages)
      const a = allocAndCopyFrame(k)
      yield a.enter({ npages: npages.toString() })
      if (dst === null) {
        yield a.fail(kerr('ENOMEM', a.fn, 'device memory is full'))
        return fail(kerr('ENOMEM', f.fn, 'no free device pages'))
      }
      const tx = new Tx(k.world)
      updatePages(tx, dst, npages, (r) => ({ ...r, refcount: 1, mapcount: 1 }))
      yield a.mutate(
        tx.deltas,
        `allocate ${npages} device page(s) at pfn ${hex(dst)} and copy the data (the device's DMA engine)`,
      )
      yield a.ret('0')
      yield* migrateVmaFinalize(k, {
        mm,
        va,
        npages,
        dst,
        first,
        old: pte![1],
        priv: pg.type === 'MEMORY_DEVICE_PRIVATE',
      })
      return ok(npages)
    })(),
    (n) => `${n} migrated`,
  )
}

/**
 * What do_swap_page() calls for a device-private entry: pgmap->ops->migrate_to_ram(vmf) from 5.3
 * (dev_pagemap_ops); before, device_private_entry_fault() -> pgmap->page_fault(), which HMM set to
 * hmm_devmem_fault() -> devmem->ops->fault() (4.14–5.2, S9).
 */
export function devicePrivateFaultCall(k: Kernel): string {
  return has(k.era, 'migrate_to_ram')
    ? 'vmf->page->pgmap->ops->migrate_to_ram(vmf)'
    : 'device_private_entry_fault() -> pgmap->page_fault() = hmm_devmem_fault() -> devmem->ops->fault()'
}

/**
 * do_swap_page() on a device-private entry: is_device_private_entry(), then the era's
 * devicePrivateFaultCall() moves the pages back to system RAM (mm/memory.c: do_swap_page(); the
 * driver's migrate_to_ram is lib/test_hmm.c dmirror_devmem_fault()). `why` says who touched the page.
 */
export function* doSwapPageDevicePrivate(
  k: Kernel,
  mm: string,
  va: Vaddr,
  npages: bigint,
  why: string,
): Call<KResult<void>> {
  const dp = frame(k, 'do_swap_page', [])
  yield dp.enter({ address: hex(va) })
  yield dp.check('is_device_private_entry(entry)', true, `${why}: ${devicePrivateFaultCall(k)}`)
  const m = yield* moveToRam(k, mm, va, npages, 'fault')
  yield dp.ret(m.ok ? '0' : 'VM_FAULT_SIGBUS')
  return m
}

/**
 * The driver's copy step of a migration: lib/test_hmm.c dmirror_migrate_alloc_and_copy() (5.8+), or
 * before 5.4 the migrate_vma_ops.alloc_and_copy callback the one-shot migrate_vma() called.
 */
function allocAndCopyFrame(k: Kernel): Frame {
  return has(k.era, 'dmirror_migrate_alloc_and_copy')
    ? frame(k, 'dmirror_migrate_alloc_and_copy', ['ENOMEM'])
    : driverFrame(k, 'migrate_vma_ops.alloc_and_copy', 'the driver (migrate_vma() callback)', 'migrate_vma', [
        'ENOMEM',
      ])
}

/**
 * migrate_vma_pages() + migrate_vma_finalize(): the PTEs point at the device pages (a device-private
 * entry, or present for DEVICE_COHERENT) and the RAM pages are freed.
 */
function* migrateVmaFinalize(
  k: Kernel,
  q: { mm: string; va: Vaddr; npages: bigint; dst: Pfn; first: Pfn; old: PteRun; priv: boolean },
): Call<void> {
  const { mm, va, npages, dst, first, old, priv } = q
  // before 5.4 the one-shot migrate_vma() did this itself (migrate_vma_pages + finalize_and_map)
  const fin = has(k.era, 'migrate_vma_finalize')
    ? frame(k, 'migrate_vma_finalize', [])
    : driverFrame(
        k,
        'migrate_vma_ops.finalize_and_map',
        'the driver (migrate_vma() callback)',
        'migrate_vma',
        [],
      )
  yield fin.enter({})
  const t2 = new Tx(k.world)
  replacePtes(t2, mm, va, npages, {
    pfn: dst,
    present: !priv,
    writable: old.writable,
    special: false,
    devmap: !priv,
    ...(priv ? { swp: 'device_private' as const } : {}),
  })
  updatePages(t2, first, npages, (r) => ({ ...r, refcount: r.refcount - 1, mapcount: r.mapcount - 1 }))
  freeZeroRam(t2, first, npages)
  yield fin.mutate(
    t2.deltas,
    priv
      ? `migrate_vma_pages(): each PTE becomes a device-private entry (make_${old.writable ? 'writable_' : 'readable_'}device_private_entry(pfn ${hex(dst)})): not present for the CPU; the RAM pages are freed`
      : `migrate_vma_pages(): the PTEs point at DEVICE_COHERENT pages (pfn ${hex(dst)}), still present for the CPU; the RAM pages are freed`,
  )
  yield fin.ret('void')
}

/** Replace the PTEs of [va, va+n) with one run whose entry is `p`. */
function replacePtes(
  tx: Tx,
  mm: string,
  va: Vaddr,
  n: bigint,
  p: Omit<PteRun, 'mm' | 'va' | 'npages'>,
): void {
  const hit = pteAt(tx.world, mm, va)!
  const [key, old] = hit
  const endOld = old.va + old.npages * PAGE_SIZE
  const end = va + n * PAGE_SIZE
  tx.set('ptes', key, null)
  if (old.va < va) tx.set('ptes', key, { ...old, npages: (va - old.va) / PAGE_SIZE })
  if (endOld > end) {
    const skip = (end - old.va) / PAGE_SIZE
    tx.set('ptes', pteKey(mm, vaddr(end)), {
      ...old,
      va: vaddr(end),
      npages: old.npages - skip,
      pfn: mkPfn(old.pfn + skip),
    })
  }
  tx.set('ptes', pteKey(mm, va), { mm, va, npages: n, ...p })
}

/** RAM page runs in [first, first+n) whose refcount reached 0 go back to the page allocator. */
function freeZeroRam(tx: Tx, first: Pfn, n: bigint): void {
  for (const [key, r] of Object.entries(tx.world.pages))
    if (r.kind === 'ram' && r.refcount === 0 && r.pfn >= first && r.pfn < first + n)
      tx.set('pages', key, null)
}

/**
 * Who moves device pages back to RAM, by cause and era: the driver's migrate_to_ram (a CPU fault;
 * hmm_devmem_ops.fault with migrate_vma() before 5.2), or migrate_longterm_unpinnable_folios() (a
 * FOLL_LONGTERM pin of DEVICE_COHERENT memory). The frame and its arguments.
 */
function migrateToRamCall(
  k: Kernel,
  pg: DevPagemap,
  why: 'fault' | 'longterm',
  old2019: boolean,
  va: Vaddr,
  n: bigint,
): { f: Frame; args: Record<string, string> } {
  if (why === 'longterm')
    return {
      f: frame(k, pick(k.era, 'migrate_longterm_unpinnable_folios', 'migrate_longterm_unpinnable_pages'), []),
      args: { pages: n.toString(), reason: 'MR_LONGTERM_PIN' },
    }
  // the driver's callback: hmm_devmem_ops.fault (until 5.2) or dev_pagemap_ops.migrate_to_ram (5.3+)
  const [fn, file, member] = old2019
    ? ([
        `${pg.ops ?? 'hmm_devmem_ops'}.fault`,
        'mm/hmm.c: hmm_devmem_fault() -> the driver (migrate_vma())',
        'hmm_devmem_fault',
      ] as const)
    : ([
        `${pg.ops ?? 'dmirror_devmem_ops'}.migrate_to_ram`,
        'lib/test_hmm.c: dmirror_devmem_fault() (a GPU driver)',
        'migrate_to_ram',
      ] as const)
  const args: Record<string, string> = old2019
    ? {
        address: hex(va),
        pages: n.toString(),
        migrate: 'migrate_vma(ops, vma, start, end, src, dst, private)',
      }
    : {
        address: hex(va),
        pages: n.toString(),
        flags: 'MIGRATE_VMA_SELECT_DEVICE_PRIVATE',
        pgmap_owner: pg.owner ?? 'NULL',
      }
  return { f: driverFrame(k, fn, file, member, []), args }
}

/**
 * moveToRam - copy device pages back into fresh RAM pages and remap.
 * Mirrors, for DEVICE_PRIVATE, mm/memory.c: do_swap_page() -> pgmap->ops->migrate_to_ram()
 * (lib/test_hmm.c: dmirror_devmem_fault(): migrate_vma_setup(MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
 * owner) -> alloc_and_copy -> migrate_vma_pages -> migrate_vma_finalize); for DEVICE_COHERENT,
 * mm/gup.c: migrate_longterm_unpinnable_folios() -> migrate_pages(MR_LONGTERM_PIN).
 *
 * Errnos: none modelled (VM_FAULT_OOM is not).
 */
export function* moveToRam(
  k: Kernel,
  mm: string,
  va: Vaddr,
  npages: bigint,
  why: 'fault' | 'longterm',
): Call<KResult<void>> {
  const pte = pteAt(k.world, mm, va)![1]
  const idx = (va - pte.va) / PAGE_SIZE
  const devPfn = mkPfn(pte.pfn + idx)
  const page = pageAt(k.world, devPfn)!
  const pg = k.world.pgmaps[page.pgmap!]!
  const n = npages < pte.npages - idx ? npages : pte.npages - idx
  const fault = why === 'fault'
  const old2019 = has(k.era, 'hmm_devmem_fault')
  const { f, args } = migrateToRamCall(k, pg, why, old2019, va, n)
  const event: NotifyEvent =
    fault && has(k.era, 'MMU_NOTIFY_MIGRATE') ? 'MMU_NOTIFY_MIGRATE' : 'MMU_NOTIFY_CLEAR'
  return yield* kcall(
    f,
    args,
    (function* (): Call<KResult<void>> {
      yield* mmuNotifierInvalidate(
        k,
        mm,
        va,
        vaddr(va + n * PAGE_SIZE),
        event,
        fault ? (pg.owner ?? null) : null,
      )
      const tx = new Tx(k.world)
      const first = allocRamPages(tx, n, 1)
      yield f.mutate(
        tx.deltas,
        `alloc_page() x${n} in system RAM at pfn ${hex(first)}; ${fault ? 'the device copies the data back' : 'migrate_pages() copies the data (the CPU can read coherent memory)'}`,
      )
      const t2 = new Tx(k.world)
      replacePtes(t2, mm, va, n, {
        pfn: first,
        present: true,
        writable: pte.writable,
        special: false,
        devmap: false,
      })
      // the owning driver drops its own device mappings of the pages it gives back
      // (test_hmm: dmirror_devmem_fault_alloc_and_copy() -> xa_erase(&dmirror->pt, ...))
      let dropped = 0n
      if (fault)
        for (const nf of Object.values(k.world.notifiers))
          if (nf.kind === 'mirror' && nf.mm === mm && nf.dev === pg.owner)
            dropped += zapDevPtes(t2, nf.id, va, va + n * PAGE_SIZE).reduce((x, r) => x + r.npages, 0n)
      updatePages(t2, devPfn, n, (r) => ({ ...r, refcount: r.refcount - 1, mapcount: r.mapcount - 1 }))
      yield f.mutate(
        t2.deltas,
        `${fault ? (old2019 ? 'migrate_vma() finalize_and_map' : 'migrate_vma_finalize()') : 'remove_migration_ptes()'}: the PTEs map the RAM copy (present); the ${pg.type} page(s) at ${hex(devPfn)} are free again${dropped ? `; the owner's mirror drops ${dropped} device PTE(s) for them` : ''}`,
      )
      return ok(undefined)
    })(),
  )
}

/**
 * daxMmapHook - mmap of a file on a filesystem mounted with -o dax (ext4 on /dev/pmem0).
 * Mirrors fs/ext4/file.c: ext4_file_mmap(): IS_DAX(inode) -> vma->vm_ops = &ext4_dax_vm_ops.
 *
 * Errnos: -EINVAL (no FS_DAX pagemap, or past its end).
 * Simplification: the PTEs are filled at mmap time (as MAP_POPULATE would) from the pmem pagemap
 * at the file offset; the kernel fills them in dax_iomap_fault().
 */
export function daxMmapHook(pgmapId: string) {
  return function* (k: Kernel, vma: string): Call<KResult<void>> {
    const f = frame(k, 'ext4_file_mmap', ['EINVAL'])
    return yield* kcall(
      f,
      { file: k.world.vmas[vma]!.file ?? '' },
      (function* (): Call<KResult<void>> {
        const pg = k.world.pgmaps[pgmapId]
        const v = k.world.vmas[vma]!
        const n = (v.vm_end - v.vm_start) / PAGE_SIZE
        const fits = !!pg && (v.vm_pgoff + n) * PAGE_SIZE <= pg.size
        yield f.check(
          'IS_DAX(file_inode(file)) and the file fits the pmem namespace',
          fits,
          pg ? `${pg.id}: ${sizeStr(pg.size)}` : 'no FS_DAX pagemap (add pmem first)',
        )
        if (!fits || !pg) return fail(kerr('EINVAL', f.fn, 'no DAX backing for the file'))
        const first = mkPfn((pg.start >> 12n) + v.vm_pgoff)
        const tx = new Tx(k.world).set('vmas', vma, { ...v, vm_ops: 'ext4_dax_vm_ops' })
        tx.set('ptes', pteKey(v.mm, v.vm_start), {
          mm: v.mm,
          va: v.vm_start,
          npages: n,
          pfn: first,
          present: true,
          writable: v.vm_flags.includes('VM_WRITE'),
          special: false,
          devmap: true,
        })
        updatePages(tx, first, n, (r) => ({ ...r, refcount: r.refcount + 1, mapcount: r.mapcount + 1 }))
        yield f.mutate(
          tx.deltas,
          `vma->vm_ops = &ext4_dax_vm_ops; dax_iomap_fault() maps the pmem pages directly (pte_devmap, FS_DAX pfn ${hex(first)}): no page cache`,
        )
        return ok(undefined)
      })(),
    )
  }
}

/** Does this era model the memory type? (DEVICE_COHERENT arrived around 6.0, docs/kernel/devmem.md#the-memory-types.) */
export function devmemInEra(k: Kernel, kind: DevmemKind): string | null {
  if (kind === 'coherent' && !has(k.era, 'MEMORY_DEVICE_COHERENT'))
    return `MEMORY_DEVICE_COHERENT (${nameRange('MEMORY_DEVICE_COHERENT')}; MEMORY_DEVICE_PUBLIC ${nameRange('MEMORY_DEVICE_PUBLIC')} was its forerunner) does not exist in ${k.era}`
  if (kind === 'private' && !behaves(k.era, 'model.device-private') && !hasPatch(k.era, 'rfc-2019'))
    return `${behaviourDef('model.device-private').what} (${behaviourRange('model.device-private')}); ${k.era} is outside that range`
  return null
}
