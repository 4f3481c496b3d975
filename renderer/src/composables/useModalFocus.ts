import { nextTick, onBeforeUnmount, onMounted, type Ref } from 'vue'

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',')

/** The elements Tab reaches inside `root`, in document order (hidden ones left out). */
export function tabbables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest('[hidden],[inert]'))
}

/**
 * A modal dialog's keyboard contract (WAI-ARIA dialog pattern): on open, focus moves into the
 * dialog (its `[data-autofocus]` element, else its first control, else the dialog itself); Tab and
 * Shift+Tab cycle inside it; Esc closes it; on close, focus goes back to where it was (the button
 * that opened it). Keys pressed in the dialog do not reach the window's shortcuts (the stepper's
 * F10/F11 must not step behind a modal), except the ones listed in `passThrough` (F1 toggles help).
 */
export function useModalFocus(
  root: Ref<HTMLElement | null>,
  close: () => void,
  passThrough: readonly string[] = [],
): void {
  let opener: HTMLElement | null = null

  function onKeydown(e: KeyboardEvent) {
    const el = root.value
    if (!el) return
    if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      close()
      return
    }
    if (e.key === 'Tab') {
      const items = tabbables(el)
      const first = items[0]
      const last = items[items.length - 1]
      const active = document.activeElement as HTMLElement | null
      if (!first || !last) {
        e.preventDefault()
        el.focus()
      } else if (e.shiftKey && (active === first || !el.contains(active))) {
        e.preventDefault()
        last.focus()
      } else if (!e.shiftKey && (active === last || !el.contains(active))) {
        e.preventDefault()
        first.focus()
      }
      return
    }
    if (!passThrough.includes(e.key)) e.stopPropagation()
  }

  /** Focus that wanders out (a click on the backdrop, a programmatic focus) comes back in. */
  function onFocusIn(e: FocusEvent) {
    const el = root.value
    if (el && e.target instanceof Node && !el.contains(e.target)) (tabbables(el)[0] ?? el).focus()
  }

  onMounted(async () => {
    opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    await nextTick()
    const el = root.value
    if (!el) return
    el.addEventListener('keydown', onKeydown)
    document.addEventListener('focusin', onFocusIn)
    const target = el.querySelector<HTMLElement>('[data-autofocus]') ?? tabbables(el)[0] ?? el
    target.focus()
  })
  onBeforeUnmount(() => {
    root.value?.removeEventListener('keydown', onKeydown)
    document.removeEventListener('focusin', onFocusIn)
    if (opener?.isConnected) opener.focus()
  })
}
