import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type LabSettings, type MachineSpec } from '../../../shared/model/topology'
import { buildMachine, pciName } from './build'
import type { Machine, PciDev, Window } from './types'
import { commonUpstream, depth, findByBdf, upstreamChain } from './walk'
import { hex } from '../core/addr'
import { syntheticMachine } from './synthetic'
import { CPUS, qemuMf, qemuPxb, qemuPxb2, qemuSw, t1, t1amd, t3 } from '../../../tests/helpers/topologies'

function build(spec: MachineSpec, settings: Partial<LabSettings> = {}): Machine {
  const r = buildMachine(spec, { ...DEFAULT_SETTINGS, ...settings })
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'))
  return r.machine
}

function dev(m: Machine, id: string): PciDev {
  const d = m.devs.get(id)
  if (!d) throw new Error(`no ${id}`)
  return d
}

const bdfs = (m: Machine, ids: string[]): Record<string, string> =>
  Object.fromEntries(ids.map((id) => [id, dev(m, id).bdf]))
const GiB = 1024 ** 3

describe('enumeration (drivers/pci/probe.c)', () => {
  it('T1: BDFs and bus ranges as in docs/kernel/cases.md', () => {
    const m = build(t1())
    expect(
      bdfs(m, [
        'hb0/hostdev',
        'rpA',
        'usp',
        'dsp0',
        'dsp1',
        'dsp2',
        'gpu0',
        'nic0',
        'nvme2',
        'rpB',
        'nvme0',
        'nvme0f1',
        'rpC',
        'ahci0',
      ]),
    ).toEqual({
      'hb0/hostdev': '0000:00:00.0',
      rpA: '0000:00:01.0',
      usp: '0000:01:00.0',
      dsp0: '0000:02:00.0',
      dsp1: '0000:02:01.0',
      dsp2: '0000:02:02.0',
      gpu0: '0000:03:00.0',
      nic0: '0000:04:00.0',
      nvme2: '0000:05:00.0',
      rpB: '0000:00:02.0',
      nvme0: '0000:06:00.0',
      nvme0f1: '0000:06:00.1',
      rpC: '0000:00:03.0',
      ahci0: '0000:07:00.0',
    })
    const range = (id: string): [number | null, number | null] => [
      dev(m, id).secondary,
      dev(m, id).subordinate,
    ]
    expect(range('rpA')).toEqual([1, 5])
    expect(range('usp')).toEqual([2, 5])
    expect(range('dsp0')).toEqual([3, 3])
    expect(range('dsp2')).toEqual([5, 5])
    expect(range('rpB')).toEqual([6, 6])
    expect(range('rpC')).toEqual([7, 7])
    expect(m.hostBridges[0]!.rootBusDevices).toEqual(['hb0/hostdev', 'rpA', 'rpB', 'rpC'])
    expect(dev(m, 'usp').children).toEqual(['dsp0', 'dsp1', 'dsp2'])
  })

  it('T1: pci_upstream_bridge() chains and depths', () => {
    const m = build(t1())
    expect(upstreamChain(m, 'gpu0')).toEqual(['gpu0', 'dsp0', 'usp', 'rpA'])
    expect(dev(m, 'rpA').upstream).toBeNull()
    expect(depth(m, 'gpu0')).toBe(4)
    expect(depth(m, 'nic0')).toBe(4)
    expect(depth(m, 'nvme2')).toBe(4)
    expect(depth(m, 'nvme0')).toBe(2)
    expect(depth(m, 'ahci0')).toBe(2)
    expect(commonUpstream(m, 'gpu0', 'nic0')).toBe('usp')
    expect(commonUpstream(m, 'nvme0', 'nvme0f1')).toBe('rpB')
    expect(commonUpstream(m, 'gpu0', 'nvme0')).toBeNull()
    expect(findByBdf(m, '03:00.0')?.id).toBe('gpu0')
    expect(findByBdf(m, '0000:06:00.1')?.id).toBe('nvme0f1')
    expect(findByBdf(m, '0000:09:00.0')).toBeNull()
  })

  it('T1: function types, classes, drivers, multi-function', () => {
    const m = build(t1())
    const hd = dev(m, 'hb0/hostdev')
    expect([hd.pcieType, hd.classCode, hd.vendor, hd.device, hd.upstream]).toEqual([
      'host_device',
      0x060000,
      0x8086,
      0x2020,
      null,
    ])
    expect(dev(m, 'rpA').pcieType).toBe('root_port')
    expect(dev(m, 'usp').pcieType).toBe('upstream')
    expect(dev(m, 'dsp1').pcieType).toBe('downstream')
    expect(dev(m, 'gpu0').pcieType).toBe('endpoint')
    expect(dev(m, 'gpu0').driver).toBe('nvidia')
    expect(dev(m, 'nic0').driver).toBe('mlx5_core')
    expect(dev(m, 'nvme0').driver).toBe('nvme')
    expect(dev(m, 'ahci0').driver).toBe('ahci')
    expect(dev(m, 'rpA').driver).toBe('pcieport')
    expect(dev(m, 'nvme0').isMultiFunction).toBe(true)
    expect(dev(m, 'nvme2').isMultiFunction).toBe(false)
    expect(dev(m, 'nvme0').classCode).toBe(0x010802)
  })

  it('QEMU sw: A=03:00.0, B=04:00.0, C=05:00.0, D=00:12.0 (docs/kernel/oracle.md#the-qemu-machines)', () => {
    const m = build(qemuSw())
    expect(bdfs(m, ['rp1', 'up1', 'd1', 'd2', 'A', 'B', 'rp2', 'C', 'D'])).toEqual({
      rp1: '0000:00:10.0',
      up1: '0000:01:00.0',
      d1: '0000:02:00.0',
      d2: '0000:02:01.0',
      A: '0000:03:00.0',
      B: '0000:04:00.0',
      rp2: '0000:00:11.0',
      C: '0000:05:00.0',
      D: '0000:00:12.0',
    })
    expect(dev(m, 'D').pcieType).toBe('rc_endpoint')
    expect(dev(m, 'D').upstream).toBeNull()
    expect(dev(m, 'd1').acsCap).toBeNull()
    expect(dev(m, 'rp1').acsCap).toBe(0x5f)
  })

  it('QEMU pxb: E=81:00.0 behind root port 80:00.0, the first device of the second host bridge', () => {
    const m = build(qemuPxb())
    expect(dev(m, 'E').bdf).toBe('0000:81:00.0')
    expect(dev(m, 'rp3').bdf).toBe('0000:80:00.0')
    const pxb = m.hostBridges.find((h) => h.id === 'pxb1')!
    expect(pxb.rootBusDevices[0]).toBe('rp3')
    expect([pxb.busStart, pxb.busEnd]).toEqual([0x80, 0xff])
    expect(m.hostBridges.find((h) => h.id === 'pcie0')!.busEnd).toBe(0x7f)
    expect(dev(m, 'A').bdf).toBe('0000:03:00.0')
    expect(dev(m, 'D').bdf).toBe('0000:00:12.0')
  })

  it('QEMU mf: 01:00.0 / 01:00.1 share root port 00:10.0, C=02:00.0', () => {
    const m = build(qemuMf())
    expect(bdfs(m, ['rp1', 'A', 'B', 'rp2', 'C'])).toEqual({
      rp1: '0000:00:10.0',
      A: '0000:01:00.0',
      B: '0000:01:00.1',
      rp2: '0000:00:11.0',
      C: '0000:02:00.0',
    })
    expect(commonUpstream(m, 'A', 'B')).toBe('rp1')
    expect(dev(m, 'A').isMultiFunction).toBe(true)
  })

  it('QEMU pxb2: C=01:00.0, E=81:00.0, F=82:00.0, G=91:00.0; patched root port ids', () => {
    const m = build(qemuPxb2(0x2030))
    expect(bdfs(m, ['C', 'rp3', 'E', 'rp4', 'F', 'rp5', 'G'])).toEqual({
      C: '0000:01:00.0',
      rp3: '0000:80:00.0',
      E: '0000:81:00.0',
      rp4: '0000:80:01.0',
      F: '0000:82:00.0',
      rp5: '0000:90:00.0',
      G: '0000:91:00.0',
    })
    expect([dev(m, 'rp3').vendor, dev(m, 'rp3').device]).toEqual([0x8086, 0x2030])
    expect(m.hostBridges.find((h) => h.id === 'pxb1')!.busEnd).toBe(0x8f)
    expect(dev(build(qemuPxb2()), 'rp3').vendor).toBe(0x1b36)
  })

  it('T3: two root buses; host devices as given', () => {
    const m = build(t3('8086:2020', { vendor: 0x8086, device: 0x3c00 }))
    expect(dev(m, 'gpu0').bdf).toBe('0000:01:00.0')
    expect(dev(m, 'nic1').bdf).toBe('0000:81:00.0')
    expect(dev(m, 'hb1/hostdev').bdf).toBe('0000:80:00.0')
    expect(dev(m, 'hb1/hostdev').device).toBe(0x3c00)
    expect(build(t3('8086:2020', null)).devs.has('hb1/hostdev')).toBe(false)
  })

  it('assigns missing slots in order, around the host device and explicit slots', () => {
    const spec: MachineSpec = {
      name: 'auto',
      cpu: null,
      nodes: [
        {
          id: 'hb',
          kind: 'host_bridge',
          parent: null,
          host: { domain: 0, rootBus: 0, numaNode: 0, hostDevice: { vendor: 0x8086, device: 0x2020 } },
        },
        { id: 'r1', kind: 'root_port', parent: 'hb' },
        { id: 'r2', kind: 'root_port', parent: 'hb', slot: 2 },
        { id: 'r3', kind: 'root_port', parent: 'hb' },
        { id: 'e1', kind: 'endpoint', parent: 'r1', endpoint: { type: 'generic', bars: [] } },
        { id: 'e2', kind: 'endpoint', parent: 'r1', endpoint: { type: 'generic', bars: [] } },
        { id: 'ie', kind: 'endpoint', parent: 'hb', slot: 0, endpoint: { type: 'generic', bars: [] } },
      ],
    }
    const m = build(spec)
    expect(bdfs(m, ['r1', 'r2', 'r3', 'e1', 'e2', 'ie'])).toEqual({
      r1: '0000:00:01.0',
      r2: '0000:00:02.0',
      r3: '0000:00:03.0',
      e1: '0000:01:00.0',
      e2: '0000:01:00.1',
      ie: '0000:00:00.1',
    })
    expect(dev(m, 'ie').pcieType).toBe('rc_endpoint')
    expect(dev(m, 'hb/hostdev').isMultiFunction).toBe(true)
    expect(m.hostBridges[0]!.rootBusDevices).toEqual(['hb/hostdev', 'ie', 'r1', 'r2', 'r3'])
  })

  it('pciName() formats like the kernel', () => {
    expect(pciName(0x1a, 0x3b, 0x1f, 7)).toBe('001a:3b:1f.7')
  })
})

function within(inner: Window, outer: Window): boolean {
  return inner.start >= outer.start && inner.end <= outer.end
}

/** Every BAR naturally aligned, inside its upstream bridge's window and its host window; no overlaps. */
function checkResources(m: Machine): void {
  const seen: { s: number; e: number; io: boolean; who: string }[] = []
  for (const d of m.devs.values()) {
    const hb = m.hostBridges.find((h) => h.id === d.hostBridge)!
    for (const b of d.bars) {
      const w = { start: b.start, end: b.start + b.size - 1 }
      expect(b.start % b.size, `${d.id} BAR${b.index} alignment`).toBe(0)
      const pref = b.prefetch && b.mem64 && !b.io
      const host = b.io ? hb.io : pref ? hb.mmio : hb.mmio32
      expect(within(w, host), `${d.id} BAR${b.index} in host window`).toBe(true)
      let up = d.upstream ? m.devs.get(d.upstream) : undefined
      while (up) {
        const win = b.io ? up.ioWindow : pref ? up.prefWindow : up.memWindow
        expect(win && within(w, win), `${d.id} BAR${b.index} inside ${up.id}`).toBe(true)
        expect(win!.start % (b.io ? 4096 : 1024 * 1024) === 0).toBe(true)
        up = up.upstream ? m.devs.get(up.upstream) : undefined
      }
      for (const o of seen) {
        if (o.io !== b.io) continue
        expect(w.end < o.s || w.start > o.e, `${d.id} BAR${b.index} overlaps ${o.who}`).toBe(true)
      }
      seen.push({ s: w.start, e: w.end, io: b.io, who: `${d.id} BAR${b.index}` })
    }
  }
}

describe('resources (drivers/pci/setup-bus.c)', () => {
  it('T1: GPU0 BAR1 (16 GiB, 64-bit pref) at CPU 0x38_0000_0000, bus address equal', () => {
    const m = build(t1())
    const bar1 = dev(m, 'gpu0').bars.find((b) => b.index === 1)!
    expect(bar1.start).toBe(0x38_0000_0000)
    expect(bar1.busStart).toBe(0x38_0000_0000)
    expect(bar1.size).toBe(16 * GiB)
    expect(hex(bar1.start)).toBe('0x3800000000')
  })

  it('I/O BARs get port numbers, memory BARs get MMIO', () => {
    const m = build(t1())
    const io = dev(m, 'gpu0').bars.find((b) => b.index === 5)!
    expect(io.io).toBe(true)
    expect(io.start).toBeGreaterThanOrEqual(0x1000)
    expect(io.start).toBeLessThan(0x10000)
    const abar = dev(m, 'ahci0').bars.find((b) => b.index === 5)!
    expect(abar.start).toBeGreaterThanOrEqual(0xc000_0000)
    expect(abar.start + abar.size).toBeLessThanOrEqual(0x1_0000_0000)
  })

  it('bridge windows contain their children, BARs are aligned and do not overlap', () => {
    for (const spec of [
      t1(),
      qemuSw(),
      qemuPxb(),
      qemuMf(),
      qemuPxb2(),
      t3('8086:2020', '8086:2020'),
      syntheticMachine(300),
    ])
      checkResources(build(spec))
  })

  it('bus address = CPU physical + busOffset (pci_bus_address)', () => {
    const m = build(t1({ busOffset: 0x1000_0000 }))
    const bar1 = dev(m, 'gpu0').bars.find((b) => b.index === 1)!
    expect(bar1.busStart - bar1.start).toBe(0x1000_0000)
  })

  it('a BAR larger than the host MMIO window is a located error', () => {
    const spec = t1()
    spec.nodes[0]!.host!.mmioSize = 8 * GiB
    const r = buildMachine(spec, DEFAULT_SETTINGS)
    expect(r.ok).toBe(false)
    if (r.ok) return
    const i = r.issues.find((x) => x.nodeId === 'gpu0')!
    expect(i.message).toMatch(
      /endpoint "gpu0" BAR1 .* larger than the 64-bit MMIO window of host bridge "hb0"/,
    )
    expect(i.path).toBe('nodes[6].endpoint.bars[1].size')
  })

  it('a host window too small for the sum of BARs names the host bridge', () => {
    const spec = t1()
    spec.nodes[0]!.host!.mmioSize = 16 * GiB
    const r = buildMachine(spec, DEFAULT_SETTINGS)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues.some((i) => i.nodeId === 'hb0' && /MMIO window/.test(i.message))).toBe(true)
  })
})

describe('ACS after boot (drivers/pci/pci.c: pci_enable_acs)', () => {
  it('IOMMU off: firmware values are kept', () => {
    const m = build(t1({ acsCtrl: { dsp0: ['RR', 'CR'] } }))
    expect(dev(m, 'rpA').acsCtrl).toBe(0)
    expect(dev(m, 'dsp0').acsCtrl).toBe(0x0c)
    expect(dev(m, 'dsp0').acsCtrlFirmware).toBe(0x0c)
    expect(dev(m, 'usp').acsCap).toBeNull()
    expect(m.bootLog).toEqual([])
    expect(dev(build(qemuMf({ rp1Ctrl: ['RR', 'CR'] })), 'rp1').acsCtrl).toBe(0x0c)
  })

  it('IOMMU on: pci_std_enable_acs() sets SV|RR|CR|UF = 0x001d on ports with the capability', () => {
    const m = build(t1(), { iommu: true })
    for (const id of ['rpA', 'rpB', 'rpC', 'dsp0', 'dsp1', 'dsp2']) expect(dev(m, id).acsCtrl, id).toBe(0x1d)
    expect(dev(m, 'usp').acsCtrl).toBe(0)
    expect(dev(m, 'gpu0').acsCtrl).toBe(0)
    const q = build(qemuMf(), { iommu: true })
    expect(dev(q, 'rp1').acsCap).toBe(0x5f)
    expect(dev(q, 'rp1').acsCtrl).toBe(0x1d) // docs/kernel/oracle.md#what-the-real-kernels-showed item 6
  })

  it('pci=disable_acs_redir= clears the redirect bits again, with the 6.12 log line', () => {
    const m = build(qemuMf(), { iommu: true, disableAcsRedir: '0000:00:10.0' })
    expect(dev(m, 'rp1').acsCtrl).toBe(0x0000)
    expect(dev(m, 'rp2').acsCtrl).toBe(0x1d)
    expect(m.bootLog).toEqual(['pci 0000:00:10.0: Configured ACS to 0x0000'])
  })

  it('disable_acs_redir keeps firmware bits outside RR|CR|EC and accepts several entries and short forms', () => {
    const m = build(t1({ acsCtrl: { dsp0: ['SV', 'RR', 'CR'], dsp1: ['RR'] } }), {
      iommu: true,
      disableAcsRedir: '02:00.0;0000:02:01.0',
    })
    expect(dev(m, 'dsp0').acsCtrl).toBe(0x01)
    expect(dev(m, 'dsp1').acsCtrl).toBe(0x00)
    expect(dev(m, 'dsp2').acsCtrl).toBe(0x1d)
    expect(m.bootLog).toEqual([
      'pci 0000:02:00.0: Configured ACS to 0x0001',
      'pci 0000:02:01.0: Configured ACS to 0x0000',
    ])
  })

  it('disable_acs_redir accepts pci:vvvv:dddd', () => {
    const m = build(qemuSw(), { iommu: true, disableAcsRedir: 'pci:1b36:000c' })
    expect(dev(m, 'rp1').acsCtrl).toBe(0)
    expect(dev(m, 'rp2').acsCtrl).toBe(0)
    expect(m.bootLog).toHaveLength(2)
  })

  it('older eras: pci_disable_acs_redir() clears RR|CR|EC from the current value', () => {
    const m = build(qemuMf(), { era: 'v5.0', iommu: true, disableAcsRedir: '0000:00:10.0' })
    expect(dev(m, 'rp1').acsCtrl).toBe(0x11)
    expect(m.bootLog).toEqual(['pci 0000:00:10.0: disabled ACS redirect'])
  })

  it('a listed BDF that does not exist is an assumption, not an error', () => {
    const m = build(t1(), { disableAcsRedir: '0000:42:00.0' })
    expect(m.assumptions.some((a) => a.includes('42:00.0'))).toBe(true)
    expect(m.bootLog).toEqual([])
  })

  it('an unparsable parameter is logged and ignored', () => {
    const m = build(t1(), { iommu: true, disableAcsRedir: 'banana' })
    expect(m.bootLog).toEqual(["PCI: Can't parse ACS command line parameter"])
    expect(dev(m, 'rpA').acsCtrl).toBe(0x1d)
  })
})

describe('CPU inference', () => {
  it('uses the spec CPU when given', () => {
    const m = build(t1())
    expect(m.cpuInferred).toBe(false)
    expect(m.cpu).toEqual(CPUS.skylakeServer)
  })
  it('infers Intel / AMD Zen / Hygon / other from the host bridge device vendor', () => {
    const intel = build(t1({ cpu: null }))
    expect([intel.cpu.vendor, intel.cpu.family, intel.cpuInferred]).toEqual(['intel', 6, true])
    expect(intel.assumptions.join('\n')).toMatch(/CPU not given/)
    const amd = build({ ...t1amd(0x1480), cpu: null })
    expect([amd.cpu.vendor, amd.cpu.family]).toEqual(['amd', 0x17])
    expect(amd.cpuWhy).toMatch(/Zen/)
    const hygon = build(t1({ cpu: null, hostDevice: { vendor: 0x1d94, device: 0x1450 } }))
    expect([hygon.cpu.vendor, hygon.cpu.family]).toEqual(['hygon', 0x18])
    const other = build(t1({ cpu: null, hostDevice: { vendor: 0x1ae0, device: 0x0001 } }))
    expect(other.cpu.vendor).toBe('other')
  })
})

describe('synthetic machines', () => {
  it('4096 endpoints build without errors', () => {
    const spec = syntheticMachine(4096)
    const m = build(spec)
    expect([...m.devs.values()].filter((d) => d.kind === 'endpoint')).toHaveLength(4096)
    for (const hb of m.hostBridges) {
      const max = Math.max(
        ...[...m.devs.values()].filter((d) => d.hostBridge === hb.id).map((d) => d.subordinate ?? d.bus),
      )
      expect(max).toBeLessThanOrEqual(0xff)
    }
  })
  it('about 1000 nodes build without errors', () => {
    const spec = syntheticMachine(480)
    expect(spec.nodes.length).toBeGreaterThan(950)
    expect(spec.nodes.length).toBeLessThan(1100)
    expect(build(spec).devs.size).toBeGreaterThan(950)
  })
  it('small switches and no ACS', () => {
    const m = build(syntheticMachine(10, { perSwitch: 4, acs: false }))
    expect([...m.devs.values()].every((d) => d.acsCap === null)).toBe(true)
    // switch 2: root port bus 0x0d, upstream port 0x0e, downstream ports 0x0f, 0x10 (ep8, ep9)
    expect(dev(m, 'ep9').bdf).toBe('0000:10:00.0')
  })
})
