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
import { cpuSchema, intIn } from '../../../shared/model/lab-schema'

const name = z.string().min(1).max(100)
export const sizeSchema = z.union([
  intIn(0, 2 ** 53),
  z.string().regex(/^(0x[0-9a-fA-F]+|\d+)([KMGT])?$/, 'a size: 4096, "2M", "16G", "0x1000"'),
])
const dir = z.enum(['DMA_BIDIRECTIONAL', 'DMA_TO_DEVICE', 'DMA_FROM_DEVICE'])
const mapType = z.enum(['UNKNOWN', 'NONE', 'NOT_SUPPORTED', 'BUS_ADDR', 'THRU_HOST_BRIDGE'])
const listOf = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).max(32)])
const hexString = z.string().regex(/^0x[0-9a-fA-F]+$/, 'a hex number: "0x1000"')

const proc = { proc: name.optional() }
const bufRef = { buf: name, offset: intIn(-(2 ** 40), 2 ** 40).optional() }

/** What an mmap of a BAR names: the process, the device, which BAR, how much and from where. */
const barWindow = () => ({
  ...proc,
  dev: name,
  bar: z.number().int().min(0).max(5),
  len: sizeSchema,
  offset: sizeSchema.optional(),
})

/** One operation of the scenario format: `{ "op": name, "args": { … } }`, neither taking other keys. */
function op<const Name extends string, Args extends z.ZodRawShape>(opName: Name, args: Args) {
  return z.strictObject({ op: z.literal(opName), args: z.strictObject(args) })
}

/** dma-buf operations (docs/kernel/dmabuf.md). */
const DMABUF_OPS = [
  op('amdgpu_export_bo', { dev: name, size: sizeSchema, as: name }),
  op('vfio_export_dmabuf', {
    dev: name,
    bar: z.number().int().min(0).max(7),
    offset: sizeSchema.optional(),
    len: sizeSchema,
    as: name,
  }),
  op('dma_buf_attach', {
    dmabuf: name,
    dev: name,
    dynamic: z.boolean().optional(),
    allowPeer2peer: z.boolean().optional(),
    moveNotify: z.boolean().optional(),
    as: name,
  }),
  op('dma_buf_map_attachment', { attachment: name, as: name }),
  op('dma_buf_unmap_attachment', { attachment: name }),
  op('vfio_pci_mem_enable', { dev: name, on: z.boolean() }),
  op('ib_umem_dmabuf_get', {
    dev: name,
    dmabuf: name,
    offset: sizeSchema,
    size: sizeSchema,
    ops: z.enum(['p2p', 'no-move-notify', 'none']).optional(),
    as: name,
  }),
  op('ib_umem_dmabuf_map_pages', { mr: name }),
  op('dma_resv_add_fence', { dmabuf: name, signaled: z.boolean() }),
] as const

export const opSchema = z.discriminatedUnion('op', [
  op('mmap_bar', {
    ...barWindow(),
    io: z.boolean().optional(),
    /** vfio_pci_core_mmap-style: set VM_IO|VM_PFNMAP|…, install no PTEs; CPU faults call vmf_insert_pfn(). */
    lazy: z.boolean().optional(),
    private: z.boolean().optional(),
    as: name,
  }),
  op('mmap_resource', {
    ...barWindow(),
    wc: z.boolean().optional(),
    as: name,
  }),
  op('mmap_p2pmem', {
    ...proc,
    dev: name,
    len: sizeSchema,
    offset: sizeSchema.optional(),
    private: z.boolean().optional(),
    fixed: z.strictObject({ buf: name, offset: z.number().int() }).optional(),
    as: name,
  }),
  op('mmap_anon', {
    ...proc,
    len: sizeSchema,
    fixed: z.strictObject({ buf: name, offset: z.number().int() }).optional(),
    as: name,
  }),
  op('mmap_mixed', {
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
  op('munmap', { ...bufRef, len: sizeSchema.optional() }),
  op('lockdown', { on: z.boolean() }),
  op('p2pdma_add_resource', {
    dev: name,
    bar: z.number().int().min(0).max(5).optional(),
    size: sizeSchema.optional(),
    offset: sizeSchema.optional(),
  }),
  op('p2pmem_publish', { dev: name, publish: z.boolean().optional() }),
  op('pci_p2pdma_distance', { provider: name, client: name, verbose: z.boolean().optional() }),
  op('pci_p2pmem_alloc_sgl', { dev: name, len: sizeSchema, as: name }),
  op('pci_p2pdma_distance_many', {
    provider: name,
    /** PCI functions (node id, label, BDF) or scenario `devices`; may be empty. */
    clients: z.array(name).max(32),
    verbose: z.boolean().optional(),
  }),
  op('pci_p2pmem_find_many', { clients: z.array(name).max(32), as: name.optional() }),
  op('pci_alloc_p2pmem', { dev: name, size: sizeSchema, as: name }),
  op('pci_p2pmem_virt_to_bus', {
    dev: name,
    /** A kernel address named by pci_alloc_p2pmem. */
    mem: name,
    /** Bytes from that address (may point past the allocation). */
    offset: sizeSchema.optional(),
    as: name.optional(),
  }),
  ...(['pin_user_pages_fast', 'get_user_pages_fast', 'pin_user_pages', 'get_user_pages'] as const).map(
    (gup) =>
      op(gup, {
        ...bufRef,
        npages: intIn(1, 2 ** 40),
        flags: z.array(z.enum(FOLL_FLAGS)).max(8),
        as: name.optional(),
      }),
  ),
  op('unpin_user_pages', { pages: name }),
  op('sg_alloc_table_from_pages', {
    pages: name,
    as: name,
    offset: z.number().int().min(0).optional(),
    size: sizeSchema.optional(),
    maxSegment: sizeSchema.optional(),
  }),
  ...(['dma_map_sgtable', 'dma_map_sg', 'pci_p2pdma_map_sg'] as const).map((map) =>
    op(map, { dev: name, sgt: name, dir: dir.optional() }),
  ),
  op('dma_unmap_sgtable', { dev: name, sgt: name }),
  op('pread', { disk: name, ...bufRef, len: sizeSchema, pos: sizeSchema.optional() }),
  op('ibv_reg_mr', {
    dev: name,
    ...bufRef,
    len: sizeSchema,
    access: z.array(z.string().max(40)).max(8).optional(),
    as: name,
  }),
  op('ibv_dereg_mr', { dev: name, mr: name }),
  // ---- ZONE_DEVICE beyond P2PDMA, HMM, ODP, the 2019 RFC (issue 3, second half) ----
  op('devmem_add', {
    dev: name.optional(),
    type: z.enum(['private', 'coherent', 'fsdax']),
    size: sizeSchema,
    p2pMap: z.boolean().optional(),
  }),
  op('touch', { ...bufRef, len: sizeSchema, write: z.boolean().optional() }),
  op('migrate_to_device', {
    ...bufRef,
    npages: intIn(1, 2 ** 30),
    dev: name,
    type: z.enum(['private', 'coherent']).optional(),
  }),
  op('mmap_dax', { ...proc, len: sizeSchema, offset: sizeSchema.optional(), as: name }),
  op('mprotect', { ...bufRef, len: sizeSchema.optional(), write: z.boolean() }),
  op('exit', { ...proc }),
  op('hmm_mirror_register', { dev: name, buf: name, as: name }),
  op('mirror_fault', {
    mirror: name,
    ...bufRef,
    npages: intIn(1, 2 ** 30),
    write: z.boolean().optional(),
    as: name.optional(),
  }),
  op('hmm_range_fault', {
    ...bufRef,
    npages: intIn(1, 2 ** 30),
    fault: z.boolean(),
    write: z.boolean().optional(),
    owner: name.optional(),
    dev: name.optional(),
    as: name.optional(),
  }),
  op('hmm_dma_map_pfn', { range: name, dev: name }),
  op('hmm_dma_unmap_pfn', { range: name, dev: name }),
  op('rdma_access', {
    mr: name,
    offset: intIn(0, 2 ** 40).optional(),
    len: sizeSchema,
    write: z.boolean().optional(),
    race: z.boolean().optional(),
  }),
  op('mmap_rfc_device', {
    ...proc,
    dev: name,
    bar: z.number().int().min(0).max(5),
    len: sizeSchema,
    p2p: z.enum(['map', 'eperm', 'test', 'none']),
    as: name,
  }),
  op('hmm_range_dma_map', {
    dev: name,
    ...bufRef,
    npages: intIn(1, 2 ** 30),
    as: name,
  }),
  op('device_test_p2p', { a: name, b: name }),
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
