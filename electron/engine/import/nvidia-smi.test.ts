import { describe, expect, it } from 'vitest'
import { importText } from './index'
import { impliedLevel, parseNvidiaSmi } from './nvidia-smi'
import { readFixture } from '../../../tests/helpers/realdata'

const FILES = [
  'a800-8gpu.topo-m.txt',
  'asus-esc8000a-e12.topo-m.txt',
  'dgx1-v100.topo-m.txt',
  'puget-wrx90.topo-m.txt',
]

describe('nvidia-smi topo -m', () => {
  for (const file of FILES) {
    it(`${file}: every stated PCIe level matches the reconstructed tree`, () => {
      const text = readFixture(`nvidia-smi-topo/${file}`)
      const m = parseNvidiaSmi(text)
      const r = importText(file, text)
      expect(r.ok).toBe(true)
      if (!r.ok) return
      expect(r.report.format).toBe('nvidia-smi-topo')
      expect(r.report.assumed.join(' ')).toMatch(/RECONSTRUCTED/)
      expect(r.report.counts.levelMismatches).toBe(0)
      const idOf = (d: string): string => d.toLowerCase()
      let checked = 0
      for (let i = 0; i < m.devices.length; i++) {
        for (let j = 0; j < m.devices.length; j++) {
          const stated = m.levels[i]![j]!
          if (stated === 'NV') continue
          expect(
            impliedLevel(r.lab.machine.nodes, idOf(m.devices[i]!), idOf(m.devices[j]!)),
            `${m.devices[i]}–${m.devices[j]}`,
          ).toBe(stated)
          checked++
        }
      }
      expect(checked).toBeGreaterThan(m.devices.length)
    })
  }

  it('dgx1: old format with NIC names as headers; PIX groups share a switch', () => {
    const r = importText('dgx1-v100.topo-m.txt', readFixture('nvidia-smi-topo/dgx1-v100.topo-m.txt'))
    if (!r.ok) throw new Error(JSON.stringify(r.issues))
    const m = new Map(r.lab.machine.nodes.map((n) => [n.id, n]))
    const up = (id: string): string => m.get(m.get(id)!.parent!)!.parent!
    // GPU0, GPU1 and mlx5_0 are PIX: downstream ports of one switch.
    expect(up('gpu0')).toBe(up('mlx5_0'))
    expect(up('gpu1')).toBe(up('mlx5_0'))
    expect(m.get(up('gpu0'))!.kind).toBe('switch_upstream')
    expect(m.get('mlx5_0')!.endpoint).toMatchObject({ type: 'rnic', osDevices: ['mlx5_0'] })
    expect(r.report.counts).toMatchObject({ gpus: 8, nics: 4, numaNodes: 2, switches: 4 })
  })

  it('a800: NIC legend names and NUMA Affinity numbers', () => {
    const r = importText('a800-8gpu.topo-m.txt', readFixture('nvidia-smi-topo/a800-8gpu.topo-m.txt'))
    if (!r.ok) throw new Error(JSON.stringify(r.issues))
    const m = new Map(r.lab.machine.nodes.map((n) => [n.id, n]))
    expect(m.get('nic0')!.endpoint!.osDevices).toEqual(['mlx5_0'])
    const hbOf = (id: string): string => {
      let c = m.get(id)!
      while (c.parent) c = m.get(c.parent)!
      return c.id
    }
    expect(m.get(hbOf('gpu7'))!.host!.numaNode).toBe(1)
    expect(m.get(hbOf('gpu0'))!.host!.numaNode).toBe(0)
  })

  it('tab-separated output with ANSI codes and SOC (pre-2017 drivers) imports too', () => {
    const text =
      '\x1b[4mGPU0\tGPU1\tmlx4_0\tCPU Affinity\x1b[0m\nGPU0\t X \tPIX\tSOC\t0-7\nGPU1\tPIX\t X \tSOC\t0-7\nmlx4_0\tSOC\tSOC\t X \t\n\nLegend:\n\n  X   = Self\n'
    const r = importText('old.txt', text)
    expect(r.ok, JSON.stringify(!r.ok && r.issues)).toBe(true)
    if (r.ok) expect(r.report.counts).toMatchObject({ gpus: 2, nics: 1, numaNodes: 2, levelMismatches: 0 })
  })

  it('an unknown path class is a located error', () => {
    const text = readFixture('nvidia-smi-topo/puget-wrx90.topo-m.txt').replace(
      'GPU1    PHB      X',
      'GPU1    QQQ      X',
    )
    const r = importText('bad.txt', text)
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(r.issues[0]).toMatchObject({
        line: 3,
        column: 9,
        message: expect.stringMatching(/unknown path class "QQQ"/),
      })
  })
})
