/**
 * LabSession against the real engine: the one owner of state, atomic changes, change events.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { ERAS, type LabFile } from '../../shared/model/topology'
import { LabSession, issueSummary, labFileNameFor } from './session'
import { defaultLab } from '../engine/lab/default-lab'
import type { LabView } from '../../shared/ipc/contract'

const fixture = (p: string): string =>
  readFileSync(new URL(`../../tests/fixtures/realdata/${p}`, import.meta.url), 'utf8')

function snapshot(s: LabSession): { revision: number; lab: string; matrix: string } {
  const r = s.current()
  if (!r.ok) throw new Error('current() failed')
  return {
    revision: r.value.revision,
    lab: JSON.stringify(r.value.lab),
    matrix: JSON.stringify(r.value.matrix),
  }
}

function value<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error).slice(0, 400)}`)
  return r.value
}

describe('LabSession', () => {
  it('starts with the default lab loaded, built and at revision 1', () => {
    const s = new LabSession({ version: '1.2.3' })
    const view = value(s.current())
    expect(view.revision).toBe(1)
    expect(view.lab).toEqual(defaultLab())
    expect(view.nodes.length).toBeGreaterThan(0)
    expect(view.matrix.era).toBe(view.lab.settings.era)
    expect(view.importReport).toBeNull()
    expect(s.fileName).toBe('default.p2plab')
    // JSON-safe: the view crosses IPC / the harness socket unchanged.
    expect(JSON.parse(JSON.stringify(view))).toEqual(view)
  })

  it('reports the app info with every era and the host it runs in', () => {
    const info = value(new LabSession({ version: '1.2.3' }).info('browser-harness'))
    expect(info).toMatchObject({ name: 'P2P DMA Lab', version: '1.2.3', host: 'browser-harness' })
    expect(info.eras.map((e) => e.id)).toEqual([...ERAS])
    for (const e of info.eras) expect(e.label.length).toBeGreaterThan(0)
  })

  it('applies a settings patch, bumps the revision and notifies listeners with the new view', () => {
    const s = new LabSession()
    const seen: LabView[] = []
    const off = s.onDidChange((v) => seen.push(v))
    const v = value(s.setSettings({ era: 'v5.0' }))
    expect(v.revision).toBe(2)
    expect(v.lab.settings).toEqual({ ...defaultLab().settings, era: 'v5.0' })
    expect(v.matrix.era).toBe('v5.0')
    expect(seen).toEqual([v])
    value(s.setSettings({ iommu: true, seed: 7 }))
    expect(value(s.current()).lab.settings).toMatchObject({ era: 'v5.0', iommu: true, seed: 7 })
    off()
    value(s.loadDefault())
    expect(seen).toHaveLength(2)
    expect(value(s.current()).lab).toEqual(defaultLab())
    expect(value(s.current()).revision).toBe(4)
  })

  it('sets and clears the CPU (null = infer it again)', () => {
    const s = new LabSession()
    const v = value(s.setSettings({ cpu: { vendor: 'amd', family: 0x19 } }))
    expect(v.lab.machine.cpu).toEqual({ vendor: 'amd', family: 0x19 })
    expect(v.matrix.cpu).toMatchObject({ vendor: 'amd', family: 0x19, inferred: false })
    const w = value(s.setSettings({ cpu: null }))
    expect(w.lab.machine.cpu).toBeNull()
    expect(w.matrix.cpu.inferred).toBe(true)
  })

  it('refuses a bad file atomically: same lab, same revision, no event', () => {
    const s = new LabSession()
    value(s.setSettings({ era: 'v6.2' }))
    const before = snapshot(s)
    const listener = vi.fn()
    s.onDidChange(listener)
    for (const text of [
      '',
      'garbage',
      '{"format":"p2p-dma-lab","schemaVersion":1}',
      '{"format":"p2p-dma-lab"',
      '<topology><object',
      '\u0000\u0001',
    ]) {
      const r = s.importText({ fileName: 'bad.p2plab', text })
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.error.kind).toBe('input')
        expect(r.error.issues.length).toBeGreaterThan(0)
        expect(r.error.message).toContain('bad.p2plab')
      }
    }
    expect(snapshot(s)).toEqual(before)
    expect(listener).not.toHaveBeenCalled()
  })

  it('refuses a well-formed lab whose topology does not build, atomically', () => {
    const s = new LabSession()
    const before = snapshot(s)
    const lab: LabFile = defaultLab()
    const first = lab.machine.nodes[0]!
    lab.machine.nodes.push({ ...first }) // duplicate id
    const r = s.importText({ fileName: 'dup.p2plab', text: JSON.stringify(lab) })
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.kind).toBe('input')
      expect(r.error.issues.length).toBeGreaterThan(0)
    }
    expect(snapshot(s)).toEqual(before)
  })

  it('round-trips export → import, and names imports .p2plab', () => {
    const s = new LabSession()
    value(s.setSettings({ era: 'v6.2', seed: 42 }))
    const exported = value(s.exportText())
    expect(exported.fileName).toBe('default.p2plab')
    const t = new LabSession()
    const v = value(t.importText({ fileName: '/home/me/labs/my lab.p2plab', text: exported.text }))
    expect(v.lab).toEqual(value(s.current()).lab)
    expect(v.importReport?.format).toBe('lab')
    expect(t.fileName).toBe('my lab.p2plab')
  })

  it('imports a real hwloc topology with a report', () => {
    const s = new LabSession()
    const v = value(s.importText({ fileName: 'nvidiaDGX2.xml', text: fixture('hwloc/nvidiaDGX2.xml') }))
    expect(v.importReport?.format).toBe('hwloc-xml')
    expect(v.nodes.length).toBeGreaterThan(3)
    expect(s.fileName).toBe('nvidiaDGX2.p2plab')
    expect(value(s.exportText()).fileName).toBe('nvidiaDGX2.p2plab')
    // Settings changes keep the import report.
    expect(value(s.setSettings({ era: 'v6.16' })).importReport?.format).toBe('hwloc-xml')
  })

  it('explains a provider/client pair and refuses unknown functions with located issues', () => {
    const s = new LabSession()
    const m = value(s.current()).matrix
    const pair = m.pairs[0]!
    const verdict = value(s.explain({ provider: pair.provider, client: pair.client }))
    expect(verdict.provider).toBe(pair.provider)
    expect(verdict.client).toBe(pair.client)
    const r = s.explain({ provider: '0000:ff:1f.7', client: pair.client })
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(r.error.issues).toEqual([expect.objectContaining({ source: 'p2p.explain', path: 'provider' })])
  })

  it('keeps going when a listener throws', () => {
    const s = new LabSession()
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    s.onDidChange(() => {
      throw new Error('boom')
    })
    const ok = vi.fn()
    s.onDidChange(ok)
    expect(s.setSettings({ era: 'v6.4' }).ok).toBe(true)
    expect(ok).toHaveBeenCalledTimes(1)
    spy.mockRestore()
  })

  it('helpers: file names and issue summaries', () => {
    expect(labFileNameFor('C:\\x\\gpu-box.xml')).toBe('gpu-box.p2plab')
    expect(labFileNameFor('/a/b/topo')).toBe('topo.p2plab')
    expect(labFileNameFor('.xml')).toBe('lab.p2plab')
    expect(issueSummary([])).toBe('no details')
    expect(
      issueSummary([
        { source: 'f', line: 3, message: 'x' },
        { source: 'f', message: 'y' },
      ]),
    ).toBe('line 3: x (+1 more)')
  })
})

describe('LabSession.importText: located schema errors', () => {
  it('a schema error (a JSON path) also carries the line and column of that value', () => {
    const text = '{\n  "format": "p2p-dma-lab",\n  "schemaVersion": 1,\n  "name": 42\n}\n'
    const r = new LabSession().importText({ fileName: 'x.p2plab', text })
    expect(r.ok).toBe(false)
    if (!r.ok) {
      const named = r.error.issues.find((i) => i.path === 'name')
      expect(named).toMatchObject({ line: 4, column: 11 })
    }
  })
})
