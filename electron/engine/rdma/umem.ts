/**
 * RDMA memory registration: ibv_reg_mr() -> ib_umem_get() (drivers/infiniband/core/umem.c).
 *
 * ib_umem_get() pins with FOLL_LONGTERM (+FOLL_WRITE for writable access) and never with
 * FOLL_PCI_P2PDMA (S7 umem.c), so an MR over p2pmem fails with -EREMOTEIO, and an MR over a
 * remap_pfn_range BAR with -EFAULT. On failure mm->pinned_vm is rolled back.
 */
import type { KernelError } from '../../../shared/model/errno'
import type { FollFlag } from '../../../shared/model/mm'
import { hex, PAGE_SIZE, sizeStr, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaves, pick, has } from '../era/index'
import { driverFrame, frame, kcall, type Call, type Frame } from '../core/step'
import { Tx } from '../core/world'
import { dmaMapForDriver, dmaUnmapSgtable } from '../dma/mapping'
import { sgAllocTableFromPages } from '../dma/scatterlist'
import {
  getUserPagesLongterm,
  pinUserPages,
  pinUserPagesFast,
  unpinUserPages,
  type GupResult,
  type PageRange,
} from '../gup/gup'
import { mmOf } from '../mm/mm'
import type { PciDev } from '../topology/types'
import { ibUmemOdpGet } from './odp'

export const WRITABLE_ACCESS = [
  'IBV_ACCESS_LOCAL_WRITE',
  'IBV_ACCESS_REMOTE_WRITE',
  'IBV_ACCESS_REMOTE_ATOMIC',
  'IBV_ACCESS_MW_BIND',
]

/**
 * One ibv_reg_mr() as the kernel passes it down: the start, length and access flags of struct
 * ib_uverbs_reg_mr (drivers/infiniband/core/uverbs_cmd.c: ib_uverbs_reg_mr() hands cmd.start,
 * cmd.length and cmd.access_flags to the driver's reg_user_mr, which hands them to ib_umem_get() or
 * ib_umem_odp_get()), the process (mm) and NIC it is for, and the lab's name for the MR.
 */
export interface MrRegistration {
  mm: string
  nic: PciDev
  addr: Vaddr
  len: bigint
  access: readonly string[]
  name: string
}

/**
 * ibvRegMr - register a memory region on an RDMA NIC.
 * Mirrors drivers/infiniband/core/uverbs_cmd.c: ib_uverbs_reg_mr() -> the driver's reg_user_mr
 * (mlx5_ib_reg_user_mr) -> ib_umem_get().
 *
 * Errnos: -EINVAL, -EOPNOTSUPP (IBV_ACCESS_ON_DEMAND through plain ib_umem_get), and every
 * pin_user_pages_fast() / dma_map_sgtable() errno (-EFAULT, -EREMOTEIO, -EINVAL, ...).
 */
export function* ibvRegMr(
  k: Kernel,
  mm: string,
  nic: PciDev,
  addr: Vaddr,
  len: bigint,
  access: readonly string[],
  name: string,
): Call<KResult<void>> {
  const f = frame(k, 'ib_uverbs_reg_mr', ['EINVAL', 'EOPNOTSUPP', 'ENOMEM', 'EFAULT', 'EREMOTEIO', 'EEXIST'])
  return yield* kcall(
    f,
    { start: hex(addr), length: len.toString(), access: access.join('|') || '0' },
    body(),
  )
  function* body(): Call<KResult<void>> {
    const reg: MrRegistration = { mm, nic, addr, len, access, name }
    const d = driverFrame(
      k,
      `${nic.driver === 'pci' ? 'mlx5' : nic.driver.replace(/_core$/, '')}_ib_reg_user_mr`,
      'drivers/infiniband/hw/mlx5/mr.c',
      null,
      ['EINVAL', 'EOPNOTSUPP', 'ENOMEM', 'EFAULT', 'EREMOTEIO'],
    )
    if (access.includes('IBV_ACCESS_ON_DEMAND') && behaves(k.era, 'model.odp'))
      return yield* kcall(d, { dev: nic.bdf, access: 'IB_ACCESS_ON_DEMAND' }, createUserOdpMr(k, reg))
    return yield* kcall(d, { dev: nic.bdf }, ibUmemGet(k, reg))
  }
}

/**
 * createUserOdpMr - the driver's ODP branch: an implicit-ODP-less user MR over ib_umem_odp_get().
 * Mirrors drivers/infiniband/hw/mlx5/mr.c: create_user_odp_mr() (ODP over HMM from ~5.10; from v6.0 in the lab).
 *
 * Errnos: those of ib_umem_odp_get().
 */
function* createUserOdpMr(k: Kernel, reg: MrRegistration): Call<KResult<void>> {
  const f = frame(k, 'create_user_odp_mr', ['EINVAL', 'ENOMEM'])
  return yield* kcall(f, { start: hex(reg.addr), length: sizeStr(reg.len) }, ibUmemOdpGet(k, reg))
}

/**
 * ibUmemGet - pin and DMA-map a user range for an RDMA device.
 * Mirrors drivers/infiniband/core/umem.c: ib_umem_get().
 *
 * Errnos: -EINVAL, -EOPNOTSUPP, -ENOMEM, pin/map errnos.
 * Simplification: one pin_user_pages_fast() call per loop iteration instead of batches of
 * PAGE_SIZE / sizeof(struct page *) (512) pages; RLIMIT_MEMLOCK is treated as unlimited
 * (CAP_IPC_LOCK); the SGL is built once after pinning (the kernel appends per batch).
 */
function* ibUmemGet(k: Kernel, reg: MrRegistration): Call<KResult<void>> {
  const { mm, nic, addr, len, access, name } = reg
  const f = frame(k, 'ib_umem_get', ['EINVAL', 'EOPNOTSUPP', 'ENOMEM', 'EFAULT', 'EREMOTEIO', 'EEXIST'])
  return yield* kcall(f, { addr: hex(addr), size: sizeStr(len), access: access.join('|') || '0' }, body())
  function* body(): Call<KResult<void>> {
    const odp = access.includes('IBV_ACCESS_ON_DEMAND')
    yield f.check(
      'access & IB_ACCESS_ON_DEMAND',
      !odp,
      odp ? 'ODP registrations go through ib_umem_odp_get(), not ib_umem_get()' : 'not ODP',
    )
    if (odp) return fail(kerr('EOPNOTSUPP', f.fn, 'IB_ACCESS_ON_DEMAND through ib_umem_get()'))
    const first = addr & ~(PAGE_SIZE - 1n)
    const npages = (addr + len + PAGE_SIZE - 1n - first) / PAGE_SIZE
    yield f.check('npages = ib_umem_num_pages(umem) != 0', npages > 0n && len > 0n, `${npages} page(s)`)
    if (npages === 0n || len === 0n) return fail(kerr('EINVAL', f.fn, 'zero-length registration'))
    const mmNow = mmOf(k.world, mm)
    const tx = new Tx(k.world).set('mms', mm, { ...mmNow, pinned_vm: mmNow.pinned_vm + npages })
    yield f.mutate(
      tx.deltas,
      `new_pinned = atomic64_add_return(${npages}, &mm->pinned_vm) = ${mmNow.pinned_vm + npages}`,
    )
    yield f.check(
      'new_pinned > RLIMIT_MEMLOCK && !capable(CAP_IPC_LOCK)?',
      true,
      'the lab runs with CAP_IPC_LOCK (unlimited memlock)',
    )
    const writable = access.some((a) => WRITABLE_ACCESS.includes(a))
    // FOLL_LONGTERM from 5.2 (932f4a630a69); before it the call itself is get_user_pages_longterm().
    const lt: FollFlag[] = has(k.era, 'FOLL_LONGTERM') ? ['FOLL_LONGTERM'] : []
    const gup: FollFlag[] = writable ? [...lt, 'FOLL_WRITE'] : lt
    yield f.check(
      'gup_flags',
      true,
      `${[...lt, ...(writable ? ['FOLL_WRITE (ib_access_writable)'] : [])].join(' | ') || '0'}${has(k.era, 'FOLL_PCI_P2PDMA') ? '; never FOLL_PCI_P2PDMA' : ''}`,
    )
    const sgt = `umem:${name}`
    const { runs, error } = yield* pinAndMap(k, { mm, nic, addr, len, first, npages, gup, sgt })
    if (error) return yield* releaseOnError(k, f, { mm, runs, sgt, npages, error })
    const u = new Tx(k.world).set('umems', name, {
      id: name,
      mm,
      dev: nic.id,
      address: addr,
      length: len,
      pages: runs,
      sgt,
    })
    yield f.mutate(u.deltas, `umem '${name}': ${npages} pinned page(s), SGL ${sgt} mapped for ${nic.bdf}`)
    return ok(undefined)
  }
}

/** The pinned and mapped part of a registration: the page runs, and the errno that stopped it. */
interface PinMapRequest {
  mm: string
  nic: PciDev
  addr: Vaddr
  len: bigint
  first: bigint
  npages: bigint
  gup: readonly FollFlag[]
  sgt: string
}

/**
 * Whether ib_umem_get() of the era pins (FOLL_PIN, released with unpin_user_pages()) or takes
 * references (FOLL_GET, released with put_page()): pins from 5.6, when eddb1c228f79's series moved
 * it to pin_user_pages_fast().
 */
export function umemPins(k: Kernel): boolean {
  return has(k.era, 'FOLL_PIN')
}

/**
 * The GUP call ib_umem_get() makes in the era: pin_user_pages_fast(FOLL_LONGTERM) from 5.6;
 * get_user_pages(FOLL_LONGTERM) with mmap_sem held in 5.2–5.5 (932f4a630a69 converted the
 * get_user_pages_longterm() callers; the 5.5 switch to get_user_pages_fast() is unverified and no lab
 * era falls in it); get_user_pages_longterm() before 5.2.
 */
function umemGup(
  k: Kernel,
  mm: string,
  start: Vaddr,
  n: bigint,
  gup: readonly FollFlag[],
): Call<KResult<GupResult>> {
  if (has(k.era, 'pin_user_pages_fast')) return pinUserPagesFast(k, mm, start, n, [...gup], true)
  if (has(k.era, 'get_user_pages_longterm'))
    return getUserPagesLongterm(k, { mm, start, nr: n, flags: [...gup] })
  return pinUserPages(k, mm, start, n, [...gup], false)
}

/**
 * ib_umem_get()'s work: the era's GUP call (umemGup) until every page is pinned, the SGL
 * (sg_alloc_append_table_from_pages), then ib_dma_map_sgtable_attrs() for the NIC.
 */
function* pinAndMap(k: Kernel, q: PinMapRequest): Call<{ runs: PageRange[]; error: KernelError | null }> {
  const { mm, nic, addr, first, npages, sgt } = q
  const runs: PageRange[] = []
  let done = 0n
  let error: KernelError | null = null
  while (done < npages) {
    const r = yield* umemGup(k, mm, (first + done * PAGE_SIZE) as Vaddr, npages - done, q.gup)
    if (!r.ok) {
      error = r.error
      break
    }
    if (r.value.holes?.length)
      yield frame(k, 'ib_umem_get', []).check(
        'every page_list[] entry written by pin_user_pages_fast()?',
        false,
        `${r.value.holes.map((h) => `page_list[${done + h.at}]`).join(', ')} never were (the 5.6–5.17 FOLL_PIN raw-pfn bug, 7196040e19ad): the kernel would build the MR from whatever the list held there; the lab leaves those pages out of the MR`,
      )
    runs.push(...r.value.runs)
    done += r.value.n
  }
  if (!error) {
    const s = yield* sgAllocTableFromPages(
      k,
      sgt,
      runs,
      Number(addr - first),
      q.len,
      0xffff_ffffn,
      // 5.15+ sg_append_table; before it ib_umem_get() built the table with __sg_alloc_table_from_pages()
      // (5.10; the 5.0 sg_alloc_table() + sg_set_page() loop is shown the same way: a simplification)
      pick(k.era, 'sg_alloc_append_table_from_pages', '__sg_alloc_table_from_pages'),
    )
    if (!s.ok) error = s.error
  }
  if (!error) {
    const m = frame(k, pick(k.era, 'ib_dma_map_sgtable_attrs', 'ib_dma_map_sg_attrs'), [
      'EREMOTEIO',
      'ENOMEM',
      'EINVAL',
    ])
    yield m.enter({ dev: nic.bdf })
    const r = yield* dmaMapForDriver(k, nic, sgt, 'DMA_BIDIRECTIONAL')
    if (r.ok) yield m.ret('0')
    else {
      yield m.fail(r.error)
      error = r.error
    }
  }
  return { runs, error }
}

/**
 * The error path of ib_umem_get(): umem_release: __ib_umem_release(device, umem, 0) (unpin, free
 * the SGL), then atomic64_sub(npages, &mm->pinned_vm); no umem is created.
 */
function* releaseOnError(
  k: Kernel,
  f: Frame,
  q: { mm: string; runs: PageRange[]; sgt: string; npages: bigint; error: KernelError },
): Call<KResult<void>> {
  const { mm, runs, sgt, npages } = q
  const rel = frame(k, '__ib_umem_release', [])
  yield rel.enter({ dirty: '0' })
  if (runs.length) yield* unpinUserPages(k, runs, umemPins(k))
  const ft = new Tx(k.world).set('sgts', sgt, null)
  if (!ft.empty) yield rel.mutate(ft.deltas, 'sg_free_append_table()')
  yield rel.ret('void')
  const cur = mmOf(k.world, mm)
  const back = new Tx(k.world).set('mms', mm, { ...cur, pinned_vm: cur.pinned_vm - npages })
  yield f.mutate(
    back.deltas,
    `umem_release: atomic64_sub(${npages}, &mm->pinned_vm): back to ${cur.pinned_vm - npages}; no umem is created`,
  )
  return fail(q.error)
}

/**
 * ibvDeregMr - release a memory region.
 * Mirrors drivers/infiniband/core/umem.c: ib_umem_release(): unmap, unpin, pinned_vm -= npages.
 *
 * Errnos: -EINVAL (unknown MR; lab-level check).
 */
export function* ibvDeregMr(k: Kernel, name: string, nic: PciDev): Call<KResult<void>> {
  const f = frame(k, 'ib_umem_release', ['EINVAL'])
  return yield* kcall(f, { umem: name }, body())
  function* body(): Call<KResult<void>> {
    const u = k.world.umems[name]
    if (!u) return fail(kerr('EINVAL', f.fn, `no MR '${name}'`))
    yield* dmaUnmapSgtable(k, nic, u.sgt)
    yield* unpinUserPages(k, u.pages, umemPins(k))
    const npages = u.pages.reduce((s, r) => s + r.count, 0n)
    const mmNow = mmOf(k.world, u.mm)
    const tx = new Tx(k.world)
      .set('sgts', u.sgt, null)
      .set('umems', name, null)
      .set('mms', u.mm, { ...mmNow, pinned_vm: mmNow.pinned_vm - npages })
    yield f.mutate(tx.deltas, `sg table freed; atomic64_sub(${npages}, &mm->pinned_vm)`)
    return ok(undefined)
  }
}
