import { z } from 'zod'
import { labFileSchema } from '../shared/model/lab-schema'
import { scenarioSchema } from '../electron/engine/index'

function schemaJson(schema: z.ZodType, id: string, title: string, opts?: { reused: 'ref' }): string {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', ...(opts ?? {}) }) as Record<string, unknown>
  return JSON.stringify({ $id: id, title, ...json }, null, 2) + '\n'
}

export function labSchemaJson(): string {
  return schemaJson(
    labFileSchema,
    'https://p2p-dma-lab.invalid/schema/lab-file-v1.json',
    'P2P DMA Lab lab file (.p2plab), schema version 1',
  )
}

/** One entry of a lab file's `scenarios` array (docs/scenarios.md is the reference page). */
export function scenarioSchemaJson(): string {
  return schemaJson(
    scenarioSchema,
    'https://p2p-dma-lab.invalid/schema/scenario-v1.json',
    'P2P DMA Lab scenario (an entry of a lab file\'s "scenarios" array), schema version 1',
    // sizes, names and the errno list recur in every operation: $defs keep the file readable
    { reused: 'ref' },
  )
}
