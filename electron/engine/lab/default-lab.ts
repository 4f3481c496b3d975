/**
 * The built-in lab: a 2-socket Intel Xeon Scalable (Skylake-SP / Cascade Lake, family 6 model 85)
 * GPU server with one PCIe switch per socket, loaded when the app starts.
 */
import {
  DEFAULT_SETTINGS,
  LAB_FORMAT,
  LAB_SCHEMA_VERSION,
  type AcsFlag,
  type LabFile,
  type TopoNodeSpec,
} from '../../../shared/model/topology'
import { COURSE, courseScenarios } from '../scenario/course'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/** Switch downstream ports and root ports: ACS capability {SV,TB,RR,CR,UF}, control left clear by firmware. */
const PORT_ACS = (): { cap: AcsFlag[]; ctrl: AcsFlag[] } => ({
  cap: ['SV', 'TB', 'RR', 'CR', 'UF'],
  ctrl: [],
})

const DESCRIPTION = `A two-socket Intel Xeon Scalable server (Skylake-SP / Cascade Lake, CPU family 6 model 85) with
one Broadcom/PLX PEX 9781 switch per socket. Each switch holds two NVIDIA Tesla V100 32 GB GPUs
(BAR1 = 32 GiB), a ConnectX-6 RDMA NIC and an NVMe drive with a 256 MiB controller memory buffer
(CMB, BAR2). Socket 0 also has an NVMe with a CMB on its own root port (00:02.0) and an AHCI SATA
controller with disk sda on another root port (00:03.0); the AHCI queue does not support P2PDMA.

Host bridges: socket 0 is root bus 00, whose device 00:00.0 is 8086:2020 (Sky Lake-E DMI3
registers), an entry of the kernel's P2PDMA host-bridge whitelist with no flags. Socket 1 is root bus
80; its first device, modelled at 80:00.0, is 8086:2021 (Sky Lake-E CBDMA registers), which is on no
whitelist of any era (simplification: on real Skylake-SP that function sits at device 4).

What to expect with kernel 6.12 and the IOMMU off (Intel CPU, so cpu_supports_p2pdma() is false):
- BUS_ADDR, distance 4: any two devices behind the same switch, e.g. GPU0 <-> NIC0, GPU1 <-> nvme1 on
  socket 0, GPU2 <-> NIC1 on socket 1. The common upstream bridge is the switch's upstream port and
  no ACS redirect bit is set.
- THRU_HOST_BRIDGE: pairs across root ports of socket 0, e.g. GPU0 <-> nvme0 (distance 4 + 2 = 6):
  no common upstream bridge, but both sit under the whitelisted 8086:2020 host bridge.
- NOT_SUPPORTED: any pair across the sockets (e.g. GPU0 <-> GPU2): the two host bridges differ and
  8086:2021 is not whitelisted.

Turn the IOMMU on and the kernel's pci_enable_acs() sets SV|RR|CR|UF (0x001d) on every port with
an ACS capability: same-switch pairs now meet ACS redirect on the downstream ports and go through
the host bridge: THRU_HOST_BRIDGE on socket 0, NOT_SUPPORTED on socket 1. The kernel's hint names the
ports to list in pci=disable_acs_redir= to get bus addresses back.`

function port(
  id: string,
  kind: TopoNodeSpec['kind'],
  parent: string,
  label: string,
  vendor: number,
  device: number,
  slot?: number,
): TopoNodeSpec {
  const n: TopoNodeSpec = { id, kind, parent, label, vendor, device }
  if (slot !== undefined) n.slot = slot
  if (kind !== 'switch_upstream') n.acs = PORT_ACS()
  return n
}

function gpu(id: string, parent: string, label: string): TopoNodeSpec {
  return {
    id,
    kind: 'endpoint',
    parent,
    label,
    vendor: 0x10de,
    device: 0x1db6,
    classCode: 0x030200,
    endpoint: {
      type: 'gpu',
      bars: [
        { index: 0, size: 16 * MiB },
        { index: 1, size: 32 * GiB, mem64: true, prefetch: true },
        { index: 3, size: 32 * MiB, mem64: true, prefetch: true },
      ],
      p2pmemBar: 1,
    },
  }
}

function rnic(id: string, parent: string, label: string, ibdev: string): TopoNodeSpec {
  return {
    id,
    kind: 'endpoint',
    parent,
    label,
    vendor: 0x15b3,
    device: 0x101b,
    endpoint: {
      type: 'rnic',
      bars: [{ index: 0, size: 32 * MiB, mem64: true, prefetch: true }],
      osDevices: [ibdev],
    },
  }
}

function cmbNvme(id: string, parent: string, label: string, disk: string): TopoNodeSpec {
  return {
    id,
    kind: 'endpoint',
    parent,
    label,
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
      osDevices: [disk],
    },
  }
}

/** One socket's switch: root port -> PEX upstream port -> 4 downstream ports -> GPU, GPU, NIC, NVMe. */
function socketSwitch(
  s: number,
  hb: string,
  names: { gpus: [string, string]; nic: string; ib: string; nvme: string; disk: string },
): TopoNodeSpec[] {
  const rp = `rp${s}_sw`
  const usp = `sw${s}_usp`
  const dsp = (i: number): string => `sw${s}_dsp${i}`
  return [
    port(rp, 'root_port', hb, `Socket ${s} root port (to PEX switch)`, 0x8086, 0x2030, 1),
    port(usp, 'switch_upstream', rp, `PEX 9781 switch ${s} upstream port`, 0x10b5, 0x9781),
    ...[0, 1, 2, 3].map((i) =>
      port(dsp(i), 'switch_downstream', usp, `PEX 9781 switch ${s} downstream port ${i}`, 0x10b5, 0x9781),
    ),
    gpu(names.gpus[0].toLowerCase(), dsp(0), names.gpus[0]),
    gpu(names.gpus[1].toLowerCase(), dsp(1), names.gpus[1]),
    rnic(names.nic.toLowerCase(), dsp(2), names.nic, names.ib),
    cmbNvme(names.nvme, dsp(3), names.nvme, names.disk),
  ]
}

/** The built-in lab (a fresh object on every call). */
export function defaultLab(): LabFile {
  const nodes: TopoNodeSpec[] = [
    {
      id: 'hb0',
      kind: 'host_bridge',
      parent: null,
      label: 'Socket 0 host bridge (root bus 00)',
      host: {
        domain: 0,
        rootBus: 0x00,
        numaNode: 0,
        hostDevice: { vendor: 0x8086, device: 0x2020, label: 'Sky Lake-E DMI3 Registers' },
      },
    },
    ...socketSwitch(0, 'hb0', {
      gpus: ['GPU0', 'GPU1'],
      nic: 'NIC0',
      ib: 'mlx5_0',
      nvme: 'nvme1',
      disk: 'nvme1n1',
    }),
    port('rp0_nvme', 'root_port', 'hb0', 'Socket 0 root port (nvme0)', 0x8086, 0x2031, 2),
    cmbNvme('nvme0', 'rp0_nvme', 'nvme0', 'nvme0n1'),
    port('rp0_sata', 'root_port', 'hb0', 'Socket 0 root port (SATA)', 0x8086, 0x2032, 3),
    {
      id: 'ahci0',
      kind: 'endpoint',
      parent: 'rp0_sata',
      label: 'AHCI (sda)',
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
    {
      id: 'hb1',
      kind: 'host_bridge',
      parent: null,
      label: 'Socket 1 host bridge (root bus 80)',
      host: {
        domain: 0,
        rootBus: 0x80,
        numaNode: 1,
        hostDevice: { vendor: 0x8086, device: 0x2021, label: 'Sky Lake-E CBDMA Registers' },
      },
    },
    ...socketSwitch(1, 'hb1', {
      gpus: ['GPU2', 'GPU3'],
      nic: 'NIC1',
      ib: 'mlx5_1',
      nvme: 'nvme2',
      disk: 'nvme2n1',
    }),
  ]
  return {
    format: LAB_FORMAT,
    schemaVersion: LAB_SCHEMA_VERSION,
    name: 'Two-socket Xeon GPU server',
    description: DESCRIPTION,
    machine: {
      name: 'Two-socket Xeon Scalable (Skylake-SP) with PEX switches',
      cpu: { vendor: 'intel', family: 6, model: 85, name: 'Intel Xeon Gold 6148 (Skylake-SP)' },
      nodes,
    },
    settings: { ...DEFAULT_SETTINGS },
    course: { ...COURSE },
    scenarios: courseScenarios(),
  }
}
