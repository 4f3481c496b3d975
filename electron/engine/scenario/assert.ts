/**
 * State assertions of a scenario, checked against the world right after an operation.
 * Each returns null when it holds, or a sentence saying what was found instead.
 */
import type { VmFlag } from '../../../shared/model/mm'
import { hex, PAGE_SIZE, pfnToPhys, vaddr, type Pfn } from '../core/addr'
import type { PageRun, Var, World } from '../core/world'
import { isP2pdmaPage } from '../gup/gup'
import type { Kernel } from '../kernel'
import { pageAt, pteAt } from '../mm/mm'
import { poolAvailable, poolSize } from '../mm/p2pmem'
import type { Machine } from '../topology/types'
import { resolveDev } from './ops'
import { parseSize, type Assertion } from './schema'

const arr = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x])

type Of<K extends string> = Extract<Assertion, Record<K, unknown>>

/** Checks one state assertion; null when it holds, else what was found instead. */
export function checkAssertion(k: Kernel, a: Assertion): string | null {
  if ('vma' in a) return checkVma(k, a)
  if ('sg' in a) return checkSgEntry(k, a)
  if ('sgt' in a) return checkSgTable(k, a)
  if ('iommu' in a) return checkIommu(k, a)
  if ('mm' in a) return checkMm(k, a)
  if ('p2pmem' in a) return checkP2pmem(k, a)
  if ('hmm' in a) return checkHmmRange(k, a)
  if ('pte' in a) return checkPte(k, a)
  if ('notifier' in a) return checkNotifier(k, a)
  if ('devptes' in a) return checkDevPtes(k, a)
  if ('dmabuf' in a) return checkDmabuf(k, a)
  if ('attachment' in a) return checkAttachment(k, a)
  if ('pages' in a) return checkPage(k, a)
  if ('mapType' in a) return checkMapType(k, a)
  if ('umem' in a) return checkUmem(k, a)
  if ('iova' in a) return checkIova(k, a)
  if ('warning' in a) return checkWarning(k.world, a)
  if ('pciDev' in a) return checkPciDev(k, a)
  if ('value' in a) return checkValue(k.world, a)
  return checkLog(k.world, a)
}

function checkVma(k: Kernel, a: Of<'vma'>): string | null {
  const w: World = k.world
  const v = w.vars[a.vma]
  const vma = v?.kind === 'buf' ? w.vmas[v.vma] : undefined
  if (a.exists === false) return vma ? `VMA '${a.vma}' still exists` : null
  if (!vma) return `no VMA '${a.vma}'`
  const missing = arr<VmFlag>(a.flagsContain).filter((f) => !vma.vm_flags.includes(f))
  if (missing.length) return `VMA '${a.vma}' flags ${vma.vm_flags.join('|')} lack ${missing.join('|')}`
  const extra = arr<VmFlag>(a.flagsExclude).filter((f) => vma.vm_flags.includes(f))
  if (extra.length) return `VMA '${a.vma}' flags ${vma.vm_flags.join('|')} include ${extra.join('|')}`
  if (a.vmOps !== undefined && vma.vm_ops !== a.vmOps)
    return `VMA '${a.vma}' vm_ops is ${vma.vm_ops}, expected ${a.vmOps}`
  if (a.prot !== undefined && vma.vm_page_prot !== a.prot)
    return `VMA '${a.vma}' vm_page_prot is ${vma.vm_page_prot}, expected ${a.prot}`
  if (a.pgoff !== undefined && vma.vm_pgoff !== parseSize(a.pgoff))
    return `VMA '${a.vma}' vm_pgoff is ${hex(vma.vm_pgoff)}, expected ${hex(parseSize(a.pgoff))}`
  return null
}

function checkSgEntry(k: Kernel, a: Of<'sg'>): string | null {
  const w: World = k.world
  const t = w.sgts[a.sg]
  const e = t?.sgl[a.entry]
  if (!t || !e) return `no entry ${a.entry} in sg table '${a.sg}'`
  if (a.busAddress !== undefined && e.bus_address !== a.busAddress)
    return `${a.sg}[${a.entry}] SG_DMA_BUS_ADDRESS is ${e.bus_address}`
  if (a.dmaAddress !== undefined) {
    const want = a.dmaAddress === null ? null : BigInt(a.dmaAddress)
    if (e.dma_address !== want)
      return `${a.sg}[${a.entry}] dma_address is ${e.dma_address === null ? 'unset' : hex(e.dma_address)}, expected ${want === null ? 'unset' : hex(want)}`
  }
  if (a.dmaAddressIsPhys !== undefined && e.page !== null) {
    const phys = pfnToPhys(e.page) + BigInt(e.offset)
    if ((e.dma_address === phys) !== a.dmaAddressIsPhys)
      return `${a.sg}[${a.entry}] dma_address ${e.dma_address === null ? 'unset' : hex(e.dma_address)} ${a.dmaAddressIsPhys ? '!=' : '=='} the CPU physical address ${hex(phys)}`
  }
  if (a.dmaLength !== undefined && BigInt(e.dma_length) !== parseSize(a.dmaLength))
    return `${a.sg}[${a.entry}] dma_length is ${e.dma_length}`
  if (a.length !== undefined && BigInt(e.length) !== parseSize(a.length))
    return `${a.sg}[${a.entry}] length is ${e.length}`
  if (a.p2pdma !== undefined && (e.page !== null && isP2pdmaPage(k, pageAt(w, e.page))) !== a.p2pdma)
    return `${a.sg}[${a.entry}] is${a.p2pdma ? ' not' : ''} a P2PDMA page`
  if (a.offset !== undefined && e.offset !== a.offset)
    return `${a.sg}[${a.entry}] offset is ${e.offset}, expected ${a.offset}`
  if (a.page !== undefined) {
    const want = sgPageWanted(w, a.page)
    if (typeof want === 'string') return want
    if (e.page !== want)
      return `${a.sg}[${a.entry}] sg_page() is pfn ${e.page === null ? 'NULL' : hex(e.page)}, expected ${hex(want)}`
  }
  return null
}

/** The pfn an sg assertion's `page` names: a hex pfn, or a page of a buffer / page array (else why not). */
function sgPageWanted(w: World, p: NonNullable<Of<'sg'>['page']>): bigint | string {
  if (typeof p === 'string') return BigInt(p)
  const idx = BigInt(p.offset ?? 0)
  const v = w.vars[p.pages]
  if (v?.kind === 'pages') {
    const e = pagesArrayEntry(v, idx)
    return e === null || typeof e === 'object'
      ? `pages[${idx}] of '${p.pages}' is not a page GUP returned`
      : e
  }
  if (v?.kind === 'buf') {
    const va = vaddr(v.va + idx * PAGE_SIZE)
    const pte = pteAt(w, v.mm, va)
    return pte ? pte[1].pfn + (va - pte[1].va) / PAGE_SIZE : `page ${idx} of '${p.pages}' is not mapped`
  }
  return `no buffer or page array '${p.pages}'`
}

function checkSgTable(k: Kernel, a: Of<'sgt'>): string | null {
  const w: World = k.world
  const m: Machine = k.machine
  const t = w.sgts[a.sgt]
  if (a.exists === false) return t ? `sg table '${a.sgt}' still exists` : null
  if (!t) return `no sg table '${a.sgt}'`
  if (a.nents !== undefined && t.nents !== a.nents)
    return `'${a.sgt}' nents is ${t.nents}, expected ${a.nents}`
  if (a.origNents !== undefined && t.orig_nents !== a.origNents)
    return `'${a.sgt}' orig_nents is ${t.orig_nents}, expected ${a.origNents}`
  if (a.mappedFor !== undefined) {
    const want = a.mappedFor === null ? null : resolveDev(m, a.mappedFor).id
    if (t.mappedFor !== want) return `'${a.sgt}' is mapped for ${t.mappedFor ?? 'nobody'}`
  }
  return null
}

function checkIommu(k: Kernel, a: Of<'iommu'>): string | null {
  const w: World = k.world
  const m: Machine = k.machine
  const dev = resolveDev(m, a.iommu)
  const maps = Object.entries(w.iovas).filter(([, x]) => x.dev === dev.id)
  if (a.mappings !== undefined && maps.length !== a.mappings)
    return `${dev.bdf}'s IOMMU domain has ${maps.length} mapping(s), expected ${a.mappings}`
  const allocs = new Set(maps.map(([key, x]) => x.alloc ?? key)).size
  if (a.allocations !== undefined && allocs !== a.allocations)
    return `${dev.bdf}'s IOMMU domain has ${allocs} IOVA allocation(s), expected ${a.allocations}`
  return null
}

function checkIova(k: Kernel, a: Of<'iova'>): string | null {
  const dev = resolveDev(k.machine, a.iova)
  const dma = BigInt(a.dma)
  const hit = Object.values(k.world.iovas).find(
    (x) => x.dev === dev.id && x.iova <= dma && dma < x.iova + x.size,
  )
  if (!hit) return `no IOVA mapping of ${dev.bdf} covers ${hex(dma)}`
  const phys = hit.paddr + (dma - hit.iova)
  return phys === BigInt(a.phys)
    ? null
    : `IOVA ${hex(dma)} of ${dev.bdf} translates to ${hex(phys)}, expected ${hex(BigInt(a.phys))}`
}

function checkMm(k: Kernel, a: Of<'mm'>): string | null {
  const w: World = k.world
  const mm = w.mms[a.mm]
  if (!mm) return `no process '${a.mm}'`
  return mm.pinned_vm === BigInt(a.pinnedVm)
    ? null
    : `pinned_vm of '${a.mm}' is ${mm.pinned_vm}, expected ${a.pinnedVm}`
}

function checkP2pmem(k: Kernel, a: Of<'p2pmem'>): string | null {
  const w: World = k.world
  const m: Machine = k.machine
  const dev = resolveDev(m, a.p2pmem)
  const st = w.p2pdma[dev.id]
  if (!st) return `${dev.bdf} has no p2pdma`
  const size = poolSize(st)
  if (a.size !== undefined && size !== parseSize(a.size)) return `p2pmem/size of ${dev.bdf} is ${size}`
  if (a.available !== undefined && poolAvailable(st) !== parseSize(a.available))
    return `p2pmem/available of ${dev.bdf} is ${poolAvailable(st)}`
  if (a.published !== undefined && st.published !== a.published)
    return `p2pmem/published of ${dev.bdf} is ${st.published ? 1 : 0}`
  return null
}

function checkHmmRange(k: Kernel, a: Of<'hmm'>): string | null {
  const w: World = k.world
  const v = w.vars[a.hmm]
  if (!v || v.kind !== 'hmm') return `no hmm range '${a.hmm}'`
  const e = v.entries.find((x) => BigInt(a.page) >= x.idx && BigInt(a.page) < x.idx + x.count)
  const flags = e?.flags ?? []
  const missing = arr(a.flags).filter((f) => !flags.includes(f))
  if (missing.length) return `${a.hmm}[${a.page}] flags ${flags.join('|') || '0'} lack ${missing.join('|')}`
  const extra = arr(a.noFlags).filter((f) => flags.includes(f))
  if (extra.length) return `${a.hmm}[${a.page}] flags ${flags.join('|')} include ${extra.join('|')}`
  if (a.pfn !== undefined) {
    const pf = e?.pfn === null || !e ? null : ((e.pfn + (BigInt(a.page) - e.idx)) as never)
    const page = pf === null ? null : pageAt(w, pf)
    const t = page?.pgmap ? w.pgmaps[page.pgmap]?.type : null
    const kind =
      pf === null
        ? 'none'
        : !page || page.kind === 'ram'
          ? 'ram'
          : t === 'MEMORY_DEVICE_PRIVATE'
            ? 'device_private'
            : t === 'MEMORY_DEVICE_COHERENT'
              ? 'device_coherent'
              : 'p2pdma'
    if (kind !== a.pfn) return `${a.hmm}[${a.page}] pfn is ${kind}, expected ${a.pfn}`
  }
  if (a.dma !== undefined) {
    const d = e?.dma === null || !e ? null : e.dma + (BigInt(a.page) - e.idx) * PAGE_SIZE
    const want = a.dma === null ? null : BigInt(a.dma)
    if (d !== want)
      return `${a.hmm}[${a.page}] dma is ${d === null ? 'none' : hex(d)}, expected ${want === null ? 'none' : hex(want)}`
  }
  return null
}

function checkPte(k: Kernel, a: Of<'pte'>): string | null {
  const w: World = k.world
  const v = w.vars[a.pte]
  if (!v || v.kind !== 'buf') return `no buffer '${a.pte}'`
  const va = vaddr(v.va + BigInt(a.offset ?? 0) * PAGE_SIZE)
  const p = pteAt(w, v.mm, va)
  const kind = !p
    ? 'none'
    : p[1].swp === 'device_private'
      ? 'device_private'
      : p[1].present
        ? 'present'
        : 'none'
  if (kind !== a.kind) return `PTE of '${a.pte}' page ${a.offset ?? 0} is ${kind}, expected ${a.kind}`
  if (a.special !== undefined && !!p?.[1].special !== a.special)
    return `PTE of '${a.pte}' page ${a.offset ?? 0} is ${p?.[1].special ? '' : 'not '}special, expected ${a.special ? '' : 'not '}special`
  if (a.type !== undefined && p) {
    const page = pageAt(w, (p[1].pfn + (va - p[1].va) / PAGE_SIZE) as never)
    const t = !page || page.kind === 'ram' ? 'ram' : (w.pgmaps[page.pgmap!]?.type ?? 'ram')
    if (t !== a.type) return `PTE of '${a.pte}' page ${a.offset ?? 0} maps ${t}, expected ${a.type}`
  }
  return null
}

function checkNotifier(k: Kernel, a: Of<'notifier'>): string | null {
  const w: World = k.world
  const id = w.odps[a.notifier]?.notifier ?? a.notifier
  const n = w.notifiers[id]
  if (!n) return `no notifier '${a.notifier}'`
  if (a.seq !== undefined && n.invalidate_seq !== a.seq)
    return `notifier '${id}' invalidate_seq is ${n.invalidate_seq}, expected ${a.seq}`
  if (a.lastContains !== undefined && !(n.last ?? '').includes(a.lastContains))
    return `notifier '${id}' last invalidation was ${n.last ?? 'none'}`
  if (a.lastOwner !== undefined) {
    const want = a.lastOwner === null ? null : resolveDev(k.machine, a.lastOwner).id
    if ((n.lastOwner ?? null) !== want)
      return `notifier '${id}' last invalidation carried owner ${n.lastOwner ?? 'NULL'}, expected ${want ?? 'NULL'}`
  }
  return null
}

function checkDevPtes(k: Kernel, a: Of<'devptes'>): string | null {
  const w: World = k.world
  const id = w.odps[a.devptes]?.notifier ?? a.devptes
  const n = Object.values(w.devptes)
    .filter((r) => r.owner === id)
    .reduce((s, r) => s + r.npages, 0n)
  return n === BigInt(a.count) ? null : `'${a.devptes}' has ${n} device PTE(s), expected ${a.count}`
}

function checkDmabuf(k: Kernel, a: Of<'dmabuf'>): string | null {
  const w: World = k.world
  const b = w.dmabufs[a.dmabuf]
  if (!b) return `no dma-buf '${a.dmabuf}'`
  if (a.placement !== undefined && b.placement !== a.placement)
    return `dma-buf '${a.dmabuf}' is in ${b.placement}`
  if (a.revoked !== undefined && b.revoked !== a.revoked)
    return `dma-buf '${a.dmabuf}' revoked is ${b.revoked}`
  return null
}

function checkAttachment(k: Kernel, a: Of<'attachment'>): string | null {
  const w: World = k.world
  const t = w.attachments[a.attachment]
  if (a.exists === false) return t ? `attachment '${a.attachment}' exists` : null
  if (!t) return `no attachment '${a.attachment}'`
  if (a.peer2peer !== undefined && t.peer2peer !== a.peer2peer)
    return `attachment '${a.attachment}' peer2peer is ${t.peer2peer}`
  if (a.moveNotifies !== undefined && t.moveNotifies !== a.moveNotifies)
    return `attachment '${a.attachment}' got ${t.moveNotifies} move_notify call(s)`
  return null
}

function checkPage(k: Kernel, a: Of<'pages'>): string | null {
  const r = pageOfName(k.world, a.pages, BigInt(a.offset ?? 0))
  const at = `page ${a.offset ?? 0} of '${a.pages}'`
  if (r.kind === 'unknown') return `no buffer or page array '${a.pages}'`
  if (r.kind === 'hole')
    return a.hole
      ? null
      : `${at} was never written by GUP (pages[${a.offset ?? 0}] is whatever the caller's array held; the PTE maps raw pfn ${hex(r.pfn)})`
  if (a.hole) return `${at} is an entry GUP wrote, not a hole`
  const page = r.page
  if (!page) return `${at} has no struct page`
  if (a.pinned !== undefined && page.pins > 0 !== a.pinned)
    return `${at} is${page.pins > 0 ? '' : ' not'} pinned`
  if (a.refcount !== undefined && page.refcount !== a.refcount) return `${at} has refcount ${page.refcount}`
  if (a.p2pdma !== undefined && isP2pdmaPage(k, page) !== a.p2pdma)
    return `${at} is${a.p2pdma ? ' not' : ''} a P2PDMA page`
  if (a.ram !== undefined && (page.kind === 'ram') !== a.ram) return `${at} is ${page.kind}`
  return null
}

export type PageLookup =
  { kind: 'page'; page: PageRun | null } | { kind: 'hole'; pfn: Pfn } | { kind: 'unknown' }

/**
 * The struct page behind page `index` of a named buffer (through its PTE) or of a named pages[]
 * array (any page of it, in array order, holes included: not only its first run).
 */
export function pageOfName(w: World, name: string, index: bigint): PageLookup {
  const v = w.vars[name]
  if (v?.kind === 'buf') {
    const va = vaddr(v.va + index * PAGE_SIZE)
    const pte = pteAt(w, v.mm, va)
    if (!pte || pte[1].special || !pte[1].present) return { kind: 'page', page: null }
    return { kind: 'page', page: pageAt(w, (pte[1].pfn + (va - pte[1].va) / PAGE_SIZE) as Pfn) }
  }
  if (v?.kind !== 'pages') return { kind: 'unknown' }
  const e = pagesArrayEntry(v, index)
  if (e === null) return { kind: 'page', page: null }
  if (typeof e === 'object') return { kind: 'hole', pfn: e.hole }
  return { kind: 'page', page: pageAt(w, e) }
}

/** pages[index] of a GUP result: its pfn, { hole } for an entry GUP never wrote, or null past the end. */
export function pagesArrayEntry(
  v: Extract<Var, { kind: 'pages' }>,
  index: bigint,
): Pfn | { hole: Pfn } | null {
  const holes = [...(v.holes ?? [])].sort((x, y) => (x.at < y.at ? -1 : 1))
  let i = 0n
  let run = 0
  let into = 0n
  let h = 0
  for (;;) {
    const hole = holes[h]
    if (hole && hole.at === i) {
      if (index < i + hole.count) return { hole: (hole.pfn + (index - i)) as Pfn }
      i += hole.count
      h++
      continue
    }
    const r = v.runs[run]
    if (!r) return null
    const left = r.count - into
    const until = hole ? hole.at - i : left
    const take = until < left ? until : left
    if (index < i + take) return (r.pfn + into + (index - i)) as Pfn
    i += take
    into += take
    if (into === r.count) {
      run++
      into = 0n
    }
  }
}

function checkMapType(k: Kernel, a: Of<'mapType'>): string | null {
  const w: World = k.world
  const m: Machine = k.machine
  const p = resolveDev(m, a.mapType.provider)
  const c = resolveDev(m, a.mapType.client)
  const got = w.p2pdma[p.id]?.map_types[c.id] ?? 'UNKNOWN'
  return got === a.equals ? null : `map_types[${c.bdf}] of ${p.bdf} is ${got}, expected ${a.equals}`
}

function checkUmem(k: Kernel, a: Of<'umem'>): string | null {
  const w: World = k.world
  const has = !!w.umems[a.umem]
  return has === a.exists ? null : `MR '${a.umem}' ${has ? 'exists' : 'does not exist'}`
}

function checkWarning(w: World, a: Of<'warning'>): string | null {
  const evs = Object.values(w.warnings).filter((e) => e.fn === a.warning || e.site === a.warning)
  const shown = evs.map((e) => `${e.file}:${e.line}`).join(', ')
  if (a.count !== undefined && evs.length !== a.count)
    return `${evs.length} WARN splat(s) from ${a.warning}${shown ? ` (${shown})` : ''}, expected ${a.count}`
  if (a.count === undefined && evs.length === 0) return `no WARN splat from ${a.warning}`
  if (a.line !== undefined && !evs.some((e) => e.line === a.line))
    return `the WARN splat(s) from ${a.warning} name ${shown || 'no line'}, expected line ${a.line}`
  return null
}

function checkPciDev(k: Kernel, a: Of<'pciDev'>): string | null {
  const v = k.world.vars[a.pciDev]
  if (!v || v.kind !== 'pci_dev') return `no struct pci_dev result '${a.pciDev}'`
  const want = a.is === null ? null : resolveDev(k.machine, a.is).id
  if (v.dev === want) return null
  const bdf = (id: string | null): string => (id === null ? 'NULL' : (k.machine.devs.get(id)?.bdf ?? id))
  return `'${a.pciDev}' is ${bdf(v.dev)}, expected ${bdf(want)}`
}

function checkValue(w: World, a: Of<'value'>): string | null {
  const v = w.vars[a.value]
  if (!v || v.kind !== 'value') return `no value named '${a.value}'`
  return v.value === BigInt(a.equals)
    ? null
    : `${v.what} '${a.value}' is ${hex(v.value)}, expected ${a.equals}`
}

function checkLog(w: World, a: Of<'logContains'>): string | null {
  const lines = Object.values(w.log)
  return lines.some((l) => l.includes(a.logContains))
    ? null
    : `no kernel log line contains "${a.logContains}"`
}
