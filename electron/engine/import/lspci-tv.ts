/**
 * `lspci -tv` / `lspci -t` importer, following pciutils 3.x tree output (ls-tree.c; checked against
 * pciutils 3.9.0 replaying tests/tree-asus-p6t6 and the stelline samples):
 *
 *   -+-[0000:00]-+-00.0  Host bridge name            root bus; "+-" more siblings, "\-" the last
 *    |           +-01.1-[61-73]----00.0-[62-73]--+-00.0 …   bridge dd.f-[sec-sub]; "----" one child
 *    |           |                               \-1c.0-[73]--   "--": nothing behind the bridge
 *    \-[0000:e0]-+-…                               another root bus
 *
 * A single root bus prints as `-[0000:00]-+-…`; old pciutils print `[00]` without the domain.
 * With `-nn`, trailing `[vvvv:dddd]` ids are read.
 *
 * Parsing is column-based and linear: each "+-"/"\-" at column c continues the branch opened at
 * column c by a "-+-" on an earlier line, so the parent of every device is known without lookahead.
 *
 * The format carries names only: no class codes, BARs, ACS, port types or NUMA nodes. Endpoint
 * types come from name keywords (NVIDIA/AMD GPU names, VGA/3D → gpu, "Non-Volatile memory
 * controller"/NVMe → nvme, Mellanox/ConnectX → rnic, Ethernet → nic, SATA/AHCI → ahci); vendor ids
 * from the pci.ids vendor names; all of it is listed in the report's `assumed`.
 */
import type { CpuSpec, ImportReport, LabFile, TopoNodeSpec } from '../../../shared/model/topology'
import { ImportFailure, baseName, makeLab, newReport, warn } from './common'
import { ASSUMED_ACS_TEXT, ASSUMED_BARS_TEXT, PLACEHOLDER_FN0_TEXT, POSITION_KINDS_TEXT } from './common'
import { bdfText, hostBridgeId, pciId } from './common'
import { addMissingFunctionZero, assignBusEnds, classifyBridgesByPosition } from './common'
import { assumedBars, clampLabel, endpointNode, endpointTypeFromClass } from './common'
import { endpointTypeFromName, classForType, vendorFromName } from './common'
import { cpuFromHostDevices } from './lspci-vvv'

export function looksLikeLspciTv(head: string): boolean {
  const first = head.split(/\r?\n/, 50).find((l) => l.trim() !== '')
  if (!first) return false
  return /^\s*-(?:\+-)?\[(?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}\]-/.test(first)
}

type Ctx = { root: true } | { root: false; domain: number; bus: number; owner: string }
const ROOT: Ctx = { root: true }

interface TvDev {
  id: string
  domain: number
  bus: number
  dev: number
  fn: number
  name: string
  vendor?: number
  device?: number
  secondary?: number
  subordinate?: number
  parent: string
  line: number
}

/** The tree text read line by line: root buses, functions and the open branches between lines. */
class TvParser {
  readonly devs: TvDev[] = []
  readonly hosts: { id: string; domain: number; bus: number }[] = []
  private readonly ids = new Set<string>()
  withIds = false
  /** Open branches: column of a "+"/"\\" → the bus whose children continue at that column. */
  private readonly branches = new Map<number, Ctx>()
  // The line being read.
  private line = ''
  private ln = 0
  private i = 0
  private pending: Ctx | null = ROOT

  private fail(msg: string, col: number): never {
    throw new ImportFailure(`lspci -tv: ${msg}`, { line: this.ln + 1, column: col + 1 })
  }

  /** One line: tree-drawing characters, then the items they lead to. */
  parseLine(line: string, ln: number): void {
    this.line = line
    this.ln = ln
    this.pending = ROOT
    this.i = 0
    const len = line.length
    while (this.i < len) {
      const i = this.i
      const c = line[i]!
      if (c === ' ' || c === '|' || c === '\t') {
        this.i++
        continue
      }
      if ((c === '+' || c === '\\') && line[i + 1] === '-') {
        let ctx: Ctx | undefined
        if (i > 0 && line[i - 1] === '-') {
          if (!this.pending) this.fail('a branch with nothing to branch from', i)
          ctx = this.pending!
          this.branches.set(i, ctx)
        } else {
          ctx = this.branches.get(i)
          if (!ctx) this.fail(`"${c}-" at column ${i + 1} continues no open branch`, i)
        }
        this.i += 2
        this.item(ctx!)
        continue
      }
      if (c === '-') {
        let j = i
        while (j < len && line[j] === '-') j++
        const next = line[j]
        if (next === undefined || next === ' ') {
          this.pending = null // "--": an empty bridge
          this.i = j
          continue
        }
        if (next === '+' || next === '\\') {
          this.i = j
          continue
        }
        if (!this.pending) this.fail('unexpected "-"', i)
        this.i = j
        this.item(this.pending!)
        continue
      }
      if (c === '[' && i === 0) {
        this.item(ROOT)
        continue
      }
      this.fail(`unexpected "${c}"`, i)
    }
  }

  /** A root bus `[dddd:bb]` or a function `dd.f` (a bridge `-[ss-ee]`, or an endpoint and its name). */
  private item(ctx: Ctx): void {
    if (this.line[this.i] === '[') return this.rootBus(ctx)
    const { line, i } = this
    const m = /^([0-9a-fA-F]{2})\.([0-7])/.exec(line.slice(i, i + 4))
    if (!m) this.fail(`expected a device number such as 00.0, got "${line.slice(i, i + 8)}"`, i)
    if (ctx.root) return this.fail('a device must sit on a bus: expected [dddd:bb]', i)
    const dev = parseInt(m![1]!, 16)
    if (dev > 0x1f) this.fail(`device number ${m![1]} is out of range (00-1f)`, i)
    const fn = parseInt(m![2]!, 16)
    const id = pciId(ctx.domain, ctx.bus, dev, fn)
    if (this.ids.has(id)) this.fail(`${bdfText(ctx.domain, ctx.bus, dev, fn)} appears twice`, i)
    this.ids.add(id)
    const d: TvDev = {
      id,
      domain: ctx.domain,
      bus: ctx.bus,
      dev,
      fn,
      name: '',
      parent: ctx.owner,
      line: this.ln + 1,
    }
    this.devs.push(d)
    this.i += m![0].length
    const r = /^-\[([0-9a-fA-F]{2})(?:-([0-9a-fA-F]{2}))?\]/.exec(line.slice(this.i, this.i + 10))
    if (r) {
      d.secondary = parseInt(r[1]!, 16)
      d.subordinate = r[2] === undefined ? d.secondary : parseInt(r[2], 16)
      if (d.secondary === ctx.bus)
        this.fail(`bridge ${bdfText(ctx.domain, ctx.bus, dev, fn)} has its own bus as secondary`, this.i)
      this.pending = { root: false, domain: ctx.domain, bus: d.secondary, owner: id }
      this.i += r[0].length
      return
    }
    // An endpoint: the rest of the line is its name.
    let name = line.slice(this.i).trim()
    const idm = /\s*\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]$/.exec(name)
    if (idm) {
      d.vendor = parseInt(idm[1]!, 16)
      d.device = parseInt(idm[2]!, 16)
      name = name.slice(0, idm.index)
      this.withIds = true
    }
    d.name = name
    this.i = line.length
    this.pending = null
  }

  private rootBus(ctx: Ctx): void {
    const { i } = this
    const m = /^\[(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2})\]/.exec(this.line.slice(i, i + 16))
    if (!m) this.fail('expected a root bus such as [0000:00]', i)
    if (!ctx.root) this.fail('a root bus [dddd:bb] can only start a tree branch', i)
    const domain = m![1] === undefined ? 0 : parseInt(m![1], 16)
    if (domain > 0xffff) this.fail('PCI domain out of range', i)
    const bus = parseInt(m![2]!, 16)
    const id = hostBridgeId(domain, bus)
    if (this.ids.has(id)) this.fail(`root bus ${bdfText(domain, bus, 0, 0).slice(0, 7)} appears twice`, i)
    this.ids.add(id)
    this.hosts.push({ id, domain, bus })
    this.pending = { root: false, domain, bus, owner: id }
    this.i += m![0].length
  }
}

export function importLspciTv(fileName: string, text: string): { lab: LabFile; report: ImportReport } {
  const report = newReport('lspci-tv', fileName)
  const p = new TvParser()
  text.split(/\r?\n/).forEach((line, ln) => {
    if (line.trim() !== '') p.parseLine(line, ln)
  })
  const { devs, hosts } = p
  if (hosts.length === 0) throw new ImportFailure('lspci -tv: no root bus found', { line: 1, column: 1 })
  const nodes: TopoNodeSpec[] = []
  const hbById = new Map<string, TopoNodeSpec>()
  for (const h of hosts) {
    const n: TopoNodeSpec = {
      id: h.id,
      kind: 'host_bridge',
      parent: null,
      label: `Host bridge ${bdfText(h.domain, h.bus, 0, 0).slice(0, 7)}`,
      host: { domain: h.domain, rootBus: h.bus, numaNode: 0, hostDevice: null },
    }
    nodes.push(n)
    hbById.set(h.id, n)
  }
  const unknown = new Set<string>()
  const counts: Record<string, number> = {
    functions: devs.length,
    pciDevices: 0,
    bridges: 0,
    hostBridges: hosts.length,
    emptyBridges: 0,
  }
  const hostDeviceIdsUnknown = functionNodes(devs, { nodes, hbById, unknown, counts })
  classifyBridgesByPosition(nodes, unknown)
  assignBusEnds(nodes)
  const placeholders = addMissingFunctionZero(nodes)
  if (placeholders > 0) report.assumed.push(PLACEHOLDER_FN0_TEXT(placeholders))
  const cpu = reportAssumptions(report, { counts, nodes, withIds: p.withIds, hostDeviceIdsUnknown })
  const lab = makeLab(
    baseName(fileName),
    `Imported from lspci -tv (${fileName}): ${devs.length} functions on ${hosts.length} root buses.`,
    { name: baseName(fileName), cpu, nodes },
  )
  return { lab, report }
}

/**
 * Every function as a node: a bridge (kind by position later), 00.0 on a root bus as its host
 * bridge's own device, anything else an endpoint typed from its name. Returns how many host bridge
 * devices had no device id.
 */
function functionNodes(
  devs: readonly TvDev[],
  into: {
    nodes: TopoNodeSpec[]
    hbById: Map<string, TopoNodeSpec>
    unknown: Set<string>
    counts: Record<string, number>
  },
): number {
  const { nodes, hbById, unknown, counts } = into
  const hasChild = new Set(devs.map((d) => d.parent))
  let hostDeviceIdsUnknown = 0
  for (const d of devs) {
    const label = clampLabel(`${bdfText(d.domain, d.bus, d.dev, d.fn).slice(5)}${d.name ? ' ' + d.name : ''}`)
    if (d.secondary !== undefined) {
      counts.bridges!++
      if (!hasChild.has(d.id)) counts.emptyBridges!++
      const n: TopoNodeSpec = { id: d.id, kind: 'pci_bridge', parent: d.parent, label, slot: d.dev, fn: d.fn }
      if (d.vendor !== undefined) n.vendor = d.vendor
      if (d.device !== undefined) n.device = d.device
      nodes.push(n)
      unknown.add(d.id)
      continue
    }
    counts.pciDevices!++
    const vendor = d.vendor ?? vendorFromName(d.name)
    const hb = hbById.get(d.parent)
    if (hb?.host && d.dev === 0 && d.fn === 0 && vendor !== undefined) {
      let device = d.device
      if (device === undefined) {
        const dm = /\bDevice ([0-9a-fA-F]{4})$/.exec(d.name)
        if (dm) device = parseInt(dm[1]!, 16)
      }
      if (device === undefined) hostDeviceIdsUnknown++
      hb.host.hostDevice = { vendor, device: device ?? 0, label: clampLabel(d.name) }
      counts.hostDevices = (counts.hostDevices ?? 0) + 1
      continue
    }
    const type = d.name ? endpointTypeFromName(d.name) : 'generic'
    const classCode = classForType(type)
    const t = classCode !== undefined ? endpointTypeFromClass(classCode, vendor) : type
    nodes.push(
      endpointNode({
        id: d.id,
        parent: d.parent,
        label,
        slot: d.dev,
        fn: d.fn,
        vendor,
        device: d.device,
        classCode,
        type: t,
        bars: assumedBars(t),
      }),
    )
  }
  return hostDeviceIdsUnknown
}

/** The report's counts, assumptions and warnings; returns the CPU inferred from the host bridge devices. */
function reportAssumptions(
  report: ImportReport,
  r: {
    counts: Record<string, number>
    nodes: TopoNodeSpec[]
    withIds: boolean
    hostDeviceIdsUnknown: number
  },
): CpuSpec | null {
  const { counts } = r
  report.counts = counts
  report.cannotCarry.push(
    'class codes',
    'BARs',
    'ACS capability and control',
    'PCIe port types',
    'NUMA nodes',
    'link speed and width',
  )
  report.assumed.push(
    'endpoint types from the device names: NVIDIA/AMD GPU names, VGA/3D/graphics → GPU; "Non-Volatile memory controller"/NVMe → NVMe; Mellanox/ConnectX/InfiniBand → RDMA NIC; Ethernet → NIC; SATA/AHCI → AHCI; anything else → generic',
    r.withIds
      ? 'vendor/device ids read from the -nn [vvvv:dddd] suffixes'
      : 'vendor ids from pci.ids vendor names (unknown vendors left empty); device ids unknown',
    POSITION_KINDS_TEXT,
    ASSUMED_BARS_TEXT,
    ASSUMED_ACS_TEXT,
    'NUMA node 0 assumed for every host bridge',
  )
  if (r.hostDeviceIdsUnknown > 0)
    report.assumed.push(
      `${r.hostDeviceIdsUnknown} host bridge device(s) at 00.0 have a name but no device id in -tv output; device id 0 used`,
    )
  const cpu = cpuFromHostDevices(r.nodes)
  if (cpu) report.assumed.push(`CPU inferred from the host bridge device: ${cpu.name ?? ''}`)
  else
    report.assumed.push(
      'CPU: not in lspci -tv output; left for the engine to infer from the host bridge vendors',
    )
  if (counts.emptyBridges! > 0)
    warn(report, `${counts.emptyBridges} bridge(s) have nothing behind them (empty slots); kept in the tree`)
  return cpu
}
