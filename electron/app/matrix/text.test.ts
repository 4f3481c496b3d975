/** The matrix as text: the filtered providers × clients, every cell the engine's verdict. */
import { describe, expect, it } from 'vitest'
import { buildMachine, computeMatrix, loadLab } from '../../engine/index'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { namesByBdf } from '../views/nodes'
import { matrixText } from './text'

const T1 = readFileSync(join(import.meta.dirname, '../../../tests/fixtures/labs/T1-intel.p2plab'), 'utf8')

describe('matrixText', () => {
  const loaded = loadLab('T1-intel.p2plab', T1)
  if (!loaded.ok) throw new Error('T1 does not load')
  const lab = loaded.lab
  const built = buildMachine(lab.machine, lab.settings)
  if (!built.ok) throw new Error('T1 does not build')
  const m = built.machine
  const full = computeMatrix(m)
  const providers = [...full.providers]
  const clients = [...full.clients]
  /** T1's matrix as text: what the test varies (the CPU, the names, the filtered rows and columns). */
  const exported = (
    what: Pick<Parameters<typeof matrixText>[0], 'cpu' | 'names' | 'providers' | 'clients'>,
  ) => matrixText({ machine: m, labName: lab.name, settings: lab.settings, ...what })

  it('has one row per provider and a cell per client, each the engine’s verdict', () => {
    const text = exported({
      cpu: 'intel family 0x6',
      names: namesByBdf(m, lab.machine),
      providers,
      clients,
    })
    expect(text).toContain(`kernel era ${lab.settings.era}`)
    for (const pair of full.pairs) {
      const row = text.split('\n').find((l) => l.startsWith(pair.provider))!
      const i = clients.indexOf(pair.client)
      const cell = row.slice(44 + 8 * i, 44 + 8 * (i + 1)).trim() // fixed columns of 8
      const short = {
        BUS_ADDR: 'BUS',
        THRU_HOST_BRIDGE: 'HOST',
        NOT_SUPPORTED: 'NO',
        UNKNOWN: '?',
        NONE: 'NONE',
      }[pair.mapType]
      expect(cell).toBe(`${short} ${pair.distance}${pair.acsRedirect.length ? '*' : ''}`)
    }
    for (const c of clients) expect(text).toMatch(new RegExp(`^  c\\d+ +${c.replace(/\./g, '\\.')}`, 'm'))
  })

  it('exports only the filtered rows and columns', () => {
    const text = exported({
      cpu: 'x',
      names: new Map(),
      providers: providers.slice(0, 1),
      clients: clients.slice(0, 2),
    })
    expect(text).toMatch(/1 providers \(rows\) × 2 clients/)
    expect(text.split('\n').filter((l) => /^[0-9a-f]{4}:/.test(l))).toHaveLength(1)
    expect(text).not.toContain(`c3`)
  })
})
