import { describe, expect, it } from 'vitest'
import { reportBaseName } from './report'

describe('report file names', () => {
  it('name the scenario once and the era it ran in once', () => {
    expect(
      reportBaseName('L05 The RFC special VMA: p2p_map instead of struct page (v5.0-rfc)', 'v5.0-rfc'),
    ).toBe('l05-the-rfc-special-vma-p2p-map-instead-of-struct-page-v5.0-rfc')
    // run in another era than the one its name gives: the era run, not the name's
    expect(reportBaseName('L02 The IOMEM annotation problem: P2PDMA pages in 2019 (v5.4)', 'v6.12')).toBe(
      'l02-the-iomem-annotation-problem-p2pdma-pages-in-2019-v6.12',
    )
    expect(reportBaseName('A BAR as a dma-buf (next)', 'next')).toBe('a-bar-as-a-dma-buf-next')
  })

  it('cut a long name at a word boundary, never leaving a stray fragment before the era', () => {
    const long = 'C07 A very long scenario name about pinning device memory that goes on and on v5 tail'
    const base = reportBaseName(long, 'v5.0')
    expect(base).not.toMatch(/-v-v5\.0$/)
    expect(base.length).toBeLessThanOrEqual(60 + '-v5.0'.length)
    expect(base).toBe('c07-a-very-long-scenario-name-about-pinning-device-memory-v5.0')
  })

  it('keep a name that is only punctuation a usable file name', () => {
    expect(reportBaseName('!!!', 'v6.12')).toBe('scenario-v6.12')
  })
})
