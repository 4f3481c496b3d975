/**
 * Loading a command's input as a lab: any supported format, detected from the content; the
 * command-line options applied on top (--era, --cpu, --iommu, --disable-acs-redir); the machine
 * built, with every issue located in the file (line and column) when the input was a lab file.
 */
import { importText, buildMachine, cpuPreset, CPU_PRESETS, type Machine } from '../../engine/index'
import { ERAS, type Era, type InputIssue, type LabFile } from '../../../shared/model/topology'
import { jsonPathLocation, locateIssues } from '../files/json-locate'
import { InputError, readInput, UsageError, type ParsedArgs } from './args'
import type { CliIo } from './io'

export interface LoadedInput {
  lab: LabFile
  notes: string[]
  text: string
  isLab: boolean
}

/**
 * Issues of a lab file get a line and column: a JSON path (schema error) is looked up in the text,
 * a node id (a topology rule) points at that node's object in machine.nodes.
 */
export function located(text: string, lab: LabFile | null, issues: InputIssue[]): InputIssue[] {
  const nodes = lab?.machine.nodes ?? []
  // buildMachine's paths are relative to the machine ('nodes[4].parent').
  const inFile = issues.map((i) =>
    i.source === 'topology' && i.path && i.line === undefined ? { ...i, path: `machine.${i.path}` } : i,
  )
  return locateIssues(text, inFile).map((i) => {
    if (i.line !== undefined || !i.nodeId) return i
    const at = nodes.findIndex((n) => n.id === i.nodeId)
    return at < 0 ? i : { ...i, ...jsonPathLocation(text, ['machine', 'nodes', at]) }
  })
}

export function loadLab(io: CliIo, file: string): LoadedInput {
  const text = readInput(io, file)
  const r = importText(file, text)
  if (!r.ok) throw new InputError(file, located(text, null, r.issues))
  const notes: string[] = []
  if (r.report.format !== 'lab') {
    notes.push(`imported ${file} as ${r.report.format}`)
    for (const c of r.report.cannotCarry) notes.push(`format cannot carry: ${c}`)
    for (const a of r.report.assumed) notes.push(`assumed: ${a}`)
  }
  for (const w of r.report.warnings) notes.push(`warning: ${w}`)
  return { lab: r.lab, notes, text, isLab: r.report.format === 'lab' }
}

/** buildMachine's issues, located in the lab file when the input was one. */
export function buildIssues(
  loaded: { text: string; lab: LabFile; isLab: boolean },
  issues: InputIssue[],
): InputIssue[] {
  return loaded.isLab ? located(loaded.text, loaded.lab, issues) : issues
}

export function applyOptions(lab: LabFile, flags: ParsedArgs['flags']): LabFile {
  const settings = { ...lab.settings }
  let cpu = lab.machine.cpu
  const era = flags.get('--era')
  if (era !== undefined) {
    if (typeof era !== 'string' || !(ERAS as readonly string[]).includes(era))
      throw new UsageError(`--era must be one of ${ERAS.join(', ')}`)
    settings.era = era as Era
  }
  const c = flags.get('--cpu')
  if (c !== undefined) {
    const preset = typeof c === 'string' ? cpuPreset(c) : undefined
    if (!preset) throw new UsageError(`--cpu must be one of ${CPU_PRESETS.map((p) => p.key).join(', ')}`)
    cpu = { ...preset.cpu }
  }
  const iommu = flags.get('--iommu')
  if (iommu !== undefined) {
    if (iommu !== 'on' && iommu !== 'off') throw new UsageError('--iommu must be on or off')
    settings.iommu = iommu === 'on'
  }
  const acs = flags.get('--disable-acs-redir')
  if (acs !== undefined) {
    if (typeof acs !== 'string') throw new UsageError('--disable-acs-redir needs a value')
    settings.disableAcsRedir = acs
  }
  return { ...lab, settings, machine: { ...lab.machine, cpu } }
}

export function machineFor(
  lab: LabFile,
  file: string,
  loaded: { text: string; lab: LabFile; isLab: boolean },
): Machine {
  const built = buildMachine(lab.machine, lab.settings)
  if (!built.ok) throw new InputError(file, buildIssues(loaded, built.issues))
  return built.machine
}
