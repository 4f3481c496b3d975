/**
 * Every realdata fixture imports, with the counts of the source and the expected tree shape.
 *
 * hwloc reference counts were obtained with hwloc 2.9.0 (Debian 12 package):
 *   lstopo-no-graphics --whole-io --no-collapse -i FILE --of xml - , counting objects with
 *   bridge_type="0-1" (host bridges), bridge_type="1-1" (PCI bridges) and type="PCIDev", and
 *   `hwloc-info --whole-io -i FILE` for OSDev (and Bridge = host + PCI bridges, PCIDev as a cross-check).
 * The DGX-2H counts come from the .nocomments copy (hwloc 2.9 keeps only 3 host bridges, 10 bridges,
 * 130 PCIDev, 16 OSDev of the original with comments). The v3.0 file cannot be read by hwloc 2.9
 * ("cannot import XML version 3.0 > 2"); its counts were taken from the XML itself with
 * grep -c 'bridge_type="0-1"' / 'bridge_type="1-1"' / 'type="PCIDev"' / 'type="OSDev"'.
 *
 * lspci reference counts: `lspci -F tree-asus-p6t6 | wc -l` = 53 functions and
 * `lspci -F tree-asus-p6t6 -n | grep -c ' 0604:'` = 10 bridges (pciutils 3.9.0); for the -tv files,
 * grep -o '[0-9a-f]\{2\}\.[0-7]' (functions), '[0-9a-f]\{2\}\.[0-7]-\[' (bridges),
 * '\[[0-9a-f]\{4\}:[0-9a-f]\{2\}\]' (root buses), and lines ending in ']--' (empty bridges).
 */
import { describe, expect, it } from 'vitest'
import { labFileSchema } from '../../../shared/model/lab-schema'
import type { LabFile, TopoNodeSpec } from '../../../shared/model/topology'
import { importText } from './index'
import { importableFixtures, readFixture } from '../../../tests/helpers/realdata'

function imp(rel: string): { lab: LabFile; report: import('../../../shared/model/topology').ImportReport } {
  const r = importText(rel.split('/').pop()!, readFixture(rel))
  if (!r.ok) throw new Error(`${rel}: ${JSON.stringify(r.issues)}`)
  return r
}
const byId = (lab: LabFile): Map<string, TopoNodeSpec> => new Map(lab.machine.nodes.map((n) => [n.id, n]))

describe('every realdata fixture', () => {
  for (const rel of importableFixtures()) {
    it(`imports ${rel}`, () => {
      const r = importText(rel.split('/').pop()!, readFixture(rel))
      expect(r.ok, JSON.stringify(!r.ok && r.issues)).toBe(true)
      if (!r.ok) return
      expect(labFileSchema.safeParse(r.lab).success).toBe(true)
      expect(r.report.source).toBe(rel.split('/').pop())
      // No dangling parents, unique ids.
      const ids = new Set(r.lab.machine.nodes.map((n) => n.id))
      expect(ids.size).toBe(r.lab.machine.nodes.length)
      for (const n of r.lab.machine.nodes)
        if (n.parent !== null) expect(ids.has(n.parent), `${n.id} → ${n.parent}`).toBe(true)
      expect(r.report.assumed.length + r.report.cannotCarry.length).toBeGreaterThan(0)
    })
  }

  it('imports the raw config-space dump (lspci -xxxx format) like its lspci -F -vvv -nn replay', () => {
    const dump = imp('lspci/tree-asus-p6t6')
    const vvv = imp('lspci/tree-asus-p6t6.lspci-vvv-nn.txt')
    const facts = (lab: LabFile): string[] =>
      lab.machine.nodes
        .map((n) =>
          JSON.stringify([
            n.id,
            n.parent,
            n.kind,
            n.slot,
            n.fn,
            n.vendor,
            n.device,
            n.classCode! >> 8,
            n.acs,
            n.endpoint?.type,
          ]),
        )
        .sort()
    expect(facts(dump.lab)).toEqual(facts(vvv.lab))
    expect(dump.report.counts).toMatchObject({
      functions: 53,
      bridges: 10,
      hostBridges: 2,
      acsCapabilities: 3,
    })
    expect(dump.report.assumed.join(' ')).toMatch(/config-space dump/)
  })
})

describe('hwloc XML counts equal lstopo', () => {
  // [file, hostBridges, bridges, pciDevices, osDevices] — see the header comment for how they were obtained.
  const REF: [string, number, number, number, number][] = [
    ['16intel64-manyVFs.xml', 2, 13, 18, 9],
    ['192em64t-12gr2n8c2t.xml', 5, 15, 12, 10],
    ['24em64t-2n6c2t-pci.xml', 2, 6, 9, 6],
    ['32em64t-2n8c+dax+nvme+mic+dimms.xml', 4, 8, 128, 30], // v3.0: counted from the XML
    ['NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.nocomments.xml', 8, 91, 324, 99],
    ['NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml', 8, 91, 324, 99], // with comments: must match the .nocomments counts
    ['cxlmem+dax.v2.xml', 2, 10, 7, 8],
    ['devel09-pci.xml', 1, 3, 6, 6],
    ['eas-tioga.xml', 9, 33, 29, 15], // hwloc-info: 15 OSDev (grep also matches 2 <distances2 type="OSDev">)
    ['g4dnmetal.xml', 7, 16, 15, 29],
    ['nvidiaDGX2.xml', 4, 56, 28, 16],
  ]
  for (const [file, hb, br, pci, os] of REF) {
    it(file, () => {
      const { lab, report } = imp(`hwloc/${file}`)
      expect(report.format).toBe('hwloc-xml')
      expect(report.counts).toMatchObject({ hostBridges: hb, bridges: br, pciDevices: pci, osDevices: os })
      const kinds = lab.machine.nodes.map((n) => n.kind)
      expect(kinds.filter((k) => k === 'host_bridge').length).toBe(hb)
      expect(kinds.filter((k) => k !== 'host_bridge' && k !== 'endpoint').length).toBe(br)
      // Every PCIDev is an endpoint node or a host bridge's hostDevice; placeholders are reported.
      const hostDevices = lab.machine.nodes.filter((n) => n.host?.hostDevice).length
      const placeholders = lab.machine.nodes.filter((n) => n.label?.includes('placeholder')).length
      expect(kinds.filter((k) => k === 'endpoint').length).toBe(pci - hostDevices + placeholders)
      expect(report.cannotCarry.join(' ')).toMatch(/BAR/)
      expect(report.assumed.join(' ')).toMatch(/ACS capability assumed absent/)
    })
  }

  it('imports the DGX-2H file WITH comments fully (hwloc 2.9 keeps 13 of 99 bridges)', () => {
    const a = imp('hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml')
    const b = imp('hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.nocomments.xml')
    expect(a.report.counts.pciDevices).toBe(324)
    expect(a.report.counts.xmlComments).toBe(5)
    expect(a.lab.machine.nodes).toEqual(b.lab.machine.nodes)
  })

  it('DGX-2H: a V100 and a ConnectX-5 sit under the same PEX9781 switch', () => {
    const { lab } = imp('hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml')
    const m = byId(lab)
    const gpu = m.get('pci-0000:34:00.0')!
    const nic = m.get('pci-0000:35:00.0')!
    expect(gpu.endpoint?.type).toBe('gpu')
    expect(gpu.endpoint?.osDevices).toContain('nvml0')
    expect(nic.endpoint?.type).toBe('rnic')
    expect(nic.endpoint?.osDevices).toEqual(expect.arrayContaining(['ib1', 'mlx5_1']))
    const gDsp = m.get(gpu.parent!)!
    const nDsp = m.get(nic.parent!)!
    expect(gDsp.kind).toBe('switch_downstream')
    expect(nDsp.kind).toBe('switch_downstream')
    expect(gDsp.parent).toBe('pci-0000:32:00.0')
    expect(nDsp.parent).toBe('pci-0000:32:00.0')
    const usp = m.get('pci-0000:32:00.0')!
    expect(usp).toMatchObject({ kind: 'switch_upstream', vendor: 0x10b5, device: 0x9781 })
    // 32:00.0 is the 2nd-level switch: below 2d:04.0 (downstream) below 2c:00.0 (upstream) below 2b:00.0 (root port).
    expect(usp.parent).toBe('pci-0000:2d:04.0')
    expect(m.get('pci-0000:2d:04.0')!.kind).toBe('switch_downstream')
    expect(m.get('pci-0000:2c:00.0')!.kind).toBe('switch_upstream')
    expect(m.get('pci-0000:2b:00.0')).toMatchObject({ kind: 'root_port', parent: 'hb-0000:2b' })
    expect(m.get('hb-0000:2b')!.host).toMatchObject({ domain: 0, rootBus: 0x2b })
  })

  it('reads the CPU, the host device at 00.0 and NUMA nodes', () => {
    const { lab, report } = imp('hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml')
    expect(lab.machine.cpu).toMatchObject({ vendor: 'intel', family: 6 })
    const hb0 = byId(lab).get('hb-0000:00')!
    expect(hb0.host!.hostDevice).toMatchObject({ vendor: 0x8086, device: 0x2020 })
    expect(report.assumed.join(' ')).toMatch(/CPU inferred/)
    const numas = new Set(lab.machine.nodes.filter((n) => n.host).map((n) => n.host!.numaNode))
    expect(numas).toEqual(new Set([0, 1]))
    const tioga = imp('hwloc/eas-tioga.xml').lab
    expect(tioga.machine.cpu).toMatchObject({ vendor: 'amd', family: 25, model: 48 })
    expect(new Set(tioga.machine.nodes.filter((n) => n.host).map((n) => n.host!.numaNode))).toEqual(
      new Set([0, 1, 2, 3]),
    )
  })

  it('v3.0: reads the prog-if (NVMe 010802) and the Xeon Phi as an accelerator', () => {
    const { lab } = imp('hwloc/32em64t-2n8c+dax+nvme+mic+dimms.xml')
    const eps = lab.machine.nodes.filter((n) => n.endpoint)
    expect(eps.some((n) => n.classCode === 0x010802 && n.endpoint!.type === 'nvme')).toBe(true)
    expect(eps.some((n) => n.endpoint!.type === 'accelerator')).toBe(true)
    expect(eps.some((n) => n.endpoint!.type === 'rnic')).toBe(true)
  })
})

describe('lspci', () => {
  it('p6t6 -vvv -nn: counts, port types from the Express capability, ACS, BARs', () => {
    const { lab, report } = imp('lspci/tree-asus-p6t6.lspci-vvv-nn.txt')
    expect(report.counts).toMatchObject({
      functions: 53,
      bridges: 10,
      pciDevices: 43,
      hostBridges: 2,
      hostDevices: 2,
    })
    const m = byId(lab)
    expect(m.get('pci-0000:00:03.0')).toMatchObject({
      kind: 'root_port',
      parent: 'hb-0000:00',
      vendor: 0x8086,
      device: 0x340a,
    })
    expect(m.get('pci-0000:02:00.0')).toMatchObject({
      kind: 'switch_upstream',
      parent: 'pci-0000:00:03.0',
      vendor: 0x10de,
    })
    expect(m.get('pci-0000:03:00.0')).toMatchObject({ kind: 'switch_downstream', parent: 'pci-0000:02:00.0' })
    expect(m.get('pci-0000:03:02.0')).toMatchObject({ kind: 'switch_downstream', parent: 'pci-0000:02:00.0' })
    expect(m.get('pci-0000:04:00.0')!.parent).toBe('pci-0000:03:00.0')
    expect(m.get('pci-0000:06:00.0')).toMatchObject({
      parent: 'pci-0000:00:07.0',
      classCode: 0x030000,
      endpoint: { type: 'gpu' },
    })
    expect(m.get('pci-0000:00:07.0')!.acs).toEqual({ cap: ['SV', 'TB', 'RR', 'CR', 'UF'], ctrl: [] })
    expect(m.get('hb-0000:00')!.host!.hostDevice).toMatchObject({ vendor: 0x8086, device: 0x3405 })
    expect(m.get('hb-0000:ff')).toBeDefined()
    expect(lab.machine.cpu).toMatchObject({ vendor: 'intel', family: 6 })
    // A replayed dump prints Region lines without sizes: BARs fall back to assumed ones and say so.
    expect(report.assumed.join(' ')).toMatch(/without \[size=/)
  })

  it('p6t6 -tv has the same tree as -vvv -nn (every BDF, same parent)', () => {
    const tv = imp('lspci/tree-asus-p6t6.lspci-tv.txt').lab
    const vvv = imp('lspci/tree-asus-p6t6.lspci-vvv-nn.txt').lab
    const shape = (lab: LabFile): string[] => lab.machine.nodes.map((n) => `${n.id} <- ${n.parent}`).sort()
    expect(shape(tv)).toEqual(shape(vvv))
    const kinds = (lab: LabFile): string[] => lab.machine.nodes.map((n) => `${n.id} ${n.kind}`).sort()
    expect(kinds(tv)).toEqual(kinds(vvv))
    const d = imp('lspci/tree-asus-p6t6.derived-lspci-tv.txt').lab
    expect(shape(d)).toEqual(shape(tv))
  })

  it('p6t6 -vvv without -nn: same tree, vendors from names', () => {
    const plain = imp('lspci/tree-asus-p6t6.lspci-vvv.txt')
    const nn = imp('lspci/tree-asus-p6t6.lspci-vvv-nn.txt').lab
    const shape = (lab: LabFile): string[] =>
      lab.machine.nodes.map((n) => `${n.id} <- ${n.parent} ${n.kind}`).sort()
    expect(shape(plain.lab)).toEqual(shape(nn))
    expect(plain.report.assumed.join(' ')).toMatch(/derived from the names/)
  })

  it('ESC8000A -tv: 8 root buses, HighPoint switch chain, empty ports kept', () => {
    const { lab, report } = imp('lspci/asus-esc8000a-e12.lspci-tv.txt')
    expect(report.counts).toMatchObject({ functions: 198, bridges: 59, hostBridges: 8, emptyBridges: 6 })
    const m = byId(lab)
    // +-01.1-[61-73]----00.0-[62-73]--+-00.0-[63-68]----00.0-[64-68]--+-10.0-[65]----00.0  Samsung NVMe
    expect(m.get('pci-0000:60:01.1')).toMatchObject({ kind: 'root_port', parent: 'hb-0000:60' })
    expect(m.get('pci-0000:61:00.0')).toMatchObject({ kind: 'switch_upstream', parent: 'pci-0000:60:01.1' })
    expect(m.get('pci-0000:62:00.0')).toMatchObject({ kind: 'switch_downstream', parent: 'pci-0000:61:00.0' })
    expect(m.get('pci-0000:63:00.0')).toMatchObject({ kind: 'switch_upstream', parent: 'pci-0000:62:00.0' })
    expect(m.get('pci-0000:64:10.0')).toMatchObject({ kind: 'switch_downstream', parent: 'pci-0000:63:00.0' })
    expect(m.get('pci-0000:65:00.0')).toMatchObject({
      parent: 'pci-0000:64:10.0',
      endpoint: { type: 'nvme' },
    })
    expect(m.get('pci-0000:62:1c.0')).toMatchObject({ kind: 'switch_downstream' }) // \-1c.0-[73]--  empty
    expect(lab.machine.nodes.some((n) => n.parent === 'pci-0000:62:1c.0')).toBe(false)
    expect(m.get('pci-0000:01:00.0')!.endpoint!.type).toBe('gpu')
    expect(m.get('pci-0000:21:00.0')!.endpoint!.type).toBe('rnic')
    expect(m.get('hb-0000:00')!.host!.hostDevice).toMatchObject({ vendor: 0x1022, device: 0x14a4 })
    expect(lab.machine.cpu).toMatchObject({ vendor: 'amd', family: 0x19 })
    expect(report.assumed.join(' ')).toMatch(/from the device names/)
  })

  it('puget -tv: counts and both GPUs on root ports of one root complex', () => {
    const { lab, report } = imp('lspci/puget-wrx90.lspci-tv.txt')
    expect(report.counts).toMatchObject({ functions: 113, bridges: 40, hostBridges: 4, emptyBridges: 4 })
    const gpus = lab.machine.nodes.filter((n) => n.endpoint?.type === 'gpu' && n.vendor === 0x10de)
    expect(gpus.map((g) => g.id).sort()).toEqual(['pci-0000:c1:00.0', 'pci-0000:c2:00.0'])
    const m = byId(lab)
    for (const g of gpus) expect(m.get(g.parent!)).toMatchObject({ kind: 'root_port', parent: 'hb-0000:c0' })
  })

  it('partial -vvv -s: one GPU with its real BARs under an assumed root port', () => {
    const { lab, report } = imp('lspci/asus-esc8000a-e12.lspci-vvv-s-01_00.0.txt')
    const gpu = byId(lab).get('pci-0000:01:00.0')!
    expect(gpu.endpoint).toMatchObject({ type: 'gpu', driver: 'nvidia' })
    expect(gpu.endpoint!.bars).toEqual([
      { index: 0, size: 16 * 2 ** 20 },
      { index: 1, size: 64 * 2 ** 30, mem64: true, prefetch: true },
      { index: 3, size: 32 * 2 ** 20, mem64: true, prefetch: true },
      { index: 5, size: 128, io: true },
    ])
    expect(byId(lab).get(gpu.parent!)!.kind).toBe('root_port')
    expect(report.assumed.join(' ')).toMatch(/partial output/)
  })

  it("grep'd ACSCtl lines: imports with a warning and an empty host bridge", () => {
    const { lab, report } = imp('lspci/puget-wrx90.lspci-vvv-acsctl.txt')
    expect(report.counts.acsCtlLines).toBe(26)
    expect(report.warnings.join(' ')).toMatch(/no device headers/)
    expect(lab.machine.nodes).toHaveLength(1)
  })
})

describe('NCCL XML', () => {
  it('DGX A100: the dump with inserted integers equals the cleaned copy', () => {
    const raw = imp('nccl-topo/dgx_a100_nccl_topo.xml')
    const clean = imp('nccl-topo/dgx_a100_nccl_topo.cleaned.xml')
    expect(raw.lab.machine.nodes).toEqual(clean.lab.machine.nodes)
    expect(raw.lab.machine.cpu).toEqual(clean.lab.machine.cpu)
    expect(raw.report.warnings.join(' ')).toMatch(/11 element\(s\) have stray text/)
    expect(raw.report.counts).toMatchObject({
      cpus: 6,
      hostBridges: 6,
      bridges: 24,
      gpus: 8,
      nics: 10,
      netPorts: 12,
    })
    expect(raw.lab.machine.cpu).toEqual({ vendor: 'amd', family: 0x17, model: 49 })
  })

  it('DGX A100: GPU 07:00.0 and NIC 0c:00.0 share the switch 01:00.0', () => {
    const { lab } = imp('nccl-topo/dgx_a100_nccl_topo.cleaned.xml')
    const m = byId(lab)
    const up = (id: string): string[] => {
      const out: string[] = []
      for (let c = m.get(id); c; c = c.parent ? m.get(c.parent) : undefined) out.push(c.id)
      return out
    }
    expect(up('pci-0000:07:00.0')).toContain('pci-0000:01:00.0')
    expect(up('pci-0000:0c:00.0')).toContain('pci-0000:01:00.0')
    expect(m.get('pci-0000:0c:00.0')!.endpoint).toMatchObject({ type: 'rnic', osDevices: ['mlx5_0'] })
    expect(m.get('pci-0000:01:00.0')!.kind).toBe('switch_upstream')
  })

  it('cloud files: placeholder switches hold GPUs and NICs', () => {
    for (const [file, cpus, switches, gpus, nics] of [
      ['p4d-24xl-topo.xml', 2, 4, 8, 4],
      ['ndv4-topo.xml', 4, 4, 8, 8],
      ['ndv5-topo.xml', 2, 8, 8, 8],
    ] as const) {
      const { lab, report } = imp(`nccl-topo/${file}`)
      expect(report.counts).toMatchObject({ cpus, placeholderSwitches: switches, gpus, nics })
      const sw = lab.machine.nodes.filter((n) => n.kind === 'switch_upstream')
      expect(sw).toHaveLength(switches)
      const m = byId(lab)
      for (const g of lab.machine.nodes.filter((n) => n.endpoint?.type === 'gpu'))
        expect(m.get(m.get(g.parent!)!.parent!)!.kind).toBe('switch_upstream')
    }
  })
})
