/**
 * The oracle's verdict logic: map types from the vIOMMU data check, pair statuses and their counts,
 * and the QEMU root-port id patch (on a synthetic binary; the real one is booted by test:kernel).
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../shared/model/topology'
import { buildMachine, qemuCommand } from '../../electron/engine/index'
import { qemuPxb2 } from '../../tests/helpers/topologies'
import { EnvError } from './kernels'
import type { KernelPair } from './parse'
import { countsLine, kernelVerdict, pairStatus, statusCounts, type PairRow } from './run'
import { QEMU_ROOT_PORT_ID, WHITELIST_ROOT_PORT_IDS, occurrences, patchRootPortId } from './qemu-patch'

const pair = (o: Partial<KernelPair>): KernelPair => ({
  provider: '0000:01:00.0',
  client: '0000:01:00.1',
  ns: 'nvme1n1',
  ret: 2 * 1024 * 1024,
  errno: 0,
  first: 0x42,
  last: 0x42,
  expect: 0x42,
  ...o,
})

describe('kernelVerdict', () => {
  it('with a vIOMMU, data that arrived is THRU_HOST_BRIDGE and data that did not is BUS_ADDR', () => {
    expect(kernelVerdict(pair({}), true)).toEqual({
      allowed: true,
      errno: null,
      data: 'ok',
      mapType: 'THRU_HOST_BRIDGE',
    })
    expect(kernelVerdict(pair({ first: 0, last: 0 }), true)).toMatchObject({
      data: 'absent',
      mapType: 'BUS_ADDR',
    })
  })
  it('without an IOMMU, or for a self pair, the allowed type is not known', () => {
    expect(kernelVerdict(pair({}), false).mapType).toBeNull()
    expect(kernelVerdict(pair({ client: '0000:01:00.0' }), true).mapType).toBeNull()
  })
  it('a refused read is NOT_SUPPORTED with its errno', () => {
    expect(kernelVerdict(pair({ ret: -1, errno: 22 }), true)).toEqual({
      allowed: false,
      errno: 'EINVAL',
      data: 'n/a',
      mapType: 'NOT_SUPPORTED',
    })
  })
})

describe('pairStatus and the counts', () => {
  const engine = { mapType: 'BUS_ADDR' as const, allowed: true, errno: null }
  const k = kernelVerdict(pair({ first: 0, last: 0 }), true)
  it('confirmed, disagree, not reproducible, no result, each with its reason', () => {
    expect(pairStatus(k, engine, 'BUS_ADDR', true)).toEqual({ status: 'confirmed', reason: '' })
    expect(pairStatus(k, engine, null, true).status).toBe('confirmed')
    const d = pairStatus(kernelVerdict(pair({}), true), engine, 'BUS_ADDR', false)
    expect(d.status).toBe('disagree')
    expect(d.reason).toBe('kernel allowed as THRU_HOST_BRIDGE (data ok); engine BUS_ADDR')
    const n = pairStatus(k, engine, 'THRU_HOST_BRIDGE', true)
    expect(n.status).toBe('not-reproducible')
    expect(n.reason).toMatch(/lab's verdict is THRU_HOST_BRIDGE/)
    expect(pairStatus(null, engine, 'BUS_ADDR', false, 'the guest timed out')).toEqual({
      status: 'no-result',
      reason: 'the guest timed out',
    })
  })
  it('counts every status, and the allowed pairs whose map type was told apart', () => {
    const row = (status: PairRow['status'], kernel: PairRow['kernel']) => ({ status, kernel }) as PairRow
    const rows = [
      row('confirmed', k),
      row('confirmed', kernelVerdict(pair({ ret: -1, errno: 22 }), true)),
      row('confirmed', kernelVerdict(pair({}), false)),
      row('disagree', k),
      row('no-result', null),
    ]
    expect(statusCounts(rows)).toEqual({ confirmed: 3, 'not-reproducible': 0, disagree: 1, 'no-result': 1 })
    expect(countsLine(rows)).toBe(
      '3 confirmed (1 allowed pairs with BUS_ADDR or THRU_HOST_BRIDGE told apart) · 0 not reproducible · 1 disagree · 1 no result',
    )
  })
})

describe('patchRootPortId', () => {
  const rp = Buffer.from([0x36, 0x1b, 0x0c, 0x00])
  it('replaces the one 1b36:000c constant and nothing else', () => {
    const bin = Buffer.concat([Buffer.from('ELF..rodata'), rp, Buffer.from('\x36\x1b\x0d\x00tail')])
    const out = patchRootPortId(bin, WHITELIST_ROOT_PORT_IDS['8086:2030']!)
    expect(occurrences(out, rp)).toEqual([])
    expect(out.subarray(11, 15)).toEqual(Buffer.from([0x86, 0x80, 0x30, 0x20]))
    expect(out.length).toBe(bin.length)
    expect(Buffer.compare(out.subarray(15), bin.subarray(15))).toBe(0)
    expect(occurrences(bin, rp)).toEqual([11]) // the input is not modified
  })
  it('refuses a binary with the constant missing or repeated', () => {
    expect(() => patchRootPortId(Buffer.from('nothing here'), QEMU_ROOT_PORT_ID)).toThrow(EnvError)
    expect(() => patchRootPortId(Buffer.concat([rp, rp]), QEMU_ROOT_PORT_ID)).toThrow(/occurs 2 times/)
  })
})

describe('the export with patched root ports', () => {
  it("gives the twin's root ports the patched id, so a pxb root bus has a whitelisted first function", () => {
    const b = buildMachine(qemuPxb2(), { ...DEFAULT_SETTINGS, era: 'v7.2' })
    if (!b.ok) throw new Error('build')
    const stock = qemuCommand(b.machine)
    const patched = qemuCommand(b.machine, { rootPortId: { vendor: 0x8086, device: 0x2030 } })
    const rps = (e: typeof stock) => e.twin.nodes.filter((n) => n.kind === 'root_port')
    expect(rps(stock).every((n) => n.vendor === 0x1b36 && n.device === 0x000c)).toBe(true)
    expect(rps(patched).every((n) => n.vendor === 0x8086 && n.device === 0x2030)).toBe(true)
    expect(patched.compensations.join('\n')).toMatch(
      /byte-patched QEMU copy whose pcie-root-port reports 8086:2030/,
    )
    expect(patched.argv).toEqual(stock.argv)
  })
})
