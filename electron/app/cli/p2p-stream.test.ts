/**
 * `lab p2p` names the devices (the DGX-2H's GPUs and NICs as its hwloc file and pci.ids call them)
 * and streams --json pair by pair: the same JSON as the whole matrix, written in bounded memory.
 */
import { describe, expect, it } from 'vitest'
import { runCli, type CliIo } from './lab'
import { readFixture } from '../../../tests/helpers/realdata'
import {
  buildMachine,
  computeMatrix,
  defaultLab,
  serializeLab,
  syntheticMachine,
  toP2pJson,
} from '../../engine/index'
import type { P2pJson } from '../../../shared/model/p2p'

const DGX = 'hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml'

async function run(argv: string[], files: Record<string, string>, sink?: (t: string) => void) {
  let stdout = ''
  let stderr = ''
  const io: CliIo = {
    version: 't',
    readFile: (p) => {
      if (p in files) return files[p]!
      throw new Error('ENOENT')
    },
    writeFile: () => undefined,
    stdout: sink ?? ((t) => (stdout += t)),
    stderr: (t) => (stderr += t),
  }
  const code = await runCli(argv, io)
  return { code, stdout, stderr }
}

type NamedJson = {
  era: string
  pairs: (P2pJson['pairs'][number] & { name: { provider: string; client: string } })[]
}

describe('lab p2p names devices', () => {
  it('DGX-2H: GPUs by their nvml model, InfiniBand NICs by pci.ids, in --json and text', async () => {
    const files = { 'dgx.xml': readFixture(DGX) }
    const j = JSON.parse((await run(['p2p', 'dgx.xml', '--json'], files)).stdout) as NamedJson
    const gpu = j.pairs.find((p) => p.provider === '0000:34:00.0' && p.client === '0000:35:00.0')!
    expect(gpu.name).toEqual({ provider: 'Tesla V100-SXM3-32GB-H', client: 'ConnectX-5' })
    expect(Object.keys(gpu)).toEqual([
      'provider',
      'client',
      'mapType',
      'distance',
      'acsRedirect',
      'warnings',
      'name',
    ])
    const text = (await run(['p2p', 'dgx.xml'], files)).stdout
    expect(text).toMatch(/0000:34:00\.0 -> 0000:35:00\.0 +BUS \d+ +Tesla V100-SXM3-32GB-H -> ConnectX-5/)
    expect(text).not.toMatch(/class 0302/)
  })

  it('the ASPEED BMC display is no provider (no assumed GPU BARs)', async () => {
    const j = JSON.parse(
      (await run(['p2p', 'dgx.xml', '--json'], { 'dgx.xml': readFixture(DGX) })).stdout,
    ) as NamedJson
    expect(j.pairs.some((p) => p.provider === '0000:04:00.0')).toBe(false)
    expect(j.pairs.find((p) => p.client === '0000:04:00.0')?.name.client).toBe('ASPEED Graphics Family')
  })
})

describe('lab p2p --json streams', () => {
  it('gives the same pairs as the whole matrix (default lab, every era)', async () => {
    const lab = defaultLab()
    for (const era of ['v5.0', 'v5.4', 'v6.12'] as const) {
      const text = serializeLab({ ...lab, settings: { ...lab.settings, era, iommu: true } })
      const r = await run(['p2p', 'x.p2plab', '--json'], { 'x.p2plab': text })
      const got = JSON.parse(r.stdout) as NamedJson
      const b = buildMachine(lab.machine, { ...lab.settings, era, iommu: true })
      if (!b.ok) throw new Error('default lab')
      const want = toP2pJson(computeMatrix(b.machine))
      expect(got.era).toBe(want.era)
      expect(got.pairs.map(({ name: _n, ...p }) => p)).toEqual(want.pairs)
      expect(got.pairs.every((p) => p.name.provider.length > 0)).toBe(true)
    }
  })

  it('writes a large lab in chunks without holding the matrix (bounded heap)', async () => {
    const lab = { ...defaultLab(), scenarios: [], machine: syntheticMachine(700) }
    const files = { 'big.p2plab': serializeLab(lab) }
    let bytes = 0
    let writes = 0
    let pairs = 0
    let maxHeap = 0
    const before = process.memoryUsage().heapUsed
    const r = await run(['p2p', 'big.p2plab', '--json'], files, (t) => {
      bytes += t.length
      writes++
      pairs += t.split(`"mapType":`).length - 1
      if (writes % 20 === 0) maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed)
    })
    expect(r.code).toBe(0)
    expect(pairs).toBe(700 * 700)
    // 490 000 pairs are ~130 MB of JSON; held at once as PairVerdicts and one string (as before)
    // they took several hundred MB of heap. Streamed, the heap holds garbage awaiting GC only.
    expect(bytes).toBeGreaterThan(100e6)
    expect(maxHeap - before).toBeLessThan(200e6)
    expect(writes).toBeGreaterThan(1000)
  })
})
