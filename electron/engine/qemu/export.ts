/**
 * QEMU export: a q35 command line that reproduces a lab's PCIe tree, so that a real Linux kernel
 * can be booted on it and asked for its own P2PDMA verdicts (tools/oracle, docs/kernel/oracle.md).
 *
 * Shape of the export (docs/kernel/oracle.md#the-qemu-machines):
 *
 *   pcie.0 (q35, 00:00.0 = 8086:29c0)           one per extra lab host bridge:
 *    ├─ pcie-root-port  addr=<lab slot>          pxb-pcie bus_nr=<lab root bus>, numa_node=<node>
 *    │   ├─ x3130-upstream                        └─ pcie-root-port addr=<lab slot> ...
 *    │   │   └─ xio3130-downstream addr=<slot>
 *    │   │       └─ nvme (cmb_size_mb=16)
 *    │   └─ nvme addr=0.0,multifunction=on + nvme addr=0.1
 *    └─ nvme addr=<slot>                          (an endpoint on the root bus)
 *
 * Every lab endpoint becomes an NVMe controller with a controller memory buffer, so that it is a
 * p2pmem provider (the nvme driver publishes its CMB) and a DMA client (O_DIRECT reads into p2pmem).
 *
 * Besides the command line, the export returns the *twin*: the MachineSpec of what QEMU really
 * builds (q35's host bridge id, QEMU's port ids and ACS capabilities, NVMe endpoints). The engine run
 * on the twin is what a booted kernel must agree with; where the twin's verdict differs from the
 * lab's, QEMU cannot reproduce the lab and the export says so.
 *
 * Pure TypeScript (docs/design.md#the-engine-is-pure-typescript): it computes strings, it runs nothing.
 */
import type { AcsFlag, CpuSpec, LabSettings, MachineSpec, TopoNodeSpec } from '../../../shared/model/topology'
import { ACS_BIT } from '../../../shared/model/topology'
import { buildMachine, pciName } from '../topology/build'
import { qemuModelOf, qemuVendorModel } from '../p2pdma/cpu'
import type { HostBridge, Machine, PciDev } from '../topology/types'

/** QEMU pcie-root-port: ACS capability 0x005f = SV|TB|RR|CR|UF|DT (docs/kernel/oracle.md#limits). */
export const QEMU_ROOT_PORT_ACS_CAP: AcsFlag[] = ['SV', 'TB', 'RR', 'CR', 'UF', 'DT']
/** q35's host bridge at 00:00.0 (the MCH): on no P2PDMA whitelist of any era. */
export const Q35_HOST_DEVICE = { vendor: 0x8086, device: 0x29c0 }
const QEMU_IDS = {
  rootPort: { vendor: 0x1b36, device: 0x000c },
  nvme: { vendor: 0x1b36, device: 0x0010 },
  upstream: { vendor: 0x104c, device: 0x8232 },
  downstream: { vendor: 0x104c, device: 0x8233 },
  pciePciBridge: { vendor: 0x1b36, device: 0x000e },
  pciBridge: { vendor: 0x1b36, device: 0x0001 },
}
const KiB = 1024
const MiB = 1024 * KiB

export type QemuRole =
  | 'nvme'
  | 'pcie-root-port'
  | 'x3130-upstream'
  | 'xio3130-downstream'
  | 'pcie-pci-bridge'
  | 'pci-bridge'
  | 'pxb-pcie'

export interface QemuDevice {
  /** The lab node id (host bridge id for pxb-pcie). */
  labId: string
  /** The function's BDF in the lab ('' for a pxb-pcie, which is no lab function). */
  bdfInLab: string
  /** The BDF the guest should enumerate it at (SeaBIOS numbers buses depth-first, like the engine). */
  guestBdf: string
  qemuId: string
  role: QemuRole
  /** nvme only: the controller serial (/sys/class/nvme/nvmeX/serial), the disk image and its fill byte. */
  serial?: string
  disk?: string
  fill?: number
}

export interface QemuExportOptions {
  /** Directory of the disk images (one raw image per NVMe; the caller creates them). Default 'disks'. */
  diskDir?: string
  /** Kernel and initramfs; without a kernel the command line has no -kernel/-initrd/-append. */
  kernel?: string
  initrd?: string
  /** Kernel parameters put before the export's own (console, quiet, ...). */
  append?: string[]
  /** Accelerator; the oracle uses TCG (docs/kernel/oracle.md#kernels-and-packages: KVM failed on these hosts). */
  accel?: 'tcg' | 'kvm'
  smp?: number
  /** Guest memory in MiB (split evenly across NUMA nodes when there are several). Default 1024. */
  memMiB?: number
  /** Controller memory buffer of every NVMe, MiB. Default 16. */
  cmbMiB?: number
  /** Name of the QEMU binary in the shell form. Default qemu-system-x86_64. */
  qemu?: string
  /**
   * The PCI id every pcie-root-port reports: QEMU's 1b36:000c, or a whitelisted id when the oracle
   * boots its byte-patched QEMU copy (docs/kernel/oracle.md#a-qemu-with-whitelisted-root-ports).
   */
  rootPortId?: { vendor: number; device: number }
}

export interface QemuExport {
  /** Arguments after the binary name. */
  argv: string[]
  /** The whole command as one shell-quoted line (binary first). */
  shell: string
  devices: QemuDevice[]
  /** The NVMe controllers in serial order (a subset of devices). */
  nvme: QemuDevice[]
  /** Kernel parameters the export needs (also inside -append when a kernel is given). */
  kernelParams: string[]
  cpuModel: string
  /** What QEMU (7.2) cannot reproduce of this lab. */
  cannotReproduce: string[]
  /** How the test makes up for it (writes from inside the guest, parameters, ...). */
  compensations: string[]
  /** The machine QEMU builds, as a spec with the lab's node ids: run the engine on it. */
  twin: MachineSpec
  /** The lab's settings for the twin (pci=disable_acs_redir= with guest BDFs). */
  twinSettings: LabSettings
}

/**
 * -cpu model and the cpu_data(0) it gives (checked in the guest's /proc/cpuinfo, docs/kernel/oracle.md#the-qemu-machines).
 * The models come from the CPU presets (p2pdma/cpu.ts); an Intel CPU of any family boots as the Intel
 * preset's model, an AMD or Hygon family without a preset as its vendor's model with family=.
 */
export function qemuCpu(cpu: CpuSpec): { model: string; twin: CpuSpec; note?: string } {
  if (cpu.vendor === 'intel') {
    const model = qemuVendorModel('intel')!
    const note =
      cpu.family === 6 ? undefined : `Intel family 0x${cpu.family.toString(16)} is booted as ${model} (6)`
    return { model, twin: { vendor: 'intel', family: 6, model: 85, name: model }, note }
  }
  if (cpu.vendor === 'amd' || cpu.vendor === 'hygon') {
    const model = qemuModelOf(cpu) ?? `${qemuVendorModel(cpu.vendor)!},family=${cpu.family}`
    return { model, twin: { vendor: cpu.vendor, family: cpu.family, name: model } }
  }
  return {
    model: 'qemu64',
    twin: { vendor: 'amd', family: 15, name: 'qemu64' },
    note: 'a non-x86 CPU is booted as qemu64 (AuthenticAMD family 15): cpu_supports_p2pdma() is false for both',
  }
}

/** Quotes one argument for a POSIX shell. */
export function shellQuote(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`
}

const hex = (n: number, w = 2) => n.toString(16).padStart(w, '0')
const addr = (slot: number, fn: number) => (fn === 0 ? `0x${hex(slot)}` : `0x${hex(slot)}.${fn}`)
const flagsOf = (bits: number): AcsFlag[] =>
  (Object.keys(ACS_BIT) as AcsFlag[]).filter((f) => (bits & ACS_BIT[f]) !== 0)

/** Fill byte of the n-th disk: 'A'..'Z', 'a'..'z', '0'..'9', then wraps. */
export function fillByte(n: number): number {
  const s = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return s.charCodeAt(n % s.length)
}

/** Free device numbers on pcie.0: 0 is q35's MCH, 0x1f its ICH9 LPC/SATA/SMBus functions. */
const Q35_RESERVED = new Set([0, 0x1f])

/**
 * qemuCommand - the q35 command line reproducing machine's PCIe tree.
 * The lab's settings decide the IOMMU (intel-iommu + intel_iommu=on) and pci=disable_acs_redir=.
 */
export function qemuCommand(machine: Machine, opts: QemuExportOptions = {}): QemuExport {
  try {
    return exportMachine(machine, opts, true)
  } catch (e) {
    if (!(e instanceof BusBudgetError)) throw e
    // Too many endpoints on extra root buses to give each a root port: leave them out.
    return exportMachine(machine, opts, false)
  }
}

class BusBudgetError extends Error {}

/** A QEMU id from a lab id: letters, digits, _ . - and a letter first. */
const qemuIdOf = (labId: string) => labId.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^([^A-Za-z])/, 'n$1')

/**
 * One export in progress. The sections follow the command line: the host bridges (pcie.0 and one
 * pxb-pcie per extra root bus), then every function depth-first (one `-device` per lab function),
 * then the CPU, IOMMU and NUMA options; the twin grows alongside.
 */
class QemuExporter {
  readonly cannot: string[] = []
  readonly comp: string[] = []
  readonly devices: QemuDevice[] = []
  readonly deviceArgs: string[] = []
  readonly driveArgs: string[] = []
  readonly twinNodes: TopoNodeSpec[] = []
  private readonly devs: PciDev[]
  private readonly cmb: number
  private chassis = 0
  private readonly rootPortId: { vendor: number; device: number }
  nvmeCount = 0
  /** twin node id -> ACS Control to write from the guest */
  readonly acsWrites = new Map<string, number>()
  /** host bridges by (domain, root bus); the first becomes pcie.0 */
  readonly hbs: HostBridge[]
  readonly numaNodes: number[]
  /** numa_node= needs -numa entries (QEMU: "Illegal numa node 0" without them). */
  readonly numaNeeded: boolean
  private readonly busNr = new Map<string, number>()
  /** Slots on pcie.0 taken by the lab's root-bus functions (after relocation) and by pxb-pcie devices. */
  private readonly used0 = new Set<number>(Q35_RESERVED)
  /** dev id -> new slot (on pcie.0, or moved up below a pcie-pci-bridge) */
  private readonly relocated = new Map<string, number>()
  private readonly takenIds = new Set<string>()
  /** functions renumbered where a slot has no function 0 */
  private readonly fnOf = new Map<string, number>()

  constructor(
    readonly machine: Machine,
    readonly opts: QemuExportOptions,
    private readonly wrapPxbEndpoints: boolean,
  ) {
    this.cmb = opts.cmbMiB ?? 16
    this.rootPortId = { ...(opts.rootPortId ?? QEMU_IDS.rootPort) }
    this.devs = [...machine.devs.values()]
    this.numaNodes = [...new Set(machine.hostBridges.map((h) => h.numaNode))].sort((a, b) => a - b)
    this.numaNeeded = this.numaNodes.some((n) => n !== 0)
    this.hbs = [...machine.hostBridges].sort((a, b) => a.domain - b.domain || a.busStart - b.busStart)
    if (this.hbs.length === 0) throw new Error('the machine has no host bridge')
  }

  hostDevOf(hbId: string): PciDev | undefined {
    return this.machine.devs.get(`${hbId}/hostdev`)
  }

  private childrenOf(id: string): PciDev[] {
    return this.devs
      .filter((d) => d.upstream === id && d.kind !== 'host_bridge')
      .sort((a, b) => a.devfn - b.devfn)
  }

  // ---- host bridges: the first is q35's pcie.0, every other one a pxb-pcie ----------------------

  /**
   * Buses a host bridge's tree needs in QEMU: its root bus, one per bridge, one per endpoint on a
   * pxb root bus (each gets a root port of its own, see wrapInRootPort()).
   */
  private busCount(hbId: string, pxb: boolean): number {
    return (
      1 +
      this.devs.filter(
        (d) =>
          d.hostBridge === hbId &&
          (d.isBridge ||
            (pxb &&
              this.wrapPxbEndpoints &&
              d.kind === 'endpoint' &&
              d.upstream === null &&
              d.pcieType !== 'host_device')),
      ).length
    )
  }

  /** The bus_nr of every host bridge: the lab's root bus where it fits, else the next free one. */
  numberRootBuses(): void {
    let nextFree = 0
    for (const [i, hb] of this.hbs.entries()) {
      let nr = i === 0 ? 0 : hb.busStart
      if (hb.domain !== 0)
        this.cannot.push(
          `host bridge ${hb.label}: PCI domain ${hb.domain} (q35 has domain 0 only; exported into domain 0)`,
        )
      if (i > 0 && (hb.domain !== 0 || nr < nextFree)) {
        nr = nextFree
        this.cannot.push(
          `host bridge ${hb.label}: root bus ${hex(hb.busStart)} is exported as bus_nr ${hex(nr)}`,
        )
      }
      if (i === 0 && hb.busStart !== 0)
        this.cannot.push(
          `host bridge ${hb.label}: root bus ${hex(hb.busStart)} becomes q35's pcie.0 (bus 00)`,
        )
      if (nr + this.busCount(hb.id, i > 0) - 1 > 0xff)
        throw this.wrapPxbEndpoints
          ? new BusBudgetError()
          : new Error('the lab needs more than 256 buses in domain 0')
      this.busNr.set(hb.id, nr)
      nextFree = nr + this.busCount(hb.id, i > 0)
    }
  }

  private busEndOf(i: number): number {
    return i + 1 < this.hbs.length ? this.busNr.get(this.hbs[i + 1]!.id)! - 1 : 0xff
  }

  private takeSlot(): number {
    for (let s = 0x1e; s > 0; s--)
      if (!this.used0.has(s)) {
        this.used0.add(s)
        return s
      }
    throw new Error('pcie.0 has no free device number left')
  }

  /** The lab's root-bus functions on device numbers q35 keeps for itself move to free ones. */
  relocateQ35Slots(): void {
    const rootSlots0 = new Map<number, PciDev[]>()
    for (const id of this.hbs[0]!.rootBusDevices) {
      const d = this.machine.devs.get(id)!
      if (d.pcieType === 'host_device') continue
      rootSlots0.set(d.slot, [...(rootSlots0.get(d.slot) ?? []), d])
    }
    for (const s of rootSlots0.keys()) if (!Q35_RESERVED.has(s)) this.used0.add(s)
    for (const [s, ds] of rootSlots0)
      if (Q35_RESERVED.has(s)) {
        const ns = this.takeSlot()
        for (const d of ds) {
          this.relocated.set(d.id, ns)
          this.cannot.push(
            `${d.bdf} (${d.label}): device ${hex(s)} on the root bus is q35's own (${s === 0 ? 'MCH' : 'ICH9'}); moved to device ${hex(ns)}`,
          )
        }
      }
  }

  /** pcie.0 for the first host bridge, a pxb-pcie for every other one. */
  emitHostBridges(): void {
    for (const [i, hb] of this.hbs.entries()) {
      if (i === 0) this.emitPcie0(hb)
      else this.emitPxb(hb, i)
    }
  }

  private emitPcie0(hb: HostBridge): void {
    const lab = this.hostDevOf(hb.id)
    this.twinNodes.push({
      id: hb.id,
      kind: 'host_bridge',
      parent: null,
      label: 'pcie.0 (q35)',
      host: {
        domain: 0,
        rootBus: 0,
        busEnd: this.busEndOf(0),
        numaNode: 0,
        hostDevice: { ...Q35_HOST_DEVICE, label: 'q35 MCH' },
      },
    })
    if (!lab || lab.vendor !== Q35_HOST_DEVICE.vendor || lab.device !== Q35_HOST_DEVICE.device)
      this.cannot.push(
        `host bridge ${hb.label}: 00:00.0 is q35's 8086:29c0 (on no whitelist), not ${lab ? `${hex(lab.vendor, 4)}:${hex(lab.device, 4)}` : 'absent'}`,
      )
    if (hb.numaNode !== 0)
      this.cannot.push(`host bridge ${hb.label}: q35's pcie.0 is on NUMA node 0, not ${hb.numaNode}`)
  }

  private emitPxb(hb: HostBridge, i: number): void {
    const nr = this.busNr.get(hb.id)!
    const lab = this.hostDevOf(hb.id)
    const slot = this.takeSlot()
    const qemuId = `pxb${i}`
    this.deviceArgs.push(
      `pxb-pcie,id=${qemuId},bus_nr=${nr}${this.numaNeeded ? `,numa_node=${hb.numaNode}` : ''},bus=pcie.0,addr=0x${hex(slot)}`,
    )
    this.devices.push({
      labId: hb.id,
      bdfInLab: '',
      guestBdf: pciName(0, 0, slot, 0),
      qemuId,
      role: 'pxb-pcie',
    })
    this.twinNodes.push({
      id: hb.id,
      kind: 'host_bridge',
      parent: null,
      label: `pxb-pcie ${qemuId} (bus_nr=0x${hex(nr)})`,
      host: { domain: 0, rootBus: nr, busEnd: this.busEndOf(i), numaNode: hb.numaNode, hostDevice: null },
    })
    if (lab)
      this.cannot.push(
        `host bridge ${hb.label}: its device ${lab.bdf} (${hex(lab.vendor, 4)}:${hex(lab.device, 4)}) cannot be placed on a pxb-pcie root bus; the first function on that bus decides pci_host_bridge_dev()`,
      )
  }

  // ---- functions, depth-first ---------------------------------------------------------------------

  /** The functions of a bus grouped by slot; a slot without function 0 is renumbered from 0. */
  private slotGroups(list: PciDev[]): Map<number, PciDev[]> {
    const m = new Map<number, PciDev[]>()
    for (const d of list) {
      const s = this.relocated.get(d.id) ?? d.slot
      m.set(s, [...(m.get(s) ?? []), d])
    }
    for (const g of m.values())
      if (!g.some((d) => d.fn === 0)) {
        g.sort((a, b) => a.fn - b.fn).forEach((d, i) => this.fnOf.set(d.id, i))
        this.cannot.push(
          `${g.map((d) => d.bdf).join(', ')}: no function 0 in the slot here (the kernel scans function 0 first); exported as functions ${g.map((_, i) => i).join(', ')}`,
        )
      }
    return m
  }

  /** Every host bridge's root-bus functions, and below them their trees. */
  emitRootBuses(): void {
    for (const [i, hb] of this.hbs.entries()) {
      const bus = i === 0 ? 'pcie.0' : `pxb${i}`
      const list = hb.rootBusDevices
        .map((id) => this.machine.devs.get(id)!)
        .filter((d) => d.pcieType !== 'host_device')
        .sort((a, b) => a.devfn - b.devfn)
      const groups = this.slotGroups(list)
      for (const d of list)
        this.emit(d, {
          node: hb.id,
          bus,
          rootBus: i === 0 ? 'pcie.0' : 'pxb',
          multi: (groups.get(this.relocated.get(d.id) ?? d.slot)?.length ?? 0) > 1,
        })
    }
  }

  /** One lab function as a QEMU device (and its twin node), then its children. */
  private emit(d: PciDev, at: EmitAt): void {
    let place: Placement = {
      ...at,
      slot: this.relocated.get(d.id) ?? d.slot,
      fn: this.fnOf.get(d.id) ?? d.fn,
    }
    if (d.kind === 'endpoint' && at.rootBus === 'pxb') {
      if (!this.wrapPxbEndpoints) {
        this.cannot.push(
          `${d.bdf} (${d.label}): an endpoint on a pxb-pcie root bus is not possible in QEMU, and there are too few bus numbers to give it a root port; left out`,
        )
        return
      }
      place = this.wrapInRootPort(d, place)
    }
    const qemuId = qemuIdOf(d.id)
    const unique =
      this.takenIds.has(qemuId) || /^(pcie\.0|pxb\d+|drv\d+)$/.test(qemuId)
        ? `${qemuId}_${this.devices.length}`
        : qemuId
    this.takenIds.add(unique)
    const dev: EmittedDev = {
      d,
      unique,
      parentBus: place.bus,
      addr: addr(place.slot, place.fn) + (place.multi && place.fn === 0 ? ',multifunction=on' : ''),
      base: { id: d.id, kind: d.kind, parent: place.node, label: d.label, slot: place.slot, fn: place.fn },
    }
    if (d.kind === 'endpoint') return this.emitNvme(dev)
    const role =
      d.kind === 'root_port'
        ? this.emitRootPort(dev)
        : d.kind === 'switch_upstream'
          ? this.emitSwitchUpstream(dev)
          : d.kind === 'switch_downstream'
            ? this.emitSwitchDownstream(dev)
            : this.emitPciBridge(dev, place.node)
    this.devices.push({ labId: d.id, bdfInLab: d.bdf, guestBdf: '', qemuId: unique, role })
    const kids = this.childrenOf(d.id)
    if (role === 'pcie-pci-bridge' && kids.some((k) => k.slot === 0)) {
      // QEMU: "Unsupported PCI slot 0 for standard hotplug controller" (its SHPC owns device 0).
      for (const k of kids) if (k.slot < 31) this.relocated.set(k.id, k.slot + 1)
      this.cannot.push(
        `${d.bdf} (${d.label}): devices below a pcie-pci-bridge cannot use device 0; moved up by one`,
      )
    }
    const groups = this.slotGroups(kids)
    for (const k of kids)
      this.emit(k, { node: d.id, bus: unique, rootBus: null, multi: (groups.get(k.slot)?.length ?? 0) > 1 })
  }

  /** QEMU: "Only PCI/PCIe bridges can be plugged into pxb-pcie": put a root port in between. */
  private wrapInRootPort(d: PciDev, p: Placement): Placement {
    const rpId = `${d.id}_rp`
    this.chassis++
    const rpQemu = qemuIdOf(rpId)
    this.takenIds.add(rpQemu)
    this.deviceArgs.push(
      `pcie-root-port,id=${rpQemu},bus=${p.bus},chassis=${this.chassis},port=${this.chassis & 0xff},addr=${addr(p.slot, p.fn)}${p.multi && p.fn === 0 ? ',multifunction=on' : ''}`,
    )
    this.twinNodes.push({
      id: rpId,
      kind: 'root_port',
      parent: p.node,
      label: `root port for ${d.label}`,
      slot: p.slot,
      fn: p.fn,
      ...this.rootPortId,
      acs: { cap: [...QEMU_ROOT_PORT_ACS_CAP], ctrl: [] },
    })
    this.devices.push({ labId: rpId, bdfInLab: '', guestBdf: '', qemuId: rpQemu, role: 'pcie-root-port' })
    this.cannot.push(
      `${d.bdf} (${d.label}): an endpoint on a pxb-pcie root bus is not possible in QEMU (only bridges plug into pxb-pcie); exported behind its own pcie-root-port`,
    )
    return { node: rpId, bus: rpQemu, rootBus: p.rootBus, multi: false, slot: 0, fn: 0 }
  }

  /** Every endpoint: an NVMe controller with a CMB (p2pmem provider and DMA client). */
  private emitNvme({ d, unique, parentBus, addr: a, base }: EmittedDev): void {
    const n = this.nvmeCount++
    const serial = `KQ${n}`
    const disk = `${this.opts.diskDir ?? 'disks'}/disk${n}.img`
    this.driveArgs.push(`file=${disk},if=none,id=drv${n},format=raw`)
    this.deviceArgs.push(
      `nvme,id=${unique},serial=${serial},drive=drv${n},cmb_size_mb=${this.cmb},bus=${parentBus},addr=${a}`,
    )
    this.devices.push({
      labId: d.id,
      bdfInLab: d.bdf,
      guestBdf: '',
      qemuId: unique,
      role: 'nvme',
      serial,
      disk,
      fill: fillByte(n),
    })
    this.twinNodes.push({
      ...base,
      ...QEMU_IDS.nvme,
      classCode: 0x010802,
      endpoint: {
        type: 'nvme',
        driver: 'nvme',
        bars: [
          { index: 0, size: 16 * KiB, mem64: true },
          { index: 2, size: this.cmb * MiB, mem64: true, prefetch: true },
        ],
        p2pmemBar: 2,
        queueP2p: true,
        osDevices: [`nvme${n}n1`],
      },
    })
  }

  /** pcie-root-port: QEMU's ACS capability (0x005f) stands in for the lab's; firmware ACS bits are written from the guest. */
  private emitRootPort({ d, unique, parentBus, addr: a, base }: EmittedDev): QemuRole {
    this.chassis++
    this.deviceArgs.push(
      `pcie-root-port,id=${unique},bus=${parentBus},chassis=${this.chassis},port=${this.chassis & 0xff},addr=${a}`,
    )
    const capLab = d.acsCap ?? 0
    const qemuCap = QEMU_ROOT_PORT_ACS_CAP.reduce((s, f) => s | ACS_BIT[f], 0)
    const fw = d.acsCtrlFirmware & qemuCap
    if (d.acsCap === null)
      this.cannot.push(
        `${d.bdf} (${d.label}): has no ACS capability in the lab; QEMU's pcie-root-port has one (0x005f)${this.machine.settings.iommu ? ', and with the IOMMU on the kernel enables ACS redirect on it' : ''}`,
      )
    else if (capLab !== qemuCap)
      this.cannot.push(
        `${d.bdf} (${d.label}): ACS capability 0x${hex(capLab, 4)} becomes QEMU's 0x${hex(qemuCap, 4)}`,
      )
    if (d.acsCtrlFirmware !== fw)
      this.cannot.push(
        `${d.bdf} (${d.label}): ACS Control bits 0x${hex(d.acsCtrlFirmware & ~qemuCap, 4)} are not in QEMU's capability`,
      )
    if (fw !== 0) this.acsWrites.set(d.id, fw)
    this.twinNodes.push({
      ...base,
      ...this.rootPortId,
      acs: { cap: [...QEMU_ROOT_PORT_ACS_CAP], ctrl: flagsOf(fw) },
    })
    const rp = this.rootPortId
    if (d.vendor !== rp.vendor || d.device !== rp.device)
      if (this.hostDevOf(d.hostBridge) === undefined && d.slot === 0 && d.fn === 0)
        this.cannot.push(
          `${d.bdf} (${d.label}): reports ${hex(rp.vendor, 4)}:${hex(rp.device, 4)} in QEMU, not ${hex(d.vendor, 4)}:${hex(d.device, 4)}; as the first function of its root bus it is the whitelist key (a whitelisted id needs the byte-patched QEMU of docs/kernel/oracle.md#a-qemu-with-whitelisted-root-ports)`,
        )
    return 'pcie-root-port'
  }

  private emitSwitchUpstream({ d, unique, parentBus, addr: a, base }: EmittedDev): QemuRole {
    this.deviceArgs.push(`x3130-upstream,id=${unique},bus=${parentBus},addr=${a}`)
    this.twinNodes.push({ ...base, ...QEMU_IDS.upstream })
    if (d.acsCap !== null)
      this.cannot.push(`${d.bdf} (${d.label}): ACS on a switch upstream port (x3130-upstream has none)`)
    return 'x3130-upstream'
  }

  private emitSwitchDownstream({ d, unique, parentBus, addr: a, base }: EmittedDev): QemuRole {
    this.chassis++
    this.deviceArgs.push(
      `xio3130-downstream,id=${unique},bus=${parentBus},addr=${a},chassis=${this.chassis},slot=0`,
    )
    this.twinNodes.push({ ...base, ...QEMU_IDS.downstream })
    if (d.acsCap !== null)
      this.cannot.push(
        `${d.bdf} (${d.label}): ACS on a switch downstream port (QEMU 7.2's xio3130-downstream has no ACS capability${d.acsCtrl & (ACS_BIT.RR | ACS_BIT.CR) ? '; its redirect bits are lost' : ''})`,
      )
    return 'xio3130-downstream'
  }

  /** A PCI-to-PCI bridge: pcie-pci-bridge below a PCIe port or root bus, pci-bridge below a PCI bridge. */
  private emitPciBridge({ d, unique, parentBus, addr: a, base }: EmittedDev, parentNode: string): QemuRole {
    const parentDev = this.machine.devs.get(parentNode)
    const legacyParent = parentDev?.kind === 'pci_bridge'
    if (legacyParent) {
      this.chassis++
      this.deviceArgs.push(
        `pci-bridge,id=${unique},bus=${parentBus},addr=${a},chassis_nr=${this.chassis},shpc=off`,
      )
    } else this.deviceArgs.push(`pcie-pci-bridge,id=${unique},bus=${parentBus},addr=${a}`)
    this.twinNodes.push({ ...base, ...(legacyParent ? QEMU_IDS.pciBridge : QEMU_IDS.pciePciBridge) })
    if (d.acsCap !== null) this.cannot.push(`${d.bdf} (${d.label}): ACS on a PCI bridge (QEMU's has none)`)
    return legacyParent ? 'pci-bridge' : 'pcie-pci-bridge'
  }

  /** What every NVMe stand-in changes: the device type and the BARs. */
  noteEndpointStandIns(): void {
    for (const d of this.devs)
      if (d.kind === 'endpoint' && d.endpoint && d.endpoint.type !== 'nvme')
        this.cannot.push(
          `${d.bdf} (${d.label}): a ${d.endpoint.type} is exported as an NVMe controller with a ${this.cmb} MiB CMB`,
        )
    if (this.devs.some((d) => d.kind === 'endpoint'))
      this.cannot.push(
        `BAR sizes: every endpoint gets QEMU nvme's BARs (BAR0 16 KiB registers, BAR2 ${this.cmb} MiB CMB = p2pmem); the lab's BARs are not reproduced`,
      )
  }

  // ---- kernel parameters: IOMMU, pci=disable_acs_redir= (with guest BDFs), ACS writes --------------

  /** The kernel parameters, and the twin's settings with guest BDFs in pci=disable_acs_redir=. */
  kernelParams(twin: MachineSpec, tm: Machine): { params: string[]; twinSettings: LabSettings } {
    const machine = this.machine
    const params: string[] = []
    const twinSettings: LabSettings = { ...machine.settings }
    if (machine.settings.iommu) {
      params.push('intel_iommu=on')
      this.comp.push(
        "IOMMU: -device intel-iommu and intel_iommu=on; the kernel then enables ACS (SV|RR|CR|UF) on QEMU's root ports",
      )
    }
    const redir = machine.settings.disableAcsRedir.trim()
    if (redir) {
      const mapped = redir
        .split(';')
        .map((e) => {
          const m = /^(?:\d+@)?([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])$/i.exec(e.trim())
          if (!m) return e.trim()
          const id = machine.byBdf.get(m[1]!.toLowerCase())
          const g = id ? tm.devs.get(id)?.bdf : undefined
          return g ? e.trim().replace(m[1]!, g) : e.trim()
        })
        .join(';')
      params.push(`pci=disable_acs_redir=${mapped}`)
      twinSettings.disableAcsRedir = mapped
      this.comp.push(
        `pci=disable_acs_redir= is passed through on the kernel command line (guest BDFs: ${mapped})`,
      )
    }
    let tmAcs = tm
    if (twinSettings.disableAcsRedir !== machine.settings.disableAcsRedir) {
      const b2 = buildMachine(twin, twinSettings)
      if (b2.ok) tmAcs = b2.machine
    }
    if (this.acsWrites.size > 0) {
      // The kernel computes the effective value at enumeration; the guest writes it before the first mapping.
      const list = [...this.acsWrites.keys()].map((id) => {
        const t = tmAcs.devs.get(id)!
        return `${t.bdf}=0x${hex(t.acsCtrl, 4)}`
      })
      params.push(`kq.acs=${list.join(',')}`)
      this.comp.push(
        `ACS Control set by firmware in the lab is written from inside the guest before the first P2P mapping (kq.acs=${list.join(',')}; p2ptest setacs)`,
      )
    }
    params.push(`kq.nns=${this.nvmeCount}`)
    return { params, twinSettings }
  }

  /** What the test cannot write from the guest: switch-port ACS and whitelisted host bridge ids. */
  noteUncompensated(): void {
    if (this.devs.some((d) => d.kind === 'switch_downstream' && d.acsCap !== null))
      this.comp.push(
        'switch-port ACS: none possible (no ACS capability to write); compare against the twin, whose switch ports have no ACS',
      )
    const foreignHostDevice = (h: HostBridge) => {
      const hd = this.hostDevOf(h.id)
      return (
        hd !== undefined && (hd.vendor !== Q35_HOST_DEVICE.vendor || hd.device !== Q35_HOST_DEVICE.device)
      )
    }
    const rp = this.rootPortId
    if (rp.vendor !== QEMU_IDS.rootPort.vendor || rp.device !== QEMU_IDS.rootPort.device)
      this.comp.push(
        `root ports: booted on the byte-patched QEMU copy whose pcie-root-port reports ${hex(rp.vendor, 4)}:${hex(rp.device, 4)} (docs/kernel/oracle.md#a-qemu-with-whitelisted-root-ports); the twin's root ports carry that id`,
      )
    else if (this.hbs.some(foreignHostDevice))
      this.comp.push(
        'whitelisted host bridges: the whitelist-positive case needs the byte-patched QEMU copy of docs/kernel/oracle.md#a-qemu-with-whitelisted-root-ports (root port id 8086:2030 / 8086:3c00, npm run oracle -- --root-port-id); with stock QEMU the twin uses 1b36:000c',
      )
  }

  // ---- the command line: machine, CPU, memory and NUMA, kernel, devices ------------------------------

  argv(cpuModel: string, params: string[]): string[] {
    const { opts, machine } = this
    const smp = Math.max(opts.smp ?? 2, 1)
    const mem = opts.memMiB ?? 1024
    const argv: string[] = [
      '-machine',
      `q35,accel=${opts.accel ?? 'tcg'}${opts.accel === 'kvm' && machine.settings.iommu ? ',kernel-irqchip=split' : ''}`,
    ]
    argv.push('-cpu', cpuModel, '-smp', String(smp))
    if (this.numaNeeded) {
      const maxNode = Math.max(...this.numaNodes)
      const per = Math.max(128, Math.floor(mem / (maxNode + 1) / 2) * 2)
      argv.push('-m', `${per * (maxNode + 1)}M`)
      for (let n = 0; n <= maxNode; n++) {
        argv.push('-object', `memory-backend-ram,id=mem${n},size=${per}M`)
        const cpus = n < smp ? `,cpus=${n}` : ''
        argv.push('-numa', `node,nodeid=${n},memdev=mem${n}${cpus}`)
      }
      if (smp > maxNode + 1) this.cannot.push('NUMA: CPUs beyond the node count are left on no node')
    } else argv.push('-m', `${mem}M`)
    argv.push('-nodefaults', '-nographic', '-no-reboot', '-serial', 'mon:stdio')
    if (opts.kernel) {
      argv.push('-kernel', opts.kernel)
      if (opts.initrd) argv.push('-initrd', opts.initrd)
      argv.push('-append', [...(opts.append ?? []), ...params].join(' '))
    }
    if (machine.settings.iommu) argv.push('-device', 'intel-iommu')
    for (const d of this.driveArgs) argv.push('-drive', d)
    for (const d of this.deviceArgs) argv.push('-device', d)
    return argv
  }
}

/** Where a function goes: its parent's twin node and QEMU bus, what kind of bus, multifunction. */
interface EmitAt {
  node: string
  bus: string
  rootBus: 'pcie.0' | 'pxb' | null
  multi: boolean
}
type Placement = EmitAt & { slot: number; fn: number }

/** A function about to become a `-device`: its unique QEMU id, bus, addr= and twin node base. */
interface EmittedDev {
  d: PciDev
  unique: string
  parentBus: string
  addr: string
  base: TopoNodeSpec
}

function exportMachine(machine: Machine, opts: QemuExportOptions, wrapPxbEndpoints: boolean): QemuExport {
  const x = new QemuExporter(machine, opts, wrapPxbEndpoints)
  x.numberRootBuses()
  x.relocateQ35Slots()
  x.emitHostBridges()
  x.emitRootBuses()
  x.noteEndpointStandIns()
  const cpu = qemuCpu(machine.cpu)
  if (cpu.note) x.cannot.push(`CPU: ${cpu.note}`)
  const twin: MachineSpec = { name: `${machine.name} (QEMU twin)`, cpu: cpu.twin, nodes: x.twinNodes }

  // Guest BDFs: the engine enumerates the twin the way SeaBIOS numbers buses (depth-first).
  const built = buildMachine(twin, machine.settings)
  if (!built.ok)
    throw new Error(`the QEMU twin does not build: ${built.issues.map((i) => i.message).join('; ')}`)
  const tm = built.machine
  for (const dv of x.devices) if (dv.role !== 'pxb-pcie') dv.guestBdf = tm.devs.get(dv.labId)?.bdf ?? ''
  const { params, twinSettings } = x.kernelParams(twin, tm)
  x.noteUncompensated()
  const argv = x.argv(cpu.model, params)
  return {
    argv,
    shell: [opts.qemu ?? 'qemu-system-x86_64', ...argv].map(shellQuote).join(' '),
    devices: x.devices,
    nvme: x.devices.filter((d) => d.role === 'nvme'),
    kernelParams: params,
    cpuModel: cpu.model,
    cannotReproduce: [...new Set(x.cannot)],
    compensations: x.comp,
    twin,
    twinSettings,
  }
}
