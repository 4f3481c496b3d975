/**
 * The attendee's own copy of the engine, in a Web Worker: it loads the lab the class server sent
 * (without exercises or expected outcomes), records the scenario the attendee looks at and moves
 * the cursor, so stepping and exploring other eras cost the instructor's machine nothing.
 *
 * It uses the same Stepper as the instructor's app (electron/app/stepping/stepper.ts: pure
 * TypeScript over the engine's index), so a cursor means the same step on both sides. Until the
 * attendee locks in an answer, the page passes the open exercise's question point (`cap`) and the
 * cursor never goes past it, and the words that would name the answer are masked (`mask`).
 */
import { z } from 'zod'
import { eraInfos, loadLab } from '../../../../electron/engine/index'
import { Stepper, listScenarios } from '../../../../electron/app/stepping/stepper'
import type { LabFile } from '../../../../shared/model/topology'
import { maskDeep } from '../../../../shared/class/mask'
import type { AttendeeStepView, Cap, LabLoaded, Mask, WorkerReply, WorkerRequest } from './messages'

// The page's CSP has no 'unsafe-eval': zod must not try to compile its parsers with new Function.
z.config({ jitless: true })

let lab: LabFile | null = null
let stepper: Stepper | null = null

/** The cursor the question point stands for in the scenario being stepped (null: no limit). */
function limitOf(s: Stepper, cap: Cap): number | null {
  if (!cap) return null
  if (cap.op !== null) {
    const op = s.result.operations[cap.op]
    return op ? op.first : null
  }
  return cap.cursor === null ? null : Math.max(s.start, cap.cursor)
}

/** The view, with the open exercise's words masked in every string (until the attendee locks in). */
function view(s: Stepper, cap: Cap, capped: boolean, mask: Mask): AttendeeStepView {
  const v = stepView(s, cap, capped)
  return mask ? maskDeep(v, mask.salt, new Set(mask.hashes)) : v
}

function stepView(s: Stepper, cap: Cap, capped: boolean): AttendeeStepView {
  const v = s.view()
  return {
    scenario: { index: v.scenario.index, name: v.scenario.name, era: v.scenario.era },
    cursor: v.cursor,
    start: v.start,
    total: v.total,
    atStart: v.atStart,
    atEnd: v.atEnd,
    current: v.current,
    callStack: v.callStack,
    deltas: v.deltas,
    operations: v.operations,
    currentOp: v.currentOp,
    limit: limitOf(s, cap),
    capped,
  }
}

/** Keep the cursor at or before the question point; true when it had to be pulled back. */
function clamp(s: Stepper, cap: Cap): boolean {
  const limit = limitOf(s, cap)
  if (limit === null || s.result.timeline.cursor <= limit) return false
  s.seek(limit)
  return true
}

function handle(req: WorkerRequest): WorkerReply {
  switch (req.t) {
    case 'lab': {
      const r = loadLab('class.p2plab', req.text)
      if (!r.ok) return { id: req.id, ok: false, error: r.issues[0]?.message ?? 'the lab does not load' }
      lab = r.lab
      stepper = null
      const loaded: LabLoaded = {
        name: r.lab.name ?? 'lab',
        scenarios: listScenarios(r.lab).map((s) => ({
          index: s.index,
          name: s.name,
          era: s.era,
          narration: s.narration,
          operations: s.operations.map((o) => ({ op: o.op, narration: o.narration })),
        })),
        eras: eraInfos().map((e) => ({ id: e.id, label: e.label })),
      }
      return { id: req.id, ok: true, lab: loaded }
    }
    case 'start': {
      if (!lab) return { id: req.id, ok: false, error: 'no lab yet' }
      const s = Stepper.create(lab, req.scenario, req.era)
      stepper = s
      if (req.cursor !== null) s.seek(req.cursor)
      return { id: req.id, ok: true, view: view(s, req.cap, clamp(s, req.cap), req.mask) }
    }
    case 'step': {
      const s = stepper
      if (!s) return { id: req.id, ok: false, error: 'no scenario started' }
      s.step(req.kind)
      return { id: req.id, ok: true, view: view(s, req.cap, clamp(s, req.cap), req.mask) }
    }
    case 'seek': {
      const s = stepper
      if (!s) return { id: req.id, ok: false, error: 'no scenario started' }
      s.seek(req.cursor)
      return { id: req.id, ok: true, view: view(s, req.cap, clamp(s, req.cap), req.mask) }
    }
  }
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null
  postMessage(m: WorkerReply): void
}
scope.onmessage = (e) => {
  let reply: WorkerReply
  try {
    reply = handle(e.data)
  } catch (err) {
    reply = { id: e.data.id, ok: false, error: err instanceof Error ? err.message : String(err) }
  }
  scope.postMessage(reply)
}
