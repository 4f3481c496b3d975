/**
 * Runtime schemas for every request in the contract: the argument list each channel accepts.
 * Main validates every payload against these before anything reaches the engine.
 */
import { z } from 'zod'
import type { Invoke } from './contract'
import { editRequestSchema } from '../model/edit-schema'
import { cpuSchema, settingsSchema, LIMITS } from '../model/lab-schema'
import { ERAS } from '../model/topology'

const bdf = z
  .string()
  .max(20)
  .regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/, 'a BDF like 0000:03:00.0')

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

const scenarioIndex = z.number().int().min(0).max(10_000)
const era = z.enum(ERAS)
/** A kernel function name as C spells it. */
const kfn = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a kernel function name like check_vma_flags')

const exerciseIndex = z.number().int().min(0).max(49)
/**
 * An exercise as the lab file holds it: a bounded plain object here; its fields are validated by the
 * app with the lab file's own schema (electron/engine/scenario/exercise.ts), which reports located issues.
 */
const exerciseObject = z
  .record(z.string().max(40), z.unknown())
  .refine((o) => Object.keys(o).length <= 16, 'at most 16 fields')
  .refine((o) => JSON.stringify(o).length <= 16_384, 'an exercise of at most 16 KiB')
const exerciseEditSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('add'),
    scenario: scenarioIndex,
    exercise: exerciseObject,
    at: z.number().int().min(0).max(50).optional(),
  }),
  z.strictObject({
    op: z.literal('update'),
    scenario: scenarioIndex,
    index: exerciseIndex,
    exercise: exerciseObject,
  }),
  z.strictObject({ op: z.literal('delete'), scenario: scenarioIndex, index: exerciseIndex }),
  z.strictObject({ op: z.literal('move'), scenario: scenarioIndex, from: exerciseIndex, to: exerciseIndex }),
])

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
      text: z
        .string()
        .max(LIMITS.maxFileBytes, `files over ${LIMITS.maxFileBytes / 1024 / 1024} MiB are refused`),
    }),
  ]),
  'lab.setSettings': z.tuple([
    settingsSchema.partial().extend({ cpu: cpuSchema.nullable().optional() }).strict(),
  ]),
  'lab.exportText': z.tuple([]),
  'p2p.explain': z.tuple([z.strictObject({ provider: bdf, client: bdf })]),
  'p2p.cells': z.tuple([
    z
      .strictObject({ providers: z.array(bdf).max(200), clients: z.array(bdf).max(200) })
      .refine((r) => r.providers.length * r.clients.length <= 12_000, 'at most 12 000 cells per request'),
  ]),
  'p2p.cancel': z.tuple([]),
  'lab.importThisMachine': z.tuple([]),
  'topology.text': z.tuple([]),
  'p2p.text': z.tuple([
    z
      .strictObject({ providers: z.array(bdf).max(4096), clients: z.array(bdf).max(4096) })
      .refine(
        (r) => r.providers.length * r.clients.length <= 262_144,
        'at most 262 144 pairs (512 × 512) per export',
      ),
  ]),
  'lab.recovery': z.tuple([]),
  'lab.recover': z.tuple([]),
  'lab.discardRecovery': z.tuple([]),
  'ui.state': z.tuple([]),
  'ui.setState': z.tuple([uiStatePatch]),
  'scenario.list': z.tuple([]),
  'scenario.start': z.tuple([z.strictObject({ index: scenarioIndex, era: era.optional() })]),
  'scenario.compare': z.tuple([z.strictObject({ index: scenarioIndex, eras: z.tuple([era, era]) })]),
  'scenario.report': z.tuple([
    z.strictObject({ index: scenarioIndex, era: era.optional(), format: z.enum(['html', 'md']) }),
  ]),
  'timeline.step': z.tuple([
    z.strictObject({
      kind: z.enum(['into', 'over', 'out', 'back', 'continue', 'runToFailure', 'runTo', 'toEnd']),
      fn: kfn.optional(),
      count: z.number().int().min(1).max(10_000).optional(),
    }),
  ]),
  'timeline.seek': z.tuple([z.strictObject({ cursor: z.number().int().min(0).max(10_000_000) })]),
  'timeline.breakpoints': z.tuple([z.strictObject({ fns: z.array(kfn).max(64) })]),
  'timeline.view': z.tuple([]),
  'exercise.check': z.tuple([
    z.strictObject({
      index: scenarioIndex,
      exercise: z.number().int().min(0).max(49),
      prediction: z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(28)]),
    }),
  ]),
  'exercise.reveal': z.tuple([
    z.strictObject({ index: scenarioIndex, exercise: z.number().int().min(0).max(49) }),
  ]),
  'exercise.answers': z.tuple([z.strictObject({ index: scenarioIndex })]),
  'exercise.edit': z.tuple([exerciseEditSchema]),
  'exercise.undo': z.tuple([]),
  'exercise.redo': z.tuple([]),
  'exercise.verify': z.tuple([z.strictObject({ index: scenarioIndex })]),
  'app.openSource': z.tuple([
    z.strictObject({
      era,
      fn: kfn,
      file: z
        .string()
        .max(256)
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/, 'a kernel source path like mm/gup.c')
        .optional(),
    }),
  ]),
  'app.presenter.open': z.tuple([]),
  'oracle.available': z.tuple([]),
  'oracle.start': z.tuple([]),
  'oracle.cancel': z.tuple([]),
  'file.open': z.tuple([z.strictObject({ path: z.string().min(1).max(4096) })]),
  'class.addresses': z.tuple([]),
  'class.status': z.tuple([]),
  'class.start': z.tuple([
    z.strictObject({
      host: z
        .string()
        .min(2)
        .max(64)
        .regex(/^[0-9A-Fa-f.:]+$/, 'an IPv4 or IPv6 address of this machine'),
      port: z.number().int().min(0).max(65535),
      maxAttendees: z.number().int().min(1).max(1000).optional(),
    }),
  ]),
  'class.stop': z.tuple([]),
  'class.ask': z.tuple([
    z.strictObject({ scenario: scenarioIndex, exercise: z.number().int().min(0).max(999) }).nullable(),
  ]),
  'class.reveal': z.tuple([]),
  'class.results': z.tuple([z.strictObject({ format: z.enum(['csv', 'json']) })]),
  'class.saveResults': z.tuple([z.strictObject({ format: z.enum(['csv', 'json']) })]),
} as const satisfies Record<keyof Invoke, z.ZodType>
