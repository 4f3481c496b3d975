/**
 * NCCL's familyid: the packed form NCCL's own dump writes (base + (ext << 4)) and the kernel's x86
 * family that hand-written topology files use, and what that means for the verdicts of Azure's
 * ndv4 (AMD EPYC Rome, 4 NUMA nodes = 4 host bridges).
 */
import { describe, expect, it } from 'vitest'
import { readFixture } from '../../../tests/helpers/realdata'
import { buildMachine } from '../topology/build'
import { computeMatrix } from '../p2pdma/matrix'
import { importText } from './index'
import { ncclFamilyToKernel } from './nccl'

describe('ncclFamilyToKernel', () => {
  it('unpacks NCCL dumps and keeps kernel families as they are', () => {
    expect(ncclFamilyToKernel(143)).toEqual({ family: 0x17, packed: true }) // 0x8f: Zen 2 dump
    expect(ncclFamilyToKernel(0xaf)).toEqual({ family: 0x19, packed: true }) // Zen 3 dump
    expect(ncclFamilyToKernel(23)).toEqual({ family: 0x17, packed: false }) // ndv4 file
    expect(ncclFamilyToKernel(25)).toEqual({ family: 0x19, packed: false })
    expect(ncclFamilyToKernel(6)).toEqual({ family: 6, packed: false }) // Intel
    expect(ncclFamilyToKernel(15)).toEqual({ family: 15, packed: false })
  })
})

describe('NCCL ndv4 (familyid="23")', () => {
  it('keeps the file’s family 0x17 and says how it read it', () => {
    const r = importText('ndv4-topo.xml', readFixture('nccl-topo/ndv4-topo.xml'))
    if (!r.ok) throw new Error(JSON.stringify(r.issues))
    expect(r.lab.machine.cpu).toMatchObject({ vendor: 'amd', family: 0x17, model: 49 })
    expect(r.report.assumed.join('\n')).toMatch(/familyid 23 read as the kernel's x86 family 0x17/)
  })

  it('pairs across root complexes are THRU_HOST_BRIDGE (cpu_supports_p2pdma: AMD >= 0x17)', () => {
    const r = importText('ndv4-topo.xml', readFixture('nccl-topo/ndv4-topo.xml'))
    if (!r.ok) throw new Error(JSON.stringify(r.issues))
    const b = buildMachine(r.lab.machine, r.lab.settings)
    if (!b.ok) throw new Error(JSON.stringify(b.issues))
    const m = computeMatrix(b.machine)
    const gpuNic = m.pairs.filter((p) => p.provider !== p.client)
    const cross = gpuNic.filter((p) => p.hostBridges.length > 0)
    expect(cross.length).toBeGreaterThan(100)
    expect(cross.every((p) => p.mapType === 'THRU_HOST_BRIDGE')).toBe(true)
    expect(m.pairs.some((p) => p.mapType === 'NOT_SUPPORTED')).toBe(false)
    expect(m.cpu).toMatchObject({ vendor: 'amd', family: 0x17, inferred: false })
  })
})

describe('CPU affinity', () => {
  it('ndv4: each NUMA node’s host bridge keeps its affinity mask as a CPU list', () => {
    const r = importText('ndv4-topo.xml', readFixture('nccl-topo/ndv4-topo.xml'))
    if (!r.ok) throw new Error('import')
    const hosts = r.lab.machine.nodes.filter((n) => n.kind === 'host_bridge').map((n) => n.host!)
    expect(hosts.map((h) => [h.numaNode, h.cpus])).toEqual([
      [0, '0-23'],
      [1, '24-47'],
      [2, '48-71'],
      [3, '72-95'],
    ])
  })
})
