/**
 * QEMU export (electron/engine/qemu/export.ts): the oracle's machines of docs/kernel/oracle.md#the-qemu-machines export
 * to the device chains that booted there; the default lab and three real machines export.
 * tools/oracle/qemu-accepts.test.ts starts QEMU on every one of these command lines.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type LabSettings, type MachineSpec } from '../../../shared/model/topology'
import { buildMachine } from '../topology/build'
import { computeMatrix } from '../p2pdma/matrix'
import { qemuCommand, qemuCpu, shellQuote, type QemuExport } from './export'
import { CPUS, qemuMf, qemuPxb, qemuPxb2, qemuSw } from '../../../tests/helpers/topologies'
import { labExports, REAL } from '../../../tests/helpers/qemu-labs'

function exportOf(spec: MachineSpec, settings: Partial<LabSettings> = {}): QemuExport {
  const b = buildMachine(spec, { ...DEFAULT_SETTINGS, era: 'v7.2', ...settings })
  if (!b.ok) throw new Error(JSON.stringify(b.issues))
  return qemuCommand(b.machine, { diskDir: 'd' })
}
const devArgs = (e: QemuExport) => e.argv.filter((_, i) => e.argv[i - 1] === '-device')
/** The -device arguments without the parts the export adds to the oracle's lines (ids, serials, drives, explicit addr=0x00). */
const chain = (e: QemuExport) =>
  devArgs(e).map((a) =>
    a
      .replace(/,serial=KQ\d+,drive=drv\d+/, '')
      .replace(/,addr=0x00(?=,|$)/, '')
      .replace(/,chassis=\d+,port=\d+/, '')
      .replace(/,chassis=\d+,slot=0/, ''),
  )

describe('qemuCommand: the machines of docs/kernel/oracle.md#the-qemu-machines', () => {
  it('sw: root ports at 00:10.0/00:11.0, an x3130 switch, D on the root bus; guest BDFs are the lab BDFs', () => {
    const e = exportOf(qemuSw())
    expect(chain(e)).toEqual([
      'pcie-root-port,id=rp1,bus=pcie.0,addr=0x10',
      'x3130-upstream,id=up1,bus=rp1',
      'xio3130-downstream,id=d1,bus=up1',
      'nvme,id=A,cmb_size_mb=16,bus=d1',
      'xio3130-downstream,id=d2,bus=up1,addr=0x01',
      'nvme,id=B,cmb_size_mb=16,bus=d2',
      'pcie-root-port,id=rp2,bus=pcie.0,addr=0x11',
      'nvme,id=C,cmb_size_mb=16,bus=rp2',
      'nvme,id=D,cmb_size_mb=16,bus=pcie.0,addr=0x12',
    ])
    expect(e.nvme.map((d) => `${d.labId}=${d.guestBdf}`)).toEqual([
      'A=0000:03:00.0',
      'B=0000:04:00.0',
      'C=0000:05:00.0',
      'D=0000:00:12.0',
    ])
    for (const d of e.devices) expect(d.guestBdf).toBe(d.bdfInLab)
    expect(e.cpuModel).toBe('Skylake-Server')
    expect(e.argv.slice(0, 2)).toEqual(['-machine', 'q35,accel=tcg'])
    expect(e.kernelParams).toEqual(['kq.nns=4'])
    expect(e.argv).toContain('-drive')
    expect(e.argv).toContain('file=d/disk0.img,if=none,id=drv0,format=raw')
  })

  it('pxb: a pxb-pcie with bus_nr 0x80 and root port rp3 at 80:00.0 -> E 81:00.0', () => {
    const e = exportOf(qemuPxb({ ...CPUS.epyc }))
    const c = chain(e)
    expect(c[0]).toMatch(/^pxb-pcie,id=pxb1,bus_nr=128,bus=pcie\.0,addr=0x1e$/)
    expect(c).toContain('pcie-root-port,id=rp3,bus=pxb1')
    expect(c).toContain('nvme,id=E,cmb_size_mb=16,bus=rp3')
    expect(e.nvme.find((d) => d.labId === 'E')?.guestBdf).toBe('0000:81:00.0')
    expect(e.cpuModel).toBe('EPYC')
    // no -numa entries, so no numa_node= (QEMU: "Illegal numa node 0")
    expect(e.argv).not.toContain('-numa')
  })

  it('mf: two functions of one slot (multifunction=on on function 0); ACS RR|CR written from the guest', () => {
    const e = exportOf(qemuMf({ rp1Ctrl: ['RR', 'CR'] }))
    expect(chain(e)).toEqual([
      'pcie-root-port,id=rp1,bus=pcie.0,addr=0x10',
      'nvme,id=A,cmb_size_mb=16,bus=rp1,multifunction=on',
      'nvme,id=B,cmb_size_mb=16,bus=rp1,addr=0x00.1',
      'pcie-root-port,id=rp2,bus=pcie.0,addr=0x11',
      'nvme,id=C,cmb_size_mb=16,bus=rp2',
    ])
    expect(e.kernelParams).toEqual(['kq.acs=0000:00:10.0=0x000c', 'kq.nns=3'])
    expect(e.compensations.join('\n')).toMatch(/written from inside the guest/)
  })

  it('mf with the IOMMU: -device intel-iommu before the devices, intel_iommu=on, disable_acs_redir passed through', () => {
    const e = exportOf(qemuMf(), { iommu: true, disableAcsRedir: '0000:00:10.0' })
    const i = e.argv.indexOf('intel-iommu')
    expect(e.argv[i - 1]).toBe('-device')
    expect(i).toBeLessThan(e.argv.findIndex((a) => a.startsWith('pcie-root-port')))
    expect(e.kernelParams).toEqual(['intel_iommu=on', 'pci=disable_acs_redir=0000:00:10.0', 'kq.nns=3'])
  })

  it('pxb2: two pxb-pcie host bridges (bus 0x80, 0x90), rp3/rp4 at 80:00.0/80:01.0, rp5 at 90:00.0', () => {
    const e = exportOf(qemuPxb2())
    const c = chain(e)
    expect(c.filter((x) => x.startsWith('pxb-pcie'))).toEqual([
      'pxb-pcie,id=pxb1,bus_nr=128,bus=pcie.0,addr=0x1e',
      'pxb-pcie,id=pxb2,bus_nr=144,bus=pcie.0,addr=0x1d',
    ])
    expect(c).toContain('pcie-root-port,id=rp4,bus=pxb1,addr=0x01')
    expect(c).toContain('pcie-root-port,id=rp5,bus=pxb2')
    expect(e.nvme.map((d) => `${d.labId}=${d.guestBdf}`)).toEqual([
      'C=0000:01:00.0',
      'E=0000:81:00.0',
      'F=0000:82:00.0',
      'G=0000:91:00.0',
    ])
  })

  it('the twin of a QEMU fixture gives the fixture verdicts (the fixtures are QEMU machines already)', () => {
    for (const spec of [qemuSw(), qemuPxb({ ...CPUS.epyc }), qemuMf({ rp1Ctrl: ['RR', 'CR'] }), qemuPxb2()]) {
      const settings = { ...DEFAULT_SETTINGS, era: 'v7.2' as const }
      const lab = buildMachine(spec, settings)
      if (!lab.ok) throw new Error('build')
      const twin = buildMachine(qemuCommand(lab.machine).twin, settings)
      if (!twin.ok) throw new Error('twin')
      const v = (m: typeof lab.machine) =>
        computeMatrix(m).pairs.map((p) => `${p.providerId}>${p.clientId}:${p.mapType}`)
      expect(v(twin.machine)).toEqual(v(lab.machine))
    }
  })

  it('CPU models by vendor and family', () => {
    expect(qemuCpu({ vendor: 'intel', family: 6 }).model).toBe('Skylake-Server')
    expect(qemuCpu({ vendor: 'amd', family: 0x17 }).model).toBe('EPYC')
    expect(qemuCpu({ vendor: 'amd', family: 0x19 }).model).toBe('EPYC-Milan')
    expect(qemuCpu({ vendor: 'amd', family: 0x16 }).model).toBe('EPYC,family=22')
    expect(qemuCpu({ vendor: 'hygon', family: 0x18 }).model).toBe('Dhyana')
    expect(qemuCpu({ vendor: 'other', family: 0 }).twin).toMatchObject({ vendor: 'amd', family: 15 })
  })

  it('the shell form quotes what needs quoting', () => {
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`)
    const e = exportOf(qemuMf({ rp1Ctrl: ['RR', 'CR'] }))
    expect(e.shell.startsWith('qemu-system-x86_64 -machine q35,accel=tcg ')).toBe(true)
  })
})

describe('qemuCommand: the default lab and real machines', () => {
  it('the default lab: two host bridges on two NUMA nodes, switches, and what QEMU cannot reproduce', () => {
    const [, e] = labExports()[0]!
    expect(e.argv).toContain('-numa')
    expect(devArgs(e).some((a) => /^pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,/.test(a))).toBe(true)
    expect(e.nvme).toHaveLength(10)
    const notes = e.cannotReproduce.join('\n')
    expect(notes).toMatch(/8086:29c0 \(on no whitelist\), not 8086:2020/)
    expect(notes).toMatch(/xio3130-downstream has no ACS capability/)
    expect(notes).toMatch(/a gpu is exported as an NVMe controller/)
    expect(notes).toMatch(/BAR sizes/)
  })

  it.each(REAL)('%s exports', (f) => {
    const e = labExports().find(([n]) => n === f)![1]
    expect(e.nvme.length).toBeGreaterThan(0)
    expect(e.twin.nodes.length).toBeGreaterThan(0)
    expect(new Set(devArgs(e).map((a) => /id=([^,]+)/.exec(a)![1])).size).toBe(devArgs(e).length)
  })
})
