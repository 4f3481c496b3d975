/**
 * Steps: what a modelled kernel call yields (docs/design.md#kernel-calls-are-generators-of-steps). A call is a generator of steps; calls
 * compose with `yield*`, and the Timeline derives each step's depth from the enter/return pairs,
 * so the call stack in the UI is the JS call stack.
 *
 * Every step carries the kernel source it models: { file, fn, era }.
 */
import type { Errno, KernelError } from '../../../shared/model/errno'
import type { Delta } from './delta'
import type { KResult } from './errno'
import type { Era } from '../../../shared/model/topology'
import { isKnownName, nameFile, nameRange, requireName, type KName } from '../era/index'

/** Where a step's behaviour comes from: the kernel file and function, and the releases it holds for. */
export interface KSrc {
  file: string
  fn: string
  /**
   * The release range of the name, from the names table (electron/engine/era/names.ts): '5.6–6.9',
   * '6.2+', '≤5.0+', 'RFC 2019 only'; 'driver (illustrative)' for a driver frame the lab invents;
   * 'lab' for the scenario's own steps. Never 'all'.
   */
  era: string
}

export type Step =
  | { kind: 'enter'; fn: string; src: KSrc; args: Readonly<Record<string, string>> }
  | { kind: 'check'; fn: string; src: KSrc; what: string; ok: boolean; why: string }
  | { kind: 'mutate'; fn: string; src: KSrc; deltas: readonly Delta[]; why: string }
  | { kind: 'return'; fn: string; src: KSrc; value: string }
  | { kind: 'fail'; fn: string; src: KSrc; error: KernelError }

export type StepKind = Step['kind']

/** A generator of steps returning R. */
export type Call<R> = Generator<Step, R, void>

/** The step builders of one kernel function. */
export interface Frame {
  fn: string
  src: KSrc
  /** The errnos this function documents (its kernel-doc contract), or null when not stated. */
  errnos: readonly Errno[] | null
  enter(args?: Record<string, string>): Step
  check(what: string, ok: boolean, why: string): Step
  mutate(deltas: readonly Delta[], why: string): Step
  ret(value: string): Step
  fail(error: KernelError): Step
}

/**
 * frame(k, 'check_vma_flags', ['EFAULT', 'EOPNOTSUPP']): builders for that kernel function's steps.
 * The name is looked up in the names table for k's era (requireName): a name that did not exist in
 * that era is an engine bug and throws here, before it can reach a trace. The file and the era tag
 * come from the table too.
 *
 * A fail step whose errno is not in `errnos` is an engine bug (thrown): every failing path must
 * return an errno its function documents (docs/design.md#errors-are-values).
 */
export function frame(k: { readonly era: Era }, fn: KName, errnos: readonly Errno[] | null = null): Frame {
  checkName(k.era, fn)
  return builders({ file: nameFile(k.era, fn), fn, era: nameRange(fn) }, errnos)
}

/**
 * A driver's own function the lab shows for illustration (nvidia_mmap, an RFC exporter's
 * p2p_map): not a kernel name. `member` is the kernel interface it implements (the vm_operations
 * or dev_pagemap_ops member, or the kernel function it stands in for), checked against the era
 * like any kernel name; null when it implements nothing era-specific (a file_operations.mmap).
 * A shown name that is itself a kernel name (mlx5_ib_reg_user_mr) is checked too.
 */
export function driverFrame(
  k: { readonly era: Era },
  fn: string,
  file: string,
  member: KName | null,
  errnos: readonly Errno[] | null = null,
): Frame {
  if (member) checkName(k.era, member)
  if (isKnownName(fn)) checkName(k.era, fn)
  const era = member ? nameRange(member) : isKnownName(fn) ? nameRange(fn) : 'driver (illustrative)'
  return builders({ file, fn, era }, errnos)
}

/** The scenario's own steps (binding names, "does this operation exist in the era?"). */
export function labFrame(): Frame {
  return builders({ file: 'scenario', fn: 'lab', era: 'lab' }, [])
}

/**
 * Names shown outside their range so far, while the era-true paths are being completed (issue 11):
 * `strictNames` off records them here instead of throwing. The era-name test turns it on.
 */
export const nameViolations: string[] = []
let strictNames = false

/** Throw (true) or record (false) a name shown outside its era. */
export function setStrictNames(on: boolean): void {
  strictNames = on
}

function checkName(era: Era, name: string): void {
  if (strictNames) {
    requireName(era, name)
    return
  }
  try {
    requireName(era, name)
  } catch (e) {
    const msg = (e as Error).message
    if (!nameViolations.includes(msg)) nameViolations.push(msg)
  }
}

function builders(src: KSrc, errnos: readonly Errno[] | null): Frame {
  const fn = src.fn
  return {
    fn,
    src,
    errnos,
    enter: (args = {}) => ({ kind: 'enter', fn, src, args }),
    check: (what, ok, why) => ({ kind: 'check', fn, src, what, ok, why }),
    mutate: (deltas, why) => ({ kind: 'mutate', fn, src, deltas, why }),
    ret: (value) => ({ kind: 'return', fn, src, value }),
    fail: (error) => {
      if (errnos && !errnos.includes(error.errno))
        throw new Error(
          `engine bug: ${fn} failed with -${error.errno}, which its errno list (${errnos.join(', ') || 'none'}) does not document`,
        )
      return { kind: 'fail', fn, src, error }
    },
  }
}

/**
 * Run `body` as the kernel function `f`: an enter step, the body's steps one level deeper, then a
 * return step (or a fail step with the KernelError). Cleanup mutations a failing body yields appear
 * before the fail step, so unwinding is visible (docs/design.md#6-failures-unwind-visibly).
 */
export function* kcall<T>(
  f: Frame,
  args: Record<string, string>,
  body: Call<KResult<T>>,
  show: (v: T) => string = defaultShow,
): Call<KResult<T>> {
  yield f.enter(args)
  const r = yield* body
  if (r.ok) yield f.ret(show(r.value))
  else yield f.fail(r.error)
  return r
}

function defaultShow(v: unknown): string {
  if (v === undefined || v === null) return '0'
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'object') return 'ok'
  return String(v)
}
