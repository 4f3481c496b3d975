/**
 * The address map of an enumerated machine, nested like /proc/iomem (kernel/resource.c prints the
 * resource tree: System RAM, then "PCI Bus 0000:00" host bridge apertures containing bridge windows
 * containing BARs) and /proc/ioports, plus each endpoint's DMA view (dma-direct vs an IOMMU domain).
 *
 * Nesting is by containment: ranges are sorted by start (larger first on ties) and pushed on a
 * stack, which is how request_resource() ends up placing them below the innermost covering range.
 */
import type {
  AddressMapView,
  AddressRange,
  AddressRangeKind,
  DeviceDmaView,
} from '../../../shared/model/addressmap'
import { RAM_SIZE, RAM_START } from '../core/world'
import type { Machine, PciDev, Window } from './types'
import { hex } from '../core/addr'

interface Flat {
  start: number
  end: number
  name: string
  kind: AddressRangeKind
  owner: string | null
  bdf: string | null
  flags: string[]
  /** Tie-break at equal start and size: a window holds the BAR that fills it. */
  rank: number
}

const RANK: Record<AddressRangeKind, number> = {
  io_space: 0,
  ram: 0,
  host_window: 1,
  bridge_window: 2,
  bar: 3,
}

function open(w: Window | null): w is Window {
  return w !== null && w.end >= w.start
}

function nest(flat: Flat[]): AddressRange[] {
  flat.sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank)
  const roots: AddressRange[] = []
  const stack: { r: AddressRange; end: number }[] = []
  for (const f of flat) {
    while (stack.length > 0 && stack[stack.length - 1]!.end < f.start) stack.pop()
    const r: AddressRange = {
      start: hex(f.start),
      end: hex(f.end),
      size: f.end - f.start + 1,
      name: f.name,
      kind: f.kind,
      owner: f.owner,
      bdf: f.bdf,
      flags: f.flags,
      children: [],
    }
    const top = stack[stack.length - 1]
    if (top && f.end <= top.end) top.r.children.push(r)
    else roots.push(r)
    stack.push({ r, end: f.end })
  }
  return roots
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0')
}

/** The address map of `m`: /proc/iomem, /proc/ioports and the per-device DMA views. */
export function iomemTree(m: Machine): AddressMapView {
  const mem: Flat[] = [
    {
      start: Number(RAM_START),
      end: Number(RAM_START + RAM_SIZE) - 1,
      name: 'System RAM',
      kind: 'ram',
      owner: null,
      bdf: null,
      flags: [],
      rank: 0,
    },
  ]
  const io: Flat[] = []
  for (const hb of m.hostBridges) {
    const name = `PCI Bus ${hb.domain.toString(16).padStart(4, '0')}:${hex2(hb.busStart)} (${hb.label})`
    const base = { kind: 'host_window' as const, owner: hb.id, bdf: null, rank: RANK.host_window }
    if (open(hb.mmio32)) mem.push({ ...base, ...hb.mmio32, name, flags: [] })
    if (open(hb.mmio)) mem.push({ ...base, ...hb.mmio, name, flags: ['64bit', 'pref'] })
    if (open(hb.io)) io.push({ ...base, ...hb.io, name, flags: ['io'] })
  }
  for (const d of m.devs.values()) deviceRanges(d, mem, io)

  const dma = dmaViews(m)
  return {
    iomem: nest(mem),
    ioports: nest(io),
    dma,
    notes: [
      'System RAM is the engine’s one fixed range [4 GiB, 68 GiB); real machines split it around the below-4G MMIO hole.',
      'Host bridge apertures are the windows enumeration placed BARs in (32-bit and 64-bit), not the full firmware _CRS.',
    ],
  }
}

/** A function's ranges: its bridge windows (a bridge) and its BARs, into /proc/iomem or /proc/ioports. */
function deviceRanges(d: PciDev, mem: Flat[], io: Flat[]): void {
  const base = { owner: d.id, bdf: d.bdf, kind: 'bridge_window' as const, rank: RANK.bridge_window }
  const bus = d.secondary === null ? '' : ` (bus ${hex2(d.secondary)}-${hex2(d.subordinate ?? d.secondary)})`
  if (open(d.memWindow))
    mem.push({ ...base, ...d.memWindow, name: `${d.bdf} ${d.label} window${bus}`, flags: [] })
  if (open(d.prefWindow))
    mem.push({
      ...base,
      ...d.prefWindow,
      name: `${d.bdf} ${d.label} prefetchable window${bus}`,
      flags: ['64bit', 'pref'],
    })
  if (open(d.ioWindow))
    io.push({ ...base, ...d.ioWindow, name: `${d.bdf} ${d.label} I/O window${bus}`, flags: ['io'] })
  for (const b of d.bars) {
    if (b.size === 0) continue
    const flags = b.io ? ['io'] : [...(b.mem64 ? ['64bit'] : []), ...(b.prefetch ? ['pref'] : [])]
    const f: Flat = {
      start: b.start,
      end: b.start + b.size - 1,
      name: `${d.bdf} BAR${b.index} ${d.label}`,
      kind: 'bar',
      owner: d.id,
      bdf: d.bdf,
      flags,
      rank: RANK.bar,
    }
    ;(b.io ? io : mem).push(f)
  }
}

/** Each endpoint's view of DMA addresses: through the IOMMU, or dma-direct with the bus offset. */
function dmaViews(m: Machine): DeviceDmaView[] {
  const dma: DeviceDmaView[] = []
  const hbById = new Map(m.hostBridges.map((h) => [h.id, h]))
  for (const d of m.devs.values()) {
    if (d.isBridge || d.pcieType === 'host_device') continue
    const hb = hbById.get(d.hostBridge)
    const off = hb?.busOffset ?? 0
    const mode = m.settings.iommu ? 'iommu' : 'direct'
    const summary =
      mode === 'iommu'
        ? `IOMMU on: dma_map_*() returns IOVAs of ${d.bdf}'s IOMMU domain, translated to CPU physical addresses by the IOMMU; a peer's BAR is reached at its bus address only through a P2PDMA bus mapping (BUS_ADDR) or an IOVA (THRU_HOST_BRIDGE).`
        : `dma-direct: DMA address = CPU physical address ${off === 0 ? '(bus offset 0)' : `+ ${hex(off)} (the host bridge bus offset)`}; a peer's BAR is reached at its PCI bus address.`
    dma.push({
      id: d.id,
      bdf: d.bdf,
      label: d.label,
      mode,
      busOffset: hex(off),
      hostBridge: d.hostBridge,
      summary,
      bars: d.bars
        .filter((b) => !b.io && b.size > 0)
        .map((b) => ({ index: b.index, cpu: hex(b.start), bus: hex(b.busStart), size: b.size })),
    })
  }
  return dma
}
