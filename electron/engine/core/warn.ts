/**
 * WARN_ON() and WARN_ON_ONCE() as the kernel prints them.
 *
 * A WARN site that fires prints a splat into the kernel log (lib/bug.c: report_bug() prints
 * CUT_HERE, then kernel/panic.c: __warn() prints the WARNING line, print_modules(), show_regs()
 * with the dump_stack_print_info() header and the Call Trace, and print_oops_end_marker()), then
 * add_taint(TAINT_WARN). A WARN_ON_ONCE() site prints once per boot: report_bug() sets
 * BUGFLAG_DONE on the bug entry and returns quietly the next time (6.12 lib/bug.c:175-186).
 *
 * In the lab both facts are world state (World.warnings): the splat's log lines and the event that
 * makes a WARN_ON_ONCE() site silent are deltas, so stepping back un-fires the warning like any
 * other change. The format of each line is the era's (era/splat.ts), and the file:line is the one
 * of the era's tree (era/splat.ts warnSiteLine(), with where the number was read).
 *
 * Simplifications (said once here, not in every splat): there are no registers to dump, so the
 * RIP line is followed directly by the Call Trace (a real x86 splat prints Code:, RSP, RAX..R15,
 * FS/CS/CR and DR lines between them); `+0x…/0x…` stands for the build-dependent offset and size
 * of each symbol; the CPU is always 0; UID is 0; the Call Trace lists the lab's modelled frames,
 * innermost first, and stops at the scenario operation (no syscall entry frames); module taint
 * flags ("(POE)") are not modelled.
 */
import type { Kernel } from '../kernel'
import type { Call, Frame } from './step'
import { Tx, type WarnEvent, type World } from './world'
import {
  requireName,
  splatStyle,
  warnSiteLine,
  type KName,
  type SplatStyle,
  type WarnSiteId,
} from '../era/index'

/** A WARN_ON()/WARN_ON_ONCE() site the engine models. */
export interface WarnSite {
  /** The function that contains the WARN (the splat's RIP). */
  fn: KName
  file: string
  /** The statement as written in the source. */
  cond: string
  once: boolean
}

export const WARN_SITES: Record<WarnSiteId, WarnSite> = {
  'gup.valid-args.get-and-pin': {
    fn: 'is_valid_gup_args',
    file: 'mm/gup.c',
    cond: 'WARN_ON_ONCE((gup_flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET))',
    once: true,
  },
  'gup.valid-args.longterm-without-pin': {
    fn: 'is_valid_gup_args',
    file: 'mm/gup.c',
    cond: 'WARN_ON_ONCE(!(gup_flags & FOLL_PIN) && (gup_flags & FOLL_LONGTERM))',
    once: true,
  },
  'gup.valid-args.longterm-p2pdma': {
    fn: 'is_valid_gup_args',
    file: 'mm/gup.c',
    cond: 'WARN_ON_ONCE((gup_flags & FOLL_LONGTERM) && (gup_flags & FOLL_PCI_P2PDMA))',
    once: true,
  },
  'gup.pin-fast.foll-get': {
    fn: 'pin_user_pages_fast',
    file: 'mm/gup.c',
    cond: 'WARN_ON_ONCE(gup_flags & FOLL_GET)',
    once: true,
  },
  'gup.pin.foll-get': {
    fn: 'pin_user_pages',
    file: 'mm/gup.c',
    cond: 'WARN_ON_ONCE(gup_flags & FOLL_GET)',
    once: true,
  },
  // is_valid_gup_flags() (5.10–6.2) is a small static function: if the compiler inlined it into its
  // caller, a real splat's RIP names get_user_pages_fast()/get_user_pages() instead (unverified: no
  // 5.10–6.2 splat of these sites was found; the lab names the function the WARN is written in).
  'gup.valid-flags.foll-pin': {
    fn: 'is_valid_gup_flags',
    file: 'mm/gup.c',
    cond: 'WARN_ON_ONCE(gup_flags & FOLL_PIN)',
    once: true,
  },
  'gup.valid-flags.foll-longterm': {
    fn: 'is_valid_gup_flags',
    file: 'mm/gup.c',
    cond: 'WARN_ON_ONCE(gup_flags & FOLL_LONGTERM)',
    once: true,
  },
  'sg.append.max-segment': {
    fn: 'sg_alloc_append_table_from_pages',
    file: 'lib/scatterlist.c',
    cond: 'WARN_ON(max_segment < PAGE_SIZE)',
    once: false,
  },
}

export type { WarnSiteId }

/** The site a WARN event belongs to (tests and views). */
export function warnSite(id: WarnSiteId): WarnSite {
  return WARN_SITES[id]
}

/** Has this WARN_ON_ONCE() site already printed in this boot (BUGFLAG_DONE)? */
export function warnedOnce(w: World, id: WarnSiteId): boolean {
  return Object.values(w.warnings).some((e) => e.site === id && e.once)
}

/** TAINT_WARN: set by add_taint() at the end of the first __warn() of the boot. */
export function taintedWarn(w: World): boolean {
  return Object.keys(w.warnings).length > 0
}

/** print_tainted(): 'Not tainted', or 'Tainted: ' + one column per taint flag of the era. */
function printTainted(style: SplatStyle, tainted: boolean): string {
  if (!tainted) return 'Not tainted'
  return 'Tainted: ' + [...style.taintFlags].map((c, i) => (c === 'W' ? 'W' : i === 0 ? 'G' : ' ')).join('')
}

/** The process a WARN is charged to: the mm's owner, else the scenario's first process. */
function current(w: World, mm: string | undefined): { pid: number; comm: string } {
  const m = (mm && w.mms[mm]) || Object.values(w.mms)[0]
  return m ? { pid: m.pid, comm: m.comm } : { pid: 1, comm: 'swapper/0' }
}

/** Modules linked in: the lab machine's endpoint drivers (print_modules() lists loaded modules). */
function modules(k: Kernel): string {
  const names = new Set<string>()
  for (const d of k.machine.devs.values()) if (d.endpoint && d.driver) names.add(d.driver)
  return [...names]
    .sort()
    .map((n) => ` ${n.replace(/-/g, '_')}`)
    .join('')
}

/** %pS of a symbol in the lab: the name with the build-dependent offset/size elided. */
const sym = (fn: string): string => `${fn}+0x…/0x…`

/**
 * splatLines - the kernel log lines of one splat, as report_bug() and __warn() print them in the
 * era (see SplatStyle for what changed when).
 */
export function splatLines(k: Kernel, id: WarnSiteId, mm?: string): string[] {
  const site = WARN_SITES[id]
  const style = splatStyle(k.era)
  const { line } = warnSiteLine(k.era, id)
  const w = k.world
  const cur = current(w, mm)
  const tainted = taintedWarn(w)
  const out: string[] = ['------------[ cut here ]------------']
  out.push(
    style.warnLine === 'file-first'
      ? `WARNING: ${site.file}:${line} at ${sym(site.fn)}, CPU#0: ${cur.comm}/${cur.pid}`
      : `WARNING: CPU: 0 PID: ${cur.pid} at ${site.file}:${line} ${sym(site.fn)}`,
  )
  out.push(`Modules linked in:${modules(k)}`)
  const release = `${style.release} #1`
  const preempt = style.preemptModel ? ` ${style.preemptModel}` : ''
  out.push(
    `CPU: 0 ${style.uid ? 'UID: 0 ' : ''}PID: ${cur.pid} Comm: ${cur.comm.slice(0, 20)} ${printTainted(style, tainted)} ${release}${preempt}`,
  )
  if (tainted && style.taintVerbose) out.push('Tainted: [W]=WARN')
  out.push(`Hardware name: ${k.machine.name} (P2P DMA Lab machine)`)
  out.push(`RIP: 0010:${sym(site.fn)}`)
  out.push('Call Trace:')
  if (style.taskMarkers) out.push(' <TASK>')
  const frames = [...k.callStack()].reverse().filter((fn) => fn !== site.fn && fn !== 'lab')
  for (const fn of frames) out.push(` ${sym(fn)}`)
  if (style.taskMarkers) out.push(' </TASK>')
  out.push(`---[ end trace ${style.endTraceZero ? '0000000000000000' : oopsId(k)} ]---`)
  return out
}

/**
 * The 5.x end-of-trace id: get_random_bytes() once per boot, then +1 per oops/warning
 * (init_oops_id(); gone by 5.19). The lab derives it from the lab's seed so a
 * scenario prints the same number on every run.
 */
function oopsId(k: Kernel): string {
  const base = BigInt.asUintN(64, BigInt(k.machine.settings.seed >>> 0) * 0x9e3779b97f4a7c15n + 1n)
  return BigInt.asUintN(64, base + BigInt(Object.keys(k.world.warnings).length))
    .toString(16)
    .padStart(16, '0')
}

/**
 * warnOn - evaluate a WARN_ON()/WARN_ON_ONCE() site as step(s) of frame `f`: a check step for the
 * condition, and when it fires (and, for _ONCE, has not fired before in this boot) one mutate
 * step that prints the splat and records the event. Returns the condition, as the macro does.
 */
export function* warnOn(
  k: Kernel,
  f: Frame,
  id: WarnSiteId,
  cond: boolean,
  why: string,
  mm?: string,
): Call<boolean> {
  const site = WARN_SITES[id]
  // The site's function must exist in the era (a WARN in a function the era lacks is an engine bug).
  requireName(k.era, site.fn)
  yield f.check(site.cond, !cond, why)
  if (!cond) return false
  if (site.once && warnedOnce(k.world, id)) {
    yield f.check(
      'BUGFLAG_DONE?',
      true,
      'this WARN_ON_ONCE() already printed its splat in this boot: report_bug() returns quietly, the condition is still true',
    )
    return true
  }
  const at = warnSiteLine(k.era, id)
  const lines = splatLines(k, id, mm)
  const cur = current(k.world, mm)
  const tx = new Tx(k.world)
  const n = Object.keys(tx.world.log).length
  lines.forEach((l, i) => tx.set('log', (n + i).toString().padStart(6, '0'), l))
  const ev: WarnEvent = { site: id, fn: site.fn, file: site.file, line: at.line, once: site.once, ...cur }
  tx.set('warnings', Object.keys(k.world.warnings).length.toString().padStart(6, '0'), ev)
  yield f.mutate(
    tx.deltas,
    `${site.once ? 'WARN_ON_ONCE' : 'WARN_ON'} fires: report_bug() prints the splat (${site.file}:${at.line}, ${at.source})${site.once ? '; BUGFLAG_DONE keeps it silent for the rest of the boot' : ''}; add_taint(TAINT_WARN)`,
  )
  return true
}
