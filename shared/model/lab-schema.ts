/**
 * Runtime schemas (zod) for lab files and topology specs: the single place that says what a
 * well-formed lab is. The JSON Schema (docs/lab-file.schema.json) is generated from it, and the IPC
 * validation in main uses it. The lab-file loader, the importers' output check and buildMachine()
 * check with ./lab-check.ts instead: the same rules without zod, a property test holds the two
 * to the same verdict and the same issue paths (electron/engine/import/lab-check.test.ts). Semantic checks (cycles, duplicate ids, BARs that do not fit) live in
 * electron/engine/topology/validate.ts, which reports located errors.
 */
import { z } from 'zod'
import { ACS_FLAGS, ENDPOINT_TYPES, ERAS, LAB_FORMAT, NODE_KINDS } from './topology'
import { LIMITS } from './limits'

export { LIMITS }

/** A whole number from `min` to `max`, both included (a fresh schema each call). */
export const intIn = (min: number, max: number) => z.number().int().min(min).max(max)

/** The field types a lab and a topology edit share (edit-schema.ts reuses them). */
export const u8 = z.number().int().min(0).max(0xff)
export const u16 = z.number().int().min(0).max(0xffff)
export const label = z.string().max(LIMITS.maxLabelLength)
export const id = z
  .string()
  .min(1)
  .max(LIMITS.maxIdLength)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'ids use letters, digits and _ . : - only')

export const acsFlagSchema = z.enum(ACS_FLAGS)

export const barSchema = z.strictObject({
  index: z.number().int().min(0).max(5),
  size: intIn(4, LIMITS.maxBarSize).refine(
    (n) => Number.isInteger(Math.log2(n)),
    'BAR size must be a power of two',
  ),
  io: z.boolean().optional(),
  mem64: z.boolean().optional(),
  prefetch: z.boolean().optional(),
})

export const cpuSchema = z.strictObject({
  vendor: z.enum(['intel', 'amd', 'hygon', 'other']),
  family: z.number().int().min(0).max(0x1ff),
  model: z.number().int().min(0).max(0xfff).optional(),
  name: label.optional(),
})

export const hostBridgeSchema = z.strictObject({
  domain: u16,
  rootBus: u8,
  busEnd: u8.optional(),
  numaNode: z.number().int().min(0).max(1023),
  cpus: z
    .string()
    .max(400)
    .regex(/^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/, 'a Linux CPU list like 0-23,48-71')
    .optional(),
  hostDevice: z
    .strictObject({
      vendor: u16,
      device: u16,
      classCode: z.number().int().min(0).max(0xffffff).optional(),
      label: label.optional(),
    })
    .nullable(),
  mmioBase: intIn(0, 2 ** 52).optional(),
  mmioSize: intIn(0, 2 ** 52).optional(),
  busOffset: intIn(-(2 ** 52), 2 ** 52).optional(),
})

export const endpointSchema = z.strictObject({
  type: z.enum(ENDPOINT_TYPES),
  bars: z.array(barSchema).max(LIMITS.maxBarsPerFunction),
  driver: z
    .string()
    .max(40)
    .regex(/^[A-Za-z0-9_-]*$/)
    .optional(),
  queueP2p: z.boolean().optional(),
  p2pmemBar: z.number().int().min(0).max(5).optional(),
  osDevices: z.array(z.string().max(60)).max(64).optional(),
})

export const nodeSchema = z.strictObject({
  id,
  kind: z.enum(NODE_KINDS),
  parent: id.nullable(),
  label: label.optional(),
  slot: z.number().int().min(0).max(31).optional(),
  fn: z.number().int().min(0).max(7).optional(),
  vendor: u16.optional(),
  device: u16.optional(),
  classCode: z.number().int().min(0).max(0xffffff).optional(),
  acs: z.strictObject({ cap: z.array(acsFlagSchema).max(7), ctrl: z.array(acsFlagSchema).max(7) }).optional(),
  host: hostBridgeSchema.optional(),
  endpoint: endpointSchema.optional(),
})

export const machineSchema = z.strictObject({
  name: label,
  cpu: cpuSchema.nullable(),
  nodes: z.array(nodeSchema).min(1).max(LIMITS.maxNodes),
})

export const settingsSchema = z.strictObject({
  era: z.enum(ERAS),
  iommu: z.boolean(),
  disableAcsRedir: z.string().max(4000),
  rfcTestP2p: z.enum(['as-posted', 'as-intended']),
  seed: intIn(0, 2 ** 32 - 1),
})

export const labFileSchema = z.strictObject({
  format: z.literal(LAB_FORMAT),
  schemaVersion: z.number().int().min(1),
  name: label,
  description: z.string().max(20_000).optional(),
  machine: machineSchema,
  settings: settingsSchema,
  /** A workshop course: the lab's scenarios and their exercises, taught in order. */
  course: z.strictObject({ title: label.min(1), description: z.string().max(20_000).optional() }).optional(),
  scenarios: z.array(z.unknown()).max(1000).optional(),
})

export type LabFileParsed = z.infer<typeof labFileSchema>
