/**
 * The handler table answers every channel at once except file.open on a host that opens files
 * (a promise). Tests of the synchronous channels use these to get the Result itself, and fail
 * loudly if an answer is unexpectedly asynchronous.
 */
import type { Result } from '../../shared/ipc/contract'
import { dispatch } from '../../electron/app/ipc/handlers'

export function now<T>(answer: Result<T> | Promise<Result<T>>): Result<T> {
  if (answer instanceof Promise) throw new Error('expected an immediate answer, got a promise')
  return answer
}

export function dispatchNow(...args: Parameters<typeof dispatch>): Result<unknown> {
  return now(dispatch(...args))
}
