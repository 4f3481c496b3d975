/**
 * How a WARN splat looks in each release, and at which line of which file each WARN site the
 * engine models sits (core/warn.ts prints the splat; index.ts splatStyle() / warnSiteLine()).
 *
 * Trees read (docs/kernel/sources.md): Debian's 6.1.192, 6.12.118 and 7.2.13 source packages.
 * - CUT_HERE "------------[ cut here ]------------": include/asm-generic/bug.h:9 in all three,
 *   printed by lib/bug.c report_bug().
 * - kernel/panic.c __warn(): "WARNING: CPU: %d PID: %d at %s:%d %pS" (6.1.192 :665, 6.12.118 :788,
 *   5.10.13); 7.2.13 :1082 prints "WARNING: %s:%d at %pS, CPU#%d: %s/%d" (Ingo Molnar, "bugs/core:
 *   Reorganize fields in the first line of WARNING output, add ->comm[] output", posted
 *   2025-05-15, S12 index id 33434295549; the release it landed in is not pinned: first seen here
 *   in 7.2, so v6.16 keeps the old line, unverified).
 * - lib/dump_stack.c dump_stack_print_info(): "CPU: %d PID: %d Comm: %.20s %s%s %s %.*s" in
 *   6.1.192 :58 and a vanilla 6.6.14 tree (index); "CPU: %d UID: %u PID: ..." and the
 *   print_tainted_verbose() line ("Tainted: [W]=WARN") in 6.12.118 :58/:70 and 7.2.13; the release
 *   between 6.7 and 6.12 that added them is not pinned. preempt_model_str() appended: 8bdc5daaa01e
 *   "sched: Add a generic function to return the preemption string" and its dump_stack patch of the
 *   same series (S12 index ids 48159508795, 47348107089: stable fixes by June 2025, so 6.15
 *   inferred); "PREEMPT(voluntary)" with PREEMPT_DYNAMIC as Debian builds it. The Debian trees also
 *   print LINUX_PACKAGE_ID (a Debian patch); the lab prints the vanilla line.
 * - print_tainted(): one column per taint flag, 'G' for a clear P: 18 flags (…K X T) in 5.10.13
 *   kernel/panic.c (S12 index id 30360941511), 19 (+N TAINT_TEST) in 6.1.192/6.12.118, 20 (+J
 *   TAINT_FWCTL) in 7.2.13; N from 5.19 and J from 6.15 are from memory.
 * - " <TASK>" / " </TASK>" around the Call Trace: stack_type_name() returns "TASK" since "x86/dumpstack/64:
 *   Add guard pages to stack_info" (Peter Zijlstra, September 2021, S12 index id 1454243036; 5.16
 *   inferred); arch/x86/kernel/dumpstack_64.c:35 in all three trees.
 * - "---[ end trace %016llx ]---": a per-boot random oops_id (init_oops_id()) in 5.10.13; 0ULL in
 *   6.1.192 :640, 6.12.118 :760, 7.2.13 :1054 ("panic: Remove oops_id", Sebastian Andrzej Siewior,
 *   posted 2021-12-02; DepSurf lists init_oops_id in 5.15 and not in 5.19; 5.17 inferred).
 */
import { releaseKey, type Release } from './release'

/** How the era's kernel prints a splat. */
export interface SplatStyle {
  /** uname -r of the era's kernel as the lab names it ('6.12.0'). */
  release: string
  /** 'cpu-pid': "WARNING: CPU: 0 PID: 1 at file:line sym"; 'file-first': "WARNING: file:line at sym, CPU#0: comm/pid". */
  warnLine: 'cpu-pid' | 'file-first'
  uid: boolean
  /** "Tainted: [W]=WARN" after the CPU line when tainted. */
  taintVerbose: boolean
  /** " <TASK>" / " </TASK>" around the Call Trace frames. */
  taskMarkers: boolean
  /** "---[ end trace 0000000000000000 ]---" (else a per-boot random id). */
  endTraceZero: boolean
  /** The taint flag letters in print_tainted() order (one column each). */
  taintFlags: string
  /** preempt_model_str() appended to the CPU line, or null. */
  preemptModel: string | null
}

const at = (r: Release, since: Release): boolean => releaseKey(r) >= releaseKey(since)

/** The splat style of a release ('next' is newer than every release). */
export function splatStyleOf(r: Release): SplatStyle {
  return {
    release: r === 'next' ? '7.2.0-next' : `${r}.0`,
    warnLine: at(r, '7.2') ? 'file-first' : 'cpu-pid',
    uid: at(r, '6.12'),
    taintVerbose: at(r, '6.12'),
    taskMarkers: at(r, '5.16'),
    endTraceZero: at(r, '5.17'),
    taintFlags: 'PFSRMBUDAWCIOELKXT' + (at(r, '5.19') ? 'N' : '') + (at(r, '6.15') ? 'J' : ''),
    preemptModel: at(r, '6.15') ? 'PREEMPT(voluntary)' : null,
  }
}

/** The trees line numbers were read in. */
type Tree = '6.1' | '6.12' | '7.2'
const TREE_NAME: Record<Tree, string> = {
  '6.1': "Debian's 6.1.192",
  '6.12': "Debian's 6.12.118",
  '7.2': "Debian's 7.2.13",
}

/** The line of each modelled WARN site in each tree that has it (grep -n). */
export const WARN_SITE_LINES = {
  'gup.valid-args.get-and-pin': { '6.12': 2620, '7.2': 2531 },
  'gup.valid-args.longterm-without-pin': { '6.12': 2625, '7.2': 2536 },
  'gup.valid-args.longterm-p2pdma': { '6.12': 2633, '7.2': 2544 },
  'gup.pin-fast.foll-get': { '6.1': 3191 },
  'gup.pin.foll-get': { '6.1': 3309 },
  'gup.valid-flags.foll-pin': { '6.1': 2177 },
  'gup.valid-flags.foll-longterm': { '6.1': 2184 },
  'sg.append.max-segment': { '6.1': 456, '6.12': 470, '7.2': 472 },
} as const satisfies Record<string, Partial<Record<Tree, number>>>

export type WarnSiteId = keyof typeof WARN_SITE_LINES

export interface SiteLine {
  line: number
  /** Where the number was read, and whether it is the era's own tree. */
  source: string
  verified: boolean
}

/** Release distance in releases (6.19 -> 7.0 is one step; 'next' is one after 7.2). */
function distance(a: Release, b: Release): number {
  const n = (r: Release): number => {
    const k = releaseKey(r === 'next' ? '7.3' : r)
    return Math.floor(k / 1000) * 20 + (k % 1000)
  }
  return Math.abs(n(a) - n(b))
}

/**
 * The file:line of a WARN site in a release: the line of its own tree when one was read, else the
 * line of the nearest tree that has the site, marked unverified for that release.
 */
export function warnSiteLineOf(r: Release, id: WarnSiteId): SiteLine {
  const lines: Partial<Record<Tree, number>> = WARN_SITE_LINES[id]
  let best: Tree | null = null
  for (const t of Object.keys(lines) as Tree[])
    if (best === null || distance(t, r) < distance(best, r)) best = t
  if (best === null) throw new Error(`engine bug: WARN site ${id} has no line in any tree`)
  const verified = best === r
  return {
    line: lines[best]!,
    source: verified
      ? `line read in ${TREE_NAME[best]} tree`
      : `line of ${TREE_NAME[best]} tree; the ${r} line is unverified`,
    verified,
  }
}
