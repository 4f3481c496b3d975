/**
 * Helpers shared by the importers (electron/engine/import/*.ts): ids, PCI class → endpoint type,
 * assumed BARs, bridge classification by position, name → vendor id, and the final LabFile check.
 *
 * Pure TypeScript: no Node, no DOM (docs/design.md#the-engine-is-pure-typescript).
 */
import { labFileShapeIssues } from '../../../shared/model/lab-check'
import { LIMITS } from '../../../shared/model/limits'
import {
  DEFAULT_SETTINGS,
  LAB_FORMAT,
  LAB_SCHEMA_VERSION,
  type BarSpec,
  type EndpointSpec,
  type EndpointType,
  type ImportFormat,
  type ImportReport,
  type InputIssue,
  type LabFile,
  type MachineSpec,
  type NodeKind,
  type TopoNodeSpec,
} from '../../../shared/model/topology'
import { isBmcDisplay } from '../pciids/names'
import { ENDPOINT_CLASS } from '../topology/build'

/** A located failure inside an importer; index.ts turns it into an InputIssue. */
export class ImportFailure extends Error {
  readonly line: number | undefined
  readonly column: number | undefined
  readonly path: string | undefined
  constructor(message: string, loc: { line?: number; column?: number; path?: string } = {}) {
    super(message)
    this.name = 'ImportFailure'
    this.line = loc.line
    this.column = loc.column
    this.path = loc.path
  }
}

/**
 * An empty list made to hold objects from the start. An empty `[]` starts as a list of small
 * integers and changes kind at its first push; a function V8 had optimised on lists that had
 * already changed is then thrown away (deoptimised) and compiled again, which during a process's
 * first imports costs more than the import itself. Use for lists a hot loop pushes objects to.
 */
export function emptyList<T>(): T[] {
  const list: T[] = [null as T]
  list.length = 0
  return list
}

export type ImportResult =
  { ok: true; lab: LabFile; report: ImportReport } | { ok: false; issues: InputIssue[] }

export const hex2 = (n: number): string => n.toString(16).padStart(2, '0')
export const hex4 = (n: number): string => n.toString(16).padStart(4, '0')

/** 'pci-0000:03:00.0' */
export function pciId(domain: number, bus: number, dev: number, fn: number): string {
  return `pci-${hex4(domain)}:${hex2(bus)}:${hex2(dev)}.${fn}`
}
/**
 * pciId() of the BDF parseBdf() read from `text`: the text itself after 'pci-' when it is already
 * spelled as pciId() would spell it (lower-case 'dddd:bb:dd.f', as hwloc writes every busid), so the
 * id costs one string instead of one per number.
 */
export function pciIdOf(text: string, bdf: Bdf): string {
  return PCI_ID_SPELLING.test(text) ? 'pci-' + text : pciId(bdf.domain, bdf.bus, bdf.dev, bdf.fn)
}

/** 'dddd:bb:dd.f' as pciId() writes it: lower-case hex, device 00-1f, function 0-7. */
const PCI_ID_SPELLING = /^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/

/** 'hb-0000:00' */
export function hostBridgeId(domain: number, bus: number): string {
  return `hb-${hex4(domain)}:${hex2(bus)}`
}
export function bdfText(domain: number, bus: number, dev: number, fn: number): string {
  return `${hex4(domain)}:${hex2(bus)}:${hex2(dev)}.${fn}`
}

export interface Bdf {
  domain: number
  bus: number
  dev: number
  fn: number
}

/**
 * The number written by the hex digits text[from, from + length), which the caller has checked are
 * hex digits (a regex on the whole field): parseInt(text.slice(…), 16) without the slice.
 */
export function hexAt(text: string, from: number, length: number): number {
  let v = 0
  for (let j = from; j < from + length; j++) {
    const c = text.charCodeAt(j)
    // '0'-'9' are 0x30-0x39; 'A'-'F' and 'a'-'f' are 0x41-0x46 and 0x61-0x66 (c | 0x20 lower-cases).
    v = v * 16 + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57)
  }
  return v
}

/** 'dddd:bb:dd.f' exactly: 4-, 2- and 2-digit hex, function 0-7. */
const BDF_CANONICAL = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/

/** Parses 'dddd:bb:dd.f' or 'bb:dd.f' (lspci / hwloc / NCCL spelling). null when malformed or out of range. */
export function parseBdf(text: string): Bdf | null {
  return parseBdfInto(text, { domain: 0, bus: 0, dev: 0, fn: 0 })
}

/**
 * parseBdf() into `out` (the caller's object, overwritten) when `text` is canonical, for a reader
 * of hundreds of BDFs that keeps none of them; a new object otherwise, or null.
 */
export function parseBdfInto(text: string, out: Bdf): Bdf | null {
  // The canonical 'dddd:bb:dd.f' (every hwloc and sysfs BDF): one native match checks every
  // character, then the numbers are read at their fixed offsets, without a match array.
  if (BDF_CANONICAL.test(text)) {
    const dev = hexAt(text, 8, 2)
    if (dev <= 0x1f) {
      out.domain = hexAt(text, 0, 4)
      out.bus = hexAt(text, 5, 2)
      out.dev = dev
      out.fn = text.charCodeAt(11) - 0x30
      return out
    }
  }
  return parseBdfGeneral(text)
}

/** parseBdf() of any other spelling. */
function parseBdfGeneral(text: string): Bdf | null {
  const m = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text.trim())
  if (!m) return null
  const domain = m[1] === undefined ? 0 : parseInt(m[1], 16)
  const bus = parseInt(m[2]!, 16)
  const dev = parseInt(m[3]!, 16)
  const fn = parseInt(m[4]!, 16)
  if (domain > 0xffff || bus > 0xff || dev > 0x1f || fn > 7) return null
  return { domain, bus, dev, fn }
}

/** Keeps ids inside labFileSchema's id alphabet and length. */
export function safeId(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, LIMITS.maxIdLength)
  return s.length > 0 ? s : '_'
}

/** C0 control characters and DEL (labels and names are single-line text). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g

export function clampLabel(text: string): string {
  const s = text.replace(CONTROL_CHARS, ' ').trim()
  return s.length > LIMITS.maxLabelLength ? s.slice(0, LIMITS.maxLabelLength - 1) + '…' : s
}

/** Kernel driver names as the endpoint schema allows them (letters, digits, _ and -). */
export function safeDriver(text: string): string | undefined {
  const s = text
    .trim()
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 40)
  return s.length > 0 ? s : undefined
}

/** OS device names (nvme0n1, mlx5_0), at most 64 of at most 60 characters each. */
export function safeOsDevices(names: string[]): string[] | undefined {
  const out = names
    .map((n) => n.replace(CONTROL_CHARS, '').slice(0, 60))
    .filter((n) => n.length > 0)
    .slice(0, 64)
  return out.length > 0 ? out : undefined
}

/**
 * Endpoint type from the 24-bit PCI class code and vendor id (brief of this importer):
 * 0x0300/0x0302 → gpu (also 0x0380 from AMD/NVIDIA: Instinct MI GPUs report "Display controller"),
 * 0x0207 or 0x0c06 (InfiniBand serial bus, early ConnectX), or 0x0200/0x0280 from Mellanox (15b3;
 * ConnectX-3 reports 0280) → rnic, 0x0200 → nic, 0x010802 → nvme, 0x0106 → ahci,
 * 0x0680 from NVIDIA → nvswitch, 0x1200 / 0x0b40 → accelerator, anything else → generic.
 * A BMC's console VGA (ASPEED, Matrox G200; isBmcDisplay) is generic, not a GPU.
 */
export function endpointTypeFromClass(classCode: number, vendor: number | undefined): EndpointType {
  const cls = classCode >> 8
  if (isBmcDisplay(vendor, classCode)) return 'generic'
  if (cls === 0x0300 || cls === 0x0302) return 'gpu'
  if (cls === 0x0380 && (vendor === 0x1002 || vendor === 0x10de)) return 'gpu'
  if (cls === 0x0207 || cls === 0x0c06) return 'rnic' // 0c06: InfiniBand as early ConnectX cards report it
  if (cls === 0x0200 || cls === 0x0280) return vendor === 0x15b3 ? 'rnic' : cls === 0x0200 ? 'nic' : 'generic'
  if (classCode === 0x010802) return 'nvme'
  if (cls === 0x0106) return 'ahci'
  if (cls === 0x0680 && vendor === 0x10de) return 'nvswitch'
  if (cls === 0x1200 || cls === 0x0b40) return 'accelerator'
  return 'generic'
}

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/**
 * BARs assumed when a format carries none (hwloc, lspci -tv, nvidia-smi, NCCL). Typical values, not
 * measured: GPU = BAR0 16 MiB + BAR1 32 GiB prefetchable + BAR3 32 MiB prefetchable (NVIDIA datacenter
 * layout), RDMA NIC = BAR0 32 MiB prefetchable (ConnectX), NIC = BAR0 1 MiB, NVMe = BAR0 16 KiB,
 * AHCI = BAR5 8 KiB, NVSwitch = BAR0 32 MiB, accelerator = BAR0 16 MiB + BAR2 8 GiB prefetchable,
 * generic = no BARs.
 */
export function assumedBars(type: EndpointType): BarSpec[] {
  switch (type) {
    case 'gpu':
      return [
        { index: 0, size: 16 * MiB },
        { index: 1, size: 32 * GiB, mem64: true, prefetch: true },
        { index: 3, size: 32 * MiB, mem64: true, prefetch: true },
      ]
    case 'rnic':
      return [{ index: 0, size: 32 * MiB, mem64: true, prefetch: true }]
    case 'nic':
      return [{ index: 0, size: 1 * MiB }]
    case 'nvme':
      return [{ index: 0, size: 16 * KiB, mem64: true }]
    case 'ahci':
      return [{ index: 5, size: 8 * KiB }]
    case 'nvswitch':
      return [{ index: 0, size: 32 * MiB }]
    case 'accelerator':
      return [
        { index: 0, size: 16 * MiB },
        { index: 2, size: 8 * GiB, mem64: true, prefetch: true },
      ]
    case 'generic':
      return []
  }
}

export const ASSUMED_BARS_TEXT =
  'BAR sizes assumed (the format has none): GPU 16 MiB + 32 GiB (64-bit, prefetchable) + 32 MiB, RDMA NIC 32 MiB, NIC 1 MiB, NVMe 16 KiB, AHCI 8 KiB (BAR5), NVSwitch 32 MiB, accelerator 16 MiB + 8 GiB, other functions none'

export const BMC_DISPLAY_TEXT =
  "a BMC's console VGA function (ASPEED 1a03, Matrox G200 102b; class 0300) is a generic function, not a GPU: no GPU BARs assumed"

export const ASSUMED_ACS_TEXT = 'ACS capability assumed absent on every port (the format does not carry ACS)'

export const POSITION_KINDS_TEXT =
  'bridge port types inferred from position: directly under a host bridge → root port (PCI bridge when devices other than 00 sit below it); under a root or downstream port with only bridges below it → switch upstream port, whose bridge children are switch downstream ports; any other bridge → PCI bridge'

/**
 * An endpoint's own part, with the default of its type for queueP2p (blk_queue_pci_p2pdma(): an
 * NVMe request queue supports P2PDMA, an AHCI one does not; other types have no block queue here).
 */
function endpointSpec(type: EndpointType, bars: BarSpec[]): EndpointSpec {
  const endpoint: EndpointSpec = { type, bars }
  if (type === 'nvme') endpoint.queueP2p = true
  else if (type === 'ahci') endpoint.queueP2p = false
  return endpoint
}

/**
 * Classifies bridges whose port type the source does not carry (`kind: 'pci_bridge'` and listed in
 * `unknown`), by position, top-down:
 *
 *   host bridge ─ root_port ─ switch_upstream ─┬─ switch_downstream ─ endpoint
 *                 (parent is    (under a root   └─ switch_downstream ─ switch_upstream ─ ...
 *                  the host)     or downstream      (its parent is an upstream port)
 *                                port, has bridge
 *                                children)
 *
 * A bridge under a root/downstream port without bridge children stays 'pci_bridge' (e.g. a
 * PCIe-to-PCI bridge in front of a BMC VGA). Bridges with a known type are left alone but still
 * steer their children's classification.
 */
export function classifyBridgesByPosition(
  nodes: TopoNodeSpec[],
  unknown: Set<string>,
  /** The nodes by id, when the importer already keeps that map (else made here). */
  byId: ReadonlyMap<string, TopoNodeSpec> = nodesById(nodes),
): void {
  const children = new Map<string, TopoNodeSpec[]>()
  // Iterative top-down walk (no recursion: hostile inputs can be deep), from the roots.
  const stack: TopoNodeSpec[] = []
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!
    if (n.parent === null) stack.push(n)
    if (n.parent !== null) {
      const list = children.get(n.parent)
      if (list) list.push(n)
      else children.set(n.parent, [n])
    }
  }
  // A node is reached again only through a second node of its parent's id: with every id once (as
  // the importers that pass `byId` make them), no node is, and nothing needs remembering.
  const seen = byId.size === nodes.length ? null : new Set<string>()
  while (stack.length > 0) {
    const n = stack.pop()!
    if (seen !== null) {
      if (seen.has(n.id)) continue
      seen.add(n.id)
    }
    const kids = children.get(n.id) ?? NO_KIDS
    if (unknown.has(n.id) && n.parent !== null) {
      const parent = byId.get(n.parent)
      let kind: NodeKind = 'pci_bridge'
      // A PCIe port has one link, so only device 0 sits below it: a bridge with children at other
      // device numbers is a conventional PCI bridge (e.g. Intel's DMI-to-PCI bridge 00:1e.0).
      const below = childrenBelow(kids)
      if (parent?.kind === 'host_bridge') kind = below.singleLink ? 'root_port' : 'pci_bridge'
      else if (parent?.kind === 'switch_upstream') kind = 'switch_downstream'
      else if (
        (parent?.kind === 'root_port' || parent?.kind === 'switch_downstream') &&
        below.bridges &&
        !below.endpoints
      )
        kind = 'switch_upstream'
      n.kind = kind
    }
    for (let k = 0; k < kids.length; k++) stack.push(kids[k]!)
  }
}

const NO_KIDS: readonly TopoNodeSpec[] = []

/** The nodes by id (the last one of an id that appears twice). */
function nodesById(nodes: readonly TopoNodeSpec[]): Map<string, TopoNodeSpec> {
  const byId = new Map<string, TopoNodeSpec>()
  for (let i = 0; i < nodes.length; i++) byId.set(nodes[i]!.id, nodes[i]!)
  return byId
}

/** What sits below a bridge, in one pass over its children: all at device 0, any bridge, any endpoint. */
function childrenBelow(kids: readonly TopoNodeSpec[]): {
  singleLink: boolean
  bridges: boolean
  endpoints: boolean
} {
  let singleLink = true
  let bridges = false
  let endpoints = false
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i]!
    if ((k.slot ?? 0) !== 0) singleLink = false
    if (k.kind === 'endpoint') endpoints = true
    else if (k.kind !== 'host_bridge') bridges = true
  }
  return { singleLink, bridges, endpoints }
}

/**
 * Gives each host bridge a bus range up to the next host bridge's root bus in the same domain
 * (or 0xff), so the engine can renumber the buses below without overlapping a neighbour.
 */
export function assignBusEnds(nodes: TopoNodeSpec[]): void {
  const hosts = nodes.filter((n) => n.kind === 'host_bridge' && n.host)
  hosts.sort((a, b) => a.host!.domain - b.host!.domain || a.host!.rootBus - b.host!.rootBus)
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i]!.host!
    const next = hosts[i + 1]?.host
    h.busEnd = next && next.domain === h.domain && next.rootBus > h.rootBus ? next.rootBus - 1 : 0xff
  }
}

/**
 * A CPU bitmap as hwloc (cpuset) and NCCL (affinity) write it — comma-separated 32-bit hex words,
 * most significant first ('0x00000000,0x00ffffff' or '00000000,00ffffff') — as a Linux CPU list
 * ('0-23'). null when malformed, empty, or hwloc's infinite '0xf...f'.
 */
export function bitmapToCpuList(text: string): string | null {
  const words = text.split(',').map((w) => w.trim().replace(/^0x/i, ''))
  if (words.length === 0 || words.length > 256 || words.some((w) => !/^[0-9a-fA-F]{0,8}$/.test(w)))
    return null
  // Each word read once, least significant first.
  const values = words.map((w) => (w === '' ? 0 : parseInt(w, 16))).reverse()
  const ranges: string[] = []
  let start = -1
  const total = words.length * 32
  for (let bit = 0; bit <= total; bit++) {
    const set = bit < total && ((values[bit >> 5]! >>> (bit & 31)) & 1) === 1
    if (set && start < 0) start = bit
    if (!set && start >= 0) {
      ranges.push(start === bit - 1 ? `${start}` : `${start}-${bit - 1}`)
      start = -1
    }
  }
  const list = ranges.join(',')
  return list.length > 0 && list.length <= 400 ? list : null
}

/** Spreads N synthetic host bridges over bus numbers 0..255 (formats without bus numbers). */
export function syntheticRootBus(index: number, count: number): number {
  const step = Math.max(1, Math.floor(256 / Math.max(1, count)))
  return Math.min(0xff, index * step)
}

/** Vendor ids by the name lspci prints (pci.ids spelling), for name-only formats. Longest match wins. */
const VENDOR_NAMES: [string, number][] = [
  ['Advanced Micro Devices, Inc. [AMD/ATI]', 0x1002],
  ['Advanced Micro Devices, Inc. [AMD]', 0x1022],
  ['NVIDIA Corporation', 0x10de],
  ['Mellanox Technologies', 0x15b3],
  ['Intel Corporation', 0x8086],
  ['Samsung Electronics Co Ltd', 0x144d],
  ['Broadcom / LSI', 0x1000],
  ['Broadcom Inc. and subsidiaries', 0x14e4],
  ['PLX Technology, Inc.', 0x10b5],
  ['Micron Technology Inc', 0x1344],
  ['Micron/Crucial Technology', 0xc0a9],
  ['Kingston Technology Company, Inc.', 0x2646],
  ['HighPoint Technologies, Inc.', 0x1103],
  ['ASMedia Technology Inc.', 0x1b21],
  ['Realtek Semiconductor Co., Ltd.', 0x10ec],
  ['ASPEED Technology, Inc.', 0x1a03],
  ['Aquantia Corp.', 0x1d6a],
  ['Marvell Technology Group Ltd.', 0x1b4b],
  ['Amazon.com, Inc.', 0x1d0f],
  ['Microchip Technology', 0x11f8],
  ['Red Hat, Inc.', 0x1b36],
  ['Texas Instruments', 0x104c],
]

export function vendorFromName(text: string): number | undefined {
  let best: [string, number] | undefined
  for (const e of VENDOR_NAMES) if (text.startsWith(e[0]) && (!best || e[0].length > best[0].length)) best = e
  return best?.[1]
}

/** lspci class names (pci.ids) → 16-bit class, for `lspci -vvv` without `-nn`. */
export const CLASS_NAMES: Record<string, number> = {
  'Non-VGA unclassified device': 0x0000,
  'SCSI storage controller': 0x0100,
  'IDE interface': 0x0101,
  'RAID bus controller': 0x0104,
  'SATA controller': 0x0106,
  'Serial Attached SCSI controller': 0x0107,
  'Non-Volatile memory controller': 0x0108,
  'Mass storage controller': 0x0180,
  'Ethernet controller': 0x0200,
  'Network controller': 0x0280,
  'Infiniband controller': 0x0207,
  'Fabric controller': 0x0208,
  'VGA compatible controller': 0x0300,
  '3D controller': 0x0302,
  'Display controller': 0x0380,
  'Audio device': 0x0403,
  'Multimedia audio controller': 0x0401,
  'Memory controller': 0x0580,
  'RAM memory': 0x0500,
  'Host bridge': 0x0600,
  'ISA bridge': 0x0601,
  'PCI bridge': 0x0604,
  Bridge: 0x0680,
  'Communication controller': 0x0780,
  'Serial controller': 0x0700,
  'System peripheral': 0x0880,
  IOMMU: 0x0806,
  PIC: 0x0800,
  'Performance counters': 0x1101,
  'Co-processor': 0x0b40,
  'USB controller': 0x0c03,
  SMBus: 0x0c05,
  'Encryption controller': 0x1080,
  'Signal processing controller': 0x1180,
  'Processing accelerators': 0x1200,
  'Non-Essential Instrumentation': 0x1300,
  'Unassigned class': 0xff00,
}

/** Endpoint type from a device name only (lspci -tv): keyword rules, see lspci-tv.ts. */
export function endpointTypeFromName(name: string): EndpointType {
  const n = name.toLowerCase()
  if (/\baspeed\b|\bmatrox\b.*\bg200/.test(n)) return 'generic' // a BMC's console VGA (isBmcDisplay)
  if (/non-volatile memory|nvme|\bssd\b.*controller/.test(n) && !/raid controller/.test(n)) return 'nvme'
  if (/mellanox|connectx|infiniband/.test(n)) return 'rnic'
  if (/\bnvswitch\b/.test(n)) return 'nvswitch'
  if (
    /(nvidia|amd\/ati|radeon|instinct|geforce|quadro|tesla|\brtx\b|\bgpu\b)/.test(n) &&
    !/audio|usb|serial bus|nvswitch/.test(n)
  )
    return 'gpu'
  if (/\bvga\b|3d controller|graphics/.test(n)) return 'gpu'
  if (/ethernet|network connection|\bena\b|elastic fabric/.test(n)) return 'nic'
  if (/\bsata\b|\bahci\b/.test(n)) return 'ahci'
  if (/accelerator|co-processor|coprocessor/.test(n)) return 'accelerator'
  return 'generic'
}

/** A class code that matches a name-derived endpoint type, for formats without class codes. */
export function classForType(type: EndpointType): number | undefined {
  // An importer that names an RDMA NIC assumes InfiniBand (0207); the rest as topology/build.ts.
  if (type === 'rnic') return 0x020700
  return ENDPOINT_CLASS[type] ?? undefined
}

export function newReport(format: ImportFormat, source: string): ImportReport {
  return { format, source, counts: {}, cannotCarry: [], assumed: [], warnings: [] }
}

/** At most this many warnings are listed one by one; the rest are summarised. */
export const MAX_WARNINGS = 50

export function warn(report: ImportReport, message: string): void {
  if (report.warnings.length < MAX_WARNINGS) report.warnings.push(message)
  else if (report.warnings.length === MAX_WARNINGS) report.warnings.push('more warnings were left out')
}

/** Wraps a machine into a lab file with DEFAULT_SETTINGS. */
export function makeLab(name: string, description: string, machine: MachineSpec): LabFile {
  return {
    format: LAB_FORMAT,
    schemaVersion: LAB_SCHEMA_VERSION,
    name: clampLabel(name) || 'Imported machine',
    description: description.slice(0, 20_000),
    machine,
    settings: { ...DEFAULT_SETTINGS },
  }
}

/** Machine name from a file name: the base name without extension. */
export function baseName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName
  return clampLabel(base.replace(/\.(xml|txt|json|p2plab)$/i, '')) || 'Imported machine'
}

/** Final check of an importer's output against labFileSchema (a bug guard, never expected to fire). */
export function checkLab(source: string, lab: LabFile): InputIssue[] {
  if (lab.machine.nodes.length > LIMITS.maxNodes) {
    return [
      {
        source,
        message: `the machine has ${lab.machine.nodes.length} PCI objects; P2P DMA Lab handles at most ${LIMITS.maxNodes}`,
      },
    ]
  }
  const found = labFileShapeIssues(lab)
  return found.slice(0, 20).map((i) => ({
    source,
    path: i.path.map(String).join('.'),
    message: `importer produced an invalid lab: ${i.message}`,
  }))
}

/** Endpoint node with the importer's usual defaults. */
export function endpointNode(args: {
  id: string
  parent: string
  label?: string | undefined
  slot?: number | undefined
  fn?: number | undefined
  vendor?: number | undefined
  device?: number | undefined
  classCode?: number | undefined
  type: EndpointType
  bars: BarSpec[]
  driver?: string | undefined
  osDevices?: string[] | undefined
}): TopoNodeSpec {
  const { id, parent, label, slot, fn, vendor, device, classCode } = args
  let n: TopoNodeSpec
  if (
    label &&
    slot !== undefined &&
    fn !== undefined &&
    vendor !== undefined &&
    device !== undefined &&
    classCode !== undefined
  ) {
    n = knownEndpointNode(id, parent, label, slot, fn, vendor, device, classCode, args.type, args.bars)
  } else {
    n = { id, kind: 'endpoint', parent }
    if (label) n.label = clampLabel(label)
    if (slot !== undefined) n.slot = slot
    if (fn !== undefined) n.fn = fn
    if (vendor !== undefined) n.vendor = vendor
    if (device !== undefined) n.device = device
    if (classCode !== undefined) n.classCode = classCode
    n.endpoint = endpointSpec(args.type, args.bars)
  }
  const endpoint = n.endpoint!
  if (args.driver) {
    const d = safeDriver(args.driver)
    if (d) endpoint.driver = d
  }
  const os = args.osDevices ? safeOsDevices(args.osDevices) : undefined
  if (os) endpoint.osDevices = os
  return n
}

/**
 * endpointNode() of a function whose every field is known (label, slot, function, ids, class), its
 * arguments in order: one literal (the keys in the order below) instead of an object grown a
 * property at a time, and no arguments object made per call (an hwloc file has hundreds).
 */
export function knownEndpointNode(
  id: string,
  parent: string,
  label: string,
  slot: number,
  fn: number,
  vendor: number,
  device: number,
  classCode: number,
  type: EndpointType,
  bars: BarSpec[],
): TopoNodeSpec {
  return {
    id,
    kind: 'endpoint',
    parent,
    label: clampLabel(label),
    slot,
    fn,
    vendor,
    device,
    classCode,
    endpoint: endpointSpec(type, bars),
  }
}

/** Counts node kinds for reports. */
export function countKinds(nodes: TopoNodeSpec[]): Record<NodeKind, number> {
  const c: Record<NodeKind, number> = {
    host_bridge: 0,
    root_port: 0,
    switch_upstream: 0,
    switch_downstream: 0,
    pci_bridge: 0,
    endpoint: 0,
  }
  for (const n of nodes) c[n.kind]++
  return c
}

/**
 * The kernel scans function 0 of a slot first (pci_scan_slot) and skips the slot when it is absent.
 * Sources filter functions (lstopo drops "unimportant" ones such as an LPC bridge at 1f.0), so a
 * slot can list 1f.2 without 1f.0. Adds a generic placeholder at function 0 for such slots and
 * returns how many were added.
 */
export function addMissingFunctionZero(nodes: TopoNodeSpec[]): number {
  const reserved = new Set<string>()
  // The slots (parent, slot) whose first function listed is not 0, in order of first appearance:
  // that function, and whether a function 0 came later. Per parent, by slot number: the slot's
  // index in these lists, or HAS_ZERO for a slot listed from its function 0 (most of them).
  const byParent = new Map<string, number[]>()
  const firsts: TopoNodeSpec[] = []
  const withZero: boolean[] = []
  const count = nodes.length
  for (let i = 0; i < count; i++) {
    const n = nodes[i]!
    if (n.host?.hostDevice) reserved.add(n.id)
    if (n.parent === null || n.slot === undefined || n.fn === undefined) continue
    let bySlot = byParent.get(n.parent)
    if (!bySlot) byParent.set(n.parent, (bySlot = []))
    const g = bySlot[n.slot]
    if (g === undefined) {
      if (n.fn === 0) bySlot[n.slot] = HAS_ZERO
      else {
        bySlot[n.slot] = firsts.length
        firsts.push(n)
        withZero.push(false)
      }
    } else if (g !== HAS_ZERO && n.fn === 0) withZero[g] = true
  }
  let added = 0
  // The ids taken, made when the first placeholder needs one (most sources list every function 0).
  let ids: Set<string> | null = null
  for (let g = 0; g < firsts.length; g++) {
    const first = firsts[g]!
    if (withZero[g] || (first.slot === 0 && reserved.has(first.parent!))) continue
    if (ids === null) {
      ids = new Set<string>()
      for (let i = 0; i < count; i++) ids.add(nodes[i]!.id)
    }
    let id = /\.[0-7]$/.test(first.id) ? first.id.replace(/\.[0-7]$/, '.0') : `${first.id}-fn0`
    for (let k = 2; ids.has(id); k++) id = `${first.id}-fn0-${k}`
    ids.add(id)
    nodes.push({
      id: safeId(id),
      kind: 'endpoint',
      parent: first.parent,
      slot: first.slot!,
      fn: 0,
      label: `function 0 of ${first.label ?? first.id} (not in the source; placeholder)`.slice(
        0,
        LIMITS.maxLabelLength,
      ),
      endpoint: { type: 'generic', bars: [] },
    })
    added++
  }
  return added
}

/** addMissingFunctionZero()'s mark of a slot first listed with its function 0. */
const HAS_ZERO = -1

export const PLACEHOLDER_FN0_TEXT = (n: number): string =>
  `${n} placeholder function(s) 0 added: the source lists other functions of those slots without function 0, which the kernel scans first`
