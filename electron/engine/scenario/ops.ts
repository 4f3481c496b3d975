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
import { eraAtLeast } from '../kernel'
import { frame, type Call } from '../core/step'
import { Tx, type Var } from '../core/world'
import { preadDirect } from '../block/direct_io'
import { dmaMapSg, dmaMapSgtable, dmaUnmapSgtable, pciP2pdmaMapSg } from '../dma/mapping'
import { p2pdmaDistance } from '../dma/p2p'
import { sgAllocTableFromPages, UINT_MAX } from '../dma/scatterlist'
import { pinUserPages, pinUserPagesFast, unpinUserPages } from '../gup/gup'
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
import { p2pdmaAddResource, p2pmemAllocMmapHook, p2pmemAllocSgl, p2pmemPublish } from '../mm/p2pmem'
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
  memremapPages,
  migrateToDevice,
  moveToRam,
} from '../mm/devmem'
import { handleMmFault, handlePfnFault } from '../mm/fault'
import { doMprotect, exitMmap } from '../mm/mprotect'
import { pteAt, vmaAt } from '../mm/mm'
import { rdmaAccess } from '../rdma/odp'
import { ibUmemDmabufGet, ibUmemDmabufMapPages, dmaResvAddFence } from '../rdma/umem_dmabuf'
import { kerr } from '../core/errno'
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
        a.lazy ? barLazyMmapHook(dev, a.bar) : barMmapHook(dev, a.bar, !!a.io),
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
    default:
      return opCall2(k, op, proc)
  }
}

/** The operations of the second half of issue 3: ZONE_DEVICE, HMM, ODP, the 2019 RFC, dma-buf. */
function opCall2(k: Kernel, op: Op, proc: string): Call<OpOutcome> {
  const m = k.machine
  const ok0 = <T>(r: KResult<T>): OpOutcome => outcome(r, () => 0)
  switch (op.op) {
    case 'devmem_add': {
      const a = op.args
      const dev = a.type === 'fsdax' ? 'pmem0' : resolveDev(m, a.dev ?? 'gpu0').id
      const no = devmemInEra(k, a.type)
      if (no) return refuse(no)
      const opsName =
        a.type === 'fsdax'
          ? 'fsdax_pagemap_ops'
          : k.era === 'v5.0-rfc'
            ? `${dev}_devmem_ops`
            : `${dev}_dmirror_devmem_ops`
      return (function* () {
        return ok0(yield* memremapPages(k, dev, a.type, parseSize(a.size), opsName, !!a.p2pMap))
      })()
    }
    case 'touch':
      return (function* () {
        const a = op.args
        const b = bufVar(k, a.buf)
        return outcome(
          yield* cpuTouch(k, b.mm, vaddr(b.va + BigInt(a.offset ?? 0)), parseSize(a.len), a.write ?? true),
          () => 0,
        )
      })()
    case 'migrate_to_device': {
      const a = op.args
      const kind = a.type ?? 'private'
      const no = devmemInEra(k, kind)
      if (no) return refuse(no)
      return (function* () {
        const b = bufVar(k, a.buf)
        const id = devmemPgmapId(resolveDev(m, a.dev).id, kind)
        if (!k.world.pgmaps[id])
          throw new ScenarioInputError(`no ${kind} device memory on ${a.dev} (devmem_add first)`)
        return outcome(
          yield* migrateToDevice(k, b.mm, vaddr(b.va + BigInt(a.offset ?? 0)), BigInt(a.npages), id),
          (n) => Number(n),
        )
      })()
    }
    case 'mmap_dax': {
      const a = op.args
      return mmapOp(
        k,
        a.proc ?? proc,
        parseSize(a.len),
        true,
        parseSize(a.offset ?? 0) / PAGE_SIZE,
        '/mnt/pmem0/data (ext4 -o dax)',
        daxMmapHook(devmemPgmapId('pmem0', 'fsdax')),
        a.as,
      )
    }
    case 'mprotect':
      return (function* () {
        const a = op.args
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
      })()
    case 'exit':
      return (function* () {
        return ok0(yield* exitMmap(k, op.args.proc ?? proc))
      })()
    case 'hmm_mirror_register':
      if (!eraAtLeast(k.era, 'v6.0'))
        return refuse(
          `mmu_interval_notifier (5.5+) is modelled from v6.0; ${k.era} mirrored with hmm_mirror_register() (not modelled)`,
        )
      return (function* () {
        const b = bufVar(k, op.args.buf)
        return ok0(yield* hmmMirrorRegister(k, op.args.as, b.mm, b.va, b.len, resolveDev(m, op.args.dev)))
      })()
    case 'mirror_fault':
      return (function* () {
        const a = op.args
        const b = bufVar(k, a.buf)
        if (!k.world.notifiers[a.mirror]) throw new ScenarioInputError(`no mirror '${a.mirror}'`)
        return outcome(
          yield* mirrorDeviceFault(
            k,
            a.mirror,
            vaddr(b.va + BigInt(a.offset ?? 0)),
            BigInt(a.npages),
            a.write ?? false,
            a.as ?? null,
          ),
          () => 0,
        )
      })()
    case 'hmm_range_fault':
      return (function* () {
        const a = op.args
        const b = bufVar(k, a.buf)
        const owner = a.owner ? resolveDev(m, a.owner).id : null
        const dev = a.dev ? resolveDev(m, a.dev).id : (owner ?? 'none')
        const req = {
          mm: b.mm,
          start: vaddr(b.va + BigInt(a.offset ?? 0)),
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
      })()
    case 'hmm_dma_map_pfn':
      if (!eraAtLeast(k.era, 'v6.16'))
        return refuse(
          `hmm_dma_map_pfn() arrived around v6.16; ${k.era} drivers mapped each hmm pfn with dma_map_page()`,
        )
      return (function* () {
        if (k.world.vars[op.args.range]?.kind !== 'hmm')
          throw new ScenarioInputError(`no hmm range '${op.args.range}'`)
        return outcome(yield* hmmDmaMap(k, op.args.range, resolveDev(m, op.args.dev)), (n) => Number(n))
      })()
    case 'hmm_dma_unmap_pfn':
      if (!eraAtLeast(k.era, 'v6.16')) return refuse(`hmm_dma_unmap_pfn() arrived around v6.16`)
      return (function* () {
        if (k.world.vars[op.args.range]?.kind !== 'hmm')
          throw new ScenarioInputError(`no hmm range '${op.args.range}'`)
        return outcome(yield* hmmDmaUnmap(k, op.args.range, resolveDev(m, op.args.dev)), (n) => Number(n))
      })()
    case 'rdma_access':
      return (function* () {
        const a = op.args
        const u = k.world.odps[a.mr]
        if (!u) throw new ScenarioInputError(`no ODP MR '${a.mr}'`)
        return outcome(
          yield* rdmaAccess(
            k,
            a.mr,
            vaddr(u.address + BigInt(a.offset ?? 0)),
            parseSize(a.len),
            a.write ?? false,
            a.race ?? false,
          ),
          (n) => Number(n),
        )
      })()
    case 'mmap_rfc_device': {
      const a = op.args
      if (k.era !== 'v5.0-rfc')
        return refuse(
          `vm_operations_struct.p2p_map exists only with the 2019 RFC applied (era v5.0-rfc); it never landed`,
        )
      const dev = resolveDev(m, a.dev)
      return mmapOp(
        k,
        a.proc ?? proc,
        parseSize(a.len),
        true,
        0n,
        `/dev/${dev.driver}-${dev.bdf}`,
        rfcDeviceMmapHook(dev, a.bar, a.p2p),
        a.as,
      )
    }
    case 'hmm_range_dma_map':
      if (k.era !== 'v5.0-rfc')
        return refuse('hmm_range_dma_map() with a device argument is RFC 5/5 (era v5.0-rfc)')
      return (function* () {
        const a = op.args
        const b = bufVar(k, a.buf)
        return outcome(
          yield* hmmRangeDmaMap(
            k,
            b.mm,
            vaddr(b.va + BigInt(a.offset ?? 0)),
            BigInt(a.npages),
            resolveDev(m, a.dev),
            a.as,
          ),
          (n) => Number(n),
        )
      })()
    case 'device_test_p2p':
      if (k.era !== 'v5.0-rfc')
        return refuse('device_test_p2p()/pci_test_p2p() are RFC 1/5 and 2/5 (era v5.0-rfc)')
      return (function* () {
        const r = yield* deviceTestP2pStep(k, resolveDev(m, op.args.a), resolveDev(m, op.args.b))
        return { ret: r ? 1 : 0, errno: null, error: null, notInEra: null }
      })()
    case 'amdgpu_export_bo':
      if (!eraAtLeast(k.era, 'v6.0'))
        return refuse('dma-buf peer2peer (allow_peer2peer, ~5.8) is modelled from v6.0')
      return (function* () {
        return ok0(yield* amdgpuExportBo(k, resolveDev(m, op.args.dev), parseSize(op.args.size), op.args.as))
      })()
    case 'vfio_export_dmabuf':
      if (!eraAtLeast(k.era, 'v7.2'))
        return refuse(
          'VFIO PCI exports BARs as dma-bufs only in the newest trees (S8; modelled from v7.2, release unverified)',
        )
      return (function* () {
        const a = op.args
        return ok0(
          yield* vfioExportDmabuf(
            k,
            resolveDev(m, a.dev),
            a.bar,
            parseSize(a.offset ?? 0),
            parseSize(a.len),
            a.as,
          ),
        )
      })()
    case 'dma_buf_attach':
      return (function* () {
        const a = op.args
        if (!k.world.dmabufs[a.dmabuf]) throw new ScenarioInputError(`no dma-buf '${a.dmabuf}'`)
        return ok0(
          yield* dmaBufDynamicAttach(
            k,
            a.dmabuf,
            resolveDev(m, a.dev),
            {
              dynamic: a.dynamic ?? false,
              allowPeer2peer: a.allowPeer2peer ?? false,
              moveNotify: a.moveNotify ?? true,
            },
            a.as,
          ),
        )
      })()
    case 'dma_buf_map_attachment':
      return (function* () {
        if (!k.world.attachments[op.args.attachment])
          throw new ScenarioInputError(`no attachment '${op.args.attachment}'`)
        return ok0(yield* dmaBufMapAttachment(k, op.args.attachment, op.args.as))
      })()
    case 'dma_buf_unmap_attachment':
      return (function* () {
        const at = k.world.attachments[op.args.attachment]
        if (!at) throw new ScenarioInputError(`no attachment '${op.args.attachment}'`)
        return ok0(yield* unmapAttachment(k, at.id, resolveDev(m, at.dev)))
      })()
    case 'vfio_pci_mem_enable':
      return (function* () {
        return ok0(yield* vfioMemEnable(k, resolveDev(m, op.args.dev), op.args.on))
      })()
    case 'ib_umem_dmabuf_get':
      if (!eraAtLeast(k.era, 'v6.0')) return refuse('ib_umem_dmabuf_get() (~5.12) is modelled from v6.0')
      return (function* () {
        const a = op.args
        if (!k.world.dmabufs[a.dmabuf]) throw new ScenarioInputError(`no dma-buf '${a.dmabuf}'`)
        return ok0(
          yield* ibUmemDmabufGet(
            k,
            resolveDev(m, a.dev),
            a.dmabuf,
            parseSize(a.offset),
            parseSize(a.size),
            a.ops ?? 'p2p',
            a.as,
          ),
        )
      })()
    case 'ib_umem_dmabuf_map_pages':
      return (function* () {
        if (!k.world.umemDmabufs[op.args.mr]) throw new ScenarioInputError(`no dma-buf MR '${op.args.mr}'`)
        return ok0(yield* ibUmemDmabufMapPages(k, op.args.mr))
      })()
    case 'dma_resv_add_fence':
      return (function* () {
        return ok0(yield* dmaResvAddFence(k, op.args.dmabuf, op.args.signaled))
      })()
    default:
      throw new Error(`unhandled operation ${op.op}`)
  }
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
  const f = frame('do_user_addr_fault', 'arch/x86/mm/fault.c', 'all', ['EFAULT'])
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
      const dp = frame('do_swap_page', 'mm/memory.c', 'all', [])
      yield dp.enter({ address: hex(va) })
      yield dp.check(
        'is_device_private_entry(entry)',
        true,
        'the CPU cannot read device-private memory: pgmap->ops->migrate_to_ram(vmf)',
      )
      // one fault migrates the pages the access touches (dmirror_devmem_fault migrates one page per fault)
      const runEnd = p[1].va + p[1].npages * PAGE_SIZE
      const n = ((runEnd < end ? runEnd : end) - va) / PAGE_SIZE
      yield* moveToRam(k, mm, va, n, 'fault')
      yield dp.ret('0')
      continue
    }
    let upto = v[1].vm_end < end ? v[1].vm_end : end
    for (const q of Object.values(k.world.ptes)) if (q.mm === mm && q.va > va && q.va < upto) upto = q.va
    if (hasPfnFaultHandler(v[1])) {
      const r = yield* handlePfnFault(k, mm, v[0], va, (upto - va) / PAGE_SIZE, write)
      if (!r.ok) {
        yield f.fail(r.error)
        return r
      }
    } else yield* handleMmFault(k, mm, v[0], va, (upto - va) / PAGE_SIZE, write)
    va = upto
  }
  yield f.ret('0')
  return { ok: true, value: undefined }
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
