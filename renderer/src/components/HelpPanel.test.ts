import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import HelpPanel from './HelpPanel.vue'

/** A page with an opener button and the help dialog, like the stepper's '?' button. */
const Host = defineComponent({
  setup() {
    const open = ref(false)
    return () =>
      h('div', [
        h('button', { id: 'opener', onClick: () => (open.value = true) }, '?'),
        open.value ? h(HelpPanel, { onClose: () => (open.value = false) }) : null,
      ])
  },
})

let w: VueWrapper | undefined
afterEach(() => w?.unmount())

const key = (el: Element, k: string, shiftKey = false) =>
  el.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true, cancelable: true }))

describe('HelpPanel as a modal dialog', () => {
  it('takes the focus, keeps Tab inside, closes on Esc and gives the focus back', async () => {
    w = mount(Host, { attachTo: document.body })
    const opener = document.getElementById('opener')!
    opener.focus()
    await w.get('#opener').trigger('click')
    await new Promise((r) => setTimeout(r, 0))
    const dialog = document.querySelector('[data-test="help"]')!
    expect(dialog.contains(document.activeElement)).toBe(true)

    // Tab from the last control wraps to the first; Shift+Tab from the first to the last.
    const close = document.querySelector<HTMLElement>('[data-test="help-close"]')!
    const text = document.querySelector<HTMLElement>('[data-test="help"] [data-autofocus]')!
    text.focus()
    key(text, 'Tab')
    expect(document.activeElement).toBe(close)
    key(close, 'Tab', true)
    expect(document.activeElement).toBe(text)

    // A step key pressed in the dialog does not reach the window (no stepping behind a modal).
    let reached = 0
    const count = () => reached++
    window.addEventListener('keydown', count)
    key(text, 'F10')
    window.removeEventListener('keydown', count)
    expect(reached).toBe(0)

    key(text, 'Escape')
    await w.vm.$nextTick()
    expect(document.querySelector('[data-test="help"]')).toBeNull()
    expect(document.activeElement).toBe(opener)
  })
})
