/**
 * Plain helpers over the memory model (not steppable: docs/design.md#2-a-generator-only-where-a-learner-may-stop): lookups of VMAs, PTE
 * runs and page runs by address, splitting runs at boundaries, and log lines.
 *
 * Runs: a PageRun covers `count` pages from `pfn` with equal state; a PteRun maps `npages` virtual
 * pages onto consecutive pfns. Changing part of a run first splits it, so cost grows with the number
 * of runs, never with the number of pages.
 */
import type { VmFlag } from '../../../shared/model/mm'
import { hex, PAGE_SIZE, pfn as mkPfn, vaddr, type Pfn, type Vaddr } from '../core/addr'
import type { Mm, PageRun, PteRun, Tx, VmArea, World } from '../core/world'
import { parseRunKey, runsOf, type RunMap } from '../core/runmap'

export const vmaKey = (mm: string, start: Vaddr): string => `${mm}:${hex(start)}`
export const pteKey = (mm: string, va: Vaddr): string => `${mm}:${hex(va)}`
export const pageKey = (p: Pfn): string => hex(p)

export function mmOf(w: World, mm: string): Mm {
  const m = w.mms[mm]
  if (!m) throw new Error(`no process '${mm}'`)
  return m
}

/**
 * find_vma()-like: the VMA containing va, or null (no "next VMA" semantics). One descent of the
 * ordered table (core/runmap.ts), as the kernel's maple tree walk is.
 */
export function vmaAt(w: World, mm: string, va: Vaddr): [string, VmArea] | null {
  const runs = runsOf(w.vmas)
  if (!runs) {
    for (const [k, v] of Object.entries(w.vmas))
      if (v.mm === mm && v.vm_start <= va && va < v.vm_end) return [k, v]
    return null
  }
  const hit = runs.floor(mm, va)
  return hit && hit[1].mm === mm && va < hit[1].vm_end ? hit : null
}

export function vmasOverlapping(w: World, mm: string, start: Vaddr, end: Vaddr): [string, VmArea][] {
  const runs = runsOf(w.vmas)
  if (!runs)
    return Object.entries(w.vmas)
      .filter(([, v]) => v.mm === mm && v.vm_start < end && start < v.vm_end)
      .sort((a, b) => (a[1].vm_start < b[1].vm_start ? -1 : 1))
  return overlapping(runs, mm, start, end, (v) => v.vm_end).filter(([, v]) => v.mm === mm)
}

/** The runs of `group` that overlap [start, end): the one running into `start`, then those starting inside. */
function overlapping<V>(
  runs: RunMap<V>,
  group: string,
  start: bigint,
  end: bigint,
  endOf: (v: V) => bigint,
): [string, V][] {
  const out: [string, V][] = []
  const before = runs.floor(group, start)
  // a run starting at `start` comes from between(); floor() adds only one that began earlier
  if (before && parseRunKey(before[0])[1] < start && start < endOf(before[1])) out.push(before)
  for (const e of runs.between(group, start, end)) out.push(e)
  return out
}

export const hasFlag = (v: VmArea, f: VmFlag): boolean => v.vm_flags.includes(f)

export function withFlags(v: VmArea, add: readonly VmFlag[]): VmArea {
  const s = new Set(v.vm_flags)
  for (const f of add) s.add(f)
  return { ...v, vm_flags: [...s] }
}

export function flagStr(fl: readonly VmFlag[]): string {
  return fl.length ? fl.join('|') : '0'
}

/** is_cow_mapping(): (vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE. */
export function isCowMapping(v: VmArea): boolean {
  return !hasFlag(v, 'VM_SHARED') && hasFlag(v, 'VM_MAYWRITE')
}

export const vmaPages = (v: VmArea): bigint => (v.vm_end - v.vm_start) / PAGE_SIZE

/** The PTE run containing va, or null (pte_none / not present). */
const pteEnd = (p: PteRun): bigint => p.va + p.npages * PAGE_SIZE

export function pteAt(w: World, mm: string, va: Vaddr): [string, PteRun] | null {
  const runs = runsOf(w.ptes)
  if (!runs) {
    for (const [k, p] of Object.entries(w.ptes))
      if (p.mm === mm && p.va <= va && va < pteEnd(p)) return [k, p]
    return null
  }
  const hit = runs.floor(mm, va)
  return hit && hit[1].mm === mm && va < pteEnd(hit[1]) ? hit : null
}

/** The PTE runs of `mm` overlapping [start, end), in address order. */
export function ptesOverlapping(w: World, mm: string, start: Vaddr, end: Vaddr): [string, PteRun][] {
  const runs = runsOf(w.ptes)
  if (!runs) return Object.entries(w.ptes).filter(([, p]) => p.mm === mm && p.va < end && start < pteEnd(p))
  return overlapping(runs, mm, start, end, pteEnd).filter(([, p]) => p.mm === mm)
}

/** Where the first PTE run of `mm` starting in (after, limit) begins, else `limit`: how far a fault may populate. */
export function nextPteStart(w: World, mm: string, after: Vaddr, limit: Vaddr): Vaddr {
  const runs = runsOf(w.ptes)
  if (runs) {
    for (const [, p] of runs.between(mm, after + 1n, limit)) if (p.mm === mm) return p.va
    return limit
  }
  let upto = limit
  for (const q of Object.values(w.ptes)) if (q.mm === mm && q.va > after && q.va < upto) upto = q.va
  return upto
}

/** The page run containing pfn, or null (no struct page: MMIO, or RAM the model never handed out). */
export function pageAt(w: World, f: Pfn): PageRun | null {
  const runs = runsOf(w.pages)
  if (!runs) {
    for (const r of Object.values(w.pages)) if (r.pfn <= f && f < r.pfn + r.count) return r
    return null
  }
  const hit = runs.floor('', f)
  return hit && f < hit[1].pfn + hit[1].count ? hit[1] : null
}

/** Split page runs so that `at` starts a run (no-op when it already does or no run covers it). */
function splitPagesAt(tx: Tx, at: bigint): void {
  const r = pageAt(tx.world, mkPfn(at))
  if (!r || r.pfn === at) return
  const head: PageRun = { ...r, count: at - r.pfn }
  const tail: PageRun = { ...r, pfn: mkPfn(at), count: r.pfn + r.count - at }
  tx.set('pages', pageKey(r.pfn), head)
  tx.set('pages', pageKey(tail.pfn), tail)
}

/** Apply `fn` to every page run inside [pfn, pfn+count), splitting at the edges first. */
export function updatePages(tx: Tx, first: Pfn, count: bigint, fn: (r: PageRun) => PageRun): void {
  splitPagesAt(tx, first)
  splitPagesAt(tx, first + count)
  const runs = runsOf(tx.world.pages)
  const inside = runs
    ? [...runs.between('', first, first + count)]
    : Object.entries(tx.world.pages).filter(([, r]) => r.pfn >= first && r.pfn < first + count)
  for (const [k, r] of inside) tx.set('pages', k, fn(r))
}

/** Split the PTE run containing `at` so that `at` starts a run. */
function splitPteAt(tx: Tx, mm: string, at: Vaddr): void {
  const hit = pteAt(tx.world, mm, at)
  if (!hit || hit[1].va === at) return
  const [k, p] = hit
  const headPages = (at - p.va) / PAGE_SIZE
  tx.set('ptes', k, { ...p, npages: headPages })
  tx.set('ptes', pteKey(mm, at), {
    ...p,
    va: at,
    npages: p.npages - headPages,
    pfn: mkPfn(p.pfn + headPages),
  })
}

/** Remove PTEs in [start, end) (zap_page_range); returns the removed pieces. */
export function zapPtes(tx: Tx, mm: string, start: Vaddr, end: Vaddr): PteRun[] {
  splitPteAt(tx, mm, start)
  splitPteAt(tx, mm, end)
  const gone: PteRun[] = []
  for (const [k, p] of ptesOverlapping(tx.world, mm, start, end)) {
    gone.push(p)
    tx.set('ptes', k, null)
  }
  return gone
}

/** Append a kernel log line (dmesg). */
export function logLine(tx: Tx, line: string): void {
  const n = Object.keys(tx.world.log).length
  tx.set('log', n.toString().padStart(6, '0'), line)
}

export function vaPlus(va: Vaddr, bytes: bigint): Vaddr {
  return vaddr(va + bytes)
}

/**
 * allocRamPages - `n` new system-RAM pages from the page allocator, refcount 1, recorded in `tx`;
 * returns the first pfn. `mapcount` is 1 when a PTE will map them at once (a fault), else 0.
 * Mirrors mm/page_alloc.c: alloc_pages() as far as the lab needs it.
 * Simplification: a bump allocator (sys.ramNext), so the pages are physically contiguous.
 */
export function allocRamPages(tx: Tx, n: bigint, mapcount: number): Pfn {
  const first = tx.world.sys.ramNext
  tx.sys({ ...tx.world.sys, ramNext: mkPfn(first + n) })
  const run: PageRun = {
    pfn: first,
    count: n,
    kind: 'ram',
    pgmap: null,
    refcount: 1,
    pins: 0,
    gets: 0,
    mapcount,
  }
  tx.set('pages', pageKey(first), run)
  return first
}

/**
 * The struct pages memremap_pages() creates for a ZONE_DEVICE range: one run, all free
 * (refcount 0), owned by `pgmap`.
 */
export function zoneDevicePages(tx: Tx, first: Pfn, count: bigint, pgmap: string): void {
  const run: PageRun = {
    pfn: first,
    count,
    kind: 'zone_device',
    pgmap,
    refcount: 0,
    pins: 0,
    gets: 0,
    mapcount: 0,
  }
  tx.set('pages', pageKey(first), run)
}
