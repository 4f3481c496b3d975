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
 *   @ /sys/bus/pci/devices/0000:00:01.0/driver       the bound driver's name (iommu_group: its number)
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
import { hostBridgeId, makeLab, newReport, parseBdf, pciId } from './common'
import { idsName } from '../pciids/names'
import { vendorOfCpuid } from '../p2pdma/cpu'

export const SYSFS_MAGIC = '# p2p-dma-lab sysfs capture'

export function looksLikeSysfsCapture(head: string): boolean {
  return head.replace(/^\uFEFF/, '').startsWith(SYSFS_MAGIC)
}

interface Section {
  /** 1-based line of the "@ name" header; the body starts on the next line. */
  line: number
  text: string
}
type Sections = Map<string, Section>

/** The capture's sections; a repeated section is refused (two files cannot have one name). */
function sections(text: string): Sections {
  const out: Sections = new Map()
  const lines = text.split('\n')
  let name: string | null = null
  let start = 0
  let body: string[] = []
  const flush = (): void => {
    if (name === null) return
    if (out.has(name))
      throw new ImportFailure(`"${name}" appears twice (first at line ${out.get(name)!.line})`, {
        line: start,
        column: 1,
      })
    out.set(name, { line: start, text: body.join('\n').replace(/\s+$/, '') })
  }
  lines.forEach((l, i) => {
    if (l.startsWith('@ ')) {
      flush()
      name = l.slice(2).trim()
      start = i + 1
      body = []
    } else if (name !== null) body.push(l.replace(/\r$/, ''))
    else if (i > 0 && l.trim() !== '' && !l.startsWith('#'))
      throw new ImportFailure('text before the first "@ file" section', { line: i + 1, column: 1 })
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

/**
 * The ACS extended capability: capability and control bits; null when absent; undefined when
 * unreadable (64 bytes: sysfs gives unprivileged readers only the header). 256 bytes is all the
 * kernel itself can read (conventional PCI, or no ECAM): then there is no ACS for it either.
 */
function acsOf(c: Cfg): { cap: number; ctrl: number } | null | undefined {
  if (c.bytes.length < 0x100) return undefined
  if (c.bytes.length < 0x104) return null
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

/**
 * BARs from a sysfs `resource` file: one "start end flags" line per resource (resource_show() in
 * drivers/pci/pci-sysfs.c); lines 0..5 are the BARs, an unused or 64-bit upper BAR is all zeros.
 * Flags: IORESOURCE_IO 0x100, _MEM 0x200, _PREFETCH 0x2000, _MEM_64 0x100000 (include/linux/ioport.h).
 */
function barsOf(sec: Section | undefined, where: string): BarSpec[] {
  const out: BarSpec[] = []
  if (!sec) return out
  const lines = sec.text.split('\n')
  lines.forEach((l, i) => {
    const line = sec.line + 1 + i
    const m = /^0x([0-9a-f]{1,16})\s+0x([0-9a-f]{1,16})\s+0x([0-9a-f]{1,16})$/i.exec(l.trim())
    if (!m)
      throw new ImportFailure(
        `${where}: resource line ${i} is not "0xSTART 0xEND 0xFLAGS": "${l.slice(0, 60)}"`,
        {
          line,
          column: 1,
        },
      )
    if (i > 5) return
    const start = Number.parseInt(m[1]!, 16)
    const end = Number.parseInt(m[2]!, 16)
    const fl = Number.parseInt(m[3]!, 16)
    if (start === 0 && end === 0) return
    const size = end - start + 1
    if (
      end < start ||
      !Number.isSafeInteger(size) ||
      size < 4 ||
      ((size & (size - 1)) !== 0 && size < 2 ** 31)
    )
      throw new ImportFailure(`${where}: BAR ${i} spans 0x${m[1]}-0x${m[2]}, not a power-of-two size`, {
        line,
        column: 1,
      })
    const io = (fl & 0x100) !== 0
    if (!io && (fl & 0x200) === 0) return
    const bar: BarSpec = { index: i, size }
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

const BDF_RE = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/
const ROOT_RE = /^pci[0-9a-f]{4}:[0-9a-f]{2}$/

/** One /sys/bus/pci/devices/<bdf> entry of the capture: its files, config space and place in the tree. */
interface Dev {
  bdf: string
  files: Map<string, Section>
  cfg: Cfg
  /** pciDDDD:BB, the host bridge's directory */
  root: string
  /** the parent's BDF, or null on the root bus */
  parentBdf: string | null
}

function sectionOf(files: Map<string, Section>, name: string): Section | undefined {
  return files.get(name)
}

/** Config space from its hex section: at least the 64 bytes anyone may read, every digit hex. */
function configOf(bdf: string, sec: Section | undefined): Cfg {
  if (!sec)
    throw new ImportFailure(`${bdf}: no config section (/sys/bus/pci/devices/${bdf}/config)`, { line: 1 })
  const lines = sec.text.split('\n')
  lines.forEach((l, i) => {
    const bad = /[^0-9a-fA-F\s]/.exec(l)
    if (bad)
      throw new ImportFailure(`${bdf}: config is not hex ("${bad[0]}")`, {
        line: sec.line + 1 + i,
        column: bad.index + 1,
      })
  })
  const hex = sec.text.replace(/\s+/g, '')
  if (hex.length % 2 !== 0 || hex.length < 128 || hex.length > 8192)
    throw new ImportFailure(
      `${bdf}: config space has ${hex.length / 2} bytes; sysfs gives 64 (unprivileged), 256 or 4096`,
      { line: sec.line },
    )
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  const c = { bytes }
  if (r16(c, 0) === 0xffff || r16(c, 0) === 0)
    throw new ImportFailure(
      `${bdf}: vendor id 0x${r16(c, 0).toString(16)}: the device did not answer its config read`,
      { line: sec.line + 1, column: 1 },
    )
  return c
}

/** The device's place in the tree from its real directory (pci0000:00/0000:00:10.0/0000:01:00.0). */
function placeOf(bdf: string, sec: Section | undefined): { root: string; parentBdf: string | null } {
  const line = sec?.line ?? 1
  const parts = (sec?.text ?? '').trim().split('/').filter(Boolean)
  const rootAt = parts.findIndex((p) => ROOT_RE.test(p))
  const chain = rootAt < 0 ? [] : parts.slice(rootAt + 1)
  if (
    rootAt < 0 ||
    chain.length === 0 ||
    chain[chain.length - 1] !== bdf ||
    !chain.every((p) => BDF_RE.test(p))
  )
    throw new ImportFailure(
      `${bdf}: its directory "${(sec?.text ?? '').slice(0, 120)}" is not pciDDDD:BB/…/${bdf} under /sys/devices`,
      { line: line + 1, column: 1 },
    )
  return { root: parts[rootAt]!, parentBdf: chain.length >= 2 ? chain[chain.length - 2]! : null }
}

/** The capture's devices by BDF, their config space and place; a parent missing from it is refused. */
function devicesOf(s: Sections): Dev[] {
  const byBdf = new Map<string, Map<string, Section>>()
  for (const [name, v] of s) {
    const m = /^\/sys\/bus\/pci\/devices\/([^/]+)\/(.+)$/.exec(name)
    if (!m) continue
    if (!BDF_RE.test(m[1]!))
      throw new ImportFailure(`"${m[1]!.slice(0, 40)}" is not a PCI address (DDDD:BB:DD.F)`, {
        line: v.line,
        column: 3,
      })
    const files = byBdf.get(m[1]!) ?? new Map<string, Section>()
    files.set(m[2]!, v)
    byBdf.set(m[1]!, files)
  }
  if (byBdf.size === 0)
    throw new ImportFailure(
      'the capture lists no PCI device (/sys/bus/pci/devices was empty or unreadable)',
      {
        line: 1,
      },
    )
  const devs = [...byBdf.keys()].sort().map((bdf): Dev => {
    const files = byBdf.get(bdf)!
    return {
      bdf,
      files,
      cfg: configOf(bdf, sectionOf(files, 'config hex')),
      ...placeOf(bdf, files.get('path')),
    }
  })
  for (const d of devs) {
    if (d.parentBdf === null) continue
    const parent = byBdf.get(d.parentBdf)
    if (!parent)
      throw new ImportFailure(`${d.bdf}: its parent bridge ${d.parentBdf} is not in the capture`, {
        line: d.files.get('path')!.line + 1,
      })
    if ((r8({ bytes: configOf(d.parentBdf, parent.get('config hex')).bytes }, 0x0e) & 0x7f) !== 1)
      throw new ImportFailure(`${d.bdf}: its parent ${d.parentBdf} is not a PCI bridge (header type 1)`, {
        line: d.files.get('path')!.line + 1,
      })
  }
  return devs
}

/** An integer file (numa_node, p2pmem/size), or undefined when absent. */
function intFile(d: Dev, name: string, min: number, max: number): number | undefined {
  const sec = d.files.get(name)
  if (!sec) return undefined
  const t = sec.text.trim()
  if (!/^-?\d{1,20}$/.test(t) || Number(t) < min || Number(t) > max)
    throw new ImportFailure(`${d.bdf}: ${name} is "${t.slice(0, 40)}", not an integer ${min}..${max}`, {
      line: sec.line + 1,
      column: 1,
    })
  return Number(t)
}

interface Tally {
  short: number
  acsUnread: number
  published: string[]
  unknown: Set<string>
  counts: { pciDevices: number; hostBridges: number; bridges: number }
}

/** The host bridge node for a device's root (pciDDDD:BB), created on first use. */
function hostFor(d: Dev, hosts: Map<string, TopoNodeSpec>, nodes: TopoNodeSpec[], t: Tally): TopoNodeSpec {
  const domain = parseInt(d.root.slice(3, 7), 16)
  const rootBus = parseInt(d.root.slice(8, 10), 16)
  const id = hostBridgeId(domain, rootBus)
  let hb = hosts.get(id)
  if (!hb) {
    t.counts.hostBridges++
    hb = {
      id,
      kind: 'host_bridge',
      parent: null,
      label: `Host bridge ${d.root.slice(3)}`,
      host: { domain, rootBus, numaNode: 0, hostDevice: null },
    }
    hosts.set(id, hb)
    nodes.push(hb)
  }
  return hb
}

/**
 * A p2pmem/ directory: a driver called pci_p2pdma_add_resource() (drivers/pci/p2pdma.c creates the
 * group with the first resource). Its size is the published memory; the BAR is the smallest memory
 * BAR that holds it (the capture does not say which BAR; assumed, and reported).
 */
function publishedBar(d: Dev, bars: BarSpec[]): number | undefined {
  const size = intFile(d, 'p2pmem/size', 0, 2 ** 53)
  if (size === undefined) return undefined
  const fit = bars.filter((b) => !b.io && b.size >= size).sort((a, b) => a.size - b.size || b.index - a.index)
  return fit[0]?.index
}

/** One device's node (or the host bridge's own function, which becomes the host bridge's hostDevice). */
function nodeOf(d: Dev, hb: TopoNodeSpec, t: Tally): TopoNodeSpec | null {
  const c = d.cfg
  const bdf = parseBdf(d.bdf)!
  const vendor = r16(c, 0)
  const device = r16(c, 2)
  const classCode = (r8(c, 0x0b) << 16) | (r8(c, 0x0a) << 8) | r8(c, 0x09)
  const header = r8(c, 0x0e) & 0x7f
  const parent = d.parentBdf === null ? hb.id : pciIdOf(d.parentBdf)
  const numa = intFile(d, 'numa_node', -1, 1023)
  const cpus = d.files.get('local_cpulist')?.text.trim()
  if (d.parentBdf === null && hb.host) {
    if (numa !== undefined && numa >= 0) hb.host.numaNode = numa
    if (cpus && /^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/.test(cpus) && cpus.length <= 400 && !hb.host.cpus)
      hb.host.cpus = cpus
  }
  if (c.bytes.length < 256) t.short++
  // the host bridge's own function at 00.0 on the root bus (class 0600): pci_host_bridge_dev()
  if (d.parentBdf === null && bdf.dev === 0 && bdf.fn === 0 && classCode >> 8 === 0x0600 && hb.host) {
    const label = clampLabel(idsName(vendor, device, classCode) ?? 'Host bridge')
    hb.host.hostDevice = { vendor, device, classCode, label }
    return null
  }
  const id = pciIdOf(d.bdf)
  const name = idsName(vendor, device, classCode) ?? `${hex(vendor, 4)}:${hex(device, 4)}`
  const acs = acsOf(c)
  if (acs === undefined) t.acsUnread++
  const base = { id, parent, slot: bdf.dev, fn: bdf.fn, vendor, device, classCode, label: clampLabel(name) }
  if (header === 1) {
    t.counts.bridges++
    const pt = pcieType(c)
    const kind =
      pt === 4 ? 'root_port' : pt === 5 ? 'switch_upstream' : pt === 6 ? 'switch_downstream' : 'pci_bridge'
    const n: TopoNodeSpec = { ...base, kind }
    if (acs) n.acs = { cap: flags(acs.cap), ctrl: flags(acs.ctrl) }
    if (pt === null) t.unknown.add(id)
    return n
  }
  t.counts.pciDevices++
  const bars = barsOf(d.files.get('resource'), d.bdf)
  const driverSec = d.files.get('driver')?.text.trim().split('/').pop()
  const n = endpointNode({ ...base, type: endpointTypeFromClass(classCode, vendor), bars, driver: driverSec })
  if (acs) n.acs = { cap: flags(acs.cap), ctrl: flags(acs.ctrl) }
  const bar = publishedBar(d, bars)
  if (bar !== undefined && n.endpoint) {
    n.endpoint.p2pmemBar = bar
    t.published.push(`${d.bdf} BAR${bar}`)
  }
  return n
}

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0')
const pciIdOf = (bdfText: string): string => {
  const b = parseBdf(bdfText)!
  return pciId(b.domain, b.bus, b.dev, b.fn)
}

/** Era, IOMMU and pci=disable_acs_redir= from the kernel release, /proc/cmdline and /sys/class/iommu. */
function applySettings(lab: LabFile, s: Sections, report: ImportReport): number {
  const release = (s.get('uname -r')?.text ?? '').trim()
  const era = eraOfRelease(release)
  if (era) {
    lab.settings.era = era.era
    report.assumed.push(
      `kernel ${release.slice(0, 60)}: era ${era.era}${era.exact ? '' : ` (the nearest modelled era at or below ${release.split('-')[0]!.slice(0, 20)})`}`,
    )
  } else report.assumed.push(`kernel release unknown ("${release.slice(0, 60)}"): era ${lab.settings.era}`)
  const cmdline = s.get('/proc/cmdline')?.text ?? ''
  const acsParam = /(?:^|\s)pci=(?:[^\s]*,)?disable_acs_redir=([^\s,]+)/.exec(cmdline)?.[1]
  if (acsParam) {
    lab.settings.disableAcsRedir = acsParam.slice(0, 1000)
    report.assumed.push(`pci=disable_acs_redir=${acsParam.slice(0, 200)} from /proc/cmdline`)
  }
  const iommus = (s.get('/sys/class/iommu')?.text ?? '').split('\n').filter((l) => l.trim())
  const off = /(?:^|\s)(intel_iommu=off|amd_iommu=off|iommu=off)/.test(cmdline)
  lab.settings.iommu = iommus.length > 0 && !off
  report.assumed.push(
    iommus.length > 0
      ? `IOMMU ${lab.settings.iommu ? 'on' : 'off'}: /sys/class/iommu lists ${iommus.slice(0, 8).join(', ')}${off ? ' but the command line turns it off' : ''}`
      : 'IOMMU off: /sys/class/iommu is empty',
  )
  return iommus.length
}

/** What the capture could not say, as the import report lists it. */
function reportTally(report: ImportReport, t: Tally, cpuKnown: boolean): void {
  report.cannotCarry.push('NVLink, link width and speed, which IOMMU group a device is in (counted only)')
  if (t.short > 0)
    report.warnings.push(
      `${t.short} function(s) expose only 64 bytes of config space: reading 256/4096 bytes (capabilities, ACS) needs root — run lab import --this-machine as root for port types and ACS`,
    )
  if (t.acsUnread > 0)
    report.assumed.push(
      `ACS unknown on ${t.acsUnread} function(s) (only root reads config space beyond byte 63): assumed absent`,
    )
  if (t.unknown.size > 0)
    report.assumed.push(
      `${t.unknown.size} bridge(s) without a readable PCI Express capability: port type inferred from position`,
    )
  report.assumed.push(
    t.published.length === 0
      ? 'p2pmem: no device has a p2pmem/ directory (no driver published memory with pci_p2pdma_add_resource()); memory BARs are shown as BAR (not published)'
      : `p2pmem published by a driver (a p2pmem/ directory): ${t.published.slice(0, 16).join(', ')}${t.published.length > 16 ? ', …' : ''}; the BAR is the smallest memory BAR holding p2pmem/size (sysfs does not name it)`,
  )
  if (!cpuKnown)
    report.warnings.push(
      '/proc/cpuinfo has no vendor_id / cpu family: the CPU is inferred from the host bridges',
    )
}

export function importSysfs(fileName: string, text: string): { lab: LabFile; report: ImportReport } {
  if (!looksLikeSysfsCapture(text))
    throw new ImportFailure('not a p2p-dma-lab sysfs capture', { line: 1, column: 1 })
  const s = sections(text)
  const report = newReport('sysfs', fileName)
  const devs = devicesOf(s)
  const nodes: TopoNodeSpec[] = []
  const hosts = new Map<string, TopoNodeSpec>()
  const t: Tally = {
    short: 0,
    acsUnread: 0,
    published: [],
    unknown: new Set(),
    counts: { pciDevices: 0, hostBridges: 0, bridges: 0 },
  }
  for (const d of devs) {
    const n = nodeOf(d, hostFor(d, hosts, nodes, t), t)
    if (n) nodes.push(n)
  }
  classifyBridgesByPosition(nodes, t.unknown)
  assignBusEnds(nodes)
  const cpu = cpuOf(s.get('/proc/cpuinfo')?.text)
  const lab = makeLab('This machine', `Read from sysfs (${fileName}).`, { name: 'This machine', cpu, nodes })
  const iommus = applySettings(lab, s, report)
  const groups = new Set(devs.map((d) => d.files.get('iommu_group')?.text.trim()).filter(Boolean))
  report.counts = { ...t.counts, iommus, iommuGroups: groups.size, p2pmemPublished: t.published.length }
  reportTally(report, t, cpu !== null)
  return { lab, report }
}
