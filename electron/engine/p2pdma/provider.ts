/**
 * A minimal P2PDMA provider registry: pci_p2pdma_add_resource(), pci_p2pmem_publish(),
 * pci_has_p2pmem(), pci_alloc_p2pmem()/pci_free_p2pmem(), pci_p2pmem_alloc_sgl(),
 * pci_p2pmem_virt_to_bus() and the p2pmem/ sysfs values (drivers/pci/p2pdma.c; docs/kernel/p2pdma.md#provider-side).
 *
 * Plain immutable data in and out: every function returns a new registry.
 *
 * Simplification: a kernel virtual address (devm_memremap_pages(), __va()) is modelled by the CPU
 * physical address it maps (x86-64 direct-map addresses such as 0xffff8880_00000000 + phys do not
 * fit a JS number). The gen_pool's "phys" value is, as in the kernel, the PCI *bus* address.
 */
import type { Era } from '../../../shared/model/topology'
import type { Decision } from '../../../shared/model/p2p'
import { eraSource, nameRange, p2pRules } from '../era/index'
import type { Machine, PciDev } from '../topology/types'
import { dec, devLog, kfmt, pciDev } from './pci'

const FILE = 'drivers/pci/p2pdma.c'
/** gen_pool_create(PAGE_SHIFT, ...): allocation granule. */
export const PAGE_SIZE = 4096

/** One gen_pool chunk: gen_pool_add_virt/owner(pool, virt, bus, size). */
export interface GenPoolChunk {
  /** Start "virtual" address (modelled as the CPU physical address, see the file comment). */
  virt: number
  /** The value stored as the chunk's phys_addr: the PCI bus address (pci_bus_address() + offset). */
  bus: number
  size: number
  /** Allocated ranges [virt, virt + size) within this chunk, sorted, page-rounded. */
  allocs: readonly { virt: number; size: number }[]
}

/** struct dev_pagemap of a registered range (MEMORY_DEVICE_PCI_P2PDMA). */
export interface P2pPagemap {
  bar: number
  /** CPU physical range, inclusive end (pgmap->res / pgmap->range). */
  start: number
  end: number
  /** pci_bus_address(bar) - pci_resource_start(bar). */
  bus_offset: number
}

/** struct pci_p2pdma (pool, published flag) plus the pagemaps the device registered. */
export interface P2pdmaState {
  published: boolean
  /** Newest chunk first: gen_pool_add_owner() uses list_add_rcu(), i.e. inserts at the head. */
  chunks: readonly GenPoolChunk[]
  pagemaps: readonly P2pPagemap[]
}

/** pdev->p2pdma for every device that has one, by node id. */
export interface P2pdmaRegistry {
  readonly devs: Readonly<Record<string, P2pdmaState>>
}

export const EMPTY_REGISTRY: P2pdmaRegistry = { devs: {} }

/** The PCI function `dev` names and its pdev->p2pdma in `reg` (undefined: none was set up). */
function p2pdmaOf(m: Machine, reg: P2pdmaRegistry, dev: string): { d: PciDev; st: P2pdmaState | undefined } {
  const d = pciDev(m, dev)
  return { d, st: reg.devs[d.id] }
}

export interface AddResourceResult {
  /** 0 or -EINVAL (-22). */
  ret: number
  errno: 'EINVAL' | null
  registry: P2pdmaRegistry
  /** pci_info() line on success. */
  log: string | null
  decisions: Decision[]
}

const hex = (n: number): string => `0x${n.toString(16)}`
const hexPad10 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`

/**
 * pciP2pdmaAddResource - register (part of) a memory BAR as p2pmem.
 * Mirrors drivers/pci/p2pdma.c: pci_p2pdma_add_resource() (checks identical in S1, S3, S4, S6).
 *
 * -EINVAL when the BAR is not IORESOURCE_MEM (an I/O BAR or an unimplemented BAR), when
 * offset >= len, or when size + offset > len; size 0 means len - offset. On success the first call
 * creates pdev->p2pdma (gen_pool with PAGE_SHIFT order, sysfs group p2pmem/ with size, available,
 * published), a MEMORY_DEVICE_PCI_P2PDMA pagemap covers [start + offset, start + offset + size - 1],
 * and the pool gets a chunk whose "phys" value is the bus address. Logs "added peer-to-peer DMA
 * memory %pR" (5.x: S1, S3) or "%#llx-%#llx" of pgmap->range (6.x: S4 index id 64779093; oracle:
 * "0xfa000000-0xfaffffff").
 *
 * Errnos: -EINVAL.
 * Simplification: -ENOMEM and devm_memremap_pages() failures are not modelled; the 5.x %pR flag
 * text (" 64bit", " pref") follows lib/vsprintf.c from memory (unverified).
 */
export function pciP2pdmaAddResource(
  m: Machine,
  reg: P2pdmaRegistry,
  dev: string,
  bar: number,
  size: number,
  offset: number,
  era: Era = m.settings.era,
): AddResourceResult {
  const d = pciDev(m, dev)
  const base = {
    fn: 'pci_p2pdma_add_resource',
    file: FILE,
    eras: nameRange('pci_p2pdma_add_resource'),
    source: eraSource(era),
  }
  const fail = (text: string): AddResourceResult => ({
    ret: -22,
    errno: 'EINVAL',
    registry: reg,
    log: null,
    decisions: [dec(base, `${text}: -EINVAL`, false)],
  })
  const b = d.bars.find((x) => x.index === bar)
  if (!b || b.io || b.size === 0)
    return fail(
      `BAR ${bar} of ${d.bdf} is ${b ? 'an I/O BAR' : 'not implemented'}: pci_resource_flags() lacks IORESOURCE_MEM`,
    )
  const len = b.size
  if (offset >= len) return fail(`offset ${hex(offset)} >= pci_resource_len() ${hex(len)}`)
  const sz = size === 0 ? len - offset : size
  if (sz + offset > len)
    return fail(`size ${hex(sz)} + offset ${hex(offset)} > pci_resource_len() ${hex(len)}`)
  const start = b.start + offset
  const end = start + sz - 1
  const prev = reg.devs[d.id]
  const state: P2pdmaState = {
    published: prev?.published ?? false,
    chunks: [{ virt: start, bus: b.busStart + offset, size: sz, allocs: [] }, ...(prev?.chunks ?? [])],
    pagemaps: [...(prev?.pagemaps ?? []), { bar, start, end, bus_offset: b.busStart - b.start }],
  }
  // %pR prints the struct resource: [mem 0x…-0x… 64bit pref]
  const pR = `[mem ${hexPad10(start)}-${hexPad10(end)}${b.mem64 ? ' 64bit' : ''}${b.prefetch ? ' pref' : ''}]`
  const fmt = p2pRules(era).texts.addedMemory
  const added = fmt.includes('%pR') ? kfmt(fmt, pR) : kfmt(fmt, hex(start), hex(end))
  return {
    ret: 0,
    errno: null,
    registry: { devs: { ...reg.devs, [d.id]: state } },
    log: devLog(d, added),
    decisions: [
      ...(prev
        ? []
        : [
            dec(
              base,
              `${d.bdf} gets pdev->p2pdma: a gen_pool (order PAGE_SHIFT) and the sysfs group p2pmem/`,
              true,
              'pci_p2pdma_setup',
            ),
          ]),
      dec(
        base,
        `BAR ${bar} [${hex(start)}-${hex(end)}] (${sz} bytes) becomes ZONE_DEVICE p2pmem; the pool records bus address ${hex(b.busStart + offset)}`,
        true,
      ),
    ],
  }
}

/**
 * pciP2pmemPublish - mark the device's p2pmem as usable by other drivers (pci_p2pmem_find_many()).
 * Mirrors drivers/pci/p2pdma.c: pci_p2pmem_publish(); a no-op without pdev->p2pdma.
 *
 * Errnos: none.
 */
export function pciP2pmemPublish(
  m: Machine,
  reg: P2pdmaRegistry,
  dev: string,
  publish: boolean,
): P2pdmaRegistry {
  const { d, st } = p2pdmaOf(m, reg, dev)
  if (!st) return reg
  return { devs: { ...reg.devs, [d.id]: { ...st, published: publish } } }
}

/**
 * pciHasP2pmem - pdev->p2pdma && p2pmem_published (S6 also requires a pool, which every registry
 * entry here has). Mirrors drivers/pci/p2pdma.c: pci_has_p2pmem().
 *
 * Errnos: none.
 */
export function pciHasP2pmem(m: Machine, reg: P2pdmaRegistry, dev: string): boolean {
  const st = reg.devs[pciDev(m, dev).id]
  return !!st && st.published
}

/** Providers with published p2pmem, in for_each_pci_dev() (enumeration) order. */
export function publishedProviders(m: Machine, reg: P2pdmaRegistry): string[] {
  const out: string[] = []
  for (const d of m.devs.values()) if (reg.devs[d.id]?.published) out.push(d.id)
  return out
}

/** P2pCtx.hasP2pdma for distance-many.ts: does the provider have pdev->p2pdma? */
export function hasP2pdmaFn(reg: P2pdmaRegistry): (id: string) => boolean {
  return (id) => id in reg.devs
}

const roundUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE

function poolSize(st: P2pdmaState): number {
  return st.chunks.reduce((s, c) => s + c.size, 0)
}

function poolAvail(st: P2pdmaState): number {
  return st.chunks.reduce((s, c) => s + c.size - c.allocs.reduce((a, x) => a + x.size, 0), 0)
}

export interface AllocResult {
  /** The allocated address (virt model), or null for NULL. */
  addr: number | null
  /** pci_p2pmem_virt_to_bus(addr). */
  bus: number | null
  registry: P2pdmaRegistry
  decisions: Decision[]
}

/**
 * pciAllocP2pmem - allocate p2pmem from a device's pool.
 * Mirrors drivers/pci/p2pdma.c: pci_alloc_p2pmem() (v5.0 S1: percpu_ref then gen_pool_alloc();
 * 5.4+ S3/S4: gen_pool_alloc_owner() then percpu_ref_tryget_live()).
 *
 * NULL without pdev->p2pdma, for size 0 (gen_pool_alloc()), or when no chunk has a free run of
 * ceil(size / PAGE_SIZE) pages. gen_pool_first_fit: chunks are searched newest first, each from its
 * start.
 *
 * Errnos: none (returns NULL).
 * Simplification: the percpu_ref (device going away) is not modelled.
 */
export function pciAllocP2pmem(m: Machine, reg: P2pdmaRegistry, dev: string, size: number): AllocResult {
  const { d, st } = p2pdmaOf(m, reg, dev)
  const base = { fn: 'pci_alloc_p2pmem', file: FILE, eras: nameRange('pci_alloc_p2pmem'), source: 'S1/S3/S4' }
  if (!st)
    return {
      addr: null,
      bus: null,
      registry: reg,
      decisions: [dec(base, `${d.bdf} has no p2pdma (pdev->p2pdma == NULL): NULL`, false)],
    }
  if (size <= 0)
    return {
      addr: null,
      bus: null,
      registry: reg,
      decisions: [dec(base, 'size 0: gen_pool_alloc() returns 0: NULL', false, 'gen_pool_alloc')],
    }
  const need = roundUp(size)
  for (let ci = 0; ci < st.chunks.length; ci++) {
    const c = st.chunks[ci] as GenPoolChunk
    let cursor = c.virt
    let slot = -1
    for (let i = 0; i <= c.allocs.length; i++) {
      const next = i < c.allocs.length ? (c.allocs[i] as { virt: number }).virt : c.virt + c.size
      if (next - cursor >= need) {
        slot = i
        break
      }
      if (i < c.allocs.length) {
        const a = c.allocs[i] as { virt: number; size: number }
        cursor = a.virt + a.size
      }
    }
    if (slot < 0) continue
    const allocs = [...c.allocs.slice(0, slot), { virt: cursor, size: need }, ...c.allocs.slice(slot)]
    const chunks = st.chunks.map((x, i) => (i === ci ? { ...c, allocs } : x))
    const bus = c.bus + (cursor - c.virt)
    return {
      addr: cursor,
      bus,
      registry: { devs: { ...reg.devs, [d.id]: { ...st, chunks } } },
      decisions: [
        dec(base, `${need} bytes at ${hex(cursor)} (bus address ${hex(bus)}) from ${d.bdf}'s pool`, true),
      ],
    }
  }
  return {
    addr: null,
    bus: null,
    registry: reg,
    decisions: [
      dec(
        base,
        `${d.bdf}'s pool has no free run of ${need} bytes (available ${poolAvail(st)} of ${poolSize(st)}): NULL`,
        false,
      ),
    ],
  }
}

/**
 * pciFreeP2pmem - return an allocation to the pool.
 * Mirrors drivers/pci/p2pdma.c: pci_free_p2pmem().
 *
 * Errnos: none. Freeing something not allocated is a kernel bug (gen_pool BUG_ON); here it throws.
 */
export function pciFreeP2pmem(
  m: Machine,
  reg: P2pdmaRegistry,
  dev: string,
  addr: number,
  size: number,
): P2pdmaRegistry {
  const { d, st } = p2pdmaOf(m, reg, dev)
  if (!st) throw new Error(`pci_free_p2pmem: ${d.bdf} has no p2pdma`)
  const need = roundUp(size)
  let found = false
  const chunks = st.chunks.map((c) => {
    const i = c.allocs.findIndex((a) => a.virt === addr && a.size === need)
    if (i < 0) return c
    found = true
    return { ...c, allocs: [...c.allocs.slice(0, i), ...c.allocs.slice(i + 1)] }
  })
  if (!found) throw new Error(`pci_free_p2pmem: ${hex(addr)}+${size} was not allocated from ${d.bdf}`)
  return { devs: { ...reg.devs, [d.id]: { ...st, chunks } } }
}

/**
 * pciP2pmemVirtToBus - the PCI bus address of p2pmem (gen_pool_virt_to_phys() returns the bus
 * address because the pool was filled with bus addresses). Mirrors drivers/pci/p2pdma.c:
 * pci_p2pmem_virt_to_bus(); 0 for a NULL address, no p2pdma, or an address outside the pool.
 *
 * Errnos: none.
 */
export function pciP2pmemVirtToBus(
  m: Machine,
  reg: P2pdmaRegistry,
  dev: string,
  addr: number | null,
): number {
  const st = reg.devs[pciDev(m, dev).id]
  if (!addr || !st) return 0
  for (const c of st.chunks) if (addr >= c.virt && addr < c.virt + c.size) return c.bus + (addr - c.virt)
  return 0
}

/**
 * pciP2pmemAllocSgl - one scatterlist entry of `length` bytes of p2pmem (nents = 1).
 * Mirrors drivers/pci/p2pdma.c: pci_p2pmem_alloc_sgl(); NULL when pci_alloc_p2pmem() fails.
 *
 * Errnos: none (returns NULL).
 */
export function pciP2pmemAllocSgl(
  m: Machine,
  reg: P2pdmaRegistry,
  dev: string,
  length: number,
): {
  sgl: { addr: number; length: number; bus: number }[] | null
  nents: number
  registry: P2pdmaRegistry
  decisions: Decision[]
} {
  const a = pciAllocP2pmem(m, reg, dev, length)
  if (a.addr === null || a.bus === null) return { sgl: null, nents: 0, registry: reg, decisions: a.decisions }
  return {
    sgl: [{ addr: a.addr, length, bus: a.bus }],
    nents: 1,
    registry: a.registry,
    decisions: a.decisions,
  }
}

export interface P2pmemSysfs {
  size: number
  available: number
  published: 0 | 1
  /** File contents as read(2) returns them ("%zd\n", "%d\n"). */
  text: { size: string; available: string; published: string }
}

/**
 * p2pmemSysfs - /sys/bus/pci/devices/<bdf>/p2pmem/{size,available,published}, or null when the
 * group does not exist (no pdev->p2pdma). Mirrors size_show()/available_show()/published_show()
 * (gen_pool_size(), gen_pool_avail()).
 */
export function p2pmemSysfs(m: Machine, reg: P2pdmaRegistry, dev: string): P2pmemSysfs | null {
  const st = reg.devs[pciDev(m, dev).id]
  if (!st) return null
  const size = poolSize(st)
  const available = poolAvail(st)
  const published = st.published ? 1 : 0
  return {
    size,
    available,
    published,
    text: { size: `${size}\n`, available: `${available}\n`, published: `${published}\n` },
  }
}
