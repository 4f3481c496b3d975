/**
 * worldView: the memory model as plain JSON-safe data for the renderer and the CLI (addresses as
 * hex strings, docs/design.md#the-ipc-contract), including a /proc/iomem-like list of physical ranges.
 */
import type { IomemRange, WorldView } from '../../../shared/model/mm'
import { hex } from '../core/addr'
import { RAM_SIZE, RAM_START, type World } from '../core/world'
import type { Machine } from '../topology/types'
import { poolAvailable, poolSize } from './p2pmem'

const bdfOf = (m: Machine, id: string): string => m.devs.get(id)?.bdf ?? id
const byStart = <T extends { start: string }>(a: T, b: T): number =>
  BigInt(a.start) < BigInt(b.start) ? -1 : 1

/** /proc/iomem-like: System RAM, every memory BAR, and the ZONE_DEVICE ranges covering BARs. */
export function iomem(m: Machine, w: World): IomemRange[] {
  const out: IomemRange[] = [
    { start: hex(RAM_START), end: hex(RAM_START + RAM_SIZE - 1n), name: 'System RAM', kind: 'ram' },
  ]
  for (const d of m.devs.values()) {
    for (const b of d.bars) {
      if (b.io || b.size === 0) continue
      out.push({
        start: hex(b.start),
        end: hex(BigInt(b.start) + BigInt(b.size) - 1n),
        name: `${d.bdf} BAR${b.index} (${d.label})`,
        kind: 'bar',
      })
    }
  }
  for (const pg of Object.values(w.pgmaps))
    out.push({
      start: hex(pg.start),
      end: hex(pg.start + pg.size - 1n),
      name: `${bdfOf(m, pg.dev)} ${pg.type}`,
      kind: 'zone_device',
    })
  return out.sort(byStart)
}

export function worldView(m: Machine, w: World): WorldView {
  return {
    processes: Object.values(w.mms).map((x) => ({
      name: x.id,
      pid: x.pid,
      comm: x.comm,
      pinned_vm: x.pinned_vm.toString(),
    })),
    ...mmView(w),
    pages: pagesView(w),
    p2pmem: Object.values(w.p2pdma).map((st) => ({
      dev: st.dev,
      bdf: bdfOf(m, st.dev),
      size: poolSize(st).toString(),
      available: poolAvailable(st).toString(),
      published: st.published,
      map_types: Object.fromEntries(Object.entries(st.map_types).map(([c, t]) => [bdfOf(m, c), t])),
    })),
    ...dmaView(m, w),
    umems: Object.values(w.umems).map((u) => ({
      id: u.id,
      dev: u.dev,
      address: hex(u.address),
      length: u.length.toString(),
      npages: u.pages.reduce((s, r) => s + r.count, 0n).toString(),
    })),
    vars: Object.fromEntries(Object.entries(w.vars).map(([k, v]) => [k, varText(m, v)])),
    log: Object.keys(w.log)
      .sort()
      .map((k) => w.log[k]!),
    iomem: iomem(m, w),
  }
}

/** The process address spaces: VMAs and PTE runs. */
function mmView(w: World): Pick<WorldView, 'vmas' | 'ptes'> {
  return {
    vmas: Object.entries(w.vmas).map(([key, v]) => ({
      key,
      mm: v.mm,
      vm_start: hex(v.vm_start),
      vm_end: hex(v.vm_end),
      vm_flags: [...v.vm_flags],
      vm_pgoff: hex(v.vm_pgoff),
      file: v.file,
      vm_ops: v.vm_ops,
      vm_page_prot: v.vm_page_prot,
    })),
    ptes: Object.values(w.ptes).map((p) => ({
      mm: p.mm,
      va: hex(p.va),
      npages: p.npages.toString(),
      pfn: hex(p.pfn),
      present: p.present,
      writable: p.writable,
      special: p.special,
      devmap: p.devmap,
    })),
  }
}

/** The struct page runs, by pfn. */
function pagesView(w: World): WorldView['pages'] {
  return Object.values(w.pages)
    .map((r) => ({
      pfn: hex(r.pfn),
      count: r.count.toString(),
      kind: r.kind,
      type: r.pgmap ? (w.pgmaps[r.pgmap]?.type ?? null) : null,
      pgmap: r.pgmap,
      refcount: r.refcount,
      pins: r.pins,
      mapcount: r.mapcount,
    }))
    .sort((a, b) => (BigInt(a.pfn) < BigInt(b.pfn) ? -1 : 1))
}

/** Scatterlists and IOMMU mappings. */
function dmaView(m: Machine, w: World): Pick<WorldView, 'sgts' | 'iommu'> {
  return {
    sgts: Object.values(w.sgts).map((t) => ({
      id: t.id,
      nents: t.nents,
      orig_nents: t.orig_nents,
      mappedFor: t.mappedFor ? bdfOf(m, t.mappedFor) : null,
      sgl: t.sgl.map((e) => ({
        page: e.page === null ? null : hex(e.page),
        offset: e.offset,
        length: e.length,
        dma_address: e.dma_address === null ? null : hex(e.dma_address),
        dma_length: e.dma_length,
        bus_address: e.bus_address,
      })),
    })),
    iommu: Object.values(w.iovas).map((x) => ({
      dev: x.dev,
      bdf: bdfOf(m, x.dev),
      iova: hex(x.iova),
      paddr: hex(x.paddr),
      size: x.size.toString(),
    })),
  }
}

/** A named scenario value in words. */
function varText(m: Machine, v: World['vars'][string]): string {
  switch (v.kind) {
    case 'buf':
      return `buffer ${hex(v.va)} +${v.len}`
    case 'hmm':
      return `hmm_pfns[${v.npages}] from ${hex(v.start)}: ${v.entries.map((e) => `${e.count}x ${e.flags.join('|') || '0'}`).join(', ')}`
    case 'pages': {
      const holes = v.holes?.reduce((s, h) => s + h.count, 0n) ?? 0n
      return `${v.runs.reduce((s, r) => s + r.count, 0n)} ${v.foll === 'pin' ? 'pinned' : 'referenced'} page(s)${holes ? `; ${holes} entr${holes === 1n ? 'y' : 'ies'} never written by GUP (${v.holes!.map((h) => `pages[${h.at}]`).join(', ')})` : ''}`
    }
    case 'pci_dev':
      return v.dev ? `struct pci_dev * ${bdfOf(m, v.dev)}` : 'NULL (no struct pci_dev)'
    case 'kaddr':
      return `kernel address ${hex(v.addr)} +${v.size} (p2pmem of ${bdfOf(m, v.provider)})`
    case 'value':
      return `${v.what} = ${hex(v.value)}`
  }
}
