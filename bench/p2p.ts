/**
 * Engine figures for the P2P rules: topology build, the detailed matrix (every pair explained) and
 * the compact matrix (typed arrays) on the default lab, the largest real topology (DGX-2H hwloc,
 * 324 PCI devices) and synthetic machines up to 4096 endpoints.
 */
import { readFileSync } from 'node:fs'
import {
  defaultLab,
  importText,
  buildMachine,
  syntheticMachine,
  computeMatrix,
  compactMatrix,
} from '../electron/engine/index'
import { DEFAULT_SETTINGS, type LabSettings, type MachineSpec } from '../shared/model/topology'
import { heapMiB, timeMs, type Reporter } from './harness'

function build(spec: MachineSpec, settings: LabSettings = DEFAULT_SETTINGS) {
  const b = buildMachine(spec, settings)
  if (!b.ok) throw new Error(`bench topology does not build: ${b.issues[0]?.message}`)
  return b.machine
}

export function bench(r: Reporter): void {
  r.section('P2P matrix (engine)')
  const lab = defaultLab()
  const m0 = build(lab.machine, lab.settings)
  const d0 = timeMs(() => computeMatrix(m0), 20)
  r.figure({
    name: `default lab: detailed matrix (${d0.result.pairs.length} pairs)`,
    value: d0.ms,
    unit: 'ms',
  })

  const dgxText = readFileSync(
    new URL(
      '../tests/fixtures/realdata/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml',
      import.meta.url,
    ),
    'utf8',
  )
  const imp = timeMs(() => importText('dgx2h.xml', dgxText), 3)
  if (!imp.result.ok) throw new Error('DGX-2H import failed')
  r.figure({ name: 'DGX-2H hwloc XML: import (183 KB, 324 PCI devices)', value: imp.ms, unit: 'ms' })
  const dgxLab = imp.result.lab
  const b1 = timeMs(() => build(dgxLab.machine, dgxLab.settings), 3)
  r.figure({ name: 'DGX-2H: buildMachine (enumeration, BARs, ACS)', value: b1.ms, unit: 'ms' })
  const d1 = timeMs(() => computeMatrix(b1.result), 3)
  r.figure({ name: `DGX-2H: detailed matrix (${d1.result.pairs.length} pairs)`, value: d1.ms, unit: 'ms' })
  const c1 = timeMs(() => compactMatrix(b1.result), 5)
  r.figure({ name: `DGX-2H: compact matrix (${c1.result.mapType.length} pairs)`, value: c1.ms, unit: 'ms' })
  r.figure({
    name: 'DGX-2H: detailed / compact time ratio',
    value: d1.ms / Math.max(c1.ms, 0.001),
    unit: '×',
  })

  for (const n of [1024, 4096]) {
    const spec = syntheticMachine(n)
    const bs = timeMs(() => build(spec, { ...DEFAULT_SETTINGS, iommu: true }), 1)
    r.figure({
      name: `synthetic ${n} endpoints (${spec.nodes.length} nodes): buildMachine`,
      value: bs.ms,
      unit: 'ms',
    })
    const mem = heapMiB(() => compactMatrix(bs.result))
    const cs = timeMs(() => compactMatrix(bs.result), 1)
    const pairs = cs.result.mapType.length
    r.figure({
      name: `synthetic ${n}: compact matrix (${pairs.toLocaleString('en-US')} pairs)`,
      value: cs.ms,
      unit: 'ms',
    })
    r.figure({
      name: `synthetic ${n}: compact matrix throughput`,
      value: pairs / cs.ms / 1000,
      unit: 'M pairs/s',
    })
    r.figure({ name: `synthetic ${n}: compact matrix memory`, value: mem.mib, unit: 'MiB' })
  }
}
