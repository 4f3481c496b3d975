/**
 * Runtime schema (zod) of a `topology.edit` request: one EditOp or a batch. Strict: unknown keys are
 * refused, so a typo in a patch never silently does nothing.
 */
import { z } from 'zod'
import { acsFlagSchema, barSchema, cpuSchema, id, label, LIMITS, u16, u8 } from './lab-schema'
import { ENDPOINT_TYPES, NODE_KINDS } from './topology'

const classCode = z.number().int().min(0).max(0xffffff)
const kind = z.enum(NODE_KINDS)
const epType = z.enum(ENDPOINT_TYPES)
const acs = z.strictObject({ cap: z.array(acsFlagSchema).max(7), ctrl: z.array(acsFlagSchema).max(7) })
const driver = z
  .string()
  .max(40)
  .regex(/^[A-Za-z0-9_-]*$/)
const hostDevice = z.strictObject({
  vendor: u16,
  device: u16,
  classCode: classCode.optional(),
  label: label.optional(),
})
const bars = z.array(barSchema).max(LIMITS.maxBarsPerFunction)
const slot = z.number().int().min(0).max(31)
const fn = z.number().int().min(0).max(7)
const bus = z
  .number()
  .int()
  .min(-(2 ** 52))
  .max(2 ** 52)

const newProps = z.strictObject({
  label: label.optional(),
  vendor: u16.optional(),
  device: u16.optional(),
  classCode: classCode.optional(),
  slot: slot.optional(),
  fn: fn.optional(),
  acs: acs.optional(),
  endpoint: z
    .strictObject({
      type: epType,
      bars,
      driver: driver.optional(),
      queueP2p: z.boolean().optional(),
      p2pmemBar: z.number().int().min(0).max(5).optional(),
    })
    .optional(),
  host: z
    .strictObject({
      domain: u16,
      rootBus: u8,
      numaNode: z.number().int().min(0).max(1023),
      hostDevice: hostDevice.nullable(),
      busOffset: bus.optional(),
    })
    .optional(),
})

const patch = z.strictObject({
  label: label.nullable().optional(),
  vendor: u16.nullable().optional(),
  device: u16.nullable().optional(),
  classCode: classCode.nullable().optional(),
  slot: slot.nullable().optional(),
  fn: fn.nullable().optional(),
  acs: acs.nullable().optional(),
  endpoint: z
    .strictObject({
      type: epType.optional(),
      bars: bars.optional(),
      driver: driver.nullable().optional(),
      queueP2p: z.boolean().nullable().optional(),
      p2pmemBar: z.number().int().min(0).max(5).nullable().optional(),
    })
    .optional(),
  host: z
    .strictObject({
      domain: u16.optional(),
      rootBus: u8.optional(),
      busEnd: u8.nullable().optional(),
      numaNode: z.number().int().min(0).max(1023).optional(),
      hostDevice: hostDevice.nullable().optional(),
      busOffset: bus.nullable().optional(),
    })
    .optional(),
})

export const editOpSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('addNode'),
    id: id.optional(),
    kind,
    parent: id.nullable(),
    props: newProps.optional(),
  }),
  z.strictObject({ op: z.literal('removeNodes'), ids: z.array(id).min(1).max(LIMITS.maxNodes) }),
  z.strictObject({ op: z.literal('updateNode'), id, patch }),
  z.strictObject({ op: z.literal('reparent'), id, parent: id }),
  z.strictObject({ op: z.literal('setCpu'), cpu: cpuSchema.nullable() }),
])

/** At most this many ops in one batch (a pasted subtree of a big machine fits). */
export const MAX_EDIT_BATCH = 5000

export const editRequestSchema = z.union([editOpSchema, z.array(editOpSchema).min(1).max(MAX_EDIT_BATCH)])
