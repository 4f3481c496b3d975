/**
 * The sysfs capture importer ("This machine", `lab import --this-machine`): a hand-made capture of a
 * small Intel box (tests/fixtures/sysfs/small.sysfs.txt) and hostile captures, each refused with an
 * error at the line that is wrong (tests/fixtures/sysfs/hostile/*.sysfs.txt, line 2 says where).
 */
import { describe, expect, it } from 'vitest'
import { buildMachine } from '../topology/build'
import { computeMatrix } from '../p2pdma/matrix'
import { detectFormat, importText } from './index'
import { eraOfRelease } from './sysfs'
import { hostileSysfsFixtures, readSysfsFixture as read } from '../../../tests/helpers/sysfs-tree'

describe('eraOfRelease', () => {
  it('is the nearest modelled era at or below the release', () => {
    expect(eraOfRelease('6.1.0-18-amd64')).toEqual({ era: 'v6.1', exact: true })
    expect(eraOfRelease('7.2.13+deb14-amd64')?.era).toBe('v7.2')
    expect(eraOfRelease('6.3.0')?.exact).toBe(false)
    expect(eraOfRelease('2.6.32')).toBeNull()
    expect(eraOfRelease('not a release')).toBeNull()
  })
})

describe('sysfs capture: a small Intel box', () => {
  const text = read('small.sysfs.txt')
  const r = importText('small.sysfs.txt', text)
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  const node = (id: string) => r.lab.machine.nodes.find((n) => n.id === id)

  it('is detected from its first line', () => {
    expect(detectFormat(text)).toBe('sysfs')
  })

  it('reads the tree, port types and ACS from config space, BARs from resource', () => {
    expect(r.lab.machine.nodes.find((n) => n.kind === 'host_bridge')?.host).toMatchObject({
      domain: 0,
      rootBus: 0,
      numaNode: 0,
      hostDevice: { vendor: 0x8086, device: 0x29c0 },
    })
    expect(node('pci-0000:00:10.0')).toMatchObject({
      kind: 'root_port',
      acs: { ctrl: ['SV', 'RR', 'CR', 'UF'] },
    })
    expect(node('pci-0000:01:00.0')).toMatchObject({ parent: 'pci-0000:00:10.0', kind: 'endpoint' })
    expect(node('pci-0000:01:00.0')?.endpoint).toMatchObject({
      type: 'nvme',
      driver: 'nvme',
      bars: [
        { index: 0, size: 16 * 1024, mem64: true },
        { index: 2, size: 16 * 1024 * 1024, mem64: true, prefetch: true },
      ],
    })
    expect(r.lab.machine.cpu).toMatchObject({ vendor: 'intel', family: 6, model: 85 })
    expect(r.lab.settings).toMatchObject({ era: 'v6.1', iommu: true })
  })

  it('marks p2pmem only where a driver published it (a p2pmem/ directory)', () => {
    expect(node('pci-0000:01:00.0')?.endpoint?.p2pmemBar).toBe(2)
    expect(node('pci-0000:00:11.0')?.endpoint?.p2pmemBar).toBeUndefined() // a BAR, not published
    expect(r.report.assumed.join('\n')).toMatch(/p2pmem published by a driver .*0000:01:00.0 BAR2/)
  })

  it("does not make the BMC's VGA function a GPU", () => {
    expect(node('pci-0000:00:01.0')?.endpoint?.type).toBe('generic')
    expect(r.report.assumed.join('\n')).toMatch(/BMC's console VGA/)
  })

  it('lists every assumption: era, IOMMU, ACS it could not read, the p2pmem BAR', () => {
    const a = r.report.assumed.join('\n')
    expect(a).toMatch(/kernel 6\.1\.0-18-amd64: era v6\.1/)
    expect(a).toMatch(/IOMMU on: \/sys\/class\/iommu lists dmar0/)
    expect(a).toMatch(/ACS unknown on 1 function/) // 00:01.0 has 64 bytes; 00:11.0's 256 are all the kernel reads
    expect(r.report.warnings.join('\n')).toMatch(/64 bytes of config space.*needs root/)
    expect(r.report.counts).toMatchObject({ pciDevices: 3, bridges: 1, hostBridges: 1, p2pmemPublished: 1 })
  })

  it('builds, and the published NVMe is a provider the matrix knows', () => {
    const b = buildMachine(r.lab.machine, r.lab.settings)
    if (!b.ok) throw new Error(JSON.stringify(b.issues))
    const m = computeMatrix(b.machine)
    expect(m.pairs.some((p) => p.providerId === 'pci-0000:01:00.0')).toBe(true)
  })
})

describe('hostile captures: refused, with the line that is wrong', () => {
  const files = hostileSysfsFixtures()
  it('has the cases', () => expect(files.length).toBeGreaterThanOrEqual(12))
  for (const f of files) {
    it(f, () => {
      const text = read(`hostile/${f}`)
      const m = /^# expect line (\d+): (.+)$/m.exec(text)!
      const r = importText(f, text)
      expect(r.ok).toBe(false)
      if (r.ok) return
      expect(r.issues[0]).toMatchObject({ source: f, line: Number(m[1]) })
      expect(r.issues[0]!.message).toContain(m[2]!)
    })
  }
})
