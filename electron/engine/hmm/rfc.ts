/**
 * The January 2019 RFC "Device peer to peer (p2p) through vma" (docs/kernel/rfc-2019.md#the-series; never merged),
 * era v5.0-rfc: a special device VMA whose vm_ops carry p2p_map/p2p_unmap (3/5), hmm_devmem_ops
 * p2p hooks with the migrate-to-RAM fallback (4/5), HMM_PFN_P2P and _hmm_range_fault(range, block,
 * device, pas) reached only through hmm_range_dma_map() (5/5), and pci_test_p2p()/device_test_p2p() (1/5, 2/5).
 *
 * Simplification: the 2019 hmm_range_register()/hmm_mirror bookkeeping is shown with the interval
 * notifier steps of 5.5+ (same protocol: the importer must call hmm_range_dma_unmap() -> p2p_unmap()
 * from its invalidation callback); the exporter drivers are illustrative (nouveau's was not posted).
 */
import { dmaAddr, hex, PAGE_SIZE, pfnToPhys, sizeStr, vaddr, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { driverFrame, frame, kcall, type Call, type Frame } from '../core/step'
import { Tx, type HmmEntryRun } from '../core/world'
import { pageAt, vmaAt } from '../mm/mm'
import type { MmapHook } from '../mm/mmap'
import { mmuIntervalNotifierInsert, setDevPte } from '../mm/notifier'
import { deviceTestP2p } from '../p2pdma/distance-many'
import type { PciDev } from '../topology/types'
import { hmmRangeFault, type HmmReq } from './hmm'

/** How the exporter's p2p_map answers: map, refuse (-EPERM), ask device_test_p2p(), or no p2p_map at all. */
export type RfcP2pMode = 'map' | 'eperm' | 'test' | 'none'

/**
 * rfcDeviceMmapHook - an exporting driver's ->mmap() for the RFC's "special vma".
 * Mirrors RFC 3/5: "The callback is set by the device driver's mmap file operation": vm_flags |=
 * VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP, vma->vm_ops = the driver's ops with p2p_map/p2p_unmap;
 * no CPU PTEs ("the memory might not even be map to CPU").
 *
 * Errnos: -EINVAL (past the end of the BAR).
 */
export function rfcDeviceMmapHook(dev: PciDev, bar: number, mode: RfcP2pMode): MmapHook {
  return function* (k, vma) {
    const f = driverFrame(
      k,
      `${dev.driver}_mmap`,
      `drivers/… (${dev.driver}, illustrative RFC exporter)`,
      'p2p_map',
      ['EINVAL'],
    )
    return yield* kcall(
      f,
      { bar: String(bar) },
      (function* (): Call<KResult<void>> {
        const v = k.world.vmas[vma]!
        const b = dev.bars.find((x) => x.index === bar && !x.io)
        const fits = !!b && v.vm_pgoff * PAGE_SIZE + (v.vm_end - v.vm_start) <= BigInt(b.size)
        yield f.check(
          'offset + len <= BAR size?',
          fits,
          b ? `BAR${bar} is ${sizeStr(b.size)}` : 'no such memory BAR',
        )
        if (!fits) return fail(kerr('EINVAL', f.fn, 'the mapping does not fit in the BAR'))
        const ops = mode === 'none' ? `${dev.driver}_vm_ops` : `${dev.driver}_p2p_vm_ops`
        const flags = [
          ...new Set([...v.vm_flags, 'VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'] as const),
        ]
        const tx = new Tx(k.world).set('vmas', vma, { ...v, vm_flags: flags, vm_ops: `${ops}:${mode}` })
        yield f.mutate(
          tx.deltas,
          mode === 'none'
            ? `vm_flags |= VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP; vma->vm_ops = &${ops} (no p2p_map); no CPU PTEs`
            : `vm_flags |= VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP; vma->vm_ops = &${ops} with .p2p_map/.p2p_unmap (RFC 3/5); no CPU PTEs: the CPU may never see this memory`,
        )
        return ok(undefined)
      })(),
    )
  }
}

function rfcMode(opsName: string | null): RfcP2pMode | null {
  if (!opsName) return null
  const m = /:(map|eperm|test|none)$/.exec(opsName)
  return m ? (m[1] as RfcP2pMode) : null
}

/**
 * hmmRangeDmaMap - fault a range and DMA-map it for `device`, peer to peer where the exporter agrees.
 * Mirrors RFC 5/5 mm/hmm.c: hmm_range_dma_map(range, device, daddrs, block): again: ret =
 * _hmm_range_fault(range, block, device, daddrs); device VMA: hmm_vma_p2p_map() -> vma->vm_ops->p2p_map()
 * (every pfn values[HMM_PFN_P2P], or values[HMM_PFN_ERROR] and the error); RFC 4/5: a device-private
 * page whose hmm_devmem_ops has no p2p_map: range->default_flags |= range->flags[HMM_PFN_DEVICE_PRIVATE];
 * goto again (migrate to RAM); other pages: dma_map_page().
 *
 * Errnos: -EFAULT (device VMA without p2p_map), -EPERM (the exporter refused), hmm_range_fault() errnos.
 */
export function* hmmRangeDmaMap(
  k: Kernel,
  mm: string,
  start: Vaddr,
  npages: bigint,
  device: PciDev,
  as: string,
): Call<KResult<bigint>> {
  const f = frame(k, 'hmm_range_dma_map', ['EFAULT', 'EPERM', 'EINVAL', 'EBUSY'])
  return yield* kcall(
    f,
    { start: hex(start), npages: npages.toString(), device: device.bdf, block: 'true' },
    (function* (): Call<KResult<bigint>> {
      const nid = `rfc:${as}`
      if (!k.world.notifiers[nid]) {
        const r = yield* rfcRangeRegister(k, { nid, mm, start, npages, device })
        if (!r.ok) return r
      }
      let faultDevicePrivate = false
      for (let pass = 0; pass < 2; pass++) {
        const out = yield* rfcHmmRangeFault(k, mm, start, npages, device, faultDevicePrivate)
        if (!out.ok) return out
        const entries = out.value
        // RFC 4/5: device-private pages
        const priv = entries.filter((e) => e.flags.includes('HMM_PFN_DEVICE_PRIVATE'))
        if (priv.length) {
          const pg = k.world.pgmaps[pageAt(k.world, priv[0]!.pfn!)!.pgmap!]!
          const hooks = !!pg.p2pMap
          yield f.check(
            'is_device_private_page(page): devmem->ops->p2p_map && devmem->ops->p2p_unmap?',
            hooks,
            hooks
              ? `${pg.ops}.p2p_map maps the device memory for ${device.bdf}`
              : `${pg.ops ?? 'hmm_devmem_ops'} has no p2p_map: fall back to main memory: range->default_flags |= range->flags[HMM_PFN_DEVICE_PRIVATE]; goto again`,
          )
          if (!hooks) {
            faultDevicePrivate = true
            continue
          }
        }
        const mapped = yield* rfcDmaMapRest(k, f, { nid, mm, start, npages, device, as, entries })
        return ok(mapped)
      }
      return fail(kerr('EBUSY', f.fn, 'the fallback did not converge'))
    })(),
    (n) => `${n} (pages mapped)`,
  )
}

/** hmm_range_register(): the importer's notifier over the range (its sync_cpu_device_pagetables). */
function* rfcRangeRegister(
  k: Kernel,
  q: { nid: string; mm: string; start: Vaddr; npages: bigint; device: PciDev },
): Call<KResult<void>> {
  const { nid, mm, start, npages, device } = q
  const reg = frame(k, 'hmm_range_register', ['EINVAL'])
  yield reg.enter({ start: hex(start), end: hex(start + npages * PAGE_SIZE) })
  const r = yield* mmuIntervalNotifierInsert(k, {
    id: nid,
    mm,
    start,
    end: vaddr(start + npages * PAGE_SIZE),
    kind: 'rfc',
    dev: device.id,
    ops: 'importer sync_cpu_device_pagetables',
  })
  if (!r.ok) return r
  yield reg.ret('0')
  return ok(undefined)
}

/**
 * The end of hmm_range_dma_map(): what p2p_map() did not map is mapped with dma_map_page(); the
 * daddrs[] become the importer's device PTEs and the named range. Returns the pages mapped
 * (HMM_PFN_P2P entries included).
 */
function* rfcDmaMapRest(
  k: Kernel,
  f: Frame,
  q: {
    nid: string
    mm: string
    start: Vaddr
    npages: bigint
    device: PciDev
    as: string
    entries: HmmEntryRun[]
  },
): Call<bigint> {
  const { nid, mm, start, npages, device, as } = q
  const tx = new Tx(k.world)
  const final: HmmEntryRun[] = []
  let mapped = 0n
  for (const e of q.entries) {
    if (e.dma !== null || e.pfn === null || !e.flags.includes('HMM_PFN_VALID')) {
      if (e.flags.includes('HMM_PFN_P2P')) mapped += e.count
      final.push(e)
      continue
    }
    const d = dmaAddr(pfnToPhys(e.pfn))
    final.push({ ...e, dma: d })
    mapped += e.count
  }
  for (const e of final) {
    if (e.dma === null) continue
    const at = vaddr(start + e.idx * PAGE_SIZE)
    setDevPte(tx, {
      owner: nid,
      dev: device.id,
      va: at,
      npages: e.count,
      pfn: e.pfn ?? (0n as never),
      writable: true,
      dma: e.dma,
      how: e.flags.includes('HMM_PFN_P2P') ? 'HMM_PFN_P2P (p2p_map)' : 'dma_map_page',
    })
  }
  tx.set('vars', as, {
    kind: 'hmm',
    mm,
    start,
    npages,
    dev: device.id,
    entries: final,
    notifier: nid,
    seq: null,
  })
  yield f.mutate(
    tx.deltas,
    `daddrs[] filled: ${mapped} page(s) mapped (HMM_PFN_P2P entries count as mapped); the importer programs ${device.bdf} with them`,
  )
  return mapped
}

/**
 * rfcHmmRangeFault - _hmm_range_fault(range, block, device, pas) for the VMAs of a range.
 * Mirrors RFC 5/5 mm/hmm.c: _hmm_range_fault(): a device VMA (VM_IO|VM_PFNMAP|VM_MIXEDMAP) needs
 * device && pas && vma->vm_ops->p2p_map, else -EFAULT; hmm_vma_p2p_map(); other VMAs are walked.
 *
 * Errnos: -EFAULT, -EPERM, and the walk's errnos.
 */
function* rfcHmmRangeFault(
  k: Kernel,
  mm: string,
  start: Vaddr,
  npages: bigint,
  device: PciDev,
  faultDevicePrivate: boolean,
): Call<KResult<HmmEntryRun[]>> {
  const f = frame(k, '_hmm_range_fault', ['EFAULT', 'EPERM', 'EINVAL', 'EBUSY'])
  return yield* kcall(
    f,
    {
      start: hex(start),
      device: device.bdf,
      pas: 'daddrs',
      ...(faultDevicePrivate ? { default_flags: 'VALID|DEVICE_PRIVATE' } : {}),
    },
    (function* (): Call<KResult<HmmEntryRun[]>> {
      const hit = vmaAt(k.world, mm, start)
      const vma = hit?.[1]
      const devVma =
        !!vma && ['VM_IO', 'VM_PFNMAP', 'VM_MIXEDMAP'].some((x) => vma.vm_flags.includes(x as never))
      if (!vma || !devVma) {
        const req: HmmReq = {
          mm,
          start,
          npages,
          fault: true,
          write: true,
          owner: null,
          notifier: null,
          seq: null,
          faultDevicePrivate,
        }
        const r = yield* hmmRangeFaultRfcWalk(k, req)
        return r
      }
      const mode = rfcMode(vma.vm_ops)
      const has = mode !== null && mode !== 'none'
      yield f.check(
        'device_vma: !device || !pas || !vma->vm_ops->p2p_map',
        has,
        has
          ? `device ${device.bdf}, pas given, ${vma.vm_ops!.split(':')[0]}.p2p_map exists`
          : `${vma.vm_ops ?? 'no vm_ops'}: no p2p_map: -EFAULT`,
      )
      if (!has) return fail(kerr('EFAULT', f.fn, 'a device VMA without p2p_map', 'never'))
      return yield* hmmVmaP2pMap(k, vma.vm_ops!.split(':')[0]!, mode, vma, start, npages, device)
    })(),
    (e) => `${e.length} run(s)`,
  )
}

function hmmRangeFaultRfcWalk(k: Kernel, req: HmmReq): Call<KResult<HmmEntryRun[]>> {
  return (function* () {
    const r = yield* hmmRangeFault(k, req)
    return r.ok ? ok(r.value.entries) : r
  })()
}

/**
 * hmmVmaP2pMap - ask the exporter to map [start, end) of its VMA for `device`.
 * Mirrors RFC 5/5 mm/hmm.c: hmm_vma_p2p_map() -> vma->vm_ops->p2p_map(vma, device, start, end, pas, write).
 * "IF DRIVER SUCCESSFULY MAP A RANGE ONCE FOR A DEVICE THEN FURTHER MAPPING OF THE SAME IF THE VMA
 * IS STILL VALID SHOULD ALSO BE SUCCESSFUL."
 *
 * Errnos: -EPERM (the exporter's policy refused).
 */
function* hmmVmaP2pMap(
  k: Kernel,
  ops: string,
  mode: RfcP2pMode,
  vma: { vm_start: Vaddr; vm_pgoff: bigint; file: string | null },
  start: Vaddr,
  npages: bigint,
  device: PciDev,
): Call<KResult<HmmEntryRun[]>> {
  const f = driverFrame(k, `${ops}.p2p_map`, 'drivers/… (illustrative RFC exporter)', 'p2p_map', ['EPERM'])
  return yield* kcall(
    f,
    { device: device.bdf, start: hex(start), end: hex(start + npages * PAGE_SIZE), write: 'true' },
    (function* (): Call<KResult<HmmEntryRun[]>> {
      const exporter = [...k.machine.devs.values()].find((d) => vma.file?.includes(d.bdf))
      let allow = mode === 'map'
      if (mode !== 'eperm') {
        // RFC 0/5: "For now it needs IOMMU off with ACS disabled and for both device to be on same
        // PCIE sub-tree"; the posted exporters returned an error otherwise (inferred: no driver was posted).
        yield f.check(
          'IOMMU off (RFC 0/5 restriction)',
          !k.iommu,
          k.iommu
            ? 'the RFC as posted handled no IOMMU: the exporter cannot give the importer a usable address'
            : 'no IOMMU: the importer can use the BAR bus address directly',
        )
        if (k.iommu) allow = false
      }
      if (mode === 'test' && exporter && !k.iommu) {
        const t = deviceTestP2p(k.machine, exporter.id, device.id)
        for (const d of t.decisions) yield f.check(d.fn, d.ok !== false, d.text)
        allow = t.ret
      }
      yield f.check(
        'exporter policy: may this device reach the memory?',
        allow,
        allow
          ? `the exporter maps its BAR for ${device.bdf} and fills pas[]`
          : mode === 'test'
            ? 'device_test_p2p() said no: return -EPERM'
            : 'the exporter refuses (policy): return -EPERM',
      )
      if (!allow) {
        yield f.check(
          'hmm_vma_p2p_map() error path',
          false,
          `every pfn in the range = range->values[HMM_PFN_ERROR]; -EPERM is returned`,
        )
        return fail(kerr('EPERM', f.fn, 'the exporter refused the peer-to-peer mapping', 'never'))
      }
      const bar = exporter?.bars.find((b) => b.index === 1) ?? exporter?.bars[0]
      const base = BigInt(bar?.busStart ?? 0) + vma.vm_pgoff * PAGE_SIZE + (start - vma.vm_start)
      return ok([{ idx: 0n, count: npages, pfn: null, flags: ['HMM_PFN_P2P'], dma: dmaAddr(base) }])
    })(),
    (e) => `${e[0]?.count ?? 0} (pages mapped)`,
  )
}

/**
 * deviceTestP2pStep - RFC 2/5 device_test_p2p() -> RFC 1/5 pci_test_p2p(), as steps.
 * Mirrors drivers/base/core.c: device_test_p2p() and drivers/pci/p2pdma.c: pci_test_p2p() (as posted
 * it ends with `return false;`; settings.rfcTestP2p = 'as-intended' returns upstream_bridge_distance() >= 0).
 *
 * Errnos: none (returns bool).
 */
export function* deviceTestP2pStep(k: Kernel, a: PciDev, b: PciDev): Call<boolean> {
  const f = frame(k, 'device_test_p2p', [])
  yield f.enter({ devA: a.bdf, devB: b.bdf })
  const r = deviceTestP2p(k.machine, a.id, b.id)
  const p = frame(k, 'pci_test_p2p', [])
  yield p.enter({ devA: a.bdf, devB: b.bdf, as: k.machine.settings.rfcTestP2p })
  for (const d of r.decisions.slice(1)) yield p.check(d.fn, d.ok !== false, d.text)
  yield p.ret(String(r.ret))
  yield f.ret(String(r.ret))
  return r.ret
}

export { vmaAt }
