/**
 * mprotect() and process exit, the two other sources of mmu-notifier invalidations the lab models
 * (MMU_NOTIFY_PROTECTION_VMA and MMU_NOTIFY_RELEASE).
 */
import type { VmFlag } from '../../../shared/model/mm'
import { hex, PAGE_SIZE, sizeStr, vaddr, type Vaddr } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { frame, kcall, type Call } from '../core/step'
import { Tx } from '../core/world'
import { doMunmap } from './mmap'
import { flagStr, ptesOverlapping, vmaKey, vmasOverlapping } from './mm'
import { mmuNotifierInvalidate } from './notifier'

/**
 * doMprotect - change the protection of [start, start+len).
 * Mirrors mm/mprotect.c: do_mprotect_pkey() -> mprotect_fixup() (split the VMA) -> change_protection()
 * (mmu_notifier_invalidate_range_start(MMU_NOTIFY_PROTECTION_VMA) around the PTE updates).
 *
 * Errnos: -EINVAL (unaligned), -ENOMEM (part of the range is not mapped), -EACCES is not modelled
 * (the lab's VMAs all have VM_MAYWRITE).
 * Simplification: only PROT_READ and PROT_READ|PROT_WRITE.
 */
export function* doMprotect(
  k: Kernel,
  mm: string,
  start: Vaddr,
  len: bigint,
  write: boolean,
): Call<KResult<void>> {
  const f = frame(k, 'do_mprotect_pkey', ['EINVAL', 'ENOMEM'])
  const end = vaddr(start + len)
  return yield* kcall(
    f,
    { start: hex(start), len: sizeStr(len), prot: write ? 'PROT_READ|PROT_WRITE' : 'PROT_READ' },
    (function* (): Call<KResult<void>> {
      const aligned = start % PAGE_SIZE === 0n && len > 0n
      yield f.check('start & ~PAGE_MASK == 0, len != 0', aligned, aligned ? 'ok' : 'bad arguments')
      if (!aligned) return fail(kerr('EINVAL', f.fn, 'unaligned mprotect()'))
      const vmas = vmasOverlapping(k.world, mm, start, end)
      let covered = 0n
      for (const [, v] of vmas)
        covered += (v.vm_end < end ? v.vm_end : end) - (v.vm_start > start ? v.vm_start : start)
      yield f.check(
        'the whole range is mapped',
        covered === len,
        `${sizeStr(covered)} of ${sizeStr(len)} mapped`,
      )
      if (covered !== len) return fail(kerr('ENOMEM', f.fn, 'part of the range is not mapped'))
      const fix = frame(k, 'mprotect_fixup', [])
      yield fix.enter({ newflags: write ? '+VM_WRITE' : '-VM_WRITE' })
      const tx = new Tx(k.world)
      for (const [key, v] of vmas) {
        const flags: VmFlag[] = write
          ? [...new Set<VmFlag>([...v.vm_flags, 'VM_WRITE'])]
          : v.vm_flags.filter((x) => x !== 'VM_WRITE')
        tx.set('vmas', key, null)
        if (v.vm_start < start) tx.set('vmas', key, { ...v, vm_end: start })
        const lo = v.vm_start > start ? v.vm_start : start
        const hi = v.vm_end < end ? v.vm_end : end
        tx.set('vmas', vmaKey(mm, lo), {
          ...v,
          vm_start: lo,
          vm_end: hi,
          vm_flags: flags,
          vm_pgoff: v.vm_pgoff + (lo - v.vm_start) / PAGE_SIZE,
        })
        if (v.vm_end > end)
          tx.set('vmas', vmaKey(mm, end), {
            ...v,
            vm_start: end,
            vm_pgoff: v.vm_pgoff + (end - v.vm_start) / PAGE_SIZE,
          })
        yield fix.check('split_vma() at the edges', true, `new vm_flags ${flagStr(flags)}`)
      }
      yield fix.mutate(
        tx.deltas,
        `vma_set_page_prot(): the VMA(s) in the range are now ${write ? 'writable' : 'read-only'}`,
      )
      yield fix.ret('0')
      const cp = frame(k, 'change_protection', [])
      yield cp.enter({ start: hex(start), end: hex(end) })
      yield* mmuNotifierInvalidate(k, mm, start, end, 'MMU_NOTIFY_PROTECTION_VMA')
      const pt = new Tx(k.world)
      for (const [key, p] of ptesOverlapping(k.world, mm, start, end)) {
        if (p.writable === write || !p.present) continue
        // Simplification: the whole PTE run changes (the lab's runs rarely straddle an mprotect edge).
        pt.set('ptes', key, { ...p, writable: write })
      }
      if (!pt.empty)
        yield cp.mutate(
          pt.deltas,
          `PTEs ${write ? 'stay read-only until the next write fault' : 'lose their write bit'}`,
        )
      yield cp.ret('0')
      return ok(undefined)
    })(),
  )
}

/**
 * exitMmap - the process exits: its address space is torn down.
 * Mirrors mm/mmap.c: exit_mmap() -> mmu_notifier_release() (interval notifiers see
 * MMU_NOTIFY_RELEASE over everything) -> unmap_vmas() -> free_pgtables() -> remove_vma().
 *
 * Errnos: none.
 * Simplification: the unmap after the release sends no second (UNMAP) notification.
 */
export function* exitMmap(k: Kernel, mm: string): Call<KResult<void>> {
  const f = frame(k, 'exit_mmap', [])
  return yield* kcall(
    f,
    { mm },
    (function* (): Call<KResult<void>> {
      const rel = frame(k, 'mmu_notifier_release', [])
      yield rel.enter({ mm })
      yield* mmuNotifierInvalidate(k, mm, vaddr(0n), vaddr((1n << 64n) - 1n), 'MMU_NOTIFY_RELEASE')
      yield rel.ret('void')
      const vmas = Object.values(k.world.vmas)
        .filter((v) => v.mm === mm)
        .sort((a, b) => (a.vm_start < b.vm_start ? -1 : 1))
      for (const v of vmas) yield* doMunmap(k, mm, v.vm_start, v.vm_end - v.vm_start, false)
      const tx = new Tx(k.world)
      for (const [key, b] of Object.entries(k.world.vars))
        if ('mm' in b && b.mm === mm && b.kind === 'buf') tx.set('vars', key, null)
      if (!tx.empty) yield f.mutate(tx.deltas, 'the process is gone: its buffers no longer exist')
      return ok(undefined)
    })(),
  )
}
