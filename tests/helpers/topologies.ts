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
import type {
  AcsFlag,
  CpuSpec,
  EndpointSpec,
  HostBridgeSpec,
  MachineSpec,
  TopoNodeSpec,
} from '../../shared/model/topology'
import {
  acs,
  bar,
  bridge,
  endpoint,
  GiB,
  hostBridge,
  KiB,
  MiB,
  type NodeExtra,
} from '../../electron/engine/lab/spec'

const hex4 = (n: number): string => n.toString(16).padStart(4, '0')
/** A ConnectX RDMA NIC's BAR0 and InfiniBand device name. */
const RNIC = (ibdev: string): EndpointSpec => ({
  type: 'rnic',
  bars: [bar.pref64(0, 32 * MiB)],
  osDevices: [ibdev],
})
/** An NVMe function without a CMB. */
const NVME = (disk: string): EndpointSpec => ({
  type: 'nvme',
  bars: [bar.mem64(0, 16 * KiB)],
  queueP2p: true,
  osDevices: [disk],
})
/** An NVMe with a 256 MiB CMB in BAR2, published as p2pmem. */
const CMB_NVME = (disk: string): EndpointSpec => ({
  type: 'nvme',
  bars: [bar.mem64(0, 16 * KiB), bar.pref64(2, 256 * MiB)],
  p2pmemBar: 2,
  queueP2p: true,
  osDevices: [disk],
})

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
  const ports = (id: string, label: string, slot?: number): NodeExtra => ({
    label,
    ...(slot === undefined ? {} : { slot }),
    acs: acs(T1_ACS_CAP, opts.acsCtrl?.[id]),
  })
  const nodes: TopoNodeSpec[] = [
    hostBridge('hb0', 'HB0', {
      domain: 0,
      rootBus: 0,
      numaNode: 0,
      hostDevice: hd ? { ...hd, label: 'host bridge device' } : null,
      mmioBase: 0x38_0000_0000,
      mmioSize: 0x40_0000_0000,
      busOffset: opts.busOffset ?? 0,
    }),
    bridge('root_port', 'rpA', 'hb0', '8086:2030', ports('rpA', 'RP-A', 1)),
    bridge('switch_upstream', 'usp', 'rpA', '10b5:9781', { label: 'USP' }),
    ...[0, 1, 2].map((i) =>
      bridge('switch_downstream', `dsp${i}`, 'usp', '10b5:9781', ports(`dsp${i}`, `DSP${i}`)),
    ),
    endpoint(
      'gpu0',
      'dsp0',
      '10de:20b0',
      {
        type: 'gpu',
        bars: [bar.mem32(0, 16 * MiB), bar.pref64(1, 16 * GiB), bar.pref64(3, 32 * MiB), bar.io(5, 128)],
        p2pmemBar: 1,
      },
      { label: 'GPU0' },
    ),
    endpoint('nic0', 'dsp1', '15b3:101b', RNIC('mlx5_0'), { label: 'NIC0' }),
    endpoint('nvme2', 'dsp2', '144d:a824', NVME('nvme2n1'), { label: 'NVMe2' }),
    bridge('root_port', 'rpB', 'hb0', '8086:2031', ports('rpB', 'RP-B', 2)),
    endpoint('nvme0', 'rpB', '1de5:1000', CMB_NVME('nvme0n1'), { label: 'NVMe0', fn: 0 }),
    endpoint('nvme0f1', 'rpB', '1de5:1000', NVME('nvme1n1'), { label: 'NVMe0 fn1', fn: 1 }),
    bridge('root_port', 'rpC', 'hb0', '8086:2032', ports('rpC', 'RP-C', 3)),
    endpoint(
      'ahci0',
      'rpC',
      '8086:a182',
      {
        type: 'ahci',
        bars: [bar.io(4, 32), bar.mem32(5, 2 * KiB)],
        queueP2p: false,
        osDevices: ['sda'],
      },
      { label: 'AHCI' },
    ),
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
      ...t3Socket(0, x, endpoint('gpu0', 'rp0', '10de:20b0', T3_GPU, { label: 'GPU0' })),
      ...t3Socket(
        1,
        y,
        endpoint(
          'nic1',
          'rp1',
          '15b3:101b',
          { type: 'rnic', bars: [bar.pref64(0, 32 * MiB)] },
          { label: 'NIC1' },
        ),
      ),
    ],
  }
}

const T3_GPU: EndpointSpec = {
  type: 'gpu',
  bars: [bar.mem32(0, 16 * MiB), bar.pref64(1, 16 * GiB)],
  p2pmemBar: 1,
}

/** One T3 socket: host bridge hb<i> (root bus 00 or 80, NUMA node i), root port rp<i> in slot 1, the endpoint. */
function t3Socket(i: number, hostDevice: HostBridgeSpec['hostDevice'], ep: TopoNodeSpec): TopoNodeSpec[] {
  return [
    hostBridge(`hb${i}`, `HB${i}`, { domain: 0, rootBus: i * 0x80, numaNode: i, hostDevice }),
    bridge('root_port', `rp${i}`, `hb${i}`, '8086:2030', { label: `RP${i}`, slot: 1, acs: acs(T1_ACS_CAP) }),
    ep,
  ]
}

// ---- QEMU machines (docs/kernel/oracle.md#the-qemu-machines) ----------------------------------------------------------

const Q35_HOST = { vendor: 0x8086, device: 0x29c0, label: 'q35 MCH' }
const QEMU_RP = '1b36:000c'

function qemuNvme(id: string, parent: string, extra: NodeExtra = {}): TopoNodeSpec {
  // QEMU nvme: BAR0 registers; with cmb_size_mb=16 the CMB is BAR2, 64-bit prefetchable.
  const bars = [bar.mem64(0, 16 * KiB), bar.pref64(2, 16 * MiB)]
  return endpoint(id, parent, '1b36:0010', { type: 'nvme', bars, p2pmemBar: 2, queueP2p: true }, extra)
}

function qemuRootPort(
  id: string,
  parent: string,
  slot: number,
  ids = QEMU_RP,
  ctrl: AcsFlag[] = [],
): TopoNodeSpec {
  return bridge('root_port', id, parent, ids, { slot, acs: acs(QEMU_RP_ACS_CAP, ctrl) })
}

function pcie0(): TopoNodeSpec {
  return hostBridge('pcie0', 'pcie.0', { domain: 0, rootBus: 0, numaNode: 0, hostDevice: { ...Q35_HOST } })
}

function pxb(id: string, bus: number): TopoNodeSpec {
  const label = `pxb-pcie ${id} (bus_nr=0x${bus.toString(16)})`
  return hostBridge(id, label, { domain: 0, rootBus: bus, numaNode: 0, hostDevice: null })
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
      bridge('switch_upstream', 'up1', 'rp1', '104c:8232', { label: 'x3130-upstream' }),
      bridge('switch_downstream', 'd1', 'up1', '104c:8233', { label: 'xio3130-downstream d1' }),
      bridge('switch_downstream', 'd2', 'up1', '104c:8233', { label: 'xio3130-downstream d2' }),
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
  rootPortId: number | string | { vendor: number; device: number } = QEMU_RP,
  cpu: CpuSpec | null = { ...CPUS.skylakeServer },
): MachineSpec {
  const ids =
    typeof rootPortId === 'number'
      ? `8086:${rootPortId.toString(16).padStart(4, '0')}`
      : typeof rootPortId === 'string'
        ? rootPortId
        : `${hex4(rootPortId.vendor)}:${hex4(rootPortId.device)}`
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
