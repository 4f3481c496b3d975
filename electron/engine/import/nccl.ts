/**
 * NCCL topology XML importer (`NCCL_TOPO_DUMP_FILE` output and hand-written `NCCL_TOPO_FILE`s),
 * following NCCL's src/graph/xml.cc dialect (2.x, `<system version="1">`):
 *
 *   <system version="1">
 *     <cpu numaid=.. affinity=.. arch=.. vendor="AuthenticAMD" familyid=.. modelid=..>
 *       <pci busid="0000:01:00.0" class="0x060400" vendor="0x1000" device="0xc010" link_speed=.. link_width=..>
 *         <pci busid=.. class="0x030200" ..><gpu dev=.. sm=..><nvlink target=.. count=../></gpu></pci>
 *         <pci busid=.. class="0x020700" ..><nic><net name="mlx5_0" ../></nic></pci>
 *
 * NCCL builds this tree by walking sysfs two levels at a time, so each `<pci>` bridge stands for a
 * whole PCIe switch (its upstream port) and root ports and downstream ports are not in the file
 * (ANCHORS.md §4.1). We rebuild them: every `<cpu>` becomes a host bridge on its NUMA node; each
 * top-level `<pci>` gets an invented root port; a bridge `<pci>` becomes a switch upstream port and
 * each of its children gets an invented downstream port. Placeholder switches (`busid="ffff:ff:0N.0"`,
 * vendor 0xffff, as in cloud topology files) are kept as switches.
 *
 * CPU family: NCCL's own dump writes familyid = base family + (extended family << 4) (xml.cc
 * ncclTopoGetXmlFromCpu), e.g. 143 = 0x8f for Zen 2; the kernel's x86 family is base + extended
 * when base is 0xf, i.e. 0x17. Hand-written NCCL_TOPO_FILEs (Azure's ndv4/ndv5) write the family
 * as the kernel and /proc/cpuinfo spell it (23 = 0x17). ncclFamilyToKernel() tells them apart.
 *
 * Tolerated: stray text between tags (the infragraph copy of the DGX A100 dump has integers after
 * some start tags; reported as a warning), XML comments (AWS files), unknown child elements.
 * Simplifications: NVLink (`<nvlink>`), `<c2c>` and `<pcilink>` are not modelled; BARs and ACS are
 * assumed; invented ports get readable ids and bus numbers are re-derived.
 */
import type { CpuSpec, ImportReport, LabFile, TopoNodeSpec } from '../../../shared/model/topology'
import { ImportFailure, baseName, makeLab, newReport, warn } from './common'
import { ASSUMED_ACS_TEXT, ASSUMED_BARS_TEXT } from './common'
import { bdfText, hostBridgeId, parseBdf, pciId, safeId, syntheticRootBus, type Bdf } from './common'
import { assignBusEnds } from './common'
import { assumedBars, clampLabel, endpointNode, endpointTypeFromClass } from './common'
import { bitmapToCpuList } from './common'
import { vendorOfCpuid } from '../p2pdma/cpu'
import { parseXmlRooted, type XmlElement } from './xml'

/**
 * NCCL familyid → kernel x86 family (arch/x86/kernel/cpu/common.c x86_family(): base, plus the
 * extended family when base is 0xf).
 *
 * NCCL's dump packs base + (ext << 4); the extended family field is only used with base 0xf, so a
 * packed value is either < 0x10 or has 0xf in its low nibble (0x8f = Zen 2 → 0x17). Any other
 * value >= 0x10 (23 = 0x17 in Azure's ndv4 file, 25 = 0x19) cannot be packed and is already the
 * kernel's family. Ambiguous only for 0x1f, 0x2f, …: read as packed (no such x86 family exists).
 */
export function ncclFamilyToKernel(familyid: number): { family: number; packed: boolean } {
  const base = familyid & 0xf
  const ext = familyid >> 4
  if (base === 0xf && ext > 0) return { family: base + ext, packed: true }
  return { family: familyid, packed: false }
}

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const t = text.trim()
  if (/^0x[0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16)
  if (/^\d+$/.test(t)) return Number(t)
  return undefined
}

/** One NCCL XML import: the nodes made so far, the counts and the CPU read from the first <cpu>. */
class NcclImport {
  readonly nodes: TopoNodeSpec[] = []
  private readonly ids = new Set<string>()
  readonly counts: Record<string, number> = {
    cpus: 0,
    hostBridges: 0,
    bridges: 0,
    placeholderSwitches: 0,
    pciDevices: 0,
    gpus: 0,
    nics: 0,
    netPorts: 0,
    nvlinks: 0,
  }
  strayText = 0
  cpu: CpuSpec | null = null
  cpuFamilyNote = ''
  private readonly usedNuma = new Set<number>()

  constructor(private readonly report: ImportReport) {}

  uid(base: string): string {
    let id = safeId(base)
    for (let k = 2; this.ids.has(id); k++) id = safeId(`${base}-${k}`)
    this.ids.add(id)
    return id
  }

  /** One <cpu>: a host bridge on its NUMA node (invented), and the trees of its <pci> children. */
  cpuElement(c: XmlElement, k: number, ncpus: number): void {
    this.counts.cpus!++
    this.counts.hostBridges!++
    if (c.text) this.strayText++
    const numa = this.numaOf(c)
    if (this.cpu === null) this.readCpu(c)
    const rootBus = syntheticRootBus(k, ncpus)
    const hbId = this.uid(hostBridgeId(0, rootBus))
    this.nodes.push({
      id: hbId,
      kind: 'host_bridge',
      parent: null,
      label: `Host bridge of NUMA node ${numa} (invented)`,
      host: { domain: 0, rootBus, numaNode: numa, hostDevice: null, ...cpusOf(c) },
    })
    // Iterative walk: (element, node id of the switch upstream port or host bridge it hangs under).
    const stack: PciItem[] = []
    const pcis = c.children.filter((e) => e.name === 'pci')
    for (let i = pcis.length - 1; i >= 0; i--)
      stack.push({ el: pcis[i]!, parent: hbId, top: true, slot: i + 1 })
    while (stack.length > 0) this.pciElement(stack.pop()!, stack)
  }

  /** numaid, or the next free node when it is missing, repeated or out of range. */
  private numaOf(c: XmlElement): number {
    let numa = num(c.attrs.get('numaid'))
    if (numa === undefined || numa > 1023 || this.usedNuma.has(numa)) {
      let x = 0
      while (this.usedNuma.has(x)) x++
      if (numa !== undefined)
        warn(
          this.report,
          `<cpu> at line ${c.line}: numaid ${c.attrs.get('numaid')} repeated or out of range; using ${x}`,
        )
      numa = x
    }
    this.usedNuma.add(numa)
    return numa
  }

  /** cpu_data(0) from vendor/familyid/modelid (familyid in NCCL's packed form or the kernel's). */
  private readCpu(c: XmlElement): void {
    const v = c.attrs.get('vendor')
    const fam = num(c.attrs.get('familyid'))
    if (v === undefined || fam === undefined) return
    const f = ncclFamilyToKernel(fam)
    const cpu: CpuSpec = { vendor: vendorOfCpuid(v) ?? 'other', family: Math.min(f.family, 0x1ff) }
    this.cpuFamilyNote = f.packed
      ? `familyid ${fam} read as NCCL's packed base + (extended << 4) = kernel family 0x${f.family.toString(16)}`
      : `familyid ${fam} read as the kernel's x86 family 0x${f.family.toString(16)} (not NCCL's packed form, whose low nibble is 0xf above 0xf)`
    const model = num(c.attrs.get('modelid'))
    if (model !== undefined) cpu.model = Math.min(model, 0xfff)
    this.cpu = cpu
  }

  /** One <pci>: an invented port above it, then a switch (its children queued) or an endpoint. */
  private pciElement({ el, parent, top, slot }: PciItem, stack: PciItem[]): void {
    if (el.text) this.strayText++
    const busid = el.attrs.get('busid') ?? ''
    const bdf = parseBdf(busid)
    if (!bdf)
      throw new ImportFailure(`NCCL XML: <pci> with a missing or bad busid "${busid.slice(0, 20)}"`, {
        line: el.line,
        column: el.column,
      })
    const cls = num(el.attrs.get('class'))
    const isBridge = cls !== undefined ? cls >> 8 === 0x0604 : el.children.some((x) => x.name === 'pci')
    // The port this element hangs from: an invented root port (top level) or downstream port.
    const port = this.uid(`${top ? 'rp' : 'dsp'}-${busid}`)
    this.nodes.push({
      id: port,
      kind: top ? 'root_port' : 'switch_downstream',
      parent,
      slot: Math.min(slot, 31),
      fn: 0,
      label: `${top ? 'Root port' : 'Downstream port'} to ${busid} (invented)`,
    })
    if (!isBridge) return this.endpoint(el, bdf, port)
    const id = this.switchUpstream(el, bdf, port)
    const kids = el.children.filter((x) => x.name === 'pci')
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ el: kids[i]!, parent: id, top: false, slot: i })
  }

  /** A switch <pci> (class 0604): its upstream port; busid ffff:ff:… is one of NCCL's placeholders. */
  private switchUpstream(el: XmlElement, bdf: Bdf, port: string): string {
    const busid = el.attrs.get('busid') ?? ''
    const cls = num(el.attrs.get('class'))
    const vendor = num(el.attrs.get('vendor'))
    const device = num(el.attrs.get('device'))
    const placeholder = bdf.domain === 0xffff || vendor === 0xffff
    this.counts.bridges!++
    if (placeholder) this.counts.placeholderSwitches!++
    const id = this.uid(placeholder ? `sw-${busid}` : pciId(bdf.domain, bdf.bus, bdf.dev, bdf.fn))
    const where = bdfText(bdf.domain, bdf.bus, bdf.dev, bdf.fn)
    const n: TopoNodeSpec = {
      id,
      kind: 'switch_upstream',
      parent: port,
      slot: 0,
      fn: 0,
      label: clampLabel(placeholder ? `Switch ${busid} (placeholder)` : `${where} switch`),
    }
    if (vendor !== undefined && !placeholder && vendor <= 0xffff) n.vendor = vendor
    if (device !== undefined && !placeholder && device <= 0xffff) n.device = device
    if (cls !== undefined && cls <= 0xffffff) n.classCode = cls
    this.nodes.push(n)
    return id
  }

  /** A GPU (<gpu> child), a NIC (<nic> child, its <net> names as OS devices) or another function. */
  private endpoint(el: XmlElement, bdf: Bdf, port: string): void {
    const { counts } = this
    const cls = num(el.attrs.get('class'))
    const vendor = num(el.attrs.get('vendor'))
    const device = num(el.attrs.get('device'))
    counts.pciDevices!++
    const classCode = cls !== undefined && cls <= 0xffffff ? cls : undefined
    const gpu = el.children.find((x) => x.name === 'gpu')
    const nic = el.children.find((x) => x.name === 'nic')
    let type = classCode !== undefined ? endpointTypeFromClass(classCode, vendor) : 'generic'
    if (gpu) type = 'gpu'
    else if (nic && type !== 'rnic' && type !== 'nic') type = 'rnic'
    const osDevices: string[] = []
    if (type === 'gpu') counts.gpus!++
    if (type === 'rnic' || type === 'nic') counts.nics!++
    if (gpu) counts.nvlinks! += gpu.children.filter((x) => x.name === 'nvlink').length
    if (nic) {
      for (const net of nic.children.filter((x) => x.name === 'net')) {
        counts.netPorts!++
        const name = net.attrs.get('name')
        if (name && !osDevices.includes(name)) osDevices.push(name)
      }
    }
    const id = this.uid(pciId(bdf.domain, bdf.bus, bdf.dev, bdf.fn))
    const where = bdfText(bdf.domain, bdf.bus, bdf.dev, bdf.fn)
    const label = `${where}${gpu ? ` GPU ${gpu.attrs.get('dev') ?? ''}` : ''}${osDevices.length ? ` ${osDevices.join(' ')}` : ''}`
    const n = endpointNode({
      id,
      parent: port,
      label,
      slot: 0,
      fn: bdf.fn,
      vendor: vendor !== undefined && vendor <= 0xffff ? vendor : undefined,
      device: device !== undefined && device <= 0xffff ? device : undefined,
      classCode,
      type,
      bars: assumedBars(type),
      osDevices,
    })
    // A function other than 0 alone on an invented port would be invisible to a scan: make it fn 0.
    if (n.fn !== 0) n.fn = 0
    this.nodes.push(n)
  }
}

/** A <pci> element waiting in the walk, with the node it hangs under. */
type PciItem = { el: XmlElement; parent: string; top: boolean; slot: number }

/** The <cpu> element's affinity mask as the host bridge's CPU list (nothing when absent or malformed). */
function cpusOf(c: XmlElement): { cpus?: string } {
  const cpus = bitmapToCpuList(c.attrs.get('affinity') ?? '')
  return cpus ? { cpus } : {}
}

export function importNccl(fileName: string, text: string): { lab: LabFile; report: ImportReport } {
  const doc = parseXmlRooted(text, 'NCCL XML', 'system')
  const root = doc.root
  const report = newReport('nccl-xml', fileName)
  const version = root.attrs.get('version')
  if (version !== '1')
    warn(report, `NCCL XML version ${version ?? '(none)'}; this importer follows version 1`)
  const x = new NcclImport(report)
  const cpus = root.children.filter((c) => c.name === 'cpu')
  if (cpus.length === 0)
    throw new ImportFailure('NCCL XML: no <cpu> element below <system>', {
      line: root.line,
      column: root.column,
    })
  if (root.text) x.strayText++
  cpus.forEach((c, k) => x.cpuElement(c, k, cpus.length))
  assignBusEnds(x.nodes)
  reportAssumptions(x, report, doc.comments)
  const lab = makeLab(
    baseName(fileName),
    `Imported from NCCL topology XML (${fileName}): ${x.counts.gpus} GPUs, ${x.counts.nics} NICs.`,
    { name: baseName(fileName), cpu: x.cpu, nodes: x.nodes },
  )
  return { lab, report }
}

function reportAssumptions(x: NcclImport, report: ImportReport, comments: number): void {
  const { counts } = x
  report.counts = counts
  report.cannotCarry.push(
    'root ports and switch downstream ports (NCCL keeps one <pci> per switch)',
    'BARs',
    'ACS',
    'devices that are neither GPUs, NICs nor their ancestors',
  )
  report.assumed.push(
    'each <cpu> is one host bridge on its NUMA node; each top-level <pci> hangs from an invented root port; each child of a switch <pci> from an invented downstream port',
    ASSUMED_BARS_TEXT,
    ASSUMED_ACS_TEXT,
    'bus and device numbers re-derived by the engine; function numbers of lone functions set to 0',
    x.cpu === null
      ? 'CPU: the <cpu> elements have no vendor/familyid; left for the engine to infer'
      : `CPU from the first <cpu> vendor/familyid/modelid: ${x.cpuFamilyNote}`,
  )
  if (counts.placeholderSwitches! > 0)
    report.assumed.push(
      `${counts.placeholderSwitches} placeholder switch(es) (busid ffff:ff:xx.x) kept as PCIe switches`,
    )
  if (x.strayText > 0) warn(report, `${x.strayText} element(s) have stray text between tags (ignored)`)
  if (comments > 0) report.counts.xmlComments = comments
  if (counts.nvlinks! > 0) report.warnings.push(`${counts.nvlinks} <nvlink> entries: NVLink is not modelled`)
}
