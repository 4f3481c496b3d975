/**
 * Shared test topologies as MachineSpecs: docs/kernel/cases.md#shared-topologies (T1, T1-nw, T1-amd,
 * T3) and the QEMU machines of docs/kernel/oracle.md#the-qemu-machines (sw, pxb, mf, pxb2), with the BDFs the real
 * kernel printed. Each call returns a fresh object, so tests may mutate it.
 *
 * Node ids (stable, used by tests):
 *   T1:   hb0 (00:00.0 = host device) rpA usp dsp0 dsp1 dsp2 gpu0 nic0 nvme2 rpB nvme0 nvme0f1 rpC ahci0
 *   T3:   hb0 rp0 gpu0 / hb1 rp1 nic1
 *   QEMU: pcie0 (00:00.0 = 8086:29c0), rp1 up1 d1 d2 A B rp2 C D; pxb1 rp3 E (rp4 F); pxb2 rp5 G
 */
import type { AcsFlag, CpuSpec, MachineSpec, TopoNodeSpec } from '../../shared/model/topology'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/** Root/downstream port ACS capability used by T1 (docs/kernel/cases.md#shared-topologies: {SV,RR,CR,UF}). */
const T1_ACS_CAP: AcsFlag[] = ['SV', 'RR', 'CR', 'UF']
/** QEMU pcie-root-port: ACS capability 0x005f = SV|TB|RR|CR|UF|DT (docs/kernel/oracle.md#limits). */
export const QEMU_RP_ACS_CAP: AcsFlag[] = ['SV', 'TB', 'RR', 'CR', 'UF', 'DT']

/** CPUs of docs/kernel/oracle.md#the-qemu-machines as cpu_data(0) sees them. */
export const CPUS = {
  skylakeServer: { vendor: 'intel', family: 6, model: 85, name: 'Skylake-Server' },
  epyc: { vendor: 'amd', family: 0x17, model: 1, name: 'EPYC' },
  epycFamily22: { vendor: 'amd', family: 0x16, name: 'EPYC,family=22' },
  qemu64: { vendor: 'amd', family: 15, name: 'qemu64' },
  dhyana: { vendor: 'hygon', family: 0x18, name: 'Dhyana' },
} as const satisfies Record<string, CpuSpec>

export type HostKey = { vendor: number; device: number } | string | null

function key(k: HostKey): { vendor: number; device: number } | null {
  if (k === null) return null
  if (typeof k === 'string') {
    const [v, d] = k.split(':')
    return { vendor: parseInt(v!, 16), device: parseInt(d!, 16) }
  }
  return { ...k }
}

export interface T1Options {
  /** The device at 00:00.0 (the whitelist key); default 8086:2020. */
  hostDevice?: HostKey
  /** Default: Intel Skylake-SP (family 6, model 85). null: let the engine infer it. */
  cpu?: CpuSpec | null
  /** Firmware ACS Control per node id (e.g. { dsp0: ['RR', 'CR'] }). */
  acsCtrl?: Record<string, AcsFlag[]>
  /** Host bridge bus offset (pci_bus_address() - CPU physical); default 0. */
  busOffset?: number
}

/**
 * T1: one Intel host bridge and one switch (docs/kernel/cases.md). GPU0 BAR1 (16 GiB, 64-bit
 * prefetchable) lands at CPU 0x38_0000_0000: the host window starts there and GPU0's BAR1 is the
 * largest resource below the largest root port.
 */
export function t1(opts: T1Options = {}): MachineSpec {
  const hd = opts.hostDevice === undefined ? { vendor: 0x8086, device: 0x2020 } : key(opts.hostDevice)
  const acs = (id: string): TopoNodeSpec['acs'] => ({
    cap: [...T1_ACS_CAP],
    ctrl: [...(opts.acsCtrl?.[id] ?? [])],
  })
  const nodes: TopoNodeSpec[] = [
    {
      id: 'hb0',
      kind: 'host_bridge',
      parent: null,
      label: 'HB0',
      host: {
        domain: 0,
        rootBus: 0,
        numaNode: 0,
        hostDevice: hd ? { ...hd, label: 'host bridge device' } : null,
        mmioBase: 0x38_0000_0000,
        mmioSize: 0x40_0000_0000,
        busOffset: opts.busOffset ?? 0,
      },
    },
    {
      id: 'rpA',
      kind: 'root_port',
      parent: 'hb0',
      label: 'RP-A',
      slot: 1,
      vendor: 0x8086,
      device: 0x2030,
      acs: acs('rpA'),
    },
    { id: 'usp', kind: 'switch_upstream', parent: 'rpA', label: 'USP', vendor: 0x10b5, device: 0x9781 },
    {
      id: 'dsp0',
      kind: 'switch_downstream',
      parent: 'usp',
      label: 'DSP0',
      vendor: 0x10b5,
      device: 0x9781,
      acs: acs('dsp0'),
    },
    {
      id: 'dsp1',
      kind: 'switch_downstream',
      parent: 'usp',
      label: 'DSP1',
      vendor: 0x10b5,
      device: 0x9781,
      acs: acs('dsp1'),
    },
    {
      id: 'dsp2',
      kind: 'switch_downstream',
      parent: 'usp',
      label: 'DSP2',
      vendor: 0x10b5,
      device: 0x9781,
      acs: acs('dsp2'),
    },
    {
      id: 'gpu0',
      kind: 'endpoint',
      parent: 'dsp0',
      label: 'GPU0',
      vendor: 0x10de,
      device: 0x20b0,
      endpoint: {
        type: 'gpu',
        bars: [
          { index: 0, size: 16 * MiB },
          { index: 1, size: 16 * GiB, mem64: true, prefetch: true },
          { index: 3, size: 32 * MiB, mem64: true, prefetch: true },
          { index: 5, size: 128, io: true },
        ],
        p2pmemBar: 1,
      },
    },
    {
      id: 'nic0',
      kind: 'endpoint',
      parent: 'dsp1',
      label: 'NIC0',
      vendor: 0x15b3,
      device: 0x101b,
      endpoint: {
        type: 'rnic',
        bars: [{ index: 0, size: 32 * MiB, mem64: true, prefetch: true }],
        osDevices: ['mlx5_0'],
      },
    },
    {
      id: 'nvme2',
      kind: 'endpoint',
      parent: 'dsp2',
      label: 'NVMe2',
      vendor: 0x144d,
      device: 0xa824,
      endpoint: {
        type: 'nvme',
        bars: [{ index: 0, size: 16 * KiB, mem64: true }],
        queueP2p: true,
        osDevices: ['nvme2n1'],
      },
    },
    {
      id: 'rpB',
      kind: 'root_port',
      parent: 'hb0',
      label: 'RP-B',
      slot: 2,
      vendor: 0x8086,
      device: 0x2031,
      acs: acs('rpB'),
    },
    {
      id: 'nvme0',
      kind: 'endpoint',
      parent: 'rpB',
      label: 'NVMe0',
      fn: 0,
      vendor: 0x1de5,
      device: 0x1000,
      endpoint: {
        type: 'nvme',
        bars: [
          { index: 0, size: 16 * KiB, mem64: true },
          { index: 2, size: 256 * MiB, mem64: true, prefetch: true },
        ],
        p2pmemBar: 2,
        queueP2p: true,
        osDevices: ['nvme0n1'],
      },
    },
    {
      id: 'nvme0f1',
      kind: 'endpoint',
      parent: 'rpB',
      label: 'NVMe0 fn1',
      fn: 1,
      vendor: 0x1de5,
      device: 0x1000,
      endpoint: {
        type: 'nvme',
        bars: [{ index: 0, size: 16 * KiB, mem64: true }],
        queueP2p: true,
        osDevices: ['nvme1n1'],
      },
    },
    {
      id: 'rpC',
      kind: 'root_port',
      parent: 'hb0',
      label: 'RP-C',
      slot: 3,
      vendor: 0x8086,
      device: 0x2032,
      acs: acs('rpC'),
    },
    {
      id: 'ahci0',
      kind: 'endpoint',
      parent: 'rpC',
      label: 'AHCI',
      vendor: 0x8086,
      device: 0xa182,
      endpoint: {
        type: 'ahci',
        bars: [
          { index: 4, size: 32, io: true },
          { index: 5, size: 2 * KiB },
        ],
        queueP2p: false,
        osDevices: ['sda'],
      },
    },
  ]
  return { name: 'T1', cpu: opts.cpu === undefined ? { ...CPUS.skylakeServer } : opts.cpu, nodes }
}

/** T1-nw: 00:00.0 is an Intel id on no whitelist (placeholder 8086:a700), Intel CPU. */
export function t1nw(): MachineSpec {
  return { ...t1({ hostDevice: { vendor: 0x8086, device: 0xa700 } }), name: 'T1-nw' }
}

/** T1-amd: 00:00.0 = 1022:1450 (Zen/Zen+) or 1022:1480 (Zen 2), AMD CPU (family 0x17 unless given). */
export function t1amd(hostDevice: number = 0x1480, family = 0x17): MachineSpec {
  return {
    ...t1({
      hostDevice: { vendor: 0x1022, device: hostDevice },
      cpu: { vendor: 'amd', family, name: 'AMD EPYC' },
    }),
    name: `T1-amd-${hostDevice.toString(16)}`,
  }
}

/**
 * T3: two host bridges (root buses 00 and 80), one root port and one endpoint each.
 * keyX / keyY: the device at 00:00.0 / 80:00.0 ('8086:2020', { vendor, device } or null for none).
 */
export function t3(
  keyX: HostKey,
  keyY: HostKey,
  cpu: CpuSpec | null = { ...CPUS.skylakeServer },
): MachineSpec {
  const x = key(keyX)
  const y = key(keyY)
  return {
    name: 'T3',
    cpu,
    nodes: [
      {
        id: 'hb0',
        kind: 'host_bridge',
        parent: null,
        label: 'HB0',
        host: { domain: 0, rootBus: 0, numaNode: 0, hostDevice: x },
      },
      {
        id: 'rp0',
        kind: 'root_port',
        parent: 'hb0',
        label: 'RP0',
        slot: 1,
        vendor: 0x8086,
        device: 0x2030,
        acs: { cap: [...T1_ACS_CAP], ctrl: [] },
      },
      {
        id: 'gpu0',
        kind: 'endpoint',
        parent: 'rp0',
        label: 'GPU0',
        vendor: 0x10de,
        device: 0x20b0,
        endpoint: {
          type: 'gpu',
          bars: [
            { index: 0, size: 16 * MiB },
            { index: 1, size: 16 * GiB, mem64: true, prefetch: true },
          ],
          p2pmemBar: 1,
        },
      },
      {
        id: 'hb1',
        kind: 'host_bridge',
        parent: null,
        label: 'HB1',
        host: { domain: 0, rootBus: 0x80, numaNode: 1, hostDevice: y },
      },
      {
        id: 'rp1',
        kind: 'root_port',
        parent: 'hb1',
        label: 'RP1',
        slot: 1,
        vendor: 0x8086,
        device: 0x2030,
        acs: { cap: [...T1_ACS_CAP], ctrl: [] },
      },
      {
        id: 'nic1',
        kind: 'endpoint',
        parent: 'rp1',
        label: 'NIC1',
        vendor: 0x15b3,
        device: 0x101b,
        endpoint: { type: 'rnic', bars: [{ index: 0, size: 32 * MiB, mem64: true, prefetch: true }] },
      },
    ],
  }
}

// ---- QEMU machines (docs/kernel/oracle.md#the-qemu-machines) ----------------------------------------------------------

const Q35_HOST = { vendor: 0x8086, device: 0x29c0, label: 'q35 MCH' }
const QEMU_RP = { vendor: 0x1b36, device: 0x000c }

function qemuNvme(id: string, parent: string, extra: Partial<TopoNodeSpec> = {}): TopoNodeSpec {
  return {
    id,
    kind: 'endpoint',
    parent,
    label: id,
    vendor: 0x1b36,
    device: 0x0010,
    ...extra,
    endpoint: {
      type: 'nvme',
      // QEMU nvme: BAR0 registers; with cmb_size_mb=16 the CMB is BAR2, 64-bit prefetchable.
      bars: [
        { index: 0, size: 16 * KiB, mem64: true },
        { index: 2, size: 16 * MiB, mem64: true, prefetch: true },
      ],
      p2pmemBar: 2,
      queueP2p: true,
    },
  }
}

function qemuRootPort(
  id: string,
  parent: string,
  slot: number,
  ids = QEMU_RP,
  ctrl: AcsFlag[] = [],
): TopoNodeSpec {
  return {
    id,
    kind: 'root_port',
    parent,
    label: id,
    slot,
    vendor: ids.vendor,
    device: ids.device,
    acs: { cap: [...QEMU_RP_ACS_CAP], ctrl },
  }
}

function pcie0(): TopoNodeSpec {
  return {
    id: 'pcie0',
    kind: 'host_bridge',
    parent: null,
    label: 'pcie.0',
    host: { domain: 0, rootBus: 0, numaNode: 0, hostDevice: { ...Q35_HOST } },
  }
}

function pxb(id: string, bus: number): TopoNodeSpec {
  return {
    id,
    kind: 'host_bridge',
    parent: null,
    label: `pxb-pcie ${id} (bus_nr=0x${bus.toString(16)})`,
    host: { domain: 0, rootBus: bus, numaNode: 0, hostDevice: null },
  }
}

/**
 * QEMU "sw": rp1 (00:10.0) -> x3130 switch (no ACS) -> A 03:00.0, B 04:00.0; rp2 (00:11.0) -> C
 * 05:00.0; D on the root bus at 00:12.0.
 */
export function qemuSw(cpu: CpuSpec | null = { ...CPUS.skylakeServer }): MachineSpec {
  return {
    name: 'qemu-sw',
    cpu,
    nodes: [
      pcie0(),
      qemuRootPort('rp1', 'pcie0', 0x10),
      {
        id: 'up1',
        kind: 'switch_upstream',
        parent: 'rp1',
        label: 'x3130-upstream',
        vendor: 0x104c,
        device: 0x8232,
      },
      {
        id: 'd1',
        kind: 'switch_downstream',
        parent: 'up1',
        label: 'xio3130-downstream d1',
        vendor: 0x104c,
        device: 0x8233,
      },
      {
        id: 'd2',
        kind: 'switch_downstream',
        parent: 'up1',
        label: 'xio3130-downstream d2',
        vendor: 0x104c,
        device: 0x8233,
      },
      qemuNvme('A', 'd1'),
      qemuNvme('B', 'd2'),
      qemuRootPort('rp2', 'pcie0', 0x11),
      qemuNvme('C', 'rp2'),
      qemuNvme('D', 'pcie0', { slot: 0x12 }),
    ],
  }
}

/**
 * QEMU "pxb": sw plus a pxb-pcie host bridge (bus_nr 0x80) whose first device is root port rp3 at
 * 80:00.0 -> E 81:00.0.
 * Simplification: the pxb-pcie device itself (1b36:000b at 00:13.0 on pcie.0) is left out; it has
 * no BARs and plays no part in P2P.
 */
export function qemuPxb(cpu: CpuSpec | null = { ...CPUS.skylakeServer }): MachineSpec {
  const m = qemuSw(cpu)
  m.name = 'qemu-pxb'
  m.nodes.push(pxb('pxb1', 0x80), qemuRootPort('rp3', 'pxb1', 0), qemuNvme('E', 'rp3'))
  return m
}

export interface QemuMfOptions {
  cpu?: CpuSpec | null
  /** Firmware/early ACS Control of rp1 (the "mf-acs" runs wrote RR|CR = 0x000c). */
  rp1Ctrl?: AcsFlag[]
}

/** QEMU "mf": rp1 (00:10.0) -> A 01:00.0 + B 01:00.1 (one multi-function slot); rp2 (00:11.0) -> C 02:00.0. */
export function qemuMf(opts: QemuMfOptions = {}): MachineSpec {
  return {
    name: 'qemu-mf',
    cpu: opts.cpu === undefined ? { ...CPUS.skylakeServer } : opts.cpu,
    nodes: [
      pcie0(),
      qemuRootPort('rp1', 'pcie0', 0x10, QEMU_RP, opts.rp1Ctrl ?? []),
      qemuNvme('A', 'rp1', { slot: 0, fn: 0 }),
      qemuNvme('B', 'rp1', { slot: 0, fn: 1 }),
      qemuRootPort('rp2', 'pcie0', 0x11),
      qemuNvme('C', 'rp2'),
    ],
  }
}

/**
 * QEMU "pxb2": C on rp2 (pcie.0) = 01:00.0; pxb1 (bus 0x80): rp3 80:00.0 -> E 81:00.0, rp4 80:01.0
 * -> F 82:00.0; pxb2 (bus 0x90): rp5 90:00.0 -> G 91:00.0.
 * rootPortId: the PCI id every pcie-root-port reports; the whitelist-positive runs used a QEMU binary
 * patched to 8086:2030 or 8086:3c00 (a number means an Intel device id). Default 1b36:000c.
 */
export function qemuPxb2(
  rootPortId: number | { vendor: number; device: number } = QEMU_RP,
  cpu: CpuSpec | null = { ...CPUS.skylakeServer },
): MachineSpec {
  const ids = typeof rootPortId === 'number' ? { vendor: 0x8086, device: rootPortId } : { ...rootPortId }
  return {
    name: 'qemu-pxb2',
    cpu,
    nodes: [
      pcie0(),
      qemuRootPort('rp2', 'pcie0', 0x11, ids),
      qemuNvme('C', 'rp2'),
      pxb('pxb1', 0x80),
      qemuRootPort('rp3', 'pxb1', 0, ids),
      qemuNvme('E', 'rp3'),
      qemuRootPort('rp4', 'pxb1', 1, ids),
      qemuNvme('F', 'rp4'),
      pxb('pxb2', 0x90),
      qemuRootPort('rp5', 'pxb2', 0, ids),
      qemuNvme('G', 'rp5'),
    ],
  }
}
