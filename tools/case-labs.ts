import { t1, t1amd, t1nw, t3 } from '../tests/helpers/topologies'
import { DEFAULT_SETTINGS, type LabFile, type LabSettings, type MachineSpec } from '../shared/model/topology'

function lab(
  name: string,
  description: string,
  machine: MachineSpec,
  settings: Partial<LabSettings> = {},
): LabFile {
  return {
    format: 'p2p-dma-lab',
    schemaVersion: 1,
    name,
    description,
    machine,
    settings: { ...DEFAULT_SETTINGS, ...settings },
  }
}

/** The case topologies of docs/kernel/cases.md as lab files, keyed by file name. */
export function caseLabs(): Record<string, LabFile> {
  return {
    'T1-intel': lab(
      'T1: one Intel host bridge (8086:2020) and one switch',
      'Kernel case T1 (docs/kernel/cases.md#shared-topologies). GPU0, NIC0 and NVMe2 share a switch; NVMe0 (two functions) and the AHCI controller sit on their own root ports. IOMMU off, no ACS redirect.',
      t1(),
    ),
    'T1-intel-iommu': lab(
      'T1 with the IOMMU on',
      'Kernel case C03/C05 (docs/kernel/cases.md): the IOMMU driver called pci_request_acs(), so every port with an ACS capability has RR|CR set.',
      t1(),
      { iommu: true },
    ),
    'T1-intel-iommu-noredir': lab(
      'T1 with the IOMMU on and pci=disable_acs_redir= on DSP0 and DSP1',
      'Kernel case C04 (docs/kernel/cases.md).',
      t1(),
      { iommu: true, disableAcsRedir: '0000:02:00.0;0000:02:01.0' },
    ),
    'T1-nw': lab(
      'T1-nw: the host bridge device is on no whitelist (8086:a700)',
      'Kernel case C07/C16 (docs/kernel/cases.md): pairs across root ports are NOT_SUPPORTED on an Intel CPU.',
      t1nw(),
    ),
    'T1-amd-1480': lab(
      'T1-amd: AMD Zen 2 root complex (1022:1480), CPU family 0x19',
      'Kernel case C06 (docs/kernel/cases.md): cpu_supports_p2pdma() allows every pair through the host bridge.',
      t1amd(0x1480, 0x19),
    ),
    'T1-amd-1450': lab(
      'T1-amd: AMD Zen root complex (1022:1450), CPU family 0x17, 5.2 era',
      'Kernel case C09 (docs/kernel/cases.md): root_complex_whitelist() adds 0x1000 to the distance.',
      t1amd(0x1450, 0x17),
      { era: 'v5.2' },
    ),
    'T3-2030-2030': lab(
      'T3: two host bridges, both 8086:2030 (whitelisted, flags 0)',
      'Kernel case T3 (docs/kernel/cases.md#shared-topologies).',
      t3('8086:2030', '8086:2030'),
    ),
    'T3-3c00-3c00': lab(
      'T3: two host bridges, both 8086:3c00 (whitelisted with REQ_SAME_HOST_BRIDGE)',
      'Kernel case T3 (docs/kernel/cases.md#shared-topologies): a pair across the two host bridges is refused.',
      t3('8086:3c00', '8086:3c00'),
    ),
  }
}
