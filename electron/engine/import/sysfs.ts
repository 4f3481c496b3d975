/**
 * "This machine": a capture of the files Linux exposes about its PCI tree, read by the application
 * layer (electron/app/sysfs/read.ts: `lab import --sysfs [ROOT]`, "Import this machine") and parsed
 * here. The capture is text, one file per section:
 *
 *   # p2p-dma-lab sysfs capture 1
 *   @ uname -r
 *   6.1.0-18-amd64
 *   @ /sys/bus/pci/devices/0000:00:01.0/path        the device's directory under /sys/devices
 *   pci0000:00/0000:00:01.0
 *   @ /sys/bus/pci/devices/0000:00:01.0/config hex  config space as hex (64 bytes without root,
 *   8086...                                          256 or 4096 bytes with root)
 *   @ /sys/bus/pci/devices/0000:00:01.0/resource     one 'start end flags' line per resource
 *   @ /sys/bus/pci/devices/0000:00:01.0/driver       the bound driver's name
 *   @ /sys/bus/pci/devices/0000:00:01.0/numa_node, local_cpulist, p2pmem/size
 *   @ /proc/cmdline                                  only pci=… and IOMMU parameters are kept
 *   @ /sys/class/iommu                               one IOMMU per line (dmar0, ivhd0)
 *   @ /proc/cpuinfo                                  vendor_id, cpu family, model, model name
 *
 * From config space: ids, class, header type, bus numbers of bridges, the PCI Express port type
 * (capability 0x10) and the ACS extended capability (0x000d, beyond byte 255: root only). From
 * `resource`: BAR sizes and flags (IORESOURCE_IO 0x100, _MEM 0x200, _PREFETCH 0x2000, _MEM_64
 * 0x100000). From the directory path: the tree and the host bridges (pciDDDD:BB).
 */
import {
  ERAS,
  type CpuSpec,
  type Era,
  type ImportReport,
  type LabFile,
  type TopoNodeSpec,
} from '../../../shared/model/topology'
import { ACS_BIT, ACS_FLAGS, type AcsFlag, type BarSpec } from '../../../shared/model/topology'
import {
  ImportFailure,
  assignBusEnds,
  classifyBridgesByPosition,
  clampLabel,
  endpointNode,
  endpointTypeFromClass,
} from './common'
import { hostBridgeId, makeLab, newReport, parseBdf, pciId, safeDriver, warn } from './common'
import { idsName } from '../pciids/names'
import { vendorOfCpuid } from '../p2pdma/cpu'

export const SYSFS_MAGIC = '# p2p-dma-lab sysfs capture'

export function looksLikeSysfsCapture(head: string): boolean {
  return head.replace(/^\uFEFF/, '').startsWith(SYSFS_MAGIC)
}

type Sections = Map<string, { line: number; text: string }>

function sections(text: string): Sections {
  const out: Sections = new Map()
  const lines = text.split('\n')
  let name: string | null = null
  let start = 0
  let body: string[] = []
  const flush = (): void => {
    if (name !== null) out.set(name, { line: start, text: body.join('\n').trim() })
  }
  lines.forEach((l, i) => {
    if (l.startsWith('@ ')) {
      flush()
      name = l.slice(2).trim()
      start = i + 1
      body = []
    } else if (name !== null) body.push(l)
  })
  flush()
  return out
}

/** The nearest era at or below a kernel release ('6.1.0-18-amd64' → v6.1, '6.8.0' → v6.4). */
export function eraOfRelease(release: string): { era: Era; exact: boolean } | null {
  const m = /^(\d+)\.(\d+)/.exec(release.trim())
  if (!m) return null
  const v = Number(m[1]) * 1000 + Number(m[2])
  let best: Era | null = null
  let bestV = -1
  for (const e of ERAS) {
    const x = /^v(\d+)\.(\d+)$/.exec(e)
    if (!x) continue
    const ev = Number(x[1]) * 1000 + Number(x[2])
    if (ev <= v && ev > bestV) {
      best = e
      bestV = ev
    }
  }
  return best ? { era: best, exact: bestV === v } : null
}

interface Cfg {
  bytes: Uint8Array
}
const r8 = (c: Cfg, o: number): number => c.bytes[o] ?? 0
const r16 = (c: Cfg, o: number): number => r8(c, o) | (r8(c, o + 1) << 8)
const r32 = (c: Cfg, o: number): number => (r16(c, o) | (r16(c, o + 2) << 16)) >>> 0

/** The PCI Express capability's port type (PCI_EXP_FLAGS_TYPE), or null without one / unreadable. */
function pcieType(c: Cfg): number | null {
  if ((r16(c, 0x06) & 0x10) === 0 || c.bytes.length < 0x40) return null
  let p = r8(c, 0x34) & 0xfc
  for (let n = 0; p >= 0x40 && p + 4 <= c.bytes.length && n < 48; n++) {
    if (r8(c, p) === 0x10) return (r16(c, p + 2) >> 4) & 0xf
    p = r8(c, p + 1) & 0xfc
  }
  return null
}

/** The ACS extended capability: capability and control bits, null when absent, undefined when unreadable. */
function acsOf(c: Cfg): { cap: number; ctrl: number } | null | undefined {
  if (c.bytes.length < 0x104) return undefined
  let p = 0x100
  for (let n = 0; p >= 0x100 && p + 8 <= c.bytes.length && n < 96; n++) {
    const h = r32(c, p)
    if (h === 0 || h === 0xffffffff) return null
    if ((h & 0xffff) === 0x000d) return { cap: r16(c, p + 4), ctrl: r16(c, p + 6) }
    p = (h >>> 20) & 0xffc
  }
  return null
}

const flags = (mask: number): AcsFlag[] => ACS_FLAGS.filter((f) => (mask & ACS_BIT[f]) !== 0)

/** BARs from a sysfs `resource` file (lines 0..5; 64-bit BARs leave the next line empty). */
function barsOf(text: string): BarSpec[] {
  const out: BarSpec[] = []
  text
    .split('\n')
    .slice(0, 6)
    .forEach((l, index) => {
      const m = /^0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/i.exec(l.trim())
      if (!m) return
      const start = Number.parseInt(m[1]!, 16)
      const end = Number.parseInt(m[2]!, 16)
      const fl = Number.parseInt(m[3]!, 16)
      if (end <= start && start === 0) return
      const size = end - start + 1
      if (size < 4 || ((size & (size - 1)) !== 0 && size < 2 ** 31)) return
      const io = (fl & 0x100) !== 0
      if (!io && (fl & 0x200) === 0) return
      const bar: BarSpec = { index, size }
      if (io) bar.io = true
      if (fl & 0x100000) bar.mem64 = true
      if (fl & 0x2000) bar.prefetch = true
      out.push(bar)
    })
  return out
}

function cpuOf(text: string | undefined): CpuSpec | null {
  if (!text) return null
  const get = (k: string): string | undefined =>
    new RegExp(`^${k}\\s*:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim()
  const v = get('vendor_id')
  const fam = get('cpu family')
  if (!v || !fam || !/^\d+$/.test(fam)) return null
  const cpu: CpuSpec = {
    vendor: vendorOfCpuid(v) ?? 'other',
    family: Math.min(Number(fam), 0x1ff),
  }
  const model = get('model')
  if (model && /^\d+$/.test(model)) cpu.model = Math.min(Number(model), 0xfff)
  const name = get('model name')
  if (name) cpu.name = clampLabel(name)
  return cpu
}

export function importSysfs(fileName: string, text: string): { lab: LabFile; report: ImportReport } {
  if (!looksLikeSysfsCapture(text))
    throw new ImportFailure('not a p2p-dma-lab sysfs capture', { line: 1, column: 1 })
  const s = sections(text)
  const report = newReport('sysfs', fileName)
  const devs = new Map<string, Map<string, string>>() // BDF → file → text
  for (const [name, v] of s) {
    const m = /^\/sys\/bus\/pci\/devices\/([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\/(.+)$/.exec(name)
    if (!m) continue
    const files = devs.get(m[1]!) ?? new Map<string, string>()
    files.set(m[2]!, v.text)
    devs.set(m[1]!, files)
  }
  if (devs.size === 0)
    throw new ImportFailure(
      'the capture lists no PCI device (/sys/bus/pci/devices was empty or unreadable)',
      { line: 1 },
    )

  const nodes: TopoNodeSpec[] = []
  const unknown = new Set<string>()
  const hosts = new Map<string, TopoNodeSpec>()
  let short = 0
  let acsUnread = 0
  let published = 0
  const counts = { pciDevices: 0, hostBridges: 0, bridges: 0 }
  const sorted = [...devs.keys()].sort()
  for (const bdfText of sorted) {
    const files = devs.get(bdfText)!
    const bdf = parseBdf(bdfText)!
    const path = (files.get('path') ?? '').split('/').filter(Boolean)
    const root = path.find((p) => /^pci[0-9a-f]{4}:[0-9a-f]{2}$/.test(p)) ?? `pci${bdfText.slice(0, 7)}`
    const domain = parseInt(root.slice(3, 7), 16)
    const rootBus = parseInt(root.slice(8, 10), 16)
    const hbId = hostBridgeId(domain, rootBus)
    let hb = hosts.get(hbId)
    if (!hb) {
      counts.hostBridges++
      hb = {
        id: hbId,
        kind: 'host_bridge',
        parent: null,
        label: `Host bridge ${root.slice(3)}`,
        host: { domain, rootBus, numaNode: 0, hostDevice: null },
      }
      hosts.set(hbId, hb)
      nodes.push(hb)
    }
    const hex = (files.get('config hex') ?? '').replace(/\s+/g, '')
    const bytes = new Uint8Array(Math.floor(hex.length / 2))
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
    const c: Cfg = { bytes }
    if (bytes.length < 64)
      throw new ImportFailure(
        `${bdfText}: config space has ${bytes.length} bytes; at least 64 are readable by anyone`,
        { line: s.get(`/sys/bus/pci/devices/${bdfText}/config hex`)?.line ?? 1 },
      )
    if (bytes.length < 256) short++
    const vendor = r16(c, 0)
    const device = r16(c, 2)
    const classCode = (r8(c, 0x0b) << 16) | (r8(c, 0x0a) << 8) | r8(c, 0x09)
    const header = r8(c, 0x0e) & 0x7f
    const parentBdf = path.length >= 2 ? path[path.length - 2]! : root
    const parent = /^pci/.test(parentBdf)
      ? hbId
      : pciId(...(Object.values(parseBdf(parentBdf) ?? bdf) as [number, number, number, number]))
    const numa = Number(files.get('numa_node') ?? '-1')
    const cpus = files.get('local_cpulist')?.trim()
    if (parent === hbId && hb.host) {
      if (Number.isInteger(numa) && numa >= 0) hb.host.numaNode = Math.min(numa, 1023)
      if (cpus && /^[0-9,-]+$/.test(cpus) && !hb.host.cpus) hb.host.cpus = cpus
    }
    // the host bridge's own function at 00.0 on the root bus (class 0600)
    if (parent === hbId && bdf.dev === 0 && bdf.fn === 0 && classCode >> 8 === 0x0600 && hb.host) {
      hb.host.hostDevice = {
        vendor,
        device,
        classCode,
        label: clampLabel(idsName(vendor, device, classCode) ?? 'host bridge'),
      }
      continue
    }
    const id = pciId(bdf.domain, bdf.bus, bdf.dev, bdf.fn)
    const name = idsName(vendor, device, classCode) ?? `${vendor.toString(16)}:${device.toString(16)}`
    const acs = acsOf(c)
    if (acs === undefined) acsUnread++
    const pt = pcieType(c)
    if (header === 1) {
      counts.bridges++
      const kind =
        pt === 4 ? 'root_port' : pt === 5 ? 'switch_upstream' : pt === 6 ? 'switch_downstream' : 'pci_bridge'
      const n: TopoNodeSpec = {
        id,
        kind,
        parent,
        slot: bdf.dev,
        fn: bdf.fn,
        vendor,
        device,
        classCode,
        label: clampLabel(name),
      }
      if (acs) n.acs = { cap: flags(acs.cap), ctrl: flags(acs.ctrl) }
      if (pt === null) unknown.add(id)
      nodes.push(n)
      continue
    }
    counts.pciDevices++
    const type = endpointTypeFromClass(classCode, vendor)
    const bars = barsOf(files.get('resource') ?? '')
    const n = endpointNode({
      id,
      parent,
      label: name,
      slot: bdf.dev,
      fn: bdf.fn,
      vendor,
      device,
      classCode,
      type,
      bars,
      driver: files.get('driver')?.trim() || undefined,
    })
    if (acs) n.acs = { cap: flags(acs.cap), ctrl: flags(acs.ctrl) }
    // a p2pmem/ directory: a driver published memory with pci_p2pdma_add_resource()
    if (files.has('p2pmem/size') && n.endpoint) {
      const size = Number(files.get('p2pmem/size'))
      const bar = bars.filter((b) => !b.io && b.size >= size).sort((a, b) => b.index - a.index)[0]
      if (bar) {
        n.endpoint.p2pmemBar = bar.index
        published++
      }
    }
    nodes.push(n)
  }
  classifyBridgesByPosition(nodes, unknown)
  assignBusEnds(nodes)

  // settings: era from the running kernel, IOMMU, pci=disable_acs_redir=
  const lab = makeLab(`This machine`, `Read from sysfs (${fileName}).`, {
    name: 'This machine',
    cpu: cpuOf(s.get('/proc/cpuinfo')?.text),
    nodes,
  })
  const release = s.get('uname -r')?.text ?? ''
  const era = eraOfRelease(release)
  if (era) {
    lab.settings.era = era.era
    report.assumed.push(
      `kernel ${release}: era ${era.era}${era.exact ? '' : ` (the nearest modelled era at or below ${release.split('-')[0]})`}`,
    )
  } else report.assumed.push(`kernel release unknown ("${release}"): era ${lab.settings.era}`)
  const cmdline = s.get('/proc/cmdline')?.text ?? ''
  const acsParam = /(?:^|\s)pci=(?:[^\s]*,)?disable_acs_redir=([^\s,]+)/.exec(cmdline)?.[1]
  if (acsParam) lab.settings.disableAcsRedir = acsParam.slice(0, 1000)
  const iommus = (s.get('/sys/class/iommu')?.text ?? '').split('\n').filter((l) => l.trim())
  const off = /(?:^|\s)(intel_iommu=off|amd_iommu=off|iommu=off)/.test(cmdline)
  lab.settings.iommu = iommus.length > 0 && !off
  report.assumed.push(
    iommus.length > 0
      ? `IOMMU ${lab.settings.iommu ? 'on' : 'off'}: /sys/class/iommu lists ${iommus.join(', ')}${off ? ' but the command line turns it off' : ''}`
      : 'IOMMU off: /sys/class/iommu is empty',
  )
  if (acsParam) report.assumed.push(`pci=disable_acs_redir=${acsParam} from /proc/cmdline`)
  report.counts = { ...counts, iommus: iommus.length, p2pmemPublished: published }
  report.cannotCarry.push('NVLink, link width and IOMMU groups')
  if (short > 0)
    report.warnings.push(
      `${short} device(s) expose only 64 bytes of config space: reading 256/4096 bytes (capabilities, ACS) needs root — run lab import --sysfs as root for port types and ACS`,
    )
  if (acsUnread > 0)
    report.assumed.push(
      `ACS unknown on ${acsUnread} function(s) (extended config space beyond byte 255 is readable by root only): assumed absent`,
    )
  if (unknown.size > 0)
    report.assumed.push(
      `${unknown.size} bridge(s) without a readable PCI Express capability: port type inferred from position`,
    )
  if (published === 0)
    report.assumed.push(
      'no device has a p2pmem/ directory: no driver published memory with pci_p2pdma_add_resource()',
    )
  if (lab.machine.cpu === null)
    warn(report, '/proc/cpuinfo has no vendor_id / cpu family: the CPU is inferred from the host bridges')
  return { lab, report }
}
