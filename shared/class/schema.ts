/**
 * The runtime schema of what an attendee may send (./protocol.ts), kept apart so the attendee page
 * does not bundle zod for its main thread. The server parses every frame with it.
 */
import { z } from 'zod'
import type { ClientMessage } from './protocol'
import { parseJsonFrame } from '../text/json'

const token = z.string().regex(/^[0-9a-f]{32}$/, 'a resume token')

export const clientMessageSchema = z.discriminatedUnion('t', [
  z.strictObject({
    t: z.literal('join'),
    code: z.string().min(1).max(16),
    name: z.string().max(200),
    token: token.optional(),
  }),
  z.strictObject({
    t: z.literal('answer'),
    /** The open exercise's key ('scenario:exercise'). */
    ask: z.string().min(1).max(40),
    /** One choice (or typed text), or for a multi-select exercise the chosen subset. */
    prediction: z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(64)]),
  }),
])

// The schema and the hand-written type must agree (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const _agrees: Same<z.infer<typeof clientMessageSchema>, ClientMessage> = true
void _agrees

/** Parse one frame from an attendee; null when it is not valid JSON or not a protocol message. */
export function parseClientMessage(text: string): ClientMessage | null {
  const frame = parseJsonFrame(text)
  if (!frame) return null
  const r = clientMessageSchema.safeParse(frame.value)
  return r.success ? r.data : null
}
