/**
 * The headless CLI (`npm run lab -- …`). All logic is here, behind a tiny I/O interface, so tests
 * run it in-process; electron/app/cli/main.ts binds it to the real process (argv, files, exit code).
 *
 * Exit codes: 0 success, 1 a checked expectation was not met, 2 bad input or bad usage, 3 internal error.
 */
import {
  importText,
  serializeLab,
  buildMachine,
  explainPair,
  isEndpoint,
  isProvider,
  matrixAssumptions,
  matrixVerdicts,
  p2pJsonPairs,
  p2pRules,
  eraInfos,
  SOURCES,
  sourceInfo,
  sourceKeys,
  qemuCommand,
  CPU_PRESETS,
  cpuPreset,
  type Machine,
} from '../../engine/index'
import { namesByBdf } from '../views/nodes'
import { runCommand } from './run'
import { exercisesCommand } from './exercises'
import { CliFileError, type CliIo } from './io'
import { jsonPathLocation, locateIssues } from '../files/json-locate'

export type { CliIo } from './io'
import {
  DEFAULT_SETTINGS,
  ERAS,
  type Era,
  type InputIssue,
  type LabFile,
} from '../../../shared/model/topology'
import type { PairVerdict } from '../../../shared/model/p2p'

export const HELP = `P2P DMA Lab — headless command line

Usage:
  npm run lab -- <command> [options]

Commands:
  p2p <file>                 Print the kernel's P2P verdict for every provider/client pair
                             (providers = endpoints with a memory BAR; clients = every endpoint).
      --era <era>            Kernel era (default: the file's, else ${DEFAULT_SETTINGS.era}). One of:
                             ${ERAS.join(', ')}
      --cpu <cpu>            ${CPU_PRESETS.map((p) => p.key).join(' | ')}
                             (default: the file's CPU, else inferred from the host bridges;
                             the assumption is reported on stderr)
      --iommu on|off         An IOMMU driver enabled ACS redirect on every capable port
      --disable-acs-redir L  The value of pci=disable_acs_redir= (e.g. "0000:02:00.0;0000:02:01.0")
      --json                 Stable JSON: {"era", "pairs": [{"provider", "client", "mapType",
                             "distance", "acsRedirect", "warnings", "name": {"provider",
                             "client"}}]}, streamed pair by pair (bounded memory)
  explain <file> <provider> <client>
                             Why the kernel decides what it does for one pair (BDFs), with the
                             kernel function, source file and era of every decision.
  import <file> -o <out.p2plab>
                             Convert any supported input into a lab file, and report what the
                             format could not carry and what was assumed.
  run [<lab-or-scenario-file>]
                             Run every scenario of a lab (or a bare scenario file on the default
                             lab; no file: the default lab and its course) headless: each
                             operation expands into the kernel call tree.
      --era <era>            Run in another era
      --trace                Print every step (enter, check, mutate, return, fail)
      --json                 {"scenarios": [{"name", "era", "operations": [{"op", "ret",
                             "errno", "ok"}], "expectationsMet"}]}
                             Workshop exercises are checked too: every answer must be what
                             the engine produces, in every era the exercise names (adds
                             "exercises": [{"id", "kind", "answer", "ok", "actual", "problems"}]).
                             Exit 1 when an expected outcome is not met or an answer is wrong.
  exercises [<file>]         List a lab's workshop exercises (no file: the default lab's
                             built-in course "The 2019 P2P debate, hands on").
      --json                 {"exercises": [{"scenario", "id", "kind", "question", "choices"}]}
      --answers              Also print each answer and its explanation
  eras                       List the kernel eras and what changed in each.
  sources                    What the source keys in decisions mean (S1 … S16, oracle): the
                             repository, file, commit and era each was read from.
  qemu <file>                A QEMU q35 command line reproducing the lab's PCIe tree (every
                             endpoint an NVMe with a CMB), what QEMU cannot reproduce and how the
                             oracle compensates; takes --era/--cpu/--iommu/--disable-acs-redir.
      --json                 {"argv", "shell", "devices", "kernelParams", "cannotReproduce", ...}
                             (npm run oracle -- <file> boots it with a real kernel)

<file> is a lab file (.p2plab JSON) or a real machine's topology: \`lspci -vvv\` (-nn),
\`lspci -tv\`, hwloc XML (v2 or v3), \`nvidia-smi topo -m\`, or an NCCL topology XML.
The format is detected from the content.

Exit codes: 0 success, 1 an expectation was not met, 2 bad input or usage (the message names
the file and the line or element), 3 internal error.
`

class UsageError extends Error {}

interface ParsedArgs {
  positional: string[]
  flags: Map<string, string | true>
}

function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = []
  const flags = new Map<string, string | true>()
  const takesValue = new Set(['--era', '--cpu', '--iommu', '--disable-acs-redir', '-o', '--out'])
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=')
      if (eq > 0) {
        flags.set(a.slice(0, eq), a.slice(eq + 1))
      } else if (takesValue.has(a)) {
        const v = argv[++i]
        if (v === undefined) throw new UsageError(`${a} needs a value`)
        flags.set(a, v)
      } else {
        flags.set(a, true)
      }
    } else {
      positional.push(a)
    }
  }
  return { positional, flags }
}

function formatIssues(file: string, issues: InputIssue[]): string {
  return issues
    .slice(0, 20)
    .map((i) => {
      const where =
        i.line !== undefined ? `${file}:${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : file
      const what = i.nodeId ? ` (node "${i.nodeId}")` : i.path ? ` (at ${i.path})` : ''
      return `error: ${where}: ${i.message}${what}`
    })
    .concat(issues.length > 20 ? [`error: … and ${issues.length - 20} more`] : [])
    .join('\n')
}

class InputError extends Error {
  constructor(
    readonly file: string,
    readonly issues: InputIssue[],
  ) {
    super(formatIssues(file, issues))
  }
}

/** Read `file` through the CLI's I/O; a failure is an InputError, located when the error knows where. */
export function readInput(io: CliIo, file: string): string {
  try {
    return io.readFile(file)
  } catch (e) {
    if (e instanceof CliFileError && e.line !== undefined)
      throw new InputError(file, [{ source: file, line: e.line, column: e.column ?? 1, message: e.message }])
    throw new InputError(file, [{ source: file, message: `cannot read: ${(e as Error).message}` }])
  }
}

/**
 * Issues of a lab file get a line and column: a JSON path (schema error) is looked up in the text,
 * a node id (a topology rule) points at that node's object in machine.nodes.
 */
function located(text: string, lab: LabFile | null, issues: InputIssue[]): InputIssue[] {
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

function loadLab(io: CliIo, file: string): { lab: LabFile; notes: string[]; text: string; isLab: boolean } {
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
function buildIssues(
  loaded: { text: string; lab: LabFile; isLab: boolean },
  issues: InputIssue[],
): InputIssue[] {
  return loaded.isLab ? located(loaded.text, loaded.lab, issues) : issues
}

function applyOptions(lab: LabFile, flags: ParsedArgs['flags']): LabFile {
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

function machineFor(
  lab: LabFile,
  file: string,
  loaded: { text: string; lab: LabFile; isLab: boolean },
): Machine {
  const built = buildMachine(lab.machine, lab.settings)
  if (!built.ok) throw new InputError(file, buildIssues(loaded, built.issues))
  return built.machine
}

function cell(v: PairVerdict, raw: boolean): string {
  if (raw) return v.distance >= 0 ? `ok ${v.distance}` : `${v.distance}`
  switch (v.mapType) {
    case 'BUS_ADDR':
      return `BUS ${v.distance}`
    case 'THRU_HOST_BRIDGE':
      return `HOST ${v.distance}`
    case 'NOT_SUPPORTED':
      return `no`
    default:
      return v.mapType
  }
}

/** Collects output into chunks of about 64 KiB, so a matrix of millions of pairs is a few thousand writes. */
class ChunkedOut {
  private buf: string[] = []
  private size = 0
  constructor(private readonly io: CliIo) {}
  write(text: string): void {
    this.buf.push(text)
    this.size += text.length
    if (this.size >= 65536) this.flush()
  }
  flush(): void {
    if (this.buf.length) this.io.stdout(this.buf.join(''))
    this.buf = []
    this.size = 0
  }
}

/** At most this many distinct kernel log lines are kept for the text output's summary. */
const LOG_SUMMARY = 12

/**
 * The text table. Small matrices (at most 12 clients) print as a grid with names; larger ones one
 * line per pair, streamed (nothing but the current pair is held).
 */
function printMatrixText(io: CliIo, m: Machine, names: Map<string, string>): void {
  const raw = isRawEraOf(m)
  const endpoints = [...m.devs.values()].filter(isEndpoint)
  const providers = endpoints.filter(isProvider)
  const nm = (bdf: string): string => names.get(bdf) ?? ''
  io.stdout(
    `era ${m.settings.era} · CPU ${m.cpu.vendor} family 0x${m.cpu.family.toString(16)}${m.cpuInferred ? ' (inferred)' : ''} · IOMMU ${m.settings.iommu ? 'on' : 'off'}\n`,
  )
  io.stdout(`${providers.length} providers × ${endpoints.length} clients\n\n`)
  const out = new ChunkedOut(io)
  const log: string[] = [...m.bootLog]
  const seen = new Set(log)
  let moreLog = 0
  const keepLog = (lines: string[]): void => {
    for (const l of lines) {
      if (seen.has(l)) continue
      if (log.length < LOG_SUMMARY) {
        log.push(l)
        seen.add(l)
      } else moreLog++
    }
  }
  if (endpoints.length <= 12) {
    const w = 10
    const first = 20
    out.write(
      'provider \\ client'.padEnd(first) + endpoints.map((c) => c.bdf.slice(5).padEnd(w)).join('') + '\n',
    )
    const it = matrixVerdicts(m)
    for (const p of providers) {
      const cells: string[] = []
      for (let k = 0; k < endpoints.length; k++) {
        const v = it.next().value as PairVerdict
        keepLog(v.warnings)
        cells.push(cell(v, raw).padEnd(w))
      }
      out.write(p.bdf.padEnd(first) + cells.join('').trimEnd() + '\n')
    }
    out.write('\n')
    for (const d of endpoints) out.write(`${d.bdf}  ${nm(d.bdf)}\n`)
    out.write(
      '\nBUS = PCI_P2PDMA_MAP_BUS_ADDR, HOST = PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, no = NOT_SUPPORTED; the number is the distance.\n',
    )
    if (raw)
      out.write(
        'v5.x: "ok N" = upstream_bridge_distance() returned N; -1 = no common upstream bridge, -2 = ACS redirect.\n',
      )
  } else {
    for (const v of matrixVerdicts(m)) {
      keepLog(v.warnings)
      out.write(
        `${v.provider} -> ${v.client}  ${cell(v, raw).padEnd(8)} ${nm(v.provider)} -> ${nm(v.client)}\n`,
      )
    }
  }
  if (log.length) {
    out.write('\nkernel log:\n')
    for (const l of log) out.write(`  ${l}\n`)
    if (moreLog > 0)
      out.write(`  … ${moreLog} more lines (all of them with --json, or per pair with \`explain\`)\n`)
  }
  out.flush()
}

/**
 * `p2p --json`, streamed: the same text JSON.stringify(obj, null, 2) would give for
 * {era, pairs}, written pair by pair, so memory stays bounded however many pairs there are.
 * Each pair carries `name` (what the provider and the client are called) beside the stable fields.
 */
function printMatrixJson(io: CliIo, m: Machine, names: Map<string, string>): void {
  const out = new ChunkedOut(io)
  out.write(`{\n  "era": ${JSON.stringify(m.settings.era)},\n  "pairs": [`)
  let first = true
  for (const p of p2pJsonPairs(m)) {
    const withName = {
      ...p,
      name: { provider: names.get(p.provider) ?? '', client: names.get(p.client) ?? '' },
    }
    const text = JSON.stringify(withName, null, 2).replace(/\n/g, '\n    ')
    out.write(`${first ? '\n' : ',\n'}    ${text}`)
    first = false
  }
  out.write(first ? ']\n}\n' : '\n  ]\n}\n')
  out.flush()
}

function isRawEraOf(m: Machine): boolean {
  return !p2pRules(m.settings.era).hasMapTypes
}

function cmdP2p(io: CliIo, args: ParsedArgs): number {
  const file = args.positional[1]
  if (!file) throw new UsageError('p2p needs a file')
  const loaded = loadLab(io, file)
  const { lab, notes } = loaded
  const configured = applyOptions(lab, args.flags)
  const m = machineFor(configured, file, loaded)
  const assumptions = [...notes, ...matrixAssumptions(m), ...m.assumptions]
  if (m.cpuInferred && !args.flags.has('--cpu')) assumptions.push(`CPU: ${m.cpuWhy}`)
  for (const a of new Set(assumptions)) io.stderr(`note: ${a}\n`)
  const names = namesByBdf(m, configured.machine)
  if (args.flags.get('--json') === true) printMatrixJson(io, m, names)
  else printMatrixText(io, m, names)
  return 0
}

function cmdExplain(io: CliIo, args: ParsedArgs): number {
  const [, file, provider, client] = args.positional
  if (!file || !provider || !client) throw new UsageError('explain needs <file> <provider-bdf> <client-bdf>')
  const loaded = loadLab(io, file)
  const configured = applyOptions(loaded.lab, args.flags)
  const built = buildMachine(configured.machine, configured.settings)
  if (!built.ok) throw new InputError(file, buildIssues(loaded, built.issues))
  const norm = (b: string) => (/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(b) ? `0000:${b}` : b).toLowerCase()
  const v = explainPair(built.machine, norm(provider), norm(client))
  if (!v)
    throw new UsageError(
      `no such provider/client pair: ${provider} ${client} (providers are endpoints with a memory BAR)`,
    )
  if (args.flags.get('--json') === true) {
    io.stdout(JSON.stringify(v, null, 2) + '\n')
    return 0
  }
  io.stdout(
    `${v.provider} -> ${v.client}: ${v.mapType}, distance ${v.distance}, distance_many score ${v.score}\n`,
  )
  io.stdout(`path: ${v.path.map((id) => built.machine.devs.get(id)?.bdf ?? id).join(' → ')}\n`)
  io.stdout(
    `common upstream bridge: ${v.commonUpstream ? built.machine.devs.get(v.commonUpstream)?.bdf : 'none (through the host bridge)'}\n`,
  )
  if (v.acsRedirect.length) io.stdout(`ACS redirect on: ${v.acsRedirect.join(', ')}\n`)
  io.stdout(`nvidia-smi topo -m level: ${v.smiLevel}\n\ndecisions:\n`)
  for (const d of v.decisions) {
    const mark = d.ok === null ? '·' : d.ok ? '✓' : '✗'
    io.stdout(`  ${mark} ${d.fn}() [${d.file}, ${d.eras}, ${d.source}]\n      ${d.text}\n`)
  }
  if (v.warnings.length) {
    io.stdout('\nkernel log:\n')
    for (const w of v.warnings) io.stdout(`  ${w}\n`)
  }
  const keys = [...new Set(v.decisions.flatMap((d) => sourceKeys(d.source)))]
  if (keys.length) {
    io.stdout('\nsources:\n')
    for (const k of keys) io.stdout(`  ${k.padEnd(6)} ${sourceLine(k)}\n`)
  }
  return 0
}

/** One line saying what a source key is (electron/engine/sources.ts, docs/kernel/sources.md). */
function sourceLine(key: string): string {
  const s = sourceInfo(key)
  if (!s) return 'not defined'
  const where = [s.repo, s.paths.join(', '), s.commit ? `@ ${s.commit.slice(0, 12)}` : ''].filter(Boolean)
  return `${s.title}${where.length ? ` — ${where.join(' ')}` : ''} (${s.era})`
}

function cmdImport(io: CliIo, args: ParsedArgs): number {
  const file = args.positional[1]
  const out = args.flags.get('-o') ?? args.flags.get('--out')
  if (!file) throw new UsageError('import needs a file')
  const text = readInput(io, file)
  const r = importText(file, text)
  if (!r.ok) throw new InputError(file, located(text, null, r.issues))
  const built = buildMachine(r.lab.machine, r.lab.settings)
  if (!built.ok)
    throw new InputError(
      file,
      buildIssues({ text, lab: r.lab, isLab: r.report.format === 'lab' }, built.issues),
    )
  const rep = r.report
  io.stderr(
    `imported ${file} as ${rep.format}: ${Object.entries(rep.counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}\n`,
  )
  for (const c of rep.cannotCarry) io.stderr(`format cannot carry: ${c}\n`)
  for (const a of rep.assumed) io.stderr(`assumed: ${a}\n`)
  for (const w of rep.warnings) io.stderr(`warning: ${w}\n`)
  const text2 = serializeLab(r.lab)
  if (typeof out === 'string') {
    try {
      io.writeFile(out, text2)
    } catch (e) {
      // The save rules' own message says what happened and that the file on disk is unchanged.
      const message = e instanceof CliFileError ? e.message : `cannot write: ${(e as Error).message}`
      throw new InputError(out, [{ source: out, message }])
    }
    io.stderr(`wrote ${out}\n`)
  } else {
    io.stdout(text2)
  }
  return 0
}

function cmdQemu(io: CliIo, args: ParsedArgs): number {
  const file = args.positional[1]
  if (!file) throw new UsageError('qemu needs a file')
  const loaded = loadLab(io, file)
  const configured = applyOptions(loaded.lab, args.flags)
  const built = buildMachine(configured.machine, configured.settings)
  if (!built.ok) throw new InputError(file, buildIssues(loaded, built.issues))
  for (const n of loaded.notes) io.stderr(`note: ${n}\n`)
  let e
  try {
    e = qemuCommand(built.machine, { kernel: 'vmlinuz', initrd: 'initrd.img', append: ['console=ttyS0'] })
  } catch (err) {
    throw new InputError(file, [
      { source: file, message: `cannot export to QEMU: ${(err as Error).message}` },
    ])
  }
  if (args.flags.get('--json') === true) {
    io.stdout(JSON.stringify(e, null, 2) + '\n')
    return 0
  }
  io.stdout(e.shell + '\n\n')
  io.stdout(
    `CPU ${e.cpuModel}; ${e.nvme.length} NVMe controllers (disk images disks/diskN.img, one per endpoint)\n`,
  )
  io.stdout('devices (lab BDF -> guest BDF):\n')
  for (const d of e.devices)
    io.stdout(
      `  ${(d.bdfInLab || '-').padEnd(13)} -> ${d.guestBdf.padEnd(13)} ${d.role} ${d.qemuId}${d.serial ? ` serial=${d.serial}` : ''}\n`,
    )
  io.stdout('\nQEMU cannot reproduce:\n')
  for (const c of e.cannotReproduce.length ? e.cannotReproduce : ['nothing known']) io.stdout(`  - ${c}\n`)
  io.stdout('\nhow the oracle compensates:\n')
  for (const c of e.compensations.length ? e.compensations : ['nothing needed']) io.stdout(`  - ${c}\n`)
  return 0
}

function cmdSources(io: CliIo): number {
  for (const s of SOURCES)
    io.stdout(`${s.key.padEnd(7)}${sourceLine(s.key)}${s.url ? `\n       ${s.url}` : ''}\n`)
  return 0
}

/** `lab eras`: every era oldest first, with its release, the distribution kernels it stands for, and its summary. */
function cmdEras(io: CliIo): number {
  for (const e of eraInfos()) {
    io.stdout(`${e.id.padEnd(10)} ${e.label}\n`)
    const pad = ' '.repeat(11)
    if (e.distros.length)
      io.stdout(
        `${pad}stands for: ${e.distros.map((d) => `${d.name} (${d.kernel}${d.verified ? '' : ', from memory'})`).join('; ')}\n`,
      )
    io.stdout(`${pad}${e.summary}\n`)
  }
  return 0
}

export function runCli(argv: string[], io: CliIo): number {
  try {
    const args = parseArgs(argv)
    const cmd = args.positional[0]
    if (args.flags.has('--version')) {
      io.stdout(`p2p-dma-lab ${io.version}\n`)
      return 0
    }
    if (!cmd || args.flags.has('--help') || args.flags.has('-h') || cmd === 'help') {
      io.stdout(HELP)
      return cmd || args.flags.has('--help') || args.flags.has('-h') ? 0 : 2
    }
    switch (cmd) {
      case 'p2p':
        return cmdP2p(io, args)
      case 'explain':
        return cmdExplain(io, args)
      case 'import':
        return cmdImport(io, args)
      case 'eras':
        return cmdEras(io)
      case 'sources':
        return cmdSources(io)
      case 'qemu':
        return cmdQemu(io, args)
      case 'run':
        return runCommand(argv, io)
      case 'exercises':
        return exercisesCommand(argv, io)
      default:
        throw new UsageError(`unknown command "${cmd}" (try --help)`)
    }
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr(e.message + '\n')
      return 2
    }
    if (e instanceof UsageError) {
      io.stderr(`usage error: ${e.message}\n`)
      return 2
    }
    io.stderr(
      `internal error (a bug in P2P DMA Lab, please report it): ${(e as Error).message ?? String(e)}\n`,
    )
    return 3
  }
}
