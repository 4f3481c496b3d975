import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../../shared/model/topology'
import { labFileSchema } from '../../../shared/model/lab-schema'
import { buildMachine } from '../topology/build'
import type { Machine } from '../topology/types'
import { commonUpstream, depth } from '../topology/walk'
import { defaultLab } from './default-lab'

/** Host-bridge whitelist ids of every era (docs/kernel/p2pdma.md#the-host-bridge-whitelist), to prove socket 1 matches none. */
const WHITELISTED_INTEL = [0x3c00, 0x3c01, 0x2f00, 0x2f01, 0x2030, 0x2031, 0x2032, 0x2033, 0x2020, 0x09a2]

function machine(iommu = false): Machine {
  const lab = defaultLab()
  const r = buildMachine(lab.machine, { ...lab.settings, iommu })
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'))
  return r.machine
}

describe('defaultLab()', () => {
  it('is a valid lab file with the default settings', () => {
    const lab = defaultLab()
    expect(labFileSchema.safeParse(lab).success).toBe(true)
    expect(lab.settings).toEqual(DEFAULT_SETTINGS)
    expect(lab.machine.cpu).toMatchObject({ vendor: 'intel', family: 6, model: 85 })
    expect(defaultLab()).toEqual(lab) // deterministic, fresh object
    expect(defaultLab()).not.toBe(lab)
  })

  it('labels every node', () => {
    for (const n of defaultLab().machine.nodes) expect(n.label, n.id).toBeTruthy()
  })

  it('enumerates two sockets with one switch each', () => {
    const m = machine()
    expect(m.hostBridges.map((h) => [h.id, h.domain, h.busStart, h.numaNode])).toEqual([
      ['hb0', 0, 0x00, 0],
      ['hb1', 0, 0x80, 1],
    ])
    const bdf = (id: string): string => m.devs.get(id)!.bdf
    const bdfs = {
      gpu0: '0000:03:00.0',
      gpu1: '0000:04:00.0',
      nic0: '0000:05:00.0',
      nvme1: '0000:06:00.0',
      nvme0: '0000:07:00.0',
      ahci0: '0000:08:00.0',
      gpu2: '0000:83:00.0',
      nvme2: '0000:86:00.0',
    }
    for (const [id, want] of Object.entries(bdfs)) expect(bdf(id), id).toBe(want)
    expect(commonUpstream(m, 'gpu0', 'nic0')).toBe('sw0_usp')
    expect(commonUpstream(m, 'gpu2', 'nic1')).toBe('sw1_usp')
    expect(commonUpstream(m, 'gpu0', 'nvme0')).toBeNull()
    expect(depth(m, 'gpu0')).toBe(4)
    expect(depth(m, 'nvme0')).toBe(2)
  })

  it('socket 0 host device is whitelisted 8086:2020; socket 1 is on no list', () => {
    const m = machine()
    const hd0 = m.devs.get('hb0/hostdev')!
    const hd1 = m.devs.get('hb1/hostdev')!
    expect([hd0.vendor, hd0.device]).toEqual([0x8086, 0x2020])
    expect(hd1.vendor).toBe(0x8086)
    expect(WHITELISTED_INTEL).not.toContain(hd1.device)
    expect(m.hostBridges[1]!.rootBusDevices[0]).toBe('hb1/hostdev')
  })

  it('devices as specified: GPUs, RDMA NICs, CMB NVMe, AHCI', () => {
    const m = machine()
    const gpu = m.devs.get('gpu0')!
    expect([gpu.vendor, gpu.driver]).toEqual([0x10de, 'nvidia'])
    expect(gpu.bars.map((b) => [b.index, b.size, b.mem64, b.prefetch])).toEqual([
      [0, 16 * 2 ** 20, false, false],
      [1, 32 * 2 ** 30, true, true],
      [3, 32 * 2 ** 20, true, true],
    ])
    expect(m.devs.get('nic1')!.driver).toBe('mlx5_core')
    for (const id of ['nvme0', 'nvme1', 'nvme2']) {
      const ep = m.devs.get(id)!.endpoint!
      expect(ep.p2pmemBar, id).toBe(2)
      expect(ep.queueP2p, id).toBe(true)
      expect(ep.bars.find((b) => b.index === 2)!.size).toBe(256 * 2 ** 20)
    }
    const ahci = m.devs.get('ahci0')!
    expect([ahci.vendor, ahci.device, ahci.endpoint!.queueP2p]).toEqual([0x8086, 0xa182, false])
    expect(ahci.bars.some((b) => b.io)).toBe(true)
    expect(ahci.bars.find((b) => b.index === 5)!.size).toBe(2048)
  })

  it('ports carry ACS {SV,TB,RR,CR,UF} with control clear; the IOMMU sets 0x001d', () => {
    const off = machine(false)
    const on = machine(true)
    const ports = [...off.devs.values()].filter(
      (d) => d.kind === 'root_port' || d.kind === 'switch_downstream',
    )
    expect(ports.length).toBe(12)
    for (const p of ports) {
      expect(p.acsCap, p.id).toBe(0x1f)
      expect(p.acsCtrl, p.id).toBe(0)
      expect(on.devs.get(p.id)!.acsCtrl, p.id).toBe(0x1d)
    }
    expect(off.devs.get('sw0_usp')!.acsCap).toBeNull()
  })

  it('the description explains the three outcomes', () => {
    const d = defaultLab().description!
    for (const w of ['BUS_ADDR', 'THRU_HOST_BRIDGE', 'NOT_SUPPORTED', '8086:2021', 'IOMMU'])
      expect(d).toContain(w)
  })
})
