/**
 * Runtime schemas for every request in the contract: the argument list each channel accepts.
 * Main validates every payload against these before anything reaches the engine.
 */
import { z } from 'zod'
import type { Invoke } from './contract'
import { editRequestSchema } from '../model/edit-schema'
import { cpuSchema, settingsSchema, LIMITS } from '../model/lab-schema'

const bdf = z.string().max(20).regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/, 'a BDF like 0000:03:00.0')

/** A UI-state patch: every field optional, every field bounded (a few hundred bytes at most). */
export const uiStatePatch = z.strictObject({
  selectedPair: z.strictObject({ provider: bdf, client: bdf }).nullable().optional(),
  selectedNode: z
    .string()
    .max(LIMITS.maxIdLength)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'a node id')
    .nullable()
    .optional(),
  cursor: z.number().int().min(0).max(10_000_000).nullable().optional(),
})

/** Each entry validates the *argument list* (a tuple), so extra arguments are refused too. */
export const requestSchemas = {
  'app.info': z.tuple([]),
  'lab.current': z.tuple([]),
  'lab.loadDefault': z.tuple([]),
  'lab.new': z.tuple([]),
  'topology.edit': z.tuple([editRequestSchema]),
  'topology.undo': z.tuple([]),
  'topology.redo': z.tuple([]),
  'topology.iomem': z.tuple([]),
  'lab.importText': z.tuple([
    z.strictObject({
      fileName: z.string().min(1).max(4096),
      text: z.string().max(LIMITS.maxFileBytes, `files over ${LIMITS.maxFileBytes / 1024 / 1024} MiB are refused`),
    }),
  ]),
  'lab.setSettings': z.tuple([
    settingsSchema
      .partial()
      .extend({ cpu: cpuSchema.nullable().optional() })
      .strict(),
  ]),
  'lab.exportText': z.tuple([]),
  'p2p.explain': z.tuple([z.strictObject({ provider: bdf, client: bdf })]),
  'lab.recovery': z.tuple([]),
  'lab.recover': z.tuple([]),
  'lab.discardRecovery': z.tuple([]),
  'ui.state': z.tuple([]),
  'ui.setState': z.tuple([uiStatePatch]),
} as const satisfies Record<keyof Invoke, z.ZodType>
