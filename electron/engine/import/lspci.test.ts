import { describe, expect, it } from 'vitest'
import type { LabFile } from '../../../shared/model/topology'
import { importText } from './index'
import { parseAcsFlags, parseRegion } from './lspci-vvv'

const ok = (name: string, text: string): LabFile => {
  const r = importText(name, text)
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  return r.lab
}
const node = (lab: LabFile, id: string) => lab.machine.nodes.find((n) => n.id === id)

describe('lspci -vvv fields', () => {
  it('Region lines', () => {
    expect(parseRegion('Region 1: Memory at 3f000000000 (64-bit, prefetchable) [size=64G]')).toEqual({
      index: 1,
      size: 2 ** 36,
      mem64: true,
      prefetch: true,
    })
    expect(parseRegion('Region 0: Memory at f8000000 (32-bit, non-prefetchable) [size=16M]')).toEqual({
      index: 0,
      size: 2 ** 24,
    })
    expect(parseRegion('Region 5: I/O ports at 2000 [size=128]')).toEqual({ index: 5, size: 128, io: true })
    expect(
      parseRegion('Region 0: Memory at <unassigned> (64-bit, non-prefetchable) [disabled] [size=16K]'),
    ).toEqual({ index: 0, size: 16384, mem64: true })
    expect(
      parseRegion('Region 2: Memory at e0000000 (64-bit, prefetchable) [virtual] [size=32M]'),
    ).toMatchObject({ index: 2, size: 2 ** 25 })
    expect(parseRegion('Region 0: Memory at fa000000 (32-bit, non-prefetchable)')).toBe('nosize')
  })

  it('ACS flags', () => {
    expect(
      parseAcsFlags('SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-'),
    ).toEqual(['SV', 'TB', 'RR', 'CR', 'UF'])
    expect(
      parseAcsFlags('SrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans+'),
    ).toEqual(['DT'])
  })

  it('-D domains, space indentation, port types, ACS control and NUMA node', () => {
    const text = [
      '0001:00:00.0 Host bridge [0600]: Advanced Micro Devices, Inc. [AMD] Starship/Matisse Root Complex [1022:1480]',
      '',
      '0001:00:01.1 PCI bridge [0604]: Advanced Micro Devices, Inc. [AMD] Starship/Matisse GPP Bridge [1022:1483] (prog-if 00 [Normal decode])',
      '        Bus: primary=00, secondary=01, subordinate=03, sec-latency=0',
      '        Capabilities: [58] Express (v2) Root Port (Slot+), MSI 00',
      '        Capabilities: [2a0 v1] Access Control Services',
      '                ACSCap: SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+',
      '                ACSCtl: SrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-',
      '        NUMA node: 1',
      '',
      '0001:01:00.0 PCI bridge [0604]: PLX Technology, Inc. PEX 8747 48-Lane, 5-Port PCI Express Gen 3 (8.0 GT/s) Switch [10b5:8747] (rev ca)',
      '        Bus: primary=01, secondary=02, subordinate=03, sec-latency=0',
      '        Capabilities: [68] Express (v2) Upstream Port, MSI 00',
      '0001:02:08.0 PCI bridge [0604]: PLX Technology, Inc. PEX 8747 [10b5:8747] (rev ca)',
      '        Bus: primary=02, secondary=03, subordinate=03, sec-latency=0',
      '        Capabilities: [68] Express (v2) Downstream Port (Slot+), MSI 00',
      '0001:03:00.0 3D controller [0302]: NVIDIA Corporation GA100 [A100 PCIe 40GB] [10de:20f1] (rev a1)',
      '        Region 0: Memory at 90000000 (32-bit, non-prefetchable) [size=16M]',
      '        Region 1: Memory at 20000000000 (64-bit, prefetchable) [size=64G]',
      '        Capabilities: [68] Express (v2) Endpoint, MSI 00',
      '        Kernel driver in use: nvidia',
    ].join('\n')
    const lab = ok('amd.txt', text)
    expect(node(lab, 'hb-0001:00')!.host).toMatchObject({
      domain: 1,
      rootBus: 0,
      numaNode: 1,
      hostDevice: { vendor: 0x1022, device: 0x1480 },
    })
    expect(node(lab, 'pci-0001:00:01.1')).toMatchObject({
      kind: 'root_port',
      acs: { cap: ['SV', 'TB', 'RR', 'CR', 'UF', 'DT'], ctrl: ['SV', 'RR', 'CR', 'UF'] },
    })
    expect(node(lab, 'pci-0001:01:00.0')).toMatchObject({
      kind: 'switch_upstream',
      parent: 'pci-0001:00:01.1',
    })
    expect(node(lab, 'pci-0001:02:08.0')).toMatchObject({
      kind: 'switch_downstream',
      slot: 8,
      parent: 'pci-0001:01:00.0',
    })
    expect(node(lab, 'pci-0001:03:00.0')).toMatchObject({
      parent: 'pci-0001:02:08.0',
      classCode: 0x030200,
      endpoint: {
        type: 'gpu',
        driver: 'nvidia',
        bars: [{ index: 0 }, { index: 1, mem64: true, prefetch: true }],
      },
    })
    expect(lab.machine.cpu).toMatchObject({ vendor: 'amd', family: 0x17 })
  })
})

describe('lspci -tv variants', () => {
  it('-t without names and without domain (old pciutils)', () => {
    const lab = ok(
      't.txt',
      '-[00]-+-00.0\n      +-01.0-[01-03]----00.0-[02-03]----00.0-[03]----00.0\n      \\-1f.0\n',
    )
    expect(node(lab, 'pci-0000:01:00.0')).toMatchObject({
      kind: 'switch_upstream',
      parent: 'pci-0000:00:01.0',
    })
    expect(node(lab, 'pci-0000:02:00.0')).toMatchObject({
      kind: 'switch_downstream',
      parent: 'pci-0000:01:00.0',
    })
    expect(node(lab, 'pci-0000:03:00.0')!.parent).toBe('pci-0000:02:00.0')
    expect(node(lab, 'pci-0000:00:1f.0')!.parent).toBe('hb-0000:00')
  })

  it('-tvnn ids are read', () => {
    const lab = ok(
      't.txt',
      '-[0000:00]-+-00.0  Intel Corporation Sky Lake-E DMI3 Registers [8086:2020]\n           \\-02.0-[01]----00.0  NVIDIA Corporation GV100GL [Tesla V100 SXM2 32GB] [10de:1db5]\n',
    )
    expect(node(lab, 'hb-0000:00')!.host!.hostDevice).toMatchObject({ vendor: 0x8086, device: 0x2020 })
    expect(node(lab, 'pci-0000:01:00.0')).toMatchObject({
      vendor: 0x10de,
      device: 0x1db5,
      endpoint: { type: 'gpu' },
    })
  })
})
