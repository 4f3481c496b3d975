/**
 * The scenario format: an entry of a lab file's `scenarios` array (docs: the header of this file
 * and tests/scenarios/README.md).
 *
 * ```json
 * { "name": "C22 GUP on a BAR mapped with remap_pfn_range",
 *   "era": "v6.12",                          // optional: overrides the lab's era
 *   "settings": { "iommu": true },           // optional: overrides iommu / disableAcsRedir / cpu
 *   "narration": "What the scenario teaches.",
 *   "processes": [{ "name": "app" }],
 *   "operations": [
 *     { "op": "mmap_bar", "args": { "dev": "gpu0", "bar": 1, "len": "2M", "as": "buf" },
 *       "expect": { "state": [{ "vma": "buf", "flagsContain": ["VM_IO", "VM_PFNMAP"] }] } },
 *     { "op": "pin_user_pages_fast", "args": { "buf": "buf", "npages": 512, "flags": ["FOLL_WRITE", "FOLL_LONGTERM"] },
 *       "expect": { "errno": "EFAULT" } } ] }
 * ```
 *
 * Sizes are byte counts or strings such as "2M", "16G", "0x1000". Devices are topology node ids,
 * labels, BDFs or OS device names (nvme2n1, sda). Named results (`as`) are buffers (mmap), page
 * arrays (GUP), sg tables and MRs, referenced by later operations and assertions.
 */
import { z } from 'zod'
import { duplicateExerciseIds, exerciseSchema } from './exercise'
import { ERRNO_NAMES } from '../../../shared/model/errno'
import { FOLL_FLAGS, VM_FLAGS } from '../../../shared/model/mm'
import { ERAS } from '../../../shared/model/topology'
import { cpuSchema } from '../../../shared/model/lab-schema'

const name = z.string().min(1).max(100)
export const sizeSchema = z.union([
  z
    .number()
    .int()
    .min(0)
    .max(2 ** 53),
  z.string().regex(/^(0x[0-9a-fA-F]+|\d+)([KMGT])?$/, 'a size: 4096, "2M", "16G", "0x1000"'),
])
const dir = z.enum(['DMA_BIDIRECTIONAL', 'DMA_TO_DEVICE', 'DMA_FROM_DEVICE'])
const mapType = z.enum(['UNKNOWN', 'NONE', 'NOT_SUPPORTED', 'BUS_ADDR', 'THRU_HOST_BRIDGE'])
const listOf = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).max(32)])
const hexString = z.string().regex(/^0x[0-9a-fA-F]+$/, 'a hex number: "0x1000"')

const proc = { proc: name.optional() }
const bufRef = {
  buf: name,
  offset: z
    .number()
    .int()
    .min(-(2 ** 40))
    .max(2 ** 40)
    .optional(),
}

/** dma-buf operations (docs/kernel/dmabuf.md). */
const DMABUF_OPS = [
  z.strictObject({
    op: z.literal('amdgpu_export_bo'),
    args: z.strictObject({ dev: name, size: sizeSchema, as: name }),
  }),
  z.strictObject({
    op: z.literal('vfio_export_dmabuf'),
    args: z.strictObject({
      dev: name,
      bar: z.number().int().min(0).max(7),
      offset: sizeSchema.optional(),
      len: sizeSchema,
      as: name,
    }),
  }),
  z.strictObject({
    op: z.literal('dma_buf_attach'),
    args: z.strictObject({
      dmabuf: name,
      dev: name,
      dynamic: z.boolean().optional(),
      allowPeer2peer: z.boolean().optional(),
      moveNotify: z.boolean().optional(),
      as: name,
    }),
  }),
  z.strictObject({
    op: z.literal('dma_buf_map_attachment'),
    args: z.strictObject({ attachment: name, as: name }),
  }),
  z.strictObject({ op: z.literal('dma_buf_unmap_attachment'), args: z.strictObject({ attachment: name }) }),
  z.strictObject({
    op: z.literal('vfio_pci_mem_enable'),
    args: z.strictObject({ dev: name, on: z.boolean() }),
  }),
  z.strictObject({
    op: z.literal('ib_umem_dmabuf_get'),
    args: z.strictObject({
      dev: name,
      dmabuf: name,
      offset: sizeSchema,
      size: sizeSchema,
      ops: z.enum(['p2p', 'no-move-notify', 'none']).optional(),
      as: name,
    }),
  }),
  z.strictObject({ op: z.literal('ib_umem_dmabuf_map_pages'), args: z.strictObject({ mr: name }) }),
  z.strictObject({
    op: z.literal('dma_resv_add_fence'),
    args: z.strictObject({ dmabuf: name, signaled: z.boolean() }),
  }),
] as const

export const opSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('mmap_bar'),
    args: z.strictObject({
      ...proc,
      dev: name,
      bar: z.number().int().min(0).max(5),
      len: sizeSchema,
      offset: sizeSchema.optional(),
      io: z.boolean().optional(),
      /** vfio_pci_core_mmap-style: set VM_IO|VM_PFNMAP|…, install no PTEs; CPU faults call vmf_insert_pfn(). */
      lazy: z.boolean().optional(),
      private: z.boolean().optional(),
      as: name,
    }),
  }),
  z.strictObject({
    op: z.literal('mmap_resource'),
    args: z.strictObject({
      ...proc,
      dev: name,
      bar: z.number().int().min(0).max(5),
      len: sizeSchema,
      offset: sizeSchema.optional(),
      wc: z.boolean().optional(),
      as: name,
    }),
  }),
  z.strictObject({
    op: z.literal('mmap_p2pmem'),
    args: z.strictObject({
      ...proc,
      dev: name,
      len: sizeSchema,
      offset: sizeSchema.optional(),
      private: z.boolean().optional(),
      fixed: z.strictObject({ buf: name, offset: z.number().int() }).optional(),
      as: name,
    }),
  }),
  z.strictObject({
    op: z.literal('mmap_anon'),
    args: z.strictObject({
      ...proc,
      len: sizeSchema,
      fixed: z.strictObject({ buf: name, offset: z.number().int() }).optional(),
      as: name,
    }),
  }),
  z.strictObject({
    op: z.literal('mmap_mixed'),
    args: z.strictObject({
      ...proc,
      dev: name,
      /** The BAR whose raw pfns `bar` entries insert (default: the p2pmem BAR, else the first memory BAR). */
      bar: z.number().int().min(0).max(5).optional(),
      /**
       * One entry per page of the mapping: `ram` (alloc_page() + vm_insert_page()), `p2p`
       * (pci_alloc_p2pmem() of the device + vm_insert_page() of its ZONE_DEVICE page) or `bar`
       * (vmf_insert_mixed() of the next raw BAR pfn: a special PTE, no struct page).
       */
      layout: z
        .array(z.enum(['ram', 'p2p', 'bar']))
        .min(1)
        .max(64),
      as: name,
    }),
  }),
  z.strictObject({
    op: z.literal('munmap'),
    args: z.strictObject({ ...bufRef, len: sizeSchema.optional() }),
  }),
  z.strictObject({ op: z.literal('lockdown'), args: z.strictObject({ on: z.boolean() }) }),
  z.strictObject({
    op: z.literal('p2pdma_add_resource'),
    args: z.strictObject({
      dev: name,
      bar: z.number().int().min(0).max(5).optional(),
      size: sizeSchema.optional(),
      offset: sizeSchema.optional(),
    }),
  }),
  z.strictObject({
    op: z.literal('p2pmem_publish'),
    args: z.strictObject({ dev: name, publish: z.boolean().optional() }),
  }),
  z.strictObject({
    op: z.literal('pci_p2pdma_distance'),
    args: z.strictObject({ provider: name, client: name, verbose: z.boolean().optional() }),
  }),
  z.strictObject({
    op: z.literal('pci_p2pmem_alloc_sgl'),
    args: z.strictObject({ dev: name, len: sizeSchema, as: name }),
  }),
  z.strictObject({
    op: z.literal('pci_p2pdma_distance_many'),
    args: z.strictObject({
      provider: name,
      /** PCI functions (node id, label, BDF) or scenario `devices`; may be empty. */
      clients: z.array(name).max(32),
      verbose: z.boolean().optional(),
    }),
  }),
  z.strictObject({
    op: z.literal('pci_p2pmem_find_many'),
    args: z.strictObject({ clients: z.array(name).max(32), as: name.optional() }),
  }),
  z.strictObject({
    op: z.literal('pci_alloc_p2pmem'),
    args: z.strictObject({ dev: name, size: sizeSchema, as: name }),
  }),
  z.strictObject({
    op: z.literal('pci_p2pmem_virt_to_bus'),
    args: z.strictObject({
      dev: name,
      /** A kernel address named by pci_alloc_p2pmem. */
      mem: name,
      /** Bytes from that address (may point past the allocation). */
      offset: sizeSchema.optional(),
      as: name.optional(),
    }),
  }),
  ...(['pin_user_pages_fast', 'get_user_pages_fast', 'pin_user_pages', 'get_user_pages'] as const).map((op) =>
    z.strictObject({
      op: z.literal(op),
      args: z.strictObject({
        ...bufRef,
        npages: z
          .number()
          .int()
          .min(1)
          .max(2 ** 40),
        flags: z.array(z.enum(FOLL_FLAGS)).max(8),
        as: name.optional(),
      }),
    }),
  ),
  z.strictObject({ op: z.literal('unpin_user_pages'), args: z.strictObject({ pages: name }) }),
  z.strictObject({
    op: z.literal('sg_alloc_table_from_pages'),
    args: z.strictObject({
      pages: name,
      as: name,
      offset: z.number().int().min(0).optional(),
      size: sizeSchema.optional(),
      maxSegment: sizeSchema.optional(),
    }),
  }),
  ...(['dma_map_sgtable', 'dma_map_sg', 'pci_p2pdma_map_sg'] as const).map((op) =>
    z.strictObject({
      op: z.literal(op),
      args: z.strictObject({ dev: name, sgt: name, dir: dir.optional() }),
    }),
  ),
  z.strictObject({ op: z.literal('dma_unmap_sgtable'), args: z.strictObject({ dev: name, sgt: name }) }),
  z.strictObject({
    op: z.literal('pread'),
    args: z.strictObject({ disk: name, ...bufRef, len: sizeSchema, pos: sizeSchema.optional() }),
  }),
  z.strictObject({
    op: z.literal('ibv_reg_mr'),
    args: z.strictObject({
      dev: name,
      ...bufRef,
      len: sizeSchema,
      access: z.array(z.string().max(40)).max(8).optional(),
      as: name,
    }),
  }),
  z.strictObject({ op: z.literal('ibv_dereg_mr'), args: z.strictObject({ dev: name, mr: name }) }),
  // ---- ZONE_DEVICE beyond P2PDMA, HMM, ODP, the 2019 RFC (issue 3, second half) ----
  z.strictObject({
    op: z.literal('devmem_add'),
    args: z.strictObject({
      dev: name.optional(),
      type: z.enum(['private', 'coherent', 'fsdax']),
      size: sizeSchema,
      p2pMap: z.boolean().optional(),
    }),
  }),
  z.strictObject({
    op: z.literal('touch'),
    args: z.strictObject({ ...bufRef, len: sizeSchema, write: z.boolean().optional() }),
  }),
  z.strictObject({
    op: z.literal('migrate_to_device'),
    args: z.strictObject({
      ...bufRef,
      npages: z
        .number()
        .int()
        .min(1)
        .max(2 ** 30),
      dev: name,
      type: z.enum(['private', 'coherent']).optional(),
    }),
  }),
  z.strictObject({
    op: z.literal('mmap_dax'),
    args: z.strictObject({ ...proc, len: sizeSchema, offset: sizeSchema.optional(), as: name }),
  }),
  z.strictObject({
    op: z.literal('mprotect'),
    args: z.strictObject({ ...bufRef, len: sizeSchema.optional(), write: z.boolean() }),
  }),
  z.strictObject({ op: z.literal('exit'), args: z.strictObject({ ...proc }) }),
  z.strictObject({
    op: z.literal('hmm_mirror_register'),
    args: z.strictObject({ dev: name, buf: name, as: name }),
  }),
  z.strictObject({
    op: z.literal('mirror_fault'),
    args: z.strictObject({
      mirror: name,
      ...bufRef,
      npages: z
        .number()
        .int()
        .min(1)
        .max(2 ** 30),
      write: z.boolean().optional(),
      as: name.optional(),
    }),
  }),
  z.strictObject({
    op: z.literal('hmm_range_fault'),
    args: z.strictObject({
      ...bufRef,
      npages: z
        .number()
        .int()
        .min(1)
        .max(2 ** 30),
      fault: z.boolean(),
      write: z.boolean().optional(),
      owner: name.optional(),
      dev: name.optional(),
      as: name.optional(),
    }),
  }),
  z.strictObject({ op: z.literal('hmm_dma_map_pfn'), args: z.strictObject({ range: name, dev: name }) }),
  z.strictObject({ op: z.literal('hmm_dma_unmap_pfn'), args: z.strictObject({ range: name, dev: name }) }),
  z.strictObject({
    op: z.literal('rdma_access'),
    args: z.strictObject({
      mr: name,
      offset: z
        .number()
        .int()
        .min(0)
        .max(2 ** 40)
        .optional(),
      len: sizeSchema,
      write: z.boolean().optional(),
      race: z.boolean().optional(),
    }),
  }),
  z.strictObject({
    op: z.literal('mmap_rfc_device'),
    args: z.strictObject({
      ...proc,
      dev: name,
      bar: z.number().int().min(0).max(5),
      len: sizeSchema,
      p2p: z.enum(['map', 'eperm', 'test', 'none']),
      as: name,
    }),
  }),
  z.strictObject({
    op: z.literal('hmm_range_dma_map'),
    args: z.strictObject({
      dev: name,
      ...bufRef,
      npages: z
        .number()
        .int()
        .min(1)
        .max(2 ** 30),
      as: name,
    }),
  }),
  z.strictObject({ op: z.literal('device_test_p2p'), args: z.strictObject({ a: name, b: name }) }),
  ...DMABUF_OPS,
])

export const assertionSchema = z.union([
  z.strictObject({
    vma: name,
    exists: z.boolean().optional(),
    flagsContain: listOf(z.enum(VM_FLAGS)).optional(),
    flagsExclude: listOf(z.enum(VM_FLAGS)).optional(),
    vmOps: z.string().nullable().optional(),
    prot: z.string().optional(),
    pgoff: sizeSchema.optional(),
  }),
  z.strictObject({
    sg: name,
    entry: z.number().int().min(0),
    busAddress: z.boolean().optional(),
    dmaAddress: z.string().nullable().optional(),
    dmaAddressIsPhys: z.boolean().optional(),
    dmaLength: sizeSchema.optional(),
    length: sizeSchema.optional(),
    p2pdma: z.boolean().optional(),
    /** sg->offset in bytes. */
    offset: z.number().int().min(0).optional(),
    /** sg_page(): a pfn (hex), or the page at `offset` (a page index) of a buffer or page array. */
    page: z
      .union([hexString, z.strictObject({ pages: name, offset: z.number().int().min(0).optional() })])
      .optional(),
  }),
  z.strictObject({
    sgt: name,
    exists: z.boolean().optional(),
    nents: z.number().int().min(0).optional(),
    origNents: z.number().int().min(0).optional(),
    mappedFor: name.nullable().optional(),
  }),
  z
    .strictObject({
      iommu: name,
      mappings: z.number().int().min(0).optional(),
      /** IOVA ranges allocated (an sg table mapped through the IOMMU is one allocation). */
      allocations: z.number().int().min(0).optional(),
    })
    .refine((a) => a.mappings !== undefined || a.allocations !== undefined, 'give mappings or allocations'),
  z.strictObject({
    /** The IOVA mapping of this device that covers `dma`. */
    iova: name,
    dma: hexString,
    /** The CPU physical address the IOMMU translates `dma` to. */
    phys: hexString,
  }),
  z.strictObject({ mm: name, pinnedVm: z.number().int().min(0) }),
  z.strictObject({
    p2pmem: name,
    size: sizeSchema.optional(),
    available: sizeSchema.optional(),
    published: z.boolean().optional(),
  }),
  z.strictObject({
    pages: name,
    offset: z.number().int().min(0).optional(),
    pinned: z.boolean().optional(),
    refcount: z.number().int().optional(),
    p2pdma: z.boolean().optional(),
    ram: z.boolean().optional(),
    /** true: GUP counted this entry but never wrote it (the 5.6–5.17 FOLL_PIN raw-pfn bug). */
    hole: z.boolean().optional(),
  }),
  z.strictObject({ mapType: z.strictObject({ provider: name, client: name }), equals: mapType }),
  z.strictObject({ umem: name, exists: z.boolean() }),
  z.strictObject({
    hmm: name,
    page: z.number().int().min(0),
    flags: listOf(z.string().max(40)).optional(),
    noFlags: listOf(z.string().max(40)).optional(),
    pfn: z.enum(['ram', 'device_private', 'device_coherent', 'p2pdma', 'none']).optional(),
    dma: z.string().nullable().optional(),
  }),
  z.strictObject({
    pte: name,
    offset: z.number().int().min(0).optional(),
    kind: z.enum(['present', 'device_private', 'none']),
    /** pte_special(): remap_pfn_range / vmf_insert_pfn PTEs, no struct page behind them. */
    special: z.boolean().optional(),
    type: z
      .enum(['ram', 'MEMORY_DEVICE_PRIVATE', 'MEMORY_DEVICE_COHERENT', 'MEMORY_DEVICE_FS_DAX'])
      .optional(),
  }),
  z.strictObject({
    notifier: name,
    seq: z.number().int().optional(),
    lastContains: z.string().max(200).optional(),
    /** The owner the last invalidation carried (mmu_notifier_range.owner): a device, or null. */
    lastOwner: name.nullable().optional(),
  }),
  z.strictObject({ devptes: name, count: z.number().int().min(0) }),
  z.strictObject({
    dmabuf: name,
    placement: z.enum(['VRAM', 'GTT']).optional(),
    revoked: z.boolean().optional(),
  }),
  z.strictObject({
    attachment: name,
    exists: z.boolean().optional(),
    peer2peer: z.boolean().optional(),
    moveNotifies: z.number().int().min(0).optional(),
  }),
  z.strictObject({ logContains: z.string().min(1).max(400) }),
  z.strictObject({
    /** WARN splats printed by this function (or WARN site id), e.g. 'is_valid_gup_args'. */
    warning: name,
    /** How many (default: at least one). 0: none was printed. */
    count: z.number().int().min(0).optional(),
    /** The file:line the splat names. */
    line: z.number().int().min(1).optional(),
  }),
  z.strictObject({ pciDev: name, is: name.nullable() }),
  z.strictObject({ value: name, equals: hexString }),
])

export const expectSchema = z.strictObject({
  ret: z.number().nullable().optional(),
  errno: z
    .enum(ERRNO_NAMES as [string, ...string[]])
    .nullable()
    .optional(),
  /** The operation does not exist in the scenario's era (refused by the lab, nothing runs). */
  notInEra: z.boolean().optional(),
  state: z.array(assertionSchema).max(64).optional(),
})

export const operationSchema = z.intersection(
  opSchema,
  z.object({ narration: z.string().max(4000).optional(), expect: expectSchema.optional() }),
)

export const plainDeviceSchema = z.strictObject({
  name,
  kind: z.enum(['platform', 'ib_device', 'block', 'net']),
  parent: name.optional(),
  /** dev_driver_string() of a bound driver (default: the bus or class name). */
  driver: z.string().min(1).max(40).optional(),
})

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(200),
  era: z.enum(ERAS).optional(),
  settings: z
    .strictObject({
      iommu: z.boolean().optional(),
      disableAcsRedir: z.string().max(4000).optional(),
      /** Replaces the machine's CPU (cpu_supports_p2pdma() and the era's CPU rules read it). */
      cpu: cpuSchema.optional(),
    })
    .optional(),
  narration: z.string().max(20_000).optional(),
  processes: z
    .array(z.strictObject({ name, comm: z.string().max(16).optional() }))
    .max(16)
    .optional(),
  /**
   * struct devices that are not PCI functions, created before the first operation: a platform
   * device (no PCI ancestor unless `parent` says so) or a class device under a PCI function
   * (`parent`: a topology device or an earlier entry). Usable as clients of the P2PDMA ops.
   */
  devices: z.array(plainDeviceSchema).max(32).optional(),
  operations: z.array(operationSchema).max(500),
  /** Workshop exercises (./exercise.ts). */
  exercises: z
    .array(exerciseSchema)
    .max(50)
    .superRefine((list, ctx) => {
      for (const id of duplicateExerciseIds(list))
        ctx.addIssue({ code: 'custom', message: `two exercises have the id '${id}'` })
    })
    .optional(),
})

export type Op = z.infer<typeof opSchema>
export type Assertion = z.infer<typeof assertionSchema>
export type Expect = z.infer<typeof expectSchema>
export type Operation = z.infer<typeof operationSchema>
export type Scenario = z.infer<typeof scenarioSchema>
export type PlainDeviceSpec = z.infer<typeof plainDeviceSchema>

/** '2M' -> 2097152n; '0x1000' -> 4096n; 4096 -> 4096n. */
export function parseSize(s: number | string): bigint {
  if (typeof s === 'number') return BigInt(s)
  const m = /^(0x[0-9a-fA-F]+|\d+)([KMGT])?$/.exec(s)
  if (!m) throw new Error(`bad size '${s}'`)
  const base = BigInt(m[1]!)
  const shift = { K: 10n, M: 20n, G: 30n, T: 40n }[m[2] as 'K' | 'M' | 'G' | 'T'] ?? 0n
  return base << shift
}
