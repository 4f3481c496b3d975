/**
 * "This machine" against a real kernel: tests/fixtures/sysfs/qemu-pxb-skx-7.2.tar.gz holds the
 * sysfs and /proc files Debian's 7.2.13 kernel wrote in the oracle's QEMU guest (qemu-pxb: two host
 * bridges, a switch, five NVMe publishing their CMB as p2pmem; -cpu Skylake-Server), and .kq.txt
 * what that guest printed: its PCI functions, their ACS, and the kernel's verdict for every
 * (provider, client) pair (an O_DIRECT read into the provider's p2pmem). Captured with
 * `npx tsx tools/oracle/capture-sysfs.ts`. The import must reproduce the guest's devices and the
 * engine, on the imported lab, must give the kernel's verdicts.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildMachine, importText, verdictFor } from '../../electron/engine/index'
import { captureSysfs } from '../../electron/app/sysfs/read'
import { SYSFS_FIXTURES, unpackFixture } from '../../tests/helpers/sysfs-tree'
import { ACS_BIT, ACS_FLAGS } from '../../shared/model/topology'
import { P2P_LEN, errnoName, parseGuestLog } from './parse'
import { refusedReadErrno } from '../../electron/engine/index'

const NAME = 'qemu-pxb-skx-7.2'
const guest = parseGuestLog(readFileSync(join(SYSFS_FIXTURES, `${NAME}.kq.txt`), 'latin1'))
const root = unpackFixture(NAME)
afterAll(() => rmSync(root, { recursive: true, force: true }))
const cap = captureSysfs(root)
const r = importText(cap.source, cap.text)
if (!r.ok) throw new Error(JSON.stringify(r.issues))
const built = buildMachine(r.lab.machine, r.lab.settings)
if (!built.ok) throw new Error(JSON.stringify(built.issues))
const m = built.machine
const byBdf = new Map([...m.devs.values()].map((d) => [d.bdf, d]))
const spec = new Map(r.lab.machine.nodes.map((n) => [n.id, n]))

describe(`lab import --sysfs on a real kernel's sysfs (${NAME})`, () => {
  it('the guest is what the fixture says it is', () => {
    expect(guest.complete).toBe(true)
    expect(guest.kernel).toBe('7.2.13+deb14-amd64')
    expect(guest.pci.size).toBe(16)
    expect(guest.pairs).toHaveLength(25)
  })

  it('reads the kernel release, CPU and IOMMU the guest had', () => {
    expect(r.lab.settings.era).toBe('v7.2')
    expect(r.lab.machine.cpu).toMatchObject({ vendor: 'intel', family: 6, model: 85 })
    expect(r.lab.settings.iommu).toBe(false)
  })

  it('reproduces every PCI function of the guest at its BDF, with its ids', () => {
    const hostDevs = r.lab.machine.nodes.flatMap((n) =>
      n.host?.hostDevice ? [[`${n.id.slice(3)}:00.0`, n.host.hostDevice] as const] : [],
    )
    for (const [bdf, id] of guest.pci) {
      const [vendor, device] = id.split(':').map((x) => parseInt(x, 16))
      const d = byBdf.get(bdf)
      const host = hostDevs.find(([b]) => b === bdf)?.[1]
      expect(d ?? host, bdf).toBeTruthy()
      const s = host ?? spec.get(d!.id) // the host bridge's own function is enumerated too
      expect({ bdf, vendor: s?.vendor, device: s?.device }).toEqual({ bdf, vendor, device })
    }
    expect(new Set([...byBdf.keys(), ...hostDevs.map(([b]) => b)]).size).toBe(guest.pci.size)
  })

  it('reads ACS as the guest printed it, and the switch as a switch', () => {
    for (const [bdf, acs] of guest.acs) {
      const n = spec.get(byBdf.get(bdf)!.id)!
      const bits = (fl: string[] | undefined) =>
        (fl ?? []).reduce((a, f) => a | ACS_BIT[f as (typeof ACS_FLAGS)[number]], 0)
      expect(bits(n.acs?.cap), bdf).toBe(acs.cap & ACS_FLAGS.reduce((a, f) => a | ACS_BIT[f], 0))
      expect(bits(n.acs?.ctrl), bdf).toBe(acs.ctrl)
    }
    expect(spec.get(byBdf.get('0000:01:00.0')!.id)?.kind).toBe('switch_upstream')
    expect(spec.get(byBdf.get('0000:02:00.0')!.id)?.kind).toBe('switch_downstream')
  })

  it('marks p2pmem where the kernel published it, and nowhere else', () => {
    const published = [...guest.p2pmem].filter(([, v]) => v === '1').map(([b]) => b)
    expect(published).toHaveLength(5)
    for (const d of m.devs.values())
      expect(spec.get(d.id)?.endpoint?.p2pmemBar !== undefined, d.bdf).toBe(published.includes(d.bdf))
  })

  it("gives the guest kernel's verdict for every pair", () => {
    const errno = refusedReadErrno(r.lab.settings.era)
    for (const p of guest.pairs) {
      const v = verdictFor(m, p.provider, p.client)
      expect(v, `${p.provider} -> ${p.client}`).toBeTruthy()
      const allowed = v!.mapType === 'BUS_ADDR' || v!.mapType === 'THRU_HOST_BRIDGE'
      const kernel = p.ret === P2P_LEN ? 'allowed' : `refused ${errnoName(p.errno)}`
      expect(allowed ? 'allowed' : `refused ${errno}`, `${p.provider} -> ${p.client}`).toBe(kernel)
    }
  })
})
