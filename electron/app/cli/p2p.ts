/**
 * `lab p2p`, `lab explain` and `lab import`: the P2P matrix of a lab or an imported machine (text
 * or streamed JSON), one pair's explanation, and conversion to a lab file.
 */
import {
  importText,
  serializeLab,
  buildMachine,
  explainPair,
  isEndpoint,
  isProvider,
  matrixModelNote,
  p2pJsonPairs,
  p2pJsonRows,
  p2pRules,
  sourceKeys,
  type Machine,
} from '../../engine/index'
import type { P2pJson } from '../../../shared/model/p2p'
import { namesByBdf } from '../views/nodes'
import { InputError, readInput, UsageError, type ParsedArgs } from './args'
import { CliFileError, type CliIo } from './io'
import { ByteOut, utf8 } from './out'
import { applyOptions, buildIssues, loadLab, located, machineFor } from './lab-input'
import { sourceLine } from './info'
import { captureSysfs, locateInCapture } from '../sysfs/read'

type JsonPair = P2pJson['pairs'][number]

function cell(v: JsonPair, raw: boolean): string {
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
    const it = p2pJsonPairs(m)
    for (const p of providers) {
      const cells: string[] = []
      for (let k = 0; k < endpoints.length; k++) {
        const v = it.next().value as JsonPair
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
    for (const v of p2pJsonPairs(m)) {
      keepLog(v.warnings)
      out.write(
        `${v.provider} -> ${v.client}  ${cell(v, raw).padEnd(8)} ${nm(v.provider)} -> ${nm(v.client)}\n`,
      )
    }
  }
  out.write(`${matrixModelNote(m)}\n`)
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
 * {era, pairs}, written pair by pair from p2pJsonRows() (no object per pair), so memory stays
 * bounded however many pairs there are.
 * Each pair carries `name` (what the provider and the client are called) beside the stable fields.
 * A pair is five byte strings encoded once (see JsonPieces), copied into the output chunk; only
 * the middle of a pair with an ACS list or warnings is put together as text for it.
 */
function printMatrixJson(io: CliIo, m: Machine, names: Map<string, string>): void {
  const out = new ByteOut(io)
  const pieces = new JsonPieces(names)
  out.text(`{\n  "era": ${JSON.stringify(m.settings.era)},\n  "pairs": [`)
  let first = true
  for (const row of p2pJsonRows(m)) {
    const a = pieces.device(row.provider.bdf)
    const clients = pieces.clients(row.clients)
    for (let c = 0; c < clients.length; c++) {
      const b = clients[c]!
      const full = row.hasListed ? row.listed(c) : null
      out.bytes(first ? a.head0 : a.head)
      out.bytes(b.asClient)
      // A pair with something to list is the only one whose middle is not shared with others.
      if (full) out.text(verdictText(full.mapType, full.distance, full.acsRedirect, full.warnings))
      else out.bytes(pieces.verdict(row.mapType[c]!, row.distance[c]!))
      out.bytes(a.nameAsProvider)
      out.bytes(b.nameAsClient)
      first = false
    }
  }
  out.text(first ? ']\n}\n' : '\n  ]\n}\n')
  out.flush()
}

/** A device's parts of a pair in `p2p --json`: its quoted BDF and name, and the pieces around them. */
interface DevicePieces {
  /** `,\n    {\n      "provider": "<bdf>",\n      "client": ` (head0: the first pair's, no comma) */
  head: Uint8Array
  head0: Uint8Array
  /** `"<bdf>",\n      "mapType": "` */
  asClient: Uint8Array
  /** `"<name>",\n        "client": ` */
  nameAsProvider: Uint8Array
  /** `"<name>"\n      }\n    }` */
  nameAsClient: Uint8Array
}

/**
 * The byte strings `p2p --json` is made of, each encoded once: per device (by BDF), and per
 * verdict with nothing listed (`BUS_ADDR", "distance": 4, … "provider": `). A pair is
 * head(provider) + asClient(client) + verdict + nameAsProvider(provider) + nameAsClient(client).
 */
class JsonPieces {
  private readonly devices = new Map<string, DevicePieces>()
  private readonly verdicts = new Map<string, Map<number, Uint8Array>>()
  private columns: readonly { bdf: string }[] = []
  private columnPieces: DevicePieces[] = []

  constructor(private readonly names: Map<string, string>) {}

  device(bdf: string): DevicePieces {
    let d = this.devices.get(bdf)
    if (!d) {
      const q = JSON.stringify(bdf)
      const name = JSON.stringify(this.names.get(bdf) ?? '')
      const head = `    {\n      "provider": ${q},\n      "client": `
      d = {
        head: utf8(',\n' + head),
        head0: utf8('\n' + head),
        asClient: utf8(`${q},\n      "mapType": "`),
        nameAsProvider: utf8(`${name},\n        "client": `),
        nameAsClient: utf8(`${name}\n      }\n    }`),
      }
      this.devices.set(bdf, d)
    }
    return d
  }

  /** The pieces of a row's clients, column by column (every row has the same clients). */
  clients(clients: readonly { bdf: string }[]): DevicePieces[] {
    if (clients !== this.columns) {
      this.columns = clients
      this.columnPieces = clients.map((c) => this.device(c.bdf))
    }
    return this.columnPieces
  }

  verdict(mapType: string, distance: number): Uint8Array {
    let byDistance = this.verdicts.get(mapType)
    if (!byDistance) this.verdicts.set(mapType, (byDistance = new Map()))
    let v = byDistance.get(distance)
    if (!v) byDistance.set(distance, (v = utf8(verdictText(mapType, distance, [], []))))
    return v
  }
}

/** The middle of a pair: from its map type to the provider's name (`BUS_ADDR", "distance": 4, … "provider": `). */
function verdictText(
  mapType: string,
  distance: number,
  acsRedirect: readonly string[],
  warnings: readonly string[],
): string {
  return `${mapType}",\n      "distance": ${distance},\n      "acsRedirect": ${list(acsRedirect)},\n      "warnings": ${list(warnings)},\n      "name": {\n        "provider": `
}

/** A list of strings as JSON.stringify(…, null, 2) prints it at a pair's field depth. */
function list(items: readonly string[]): string {
  if (items.length === 0) return '[]'
  return `[\n        ${items.map((x) => JSON.stringify(x)).join(',\n        ')}\n      ]`
}

function isRawEraOf(m: Machine): boolean {
  return !p2pRules(m.settings.era).hasMapTypes
}

export function cmdP2p(io: CliIo, args: ParsedArgs): number {
  const file = args.positional[1]
  if (!file) throw new UsageError('p2p needs a file')
  const loaded = loadLab(io, file)
  const { lab, notes } = loaded
  const configured = applyOptions(lab, args.flags)
  const m = machineFor(configured, file, loaded)
  // What the input left unsaid goes to stderr; how the matrix is computed is part of the table.
  const assumptions = [...notes, ...m.assumptions]
  if (m.cpuInferred && !args.flags.has('--cpu')) assumptions.push(`CPU: ${m.cpuWhy}`)
  for (const a of new Set(assumptions)) io.stderr(`note: ${a}\n`)
  const names = namesByBdf(m, configured.machine)
  if (args.flags.get('--json') === true) printMatrixJson(io, m, names)
  else printMatrixText(io, m, names)
  return 0
}

export function cmdExplain(io: CliIo, args: ParsedArgs): number {
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

/**
 * `import --this-machine` / `import --sysfs [ROOT]`: this machine's sysfs and /proc (or a copy of
 * them under ROOT) as the capture text the engine's sysfs importer parses.
 */
function sysfsInput(args: ParsedArgs): { file: string; text: string; root: string } | null {
  const flag = args.flags.get('--sysfs') ?? args.flags.get('--this-machine')
  if (flag === undefined) return null
  const root = typeof flag === 'string' ? flag : (args.positional[1] ?? '/')
  try {
    const cap = captureSysfs(root)
    return { file: cap.source, text: cap.text, root }
  } catch (e) {
    throw new InputError(root, [{ source: root, message: (e as Error).message }])
  }
}

export function cmdImport(io: CliIo, args: ParsedArgs): number {
  const sysfs = sysfsInput(args)
  const file = sysfs?.file ?? args.positional[1]
  const out = args.flags.get('-o') ?? args.flags.get('--out')
  if (!file) throw new UsageError('import needs a file (or --this-machine)')
  const text = sysfs?.text ?? readInput(io, file)
  const r = importText(file, text)
  if (!r.ok && sysfs) {
    // located in the sysfs file the capture read, not in the capture text nobody sees
    const at = locateInCapture(text, sysfs.root, r.issues[0]!)
    throw new InputError(at.source, [at])
  }
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
