/**
 * hwloc XML importer: `lstopo --of xml` output of hwloc 2.x (`<topology version="2.0">`) and hwloc
 * 3.0 (`version="3.0"`, which hwloc 2.x itself refuses), plus the 1.x form without a version (same
 * object attributes). Format reference: hwloc's hwloc2.dtd and topology-xml.c (ANCHORS.md §1.1).
 *
 * Read: Bridge objects (`bridge_type="0-1"` host bridge with `bridge_pci="dddd:[ss-ee]"`;
 * `"1-1"` PCI-to-PCI bridge with `pci_busid` and `pci_type="cccc [vvvv:dddd] [ssss:ssss] rr [pp]"`),
 * PCIDev objects, OSDev names (attached to the nearest PCI ancestor), the CPU from the first
 * Package's CPUVendor / CPUFamilyNumber / CPUModelNumber / CPUModel infos, and each host bridge's
 * NUMA node.
 *
 * NUMA node of a host bridge: hwloc gives an I/O object the locality of its first non-I/O
 * ancestor, so we take that ancestor's `nodeset` bitmap (lowest set bit, warning when it spans
 * several nodes). Without a nodeset, we walk up to the nearest ancestor with a NUMANode child (where
 * hwloc 2 puts memory children) and take its os_index; failing both, node 0 with a warning.
 *
 * Simplifications: the format has no BARs, no ACS, no port types and (v2) no prog-if, so BARs and
 * port types are assumed and listed in the report; NVLink/XGMI matrices (distances2hetero) are not
 * imported; Misc, MemoryModule and other non-PCI objects are ignored.
 */
import type {
  BarSpec,
  CpuSpec,
  EndpointType,
  ImportReport,
  TopoNodeSpec,
} from '../../../shared/model/topology'
import { emptyList, ImportFailure, baseName, makeLab, newReport, warn } from './common'
import { ASSUMED_ACS_TEXT, ASSUMED_BARS_TEXT, PLACEHOLDER_FN0_TEXT, POSITION_KINDS_TEXT } from './common'
import { bdfText, hostBridgeId, parseBdfInto, pciIdOf, type Bdf } from './common'
import { addMissingFunctionZero, assignBusEnds, classifyBridgesByPosition } from './common'
import { assumedBars, clampLabel, endpointNode, endpointTypeFromClass, knownEndpointNode } from './common'
import { bitmapToCpuList, hexAt } from './common'
import { vendorOfCpuid } from '../p2pdma/cpu'
import { parseXmlRooted, type XmlElement } from './xml'
import { idsName } from '../pciids/names'
import type { LabFile } from '../../../shared/model/topology'

/** A PCI object's pci_type: class (16-bit), vendor, device, prog-if (3.0 only). */
export interface PciType {
  cls: number
  vendor: number
  device: number
  progIf?: number | undefined
}

/** 'cccc [vvvv:dddd] [ssss:ssss] rr [pp]' → class (16-bit), vendor, device, prog-if (3.0 only). */
export function parsePciType(text: string): PciType | null {
  const fast = pciTypeCanonical(text, { cls: 0, vendor: 0, device: 0 })
  if (fast) return fast
  const m =
    /^\s*([0-9a-fA-F]{4})\s+\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\](?:\s+\[[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\])?(?:\s+([0-9a-fA-F]{2}))?(?:\s+([0-9a-fA-F]{2}))?/.exec(
      text,
    )
  if (!m) return null
  const r: PciType = {
    cls: parseInt(m[1]!, 16),
    vendor: parseInt(m[2]!, 16),
    device: parseInt(m[3]!, 16),
  }
  if (m[5] !== undefined) r.progIf = parseInt(m[5], 16)
  return r
}

/**
 * parsePciType() of the spelling hwloc writes, 'cccc [vvvv:dddd] [ssss:ssss] rr' and 3.0's
 * '… rr pp': one native match checks every character, then the numbers are read at their fixed
 * offsets into `out`, which is returned; null for any other text (the general regex then decides).
 */
function pciTypeCanonical(text: string, out: PciType): PciType | null {
  if (!PCI_TYPE_CANONICAL.test(text)) return null
  out.cls = hexAt(text, 0, 4)
  out.vendor = hexAt(text, 6, 4)
  out.device = hexAt(text, 11, 4)
  if (text.length === 31) {
    if (out.progIf !== undefined) out.progIf = undefined
  } else out.progIf = hexAt(text, 32, 2)
  return out
}

/** 'cccc [vvvv:dddd] [ssss:ssss] rr', optionally ' pp', exactly (single spaces, 4- and 2-digit hex). */
const PCI_TYPE_CANONICAL =
  /^[0-9a-fA-F]{4} \[[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\] \[[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\] [0-9a-fA-F]{2}(?: [0-9a-fA-F]{2})?$/

/** Lowest set bit of an hwloc bitmap string ('0x0000ffff,,0x0000ffff'; words are most significant first). */
export function bitmapFirst(text: string): { first: number; count: number } | null {
  const words = text.split(',')
  let first = -1
  let count = 0
  for (let w = 0; w < words.length && w < 4096; w++) {
    const word = words[words.length - 1 - w]!.trim()
    if (word === '') continue
    if (/^0xf\.\.\.f$/i.test(word))
      return first === -1 ? { first: w * 32, count: Infinity } : { first, count: Infinity }
    const v = parseInt(word, 16)
    if (!Number.isFinite(v)) return null
    for (let b = 0; b < 32; b++) {
      if ((v >>> b) & 1) {
        if (first === -1) first = w * 32 + b
        count++
      }
    }
  }
  return first === -1 ? null : { first, count }
}

/** The value of an object's first `<info name="…" value="…"/>` child of that name (one with a value). */
function info(el: XmlElement, name: string): string | undefined {
  const { children } = el
  for (let k = 0; k < children.length; k++) {
    const c = children[k]!
    if (c.name === 'info' && c.attrs.is('name', name)) {
      const value = c.attrs.get('value')
      if (value !== undefined) return value
    }
  }
  return undefined
}

/** A non-I/O ancestor and the one above it (a list from the nearest up to the root, never copied). */
interface CpuSide {
  el: XmlElement
  up: CpuSide | null
}

/** What an object contributes to its children's frames. */
interface ChildContext {
  /** Node id of the nearest PCI ancestor (host bridge, bridge or device), if any. */
  pci: string | null
  /** Nearest non-I/O ancestor element (for locality) and, through it, those above it. */
  cpuSide: CpuSide | null
}

interface Frame extends ChildContext {
  el: XmlElement
}

/** bridge_pci="dddd:[ss-ee]": domain, secondary (or root) bus and subordinate bus, in hex. */
const BUS_RANGE = /^[0-9a-fA-F]{4}:\[[0-9a-fA-F]{2}-[0-9a-fA-F]{2}\]$/

/**
 * The object types object() tells apart (Socket: hwloc 1.x's Package), and their indexes there,
 * which XmlAttrs.which() returns.
 */
const OBJECT_TYPES = ['Bridge', 'PCIDev', 'OSDev', 'Package', 'Socket', 'Machine']
const BRIDGE = 0
const PCI_DEV = 1
const OS_DEV = 2
const PACKAGE = 3
const SOCKET = 4
const MACHINE = 5

/** One hwloc XML import: the nodes made so far and what the walk learnt on the way. */
class HwlocImport {
  readonly nodes = emptyList<TopoNodeSpec>()
  readonly unknownKinds = new Set<string>()
  readonly osDevs = new Map<string, string[]>()
  /** Names the file gives a PCI function through its OS devices (nvml's GPUModel). */
  readonly osModels = new Map<string, string>()
  readonly counts = {
    hostBridges: 0,
    bridges: 0,
    pciDevices: 0,
    osDevices: 0,
    skippedObjects: 0,
    hostDevices: 0,
  }
  /** node id → secondary bus (for slot/bus checks) */
  private readonly bridgeBus = new Map<string, number>()
  readonly nodeById = new Map<string, TopoNodeSpec>()
  cpu: CpuSpec | null = null
  machineName = ''
  /**
   * assumedBars() of each endpoint type, made once per import: the functions of a type share one
   * list, as specs are values never changed in place once made (shared/model/lab-check.ts).
   */
  private readonly barsByType: Partial<Record<EndpointType, BarSpec[]>> = {}
  /**
   * The last bitmap read for a host bridge's locality and what it gave: the host bridges below one
   * Package or NUMA node all read the same cpuset and nodeset text.
   */
  private lastCpuset: string | null = null
  private lastCpuList: string | null = null
  private lastNodeset: string | null = null
  private lastNodesetFirst: ReturnType<typeof bitmapFirst> = null

  /**
   * The pci_type and BDF of the PCI object being read, in the canonical spelling (every one hwloc
   * writes): one object each for the whole import, overwritten per object. The readers below copy
   * the numbers out and keep neither.
   */
  private readonly pciTypeNow: PciType = { cls: 0, vendor: 0, device: 0 }
  private readonly bdfNow: Bdf = { domain: 0, bus: 0, dev: 0, fn: 0 }

  constructor(readonly report: ImportReport) {}

  /** parsePciType() of the object's pci_type (pciTypeNow when spelled canonically). */
  private pciType(el: XmlElement): PciType | null {
    const text = el.attrs.get('pci_type') ?? ''
    return pciTypeCanonical(text, this.pciTypeNow) ?? parsePciType(text)
  }

  private assumedBars(type: EndpointType): BarSpec[] {
    return (this.barsByType[type] ??= assumedBars(type))
  }

  /** bitmapToCpuList(text), remembered for the next host bridge. */
  private cpuList(text: string): string | null {
    if (text !== this.lastCpuset) {
      this.lastCpuList = bitmapToCpuList(text)
      this.lastCpuset = text
    }
    return this.lastCpuList
  }

  /** bitmapFirst(text), remembered for the next host bridge. */
  private nodesetFirst(text: string): ReturnType<typeof bitmapFirst> {
    if (text !== this.lastNodeset) {
      this.lastNodesetFirst = bitmapFirst(text)
      this.lastNodeset = text
    }
    return this.lastNodesetFirst
  }

  private add(n: TopoNodeSpec): void {
    this.nodes.push(n)
    this.nodeById.set(n.id, n)
  }

  private uniqueId(base: string): string {
    let id = base
    for (let k = 2; this.nodeById.has(id); k++) id = `${base}-${k}`
    return id
  }

  /** The NUMA node of an I/O object: its CPU-side ancestor's nodeset, else the nearest NUMANode child above. */
  private numaOf(f: Frame, label: string): number {
    const ns = f.cpuSide?.el.attrs.get('nodeset')
    if (ns !== undefined) {
      const b = this.nodesetFirst(ns)
      if (b) {
        if (b.count > 1)
          warn(this.report, `${label} is local to several NUMA nodes (nodeset ${ns}); using node ${b.first}`)
        return Math.min(b.first, 1023)
      }
    }
    for (let up = f.cpuSide; up !== null; up = up.up) {
      const numa = up.el.children.find((c) => c.name === 'object' && c.attrs.is('type', 'NUMANode'))
      if (numa) return Math.min(Number(numa.attrs.get('os_index') ?? 0) || 0, 1023)
    }
    warn(this.report, `${label}: no NUMA node found above it; assuming node 0`)
    return 0
  }

  /** What object() says the children of the object it read get: their nearest PCI ancestor… */
  private childPci: string | null = null
  /** …and their nearest non-I/O ancestor. */
  private childCpuSide: CpuSide | null = null

  /**
   * Depth-first, in document order. Recursive: the XML parser bounds nesting to XML_MAX_DEPTH (256)
   * levels, and each level is one frame here. One frame object is reused for every visit: the
   * readers below never keep it.
   */
  walk(root: XmlElement): void {
    this.visit(root, null, null, { el: root, pci: null, cpuSide: null })
  }

  /** walk() of `el`, whose nearest PCI and non-I/O ancestors are `pci` and `cpuSide`. */
  private visit(el: XmlElement, pci: string | null, cpuSide: CpuSide | null, f: Frame): void {
    f.el = el
    f.pci = pci
    f.cpuSide = cpuSide
    this.childPci = pci
    this.childCpuSide = cpuSide
    if (el.name === 'object') this.object(f)
    const { childPci, childCpuSide } = this
    const { children } = el
    for (let k = 0; k < children.length; k++) {
      const c = children[k]!
      if (c.name === 'object') this.visit(c, childPci, childCpuSide, f)
    }
  }

  /**
   * One <object>: a host bridge, PCI bridge, PCI device, OS device or a CPU-side object. Sets
   * childPci / childCpuSide when the object changes them for its children.
   */
  private object(f: Frame): void {
    const el = f.el
    // The type compared in place (most objects are CPU-side ones whose type is not kept).
    const type = el.attrs.which('type', OBJECT_TYPES)
    if (type === BRIDGE) {
      const bt = el.attrs.get('bridge_type') ?? ''
      this.childPci = bt.startsWith('0-') ? this.hostBridge(f) : this.pciBridge(f)
      return
    }
    if (type === PCI_DEV) {
      this.childPci = this.pciDev(f)
      return
    }
    if (type === OS_DEV) {
      this.osDev(f)
      return
    }
    // A CPU-side object (Machine, Package, Group, NUMANode, caches, cores, Misc...).
    if ((type === PACKAGE || type === SOCKET) && this.cpu === null) this.cpu = cpuFrom(el)
    if (type === MACHINE && !this.machineName)
      this.machineName = info(el, 'DMIProductName') ?? info(el, 'HostName') ?? ''
    if (f.pci === null) this.childCpuSide = { el, up: f.cpuSide }
    else this.counts.skippedObjects++
  }

  /**
   * A bridge's bridge_pci="dddd:[ss-ee]" when it is spelled so (its numbers then read in place with
   * hexAt() at offsets 0 and 6), else null.
   */
  private busRange(el: XmlElement): string | null {
    const text = el.attrs.get('bridge_pci') ?? ''
    return BUS_RANGE.test(text) ? text : null
  }

  /** bridge_type="0-…": a host bridge, its root bus from bridge_pci="dddd:[ss-ee]". */
  private hostBridge(f: Frame): string {
    const el = f.el
    this.counts.hostBridges++
    const range = this.busRange(el)
    if (!range)
      throw new ImportFailure(`hwloc XML: host bridge without a valid bridge_pci="dddd:[ss-ee]"`, {
        line: el.line,
        column: el.column,
      })
    const domain = hexAt(range, 0, 4)
    const rootBus = hexAt(range, 6, 2)
    const id = this.uniqueId(hostBridgeId(domain, rootBus))
    const numaNode = this.numaOf(f, `host bridge ${bdfText(domain, rootBus, 0, 0).slice(0, 7)}`)
    // hwloc's I/O locality: the cpuset of the first non-I/O ancestor
    const cpus = this.cpuList(f.cpuSide?.el.attrs.get('cpuset') ?? '')
    this.add({
      id,
      kind: 'host_bridge',
      parent: null,
      label: `Host bridge ${hex(domain, 4)}:${hex(rootBus, 2)}`,
      host: { domain, rootBus, numaNode, hostDevice: null, ...(cpus ? { cpus } : {}) },
    })
    this.bridgeBus.set(id, rootBus)
    return id
  }

  /**
   * The BDF of a PCI object below a host bridge, read from its pci_busid `text` (a bad or missing one
   * fails the import).
   */
  private busid(f: Frame, what: string, text: string): Bdf {
    const el = f.el
    const bdf = parseBdfInto(text, this.bdfNow)
    if (!bdf)
      throw new ImportFailure(`hwloc XML: ${what} with a missing or bad pci_busid "${text}"`, {
        line: el.line,
        column: el.column,
      })
    if (f.pci === null)
      throw new ImportFailure(
        `hwloc XML: ${what === 'bridge' ? 'PCI bridge' : what} ${bdfText(bdf.domain, bdf.bus, bdf.dev, bdf.fn)} is not below a host bridge`,
        { line: el.line, column: el.column },
      )
    return bdf
  }

  /** Any other bridge: a PCI-to-PCI bridge whose port kind is decided by position later. */
  private pciBridge(f: Frame): string {
    const el = f.el
    this.counts.bridges++
    const range = this.busRange(el)
    const busid = el.attrs.get('pci_busid') ?? ''
    const bdf = this.busid(f, 'bridge', busid)
    const pt = this.pciType(el)
    const id = this.uniqueId(pciIdOf(busid, bdf))
    const label = bridgeLabel(bdf, pt, el)
    const parent = f.pci!
    const { dev: slot, fn } = bdf
    // One literal for each case (in the key order the lab file has always had).
    const n: TopoNodeSpec = pt
      ? {
          id,
          kind: 'pci_bridge',
          parent,
          slot,
          fn,
          vendor: pt.vendor,
          device: pt.device,
          classCode: (pt.cls << 8) | (pt.progIf ?? 0),
          label,
        }
      : { id, kind: 'pci_bridge', parent, slot, fn, label }
    checkBus(this.report, bdf, f.pci!, this.bridgeBus)
    this.add(n)
    this.unknownKinds.add(id)
    if (range) this.bridgeBus.set(id, hexAt(range, 6, 2))
    return id
  }

  /** A PCI function: the host bridge's own device at 00.0 of its root bus, else an endpoint. */
  private pciDev(f: Frame): string | null {
    const el = f.el
    this.counts.pciDevices++
    const busid = el.attrs.get('pci_busid') ?? ''
    const bdf = this.busid(f, 'PCI device', busid)
    const pt = this.pciType(el)
    const parent = this.nodeById.get(f.pci!)
    const label = deviceLabel(bdf, pt, el)
    // The function at 00.0 on a root bus is the host bridge's own pci_dev (e.g. 8086:2020).
    if (
      parent?.kind === 'host_bridge' &&
      parent.host &&
      bdf.dev === 0 &&
      bdf.fn === 0 &&
      bdf.bus === parent.host.rootBus &&
      pt &&
      pt.cls !== 0x0604
    ) {
      parent.host.hostDevice = {
        vendor: pt.vendor,
        device: pt.device,
        classCode: (pt.cls << 8) | (pt.progIf ?? 0),
        label: clampLabel(label),
      }
      this.counts.hostDevices++
      return null
    }
    let classCode = pt ? (pt.cls << 8) | (pt.progIf ?? 0) : undefined
    if (pt && pt.cls === 0x0108 && pt.progIf === undefined) classCode = 0x010802
    const etype = classCode === undefined ? 'generic' : endpointTypeFromClass(classCode, pt?.vendor)
    const id = this.uniqueId(pciIdOf(busid, bdf))
    checkBus(this.report, bdf, f.pci!, this.bridgeBus)
    const bars = this.assumedBars(etype)
    if (pt && label && classCode !== undefined) {
      // The usual case: ids and class from pci_type.
      this.add(
        knownEndpointNode(id, f.pci!, label, bdf.dev, bdf.fn, pt.vendor, pt.device, classCode, etype, bars),
      )
      return id
    }
    this.add(
      endpointNode({
        id,
        parent: f.pci!,
        label,
        slot: bdf.dev,
        fn: bdf.fn,
        vendor: pt?.vendor,
        device: pt?.device,
        classCode,
        type: etype,
        bars,
      }),
    )
    return id
  }

  /** An OS device (nvme0n1, mlx5_0, an nvml GPU) names its PCI function. */
  private osDev(f: Frame): void {
    this.counts.osDevices++
    const name = f.el.attrs.get('name')
    if (!name || !f.pci) return
    const list = this.osDevs.get(f.pci)
    if (list) list.push(name)
    else this.osDevs.set(f.pci, [name])
    const model = info(f.el, 'GPUModel')
    if (model && !this.osModels.has(f.pci)) this.osModels.set(f.pci, model)
  }

  /** OS device names onto their functions; lstopo names a GPU by its OS device's model (nvml, opencl, rsmi). */
  nameFunctions(): void {
    this.osDevs.forEach((names, id) => {
      const n = this.nodeById.get(id)
      if (n?.endpoint) n.endpoint.osDevices = names.slice(0, 64).map((s) => s.slice(0, 60))
    })
    this.osModels.forEach((model, id) => {
      const n = this.nodeById.get(id)
      if (n) n.label = clampLabel(model)
    })
  }
}

export function importHwloc(fileName: string, text: string): { lab: LabFile; report: ImportReport } {
  const doc = parseXmlRooted(text, 'hwloc XML', 'topology')
  const root = doc.root
  const version = root.attrs.get('version') ?? '1.x'
  const report = newReport('hwloc-xml', fileName)
  if (!/^(1\.x|1\.\d+|2\.\d+|3\.\d+)$/.test(version))
    warn(
      report,
      `hwloc XML version ${version} is not one this importer knows (2.0, 3.0); reading it like 2.0`,
    )
  const x = new HwlocImport(report)
  x.walk(root)
  x.nameFunctions()
  if (x.nodes.length === 0)
    throw new ImportFailure(
      'hwloc XML: the topology has no host bridge (was it exported without I/O? use lstopo --whole-io --of xml)',
      { line: root.line, column: root.column },
    )
  classifyBridgesByPosition(x.nodes, x.unknownKinds, x.nodeById)
  assignBusEnds(x.nodes)
  const placeholders = addMissingFunctionZero(x.nodes)
  if (placeholders > 0) report.assumed.push(PLACEHOLDER_FN0_TEXT(placeholders))
  reportAssumptions(x, version, doc.comments)
  const { counts, machineName } = x
  const desc = `Imported from hwloc XML ${version} (${fileName}): ${counts.hostBridges} host bridges, ${counts.bridges} PCI bridges, ${counts.pciDevices} PCI devices.`
  const lab = makeLab(machineName || baseName(fileName), desc, {
    name: clampLabel(machineName || baseName(fileName)),
    cpu: x.cpu,
    nodes: x.nodes,
  })
  return { lab, report }
}

function reportAssumptions(x: HwlocImport, version: string, comments: number): void {
  const { report, counts } = x
  report.counts = { ...counts }
  if (comments > 0) report.counts.xmlComments = comments
  report.cannotCarry.push(
    'BARs (sizes, 64-bit, prefetchable)',
    'ACS capability and control',
    'PCIe port type (root / upstream / downstream)',
    'link width',
    'IOMMU groups',
    ...(version.startsWith('2') || version === '1.x'
      ? ['programming interface (prog-if) of the class code']
      : []),
  )
  report.assumed.push(ASSUMED_BARS_TEXT, ASSUMED_ACS_TEXT, POSITION_KINDS_TEXT)
  if (!version.startsWith('3'))
    report.assumed.push(
      'class 0108 (NVM controller) assumed to be NVMe (prog-if 02): hwloc 2 XML does not carry the prog-if',
    )
  report.assumed.push(
    "host bridge NUMA node: the nodeset of the host bridge's first non-I/O ancestor (hwloc's I/O locality)",
  )
  report.assumed.push('host bridge bus range: up to the next host bridge root bus in the same domain')
  if (x.cpu === null)
    report.assumed.push(
      'CPU: not in the file (no CPUVendor/CPUFamilyNumber info on a Package); left for the engine to infer from the host bridges',
    )
  else
    report.assumed.push(
      `CPU inferred from the first Package's CPUVendor / CPUFamilyNumber / CPUModelNumber infos`,
    )
  if (counts.skippedObjects > 0)
    warn(report, `${counts.skippedObjects} non-PCI objects inside the I/O tree were ignored`)
  if (comments > 0)
    warn(
      report,
      `the file has ${comments} XML comment(s); they were skipped (hwloc 2.9 mis-imports such files)`,
    )
  report.warnings.push('NVLink / XGMI bandwidth matrices (distances2hetero), if any, are not imported')
}

function hex(n: number, w: number): string {
  return n.toString(16).padStart(w, '0')
}

function cpuFrom(el: XmlElement): CpuSpec | null {
  const v = info(el, 'CPUVendor')
  const fam = info(el, 'CPUFamilyNumber')
  if (v === undefined || fam === undefined || !/^\d+$/.test(fam)) return null
  const family = Math.min(Number(fam), 0x1ff)
  const cpu: CpuSpec = { vendor: vendorOfCpuid(v) ?? 'other', family }
  const model = info(el, 'CPUModelNumber')
  if (model !== undefined && /^\d+$/.test(model)) cpu.model = Math.min(Number(model), 0xfff)
  const name = info(el, 'CPUModel')
  if (name) cpu.name = clampLabel(name)
  return cpu
}

/**
 * idsName() by (vendor, device) and class, kept: a machine repeats the same few functions many
 * times. Two levels of 32-bit keys, which V8 keeps as small integers (one 48-bit key would be a
 * heap number made on every lookup).
 */
const idsNames = new Map<number, Map<number, string | null>>()

function idsNameOf(pt: { vendor: number; device: number; cls: number }): string | null {
  const ids = (pt.vendor << 16) | pt.device
  let byClass = idsNames.get(ids)
  if (byClass === undefined) idsNames.set(ids, (byClass = new Map()))
  let name = byClass.get(pt.cls)
  if (name === undefined) byClass.set(pt.cls, (name = idsName(pt.vendor, pt.device, pt.cls << 8)))
  return name
}

/**
 * A function's name as lstopo shows it: the file's own (GPUModel, PCIDevice infos), else the PCI ID
 * database's (pci.ids, as lspci and lstopo without names use), else the ids and class.
 */
function deviceLabel(bdf: Bdf, pt: PciType | null, el: XmlElement): string {
  const own = info(el, 'GPUModel') ?? info(el, 'PCIDevice')
  if (own) return own
  if (pt) return idsNameOf(pt) ?? `${hex(pt.vendor, 4)}:${hex(pt.device, 4)} class ${hex(pt.cls, 4)}`
  return `PCI device ${hex(bdf.bus, 2)}:${hex(bdf.dev, 2)}.${bdf.fn}`
}

function bridgeLabel(bdf: Bdf, pt: PciType | null, el: XmlElement): string {
  const own = info(el, 'PCIDevice')
  if (own) return own
  if (pt) return idsNameOf(pt) ?? `${hex(pt.vendor, 4)}:${hex(pt.device, 4)}`
  return `bridge ${hex(bdf.bus, 2)}:${hex(bdf.dev, 2)}.${bdf.fn}`
}

/** A device's bus should be its parent's secondary (or root) bus; say so when it is not. */
function checkBus(report: ImportReport, bdf: Bdf, parent: string, bridgeBus: Map<string, number>): void {
  const want = bridgeBus.get(parent)
  if (want !== undefined && want !== bdf.bus) {
    warn(
      report,
      `${bdfText(bdf.domain, bdf.bus, bdf.dev, bdf.fn)} sits below ${parent} whose bus is ${hex(want, 2)}; bus numbers will be re-derived`,
    )
  }
}
