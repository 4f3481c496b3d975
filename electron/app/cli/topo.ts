/**
 * `lab topo <file>`: the machine as text, the way `lstopo --of console` prints its I/O tree (one
 * line per host bridge, port and function, indented by depth; ids, bus ranges, BARs, ACS, p2pmem).
 * The same text as the app's topology "Text" download (topology.text), from the same two
 * functions: nodeViews() and topologyText().
 */
import { isProvider } from '../../engine/index'
import { nodeViews } from '../views/nodes'
import { topologyText } from '../views/topo-text'
import { UsageError, type ParsedArgs } from './args'
import type { CliIo } from './io'
import { applyOptions, loadLab, machineFor } from './lab-input'

export function cmdTopo(io: CliIo, args: ParsedArgs): number {
  const file = args.positional[1]
  if (!file) throw new UsageError('topo needs a file')
  const loaded = loadLab(io, file)
  const configured = applyOptions(loaded.lab, args.flags)
  const m = machineFor(configured, file, loaded)
  for (const note of new Set([...loaded.notes, ...m.assumptions])) io.stderr(`note: ${note}\n`)
  io.stdout(topologyText(configured, nodeViews(m, configured.machine, isProvider)))
  return 0
}
