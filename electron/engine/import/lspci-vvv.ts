/**
 * `lspci -vvv` importer, following pciutils 3.x output (checked against pciutils 3.9.0, Debian 12,
 * replaying tests/tree-asus-p6t6 with `lspci -F`): with or without `-nn` (class [cccc] and
 * [vvvv:dddd] ids), with or without the domain (`-D`), detail lines indented by a tab or by spaces.
 *
 * Read per function: the header `bb:dd.f Class [cccc]: Name [vvvv:dddd] (rev rr) (prog-if pp [...])`,
 * `Bus: primary=, secondary=, subordinate=`, `Region N: Memory at … (64-bit, prefetchable) [size=16G]`
 * and `I/O ports at … [size=32]` (also `[disabled]`, `[virtual]`, `<unassigned>`), the PCIe port type
 * from `Express (v2) Root Port | Upstream Port | Downstream Port | Endpoint | Legacy Endpoint |
 * Root Complex Integrated Endpoint | PCI-Express to PCI/PCI-X Bridge`, `ACSCap:` / `ACSCtl:` flags,
 * `NUMA node:` and `Kernel driver in use:`.
 *
 * The tree comes from bridge bus ranges: a function on bus N sits under the bridge whose secondary
 * bus is N. A bus no bridge leads to is a root bus with its own host bridge, except when it holds a
 * PCIe endpoint or upstream port, which cannot sit on a root bus: then the output is partial
 * (`lspci -s`) and a root port is assumed above it.
 *
 * Also reads the `lspci -x/-xxx/-xxxx` config-space dump that `lspci -F` replays (pciutils'
 * tests/tree-* files): see parseConfigDump; it yields the same facts except BAR sizes.
 *
 * Partial outputs are imported with warnings: a single device (`-s`), or only grep'd ACSCtl lines
 * (then the lab holds one empty host bridge and the report says what the lines said).
 *
 * Simplifications: bridge windows, link speed/width, bridge BARs, ATS/PRI/PASID, IOMMU groups and
 * Resizable BAR are not imported; a BAR without `[size=…]` is dropped with a warning.
 */
import type {
  AcsFlag,
  AcsSpec,
  BarSpec,
  CpuSpec,
  ImportReport,
  LabFile,
  NodeKind,
  TopoNodeSpec,
} from '../../../shared/model/topology'
import { ImportFailure, baseName, makeLab, newReport, warn } from './common'
import { ASSUMED_BARS_TEXT, PLACEHOLDER_FN0_TEXT, POSITION_KINDS_TEXT } from './common'
import { bdfText, hostBridgeId, parseBdf, pciId, safeId, type Bdf } from './common'
import { addMissingFunctionZero, assignBusEnds, classifyBridgesByPosition } from './common'
import { assumedBars, clampLabel, endpointNode, endpointTypeFromClass } from './common'
import { vendorFromName, CLASS_NAMES } from './common'
import { cpuOfRootComplex } from '../p2pdma/cpu'

const ACS_WORDS: Record<string, AcsFlag> = {
  SrcValid: 'SV',
  TransBlk: 'TB',
  ReqRedir: 'RR',
  CmpltRedir: 'CR',
  UpstreamFwd: 'UF',
  EgressCtrl: 'EC',
  DirectTrans: 'DT',
}

/** 'SrcValid+ TransBlk- ReqRedir+ …' → the flags marked '+'. Unknown words are ignored. */
export function parseAcsFlags(text: string): AcsFlag[] {
  const out: AcsFlag[] = []
  for (const m of text.matchAll(/([A-Za-z]+)([+-])/g)) {
    const f = ACS_WORDS[m[1]!]
    if (f && m[2] === '+' && !out.includes(f)) out.push(f)
  }
  return out
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/** 'Region 1: Memory at 3f000000000 (64-bit, prefetchable) [size=64G]' → BarSpec (null without a size). */
export function parseRegion(line: string): BarSpec | null | 'nosize' {
  const m = /^Region (\d+): (Memory|I\/O ports) at (?:\S+)(.*)$/.exec(line)
  if (!m) return null
  const index = Number(m[1])
  if (index > 5) return null
  const rest = m[3]!
  const s = /\[size=(\d+)([KMGT]?)\]/.exec(rest)
  if (!s) return 'nosize'
  const size = Number(s[1]) * SIZE_UNITS[s[2]!]!
  const bar: BarSpec = { index, size }
  if (m[2] === 'I/O ports') bar.io = true
  else {
    if (/64-bit/.test(rest)) bar.mem64 = true
    if (/[(,\s]prefetchable/.test(rest) && !/non-prefetchable/.test(rest)) bar.prefetch = true
  }
  return bar
}

const EXPRESS_TYPES: Record<string, NodeKind | 'endpoint'> = {
  'Root Port': 'root_port',
  'Upstream Port': 'switch_upstream',
  'Downstream Port': 'switch_downstream',
  'PCI-Express to PCI/PCI-X Bridge': 'pci_bridge',
  'PCI/PCI-X to PCI-Express Bridge': 'pci_bridge',
  Endpoint: 'endpoint',
  'Legacy Endpoint': 'endpoint',
  'Root Complex Integrated Endpoint': 'endpoint',
  'Root Complex Event Collector': 'endpoint',
}

interface Fn {
  bdf: Bdf
  line: number
  className: string
  cls: number | undefined
  progIf: number | undefined
  vendor: number | undefined
  device: number | undefined
  name: string
  secondary?: number
  subordinate?: number
  express?: string
  acsCap?: AcsFlag[]
  acsCtl?: AcsFlag[]
  bars: BarSpec[]
  numa?: number
  driver?: string
  accessDenied?: boolean
  /** Region lines without [size=…] (lspci -F replays of a config dump cannot know sizes). */
  sizeless?: number
}

const HEADER = /^(\S+)\s+(.*)$/

/** Content sniffing for index.ts: a device header followed by indented detail lines, or grep'd ACS lines. */
export function looksLikeLspciVvv(head: string): boolean {
  const lines = head.split(/\r?\n/, 400)
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!
    if (l.trim() === '') continue
    if (/^(?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]\s+[^:]+:/.test(l)) {
      const rest = lines.slice(i + 1).filter((x) => x.trim() !== '')
      return rest.length === 0 || rest.some((x) => /^[\t ]+\S/.test(x) || HEX_LINE.test(x))
    }
    if (/^\s+(ACSCtl|ACSCap|Region \d+|Bus: primary|Capabilities: \[)/.test(l)) return true
    return false
  }
  return false
}

function parseHeader(rest: string): Pick<Fn, 'className' | 'cls' | 'progIf' | 'vendor' | 'device' | 'name'> {
  // 'PCI bridge [0604]: Intel Corporation X58 Root Port 1 [8086:3408] (rev 12) (prog-if 00 [Normal decode])'
  const colon = rest.indexOf(': ')
  let className = colon === -1 ? rest : rest.slice(0, colon)
  let name = colon === -1 ? '' : rest.slice(colon + 2)
  let cls: number | undefined
  const cm = /^(.*?)\s*\[([0-9a-fA-F]{4})\]$/.exec(className)
  if (cm) {
    className = cm[1]!
    cls = parseInt(cm[2]!, 16)
  } else if (/^Class ([0-9a-fA-F]{4})$/.test(className)) cls = parseInt(className.slice(6), 16)
  else cls = CLASS_NAMES[className]
  let progIf: number | undefined
  const pm = /\s*\(prog-if ([0-9a-fA-F]{2})(?: \[[^\]]*\])?\)\s*$/.exec(name)
  if (pm) {
    progIf = parseInt(pm[1]!, 16)
    name = name.slice(0, pm.index)
  }
  name = name.replace(/\s*\(rev [0-9a-fA-F]{2}\)\s*$/, '')
  let vendor: number | undefined
  let device: number | undefined
  const ids = /\s*\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]\s*$/.exec(name)
  if (ids) {
    vendor = parseInt(ids[1]!, 16)
    device = parseInt(ids[2]!, 16)
    name = name.slice(0, ids.index)
  } else {
    vendor = vendorFromName(name)
    const dm = /\bDevice ([0-9a-fA-F]{4})$/.exec(name)
    if (vendor !== undefined && dm) device = parseInt(dm[1]!, 16)
  }
  return { className, cls, progIf, vendor, device, name: name.trim() }
}

/** What the text parse found: the functions, detail lines outside any function, whether -nn ids showed. */
interface ParsedLspci {
  fns: Fn[]
  orphan: { acsCtl: AcsFlag[][]; acsCap: AcsFlag[][]; lines: number }
  sawIds: boolean
  dump: boolean
}

/** One import in progress: the nodes made so far, the report, and where every function hangs. */
interface LspciImport {
  report: ImportReport
  counts: Record<string, number>
  nodes: TopoNodeSpec[]
  fns: Fn[]
  /** Bridges by `domain:secondary bus`. */
  bridgeBySecondary: Map<string, Fn>
  parentOf: Map<Fn, string>
  /** Bridges without an Express port type (classified by position later). */
  unknownKinds: Set<string>
}

const isBridge = (f: Fn): boolean => f.secondary !== undefined || f.cls === 0x0604 || f.cls === 0x0609
const fnId = (f: Fn): string => pciId(f.bdf.domain, f.bdf.bus, f.bdf.dev, f.bdf.fn)
const fnBdf = (f: Fn): string => bdfText(f.bdf.domain, f.bdf.bus, f.bdf.dev, f.bdf.fn)

export function importLspciVvv(fileName: string, text: string): { lab: LabFile; report: ImportReport } {
  const report = newReport('lspci-vvv', fileName)
  const parsed = parseLspciText(text, report)
  const { fns } = parsed
  if (fns.length === 0) return importGrepLines(fileName, parsed, report)
  const x: LspciImport = {
    report,
    counts: { functions: fns.length, pciDevices: 0, bridges: 0, hostBridges: 0 },
    nodes: [],
    fns,
    bridgeBySecondary: indexBridges(fns, report),
    parentOf: new Map(),
    unknownKinds: new Set(),
  }
  for (const f of fns) x.counts[isBridge(f) ? 'bridges' : 'pciDevices']!++
  placeRootBuses(x)
  for (const f of fns)
    if (!x.parentOf.has(f)) x.parentOf.set(f, fnId(x.bridgeBySecondary.get(`${f.bdf.domain}:${f.bdf.bus}`)!))
  const fnById = checkBusLoops(fns, x.parentOf)
  const seen = functionNodes(x, fnById)
  fixInconsistentKinds(x.nodes, x.unknownKinds, report)
  classifyBridgesByPosition(x.nodes, x.unknownKinds)
  assignBusEnds(x.nodes)
  const placeholders = addMissingFunctionZero(x.nodes)
  if (placeholders > 0) report.assumed.push(PLACEHOLDER_FN0_TEXT(placeholders))
  const cpu = reportAssumptions(x, parsed, seen)
  const lab = makeLab(
    baseName(fileName),
    `Imported from lspci -vvv (${fileName}): ${fns.length} functions.`,
    {
      name: baseName(fileName),
      cpu,
      nodes: x.nodes,
    },
  )
  return { lab, report }
}

/** The functions of a text (or config-dump) output, and detail lines that precede every header. */
function parseLspciText(text: string, report: ImportReport): ParsedLspci {
  const lines = text.split(/\r?\n/)
  const dump = isConfigDump(text)
  const out: ParsedLspci = { fns: [], orphan: { acsCtl: [], acsCap: [], lines: 0 }, sawIds: false, dump }
  if (dump) {
    out.fns.push(...parseConfigDump(lines))
    out.sawIds = true
    return out
  }
  let cur: Fn | null = null
  for (let ln = 0; ln < lines.length; ln++) {
    const raw = lines[ln]!
    if (raw.trim() === '') continue
    if (!/^[\t ]/.test(raw)) {
      const m = HEADER.exec(raw)
      const bdf = m ? parseBdf(m[1]!) : null
      if (!m || !bdf) {
        throw new ImportFailure(
          `lspci -vvv: expected a device header such as "00:01.0 PCI bridge: …", got "${raw.slice(0, 60)}" (bad PCI address)`,
          { line: ln + 1, column: 1 },
        )
      }
      const h = parseHeader(m[2]!)
      if (h.vendor !== undefined && /\[[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\]/.test(m[2]!)) out.sawIds = true
      cur = { bdf, line: ln + 1, bars: [], ...h }
      out.fns.push(cur)
      continue
    }
    const l = raw.trim()
    if (cur) readDetailLine(cur, l, ln + 1, report)
    else {
      out.orphan.lines++
      if (l.startsWith('ACSCtl:')) out.orphan.acsCtl.push(parseAcsFlags(l.slice(7)))
      else if (l.startsWith('ACSCap:')) out.orphan.acsCap.push(parseAcsFlags(l.slice(7)))
    }
  }
  return out
}

/** One indented detail line of a function: bus numbers, a Region, the Express type, ACS, NUMA, driver. */
function readDetailLine(cur: Fn, l: string, line: number, report: ImportReport): void {
  let m: RegExpExecArray | null
  if (
    (m = /^Bus: primary=([0-9a-fA-F]{2}), secondary=([0-9a-fA-F]{2}), subordinate=([0-9a-fA-F]{2})/.exec(l))
  ) {
    cur.secondary = parseInt(m[2]!, 16)
    cur.subordinate = parseInt(m[3]!, 16)
  } else if (l.startsWith('Region ')) {
    const bar = parseRegion(l)
    if (bar === 'nosize') cur.sizeless = (cur.sizeless ?? 0) + 1
    else if (bar) {
      if (bar.size >= 4 && Number.isInteger(Math.log2(bar.size)) && bar.size <= 2 ** 52) cur.bars.push(bar)
      else warn(report, `line ${line}: BAR size ${bar.size} is not a power of two; BAR left out`)
    }
  } else if (
    (m = /^Capabilities: \[[0-9a-fA-F]+\] Express \((?:v\d+)\) (.+?)(?:, MSI [0-9a-fA-F]+)?$/.exec(l)) ||
    (m = /^Capabilities: \[[0-9a-fA-F]+\] Express (.+?)(?:, MSI [0-9a-fA-F]+)?$/.exec(l))
  ) {
    const t = m[1]!.replace(/\s*\(Slot[+-]\)/, '').trim()
    if (EXPRESS_TYPES[t] !== undefined) cur.express = t
  } else if (l.startsWith('ACSCap:')) cur.acsCap = parseAcsFlags(l.slice(7))
  else if (l.startsWith('ACSCtl:')) cur.acsCtl = parseAcsFlags(l.slice(7))
  else if ((m = /^NUMA node: (\d+)/.exec(l))) cur.numa = Math.min(Number(m[1]), 1023)
  else if ((m = /^Kernel driver in use: (\S+)/.exec(l))) cur.driver = m[1]!
  else if (l.startsWith('Capabilities: <access denied>')) cur.accessDenied = true
}

/** Only grep'd detail lines (e.g. `lspci -vvv | grep ACSCtl`): nothing to attach them to. */
function importGrepLines(
  fileName: string,
  { orphan }: ParsedLspci,
  report: ImportReport,
): { lab: LabFile; report: ImportReport } {
  const counts: Record<string, number> = { functions: 0, pciDevices: 0, bridges: 0, hostBridges: 0 }
  counts.acsCtlLines = orphan.acsCtl.length
  counts.acsCapLines = orphan.acsCap.length
  if (orphan.lines === 0) throw new ImportFailure('lspci -vvv: no device found', { line: 1, column: 1 })
  const redirect = orphan.acsCtl.filter((f) => f.includes('RR') || f.includes('CR')).length
  report.warnings.push(
    `the file has no device headers (it looks like grep'd lspci -vvv output): ${orphan.acsCtl.length} ACSCtl and ${orphan.acsCap.length} ACSCap lines were read, ` +
      `${redirect} of the ACSCtl lines with ReqRedir or CmpltRedir on, but they name no device and cannot be attached to any port`,
  )
  report.assumed.push(
    'the lab holds one empty host bridge (0000:00, NUMA node 0) so that the file still opens; build the tree by hand or import full lspci -vvv output',
  )
  report.cannotCarry.push('devices and the tree (only detail lines are present)')
  const nodes: TopoNodeSpec[] = [
    {
      id: 'hb-0000:00',
      kind: 'host_bridge',
      parent: null,
      label: 'Host bridge 0000:00 (assumed)',
      host: { domain: 0, rootBus: 0, numaNode: 0, hostDevice: null },
    },
  ]
  counts.hostBridges = 1
  report.counts = counts
  const lab = makeLab(
    baseName(fileName),
    `Imported from grep'd lspci -vvv lines (${fileName}); no devices.`,
    {
      name: baseName(fileName),
      cpu: null,
      nodes,
    },
  )
  return { lab, report }
}

/** Bridges by (domain, secondary bus); a repeated BDF fails the import. */
function indexBridges(fns: readonly Fn[], report: ImportReport): Map<string, Fn> {
  const bridgeBySecondary = new Map<string, Fn>()
  const seen = new Set<string>()
  for (const f of fns) {
    const key = fnBdf(f)
    if (seen.has(key))
      throw new ImportFailure(`lspci -vvv: ${key} appears twice`, { line: f.line, column: 1 })
    seen.add(key)
    if (!isBridge(f)) continue
    if (f.secondary !== undefined) {
      const k = `${f.bdf.domain}:${f.secondary}`
      if (bridgeBySecondary.has(k))
        warn(
          report,
          `line ${f.line}: two bridges claim secondary bus ${f.secondary.toString(16).padStart(2, '0')}; keeping the first`,
        )
      else if (f.secondary !== 0) bridgeBySecondary.set(k, f)
    } else
      warn(
        report,
        `line ${f.line}: bridge ${key} has no "Bus: primary=…" line; devices below it cannot be placed`,
      )
  }
  return bridgeBySecondary
}

const canNotBeOnRootBus = (f: Fn): boolean =>
  f.express === 'Endpoint' ||
  f.express === 'Legacy Endpoint' ||
  f.express === 'Upstream Port' ||
  f.express === 'Downstream Port'

function newHostBridge(x: LspciImport, domain: number, bus: number, assumed: boolean): TopoNodeSpec {
  const hb: TopoNodeSpec = {
    id: hostBridgeId(domain, bus),
    kind: 'host_bridge',
    parent: null,
    label: `Host bridge ${bdfText(domain, bus, 0, 0).slice(0, 7)}${assumed ? ' (assumed)' : ''}`,
    host: { domain, rootBus: bus, numaNode: 0, hostDevice: null },
  }
  x.nodes.push(hb)
  x.counts.hostBridges!++
  return hb
}

/**
 * Root buses (buses no bridge leads to) get a host bridge each. A bus that holds a PCIe endpoint or
 * switch port cannot be a root bus: the output is partial, and a root port is assumed above it.
 */
function placeRootBuses(x: LspciImport): void {
  const rootBusFns = new Map<string, Fn[]>()
  for (const f of x.fns) {
    const k = `${f.bdf.domain}:${f.bdf.bus}`
    if (!x.bridgeBySecondary.has(k)) {
      const list = rootBusFns.get(k)
      if (list) list.push(f)
      else rootBusFns.set(k, [f])
    }
  }
  const rootKeys = [...rootBusFns.keys()].map((k) => k.split(':').map(Number) as [number, number])
  rootKeys.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const isOrphan = (domain: number, bus: number): boolean =>
    bus > 0 && rootBusFns.get(`${domain}:${bus}`)!.some(canNotBeOnRootBus)
  for (const [domain, bus] of rootKeys) {
    if (isOrphan(domain, bus)) continue
    const hb = newHostBridge(x, domain, bus, false)
    for (const f of rootBusFns.get(`${domain}:${bus}`)!) x.parentOf.set(f, hb.id)
  }
  for (const [domain, bus] of rootKeys) {
    if (!isOrphan(domain, bus)) continue
    const rp = assumeRootPort(x, domain, bus)
    for (const f of rootBusFns.get(`${domain}:${bus}`)!) x.parentOf.set(f, rp.id)
  }
}

/**
 * Partial output: a PCIe endpoint or switch port cannot sit on a root bus. Assume a root port,
 * below the nearest host bridge under this bus number (or a new one just below it).
 */
function assumeRootPort(x: LspciImport, domain: number, bus: number): TopoNodeSpec {
  let hb: TopoNodeSpec | undefined
  for (const n of x.nodes)
    if (
      n.host &&
      n.host.domain === domain &&
      n.host.rootBus < bus &&
      (!hb || n.host.rootBus > hb.host!.rootBus)
    )
      hb = n
  hb ??= newHostBridge(x, domain, bus - 1, true)
  const rp: TopoNodeSpec = {
    id: safeId(`rp-assumed-${bdfText(domain, bus, 0, 0).slice(0, 7)}`),
    kind: 'root_port',
    parent: hb.id,
    label: `Root port to bus ${bus.toString(16).padStart(2, '0')} (assumed)`,
  }
  x.nodes.push(rp)
  x.report.assumed.push(
    `no bridge in the file leads to bus ${bus.toString(16).padStart(2, '0')} (partial output such as lspci -s): a root port${hb.label?.endsWith('(assumed)') ? ' and a host bridge' : ''} were assumed above it`,
  )
  return rp
}

/** Hostile bus numbers: a bridge below itself, or bridges below each other. Returns the functions by id. */
function checkBusLoops(fns: readonly Fn[], parentOf: Map<Fn, string>): Map<string, Fn> {
  // Cycle guard: a bridge whose secondary equals its own bus (hostile input) would parent itself.
  for (const f of fns) {
    if (parentOf.get(f) === fnId(f))
      throw new ImportFailure(`lspci -vvv: bridge ${fnBdf(f)} has secondary bus equal to its own bus`, {
        line: f.line,
        column: 1,
      })
  }
  const fnById = new Map<string, Fn>(fns.map((f) => [fnId(f), f]))
  // A longer cycle (bridge A below B below A) through bus numbers: walk up with a bound.
  for (const f of fns) {
    let id: string | undefined = fnId(f)
    for (let steps = 0; id !== undefined; steps++) {
      if (steps > 256)
        throw new ImportFailure(`lspci -vvv: bridge bus numbers form a loop around ${fnBdf(f)}`, {
          line: f.line,
          column: 1,
        })
      const g = fnById.get(id)
      id = g ? parentOf.get(g) : undefined
    }
  }
  return fnById
}

/** What the function pass saw, for the report. */
interface FunctionStats {
  acsSeen: number
  expressSeen: number
  hostDeviceIdsUnknown: number
  sizelessFns: number
}

/**
 * Every function as a node: 00.0 on a root bus as its host bridge's own device, a bridge with its
 * Express port type, anything else as an endpoint. NUMA nodes go to the host bridges.
 */
function functionNodes(x: LspciImport, fnById: Map<string, Fn>): FunctionStats {
  const st: FunctionStats = { acsSeen: 0, expressSeen: 0, hostDeviceIdsUnknown: 0, sizelessFns: 0 }
  const numaVotes = new Map<string, number>()
  const hbById = new Map(x.nodes.filter((n) => n.kind === 'host_bridge').map((n) => [n.id, n]))
  for (const f of x.fns) {
    const parent = x.parentOf.get(f)!
    const classCode = f.cls === undefined ? undefined : (f.cls << 8) | (f.progIf ?? 0)
    if (f.numa !== undefined) {
      const hbId = hostOf(parent, x.parentOf, fnById)
      if (hbId && !numaVotes.has(hbId)) numaVotes.set(hbId, f.numa)
    }
    const hb = hbById.get(parent)
    if (
      hb?.host &&
      f.bdf.dev === 0 &&
      f.bdf.fn === 0 &&
      f.bdf.bus === hb.host.rootBus &&
      !isBridge(f) &&
      f.vendor !== undefined
    ) {
      if (f.device === undefined) st.hostDeviceIdsUnknown++
      hb.host.hostDevice = {
        vendor: f.vendor,
        device: f.device ?? 0,
        label: clampLabel(f.name || f.className),
      }
      if (classCode !== undefined) hb.host.hostDevice.classCode = classCode
      x.counts.hostDevices = (x.counts.hostDevices ?? 0) + 1
      continue
    }
    let acs: AcsSpec | undefined
    if (f.acsCap || f.acsCtl) {
      acs = { cap: f.acsCap ?? [], ctrl: f.acsCtl ?? [] }
      st.acsSeen++
    }
    if (f.express) st.expressSeen++
    const n = isBridge(f) ? bridgeNode(x, f, parent, classCode) : endpointOf(f, parent, classCode, st)
    if (acs) n.acs = acs
    x.nodes.push(n)
  }
  for (const [hbId, numa] of numaVotes) {
    const hb = x.nodes.find((n) => n.id === hbId)
    if (hb?.host) hb.host.numaNode = numa
  }
  return st
}

/** `bb:dd.f Name` */
function fnLabel(f: Fn): string {
  return clampLabel(
    `${f.bdf.bus.toString(16).padStart(2, '0')}:${f.bdf.dev.toString(16).padStart(2, '0')}.${f.bdf.fn} ${f.name || f.className}`,
  )
}

/** A bridge: its Express port type when it printed one, else classified by position later. */
function bridgeNode(x: LspciImport, f: Fn, parent: string, classCode: number | undefined): TopoNodeSpec {
  const id = fnId(f)
  const n: TopoNodeSpec = { id, kind: 'pci_bridge', parent, label: fnLabel(f), slot: f.bdf.dev, fn: f.bdf.fn }
  if (f.vendor !== undefined) n.vendor = f.vendor
  if (f.device !== undefined) n.device = f.device
  if (classCode !== undefined) n.classCode = classCode
  const k = f.express ? EXPRESS_TYPES[f.express] : undefined
  if (k && k !== 'endpoint') n.kind = k
  else x.unknownKinds.add(id)
  if (f.bars.length > 0) warn(x.report, `${fnBdf(f)}: BARs of a bridge are not modelled`)
  return n
}

/** An endpoint; a function whose Region lines have no sizes gets the assumed BARs of its type. */
function endpointOf(f: Fn, parent: string, classCode: number | undefined, st: FunctionStats): TopoNodeSpec {
  const type = classCode === undefined ? 'generic' : endpointTypeFromClass(classCode, f.vendor)
  let bars = f.bars
  if (f.sizeless && bars.length === 0) {
    bars = assumedBars(type)
    st.sizelessFns++
  }
  return endpointNode({
    id: fnId(f),
    parent,
    label: fnLabel(f),
    slot: f.bdf.dev,
    fn: f.bdf.fn,
    vendor: f.vendor,
    device: f.device,
    classCode,
    type,
    bars,
    driver: f.driver,
  })
}

/** The report's counts, assumptions and warnings; returns the CPU inferred from the host bridge devices. */
function reportAssumptions(x: LspciImport, parsed: ParsedLspci, st: FunctionStats): CpuSpec | null {
  const { report, fns } = x
  if (parsed.dump) {
    report.assumed.push(
      'read from an lspci -x/-xxx/-xxxx config-space dump: ids, class, header type, bus numbers, PCIe port type and ACS decoded from the registers; names from the header lines',
    )
    report.cannotCarry.push(
      'BAR sizes (a dump holds the BAR registers, not their sizes; sizing needs writes to the device)',
      'NUMA nodes and kernel drivers',
    )
  }
  x.counts.acsCapabilities = st.acsSeen
  report.counts = x.counts
  report.cannotCarry.push('bridge windows and link state are not imported', 'IOMMU groups')
  if (!parsed.sawIds)
    report.assumed.push(
      'vendor and class ids derived from the names lspci printed (the output has no -nn ids); unknown vendors left empty',
    )
  if (x.unknownKinds.size > 0)
    report.assumed.push(
      `${x.unknownKinds.size} bridge(s) without an "Express … Port" capability line: ${POSITION_KINDS_TEXT}`,
    )
  if (st.expressSeen === 0) warn(report, 'no PCIe capability lines found (was lspci run as root with -vvv?)')
  if (fns.some((f) => f.accessDenied))
    warn(report, 'some capabilities show <access denied>: run lspci -vvv as root to see port types and ACS')
  report.assumed.push(
    st.acsSeen > 0
      ? 'functions without an ACS capability line have no ACS capability'
      : 'no ACS capability lines: ACS assumed absent everywhere',
  )
  if (!fns.some((f) => f.numa !== undefined))
    report.assumed.push('NUMA node 0 assumed for every host bridge (no "NUMA node:" lines)')
  if (st.sizelessFns > 0)
    report.assumed.push(
      `${st.sizelessFns} function(s) print Region lines without [size=…] (e.g. lspci -F replaying a config-space dump): ${ASSUMED_BARS_TEXT}`,
    )
  if (st.hostDeviceIdsUnknown > 0)
    report.assumed.push(
      `${st.hostDeviceIdsUnknown} host bridge device(s) at 00.0 have a name but no device id (output without -nn); device id 0 used`,
    )
  const cpu = cpuFromHostDevices(x.nodes)
  if (cpu) report.assumed.push(`CPU inferred from the host bridge device: ${cpu.name ?? ''}`)
  else
    report.assumed.push('CPU: not in lspci output; left for the engine to infer from the host bridge vendors')
  return cpu
}

function hostOf(id: string, parentOf: Map<Fn, string>, fnById: Map<string, Fn>): string | undefined {
  let cur: string | undefined = id
  for (let i = 0; i < 300 && cur !== undefined; i++) {
    const f = fnById.get(cur)
    if (!f) return cur
    cur = parentOf.get(f)
  }
  return undefined
}

/**
 * A port type from the Express capability that contradicts the tree (e.g. a "Root Port" not on a root
 * bus, a "Downstream Port" not below an upstream port) is dropped in favour of the position rule.
 */
function fixInconsistentKinds(nodes: TopoNodeSpec[], unknown: Set<string>, report: ImportReport): void {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  for (const n of nodes) {
    if (unknown.has(n.id) || n.kind === 'endpoint' || n.kind === 'host_bridge' || n.parent === null) continue
    const p = byId.get(n.parent)
    if (!p) continue
    const ok =
      (n.kind === 'root_port' && p.kind === 'host_bridge') ||
      (n.kind === 'switch_downstream' && (p.kind === 'switch_upstream' || unknown.has(p.id))) ||
      (n.kind === 'switch_upstream' && p.kind !== 'host_bridge') ||
      n.kind === 'pci_bridge'
    if (!ok) {
      warn(
        report,
        `${n.id}: its PCIe capability says ${n.kind} but it sits below ${p.kind} ${p.id}; classified by position instead`,
      )
      n.kind = 'pci_bridge'
      unknown.add(n.id)
    }
  }
}

/** The CPU of the first host bridge device that is a known root complex (p2pdma/cpu.ts), or null. */
export function cpuFromHostDevices(nodes: TopoNodeSpec[]): CpuSpec | null {
  for (const n of nodes) {
    const d = n.host?.hostDevice
    const c = d ? cpuOfRootComplex(d.vendor, d.device) : null
    if (c) return c
  }
  return null
}

/** A config-space dump line: '00: 86 80 05 34 …' (offset, then up to 16 bytes). */
const HEX_LINE = /^([0-9a-fA-F]{2,3}):((?: [0-9a-fA-F]{2}){1,16})\s*$/

/** `lspci -x/-xxx/-xxxx` output (also what `lspci -F` replays): a header, then hex lines from offset 00. */
export function isConfigDump(text: string): boolean {
  return /^\S+ [^\n]*\r?\n00:(?: [0-9a-fA-F]{2}){16}\s*$/m.test(text.slice(0, 4096))
}

/** PCI Express Capability "Device/Port Type" (PCI_EXP_FLAGS_TYPE) → the words lspci prints. */
const PCIE_TYPE_NAMES: Record<number, string> = {
  0x0: 'Endpoint',
  0x1: 'Legacy Endpoint',
  0x4: 'Root Port',
  0x5: 'Upstream Port',
  0x6: 'Downstream Port',
  0x7: 'PCI-Express to PCI/PCI-X Bridge',
  0x8: 'PCI/PCI-X to PCI-Express Bridge',
  0x9: 'Root Complex Integrated Endpoint',
  0xa: 'Root Complex Event Collector',
}
const ACS_BITS: [number, AcsFlag][] = [
  [0x01, 'SV'],
  [0x02, 'TB'],
  [0x04, 'RR'],
  [0x08, 'CR'],
  [0x10, 'UF'],
  [0x20, 'EC'],
  [0x40, 'DT'],
]
const acsFlags = (v: number): AcsFlag[] => ACS_BITS.filter(([bit]) => (v & bit) !== 0).map(([, f]) => f)

/**
 * Decodes an `lspci -x/-xxx/-xxxx` dump (the format of pciutils' tests/tree-* files, replayable with
 * `lspci -F`), following include/uapi/linux/pci_regs.h: vendor/device (0x00), prog-if and class
 * (0x09-0x0b), header type (0x0e), secondary/subordinate bus (0x19/0x1a of a type-1 header), the
 * capability list from 0x34 (PCI Express capability 0x10: port type in bits 7:4 of its flags) and
 * the extended capability list from 0x100 (ACS 0x000d: capability at +4, control at +6).
 * BAR registers are read only to count them: their sizes are not in a dump.
 */
export function parseConfigDump(lines: string[]): Fn[] {
  const fns: Fn[] = []
  let cur: { fn: Fn; bytes: Uint8Array; len: number } | null = null
  const finish = (): void => {
    if (!cur) return
    decodeConfig(cur.fn, cur.bytes, cur.len)
    fns.push(cur.fn)
    cur = null
  }
  for (let ln = 0; ln < lines.length; ln++) {
    const raw = lines[ln]!
    if (raw.trim() === '') {
      finish()
      continue
    }
    const hex = HEX_LINE.exec(raw)
    if (hex) {
      if (!cur)
        throw new ImportFailure('lspci -x dump: hex bytes before any device header', {
          line: ln + 1,
          column: 1,
        })
      const off = parseInt(hex[1]!, 16)
      if (off % 16 !== 0 || off > 0xff0)
        throw new ImportFailure(`lspci -x dump: bad offset ${hex[1]}`, { line: ln + 1, column: 1 })
      const bytes = hex[2]!.trim().split(' ')
      bytes.forEach((b, k) => (cur!.bytes[off + k] = parseInt(b, 16)))
      cur.len = Math.max(cur.len, off + bytes.length)
      continue
    }
    const m = HEADER.exec(raw)
    const bdf = m ? parseBdf(m[1]!) : null
    if (!m || !bdf || /^\s/.test(raw)) {
      throw new ImportFailure(
        `lspci -x dump: expected a device header such as "00:01.0 PCI bridge: …" or a hex line, got "${raw.slice(0, 60)}"`,
        { line: ln + 1, column: 1 },
      )
    }
    finish()
    const h = parseHeader(m[2]!)
    cur = { fn: { bdf, line: ln + 1, bars: [], ...h }, bytes: new Uint8Array(4096), len: 0 }
  }
  finish()
  return fns
}

function decodeConfig(f: Fn, b: Uint8Array, len: number): void {
  if (len < 64) return // a header without its 64-byte standard header: keep what the name line said
  const w = (o: number): number => b[o]! | (b[o + 1]! << 8)
  const dw = (o: number): number => (w(o) | (w(o + 2) << 16)) >>> 0
  f.vendor = w(0)
  f.device = w(2)
  f.progIf = b[9]!
  f.cls = (b[0xb]! << 8) | b[0xa]!
  const headerType = b[0xe]! & 0x7f
  if (headerType === 1) {
    f.secondary = b[0x19]!
    f.subordinate = b[0x1a]!
  }
  // BAR registers present but sizes unknown: counted so the importer assumes sizes and says so.
  const nBars = headerType === 0 ? 6 : headerType === 1 ? 2 : 0
  let sizeless = 0
  for (let i = 0; i < nBars; i++) {
    const v = dw(0x10 + 4 * i)
    if (v === 0) continue
    sizeless++
    if ((v & 1) === 0 && ((v >> 1) & 3) === 2) i++
  }
  if (sizeless > 0) f.sizeless = sizeless
  if ((w(6) & 0x10) === 0) return // no capability list
  let pcie = false
  let ptr = b[0x34]! & 0xfc
  for (let guard = 0; ptr >= 0x40 && ptr < Math.min(len, 256) && guard < 48; guard++) {
    if (b[ptr] === 0x10) {
      const t = PCIE_TYPE_NAMES[(b[ptr + 2]! >> 4) & 0xf]
      if (t) f.express = t
      pcie = true
    }
    ptr = b[ptr + 1]! & 0xfc
  }
  if (!pcie || len < 0x104) return
  let ext = 0x100
  for (let guard = 0; ext >= 0x100 && ext + 8 <= len && guard < 96; guard++) {
    const h = dw(ext)
    if (h === 0 || h === 0xffffffff) break
    if ((h & 0xffff) === 0x000d) {
      f.acsCap = acsFlags(w(ext + 4))
      f.acsCtl = acsFlags(w(ext + 6))
    }
    ext = (h >>> 20) & 0xffc
  }
}
