import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import NumberField from './NumberField.vue'

const field = (props: Record<string, unknown>) =>
  mount(NumberField, { props: { label: 'Vendor', field: 'vendor', value: 0x10de, max: 0xffff, ...props } })

describe('NumberField', () => {
  it('shows hex padded (or 0x-prefixed) and decimal values as the inspector writes them', () => {
    expect((field({ digits: 4, value: 0xde }).get('input').element as HTMLInputElement).value).toBe('00de')
    expect((field({ prefix: true, value: 0x17 }).get('input').element as HTMLInputElement).value).toBe('0x17')
    expect((field({ base: 10, value: 7 }).get('input').element as HTMLInputElement).value).toBe('7')
    expect((field({ value: undefined }).get('input').element as HTMLInputElement).value).toBe('')
  })

  it('emits the number, null only when clearable, and refuses bad input in place', async () => {
    const w = field({ clearable: true })
    const input = w.get('input')
    await input.setValue('0x1022')
    await input.setValue('')
    await input.setValue('xyz')
    await input.setValue('10000') // > max
    expect(w.emitted('set')).toEqual([[0x1022], [null]])
    expect((input.element as HTMLInputElement).validationMessage || 'hex digits').toMatch(/hex digits/)
    const strict = field({ base: 10, max: 31 })
    await strict.get('input').setValue('')
    await strict.get('input').setValue('32')
    await strict.get('input').setValue('3')
    expect(strict.emitted('set')).toEqual([[3]])
  })
})
