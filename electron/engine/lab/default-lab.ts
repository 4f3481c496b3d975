/**
 * The built-in lab: a 2-socket Intel Xeon Scalable (Skylake-SP / Cascade Lake, family 6 model 85)
 * GPU server with one PCIe switch per socket, loaded when the app starts.
 */
import {
  DEFAULT_SETTINGS,
  LAB_FORMAT,
  LAB_SCHEMA_VERSION,
  type AcsFlag,
  type EndpointSpec,
  type LabFile,
  type TopoNodeSpec,
} from '../../../shared/model/topology'
import { bar, endpoint, GiB, hostBridge, KiB, MiB, pciId } from './spec'
import { COURSE, courseScenarios } from '../scenario/course'

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

/** Root ports and switch downstream ports carry PORT_ACS; the switch's upstream port has no ACS. */
function port(
  id: string,
  kind: 'root_port' | 'switch_upstream' | 'switch_downstream',
  parent: string,
  ids: string,
  label: string,
  slot?: number,
): TopoNodeSpec {
  // slot after the PCI id, as the built-in lab has always been written
  const n: TopoNodeSpec = { id, kind, parent, label, ...pciId(ids) }
  if (slot !== undefined) n.slot = slot
  if (kind !== 'switch_upstream') n.acs = PORT_ACS()
  return n
}

/** NVIDIA Tesla V100-SXM2 32 GB (10de:1db6, 3D controller): BAR1 32 GiB, published as p2pmem. */
function gpu(id: string, parent: string, label: string): TopoNodeSpec {
  const bars = [bar.mem32(0, 16 * MiB), bar.pref64(1, 32 * GiB), bar.pref64(3, 32 * MiB)]
  return endpoint(
    id,
    parent,
    '10de:1db6',
    { type: 'gpu', bars, p2pmemBar: 1 },
    { label, classCode: 0x030200 },
  )
}

/** Mellanox ConnectX-6 (15b3:101b) with its InfiniBand device name. */
function rnic(id: string, parent: string, label: string, ibdev: string): TopoNodeSpec {
  const ep: EndpointSpec = { type: 'rnic', bars: [bar.pref64(0, 32 * MiB)], osDevices: [ibdev] }
  return endpoint(id, parent, '15b3:101b', ep, { label })
}

/** An NVMe drive (1de5:1000) whose 256 MiB controller memory buffer (BAR2) is published as p2pmem. */
function cmbNvme(id: string, parent: string, label: string, disk: string): TopoNodeSpec {
  const bars = [bar.mem64(0, 16 * KiB), bar.pref64(2, 256 * MiB)]
  const ep: EndpointSpec = { type: 'nvme', bars, p2pmemBar: 2, queueP2p: true, osDevices: [disk] }
  return endpoint(id, parent, '1de5:1000', ep, { label })
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
    port(rp, 'root_port', hb, '8086:2030', `Socket ${s} root port (to PEX switch)`, 1),
    port(usp, 'switch_upstream', rp, '10b5:9781', `PEX 9781 switch ${s} upstream port`),
    ...[0, 1, 2, 3].map((i) =>
      port(dsp(i), 'switch_downstream', usp, '10b5:9781', `PEX 9781 switch ${s} downstream port ${i}`),
    ),
    gpu(names.gpus[0].toLowerCase(), dsp(0), names.gpus[0]),
    gpu(names.gpus[1].toLowerCase(), dsp(1), names.gpus[1]),
    rnic(names.nic.toLowerCase(), dsp(2), names.nic, names.ib),
    cmbNvme(names.nvme, dsp(3), names.nvme, names.disk),
  ]
}

/**
 * Socket s: host bridge hb<s> (root bus s * 0x80, NUMA node s) with its host device at bus:00.0,
 * then its switch with two GPUs, a NIC (and its InfiniBand name) and an NVMe (disk <nvme>n1).
 */
function socket(
  s: number,
  [ids, label]: [string, string],
  [gpuA, gpuB, nic, ib, nvme]: [string, string, string, string, string],
): TopoNodeSpec[] {
  const hostDevice = { ...pciId(ids), label }
  const hb = hostBridge(
    `hb${s}`,
    `Socket ${s} host bridge (root bus ${(s * 0x80).toString(16).padStart(2, '0')})`,
    {
      domain: 0,
      rootBus: s * 0x80,
      numaNode: s,
      hostDevice,
    },
  )
  return [hb, ...socketSwitch(s, hb.id, { gpus: [gpuA, gpuB], nic, ib, nvme, disk: `${nvme}n1` })]
}

/** Intel C620 AHCI (8086:a182) with disk sda; its request queue does not support P2PDMA. */
const AHCI: EndpointSpec = {
  type: 'ahci',
  bars: [bar.io(4, 32), bar.mem32(5, 2 * KiB)],
  queueP2p: false,
  osDevices: ['sda'],
}

/** The built-in lab (a fresh object on every call). */
export function defaultLab(): LabFile {
  const nodes: TopoNodeSpec[] = [
    ...socket(0, ['8086:2020', 'Sky Lake-E DMI3 Registers'], ['GPU0', 'GPU1', 'NIC0', 'mlx5_0', 'nvme1']),
    port('rp0_nvme', 'root_port', 'hb0', '8086:2031', 'Socket 0 root port (nvme0)', 2),
    cmbNvme('nvme0', 'rp0_nvme', 'nvme0', 'nvme0n1'),
    port('rp0_sata', 'root_port', 'hb0', '8086:2032', 'Socket 0 root port (SATA)', 3),
    endpoint('ahci0', 'rp0_sata', '8086:a182', AHCI, { label: 'AHCI (sda)' }),
    ...socket(1, ['8086:2021', 'Sky Lake-E CBDMA Registers'], ['GPU2', 'GPU3', 'NIC1', 'mlx5_1', 'nvme2']),
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
