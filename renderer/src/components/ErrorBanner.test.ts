import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ErrorBanner from './ErrorBanner.vue'

describe('ErrorBanner', () => {
  it('renders nothing without an error', () => {
    expect(
      mount(ErrorBanner, { props: { error: null } })
        .find('[role="alert"]')
        .exists(),
    ).toBe(false)
  })

  it('shows the message and each located issue as source:line:column message', async () => {
    const w = mount(ErrorBanner, {
      props: {
        error: {
          kind: 'input',
          message: 'the file is not a lab file or a known topology format',
          issues: [
            { source: 'box.xml', line: 12, column: 5, message: 'unclosed <object>' },
            { source: 'topology', nodeId: 'sw1', message: 'a switch with no upstream link' },
          ],
        },
      },
    })
    expect(w.get('[role="alert"]').text()).toContain('the file is not a lab file')
    const issues = w.findAll('.issue')
    expect(issues[0]!.text()).toContain('box.xml:12:5')
    expect(issues[0]!.text()).toContain('unclosed <object>')
    expect(issues[1]!.text()).toContain('topology (node sw1)')
    await w.get('[data-test="dismiss-error"]').trigger('click')
    expect(w.emitted('dismiss')).toHaveLength(1)
  })
})
