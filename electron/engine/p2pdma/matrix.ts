/**
 * The P2P matrix: every provider × every client, each pair classified fresh with the era's rules,
 * as the kernel computes it at the pair's first mapping (verbose = true), plus the CLI's stable
 * JSON form.
 */
import type { Era } from '../../../shared/model/topology'
import type { Decision, P2pJson, P2pMatrix, PairVerdict } from '../../../shared/model/p2p'
import { eraGroup, eraSource, isIntDistanceEra, p2pRules } from '../era/index'
import type { Machine, PciDev } from '../topology/types'
import { compactRows, MAP_CODE } from './compact'
import { NONE, p2pdmaClassify, type PairDistance } from './distance'
import { dec, findPciDev } from './pci'
import { smiLevelOfPath } from './smi'

const FILE = 'drivers/pci/p2pdma.c'

/** An endpoint function (incl. a root-complex integrated endpoint); host bridge functions are not. */
export function isEndpoint(dev: PciDev): boolean {
  return dev.kind === 'endpoint' && (dev.pcieType === 'endpoint' || dev.pcieType === 'rc_endpoint')
}

/**
 * isProvider - could the function register p2pmem: an endpoint with a memory BAR
 * (pci_p2pdma_add_resource() refuses I/O BARs with -EINVAL).
 */
export function isProvider(dev: PciDev): boolean {
  return isEndpoint(dev) && dev.bars.some((b) => !b.io && b.size > 0)
}

/**
 * p2pmemPublished - a driver registers this function's memory as p2pmem: pci_p2pdma_add_resource()
 * on the lab's p2pmemBar (in-tree, only nvme_map_cmb() in drivers/nvme/host/pci.c does, for a
 * controller memory buffer; any other driver only when the lab says so). Other providers have a
 * memory BAR a driver *could* publish, which the kernel does not know about: "BAR (not published)".
 */
export function p2pmemPublished(dev: PciDev): boolean {
  return isProvider(dev) && dev.endpoint?.p2pmemBar !== undefined
}

function eraNote(era: Era): Decision | null {
  const base = { fn: 'pci_p2pdma_map_type', file: FILE, eras: eraGroup(era), source: eraSource(era) }
  const rules = p2pRules(era)
  if (rules.family === 'calc_map_type_and_dist') {
    return dec(
      base,
      "computed at the pair's first DMA mapping: pci_p2pdma_map_type() finds no cache entry and calls calc_map_type_and_dist(verbose = true), then caches the result; later ACS changes do not change it",
      null,
      'pci_p2pdma_map_type',
    )
  }
  if (rules.family === 'upstream_bridge_distance_map') {
    return dec(
      base,
      'shown as pci_p2pdma_distance(provider, client, true) would compute and cache it; in 5.4 pci_p2pdma_map_type() only reads that cache, so a client whose driver maps without a prior distance call gets UNKNOWN and pci_p2pdma_map_sg_attrs() fails (WARN_ON_ONCE, returns 0)',
      null,
      'pci_p2pdma_map_type',
    )
  }
  return dec(
    base,
    (rules.rfcTestP2p ? 'RFC pci_test_p2p() would use this same upstream_bridge_distance() value. ' : '') +
      'no map types in this era: a value >= 0 means the client driver may map with pci_p2pdma_map_sg() (bus addresses); < 0 means refused. Shown as upstream_bridge_distance_warn() computes it',
    null,
    'pci_p2pdma_distance_many',
  )
}

/** The PairVerdict of one classified pair. */
function verdictOf(m: Machine, r: PairDistance, note: Decision | null): PairVerdict {
  const intEra = isIntDistanceEra(r.era)
  return {
    provider: r.provider,
    client: r.client,
    providerId: r.providerId,
    clientId: r.clientId,
    mapType: r.mapType,
    distance: intEra ? r.ret : r.dist,
    score: r.notSupported ? -1 : r.ret,
    acsRedirect: r.acsList,
    warnings: r.logs,
    path: r.path,
    commonUpstream: r.common,
    hostBridges: r.hostBridges,
    smiLevel: smiLevelOfPath(m, r),
    decisions: note ? [...r.decisions, note] : r.decisions,
  }
}

/**
 * pairVerdict - one (provider, client) pair, computed fresh as at its first mapping.
 * v5.x: upstream_bridge_distance_warn(); v5.4: the S3 upstream_bridge_distance_warn(); v6.0+:
 * calc_map_type_and_dist(verbose = true), which is what pci_p2pdma_map_type() runs on a cache miss.
 */
export function pairVerdict(m: Machine, provider: PciDev, client: PciDev): PairVerdict {
  const era = m.settings.era
  return verdictOf(m, p2pdmaClassify(m, provider.id, client.id, true, era), eraNote(era))
}

/** Above this many pairs computeMatrix() leaves `decisions` empty unless asked (explainPair() has them). */
export const EXPLAIN_LIMIT = 20_000

export interface MatrixOptions {
  /** Build the Decision list of every pair; default: only when providers × clients <= EXPLAIN_LIMIT. */
  explain?: boolean
}

/**
 * computeMatrix - providers × clients for the machine's era.
 * Providers: endpoints with a memory BAR (isProvider). Clients: every endpoint, self pairs included.
 * Each pair is computed independently (no cache carried between pairs), with verbose = true, so
 * every pair lists the warnings the kernel prints at that pair's first mapping. Upstream chains
 * are memoized per device, so a pair costs one chain lookup per provider-side hop.
 */
export function computeMatrix(m: Machine, opts: MatrixOptions = {}): P2pMatrix {
  const era = m.settings.era
  const endpoints: PciDev[] = []
  for (const d of m.devs.values()) if (isEndpoint(d)) endpoints.push(d)
  const providers = endpoints.filter(isProvider)
  const total = providers.length * endpoints.length
  const explain = opts.explain ?? total <= EXPLAIN_LIMIT
  const note = explain ? eraNote(era) : null
  const pairs: PairVerdict[] = []
  for (const p of providers) {
    for (const c of endpoints)
      pairs.push(verdictOf(m, p2pdmaClassify(m, p.id, c.id, true, era, explain), note))
  }
  const assumptions = matrixAssumptions(m)
  if (!explain)
    assumptions.push(
      `decisions omitted from the ${total} matrix cells (more than ${EXPLAIN_LIMIT}); explainPair() gives them per pair`,
    )
  return {
    era,
    cpu: { vendor: m.cpu.vendor, family: m.cpu.family, inferred: m.cpuInferred, why: m.cpuWhy },
    iommu: m.settings.iommu,
    distanceIsReturnValue: isIntDistanceEra(era),
    providers: providers.map((d) => d.bdf),
    clients: endpoints.map((d) => d.bdf),
    pairs,
    bootLog: m.bootLog,
    assumptions,
  }
}

/** What every matrix of this machine assumes: the machine's assumptions and how pairs are computed. */
export function matrixAssumptions(m: Machine): string[] {
  return [...m.assumptions, matrixModelNote(m)]
}

/**
 * How the matrix classifies in this era (not an assumption about the input): v5.x eras show the raw
 * upstream_bridge_distance() value; later eras classify each pair fresh with verbose = true.
 */
export function matrixModelNote(m: Machine): string {
  const era = m.settings.era
  return isIntDistanceEra(era)
    ? `${era}: each pair's distance is the raw upstream_bridge_distance() value (-1 no common upstream bridge, -2 ACS redirect)`
    : `${era}: each pair is classified fresh with verbose = true, as at its first mapping; nothing is cached between pairs`
}

/**
 * matrixVerdicts - the pairs of computeMatrix(m, { explain: false }), in the same order, one at a
 * time: nothing but the current pair is held, so a caller that writes each pair out (the CLI's
 * `p2p`) runs in bounded memory whatever the machine's size.
 */
export function* matrixVerdicts(m: Machine): Generator<PairVerdict> {
  const era = m.settings.era
  const endpoints: PciDev[] = []
  for (const d of m.devs.values()) if (isEndpoint(d)) endpoints.push(d)
  for (const p of endpoints) {
    if (!isProvider(p)) continue
    for (const c of endpoints) yield verdictOf(m, p2pdmaClassify(m, p.id, c.id, true, era, false), null)
  }
}

/**
 * explainPair - the verdict for one pair, by node id or BDF; null when the provider is not a
 * provider (isProvider) or the client is not an endpoint.
 */
export function explainPair(m: Machine, providerBdf: string, clientBdf: string): PairVerdict | null {
  const p = findPciDev(m, providerBdf)
  const c = findPciDev(m, clientBdf)
  if (!p || !c || !isProvider(p) || !isEndpoint(c)) return null
  return pairVerdict(m, p, c)
}

/**
 * verdictFor - one pair by BDF (or node id) without the decision list: what a matrix cell shows
 * (map type, distance, ACS redirect, log lines, path, nvidia-smi level) at a fraction of
 * explainPair()'s cost. null when the provider is not a provider or the client not an endpoint.
 */
export function verdictFor(m: Machine, providerBdf: string, clientBdf: string): PairVerdict | null {
  const p = findPciDev(m, providerBdf)
  const c = findPciDev(m, clientBdf)
  if (!p || !c || !isProvider(p) || !isEndpoint(c)) return null
  return verdictOf(m, p2pdmaClassify(m, p.id, c.id, true, m.settings.era, false), null)
}

/**
 * toP2pJson - the stable `lab p2p --json` form.
 * v5.0/v5.0-rfc/v5.2: mapType derived from the int (>= 0 BUS_ADDR, < 0 NOT_SUPPORTED) and distance =
 * the raw return value (-1, -2, dist or 0x1000 + dist). 5.4+: the map type and computed distance.
 */
export function toP2pJson(matrix: P2pMatrix): P2pJson {
  const intEra = isIntDistanceEra(matrix.era)
  return { era: matrix.era, pairs: matrix.pairs.map((p) => jsonPair(p, intEra)) }
}

type P2pJsonPair = P2pJson['pairs'][number]

function jsonPair(p: PairVerdict, intEra: boolean): P2pJsonPair {
  return {
    provider: p.provider,
    client: p.client,
    mapType: intEra
      ? p.distance >= 0
        ? 'BUS_ADDR'
        : 'NOT_SUPPORTED'
      : p.mapType === 'BUS_ADDR' || p.mapType === 'THRU_HOST_BRIDGE'
        ? p.mapType
        : 'NOT_SUPPORTED',
    distance: p.distance,
    acsRedirect: p.acsRedirect,
    warnings: p.warnings,
  }
}

/**
 * One provider's row of `lab p2p --json`: the compact walk's verdict for every client (the arrays
 * are overwritten by the next row), and listed(c), the pair in full for a column that has
 * something to list. See p2pJsonRows().
 */
export interface P2pJsonRow {
  provider: PciDev
  /** Every endpoint, in enumeration order (the columns). */
  clients: readonly PciDev[]
  /** The stable mapType per column: 'BUS_ADDR', 'THRU_HOST_BRIDGE' or 'NOT_SUPPORTED'. */
  mapType: readonly P2pJsonPair['mapType'][]
  /** The stable distance per column (v5.0/v5.2: the raw int; 5.4+: the computed distance). */
  distance: Int16Array
  /**
   * The column's pair in full (acsRedirect and warnings from a verbose p2pdmaClassify()) when it
   * can have something to list — ACS redirect on its path, or NOT_SUPPORTED — else null: such a
   * pair is `{provider, client, mapType[c], distance[c], acsRedirect: [], warnings: []}`.
   */
  listed(c: number): P2pJsonPair | null
  /** False when no column of the row has anything to list: listed() would give null for each. */
  hasListed: boolean
}

const JSON_MAP_TYPE: P2pJsonPair['mapType'][] = ['NOT_SUPPORTED', 'BUS_ADDR', 'THRU_HOST_BRIDGE']

/**
 * p2pJsonRows - toP2pJson(computeMatrix(m)) one provider row at a time, without an object per
 * pair: what the CLI's `p2p --json` writes out, and what p2pJsonPairs() yields pair by pair.
 *
 * Fast: the verdicts come from the compact walk (compactRows). A pair that can have something to
 * list — ACS redirect on its path, or NOT_SUPPORTED (the kernel's warning lines, the whitelist's) —
 * is classified again in full (p2pdmaClassify, verbose, no explanation) when listed() asks for it;
 * every other pair has none (see distance.ts: the log lines and the ACS list come only from those
 * two cases). The compact walk's map type for such a pair is the detailed one (compact.test.ts).
 */
export function* p2pJsonRows(m: Machine): Generator<P2pJsonRow> {
  const era = m.settings.era
  const intEra = isIntDistanceEra(era)
  let mapType: P2pJsonPair['mapType'][] = []
  // The code each run's columns hold in `mapType` from an earlier row (-1: to be filled): most runs
  // keep theirs from row to row. runOf: the run of each column.
  let held = new Int8Array(0)
  let runOf = new Int32Array(0)
  for (const row of compactRows(m)) {
    const { provider, clients, acs, runStart, self } = row
    const codes = row.mapType
    const runs = runStart.length - 1
    if (mapType.length !== clients.length) {
      mapType = new Array<P2pJsonPair['mapType']>(clients.length)
      held = new Int8Array(runs).fill(-1)
      runOf = new Int32Array(clients.length)
      for (let r = 0; r < runs; r++) runOf.fill(r, runStart[r], runStart[r + 1])
    }
    // A run of sibling columns shares one verdict (compactRows), the provider's own column aside.
    let hasListed = false
    for (let r = 0; r < runs; r++) {
      const s = runStart[r]!
      const k = s === self ? s + 1 : s
      if (k >= runStart[r + 1]!) continue
      const code = codes[k]!
      if (held[r] !== code) {
        mapType.fill(JSON_MAP_TYPE[code]!, s, runStart[r + 1])
        held[r] = code
      }
      if (acs[k] !== 0 || code === MAP_CODE.NOT_SUPPORTED) hasListed = true
    }
    // The provider's own column: its own verdict, so its run is filled again for the next row.
    mapType[self] = JSON_MAP_TYPE[codes[self]!]!
    held[runOf[self]!] = -1
    if (acs[self] !== 0 || codes[self] === MAP_CODE.NOT_SUPPORTED) hasListed = true
    yield {
      provider,
      clients,
      mapType,
      distance: row.distance,
      hasListed,
      listed: (c) =>
        acs[c] === 0 && codes[c] !== MAP_CODE.NOT_SUPPORTED
          ? null
          : jsonPair(
              verdictOf(m, p2pdmaClassify(m, provider.id, clients[c]!.id, true, era, false), null),
              intEra,
            ),
    }
  }
}

/**
 * p2pJsonPairs - the pairs of toP2pJson(computeMatrix(m)), in the same order, one at a time:
 * nothing but the current row is held, so a caller can handle each pair in bounded memory
 * whatever the machine's size. Built on p2pJsonRows(); matrix.test.ts and compact.test.ts check
 * the result equals toP2pJson(computeMatrix()) for every era, CPU and IOMMU setting.
 */
export function* p2pJsonPairs(m: Machine): Generator<P2pJsonPair> {
  for (const row of p2pJsonRows(m)) {
    const p = row.provider.bdf
    for (let c = 0; c < row.clients.length; c++) {
      yield (
        (row.hasListed ? row.listed(c) : null) ?? {
          provider: p,
          client: row.clients[c]!.bdf,
          mapType: row.mapType[c]!,
          distance: row.distance[c]!,
          acsRedirect: NONE,
          warnings: NONE,
        }
      )
    }
  }
}
