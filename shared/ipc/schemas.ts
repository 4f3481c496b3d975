/**
 * Runtime schemas for every request in the contract: the argument list each channel accepts.
 * Main validates every payload against these before anything reaches the engine.
 */
import { z } from 'zod'
import type { Invoke } from './contract'
import { cpuSchema, settingsSchema, LIMITS } from '../model/lab-schema'

const bdf = z.string().max(20).regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/, 'a BDF like 0000:03:00.0')

/** Each entry validates the *argument list* (a tuple), so extra arguments are refused too. */
export const requestSchemas = {
  'app.info': z.tuple([]),
  'lab.current': z.tuple([]),
  'lab.loadDefault': z.tuple([]),
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
} as const satisfies Record<keyof Invoke, z.ZodType>
