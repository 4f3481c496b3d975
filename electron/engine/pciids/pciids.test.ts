import { describe, expect, it } from 'vitest'
import {
  lspciName,
  parsePciIds,
  pciClassName,
  pciDeviceName,
  pciVendorName,
  shortDeviceName,
  shortVendorName,
  PCI_IDS_VERSION,
} from './pciids'
import { PCI_IDS_TEXT } from './pci-ids.data'

describe('pci.ids snapshot', () => {
  it('names the DGX-2H devices as lspci does', () => {
    expect(PCI_IDS_VERSION).toMatch(/^\d{4}\.\d{2}\.\d{2}$/)
    expect(pciVendorName(0x10de)).toBe('NVIDIA Corporation')
    expect(pciDeviceName(0x10de, 0x1db8)).toBe('GV100GL [Tesla V100 SXM3 32GB]')
    expect(pciDeviceName(0x15b3, 0x1017)).toBe('MT27800 Family [ConnectX-5]')
    expect(pciDeviceName(0x1a03, 0x2000)).toBe('ASPEED Graphics Family')
    expect(lspciName(0x10de, 0x1db8)).toBe('NVIDIA Corporation GV100GL [Tesla V100 SXM3 32GB]')
    expect(lspciName(0x10de, 0xfffe)).toBe('NVIDIA Corporation Device fffe')
    expect(lspciName(0xf00d, 1)).toBeNull()
  })

  it('names classes (subclass, else base class)', () => {
    const classes: [number, string][] = [
      [0x030200, '3D controller'],
      [0x030000, 'VGA compatible controller'],
      [0x010802, 'Non-Volatile memory controller'],
      [0x020700, 'Infiniband controller'],
      [0x060400, 'PCI bridge'],
      [0x03ee00, 'Display controller'],
    ]
    for (const [code, name] of classes) expect(pciClassName(code), code.toString(16)).toBe(name)
  })

  it('shortens names for headers', () => {
    expect(shortDeviceName('GV100GL [Tesla V100 SXM3 32GB]')).toBe('Tesla V100 SXM3 32GB')
    expect(shortDeviceName('ASPEED Graphics Family')).toBe('ASPEED Graphics Family')
    const vendors = {
      'NVIDIA Corporation': 'NVIDIA',
      'Advanced Micro Devices, Inc. [AMD/ATI]': 'AMD/ATI',
      'Mellanox Technologies': 'Mellanox',
      'ASPEED Technology, Inc.': 'ASPEED',
    }
    for (const [full, short] of Object.entries(vendors)) expect(shortVendorName(full)).toBe(short)
  })

  it('writes every line as `<id>  <name>`, two spaces, as the lookups expect', () => {
    const lines = PCI_IDS_TEXT.split('\n')
    expect(lines.length).toBeGreaterThan(20_000)
    const odd = lines.filter(
      (l) => !/^(?:[0-9a-f]{4}|C [0-9a-f]{2}|\t[0-9a-f]{4}|\t[0-9a-f]{2}|\t\t[0-9a-f]{2}) {2}\S/.test(l),
    )
    expect(odd).toEqual([])
  })

  it('the lookups (which search the snapshot text) agree with the parsed database', () => {
    const d = parsePciIds(PCI_IDS_TEXT)
    let devices = 0
    for (const [id, v] of d.vendors) {
      expect(pciVendorName(id), id.toString(16)).toBe(v.name)
      let i = 0
      for (const [dev, name] of v.devices)
        if (i++ % 23 === 0) {
          expect(pciDeviceName(id, dev), `${id.toString(16)}:${dev.toString(16)}`).toBe(name)
          devices++
        }
    }
    expect(devices).toBeGreaterThan(1000)
    for (const [cls, name] of d.classes) expect(pciClassName(cls << 8), cls.toString(16)).toBe(name)
    for (const [base, name] of d.bases)
      if (![...d.classes.keys()].some((c) => c >> 8 === base && (c & 0xff) === 0xee))
        expect(pciClassName((base << 16) | 0xee00), base.toString(16)).toBe(name)
    expect(pciDeviceName(0x10de, 0x0001)).toBe(d.vendors.get(0x10de)?.devices.get(0x0001) ?? null)
  })

  it('parses pci.ids syntax, skipping what it does not know', () => {
    const d = parsePciIds(
      '1234  Acme\n\tabcd  Widget [W-1]\nC 12  Processing accelerators\n\t00  Accel\n\t\t01  Fancy\n',
    )
    expect(d.vendors.get(0x1234)?.devices.get(0xabcd)).toBe('Widget [W-1]')
    expect(d.classes.get(0x1200)).toBe('Accel')
    expect(d.progIfs.get(0x120001)).toBe('Fancy')
  })
})
