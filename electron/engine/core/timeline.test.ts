import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type LabSettings, type MachineSpec } from '../../../shared/model/topology'
import { ScenarioInputError } from '../scenario/ops'
import { runScenario, scenarioMachine } from '../scenario/runner'
import type { Operation, Scenario } from '../scenario/schema'
import { t1, t1amd, t1nw } from '../../../tests/helpers/topologies'
import { invert, set } from './delta'
import { driverFrame, kcall, type Call } from './step'

/** The era the illustrative frames below run in. */
const K = { era: 'v6.12' } as const
import { Timeline } from './timeline'
import { applyAll, emptyWorld, Tx } from './world'
import { ok, kerr, fail, type KResult } from './errno'

/** A tiny call tree: outer -> inner (mutates twice) -> leaf (fails, with a cleanup mutation). */
function* leaf(): Call<KResult<void>> {
  const f = driverFrame(K, 'leaf', 'x.c', null)
  return yield* kcall(
    f,
    {},
    (function* () {
      yield f.check('leaf check', false, 'no')
      return fail(kerr('EINVAL', 'leaf', 'no'))
    })(),
  )
}
function* inner(getW: () => ReturnType<typeof emptyWorld>): Call<KResult<void>> {
  const f = driverFrame(K, 'inner', 'x.c', null)
  return yield* kcall(
    f,
    {},
    (function* () {
      yield f.mutate(new Tx(getW()).set('log', 'a', 'one').deltas, 'first')
      yield f.mutate(new Tx(getW()).set('log', 'b', 'two').deltas, 'second')
      const r = yield* leaf()
      yield f.mutate(new Tx(getW()).set('log', 'b', null).deltas, 'cleanup')
      return r
    })(),
  )
}
function* outer(getW: () => ReturnType<typeof emptyWorld>): Call<KResult<void>> {
  const f = driverFrame(K, 'outer', 'x.c', null)
  return yield* kcall(f, {}, inner(getW))
}

function fresh(): Timeline<KResult<void>> {
  const tl = new Timeline<KResult<void>>(emptyWorld(1), { keyframeEvery: 4 })
  tl.start('outer', () => outer(() => tl.world))
  return tl
}

describe('Timeline', () => {
  it('derives depth from the call stack', () => {
    const tl = fresh()
    tl.runToEnd()
    expect(tl.steps.map((s) => `${s.depth} ${s.kind} ${s.fn}`)).toEqual([
      '0 enter outer',
      '1 enter inner',
      '2 mutate inner',
      '2 mutate inner',
      '2 enter leaf',
      '3 check leaf',
      '2 fail leaf',
      '2 mutate inner',
      '1 fail inner',
      '0 fail outer',
    ])
    const out = tl.calls[0]!.outcome!
    expect(out.ok ? null : out.error.errno).toBe('EINVAL')
  })

  it('steps over, out, to a function, to the first failure', () => {
    const tl = fresh()
    expect(tl.stepInto()!.fn).toBe('outer')
    expect(tl.stepOver()!.kind).toBe('fail') // over inner: runs to inner's exit
    expect(tl.current!.fn).toBe('inner')
    const tl2 = fresh()
    tl2.runToFunction('leaf')
    expect(tl2.current!.kind).toBe('enter')
    expect(tl2.stepOut()!.fn).toBe('leaf')
    const tl3 = fresh()
    expect(tl3.runToFailure()!.fn).toBe('leaf')
    const tl4 = fresh()
    tl4.breakpoints.add('leaf')
    expect(tl4.cont()!.fn).toBe('leaf')
  })

  it('back restores the exact world, forward replays without re-running the generator', () => {
    const tl = fresh()
    tl.runToEnd()
    const end = tl.world
    const recorded = tl.steps.slice()
    tl.seek(0)
    expect(tl.world).toEqual(emptyWorld(1))
    tl.seek(tl.frontier)
    expect(tl.world).toEqual(end)
    expect(tl.steps).toEqual(recorded)
    tl.seek(3)
    expect(tl.world.log).toEqual({ a: 'one' })
  })

  it('a new call cuts the redo tail', () => {
    const tl = fresh()
    tl.runToEnd()
    tl.seek(3)
    tl.start('again', () => outer(() => tl.world))
    expect(tl.frontier).toBe(3)
    expect(tl.calls.length).toBe(1)
    expect(tl.calls[0]!.end).toBe(3)
    tl.forward()
    expect(tl.steps[3]!.fn).toBe('outer')
    expect(tl.steps[3]!.depth).toBe(0)
  })

  it('invert swaps before and after', () => {
    const d = set('log', 'x', null, 'line')
    expect(invert(invert(d))).toEqual(d)
    expect(applyAll(applyAll(emptyWorld(1), [d]), [invert(d)])).toEqual(emptyWorld(1))
  })

  it('rejects a delta whose before does not match (engine bug)', () => {
    expect(() => applyAll(emptyWorld(1), [set('log', 'x', 'not there', null)])).toThrow(/applyDelta/)
  })

  it('a fail step with an errno its function does not document is an engine bug', () => {
    const f = driverFrame(K, 'x', 'x.c', null, ['EFAULT'])
    expect(() => f.fail(kerr('EINVAL', 'x', 'no'))).toThrow(/engine bug/)
    expect(f.fail(kerr('EFAULT', 'x', 'no')).kind).toBe('fail')
  })

  it('ok() and kcall return values', () => {
    expect(ok(3)).toEqual({ ok: true, value: 3 })
  })
})

// ---- property: random operation sequences on T1-like topologies ----

const TOPOS: [string, () => MachineSpec][] = [
  ['T1', () => t1()],
  ['T1-nw', () => t1nw()],
  ['T1-amd', () => t1amd()],
]
const ERAS_P = ['v5.0', 'v5.0-rfc', 'v6.0', 'v6.2', 'v6.12', 'v6.16', 'v7.2', 'next'] as const

/** Operation templates; names are fixed so later operations can refer to earlier results. */
const OPS: Operation[] = [
  { op: 'p2pdma_add_resource', args: { dev: 'gpu0', bar: 1 } },
  { op: 'p2pdma_add_resource', args: { dev: 'nvme0', bar: 2 } },
  { op: 'p2pmem_publish', args: { dev: 'gpu0' } },
  { op: 'mmap_p2pmem', args: { dev: 'gpu0', len: '64K', as: 'p2p' } },
  { op: 'mmap_p2pmem', args: { dev: 'nvme0', len: '16K', as: 'cmb' } },
  { op: 'mmap_anon', args: { len: '32K', as: 'anon' } },
  { op: 'mmap_bar', args: { dev: 'gpu0', bar: 1, len: '2M', as: 'bar' } },
  { op: 'mmap_bar', args: { dev: 'gpu0', bar: 1, len: '2M', lazy: true, as: 'lazy' } },
  { op: 'mmap_resource', args: { dev: 'gpu0', bar: 1, len: '1G', as: 'res' } },
  { op: 'pci_p2pmem_alloc_sgl', args: { dev: 'gpu0', len: '64K', as: 'sgt0' } },
  { op: 'pci_p2pmem_alloc_sgl', args: { dev: 'nvme0', len: '8K', as: 'sgt1' } },
  { op: 'pci_p2pdma_distance', args: { provider: 'gpu0', client: 'nic0' } },
  { op: 'pci_p2pdma_distance', args: { provider: 'nvme0', client: 'nic0' } },
  { op: 'dma_map_sgtable', args: { dev: 'nic0', sgt: 'sgt0' } },
  { op: 'dma_map_sg', args: { dev: 'nic0', sgt: 'sgt1' } },
  { op: 'dma_unmap_sgtable', args: { dev: 'nic0', sgt: 'sgt0' } },
  { op: 'lockdown', args: { on: true } },
  // ZONE_DEVICE, HMM, ODP, RFC, dma-buf
  { op: 'devmem_add', args: { dev: 'gpu0', type: 'private', size: '16M' } },
  { op: 'devmem_add', args: { dev: 'gpu0', type: 'coherent', size: '16M' } },
  { op: 'devmem_add', args: { type: 'fsdax', size: '64M' } },
  { op: 'mmap_dax', args: { len: '64K', as: 'dax' } },
  { op: 'mmap_rfc_device', args: { dev: 'gpu0', bar: 1, len: '64K', p2p: 'map', as: 'rfc' } },
  { op: 'device_test_p2p', args: { a: 'gpu0', b: 'nic0' } },
  { op: 'amdgpu_export_bo', args: { dev: 'gpu0', size: '64K', as: 'bo' } },
  { op: 'vfio_export_dmabuf', args: { dev: 'gpu0', bar: 1, len: '64K', as: 'vbar' } },
  {
    op: 'dma_buf_attach',
    args: { dmabuf: 'bo', dev: 'nic0', dynamic: true, allowPeer2peer: true, as: 'att_bo' },
  },
  { op: 'dma_buf_attach', args: { dmabuf: 'bo', dev: 'nvme0', as: 'att_static' } },
  { op: 'dma_buf_map_attachment', args: { attachment: 'att_bo', as: 'sgt_bo' } },
  {
    op: 'ib_umem_dmabuf_get',
    args: { dev: 'nic0', dmabuf: 'vbar', offset: '0x1000', size: '0x2000', as: 'dmr' },
  },
  { op: 'ib_umem_dmabuf_map_pages', args: { mr: 'dmr' } },
  { op: 'vfio_pci_mem_enable', args: { dev: 'gpu0', on: false } },
  { op: 'vfio_pci_mem_enable', args: { dev: 'gpu0', on: true } },
  { op: 'dma_resv_add_fence', args: { dmabuf: 'vbar', signaled: false } },
  { op: 'rdma_access', args: { mr: 'odp_anon', len: '16K', write: true, race: true } },
  { op: 'rdma_access', args: { mr: 'odp_anon', offset: 8192, len: '4K' } },
  { op: 'mirror_fault', args: { mirror: 'mirror_anon', buf: 'anon', npages: 4, write: true, as: 'mf' } },
  { op: 'exit', args: {} },
]
/** Operations that need a named buffer, one per buffer name. */
const BUF_OPS = (b: string): Operation[] => [
  { op: 'pin_user_pages_fast', args: { buf: b, npages: 4, flags: ['FOLL_WRITE'], as: `pin_${b}` } },
  { op: 'pin_user_pages_fast', args: { buf: b, npages: 4, flags: ['FOLL_WRITE', 'FOLL_PCI_P2PDMA'] } },
  {
    op: 'pin_user_pages',
    args: { buf: b, npages: 2, flags: ['FOLL_WRITE', 'FOLL_LONGTERM', 'FOLL_PCI_P2PDMA'] },
  },
  { op: 'ibv_reg_mr', args: { dev: 'nic0', buf: b, len: '16K', as: `mr_${b}` } },
  { op: 'pread', args: { disk: 'nvme2n1', buf: b, len: '16K' } },
  { op: 'pread', args: { disk: 'sda', buf: b, len: '8K' } },
  { op: 'munmap', args: { buf: b } },
  { op: 'munmap', args: { buf: b, offset: 4096, len: '4K' } },
  { op: 'touch', args: { buf: b, len: '16K' } },
  { op: 'migrate_to_device', args: { buf: b, npages: 2, dev: 'gpu0' } },
  { op: 'migrate_to_device', args: { buf: b, npages: 1, dev: 'gpu0', type: 'coherent' } },
  { op: 'mprotect', args: { buf: b, len: '8K', write: false } },
  {
    op: 'hmm_range_fault',
    args: { buf: b, npages: 4, fault: true, write: true, owner: 'gpu0', as: `hmm_${b}` },
  },
  { op: 'hmm_range_fault', args: { buf: b, npages: 4, fault: false } },
  { op: 'hmm_dma_map_pfn', args: { range: `hmm_${b}`, dev: 'nic0' } },
  { op: 'hmm_dma_unmap_pfn', args: { range: `hmm_${b}`, dev: 'nic0' } },
  { op: 'hmm_mirror_register', args: { dev: 'gpu0', buf: b, as: `mirror_${b}` } },
  {
    op: 'ibv_reg_mr',
    args: {
      dev: 'nic0',
      buf: b,
      len: '16K',
      access: ['IBV_ACCESS_LOCAL_WRITE', 'IBV_ACCESS_ON_DEMAND'],
      as: `odp_${b}`,
    },
  },
  { op: 'hmm_range_dma_map', args: { dev: 'nic0', buf: b, npages: 4, as: `rdm_${b}` } },
]

/** Keep only operations whose references exist at that point (the runner treats others as bad input). */
/** Arguments that name an earlier result (a dma-buf, an attachment, an MR, a mirror, an hmm range). */
const PREAMBLE: Operation[] = [
  { op: 'mmap_anon', args: { len: '32K', as: 'anon' } },
  { op: 'touch', args: { buf: 'anon', len: '32K' } },
  { op: 'devmem_add', args: { dev: 'gpu0', type: 'private', size: '16M' } },
]

const REFS = ['dmabuf', 'attachment', 'mr', 'mirror', 'range'] as const

function feasible(ops: Operation[]): Operation[] {
  const names = new Set<string>()
  const bufs = new Set<string>()
  const sgts = new Set<string>()
  const out: Operation[] = []
  for (const o of ops) {
    const a = o.args as Record<string, unknown>
    if ('buf' in a && !bufs.has(a.buf as string)) continue
    if ('sgt' in a && !sgts.has(a.sgt as string)) continue
    if (REFS.some((r) => r in a && !names.has(a[r] as string))) continue
    if (typeof a.as === 'string') names.add(a.as)
    if (o.op === 'ib_umem_dmabuf_get') names.add(`${a.as as string}:attach`)
    if (o.op === 'munmap') bufs.delete(a.buf as string)
    if (o.op.startsWith('mmap')) {
      if (bufs.has(a.as as string)) continue
      bufs.add(a.as as string)
    }
    if (o.op === 'pci_p2pmem_alloc_sgl') {
      if (sgts.has(a.as as string)) continue
      sgts.add(a.as as string)
    }
    out.push(o)
  }
  return out
}

const opArb = fc.oneof(
  fc.constantFrom(...OPS),
  fc
    .constantFrom('p2p', 'cmb', 'anon', 'bar', 'lazy', 'res', 'dax', 'rfc')
    .chain((b) => fc.constantFrom(...BUF_OPS(b))),
)

describe('reversibility property', () => {
  it('forward N then back N restores the world; forward again reproduces the same deltas; a rerun is deterministic', () => {
    let ran = 0
    fc.assert(
      fc.property(
        fc.constantFrom(...TOPOS),
        fc.constantFrom(...ERAS_P),
        fc.boolean(),
        fc.array(opArb, { minLength: 1, maxLength: 24 }),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        ([, topo], era, iommu, rawOps, a, b, setup) => {
          const settings: LabSettings = { ...DEFAULT_SETTINGS, era, iommu }
          const sc: Scenario = {
            name: 'prop',
            operations: feasible(setup ? [...PREAMBLE, ...rawOps] : rawOps),
          }
          const m = scenarioMachine(topo(), settings, sc)
          let r
          try {
            r = runScenario(m, sc)
          } catch (e) {
            // a reference that only fails at run time (e.g. a buffer whose mmap failed) is bad input, not a bug
            if (e instanceof ScenarioInputError) return
            throw e
          }
          const tl = r.timeline
          ran++
          const total = tl.frontier
          const start = total === 0 ? 0 : a % (total + 1)
          const n = total - start === 0 ? 0 : (b % (total - start)) + 1
          tl.seek(start)
          const before = tl.world
          // a deep copy, so that a step that wrongly changed the world in place is caught (the run
          // tables are read-only views over persistent maps: copied as plain records)
          const snapshot = structuredClone({
            ...before,
            vmas: { ...before.vmas },
            ptes: { ...before.ptes },
            pages: { ...before.pages },
          })
          for (let i = 0; i < n; i++) tl.forward()
          const mid = tl.world
          const deltas = tl.steps.slice(start, start + n).map((s) => (s.kind === 'mutate' ? s.deltas : []))
          for (let i = 0; i < n; i++) tl.back()
          expect({
            ...tl.world,
            vmas: { ...tl.world.vmas },
            ptes: { ...tl.world.ptes },
            pages: { ...tl.world.pages },
          }).toEqual(snapshot)
          for (let i = 0; i < n; i++) tl.forward()
          expect(tl.world).toEqual(mid)
          expect(tl.steps.slice(start, start + n).map((s) => (s.kind === 'mutate' ? s.deltas : []))).toEqual(
            deltas,
          )
          // back to the very start: the empty world
          tl.seek(0)
          expect(tl.world).toEqual(emptyWorld(m.settings.seed))
          // determinism: a fresh run records the same steps
          const again = runScenario(m, sc)
          expect(again.timeline.steps).toEqual(r.timeline.steps)
        },
      ),
      { numRuns: 80 },
    )
    // most generated sequences must really run (not be refused as bad input)
    expect(ran).toBeGreaterThan(40)
  })
})
