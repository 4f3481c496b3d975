/**
 * The era table and its API: order, releases, ranges, and the facts the issues pinned (issue 11,
 * issue 16). The names table's every-trace-in-every-era check is tests/scenarios/names-in-era.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { ERAS, type Era } from '../../../shared/model/topology'
import {
  behaves,
  compareEras,
  eraDef,
  eraGroup,
  eraIds,
  eraRelease,
  has,
  nameRange,
  p2pRules,
  pick,
  rangeText,
  refusedReadErrno,
  requireName,
} from './index'
import { NAMES, type KName } from './names'
import { BEHAVIOURS } from './behaviours'
import { previousRelease, releaseKey } from './release'

const rules = import.meta.glob<string>('../p2pdma/*.ts', { query: '?raw', import: 'default', eager: true })

describe('the era table', () => {
  it('keeps the order of ERAS, and releases never go backwards', () => {
    expect(eraIds()).toEqual(ERAS)
    for (let i = 1; i < ERAS.length; i++)
      expect(releaseKey(eraRelease(ERAS[i]!)), ERAS[i]).toBeGreaterThanOrEqual(
        releaseKey(eraRelease(ERAS[i - 1]!)),
      )
    expect(compareEras('v5.0', 'v5.0-rfc')).toBeLessThan(0)
    expect(compareEras('v6.12', 'v6.2')).toBeGreaterThan(0)
  })

  it('has the kernels people run, with the distributions they stand for', () => {
    expect(eraRelease('v5.10')).toBe('5.10')
    expect(
      eraDef('v5.10')
        .distros.map((d) => d.name)
        .join(),
    ).toContain('Debian 11')
    expect(
      eraDef('v5.15')
        .distros.map((d) => d.name)
        .join(),
    ).toContain('Ubuntu 22.04')
    expect(eraDef('v6.1').distros.find((d) => d.name.startsWith('Debian 12'))?.verified).toBe(true)
    for (const e of ERAS) {
      expect(eraDef(e).label).not.toBe('')
      expect(eraDef(e).summary.length).toBeGreaterThan(40)
      expect(eraDef(e).sources.length).toBeGreaterThan(0)
    }
  })

  it('releases: previous release and range text (never "all")', () => {
    expect(previousRelease('6.10')).toBe('6.9')
    expect(previousRelease('6.0')).toBe('5.19')
    expect(previousRelease('5.0')).toBe('4.20')
    const ranges = {
      internal_get_user_pages_fast: '5.6–6.9',
      pin_user_pages_fast: '5.6+',
      check_vma_flags: '≤5.0+',
      p2p_map: 'RFC 2019 only',
    }
    for (const [name, range] of Object.entries(ranges)) expect(nameRange(name), name).toBe(range)
    expect(rangeText({ since: '5.2', gone: '5.3' })).toBe('5.2')
    for (const n of Object.keys(NAMES)) expect(nameRange(n)).not.toMatch(/\ball\b/)
  })
})

describe('kernel names per era (issue 11, issue 16)', () => {
  it('v5.0 had no FOLL_LONGTERM, FOLL_PIN, pin_user_pages*, is_valid_gup_args or try_grab_folio', () => {
    for (const n of [
      'FOLL_LONGTERM',
      'FOLL_PIN',
      'pin_user_pages_fast',
      'pin_user_pages',
      'internal_get_user_pages_fast',
      'is_valid_gup_args',
      'try_grab_folio',
    ] as const)
      expect(has('v5.0', n), n).toBe(false)
  })

  it('GUP-fast: internal_get_user_pages_fast until 6.9, gup_fast_fallback from 6.10', () => {
    expect(pick('v6.4', 'gup_fast_fallback', 'internal_get_user_pages_fast')).toBe(
      'internal_get_user_pages_fast',
    )
    expect(pick('v6.12', 'gup_fast_fallback', 'internal_get_user_pages_fast')).toBe('gup_fast_fallback')
    expect(() => requireName('v6.12', 'internal_get_user_pages_fast')).toThrow(/engine bug.*5\.6–6\.9/)
  })

  it('the RFC names exist only with the RFC applied', () => {
    expect(ERAS.filter((e) => has(e, 'pci_test_p2p'))).toEqual(['v5.0-rfc'])
  })

  // get_user_pages_longterm until 5.1, FOLL_LONGTERM from 5.2, FOLL_PIN from 5.6; the grab:
  // try_grab_page 5.7–6.9, try_grab_folio from 5.18; the RFC's -mm base had hmm_range_register
  it.each<[KName, Partial<Record<Era, boolean>>]>([
    ['get_user_pages_longterm', { 'v5.0': true, 'v5.2': false }],
    ['FOLL_LONGTERM', { 'v5.2': true }],
    ['FOLL_PIN', { 'v5.4': false, 'v5.10': true }],
    ['try_grab_page', { 'v5.4': false, 'v5.10': true, 'v6.4': true, 'v6.12': false }],
    ['try_grab_folio', { 'v5.15': false }],
    ['p2p_map', { 'v5.0-rfc': true }],
    ['hmm_range_register', { 'v5.0-rfc': true, 'v5.0': false }],
  ])('%s exists in the eras the issues pinned, and not in the others listed', (name, eras) => {
    for (const [era, want] of Object.entries(eras)) expect(has(era as Era, name), era).toBe(want)
  })

  it('cpu_supports_p2pdma() from 5.9 (dea286bb71ba): 5.10 has it, 5.4 does not', () => {
    expect(has('v5.4', 'cpu_supports_p2pdma')).toBe(false)
    expect(p2pRules('v5.4').cpuSupportsP2pdma).toBe(false)
    for (const e of ERAS.filter((x) => has(x, 'cpu_supports_p2pdma')))
      expect(p2pRules(e).cpuSupportsP2pdma).toBe(true)
  })
})

describe('P2P rules and behaviours agree with the names table', () => {
  it('calc_map_type_and_dist() is the family exactly where the name exists (5.14+)', () => {
    for (const e of ERAS)
      expect(p2pRules(e).family === 'calc_map_type_and_dist', e).toBe(has(e, 'calc_map_type_and_dist'))
  })
  it('map types exactly where pci_p2pdma_map_type() exists; the whitelist line where the rules print it', () => {
    for (const e of ERAS) {
      expect(p2pRules(e).hasMapTypes, e).toBe(has(e, 'pci_p2pdma_map_type'))
      expect(p2pRules(e).texts.notWhitelisted === null, e).toBe(p2pRules(e).whitelistWarn === 'never')
    }
  })
  it('every P2pRules switch and text is read by the P2PDMA code', () => {
    const code = Object.values(rules).join('\n')
    const r = p2pRules('v6.12')
    for (const key of Object.keys(r))
      if (key !== 'texts') expect(code, key).toMatch(new RegExp(`\\.${key}\\b`))
    for (const key of Object.keys(r.texts))
      expect(code, `texts.${key}`).toMatch(new RegExp(`texts\\.${key}\\b`))
  })
  it('eraGroup is derived from the table', () => {
    expect(eraGroup('v5.0')).toBe('v5.0')
    expect(eraGroup('v6.12')).toBe('v6.0–v6.16')
    expect(eraGroup('next')).toBe('next')
  })
  it('behaviours', () => {
    expect(behaves('v6.1', 'gup.grab-refuses-p2pdma')).toBe(false)
    expect(behaves('v6.2', 'gup.grab-refuses-p2pdma')).toBe(true)
    expect(behaves('v6.4', 'block.dio-extract-pages')).toBe(false)
    expect(behaves('v6.12', 'block.dio-extract-pages')).toBe(true)
    expect(refusedReadErrno('v6.12')).toBe('EREMOTEIO')
    expect(refusedReadErrno('v7.2')).toBe('EINVAL')
    for (const b of Object.values(BEHAVIOURS)) expect(b.source.length).toBeGreaterThan(3)
  })
})
