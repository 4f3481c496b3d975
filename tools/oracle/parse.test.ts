/**
 * The oracle's pure parts: the guest log parser and the cpio writer of the initramfs.
 */
import { describe, expect, it } from 'vitest'
import { cpioNewc } from './initramfs'
import { errnoName, parseGuestLog } from './parse'

// Lines as the 7.2.13 guest printed them (k72-skx-mf-acs), with serial-console noise around them.
const LOG = `SeaBIOS (version 1.16.2-debian-1.16.2-1)
KQ BEGIN
KQ KERNEL 7.2.13+deb14-amd64
KQ CPU vendor=GenuineIntel family=6 model=85
KQ CMDLINE console=ttyS0 quiet panic=-1 nvme_core.multipath=N kq.acs=0000:00:10.0=0x000c kq.nns=3
KQ SETACS 0000:00:10.0 ctrl=0x000c
KQ NAMESPACES nvme0n1 nvme1n1 nvme2n1
KQ CTRL nvme0 address=0000:01:00.0 serial=KQ0
KQ CTRL nvme1 address=0000:01:00.1 serial=KQ1
KQ CTRL nvme2 address=0000:02:00.0 serial=KQ2
KQ PCI 0000:00:00.0 0x8086:0x29c0 class=0x060000 p2pmem=-
KQ PCI 0000:01:00.0 0x1b36:0x0010 class=0x010802 p2pmem=1
KQ ACS 0000:00:10.0 cap=0x005f ctrl=0x000c
KQ NS nvme0n1 ctrl=0000:01:00.0 control=2097152 byte=0x41
KQ PROVIDER 0000:01:00.0 ok
KQ PAIR provider=0000:01:00.0 client=0000:01:00.0 ns=nvme0n1 ret=2097152 errno=0 first=0x41 last=0x41 expect=0x41
KQ PAIR provider=0000:01:00.0 client=0000:01:00.1 ns=nvme1n1 ret=-1 errno=22 first=0x00 last=0x00 expect=0x42
KQ PROVIDER 0000:02:00.0 error=12
KQ P2PTEST-DONE
KQ DMESG-BEGIN
KQ DMESG [    3.123456] nvme 0000:01:00.1: ACS redirect is set between the client and provider (0000:01:00.0)
KQ DMESG-END
KQ END
[    4.5] reboot: Power down
`

describe('parseGuestLog', () => {
  it('reads the kernel, CPU, controllers, ACS, providers, pairs and dmesg lines', () => {
    const g = parseGuestLog(LOG)
    expect(g.complete).toBe(true)
    expect(g.kernel).toBe('7.2.13+deb14-amd64')
    expect(g.cpu).toEqual({ vendor: 'GenuineIntel', family: 6, model: 85 })
    expect([...g.controllers]).toEqual([
      ['KQ0', '0000:01:00.0'],
      ['KQ1', '0000:01:00.1'],
      ['KQ2', '0000:02:00.0'],
    ])
    expect(g.pci.get('0000:00:00.0')).toBe('0x8086:0x29c0')
    expect(g.p2pmem.get('0000:01:00.0')).toBe('1')
    expect(g.acs.get('0000:00:10.0')).toEqual({ cap: 0x5f, ctrl: 0x0c })
    expect(g.setacs).toEqual(['0000:00:10.0 ctrl=0x000c'])
    expect(g.providers.get('0000:02:00.0')).toEqual({ ok: false, errno: 12 })
    expect(g.pairs).toHaveLength(2)
    expect(g.pairs[0]).toMatchObject({ ret: 2097152, first: 0x41, last: 0x41, expect: 0x41 })
    expect(g.pairs[1]).toMatchObject({ client: '0000:01:00.1', ret: -1, errno: 22 })
    expect(g.dmesg).toEqual([
      'nvme 0000:01:00.1: ACS redirect is set between the client and provider (0000:01:00.0)',
    ])
    expect(errnoName(22)).toBe('EINVAL')
    expect(errnoName(121)).toBe('EREMOTEIO')
  })

  it('a log cut short is not complete', () => {
    expect(parseGuestLog(LOG.split('KQ P2PTEST-DONE')[0]!).complete).toBe(false)
  })
})

describe('cpioNewc', () => {
  it('writes newc headers, 4-byte alignment and the trailer', () => {
    const b = cpioNewc([
      { name: 'init', mode: 0o100755, data: Buffer.from('#!/bin/sh\n') },
      { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
    ])
    expect(b.subarray(0, 6).toString()).toBe('070701')
    expect(b.length % 4).toBe(0)
    const s = b.toString('latin1')
    expect(s).toContain('init\0')
    expect(s).toContain('#!/bin/sh\n')
    expect(s).toContain('TRAILER!!!\0')
    // header of the second entry: rdevmajor 5, rdevminor 1 (fields 11 and 12 of 13)
    const h2 = s.indexOf('070701', 6)
    const field = (n: number) => parseInt(s.slice(h2 + 6 + 8 * n, h2 + 14 + 8 * n), 16)
    expect(field(1)).toBe(0o020600)
    expect([field(9), field(10)]).toEqual([5, 1])
  })
})
