import { onScopeDispose } from 'vue'
import type { StepRequestKind } from '../../../shared/model/stepper'

/**
 * The debugger keys (VS Code's bindings, docs/design.md#the-renderer), plus our own for stepping back:
 *
 *   F10 step over · F11 step into · Shift+F11 step out · F5 continue (to a breakpoint)
 *   Shift+F10 step back · F8 run to the first failure · F1 help
 *
 * Each is also reachable from the toolbar buttons. The browser's own meaning of these keys (F5
 * reload, F11 full screen, Shift+F10 context menu, F1 help) is suppressed while the stepper is shown.
 */
export interface StepKey {
  key: string
  shift: boolean
  action: StepRequestKind | 'help'
  label: string
}

export const STEP_KEYS: readonly StepKey[] = [
  { key: 'F11', shift: false, action: 'into', label: 'Step into' },
  { key: 'F10', shift: false, action: 'over', label: 'Step over' },
  { key: 'F11', shift: true, action: 'out', label: 'Step out' },
  { key: 'F10', shift: true, action: 'back', label: 'Step back' },
  { key: 'F5', shift: false, action: 'continue', label: 'Continue to a breakpoint' },
  { key: 'F8', shift: false, action: 'runToFailure', label: 'Run to the first failure' },
  { key: 'F1', shift: false, action: 'help', label: 'Help' },
]

export function keyLabel(k: Pick<StepKey, 'key' | 'shift'>): string {
  return (k.shift ? 'Shift+' : '') + k.key
}

/** The key bound to an action, for button titles: 'F10'. */
export function keyFor(action: StepKey['action']): string {
  const k = STEP_KEYS.find((x) => x.action === action)
  return k ? keyLabel(k) : ''
}

export function matchStepKey(e: Pick<KeyboardEvent, 'key' | 'shiftKey' | 'ctrlKey' | 'altKey' | 'metaKey'>) {
  if (e.ctrlKey || e.altKey || e.metaKey) return null
  return STEP_KEYS.find((k) => k.key === e.key && k.shift === e.shiftKey) ?? null
}

/** Listen on the window for the scope's lifetime; `onAction` gets the bound action. */
export function useStepKeys(onAction: (action: StepKey['action']) => void, target: Window = window): void {
  const handler = (e: KeyboardEvent) => {
    const k = matchStepKey(e)
    if (!k) return
    e.preventDefault()
    e.stopPropagation()
    onAction(k.action)
  }
  target.addEventListener('keydown', handler)
  onScopeDispose(() => target.removeEventListener('keydown', handler))
}
