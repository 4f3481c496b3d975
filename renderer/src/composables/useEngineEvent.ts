import { onScopeDispose } from 'vue'
import type { EventChannel, Events } from '../../../shared/ipc/contract'
import { on } from '../api/lab'

/**
 * Listen to a pushed engine event for the lifetime of the current effect scope (a component or
 * a setup store): the subscription is removed when the scope is disposed.
 */
export function useEngineEvent<K extends EventChannel>(
  channel: K,
  listener: (payload: Events[K]) => void,
): void {
  const off = on(channel, listener)
  onScopeDispose(off)
}
