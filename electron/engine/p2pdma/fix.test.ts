/**
 * pci=disable_acs_redir= is offered only where the engine, having tried it, sees the verdict change:
 * a same-switch pair behind ACS redirect (IOMMU on) gets the offer; a cross-socket pair, whose
 * path also has ACS redirect on its root ports, gets none, and is told what would have to change.
 */
import { describe, expect, it } from 'vitest'
import { defaultLab } from '../lab/default-lab'
import { buildMachine } from '../topology/build'
import { computeMatrix, explainPair } from './matrix'
import { fixAdvice } from './fix'

function setup(era: 'v6.12' | 'v5.0' = 'v6.12') {
  const lab = defaultLab()
  const b = buildMachine(lab.machine, { ...lab.settings, era, iommu: true })
  if (!b.ok) throw new Error('default lab')
  return { m: b.machine, spec: lab.machine, matrix: computeMatrix(b.machine) }
}

describe('fixAdvice', () => {
  it('offers the parameter for a same-switch pair whose verdict it changes', () => {
    const { m, spec, matrix } = setup()
    const v = matrix.pairs.find(
      (p) => p.commonUpstream !== null && p.acsRedirect.length > 0 && p.provider !== p.client,
    )!
    expect(v.mapType).not.toBe('BUS_ADDR')
    const f = fixAdvice(m, spec, explainPair(m, v.provider, v.client)!)
    expect(f.helps).toBe(true)
    expect(f.param).toBe(v.acsRedirect.join(';'))
    expect(f.after).toMatchObject({ mapType: 'BUS_ADDR' })
    expect(f.otherwise).toEqual([])
  })

  it('offers nothing for a cross-socket pair, and says what would have to change', () => {
    const { m, spec, matrix } = setup()
    const v = matrix.pairs.find((p) => p.hostBridges.length > 1 && p.acsRedirect.length > 0)!
    expect(v).toBeDefined()
    const f = fixAdvice(m, spec, v)
    expect(f.helps).toBe(false)
    expect(f.param).toBeNull()
    expect(f.tried).toBe(v.acsRedirect.join(';'))
    expect(f.after?.mapType).toBe(v.mapType)
    expect(f.otherwise.join('\n')).toMatch(/share no PCIe switch/)
    expect(f.otherwise.at(-1)).toMatch(/^no kernel parameter helps: pci=disable_acs_redir=.* was tried/)
  })

  it('v5.0: the raw return value -2 (ACS) becomes a distance: offered', () => {
    const { m, spec, matrix } = setup('v5.0')
    const v = matrix.pairs.find((p) => p.distance === -2)!
    const f = fixAdvice(m, spec, v)
    expect(f.helps).toBe(true)
    expect(f.after!.distance).toBeGreaterThanOrEqual(0)
  })
})
