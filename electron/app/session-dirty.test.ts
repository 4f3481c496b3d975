/** LabSession's file state (issue 6): dirty, filePath, savedRevision, and the UI state kept in main. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LabSession } from './session'
import type { LabView } from '../../shared/ipc/contract'

const LAB = readFileSync(join(import.meta.dirname, '../../tests/fixtures/labs/T1-intel.p2plab'), 'utf8')

describe('LabSession dirty tracking', () => {
  it('is clean with the default lab, dirty after a change, clean after setFile(saved)', () => {
    const s = new LabSession()
    const seen: LabView[] = []
    s.onDidChange((v) => seen.push(v))
    expect([s.dirty, s.filePath]).toEqual([false, null])
    s.setSettings({ era: 'v5.0' })
    expect(s.dirty).toBe(true)
    expect(seen.at(-1)).toMatchObject({ dirty: true, filePath: null })
    const rev = s.currentRevision
    s.setFile('/labs/a.p2plab', { saved: true })
    expect([s.dirty, s.filePath, s.savedRevision]).toEqual([false, '/labs/a.p2plab', rev])
    // Marking saved pushes the view again with the same revision (the renderer accepts it).
    expect(seen.at(-1)).toMatchObject({ revision: rev, dirty: false, filePath: '/labs/a.p2plab' })
  })

  it('an import is a new, unsaved lab not tied to any file; a refused import changes nothing', () => {
    const s = new LabSession()
    s.setFile('/labs/a.p2plab', { saved: true })
    expect(s.importText({ fileName: 'b.p2plab', text: LAB }).ok).toBe(true)
    expect([s.dirty, s.filePath]).toEqual([true, null])
    s.setFile('/labs/b.p2plab', { saved: true })
    expect(s.importText({ fileName: 'c.p2plab', text: '{ broken' }).ok).toBe(false)
    expect([s.dirty, s.filePath]).toEqual([false, '/labs/b.p2plab'])
  })

  it('the default lab and a new lab are clean and belong to no file', () => {
    const s = new LabSession()
    s.setFile('/labs/a.p2plab', { saved: true })
    s.setSettings({ iommu: true })
    s.loadDefault()
    expect([s.dirty, s.filePath]).toEqual([false, null])
    s.setFile('/labs/a.p2plab', { saved: true })
    s.newLab()
    expect([s.dirty, s.filePath]).toEqual([false, null])
  })

  it('a recovered lab stays dirty with its original path (setFile saved: false)', () => {
    const s = new LabSession()
    s.importText({ fileName: 'x.p2plab', text: LAB })
    s.setFile('/labs/x.p2plab', { saved: false })
    expect([s.dirty, s.filePath]).toEqual([true, '/labs/x.p2plab'])
    const clean = new LabSession()
    clean.setFile('/labs/y.p2plab', { saved: false })
    expect(clean.dirty).toBe(true)
  })

  it('merges UI-state patches (undefined fields keep their value)', () => {
    const s = new LabSession()
    expect(s.uiState()).toEqual({ ok: true, value: { selectedPair: null, selectedNode: null, cursor: null } })
    s.setUiState({ selectedNode: 'gpu0' })
    s.setUiState({ cursor: 12, selectedNode: undefined })
    expect(s.uiState()).toEqual({ ok: true, value: { selectedPair: null, selectedNode: 'gpu0', cursor: 12 } })
    s.setUiState({ selectedNode: null })
    expect(s.uiState().ok && s.uiState()).toMatchObject({ value: { selectedNode: null, cursor: 12 } })
  })
})
