/**
 * LabSession topology editing: edits, undo/redo stacks, refusals that change nothing, the new lab,
 * the address map; and the same through the IPC handlers (schemas refuse malformed edits).
 */
import { describe, expect, it, vi } from 'vitest'
import { LabSession, UNDO_LIMIT } from './session'
import { createHandlers } from './ipc/handlers'
import type { LabView, Result } from '../../shared/ipc/contract'

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error).slice(0, 400)}`)
  return r.value
}

/** The view without the summary's revision stamp (each change gets its own summary). */
const json = (v: LabView): string =>
  JSON.stringify({
    lab: v.lab,
    nodes: v.nodes,
    matrix: { ...v.matrix, summary: { ...v.matrix.summary, revision: 0 } },
  })

describe('LabSession editing', () => {
  it('edit → undo → redo restores exactly', () => {
    const s = new LabSession()
    const v0 = value(s.current())
    expect(v0.canUndo).toBe(false)
    const v1 = value(
      s.edit({
        op: 'updateNode',
        id: 'sw0_dsp0',
        patch: { acs: { cap: ['SV', 'RR', 'CR'], ctrl: ['RR', 'CR'] } },
      }),
    )
    expect(v1.canUndo).toBe(true)
    expect(v1.canRedo).toBe(false)
    expect(json(v1)).not.toBe(json(v0))
    const u = value(s.undo())
    expect(json(u)).toBe(json(v0))
    expect(u.canUndo).toBe(false)
    expect(u.canRedo).toBe(true)
    const r = value(s.redo())
    expect(json(r)).toBe(json(v1))
    expect(r.revision).toBeGreaterThan(u.revision)
  })

  it('an edit cuts the redo tail; a refused edit changes nothing', () => {
    const s = new LabSession()
    value(s.edit({ op: 'updateNode', id: 'gpu0', patch: { label: 'A' } }))
    value(s.undo())
    value(s.edit({ op: 'updateNode', id: 'gpu0', patch: { label: 'B' } }))
    expect(value(s.current()).canRedo).toBe(false)
    const before = JSON.stringify(value(s.current()))
    const listener = vi.fn()
    s.onDidChange(listener)
    const refused = s.edit({ op: 'addNode', kind: 'endpoint', parent: 'sw0_usp' })
    expect(refused.ok).toBe(false)
    if (!refused.ok) expect(refused.error.message).toMatch(/PCIe link rule/)
    expect(JSON.stringify(value(s.current()))).toBe(before)
    expect(listener).not.toHaveBeenCalled()
    expect(s.redo().ok).toBe(false)
  })

  it('bounds the undo stack and drops the history when another lab is loaded', () => {
    const s = new LabSession()
    for (let i = 0; i < UNDO_LIMIT + 5; i++)
      value(s.edit({ op: 'updateNode', id: 'gpu0', patch: { label: `L${i}` } }))
    let undos = 0
    while (s.undo().ok) undos++
    expect(undos).toBe(UNDO_LIMIT)
    value(s.edit({ op: 'updateNode', id: 'gpu0', patch: { label: 'x' } }))
    const fresh = value(s.newLab())
    expect(fresh.canUndo).toBe(false)
    expect(fresh.lab.machine.nodes).toHaveLength(1)
    expect(s.undo().ok).toBe(false)
  })

  it('builds a machine from a new lab and answers its address map', () => {
    const s = new LabSession()
    value(s.newLab())
    const v = value(
      s.edit([
        { op: 'addNode', id: 'rp', kind: 'root_port', parent: 'hb0' },
        {
          op: 'addNode',
          id: 'ep',
          kind: 'endpoint',
          parent: 'rp',
          props: { endpoint: { type: 'nvme', bars: [{ index: 0, size: 16384 }] } },
        },
      ]),
    )
    expect(v.nodes.map((n) => n.id)).toEqual(['hb0', 'rp', 'ep'])
    const map = value(s.iomem())
    expect(map.dma.map((d) => d.id)).toEqual(['ep'])
    value(s.undo())
    expect(value(s.current()).nodes).toHaveLength(1)
  })

  it('refuses malformed edits at the IPC boundary', () => {
    const s = new LabSession()
    const h = createHandlers(s, () => undefined)
    const before = s.currentRevision
    expect(h['topology.edit']({ op: 'updateNode', id: 'gpu0', patch: { colour: 'red' } }).ok).toBe(false)
    expect(h['topology.edit']({ op: 'explode' }).ok).toBe(false)
    expect(h['topology.edit']([]).ok).toBe(false)
    expect(s.currentRevision).toBe(before)
    expect(h['topology.edit']([{ op: 'updateNode', id: 'gpu0', patch: { label: 'ok' } }]).ok).toBe(true)
    expect(h['topology.undo']().ok).toBe(true)
    expect(h['topology.iomem']().ok).toBe(true)
  })
})
