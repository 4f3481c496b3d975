import { z } from 'zod'
import { labFileSchema } from '../shared/model/lab-schema'

export function labSchemaJson(): string {
  const schema = z.toJSONSchema(labFileSchema, { target: 'draft-2020-12' }) as Record<string, unknown>
  return (
    JSON.stringify(
      {
        $id: 'https://p2p-dma-lab.invalid/schema/lab-file-v1.json',
        title: 'P2P DMA Lab lab file (.p2plab), schema version 1',
        ...schema,
      },
      null,
      2,
    ) + '\n'
  )
}
