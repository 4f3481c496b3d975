/**
 * Names and honest roles in the tree: the DGX-2H's devices by the names its hwloc file and pci.ids
 * give them, the p2pmem badge only where a driver publishes memory, and the BMC's VGA as no GPU.
 */
import { describe, expect, it } from 'vitest'
import { readFixture } from '../../../tests/helpers/realdata'
import { buildMachine, defaultLab, importText, isProvider } from '../../engine/index'
import { nodeViews } from './nodes'
import type { TopoNodeView } from '../../../shared/ipc/contract'
import type { LabFile } from '../../../shared/model/topology'

function views(lab: LabFile): Map<string, TopoNodeView> {
  const b = buildMachine(lab.machine, lab.settings)
  if (!b.ok) throw new Error(JSON.stringify(b.issues))
  return new Map(nodeViews(b.machine, lab.machine, isProvider).map((v) => [v.bdf ?? v.id, v]))
}

describe('node views: names', () => {
  const r = importText('dgx.xml', readFixture('hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml'))
  if (!r.ok) throw new Error('import')
  const v = views(r.lab)

  it('names the DGX-2H devices like lstopo and lspci', () => {
    expect(v.get('0000:34:00.0')).toMatchObject({
      name: 'Tesla V100-SXM3-32GB-H',
      lspciName: 'NVIDIA Corporation GV100GL [Tesla V100 SXM3 32GB]',
      className: '3D controller',
      endpointType: 'gpu',
    })
    expect(v.get('0000:34:00.0')!.osDevices).toEqual(expect.arrayContaining(['nvml0', 'card0']))
    expect(v.get('0000:35:00.0')).toMatchObject({ name: 'ConnectX-5', className: 'Infiniband controller' })
    expect(v.get('0000:35:00.0')!.osDevices).toContain('ib1')
    expect([...v.values()].filter((n) => n.kind === 'endpoint' && /class 0[0-9a-f]{3}/.test(n.name))).toEqual(
      [],
    )
  })

  it('groups by NUMA node, host bridge and top-most switch', () => {
    const gpu = v.get('0000:34:00.0')!
    expect(gpu.numaNode).toBe(0)
    expect(gpu.hostBridge).toMatch(/^hb-/)
    expect(gpu.switchId).not.toBeNull()
    expect(v.get('0000:35:00.0')!.switchId).toBe(gpu.switchId)
  })

  it('the ASPEED BMC VGA is a generic function without a BAR badge', () => {
    expect(v.get('0000:04:00.0')).toMatchObject({
      name: 'ASPEED Graphics Family',
      endpointType: 'generic',
      isProvider: false,
      p2pmem: null,
    })
    expect(r.report.assumed.join('\n')).toMatch(/BMC's console VGA/)
  })

  it('p2pmem badge only where memory is published; other memory BARs are "bar"', () => {
    expect(v.get('0000:34:00.0')!.p2pmem).toBe('bar')
    const d = views(defaultLab())
    const published = [...d.values()].filter((n) => n.p2pmem === 'published')
    const bars = [...d.values()].filter((n) => n.p2pmem === 'bar')
    expect(published.length).toBeGreaterThan(0)
    expect(bars.length).toBeGreaterThan(0)
    const spec = new Map(defaultLab().machine.nodes.map((n) => [n.id, n]))
    for (const n of published) expect(spec.get(n.id)!.endpoint!.p2pmemBar).toBeDefined()
    for (const n of bars) expect(spec.get(n.id)!.endpoint!.p2pmemBar).toBeUndefined()
  })
})
