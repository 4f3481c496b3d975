/**
 * Scenario operations: each user-level operation (a program or a driver doing something) becomes
 * a top-level step generator that expands into the kernel call tree, then records the names the
 * scenario gave to its results (`as`) in the world, so stepping back forgets them too.
 */
import type { Errno, KernelError } from '../../../shared/model/errno'
import type { FollFlag } from '../../../shared/model/mm'
import { hex, PAGE_SIZE, vaddr, type Vaddr } from '../core/addr'
import { errnoValue, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaviourDef, behaviourRange, behaves, has, hasPatch, nameRange } from '../era/index'
import { frame, labFrame, type Call } from '../core/step'
import { Tx, type PlainDevice, type Var } from '../core/world'
import { preadDirect } from '../block/direct_io'
import { dmaMapSg, dmaMapSgtable, dmaUnmapSgtable, pciP2pdmaMapSg } from '../dma/mapping'
import { p2pClientOf, p2pdmaDistance, p2pdmaDistanceMany, p2pmemFindMany } from '../dma/p2p'
import type { P2pClient } from '../p2pdma/distance-many'
import { mixedMmapHook } from '../mm/mixed'
import { sgAllocTableFromPages, UINT_MAX } from '../dma/scatterlist'
import { follFlagsMissing, pinUserPages, pinUserPagesFast, unpinUserPages } from '../gup/gup'
import {
  barLazyMmapHook,
  barMmapHook,
  doMmap,
  hasPfnFaultHandler,
  doMunmap,
  sysfsResourceMmapHook,
  type MmapHook,
} from '../mm/mmap'
import { vmaKey } from '../mm/mm'
import {
  p2pdmaAddResource,
  p2pmemAllocMmapHook,
  p2pmemAllocSgl,
  p2pmemPublish,
  pciAllocP2pmem,
  pciP2pmemVirtToBus,
} from '../mm/p2pmem'
import { ibvDeregMr, ibvRegMr } from '../rdma/umem'
import {
  amdgpuExportBo,
  dmaBufDynamicAttach,
  dmaBufMapAttachment,
  unmapAttachment,
  vfioExportDmabuf,
  vfioMemEnable,
} from '../dmabuf/dmabuf'
import {
  bindHmm,
  hmmApi,
  hmmDmaMap,
  hmmDmaUnmap,
  hmmMirrorRegister,
  hmmRangeFault,
  mirrorDeviceFault,
} from '../hmm/hmm'
import { deviceTestP2pStep, hmmRangeDmaMap, rfcDeviceMmapHook } from '../hmm/rfc'
import {
  daxMmapHook,
  devmemInEra,
  devmemPgmapId,
  doSwapPageDevicePrivate,
  memremapPages,
  migrateToDevice,
} from '../mm/devmem'
import { handleMmFault, handlePfnFault } from '../mm/fault'
import { doMprotect, exitMmap } from '../mm/mprotect'
import { nextPteStart, pteAt, vmaAt } from '../mm/mm'
import { rdmaAccess } from '../rdma/odp'
import { ibUmemDmabufGet, ibUmemDmabufMapPages, dmaResvAddFence } from '../rdma/umem_dmabuf'
import { kerr } from '../core/errno'
import type { Machine, PciDev } from '../topology/types'
import { parseSize, type Op, type PlainDeviceSpec } from './schema'

export interface OpOutcome {
  /** The return value (negative errno on failure, like the kernel), or null when nothing ran. */
  ret: number | null
  errno: Errno | null
  error: KernelError | null
  /** Why the operation does not exist in this era, or null. */
  notInEra: string | null
}

/** Bad scenario input (unknown device or name): the CLI exits 2. */
export class ScenarioInputError extends Error {}

const LAB = labFrame()

/** A device by node id, label, BDF ('0000:03:00.0' or '03:00.0') or OS device name (nvme2n1, sda). */
export function resolveDev(m: Machine, ref: string): PciDev {
  const low = ref.toLowerCase()
  for (const d of m.devs.values()) {
    if (d.id === ref || d.bdf === ref || d.bdf.slice(5) === ref) return d
  }
  for (const d of m.devs.values()) {
    if (d.label.toLowerCase() === low || d.endpoint?.osDevices?.includes(ref)) return d
  }
  throw new ScenarioInputError(`no device '${ref}' in the topology`)
}

function bufVar(k: Kernel, name: string): Extract<Var, { kind: 'buf' }> {
  const v = k.world.vars[name]
  if (!v || v.kind !== 'buf') throw new ScenarioInputError(`no buffer named '${name}' (did its mmap fail?)`)
  return v
}

function pagesVar(k: Kernel, name: string): Extract<Var, { kind: 'pages' }> {
  const v = k.world.vars[name]
  if (!v || v.kind !== 'pages') throw new ScenarioInputError(`no pinned page array named '${name}'`)
  return v
}

function outcome<T>(r: KResult<T>, ret: (v: T) => number): OpOutcome {
  return r.ok
    ? { ret: ret(r.value), errno: null, error: null, notInEra: null }
    : { ret: errnoValue(r.error.errno), errno: r.error.errno, error: r.error, notInEra: null }
}

function ok0<T>(r: KResult<T>): OpOutcome {
  return outcome(r, () => 0)
}

function* refuse(why: string): Call<OpOutcome> {
  yield LAB.check('does this operation exist in the era?', false, why)
  return { ret: null, errno: null, error: null, notInEra: why }
}

function* bind(k: Kernel, name: string, v: Var | null, why: string): Call<void> {
  const tx = new Tx(k.world)
  tx.set('vars', name, v)
  yield LAB.mutate(tx.deltas, why)
}

/**
 * mmapOp - the program calls mmap(2): ksys_mmap_pgoff() -> do_mmap() with the driver's ->mmap hook,
 * then the scenario names the mapping `as`.
 */
interface MmapRequest {
  proc: string
  len: bigint
  shared: boolean
  pgoff: bigint
  /** The file the program maps (null: anonymous memory). */
  file: string | null
  hook: MmapHook | null
  as: string
  /** MAP_FIXED address, or null. */
  fixed?: Vaddr | null
}

function* mmapOp(k: Kernel, q: MmapRequest): Call<OpOutcome> {
  const { proc: procName, len, shared, pgoff, file, hook, as } = q
  const f = frame(k, 'ksys_mmap_pgoff', ['EINVAL', 'EEXIST', 'EPERM', 'ENODEV', 'ENOMEM'])
  yield f.enter({ len: len.toString(), file: file ?? 'anonymous' })
  const r = yield* doMmap(
    k,
    { mm: procName, len, shared, write: true, fixed: q.fixed ?? null, pgoff, file },
    hook,
  )
  if (r.ok) yield f.ret(hex(r.value))
  else yield f.fail(r.error)
  if (r.ok)
    yield* bind(
      k,
      as,
      { kind: 'buf', mm: procName, va: r.value, len, vma: vmaKey(procName, r.value) },
      `the scenario calls [${hex(r.value)}, +${len}) '${as}'`,
    )
  return outcome(r, (v) => Number(v))
}

/** The address `offset` bytes into a named buffer. */
function bufAddr(b: Extract<Var, { kind: 'buf' }>, offset: number | undefined): Vaddr {
  return vaddr(b.va + BigInt(offset ?? 0))
}

/** The process and user address an operation's `buf` (+ `offset`) names. */
function userStart(k: Kernel, a: { buf: string; offset?: number | undefined }): { mm: string; start: Vaddr } {
  const b = bufVar(k, a.buf)
  return { mm: b.mm, start: bufAddr(b, a.offset) }
}

/** A MAP_FIXED address inside a named buffer, or null. */
function fixedAddr(k: Kernel, fixed: { buf: string; offset: number } | undefined): Vaddr | null {
  return fixed ? vaddr(bufVar(k, fixed.buf).va + BigInt(fixed.offset)) : null
}

type OpName = Op['op']
type OpOf<N extends OpName> = Extract<Op, { op: N }>
/**
 * One operation's generator. A handler that checks its input before returning the generator throws
 * ScenarioInputError when the call starts; a generator function throws on its first step.
 */
type Handler<N extends OpName> = (k: Kernel, op: OpOf<N>, proc: string) => Call<OpOutcome>
type Handlers<N extends OpName> = { [K in N]: Handler<K> }

/** Memory maps and the CPU's own accesses: mm/mmap.c, mm/memory.c, mm/mprotect.c, security/lockdown. */
const MM_OPS: Handlers<
  | 'mmap_bar'
  | 'mmap_resource'
  | 'mmap_p2pmem'
  | 'mmap_anon'
  | 'mmap_mixed'
  | 'munmap'
  | 'lockdown'
  | 'touch'
  | 'mprotect'
  | 'exit'
> = {
  mmap_bar(k, { args: a }, proc) {
    const dev = resolveDev(k.machine, a.dev)
    return mmapOp(k, {
      proc: a.proc ?? proc,
      len: parseSize(a.len),
      shared: !a.private,
      pgoff: parseSize(a.offset ?? 0) / PAGE_SIZE,
      file: `/dev/${dev.driver}-${dev.bdf}`,
      hook: a.lazy ? barLazyMmapHook(dev, a.bar) : barMmapHook(dev, a.bar, !!a.io),
      as: a.as,
    })
  },
  mmap_resource(k, { args: a }, proc) {
    const dev = resolveDev(k.machine, a.dev)
    return mmapOp(k, {
      proc: a.proc ?? proc,
      len: parseSize(a.len),
      shared: true,
      pgoff: parseSize(a.offset ?? 0) / PAGE_SIZE,
      file: `/sys/bus/pci/devices/${dev.bdf}/resource${a.bar}${a.wc ? '_wc' : ''}`,
      hook: sysfsResourceMmapHook(dev, a.bar, !!a.wc),
      as: a.as,
    })
  },
  mmap_p2pmem(k, { args: a }, proc) {
    const dev = resolveDev(k.machine, a.dev)
    if (!has(k.era, 'p2pmem_alloc_mmap'))
      return refuse(
        `p2pmem/allocate (p2pmem_alloc_mmap, ${nameRange('p2pmem_alloc_mmap')}) does not exist in ${k.era}: there is no way to map p2pmem into user space`,
      )
    return mmapOp(k, {
      fixed: fixedAddr(k, a.fixed),
      proc: a.proc ?? proc,
      len: parseSize(a.len),
      shared: !a.private,
      pgoff: parseSize(a.offset ?? 0) / PAGE_SIZE,
      file: `/sys/bus/pci/devices/${dev.bdf}/p2pmem/allocate`,
      hook: p2pmemAllocMmapHook(dev),
      as: a.as,
    })
  },
  mmap_mixed(k, { args: a }, proc) {
    const dev = resolveDev(k.machine, a.dev)
    if (a.layout.includes('p2p') && !has(k.era, 'p2pmem_alloc_mmap'))
      return refuse(
        `the lab models a driver's vm_insert_page() of P2PDMA pages with p2pmem_alloc_mmap()'s page reference protocol (${nameRange('p2pmem_alloc_mmap')}); ${k.era} has no such mapping`,
      )
    const bar = a.bar ?? dev.endpoint?.p2pmemBar ?? dev.bars.find((b) => !b.io)?.index
    if (bar === undefined) throw new ScenarioInputError(`${a.dev} has no memory BAR`)
    return mmapOp(k, {
      proc: a.proc ?? proc,
      len: BigInt(a.layout.length) * PAGE_SIZE,
      shared: true,
      pgoff: 0n,
      file: `/dev/${dev.driver}-${dev.bdf}`,
      hook: mixedMmapHook(dev, bar, a.layout),
      as: a.as,
    })
  },
  mmap_anon(k, { args: a }, proc) {
    const fixed = fixedAddr(k, a.fixed)
    return mmapOp(k, {
      proc: a.proc ?? proc,
      len: parseSize(a.len),
      shared: false,
      pgoff: 0n,
      file: null,
      hook: null,
      as: a.as,
      fixed,
    })
  },
  *munmap(k, { args: a }) {
    const b = bufVar(k, a.buf)
    const start = bufAddr(b, a.offset)
    const r = yield* doMunmap(k, b.mm, start, a.len !== undefined ? parseSize(a.len) : b.len)
    if (r.ok && start === b.va && (a.len === undefined || parseSize(a.len) >= b.len))
      yield* bind(k, a.buf, null, `'${a.buf}' is unmapped`)
    return outcome(r, () => 0)
  },
  *lockdown(k, { args: a }) {
    if (!has(k.era, 'lockdown_lsm'))
      return yield* refuse(`the lockdown LSM (${nameRange('lockdown_lsm')}) does not exist in ${k.era}`)
    const f = frame(k, 'lockdown_lsm', [])
    yield f.enter({ level: a.on ? 'integrity' : 'none' })
    const tx = new Tx(k.world).sys({ ...k.world.sys, lockdown: a.on })
    yield f.mutate(
      tx.deltas,
      a.on
        ? 'lockdown=integrity: LOCKDOWN_PCI_ACCESS is refused from now on'
        : 'lockdown lifted (a lab shortcut: the kernel cannot lower it)',
    )
    yield f.ret('0')
    return { ret: 0, errno: null, error: null, notInEra: null }
  },
  *touch(k, { args: a }) {
    const { mm, start } = userStart(k, a)
    return ok0(yield* cpuTouch(k, mm, start, parseSize(a.len), a.write ?? true))
  },
  *mprotect(k, { args: a }) {
    const b = bufVar(k, a.buf)
    const off = BigInt(a.offset ?? 0)
    return ok0(
      yield* doMprotect(
        k,
        b.mm,
        vaddr(b.va + off),
        a.len !== undefined ? parseSize(a.len) : b.len - off,
        a.write,
      ),
    )
  },
  *exit(k, { args: a }, proc) {
    return ok0(yield* exitMmap(k, a.proc ?? proc))
  },
}

/** The P2P memory provider and the distance check: drivers/pci/p2pdma.c. */
const P2PDMA_OPS: Handlers<
  | 'p2pdma_add_resource'
  | 'p2pmem_publish'
  | 'pci_p2pdma_distance'
  | 'pci_p2pmem_alloc_sgl'
  | 'pci_p2pdma_distance_many'
  | 'pci_p2pmem_find_many'
  | 'pci_alloc_p2pmem'
  | 'pci_p2pmem_virt_to_bus'
> = {
  *p2pdma_add_resource(k, { args: a }) {
    const dev = resolveDev(k.machine, a.dev)
    const bar = a.bar ?? dev.endpoint?.p2pmemBar
    if (bar === undefined) throw new ScenarioInputError(`${a.dev} has no p2pmemBar; give "bar"`)
    const r = yield* p2pdmaAddResource(k, dev, bar, parseSize(a.size ?? 0), parseSize(a.offset ?? 0))
    return outcome(r, () => 0)
  },
  *p2pmem_publish(k, { args: a }) {
    return ok0(yield* p2pmemPublish(k, resolveDev(k.machine, a.dev), a.publish ?? true))
  },
  *pci_p2pdma_distance(k, { args: a }) {
    const m = k.machine
    const ret = yield* p2pdmaDistance(
      k,
      resolveDev(m, a.provider).id,
      resolveDev(m, a.client).id,
      a.verbose ?? true,
    )
    return { ret, errno: null, error: null, notInEra: null }
  },
  *pci_p2pmem_alloc_sgl(k, { args: a }) {
    const r = yield* p2pmemAllocSgl(k, resolveDev(k.machine, a.dev), parseSize(a.len), a.as)
    return outcome(r, (n) => n)
  },
  pci_p2pdma_distance_many(k, { args: a }) {
    const provider = resolveDev(k.machine, a.provider).id
    const clients = a.clients.map((c) => clientRef(k, c))
    return (function* () {
      const ret = yield* p2pdmaDistanceMany(k, provider, clients, a.verbose ?? true)
      return { ret, errno: null, error: null, notInEra: null }
    })()
  },
  pci_p2pmem_find_many(k, { args: a }) {
    const clients = a.clients.map((c) => clientRef(k, c))
    return (function* () {
      const dev = yield* p2pmemFindMany(k, clients)
      if (a.as)
        yield* bind(
          k,
          a.as,
          { kind: 'pci_dev', dev },
          `the scenario calls the returned struct pci_dev * '${a.as}'`,
        )
      return { ret: dev ? 1 : 0, errno: null, error: null, notInEra: null }
    })()
  },
  *pci_alloc_p2pmem(k, { args: a }) {
    const r = yield* pciAllocP2pmem(k, resolveDev(k.machine, a.dev), parseSize(a.size), a.as)
    return outcome(r, () => 0)
  },
  pci_p2pmem_virt_to_bus(k, { args: a }) {
    const dev = resolveDev(k.machine, a.dev)
    const mem = k.world.vars[a.mem]
    if (!mem || mem.kind !== 'kaddr')
      throw new ScenarioInputError(`no kernel address named '${a.mem}' (pci_alloc_p2pmem first)`)
    const addr = mem.addr + parseSize(a.offset ?? 0)
    return (function* () {
      const bus = yield* pciP2pmemVirtToBus(k, dev, addr)
      if (a.as)
        yield* bind(
          k,
          a.as,
          { kind: 'value', value: bus, what: 'pci_bus_addr_t' },
          `the scenario calls the returned bus address '${a.as}'`,
        )
      return { ret: Number(BigInt.asIntN(64, bus)), errno: null, error: null, notInEra: null }
    })()
  },
}

/**
 * A client of the P2PDMA calls: a scenario `devices` entry (a struct device that is not a PCI
 * function), else a topology device.
 */
function clientRef(k: Kernel, ref: string): P2pClient {
  if (k.world.devices[ref]) return p2pClientOf(k, ref)
  return resolveDev(k.machine, ref).id
}

/** pin_user_pages*() and get_user_pages*(): mm/gup.c. */
function* gupOp(
  k: Kernel,
  op: OpOf<'pin_user_pages_fast' | 'get_user_pages_fast' | 'pin_user_pages' | 'get_user_pages'>,
): Call<OpOutcome> {
  const a = op.args
  if (!has(k.era, op.op))
    return yield* refuse(
      `${op.op}() (${nameRange(op.op)}) does not exist in ${k.era}${op.op.startsWith('pin') ? ': use get_user_pages*() (FOLL_GET references)' : ''}`,
    )
  const missing = follFlagsMissing(k, a.flags as FollFlag[])
  if (missing.length)
    return yield* refuse(
      missing.map((f) => `${f} (${nameRange(f)})`).join(', ') + ` does not exist in ${k.era}`,
    )
  const b = bufVar(k, a.buf)
  const start = bufAddr(b, a.offset)
  const pin = op.op.startsWith('pin')
  const flags = a.flags as FollFlag[]
  const r = op.op.endsWith('_fast')
    ? yield* pinUserPagesFast(k, b.mm, start, BigInt(a.npages), flags, pin)
    : yield* pinUserPages(k, b.mm, start, BigInt(a.npages), flags, pin)
  if (r.ok && a.as && r.value.n > 0n)
    yield* bind(
      k,
      a.as,
      {
        kind: 'pages',
        mm: b.mm,
        runs: r.value.runs,
        foll: pin ? 'pin' : 'get',
        ...(r.value.holes?.length ? { holes: r.value.holes } : {}),
      },
      `the scenario calls the ${r.value.n} returned page(s) '${a.as}'`,
    )
  return outcome(r, (v) => Number(v.n))
}

const GUP_OPS: Handlers<
  'pin_user_pages_fast' | 'get_user_pages_fast' | 'pin_user_pages' | 'get_user_pages' | 'unpin_user_pages'
> = {
  pin_user_pages_fast: gupOp,
  get_user_pages_fast: gupOp,
  pin_user_pages: gupOp,
  get_user_pages: gupOp,
  *unpin_user_pages(k, { args: a }) {
    const p = pagesVar(k, a.pages)
    if (p.holes?.length)
      yield LAB.check(
        'every pages[] entry was written by GUP?',
        false,
        `${p.holes.map((h) => `pages[${h.at}]`).join(', ')} never were (the FOLL_PIN raw-pfn bug): unpin_user_page() on whatever the caller's array held there would drop a pin it never took or dereference garbage; the lab unpins only the pages GUP returned`,
      )
    const r = yield* unpinUserPages(k, p.runs, p.foll === 'pin')
    yield* bind(k, a.pages, null, `'${a.pages}' is released`)
    return outcome(r, () => 0)
  },
}

/** dma_map_sgtable(), dma_map_sg() and the pre-6.0 pci_p2pdma_map_sg(): kernel/dma/mapping.c. */
function* dmaMapOp(
  k: Kernel,
  op: OpOf<'dma_map_sgtable' | 'dma_map_sg' | 'pci_p2pdma_map_sg'>,
): Call<OpOutcome> {
  const a = op.args
  if (!k.world.sgts[a.sgt]) throw new ScenarioInputError(`no sg table named '${a.sgt}'`)
  const dev = resolveDev(k.machine, a.dev)
  const d = a.dir ?? 'DMA_BIDIRECTIONAL'
  if (op.op === 'dma_map_sgtable') {
    if (!has(k.era, 'dma_map_sgtable'))
      return yield* refuse(
        `dma_map_sgtable() (${nameRange('dma_map_sgtable')}) does not exist in ${k.era}: drivers call dma_map_sg()`,
      )
    return outcome(yield* dmaMapSgtable(k, dev, a.sgt, d), (n) => n)
  }
  if (op.op === 'pci_p2pdma_map_sg') {
    if (!has(k.era, 'pci_p2pdma_map_sg'))
      return yield* refuse(
        `pci_p2pdma_map_sg() (${nameRange('pci_p2pdma_map_sg')}) was removed when dma_map_sg() learned P2PDMA`,
      )
    return outcome(yield* pciP2pdmaMapSg(k, dev, a.sgt, d), (n) => n)
  }
  return outcome(yield* dmaMapSg(k, dev, a.sgt, d), (n) => n)
}

/** Scatterlists and the DMA API: lib/scatterlist.c, kernel/dma/mapping.c; O_DIRECT reads: fs/iomap/direct-io.c. */
const DMA_OPS: Handlers<
  | 'sg_alloc_table_from_pages'
  | 'dma_map_sgtable'
  | 'dma_map_sg'
  | 'pci_p2pdma_map_sg'
  | 'dma_unmap_sgtable'
  | 'pread'
> = {
  *sg_alloc_table_from_pages(k, { args: a }) {
    const p = pagesVar(k, a.pages)
    if (p.holes?.length)
      throw new ScenarioInputError(
        `page array '${a.pages}' has entries GUP never wrote (${p.holes.map((h) => `pages[${h.at}]`).join(', ')}); the lab does not model a scatterlist built from them`,
      )
    const total = p.runs.reduce((s, r) => s + r.count, 0n) * PAGE_SIZE - BigInt(a.offset ?? 0)
    const r = yield* sgAllocTableFromPages(
      k,
      a.as,
      p.runs,
      a.offset ?? 0,
      a.size !== undefined ? parseSize(a.size) : total,
      a.maxSegment !== undefined ? parseSize(a.maxSegment) : UINT_MAX,
    )
    return outcome(r, () => 0)
  },
  dma_map_sgtable: dmaMapOp,
  dma_map_sg: dmaMapOp,
  pci_p2pdma_map_sg: dmaMapOp,
  *dma_unmap_sgtable(k, { args: a }) {
    return ok0(yield* dmaUnmapSgtable(k, resolveDev(k.machine, a.dev), a.sgt))
  },
  *pread(k, { args: a }) {
    const { mm, start } = userStart(k, a)
    const disk = resolveDev(k.machine, a.disk)
    const r = yield* preadDirect(k, mm, disk, start, parseSize(a.len), parseSize(a.pos ?? 0))
    return outcome(r, (n) => Number(n))
  },
}

/** RDMA memory regions: drivers/infiniband/core/umem.c, umem_odp.c, umem_dmabuf.c. */
const RDMA_OPS: Handlers<
  'ibv_reg_mr' | 'ibv_dereg_mr' | 'rdma_access' | 'ib_umem_dmabuf_get' | 'ib_umem_dmabuf_map_pages'
> = {
  *ibv_reg_mr(k, { args: a }) {
    const { mm, start } = userStart(k, a)
    const dev = resolveDev(k.machine, a.dev)
    const access = a.access ?? ['IBV_ACCESS_LOCAL_WRITE']
    const r = yield* ibvRegMr(k, mm, dev, start, parseSize(a.len), access, a.as)
    return outcome(r, () => 0)
  },
  *ibv_dereg_mr(k, { args: a }) {
    return ok0(yield* ibvDeregMr(k, a.mr, resolveDev(k.machine, a.dev)))
  },
  *rdma_access(k, { args: a }) {
    const u = k.world.odps[a.mr]
    if (!u) throw new ScenarioInputError(`no ODP MR '${a.mr}'`)
    const r = yield* rdmaAccess(
      k,
      a.mr,
      vaddr(u.address + BigInt(a.offset ?? 0)),
      parseSize(a.len),
      a.write ?? false,
      a.race ?? false,
    )
    return outcome(r, (n) => Number(n))
  },
  ib_umem_dmabuf_get(k, { args: a }) {
    if (!behaves(k.era, 'model.dmabuf-p2p'))
      return refuse(
        `ib_umem_dmabuf_get() (${nameRange('ib_umem_dmabuf_get')}) is modelled in ${behaviourRange('model.dmabuf-p2p')}`,
      )
    return (function* () {
      if (!k.world.dmabufs[a.dmabuf]) throw new ScenarioInputError(`no dma-buf '${a.dmabuf}'`)
      const dev = resolveDev(k.machine, a.dev)
      return ok0(
        yield* ibUmemDmabufGet(
          k,
          dev,
          a.dmabuf,
          parseSize(a.offset),
          parseSize(a.size),
          a.ops ?? 'p2p',
          a.as,
        ),
      )
    })()
  },
  *ib_umem_dmabuf_map_pages(k, { args: a }) {
    if (!k.world.umemDmabufs[a.mr]) throw new ScenarioInputError(`no dma-buf MR '${a.mr}'`)
    return ok0(yield* ibUmemDmabufMapPages(k, a.mr))
  },
}

/** ZONE_DEVICE memory and its migration: mm/memremap.c, mm/migrate_device.c, fs/dax.c. */
const DEVMEM_OPS: Handlers<'devmem_add' | 'migrate_to_device' | 'mmap_dax'> = {
  devmem_add(k, { args: a }) {
    const dev = a.type === 'fsdax' ? 'pmem0' : resolveDev(k.machine, a.dev ?? 'gpu0').id
    const no = devmemInEra(k, a.type)
    if (no) return refuse(no)
    const opsName =
      a.type === 'fsdax'
        ? 'fsdax_pagemap_ops'
        : hasPatch(k.era, 'rfc-2019')
          ? `${dev}_devmem_ops`
          : `${dev}_dmirror_devmem_ops`
    return (function* () {
      return ok0(yield* memremapPages(k, dev, a.type, parseSize(a.size), opsName, !!a.p2pMap))
    })()
  },
  migrate_to_device(k, { args: a }) {
    const kind = a.type ?? 'private'
    const no = devmemInEra(k, kind)
    if (no) return refuse(no)
    return (function* () {
      const b = bufVar(k, a.buf)
      const id = devmemPgmapId(resolveDev(k.machine, a.dev).id, kind)
      if (!k.world.pgmaps[id])
        throw new ScenarioInputError(`no ${kind} device memory on ${a.dev} (devmem_add first)`)
      const r = yield* migrateToDevice(k, b.mm, bufAddr(b, a.offset), BigInt(a.npages), id)
      return outcome(r, (n) => Number(n))
    })()
  },
  mmap_dax(k, { args: a }, proc) {
    return mmapOp(k, {
      proc: a.proc ?? proc,
      len: parseSize(a.len),
      shared: true,
      pgoff: parseSize(a.offset ?? 0) / PAGE_SIZE,
      file: '/mnt/pmem0/data (ext4 -o dax)',
      hook: daxMmapHook(devmemPgmapId('pmem0', 'fsdax')),
      as: a.as,
    })
  },
}

/** Device mirrors of a process's memory: mm/mmu_notifier.c, mm/hmm.c. */
const HMM_OPS: Handlers<
  'hmm_mirror_register' | 'mirror_fault' | 'hmm_range_fault' | 'hmm_dma_map_pfn' | 'hmm_dma_unmap_pfn'
> = {
  hmm_mirror_register(k, { args: a }) {
    if (!behaves(k.era, 'model.hmm-mirror'))
      return refuse(
        `mmu_interval_notifier (${nameRange('mmu_interval_notifier_insert')}) mirrors are modelled in fewer eras (model.hmm-mirror); ${k.era} is not one of them`,
      )
    return (function* () {
      const b = bufVar(k, a.buf)
      return ok0(yield* hmmMirrorRegister(k, a.as, b.mm, b.va, b.len, resolveDev(k.machine, a.dev)))
    })()
  },
  *mirror_fault(k, { args: a }) {
    const b = bufVar(k, a.buf)
    if (!k.world.notifiers[a.mirror]) throw new ScenarioInputError(`no mirror '${a.mirror}'`)
    const r = yield* mirrorDeviceFault(
      k,
      a.mirror,
      bufAddr(b, a.offset),
      BigInt(a.npages),
      a.write ?? false,
      a.as ?? null,
    )
    return ok0(r)
  },
  *hmm_range_fault(k, { args: a }) {
    const b = bufVar(k, a.buf)
    const owner = a.owner ? resolveDev(k.machine, a.owner).id : null
    const dev = a.dev ? resolveDev(k.machine, a.dev).id : (owner ?? 'none')
    const req = {
      mm: b.mm,
      start: bufAddr(b, a.offset),
      npages: BigInt(a.npages),
      fault: a.fault,
      write: a.write ?? false,
      owner,
      notifier: null,
      seq: null,
    }
    const r = yield* hmmRangeFault(k, req)
    if (a.as) {
      const entries = r.ok
        ? r.value.entries
        : r.error.errno === 'EINVAL' && hmmApi(k) === '2019'
          ? [{ idx: 0n, count: req.npages, pfn: null, flags: ['HMM_PFN_SPECIAL'], dma: null }]
          : []
      if (r.ok || entries.length) yield* bindHmm(k, a.as, req, dev, entries)
    }
    return ok0(r)
  },
  hmm_dma_map_pfn(k, { args: a }) {
    if (!has(k.era, 'hmm_dma_map_pfn'))
      return refuse(
        `hmm_dma_map_pfn() (${nameRange('hmm_dma_map_pfn')}) does not exist in ${k.era}: drivers mapped each hmm pfn with dma_map_page()`,
      )
    return (function* () {
      if (k.world.vars[a.range]?.kind !== 'hmm') throw new ScenarioInputError(`no hmm range '${a.range}'`)
      return outcome(yield* hmmDmaMap(k, a.range, resolveDev(k.machine, a.dev)), (n) => Number(n))
    })()
  },
  hmm_dma_unmap_pfn(k, { args: a }) {
    if (!has(k.era, 'hmm_dma_unmap_pfn'))
      return refuse(`hmm_dma_unmap_pfn() (${nameRange('hmm_dma_unmap_pfn')}) does not exist in ${k.era}`)
    return (function* () {
      if (k.world.vars[a.range]?.kind !== 'hmm') throw new ScenarioInputError(`no hmm range '${a.range}'`)
      return outcome(yield* hmmDmaUnmap(k, a.range, resolveDev(k.machine, a.dev)), (n) => Number(n))
    })()
  },
}

/** The 2019 RFC "mm/hmm: p2p" (era v5.0-rfc; never merged): vm_ops->p2p_map, hmm_range_dma_map(dev). */
const RFC_OPS: Handlers<'mmap_rfc_device' | 'hmm_range_dma_map' | 'device_test_p2p'> = {
  mmap_rfc_device(k, { args: a }, proc) {
    if (!has(k.era, 'p2p_map'))
      return refuse(
        `vm_operations_struct.p2p_map exists only with the 2019 RFC applied (${nameRange('p2p_map')}); it never landed`,
      )
    const dev = resolveDev(k.machine, a.dev)
    return mmapOp(k, {
      proc: a.proc ?? proc,
      len: parseSize(a.len),
      shared: true,
      pgoff: 0n,
      file: `/dev/${dev.driver}-${dev.bdf}`,
      hook: rfcDeviceMmapHook(dev, a.bar, a.p2p),
      as: a.as,
    })
  },
  hmm_range_dma_map(k, { args: a }) {
    if (!hasPatch(k.era, 'rfc-2019'))
      return refuse(
        'hmm_range_dma_map() with a device argument is RFC 5/5: the era needs the 2019 RFC applied',
      )
    return (function* () {
      const b = bufVar(k, a.buf)
      const r = yield* hmmRangeDmaMap(
        k,
        b.mm,
        bufAddr(b, a.offset),
        BigInt(a.npages),
        resolveDev(k.machine, a.dev),
        a.as,
      )
      return outcome(r, (n) => Number(n))
    })()
  },
  device_test_p2p(k, { args: a }) {
    if (!has(k.era, 'device_test_p2p'))
      return refuse(`device_test_p2p()/pci_test_p2p() are RFC 1/5 and 2/5 (${nameRange('device_test_p2p')})`)
    return (function* () {
      const r = yield* deviceTestP2pStep(k, resolveDev(k.machine, a.a), resolveDev(k.machine, a.b))
      return { ret: r ? 1 : 0, errno: null, error: null, notInEra: null }
    })()
  },
}

/** dma-buf exporters and importers: drivers/dma-buf/dma-buf.c, amdgpu, vfio-pci, dma-resv.c. */
const DMABUF_OPS: Handlers<
  | 'amdgpu_export_bo'
  | 'vfio_export_dmabuf'
  | 'dma_buf_attach'
  | 'dma_buf_map_attachment'
  | 'dma_buf_unmap_attachment'
  | 'vfio_pci_mem_enable'
  | 'dma_resv_add_fence'
> = {
  amdgpu_export_bo(k, { args: a }) {
    if (!behaves(k.era, 'model.dmabuf-p2p'))
      return refuse(
        `dma-buf peer2peer is modelled in ${behaviourRange('model.dmabuf-p2p')} (${behaviourDef('model.dmabuf-p2p').what})`,
      )
    return (function* () {
      return ok0(yield* amdgpuExportBo(k, resolveDev(k.machine, a.dev), parseSize(a.size), a.as))
    })()
  },
  vfio_export_dmabuf(k, { args: a }) {
    if (!behaves(k.era, 'model.vfio-dmabuf'))
      return refuse(
        `VFIO PCI exports BARs as dma-bufs only in the newest trees (modelled in ${behaviourRange('model.vfio-dmabuf')}: ${behaviourDef('model.vfio-dmabuf').what})`,
      )
    return (function* () {
      const dev = resolveDev(k.machine, a.dev)
      return ok0(yield* vfioExportDmabuf(k, dev, a.bar, parseSize(a.offset ?? 0), parseSize(a.len), a.as))
    })()
  },
  *dma_buf_attach(k, { args: a }) {
    if (!k.world.dmabufs[a.dmabuf]) throw new ScenarioInputError(`no dma-buf '${a.dmabuf}'`)
    const how = {
      dynamic: a.dynamic ?? false,
      allowPeer2peer: a.allowPeer2peer ?? false,
      moveNotify: a.moveNotify ?? true,
    }
    return ok0(yield* dmaBufDynamicAttach(k, a.dmabuf, resolveDev(k.machine, a.dev), how, a.as))
  },
  *dma_buf_map_attachment(k, { args: a }) {
    if (!k.world.attachments[a.attachment]) throw new ScenarioInputError(`no attachment '${a.attachment}'`)
    return ok0(yield* dmaBufMapAttachment(k, a.attachment, a.as))
  },
  *dma_buf_unmap_attachment(k, { args: a }) {
    const at = k.world.attachments[a.attachment]
    if (!at) throw new ScenarioInputError(`no attachment '${a.attachment}'`)
    return ok0(yield* unmapAttachment(k, at.id, resolveDev(k.machine, at.dev)))
  },
  *vfio_pci_mem_enable(k, { args: a }) {
    return ok0(yield* vfioMemEnable(k, resolveDev(k.machine, a.dev), a.on))
  },
  *dma_resv_add_fence(k, { args: a }) {
    return ok0(yield* dmaResvAddFence(k, a.dmabuf, a.signaled))
  },
}

/** Every operation of the scenario format, by name (the compiler checks that none is missing). */
const OPS: Handlers<OpName> = {
  ...MM_OPS,
  ...P2PDMA_OPS,
  ...GUP_OPS,
  ...DMA_OPS,
  ...RDMA_OPS,
  ...DEVMEM_OPS,
  ...HMM_OPS,
  ...RFC_OPS,
  ...DMABUF_OPS,
}

/**
 * opCall - the generator of one scenario operation. `proc` is the default process.
 */
export function opCall(k: Kernel, op: Op, proc: string): Call<OpOutcome> {
  const handler = OPS[op.op] as Handler<OpName> | undefined
  if (!handler) throw new Error(`unhandled operation ${op.op}`)
  return handler(k, op, proc)
}

/**
 * cpuTouch - the program reads or writes its buffer: page faults populate anonymous memory, and a
 * device-private entry is migrated back to RAM, and a lazily mapped BAR gets its special PTEs from
 * the driver's ->fault() (vmf_insert_pfn).
 * Mirrors arch/x86/mm/fault.c: do_user_addr_fault() -> mm/memory.c: handle_mm_fault() (do_anonymous_page /
 * do_swap_page -> migrate_to_ram / do_fault -> vm_ops->fault).
 *
 * Errnos: -EFAULT (SIGSEGV: no VMA).
 */
function* cpuTouch(k: Kernel, mm: string, start: Vaddr, len: bigint, write: boolean): Call<KResult<void>> {
  const f = frame(k, 'do_user_addr_fault', ['EFAULT'])
  yield f.enter({ address: hex(start), len: len.toString(), access: write ? 'write' : 'read' })
  const end = vaddr(start + ((len + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n)))
  let va = start
  while (va < end) {
    const v = vmaAt(k.world, mm, va)
    if (!v) {
      const e = kerr('EFAULT', f.fn, `no VMA at ${hex(va)}: SIGSEGV`)
      yield f.fail(e)
      return { ok: false, error: e }
    }
    const p = pteAt(k.world, mm, va)
    if (p && p[1].present) {
      va = vaddr(p[1].va + p[1].npages * PAGE_SIZE)
      continue
    }
    if (p && p[1].swp === 'device_private') {
      // one fault migrates the pages the access touches (dmirror_devmem_fault migrates one page per fault)
      const runEnd = p[1].va + p[1].npages * PAGE_SIZE
      const n = ((runEnd < end ? runEnd : end) - va) / PAGE_SIZE
      yield* doSwapPageDevicePrivate(k, mm, va, n, 'the CPU cannot read device-private memory')
      continue
    }
    const upto = nextPteStart(k.world, mm, va, v[1].vm_end < end ? v[1].vm_end : end)
    if (hasPfnFaultHandler(v[1])) {
      const r = yield* handlePfnFault(k, { mm, vmaKey: v[0], va, npages: (upto - va) / PAGE_SIZE, write })
      if (!r.ok) {
        yield f.fail(r.error)
        return r
      }
    } else yield* handleMmFault(k, { mm, vmaKey: v[0], va, npages: (upto - va) / PAGE_SIZE, write })
    va = upto
  }
  yield f.ret('0')
  return { ok: true, value: undefined }
}

/** Create a process (its mm) as a step. Mirrors kernel/fork.c: mm_alloc() (exec of a new program). */
export function* createProcess(k: Kernel, name: string, comm: string): Call<OpOutcome> {
  const f = frame(k, 'mm_alloc', [])
  yield f.enter({ comm })
  const pid = k.world.sys.nextPid
  const tx = new Tx(k.world)
    .sys({ ...k.world.sys, nextPid: pid + 1 })
    .set('mms', name, { id: name, pid, comm, pinned_vm: 0n, mmapNext: vaddr(0x7f00_0000_0000n) })
  yield f.mutate(tx.deltas, `process '${name}' (pid ${pid}) with an empty mm; pinned_vm = 0`)
  yield f.ret('mm')
  return { ret: pid, errno: null, error: null, notInEra: null }
}

const DEV_NAME_SOURCE: Record<PlainDevice['kind'], string> = {
  platform: 'platform',
  ib_device: 'infiniband',
  block: 'block',
  net: 'net',
}

/**
 * Register a struct device that is not a PCI function (a scenario `devices` entry) as a step.
 * Mirrors drivers/base/core.c: device_add() (dev->parent links it under its parent; a class device
 * such as an ib_device or a gendisk sits under the PCI function of its controller).
 *
 * dev_driver_string() (drivers/base/core.c) is the bound driver's name, else the bus name
 * ('platform'), else the class name ('infiniband', 'block', 'net'): the prefix of its dev_warn()s.
 */
export function* addDevice(k: Kernel, d: PlainDeviceSpec): Call<OpOutcome> {
  const f = frame(k, 'device_add', [])
  let parent: PlainDevice['parent'] = null
  if (d.parent) {
    if (k.world.devices[d.parent]) parent = { dev: d.parent }
    else parent = { pci: resolveDev(k.machine, d.parent).id }
  }
  yield f.enter({ dev: d.name, parent: d.parent ?? 'NULL' })
  const dev: PlainDevice = {
    name: d.name,
    kind: d.kind,
    driverString: d.driver ?? DEV_NAME_SOURCE[d.kind],
    parent,
  }
  const tx = new Tx(k.world).set('devices', d.name, dev)
  const where =
    parent === null
      ? 'no parent (not below any PCI function)'
      : 'pci' in parent
        ? `child of the PCI function ${k.machine.devs.get(parent.pci)!.bdf}`
        : `child of ${parent.dev}`
  yield f.mutate(tx.deltas, `${d.kind} device '${d.name}' (${dev.driverString}): ${where}`)
  yield f.ret('0')
  return { ret: 0, errno: null, error: null, notInEra: null }
}
