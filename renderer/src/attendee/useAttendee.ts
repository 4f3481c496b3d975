/**
 * The attendee page's state: the connection, the lab and the instructor's position the server
 * pushes, the attendee's own cursor in their engine worker, and the open exercise.
 *
 * Following (the default): every position the instructor reaches is replayed in the attendee's
 * own engine (same lab, same era, same cursor). Any own move (a step, another scenario or era)
 * stops following; "Follow the instructor" snaps back. While the open exercise is not locked in,
 * the attendee's cursor in its scenario never passes the question point, and the narration is
 * hidden: nothing on the page gives the answer away before the attendee commits.
 */
import { computed, ref, shallowRef } from 'vue'
import type {
  AttendeeAsk,
  FollowPosition,
  ScenarioNotes,
  ServerMessage,
} from '../../../shared/class/protocol'
import type { Prediction, StepRequestKind } from '../../../shared/model/stepper'
import type { Era } from '../../../shared/model/topology'
import { ClassConnection, loadStored, type ConnState } from './connection'
import { EngineClient } from './worker/engine-client'
import type { AttendeeStepView, Cap, LabLoaded, Mask } from './worker/messages'

export function useAttendee(engine: EngineClient = new EngineClient()) {
  const conn = ref<ConnState>('idle')
  const connDetail = ref<string | null>(null)
  const me = shallowRef<{ id: string; name: string } | null>(null)
  const lab = shallowRef<LabLoaded | null>(null)
  const labRevision = ref(-1)
  const position = shallowRef<FollowPosition | null>(null)
  const following = ref(true)
  const view = shallowRef<AttendeeStepView | null>(null)
  const ask = shallowRef<AttendeeAsk | null>(null)
  /** Narration per scenario, masked where it would give an unrevealed exercise away. */
  const notes = shallowRef<Map<number, ScenarioNotes>>(new Map())
  const notice = ref<string | null>(null)
  const sending = ref(false)
  const busy = ref(false)

  let seq = 0
  let queue: Promise<unknown> = Promise.resolve()

  /** The open exercise's question point, for scenario `index`, while this attendee has not locked in. */
  function capFor(index: number): Cap {
    const a = ask.value
    if (!a || a.mine || a.reveal || a.scenario !== index) return null
    return a.cap
  }
  /** The open exercise's words to mask, wherever the attendee looks, until they lock in. */
  function mask(): Mask {
    const a = ask.value
    return a && !a.mine && !a.reveal && a.mask.hashes.length ? a.mask : null
  }
  /** The open exercise is about the scenario shown and is not answered yet: hide what could spoil it. */
  const guarded = computed(() => !!view.value && capFor(view.value.scenario.index) !== null)

  /** Serialised engine requests; only the newest answer is shown. */
  function run(body: Parameters<EngineClient['request']>[0]): Promise<void> {
    const id = ++seq
    busy.value = true
    const next = queue.then(async () => {
      const r = await engine.request(body)
      if (id !== seq) return
      busy.value = false
      if (!r.ok) {
        notice.value = r.error
        return
      }
      if ('view' in r) view.value = r.view
    })
    queue = next.catch(() => undefined)
    return next
  }

  function start(scenario: number, era: Era, cursor: number | null): Promise<void> {
    return run({ t: 'start', scenario, era, cursor, cap: capFor(scenario), mask: mask() })
  }

  /** Replay the instructor's position in the attendee's engine (when following). */
  function sync(): Promise<void> {
    const p = position.value
    if (!following.value || !p || !lab.value || p.revision !== labRevision.value) return Promise.resolve()
    const v = view.value
    if (!v || v.scenario.index !== p.scenario || v.scenario.era !== p.era)
      return start(p.scenario, p.era, p.cursor)
    return run({ t: 'seek', cursor: p.cursor, cap: capFor(p.scenario), mask: mask() })
  }

  async function onMessage(msg: ServerMessage): Promise<void> {
    switch (msg.t) {
      case 'welcome':
        me.value = { id: msg.id, name: msg.name }
        return
      case 'lab': {
        const r = await engine.request({ t: 'lab', text: msg.text })
        if (!r.ok) {
          notice.value = `the lab does not load here: ${r.error}`
          return
        }
        if ('lab' in r) lab.value = r.lab
        labRevision.value = msg.revision
        view.value = null
        return sync()
      }
      case 'notes':
        notes.value = new Map(msg.scenarios.map((n) => [n.index, n]))
        return
      case 'follow':
        position.value = msg.position
        return sync()
      case 'ask': {
        const before = ask.value
        ask.value = msg.ask
        sending.value = false
        // A new question point applies at once (also over a move still in the worker: the newest
        // request wins); a lifted one lets a follower catch up.
        if (
          before?.key !== msg.ask?.key ||
          !!before?.mine !== !!msg.ask?.mine ||
          !!before?.reveal !== !!msg.ask?.reveal
        ) {
          if (following.value) return sync()
          const v = view.value
          if (v) return run({ t: 'seek', cursor: v.cursor, cap: capFor(v.scenario.index), mask: mask() })
        }
        return
      }
      case 'error':
        sending.value = false
        notice.value = msg.message
        return
      default:
        return
    }
  }

  const connection = new ClassConnection({
    message: (m) => void onMessage(m),
    state: (s, detail) => {
      conn.value = s
      connDetail.value = detail
    },
  })

  function join(code: string, name: string): void {
    const stored = loadStored()
    // The same class (same code) in this browser: resume with the token (name and answers kept).
    const token = stored && stored.code === code ? stored.token : null
    connection.join({ code, name, token })
  }

  function resume(): boolean {
    const stored = loadStored()
    if (!stored?.token) return false
    connection.join(stored)
    return true
  }

  function step(kind: StepRequestKind): Promise<void> {
    const v = view.value
    if (!v) return Promise.resolve()
    following.value = false
    return run({ t: 'step', kind, cap: capFor(v.scenario.index), mask: mask() })
  }

  function seek(cursor: number): Promise<void> {
    const v = view.value
    if (!v) return Promise.resolve()
    following.value = false
    return run({ t: 'seek', cursor, cap: capFor(v.scenario.index), mask: mask() })
  }

  function explore(scenario: number, era: Era): Promise<void> {
    following.value = false
    return start(scenario, era, null)
  }

  function follow(): Promise<void> {
    following.value = true
    return sync()
  }

  function answer(prediction: Prediction): void {
    const a = ask.value
    if (!a || a.mine || a.reveal) return
    sending.value = connection.answer(a.key, prediction)
    if (!sending.value) notice.value = 'not connected: your answer was not sent, try again in a moment'
  }

  return {
    conn,
    connDetail,
    me,
    lab,
    position,
    following,
    view,
    ask,
    notes,
    notice,
    sending,
    busy,
    guarded,
    join,
    resume,
    leave: () => connection.leave(),
    step,
    seek,
    explore,
    follow,
    answer,
  }
}

export type Attendee = ReturnType<typeof useAttendee>
