/**
 * The ~1 000-node lab the editor's panning is measured (bench/renderer.ts) and tested
 * (tests/e2e/panning.e2e.test.ts) on: 480 endpoints behind 15 switches of 32 ports. Only 8 endpoints
 * keep a BAR, so the P2P matrix stays small and the canvas is what is exercised.
 */
import { syntheticMachine } from '../../electron/engine/index'
import { DEFAULT_SETTINGS, LAB_FORMAT, LAB_SCHEMA_VERSION, type LabFile } from '../../shared/model/topology'

export function panningLab(): LabFile {
  const machine = syntheticMachine(480, { perSwitch: 32 })
  let keep = 8
  for (const n of machine.nodes) {
    if (n.endpoint && keep-- <= 0) n.endpoint = { ...n.endpoint, bars: [] }
    if (n.endpoint && n.endpoint.bars.length === 0) delete n.endpoint.p2pmemBar
  }
  return {
    format: LAB_FORMAT,
    schemaVersion: LAB_SCHEMA_VERSION,
    name: 'synthetic 1000 nodes',
    machine,
    settings: { ...DEFAULT_SETTINGS },
  }
}
