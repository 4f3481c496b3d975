/**
 * Scenario operations: each user-level operation (a program or a driver doing something) becomes
 * a top-level step generator that expands into the kernel call tree, then records the names the
 * scenario gave to its results (`as`) in the world, so stepping back forgets them too.
 */
import type { Errno, KernelError } from '../../../shared/model/errno'
import type { FollFlag } from '../../../shared/model/mm'
import { hex, PAGE_SIZE, vaddr, type Vaddr } from '../core/addr'
import { errnoValue, type KResult } from '../core/errno'
import type { Kernel } from '../core/run'
import { eraAtLeast } from '../core/run'
import { frame, type Call } from '../core/step'
import { Tx, type Var } from '../core/world'
import { preadDirect } from '../block/direct_io'
import { dmaMapSg, dmaMapSgtable, dmaUnmapSgtable, pciP2pdmaMapSg } from '../dma/mapping'
import { p2pdmaDistance } from '../dma/p2p'
import { sgAllocTableFromPages, UINT_MAX } from '../dma/scatterlist'
import { pinUserPages, pinUserPagesFast, unpinUserPages } from '../gup/gup'
import { barMmapHook, doMmap, doMunmap, sysfsResourceMmapHook, type MmapHook } from '../mm/mmap'
import { vmaKey } from '../mm/mm'
import { p2pdmaAddResource, p2pmemAllocMmapHook, p2pmemAllocSgl, p2pmemPublish } from '../mm/p2pmem'
import { ibvDeregMr, ibvRegMr } from '../rdma/umem'
import type { Machine, PciDev } from '../topology/types'
import { parseSize, type Op } from './schema'

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

const LAB = frame('lab', 'scenario', 'all')

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

function* refuse(why: string): Call<OpOutcome> {
  yield LAB.check('does this operation exist in the era?', false, why)
  return { ret: null, errno: null, error: null, notInEra: why }
}

function* bind(k: Kernel, name: string, v: Var | null, why: string): Call<void> {
  const tx = new Tx(k.world)
  tx.set('vars', name, v)
  yield LAB.mutate(tx.deltas, why)
}

function* mmapOp(
  k: Kernel,
  procName: string,
  len: bigint,
  shared: boolean,
  pgoff: bigint,
  file: string | null,
  hook: MmapHook | null,
  as: string,
  fixed: Vaddr | null = null,
): Call<OpOutcome> {
  const f = frame('ksys_mmap_pgoff', 'mm/mmap.c', 'all', ['EINVAL', 'EEXIST', 'EPERM', 'ENODEV', 'ENOMEM'])
  yield f.enter({ len: len.toString(), file: file ?? 'anonymous' })
  const r = yield* doMmap(k, { mm: procName, len, shared, write: true, fixed, pgoff, file }, hook)
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

/**
 * opCall - the generator of one scenario operation. `proc` is the default process.
 */
export function opCall(k: Kernel, op: Op, proc: string): Call<OpOutcome> {
  const m = k.machine
  switch (op.op) {
    case 'mmap_bar': {
      const a = op.args
      const dev = resolveDev(m, a.dev)
      const off = parseSize(a.offset ?? 0)
      return mmapOp(
        k,
        a.proc ?? proc,
        parseSize(a.len),
        !a.private,
        off / PAGE_SIZE,
        `/dev/${dev.driver}-${dev.bdf}`,
        barMmapHook(dev, a.bar, !!a.io),
        a.as,
      )
    }
    case 'mmap_resource': {
      const a = op.args
      const dev = resolveDev(m, a.dev)
      return mmapOp(
        k,
        a.proc ?? proc,
        parseSize(a.len),
        true,
        parseSize(a.offset ?? 0) / PAGE_SIZE,
        `/sys/bus/pci/devices/${dev.bdf}/resource${a.bar}${a.wc ? '_wc' : ''}`,
        sysfsResourceMmapHook(dev, a.bar, !!a.wc),
        a.as,
      )
    }
    case 'mmap_p2pmem': {
      const a = op.args
      const dev = resolveDev(m, a.dev)
      if (!eraAtLeast(k.era, 'v6.2'))
        return refuse(
          `p2pmem/allocate (p2pmem_alloc_mmap) was added in v6.2; ${k.era} has no way to map p2pmem into user space`,
        )
      const fixed = a.fixed ? vaddr(bufVar(k, a.fixed.buf).va + BigInt(a.fixed.offset)) : null
      return mmapOp(
        k,
        a.proc ?? proc,
        parseSize(a.len),
        !a.private,
        parseSize(a.offset ?? 0) / PAGE_SIZE,
        `/sys/bus/pci/devices/${dev.bdf}/p2pmem/allocate`,
        p2pmemAllocMmapHook(dev),
        a.as,
        fixed,
      )
    }
    case 'mmap_anon': {
      const a = op.args
      const fixed = a.fixed ? vaddr(bufVar(k, a.fixed.buf).va + BigInt(a.fixed.offset)) : null
      return mmapOp(k, a.proc ?? proc, parseSize(a.len), false, 0n, null, null, a.as, fixed)
    }
    case 'munmap':
      return (function* () {
        const b = bufVar(k, op.args.buf)
        const start = vaddr(b.va + BigInt(op.args.offset ?? 0))
        const r = yield* doMunmap(k, b.mm, start, op.args.len !== undefined ? parseSize(op.args.len) : b.len)
        if (r.ok && start === b.va && (op.args.len === undefined || parseSize(op.args.len) >= b.len))
          yield* bind(k, op.args.buf, null, `'${op.args.buf}' is unmapped`)
        return outcome(r, () => 0)
      })()
    case 'lockdown':
      return (function* () {
        const f = frame('lockdown_lsm', 'security/lockdown/lockdown.c', 'v5.4+', [])
        yield f.enter({ level: op.args.on ? 'integrity' : 'none' })
        const tx = new Tx(k.world).sys({ ...k.world.sys, lockdown: op.args.on })
        yield f.mutate(
          tx.deltas,
          op.args.on
            ? 'lockdown=integrity: LOCKDOWN_PCI_ACCESS is refused from now on'
            : 'lockdown lifted (a lab shortcut: the kernel cannot lower it)',
        )
        yield f.ret('0')
        return { ret: 0, errno: null, error: null, notInEra: null }
      })()
    case 'p2pdma_add_resource':
      return (function* () {
        const dev = resolveDev(m, op.args.dev)
        const bar = op.args.bar ?? dev.endpoint?.p2pmemBar
        if (bar === undefined) throw new ScenarioInputError(`${op.args.dev} has no p2pmemBar; give "bar"`)
        const r = yield* p2pdmaAddResource(
          k,
          dev,
          bar,
          parseSize(op.args.size ?? 0),
          parseSize(op.args.offset ?? 0),
        )
        return outcome(r, () => 0)
      })()
    case 'p2pmem_publish':
      return (function* () {
        const r = yield* p2pmemPublish(k, resolveDev(m, op.args.dev), op.args.publish ?? true)
        return outcome(r, () => 0)
      })()
    case 'pci_p2pdma_distance':
      return (function* () {
        const ret = yield* p2pdmaDistance(
          k,
          resolveDev(m, op.args.provider).id,
          resolveDev(m, op.args.client).id,
          op.args.verbose ?? true,
        )
        return { ret, errno: null, error: null, notInEra: null }
      })()
    case 'pci_p2pmem_alloc_sgl':
      return (function* () {
        const r = yield* p2pmemAllocSgl(k, resolveDev(m, op.args.dev), parseSize(op.args.len), op.args.as)
        return outcome(r, (n) => n)
      })()
    case 'pin_user_pages_fast':
    case 'get_user_pages_fast':
    case 'pin_user_pages':
    case 'get_user_pages':
      return (function* () {
        const a = op.args
        if (a.flags.includes('FOLL_PCI_P2PDMA') && !eraAtLeast(k.era, 'v6.2'))
          return yield* refuse(`FOLL_PCI_P2PDMA was added in v6.2; ${k.era} has no such flag`)
        const b = bufVar(k, a.buf)
        const start = vaddr(b.va + BigInt(a.offset ?? 0))
        const pin = op.op.startsWith('pin')
        const flags = a.flags as FollFlag[]
        const r = op.op.endsWith('_fast')
          ? yield* pinUserPagesFast(k, b.mm, start, BigInt(a.npages), flags, pin)
          : yield* pinUserPages(k, b.mm, start, BigInt(a.npages), flags, pin)
        if (r.ok && a.as && r.value.n > 0n)
          yield* bind(
            k,
            a.as,
            { kind: 'pages', mm: b.mm, runs: r.value.runs, foll: pin ? 'pin' : 'get' },
            `the scenario calls the ${r.value.n} returned page(s) '${a.as}'`,
          )
        return outcome(r, (v) => Number(v.n))
      })()
    case 'unpin_user_pages':
      return (function* () {
        const p = pagesVar(k, op.args.pages)
        const r = yield* unpinUserPages(k, p.runs, p.foll === 'pin')
        yield* bind(k, op.args.pages, null, `'${op.args.pages}' is released`)
        return outcome(r, () => 0)
      })()
    case 'sg_alloc_table_from_pages':
      return (function* () {
        const a = op.args
        const p = pagesVar(k, a.pages)
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
      })()
    case 'dma_map_sgtable':
    case 'dma_map_sg':
    case 'pci_p2pdma_map_sg':
      return (function* () {
        const a = op.args
        if (!k.world.sgts[a.sgt]) throw new ScenarioInputError(`no sg table named '${a.sgt}'`)
        const dev = resolveDev(m, a.dev)
        const d = a.dir ?? 'DMA_BIDIRECTIONAL'
        if (op.op === 'dma_map_sgtable') {
          if (!eraAtLeast(k.era, 'v6.0'))
            return yield* refuse(`dma_map_sgtable() arrived in v5.8; ${k.era} drivers call dma_map_sg()`)
          return outcome(yield* dmaMapSgtable(k, dev, a.sgt, d), (n) => n)
        }
        if (op.op === 'pci_p2pdma_map_sg') {
          if (eraAtLeast(k.era, 'v6.0'))
            return yield* refuse(
              'pci_p2pdma_map_sg() was removed when dma_map_sg() learned P2PDMA (the v6.0 series; release unverified)',
            )
          return outcome(yield* pciP2pdmaMapSg(k, dev, a.sgt, d), (n) => n)
        }
        return outcome(yield* dmaMapSg(k, dev, a.sgt, d), (n) => n)
      })()
    case 'dma_unmap_sgtable':
      return (function* () {
        return outcome(yield* dmaUnmapSgtable(k, resolveDev(m, op.args.dev), op.args.sgt), () => 0)
      })()
    case 'pread':
      return (function* () {
        const a = op.args
        const b = bufVar(k, a.buf)
        const r = yield* preadDirect(
          k,
          b.mm,
          resolveDev(m, a.disk),
          vaddr(b.va + BigInt(a.offset ?? 0)),
          parseSize(a.len),
          parseSize(a.pos ?? 0),
        )
        return outcome(r, (n) => Number(n))
      })()
    case 'ibv_reg_mr':
      return (function* () {
        const a = op.args
        const b = bufVar(k, a.buf)
        const r = yield* ibvRegMr(
          k,
          b.mm,
          resolveDev(m, a.dev),
          vaddr(b.va + BigInt(a.offset ?? 0)),
          parseSize(a.len),
          a.access ?? ['IBV_ACCESS_LOCAL_WRITE'],
          a.as,
        )
        return outcome(r, () => 0)
      })()
    case 'ibv_dereg_mr':
      return (function* () {
        return outcome(yield* ibvDeregMr(k, op.args.mr, resolveDev(m, op.args.dev)), () => 0)
      })()
  }
}

/** Create a process (its mm) as a step. Mirrors kernel/fork.c: mm_alloc() (exec of a new program). */
export function* createProcess(k: Kernel, name: string, comm: string): Call<OpOutcome> {
  const f = frame('mm_alloc', 'kernel/fork.c', 'all', [])
  yield f.enter({ comm })
  const pid = k.world.sys.nextPid
  const tx = new Tx(k.world)
    .sys({ ...k.world.sys, nextPid: pid + 1 })
    .set('mms', name, { id: name, pid, comm, pinned_vm: 0n, mmapNext: vaddr(0x7f00_0000_0000n) })
  yield f.mutate(tx.deltas, `process '${name}' (pid ${pid}) with an empty mm; pinned_vm = 0`)
  yield f.ret('mm')
  return { ret: pid, errno: null, error: null, notInEra: null }
}
