/**
 * The small field readers the importers share: parseBdf() and bitmapToCpuList() (common.ts) and
 * hwloc's parsePciType(). Each has a fast path for the spelling the tools write and a general one;
 * both must give the same answer, so each case is checked as written and as the general path reads
 * it (with a leading space or a different width, which the fast path does not take).
 */
import { describe, expect, it } from 'vitest'
import { bitmapToCpuList, parseBdf, pciId, pciIdOf } from './common'
import { parsePciType } from './hwloc'

describe('parseBdf', () => {
  it.each([
    ['0000:03:00.0', { domain: 0, bus: 3, dev: 0, fn: 0 }],
    ['ffff:ff:1f.7', { domain: 0xffff, bus: 0xff, dev: 0x1f, fn: 7 }],
    ['00AB:cD:0e.3', { domain: 0xab, bus: 0xcd, dev: 0x0e, fn: 3 }],
    ['0000:03:20.0', null], // device 0x20 > 0x1f
    ['0000:03:00.8', null], // function 8
    ['0000:0g:00.0', null],
    ['0000-03:00.0', null],
    ['03:00.0', { domain: 0, bus: 3, dev: 0, fn: 0 }],
    ['10000:03:00.0', null], // domain above 0xffff
    ['', null],
  ])('%s', (text, want) => {
    expect(parseBdf(text)).toEqual(want)
    // the general path: surrounding spaces are trimmed
    expect(parseBdf(` ${text} `)).toEqual(text === '' ? null : want)
  })
})

describe('pciIdOf', () => {
  // The busid text is reused when spelled as pciId() spells it; any other spelling is rebuilt.
  it.each(['0000:03:00.0', 'ffff:ff:1f.7', '00AB:cD:0e.3', '03:00.0', ' 0000:03:00.0 ', '0:3:1.2'])(
    '%s',
    (text) => {
      const bdf = parseBdf(text)!
      expect(pciIdOf(text, bdf)).toBe(pciId(bdf.domain, bdf.bus, bdf.dev, bdf.fn))
    },
  )
})

describe('parsePciType', () => {
  it.each([
    ['0604 [8086:2030] [0000:0000] 04', { cls: 0x0604, vendor: 0x8086, device: 0x2030 }],
    ['0302 [10de:1db8] [10de:12ab] a1 00', { cls: 0x0302, vendor: 0x10de, device: 0x1db8, progIf: 0 }],
    ['0108 [144D:A808] [144d:a801] 00 02', { cls: 0x0108, vendor: 0x144d, device: 0xa808, progIf: 2 }],
    ['0604 [8086:2030] 04', { cls: 0x0604, vendor: 0x8086, device: 0x2030 }],
    ['0604 [8086:2030]', { cls: 0x0604, vendor: 0x8086, device: 0x2030 }],
    ['0604 [8086:2030] [0000:0000] 04 xy', { cls: 0x0604, vendor: 0x8086, device: 0x2030 }],
    ['0604 [8086:2030] [0000:0000] 0412', { cls: 0x0604, vendor: 0x8086, device: 0x2030 }],
    ['0604 [8086:2030] [0000:000g] 04', { cls: 0x0604, vendor: 0x8086, device: 0x2030 }],
    ['06x4 [8086:2030] [0000:0000] 04', null],
    ['0604 (8086:2030) [0000:0000] 04', null],
    ['', null],
  ])('%s', (text, want) => {
    expect(parsePciType(text)).toEqual(want)
    expect(parsePciType(` ${text}`)).toEqual(want)
  })
})

describe('bitmapToCpuList', () => {
  it.each([
    ['0x000000ff,0xffff0000,0x00ffffff', '0-23,48-71'],
    ['0xffffffff,0xffffffff,0xffffffff', '0-95'],
    ['0x00000001', '0'],
    ['0x80000000,,0x00000001', '0,95'],
    ['00000000,00ffffff', '0-23'],
    ['0x00000000', null],
    ['0xf...f', null],
    ['0x1g', null],
  ])('%s', (text, want) => {
    expect(bitmapToCpuList(text)).toBe(want)
  })
})
