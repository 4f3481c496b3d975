/**
 * `nvidia-smi topo -m` importer. Follows the matrix printed by NVIDIA drivers from the R384 era
 * (DGX-1 sample: NIC device names as headers, "PCIe switch" legend, SOC/SYS) to R535+ (NIC0… headers
 * with a "NIC Legend:" block, "CPU Affinity", "NUMA Affinity" and "GPU NUMA ID" columns). Header
 * names contain spaces, so columns are split on tabs or runs of 2+ spaces; row cells on whitespace.
 * ANSI colour codes (printed on a terminal) are removed first.
 *
 * The matrix is not a tree: only pairwise path classes. An APPROXIMATE tree is rebuilt from them:
 *
 *   NUMA node (SYS between groups)
 *    └ host bridge (NODE between host bridges of one NUMA node)
 *       └ root port (PHB between devices on different root ports)
 *          ├ device                     one device alone on the root port
 *          └ switch upstream            several devices: PXB/PIX inside
 *             ├ downstream ─ device     one PIX group: each device on its own downstream port
 *             └ downstream ─ switch …   several PIX groups: one nested switch per PIX group,
 *                                       so devices of different groups are PXB apart
 *
 * Groups are connected components of "level ≤ L" pairs (union-find), so a matrix that is not
 * ultrametric still yields a tree; `impliedLevel` recomputes every pair from the tree and each
 * disagreement is reported as a warning. NV# cells say nothing about PCIe (NVLink hides the PCIe
 * level) and do not group; GPUs linked only by NVLink are placed by their NIC relations and their
 * NUMA Affinity.
 *
 * Simplifications: BDFs, vendor ids, BARs, ACS and switch models are invented (see the report);
 * NVLink is not modelled.
 */
import type { ImportReport, LabFile, TopoNodeSpec } from '../../../shared/model/topology'
import { ImportFailure, baseName, makeLab, newReport, warn } from './common'
import { ASSUMED_ACS_TEXT, ASSUMED_BARS_TEXT } from './common'
import { hostBridgeId, safeId, syntheticRootBus } from './common'
import { assumedBars, endpointNode } from './common'

export type TopoLevel = 'X' | 'PIX' | 'PXB' | 'PHB' | 'NODE' | 'SYS' | 'NV'
/** ANSI SGR sequences (nvidia-smi underlines the header on a terminal). */
// eslint-disable-next-line no-control-regex -- ESC starts an ANSI sequence
const ANSI = /\x1b\[[0-9;]*m/g
const RANK: Record<string, number> = { PIX: 1, PXB: 2, PHB: 3, NODE: 4, SYS: 5 }

function normLevel(cell: string): TopoLevel | null {
  if (cell === 'X' || cell === 'PIX' || cell === 'PXB' || cell === 'PHB' || cell === 'NODE' || cell === 'SYS')
    return cell
  if (cell === 'SOC') return 'SYS'
  if (/^NV\d+$/.test(cell)) return 'NV'
  return null
}

export function looksLikeNvidiaSmi(head: string): boolean {
  const clean = head.replace(ANSI, '')
  const first = clean.split(/\r?\n/, 20).find((l) => l.trim() !== '')
  if (!first || !/(^|\s)GPU0(\s|$)/.test(first)) return false
  return /X\s+=\s+Self/.test(clean) || /CPU Affinity/.test(first) || /^\s*GPU0\s+X\s/m.test(clean)
}

export interface NvidiaSmiMatrix {
  devices: string[]
  /** levels[i][j], null when the row is missing */
  levels: (TopoLevel | null)[][]
  cpuAffinity: Map<string, string>
  numaAffinity: Map<string, string>
  nicNames: Map<string, string>
}

export function parseNvidiaSmi(text: string): NvidiaSmiMatrix {
  const lines = text.replace(ANSI, '').split(/\r?\n/)
  let h = 0
  while (h < lines.length && lines[h]!.trim() === '') h++
  if (h >= lines.length) throw new ImportFailure('nvidia-smi topo -m: empty input', { line: 1, column: 1 })
  const { devices, extra } = parseHeaderRow(lines[h]!, h + 1)
  const m: NvidiaSmiMatrix = {
    devices,
    levels: devices.map(() => devices.map(() => null)),
    cpuAffinity: new Map(),
    numaAffinity: new Map(),
    nicNames: new Map(),
  }
  const index = new Map(devices.map((d, i) => [d, i]))
  const seenRows = new Set<string>()
  let ln = h + 1
  for (; ln < lines.length; ln++) {
    const raw = lines[ln]!
    if (raw.trim() === '') break
    if (/^\s*Legend:/.test(raw)) break
    parseRow(m, raw, ln + 1, { index, extra, seenRows })
  }
  for (; ln < lines.length; ln++) {
    const nic = /^\s*(NIC\d+):\s*(\S+)\s*$/.exec(lines[ln]!)
    if (nic) m.nicNames.set(nic[1]!, nic[2]!)
  }
  return m
}

/** The header: the device columns (GPU0 first), then the affinity columns. */
function parseHeaderRow(header: string, line: number): { devices: string[]; extra: string[] } {
  const headers = header
    .trim()
    .split(/\t+|\s{2,}/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
  const devices: string[] = []
  for (const t of headers) {
    if (/affinity|numa id/i.test(t) || /\s/.test(t)) break
    if (devices.includes(t))
      throw new ImportFailure(`nvidia-smi topo -m: column ${t} appears twice`, {
        line,
        column: header.indexOf(t) + 1,
      })
    devices.push(t)
  }
  if (devices.length === 0 || devices[0] !== 'GPU0')
    throw new ImportFailure('nvidia-smi topo -m: the first header column must be GPU0', { line, column: 1 })
  if (devices.length > 256)
    throw new ImportFailure('nvidia-smi topo -m: more than 256 device columns', { line, column: 1 })
  return { devices, extra: headers.slice(devices.length) }
}

/** One device row: a path class per column (X on the diagonal only), then its affinity cells. */
function parseRow(
  m: NvidiaSmiMatrix,
  raw: string,
  line: number,
  cols: { index: Map<string, number>; extra: string[]; seenRows: Set<string> },
): void {
  const { devices } = m
  const tokens = [...raw.matchAll(/\S+/g)]
  const name = tokens[0]![0]
  const row = cols.index.get(name)
  if (row === undefined)
    throw new ImportFailure(
      `nvidia-smi topo -m: row "${name.slice(0, 20)}" is not one of the header columns`,
      {
        line,
        column: tokens[0]!.index + 1,
      },
    )
  if (cols.seenRows.has(name))
    throw new ImportFailure(`nvidia-smi topo -m: row ${name} appears twice`, { line, column: 1 })
  cols.seenRows.add(name)
  if (tokens.length < devices.length + 1)
    throw new ImportFailure(
      `nvidia-smi topo -m: row ${name} has ${tokens.length - 1} cells, expected ${devices.length}`,
      { line, column: raw.length + 1 },
    )
  for (let c = 0; c < devices.length; c++) {
    const t = tokens[c + 1]!
    const lv = normLevel(t[0])
    if (lv === null)
      throw new ImportFailure(
        `nvidia-smi topo -m: unknown path class "${t[0].slice(0, 12)}" (expected X, PIX, PXB, PHB, NODE, SYS or NV#)`,
        { line, column: t.index + 1 },
      )
    if ((lv === 'X') !== (c === row))
      throw new ImportFailure(
        `nvidia-smi topo -m: "X" must be on the diagonal only (row ${name}, column ${devices[c]})`,
        { line, column: t.index + 1 },
      )
    m.levels[row]![c] = lv
  }
  const rest = tokens.slice(devices.length + 1).map((t) => t[0])
  cols.extra.forEach((colName, k) => {
    const v = rest[k]
    if (v === undefined) return
    if (/^CPU Affinity$/i.test(colName)) m.cpuAffinity.set(name, v)
    else if (/^NUMA Affinity$/i.test(colName)) m.numaAffinity.set(name, v)
  })
}

class UnionFind {
  private readonly p: number[]
  constructor(n: number) {
    this.p = Array.from({ length: n }, (_, i) => i)
  }
  find(x: number): number {
    let r = x
    while (this.p[r] !== r) r = this.p[r]!
    while (this.p[x] !== r) {
      const nx = this.p[x]!
      this.p[x] = r
      x = nx
    }
    return r
  }
  union(a: number, b: number): void {
    const ra = this.find(a)
    const rb = this.find(b)
    if (ra !== rb) this.p[Math.max(ra, rb)] = Math.min(ra, rb)
  }
}

/**
 * The nvidia-smi path class two endpoints would get in a tree (the rules of the legend, NVLink
 * ignored): different NUMA nodes → SYS; same NUMA node, different host bridges → NODE; common
 * ancestor is the host bridge → PHB; a switch upstream port strictly between either endpoint and
 * their common ancestor → PXB; otherwise PIX.
 */
export function impliedLevel(
  nodes: TopoNodeSpec[],
  a: string,
  b: string,
  byId: Map<string, TopoNodeSpec> = new Map(nodes.map((n) => [n.id, n])),
): Exclude<TopoLevel, 'NV'> {
  if (a === b) return 'X'
  const chain = (id: string): TopoNodeSpec[] => {
    const out: TopoNodeSpec[] = []
    let cur = byId.get(id)
    for (let i = 0; cur && i < 512; i++) {
      out.push(cur)
      cur = cur.parent === null ? undefined : byId.get(cur.parent)
    }
    return out
  }
  const ca = chain(a)
  const cb = chain(b)
  const ha = ca[ca.length - 1]
  const hb = cb[cb.length - 1]
  if (!ha?.host || !hb?.host) return 'SYS'
  if (ha.id !== hb.id) return ha.host.numaNode === hb.host.numaNode ? 'NODE' : 'SYS'
  const inB = new Set(cb.map((n) => n.id))
  const lcaIndex = ca.findIndex((n) => inB.has(n.id))
  const lca = ca[lcaIndex]!
  if (lca.kind === 'host_bridge') return 'PHB'
  const between = [
    ...ca.slice(1, lcaIndex),
    ...cb.slice(
      1,
      cb.findIndex((n) => n.id === lca.id),
    ),
  ]
  return between.some((n) => n.kind === 'switch_upstream') ? 'PXB' : 'PIX'
}

/** The closeness of every pair (0 = itself, 5 = SYS), the closer one where the two rows disagree. */
function pairRanks(m: NvidiaSmiMatrix, report: ImportReport): (number | null)[][] {
  const rank = (i: number, j: number): number | null => {
    const a = m.levels[i]![j]
    const b = m.levels[j]![i]
    const ra = a ? (RANK[a] ?? null) : null
    const rb = b ? (RANK[b] ?? null) : null
    if (ra !== null && rb !== null && ra !== rb)
      warn(report, `${m.devices[i]}–${m.devices[j]} is ${a} one way and ${b} the other; using the closer one`)
    if (ra === null) return rb
    if (rb === null) return ra
    return Math.min(ra, rb)
  }
  const n = m.devices.length
  const R: (number | null)[][] = m.devices.map((_, i) => m.devices.map((_, j) => (i === j ? 0 : null)))
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) R[i]![j] = R[j]![i] = rank(i, j)
  return R
}

/** Devices joined wherever their rank is at most `t` (4: NUMA node, 3: host bridge, 2: root port, 1: switch). */
function groupsWithin(R: (number | null)[][], t: number): UnionFind {
  const n = R.length
  const uf = new UnionFind(n)
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) if (R[i]![j] !== null && R[i]![j]! <= t) uf.union(i, j)
  return uf
}

/**
 * Merge NUMA groups that the affinity columns put together, unless a SYS pair separates them.
 * O(n²): SYS between initial groups is tabulated once; each affinity value merges its groups.
 */
function mergeByAffinity(m: NvidiaSmiMatrix, R: (number | null)[][], numaUf: UnionFind): void {
  const n = m.devices.length
  const hint = (d: string): string | undefined => m.numaAffinity.get(d) ?? m.cpuAffinity.get(d)
  const sysBetween = new Set<string>()
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) if (R[a]![b] === 5) sysBetween.add(`${numaUf.find(a)}:${numaUf.find(b)}`)
  const byHint = new Map<string, Set<number>>()
  for (let i = 0; i < n; i++) {
    const h = hint(m.devices[i]!)
    if (h === undefined || h === 'N/A') continue
    const set = byHint.get(h) ?? new Set<number>()
    set.add(numaUf.find(i))
    byHint.set(h, set)
  }
  for (const set of byHint.values()) {
    const gs = [...set]
    let clash = false
    for (const x of gs) for (const y of gs) if (sysBetween.has(`${x}:${y}`)) clash = true
    if (!clash) for (const x of gs) numaUf.union(gs[0]!, x)
  }
}

function byGroup(uf: UnionFind, members: number[]): number[][] {
  const map = new Map<number, number[]>()
  for (const i of members) {
    const r = uf.find(i)
    const l = map.get(r)
    if (l) l.push(i)
    else map.set(r, [i])
  }
  return [...map.values()]
}

/** NUMA numbers: the NUMA Affinity column when it names one node for the group, else the next free. */
function numaNumbers(m: NvidiaSmiMatrix, numaGroups: number[][]): number[] {
  const usedNuma = new Set<number>()
  const numaOf: number[] = []
  numaGroups.forEach((g, k) => {
    const vals = new Set(
      g
        .map((i) => m.numaAffinity.get(m.devices[i]!))
        .filter((v): v is string => v !== undefined && /^\d+$/.test(v)),
    )
    const v = vals.size === 1 ? Number([...vals][0]) : NaN
    if (Number.isFinite(v) && v <= 1023 && !usedNuma.has(v)) numaOf[k] = v
    else {
      let x = 0
      while (usedNuma.has(x)) x++
      numaOf[k] = x
    }
    usedNuma.add(numaOf[k]!)
  })
  return numaOf
}

/** The tree reconstructed from the groups: invented host bridges, root ports and switches with readable ids. */
class TreeBuilder {
  readonly nodes: TopoNodeSpec[] = []
  private readonly ids = new Set<string>()
  readonly devId: string[]

  constructor(
    private readonly m: NvidiaSmiMatrix,
    readonly counts: Record<string, number>,
  ) {
    this.devId = m.devices.map((d) => this.uid(d.toLowerCase()))
  }

  private uid(base: string): string {
    let id = safeId(base)
    for (let k = 2; this.ids.has(id); k++) id = safeId(`${base}-${k}`)
    this.ids.add(id)
    return id
  }

  devName(i: number): string {
    return this.m.devices[i]!
  }

  /** A GPU (NVIDIA 3D controller) or a NIC (RDMA NIC; Mellanox for mlx5_*). */
  private addDevice(i: number, parent: string, slot: number): void {
    const name = this.devName(i)
    const id = this.devId[i]!
    if (/^GPU\d+$/.test(name)) {
      this.counts.gpus!++
      const bars = assumedBars('gpu')
      this.nodes.push(
        endpointNode({
          id,
          parent,
          label: name,
          slot,
          fn: 0,
          vendor: 0x10de,
          classCode: 0x030200,
          type: 'gpu',
          bars,
        }),
      )
      return
    }
    this.counts.nics!++
    const os = this.m.nicNames.get(name) ?? name
    const mlx = /^mlx\d?_/.test(os)
    this.nodes.push(
      endpointNode({
        id,
        parent,
        label: os === name ? name : `${name} (${os})`,
        slot,
        fn: 0,
        vendor: mlx ? 0x15b3 : undefined,
        classCode: 0x020700,
        type: 'rnic',
        bars: assumedBars('rnic'),
        osDevices: [os],
      }),
    )
  }

  private addUpstreamPort(id: string, parent: string, members: number[]): void {
    this.counts.switches!++
    this.nodes.push({
      id,
      kind: 'switch_upstream',
      parent,
      slot: 0,
      fn: 0,
      label: `Switch (reconstructed) above ${members.map((i) => this.devName(i)).join(', ')}`.slice(0, 200),
    })
  }

  private addDownstreamPort(id: string, parent: string, k: number, label: string): void {
    this.nodes.push({ id, kind: 'switch_downstream', parent, slot: Math.min(k, 31), fn: 0, label })
  }

  /** One switch with a downstream port per member (a PIX group). */
  private addSwitch(parent: string, members: number[], tag: string): void {
    const usp = this.uid(`usp-${tag}`)
    this.addUpstreamPort(usp, parent, members)
    members.forEach((i, k) => {
      const dsp = this.uid(`dsp-${this.devName(i).toLowerCase()}`)
      this.addDownstreamPort(dsp, usp, k, `Downstream port to ${this.devName(i)}`)
      this.addDevice(i, dsp, 0)
    })
  }

  addHostBridge(rootBus: number, numaNode: number): string {
    const hbId = this.uid(hostBridgeId(0, rootBus))
    this.nodes.push({
      id: hbId,
      kind: 'host_bridge',
      parent: null,
      label: `Host bridge (reconstructed), NUMA node ${numaNode}`,
      host: { domain: 0, rootBus, numaNode, hostDevice: null },
    })
    return hbId
  }

  /**
   * A root port to a PHB group: the device itself, one switch (one PIX group), or a switch whose
   * downstream ports lead to a switch per PIX group (PXB).
   */
  addRootPort(hbId: string, r: number, rg: number[], swUf: UnionFind): void {
    this.counts.rootPorts!++
    const first = this.devName(rg[0]!).toLowerCase()
    const rp = this.uid(`rp-${first}`)
    this.nodes.push({
      id: rp,
      kind: 'root_port',
      parent: hbId,
      slot: Math.min(r + 1, 31),
      fn: 0,
      label: `Root port (reconstructed) to ${rg.map((i) => this.devName(i)).join(', ')}`.slice(0, 200),
    })
    if (rg.length === 1) return this.addDevice(rg[0]!, rp, 0)
    const pix = byGroup(swUf, rg)
    if (pix.length === 1) return this.addSwitch(rp, rg, first)
    const top = this.uid(`usp-${first}`)
    this.addUpstreamPort(top, rp, rg)
    pix.forEach((pg, p) => {
      const dsp = this.uid(`dsp-top-${this.devName(pg[0]!).toLowerCase()}`)
      const label = `Downstream port to ${pg.map((i) => this.devName(i)).join(', ')}`.slice(0, 200)
      this.addDownstreamPort(dsp, top, p, label)
      this.addSwitch(dsp, pg, `${this.devName(pg[0]!).toLowerCase()}-2`)
    })
  }
}

export function importNvidiaSmi(fileName: string, text: string): { lab: LabFile; report: ImportReport } {
  const m = parseNvidiaSmi(text)
  const report = newReport('nvidia-smi-topo', fileName)
  const R = pairRanks(m, report)
  const numaUf = groupsWithin(R, 4)
  const hbUf = groupsWithin(R, 3)
  const rpUf = groupsWithin(R, 2)
  const swUf = groupsWithin(R, 1)
  mergeByAffinity(m, R, numaUf)
  const numaGroups = byGroup(
    numaUf,
    m.devices.map((_, i) => i),
  )
  const hbCount = numaGroups.reduce((s, g) => s + byGroup(hbUf, g).length, 0)
  const numaOf = numaNumbers(m, numaGroups)
  const t = new TreeBuilder(m, {
    gpus: 0,
    nics: 0,
    numaNodes: numaGroups.length,
    hostBridges: hbCount,
    rootPorts: 0,
    switches: 0,
  })
  let hbIndex = 0
  numaGroups.forEach((ng, k) => {
    for (const hg of byGroup(hbUf, ng)) {
      const hbId = t.addHostBridge(syntheticRootBus(hbIndex++, hbCount), numaOf[k]!)
      byGroup(rpUf, hg).forEach((rg, r) => t.addRootPort(hbId, r, rg, swUf))
    }
  })
  selfCheck(m, t, report)
  reportAssumptions(m, t.counts, report)
  const lab = makeLab(
    baseName(fileName),
    `Reconstructed from nvidia-smi topo -m (${fileName}): ${t.counts.gpus} GPUs, ${t.counts.nics} NICs.`,
    { name: baseName(fileName), cpu: null, nodes: t.nodes },
  )
  return { lab, report }
}

/** Every stated PCIe level against the reconstructed tree; counts NVLink pairs and mismatches. */
function selfCheck(m: NvidiaSmiMatrix, t: TreeBuilder, report: ImportReport): void {
  const n = m.devices.length
  let mismatches = 0
  let nvPairs = 0
  const nodeMap = new Map(t.nodes.map((x) => [x.id, x]))
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const stated = m.levels[i]![j] ?? m.levels[j]![i]
      if (stated === 'NV') nvPairs++
      if (!stated || stated === 'NV' || stated === 'X') continue
      const got = impliedLevel(t.nodes, t.devId[i]!, t.devId[j]!, nodeMap)
      if (got !== stated) {
        mismatches++
        warn(
          report,
          `${t.devName(i)}–${t.devName(j)}: the matrix says ${stated}, the reconstructed tree gives ${got}`,
        )
      }
    }
  }
  const missingRows = m.devices.filter((_, i) => m.levels[i]!.every((l) => l === null))
  if (missingRows.length > 0)
    warn(report, `no row for ${missingRows.join(', ')}; placed from the other rows only`)
  t.counts.nvlinkPairs = nvPairs
  t.counts.levelMismatches = mismatches
}

function reportAssumptions(m: NvidiaSmiMatrix, counts: Record<string, number>, report: ImportReport): void {
  report.counts = counts
  report.cannotCarry.push(
    'the PCIe tree itself (only pairwise path classes)',
    'BDFs, vendor/device ids, switch models',
    'BARs',
    'ACS',
    'the PCIe path between NVLink-connected GPUs (NV# hides it)',
  )
  report.assumed.push(
    'the tree is RECONSTRUCTED from the path classes: SYS → different NUMA nodes, NODE → different host bridges of one NUMA node, PHB → different root ports of one host bridge, PXB → different switches below one root port, PIX → one switch; it reproduces the matrix but is not the real machine',
    'host bridges, root ports and switches are invented with readable ids; bus numbers spread evenly; GPUs are NVIDIA 3D controllers (10de, class 0302), NICs RDMA NICs (class 0207; Mellanox 15b3 for mlx5_*)',
    ASSUMED_BARS_TEXT,
    ASSUMED_ACS_TEXT,
    m.numaAffinity.size > 0
      ? 'NUMA node numbers from the NUMA Affinity column where it is unambiguous'
      : 'NUMA node numbers assigned in order (no NUMA Affinity column)',
    'CPU: not in the output; left for the engine to infer',
  )
  const nvPairs = counts.nvlinkPairs!
  if (nvPairs > 0)
    report.warnings.push(
      `${nvPairs} NVLink pair(s) (NV#): NVLink is not modelled, and their PCIe relation was inferred from the other rows`,
    )
}
