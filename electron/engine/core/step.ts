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

/** Where a step's behaviour comes from: the kernel file and function, and the eras it holds for. */
export interface KSrc {
  file: string
  fn: string
  /** e.g. 'all', 'v6.2+', 'v6.2–v6.3', 'v5.0–v5.x' */
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
 * frame('check_vma_flags', 'mm/gup.c', 'all', ['EFAULT', 'EOPNOTSUPP']): builders for that
 * function's steps. A fail step whose errno is not in `errnos` is an engine bug (thrown): every
 * failing path must return an errno its function documents (docs/design.md#errors-are-values).
 */
export function frame(fn: string, file: string, era: string, errnos: readonly Errno[] | null = null): Frame {
  const src: KSrc = { file, fn, era }
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
