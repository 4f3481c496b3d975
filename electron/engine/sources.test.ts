import { describe, expect, it } from 'vitest'
import { ERAS } from '../../shared/model/topology'
import { eraDef, eraSource } from './era/index'
import { SOURCES, sourceInfo, sourceKeys } from './sources'

describe('source keys', () => {
  it('are defined once each, with what they are, where and for which era', () => {
    const keys = SOURCES.map((s) => s.key)
    expect(new Set(keys).size).toBe(keys.length)
    for (let i = 1; i <= 17; i++) expect(keys).toContain(`S${i}`)
    expect(keys).toContain('oracle')
    for (const s of SOURCES) {
      expect(s.title.length, s.key).toBeGreaterThan(20)
      expect(s.era.length, s.key).toBeGreaterThan(4)
      if (s.commit) expect(s.commit, s.key).toMatch(/^[0-9a-f]{40}$/)
      if (s.commit) expect(s.repo, s.key).toMatch(/^[\w.-]+\/[\w.-]+$/)
      if (s.url) expect(s.url, s.key).toMatch(/^https:\/\//)
    }
  })

  it('finds the keys in the citations the engine writes', () => {
    expect(sourceKeys('S4/oracle 6.12.117')).toEqual(['S4', 'oracle'])
    expect(sourceKeys('S11 (RFC 1/5)')).toEqual(['S11'])
    expect(sourceKeys('S1/S3/S4')).toEqual(['S1', 'S3', 'S4'])
    expect(sourceKeys('index id 64779093; S12, S12')).toEqual(['S12'])
    expect(sourceKeys('v6.0–v7.2')).toEqual([])
  })

  it("every era's citations are defined keys", () => {
    for (const era of ERAS) {
      const cited = [eraSource(era), ...eraDef(era).sources].flatMap(sourceKeys)
      expect(cited.length, era).toBeGreaterThan(0)
      for (const k of cited) expect(sourceInfo(k), `${era} cites ${k}`).toBeDefined()
    }
  })
})
