/**
 * The era API: the one place the engine asks era questions. Every other file asks here — "does
 * this kernel name exist in this era?" (has), "which of these renamed names does it use?" (pick),
 * "does this behaviour hold?" (behaves), "what are its P2PDMA rules?" (p2pRules) — and never
 * compares eras or writes an era id itself (tests/lint enforce it: era-literals.test.ts).
 *
 * The data: eras.ts (the era table), names.ts (kernel functions, flags, fields), behaviours.ts
 * (named behaviour changes). Ranges are releases: a name or behaviour holds in an era when
 * since <= era's release < gone, or when the era carries the patch set it belongs to.
 */
import { ERAS, type Era } from '../../../shared/model/topology'
import { ERA_TABLE, type Distro, type EraDef, type P2pRules } from './eras'
import { NAMES, type KName, type NameDef } from './names'
import { BEHAVIOURS, type BehaviourId, type BehaviourDef } from './behaviours'
import { previousRelease, releaseKey, type Release } from './release'
import { splatStyleOf, warnSiteLineOf, type SiteLine, type SplatStyle, type WarnSiteId } from './splat'

export type { Distro, EraDef, P2pRules, P2pTexts, P2pFamily, WhitelistId, HostBridgeDevRule } from './eras'
export type { KName, NameDef } from './names'
export type { BehaviourId, BehaviourDef } from './behaviours'
export type { Release } from './release'
export type { SiteLine, SplatStyle, WarnSiteId } from './splat'

// ---- the eras ---------------------------------------------------------------------------------

/** Every era, oldest first (ERAS of shared/model/topology.ts, the one ordered list). */
export function eraIds(): readonly Era[] {
  return ERAS
}

/** Type guard for untrusted input (CLI arguments, lab files). */
export function isEra(s: unknown): s is Era {
  return typeof s === 'string' && (ERAS as readonly string[]).includes(s)
}

/** The table row of an era: release, label, distributions, summary, sources, P2P rules. */
export function eraDef(era: Era): EraDef {
  return ERA_TABLE[era]
}

/** The mainline release an era is based on ('5.10', 'next'). */
export function eraRelease(era: Era): Release {
  return ERA_TABLE[era].release
}

/** Display info for pickers and `lab eras`. */
export interface EraInfo {
  id: Era
  label: string
  summary: string
  release: Release
  distros: readonly Distro[]
  sources: readonly string[]
}

export function eraInfo(era: Era): EraInfo {
  const d = ERA_TABLE[era]
  return {
    id: era,
    label: d.label,
    summary: d.summary,
    release: d.release,
    distros: d.distros,
    sources: d.sources,
  }
}

/** All eras' display info, oldest first. */
export function eraInfos(): EraInfo[] {
  return ERAS.map(eraInfo)
}

/** Negative when a is older than b (list order of ERAS; v5.0-rfc sits right after v5.0). */
export function compareEras(a: Era, b: Era): number {
  return ERAS.indexOf(a) - ERAS.indexOf(b)
}

/** The era carries an out-of-tree patch set (the 2019 RFC). */
export function hasPatch(era: Era, patch: 'rfc-2019'): boolean {
  return ERA_TABLE[era].patches.includes(patch)
}

/** The era that carries a patch set (the RFC's base kernel with the RFC applied). */
export function patchEra(patch: 'rfc-2019'): Era {
  const e = ERAS.find((x) => ERA_TABLE[x].patches.includes(patch))
  if (!e) throw new Error(`engine bug: no era carries ${patch}`)
  return e
}

// ---- ranges -----------------------------------------------------------------------------------

/** The fields a names-table or behaviours-table row shares. */
export interface Range {
  /** First release with it; null: older than every lab era. */
  since: Release | null
  /** First release without it; undefined: still there. */
  gone?: Release
  /** Only with this patch set (never merged). */
  patch?: 'rfc-2019'
  /** Also with this patch set although mainline got it later (the RFC's -mm base). */
  alsoWith?: 'rfc-2019'
  /** A second span in which it existed again. */
  again?: { since: Release; gone?: Release }
}

function inRange(era: Era, r: Range): boolean {
  if (r.again && inRange(era, { since: r.again.since, ...(r.again.gone ? { gone: r.again.gone } : {}) }))
    return true
  const d = ERA_TABLE[era]
  if (r.patch) return d.patches.includes(r.patch)
  if (
    r.alsoWith &&
    d.patches.includes(r.alsoWith) &&
    (r.gone === undefined || releaseKey(d.release) < releaseKey(r.gone))
  )
    return true
  const k = releaseKey(d.release)
  if (r.since !== null && k < releaseKey(r.since)) return false
  if (r.gone !== undefined && k >= releaseKey(r.gone)) return false
  return true
}

/** A range as people write it: '5.6–6.9', '6.2+', '≤5.0–5.1', 'RFC 2019 only'. Never 'all'. */
export function rangeText(r: Range): string {
  if (r.patch) return 'RFC 2019 only'
  const from = r.since ?? '≤5.0'
  const first =
    r.gone === undefined
      ? `${from}+`
      : previousRelease(r.gone) === r.since
        ? from
        : `${from}–${previousRelease(r.gone)}`
  return r.again
    ? `${first}, ${rangeText({ since: r.again.since, ...(r.again.gone ? { gone: r.again.gone } : {}) })}`
    : first
}

// ---- kernel names -----------------------------------------------------------------------------

/** The names-table row of a kernel function, flag or field (throws for a name the table lacks). */
export function nameDef(name: string): NameDef {
  const d = (NAMES as Readonly<Record<string, NameDef>>)[name]
  if (!d) throw new Error(`engine bug: '${name}' is not in the names table (electron/engine/era/names.ts)`)
  return d
}

/** Every row of the names table, in table order (docs, tests). */
export function nameTable(): [KName, NameDef][] {
  return Object.entries(NAMES) as [KName, NameDef][]
}

/** Every row of the behaviours table. */
export function behaviourTable(): [BehaviourId, BehaviourDef][] {
  return Object.entries(BEHAVIOURS) as [BehaviourId, BehaviourDef][]
}

/** The table knows this name. */
export function isKnownName(name: string): name is KName {
  return Object.hasOwn(NAMES, name)
}

/** The kernel name exists in this era. */
export function has(era: Era, name: KName): boolean {
  return inRange(era, NAMES[name])
}

/**
 * The engine is about to show `name` in `era`: throws (an engine bug, like VM_BUG_ON) when the name
 * did not exist then, so a name outside its range can never reach a trace.
 */
export function requireName(era: Era, name: string): NameDef {
  const d = nameDef(name)
  if (!inRange(era, d))
    throw new Error(
      `engine bug: ${name} (${rangeText(d)}${d.renamedTo ? `, then ${d.renamedTo}` : ''}) does not exist in ${era} (${eraRelease(era)})`,
    )
  return d
}

/** The first of `names` that exists in the era (for renames: pick(era, 'gup_fast_fallback', 'internal_get_user_pages_fast')). */
export function pick<N extends KName>(era: Era, ...names: N[]): N {
  for (const n of names) if (has(era, n)) return n
  throw new Error(`engine bug: none of ${names.join(', ')} exists in ${era}`)
}

/** The release range of a name as the call stack shows it ('5.6–6.9'). */
export function nameRange(name: string): string {
  return rangeText(nameDef(name))
}

/** The source file of a name in an era (a file move, e.g. fs/block_dev.c -> block/fops.c, is in the table). */
export function nameFile(era: Era, name: string): string {
  const d = nameDef(name)
  let file = d.file
  for (const m of d.moved ?? []) if (releaseKey(eraRelease(era)) >= releaseKey(m.since)) file = m.file
  return file
}

// ---- behaviours -------------------------------------------------------------------------------

/** A named behaviour holds in the era (behaves(era, 'gup.grab-refuses-p2pdma')). */
export function behaves(era: Era, id: BehaviourId): boolean {
  return inRange(era, BEHAVIOURS[id])
}

export function behaviourDef(id: BehaviourId): BehaviourDef {
  return BEHAVIOURS[id]
}

/** The release range of a behaviour, for a frame's era tag or a Decision ('6.2–6.3'). */
export function behaviourRange(id: BehaviourId): string {
  return rangeText(BEHAVIOURS[id])
}

/**
 * The errno a refused P2P O_DIRECT read returns in the era: the block layer's BLK_STS_INVAL
 * (-EINVAL) once nvme-pci maps through the DMA iterator (block.nvme-dma-iter), -EREMOTEIO from
 * dma_map_sgtable() before (oracle: 6.12.117 EREMOTEIO, 7.2.13 EINVAL).
 */
export function refusedReadErrno(era: Era): 'EREMOTEIO' | 'EINVAL' {
  return behaves(era, 'block.nvme-dma-iter') ? 'EINVAL' : 'EREMOTEIO'
}

// ---- WARN splats -------------------------------------------------------------------------------

/** How the era's kernel prints a WARN splat (era/splat.ts). */
export function splatStyle(era: Era): SplatStyle {
  return splatStyleOf(eraRelease(era))
}

/** The file:line of a modelled WARN site in the era, and whether it was read in the era's own tree. */
export function warnSiteLine(era: Era, id: WarnSiteId): SiteLine {
  return warnSiteLineOf(eraRelease(era), id)
}

// ---- P2PDMA -----------------------------------------------------------------------------------

/** The P2PDMA rule switches of an era (drivers/pci/p2pdma.c). */
export function p2pRules(era: Era): P2pRules {
  return ERA_TABLE[era].p2p
}

/** enum pci_p2pdma_map_type exists in this era (5.4+). */
export function hasMapTypes(era: Era): boolean {
  return ERA_TABLE[era].p2p.hasMapTypes
}

/** The era's verdict is an int from upstream_bridge_distance() (before 5.4). */
export function isIntDistanceEra(era: Era): boolean {
  return !ERA_TABLE[era].p2p.hasMapTypes
}

/**
 * The contiguous run of eras around `era` whose P2P classification rules are the same (family,
 * whitelist, warning, host bridge device, map-type cache, CPU rule), as a range of era ids
 * ('v6.0–v6.16'), for Decision.eras. Derived from the table, never written by hand.
 */
export function eraGroup(era: Era): string {
  const key = (e: Era): string => {
    const r = ERA_TABLE[e].p2p
    return [
      ERA_TABLE[e].patches.join(','),
      r.family,
      r.whitelist,
      r.whitelistWarn,
      r.hostBridgeDev,
      r.mapTypeOnDemand,
      r.cpuSupportsP2pdma,
    ].join('|')
  }
  const k = key(era)
  let i = ERAS.indexOf(era)
  let j = i
  while (i > 0 && key(ERAS[i - 1] as Era) === k) i--
  while (j < ERAS.length - 1 && key(ERAS[j + 1] as Era) === k) j++
  return i === j ? era : `${ERAS[i]}–${ERAS[j]}`
}

/** Source key of the era's drivers/pci/p2pdma.c (Decision.source). */
export function eraSource(era: Era): string {
  return ERA_TABLE[era].p2pSource
}
