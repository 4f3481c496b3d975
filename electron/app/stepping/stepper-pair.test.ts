import { describe, expect, it, vi } from 'vitest'
import { LabSession } from '../session'
import { createHandlers } from '../ipc/handlers'
import type { Result } from '../../../shared/ipc/contract'
import type { ScenarioSummary, StepperView } from '../../../shared/model/stepper'

describe('StepperView.pair: the P2P pair the current step concerns', () => {
  it('is the provider/client of the open pci_p2pdma_map_type frame, or of a pair operation; null otherwise', () => {
    const session = new LabSession({ version: '0' })
    session.loadDefault()
    const h = createHandlers(session, vi.fn())
    const list = h['scenario.list']() as Result<ScenarioSummary[]> as { ok: true; value: ScenarioSummary[] }
    const l03 = list.value.findIndex((s) => s.operations.some((o) => o.op === 'dma_map_sgtable'))
    // the course's exercises would hold stepping before the mapping: the instructor reveals them
    const revealAll = (index: number) =>
      list.value[index]!.exercises.forEach((e) => h['exercise.reveal']({ index, exercise: e.index }))
    revealAll(l03)
    let v = (h['scenario.start']({ index: l03 }) as { ok: true; value: StepperView }).value
    expect(v.pair).toBeNull()
    v = (h['timeline.step']({ kind: 'runTo', fn: 'pci_p2pdma_map_type' }) as { ok: true; value: StepperView })
      .value
    expect(v.callStack.at(-1)?.fn).toBe('pci_p2pdma_map_type')
    const top = v.callStack.at(-1)!.args
    expect(v.pair).toEqual({ provider: top['provider'], client: top['client'] })
    expect(v.devices.map((d) => d.bdf)).toEqual(expect.arrayContaining([top['provider'], top['client']]))

    const dist = list.value.findIndex((s) => s.operations.some((o) => o.op === 'pci_p2pdma_distance'))
    revealAll(dist)
    v = (h['scenario.start']({ index: dist }) as { ok: true; value: StepperView }).value
    const op = list.value[dist]!.operations.findIndex((o) => o.op === 'pci_p2pdma_distance')
    for (let i = 0; i < 500 && v.currentOp !== op; i++)
      v = (h['timeline.step']({ kind: 'over' }) as { ok: true; value: StepperView }).value
    expect(v.currentOp).toBe(op)
    expect(v.pair?.provider).toMatch(/^[0-9a-f]{4}:/)
    expect(v.pair?.client).toMatch(/^[0-9a-f]{4}:/)
  })
})
