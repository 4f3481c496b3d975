/**
 * Building scatterlists from page arrays (lib/scatterlist.c), range-wise.
 */
import { hex, PAGE_SIZE, type Pfn } from '../core/addr'
import { fail, kerr, ok, type KResult } from '../core/errno'
import type { Kernel } from '../kernel'
import { behaves, has as inEra } from '../era/index'
import { frame, kcall, type Call, type Frame } from '../core/step'
import type { KName } from '../era/index'
import { warnOn } from '../core/warn'
import { Tx, type SgEntry, type SgTable } from '../core/world'
import type { PageRange } from '../gup/gup'
import { pageAt } from '../mm/mm'

/** UINT_MAX, the max_segment of sg_alloc_table_from_pages(). */
export const UINT_MAX = 0xffff_ffffn

/**
 * sgAllocTableFromPages - build an sg_table from a page array, merging physically contiguous pages.
 * Mirrors lib/scatterlist.c: sg_alloc_table_from_pages_segment() -> sg_alloc_append_table_from_pages().
 *
 * max_segment = ALIGN_DOWN(max_segment, PAGE_SIZE) (< PAGE_SIZE: WARN, -EINVAL). A new chunk starts
 * when the chunk reached max_segment or !pages_are_mergeable(): pfn(b) == pfn(a) + 1 and, 6.2+,
 * zone_device_pages_have_same_pgmap(a, b). The first entry gets `offset`.
 *
 * Errnos: -EINVAL.
 * Simplification: `fn` lets blk_rq_map_sg() reuse this for bio segments (same merge rule, S12).
 */
export function* sgAllocTableFromPages(
  k: Kernel,
  sgt: string,
  pages: readonly PageRange[],
  offset: number,
  size: bigint,
  maxSegment: bigint = UINT_MAX,
  fn: KName = 'sg_alloc_table_from_pages_segment',
): Call<KResult<number>> {
  const f = frame(k, fn, ['EINVAL'])
  return yield* kcall(
    f,
    {
      n_pages: pages.reduce((s, r) => s + r.count, 0n).toString(),
      offset: String(offset),
      size: size.toString(),
      max_segment: hex(maxSegment),
    },
    body(),
  )
  function* body(): Call<KResult<number>> {
    const maxSeg = (maxSegment / PAGE_SIZE) * PAGE_SIZE
    // sg_alloc_append_table_from_pages() (5.15+): `max_segment = ALIGN_DOWN(max_segment, PAGE_SIZE);
    // if (WARN_ON(max_segment < PAGE_SIZE)) return -EINVAL;` (K61 lib/scatterlist.c:456, K612 :470,
    // K72 :472): a WARN_ON, not _ONCE, so every call prints a splat. The 5.x builder's own check
    // (__sg_alloc_table_from_pages) is not modelled as a splat (its form is unverified here), nor is
    // blk_rq_map_sg(), which has no such WARN.
    if (maxSeg < PAGE_SIZE) {
      const why = `max_segment ${hex(maxSegment)} is smaller than a page after ALIGN_DOWN`
      if (fn !== 'blk_rq_map_sg' && inEra(k.era, 'sg_alloc_append_table_from_pages')) {
        yield* warnOn(k, f, 'sg.append.max-segment', true, why)
        return fail(
          kerr('EINVAL', 'sg_alloc_append_table_from_pages', 'max_segment smaller than PAGE_SIZE (WARN_ON)'),
        )
      }
      yield f.check('ALIGN_DOWN(max_segment, PAGE_SIZE) >= PAGE_SIZE', false, `${why} (WARN_ON)`)
      return fail(kerr('EINVAL', f.fn, 'max_segment smaller than PAGE_SIZE'))
    }
    const chunks = yield* mergeChunks(k, f, pages, maxSeg / PAGE_SIZE)
    const sgl = sgEntries(chunks, offset, size)
    const tx = new Tx(k.world).set('sgts', sgt, cpuSgTable(sgt, sgl))
    yield f.mutate(
      tx.deltas,
      `${sgl.length} entr${sgl.length === 1 ? 'y' : 'ies'}: ${sgl.map((e) => `[pfn ${hex(e.page ?? 0n)} +${e.offset} len ${e.length}]`).join(' ')}`,
    )
    return ok(sgl.length)
  }
}

/**
 * The chunks of sg_alloc_append_table_from_pages(): a run of pages extends the last chunk while it
 * is below max_segment and pages_are_mergeable(): the next pfn and, 6.2+, the same pgmap.
 */
function* mergeChunks(
  k: Kernel,
  f: Frame,
  pages: readonly PageRange[],
  maxPages: bigint,
): Call<{ first: Pfn; pages: bigint }[]> {
  const pgmapOf = (p: Pfn): string | null => pageAt(k.world, p)?.pgmap ?? null
  const chunks: { first: Pfn; pages: bigint }[] = []
  for (const r of pages) {
    let left = r.count
    let p = r.pfn
    while (left > 0n) {
      const last = chunks[chunks.length - 1]
      if (last && last.pages < maxPages && last.first + last.pages === p) {
        const prevPg = pgmapOf((last.first + last.pages - 1n) as Pfn)
        const samePg = prevPg === pgmapOf(p)
        const mergeable = !behaves(k.era, 'sg.pgmap-merge-rule') || samePg
        if (!samePg || last.pages + left > maxPages) {
          yield f.check(
            'pages_are_mergeable(prev, next)',
            mergeable,
            samePg
              ? `pfn ${hex(p)} follows on, but the chunk reached max_segment`
              : mergeable
                ? `pfn ${hex(p)} follows on; before 6.2 only the pfn test exists, so pages of different pgmaps merge`
                : `pfn ${hex(p)} follows on but zone_device_pages_have_same_pgmap() is false: a new segment starts`,
          )
        }
        if (mergeable) {
          const take = left < maxPages - last.pages ? left : maxPages - last.pages
          if (take > 0n) {
            last.pages += take
            p = (p + take) as Pfn
            left -= take
            continue
          }
        }
      }
      const take = left < maxPages ? left : maxPages
      chunks.push({ first: p, pages: take })
      p = (p + take) as Pfn
      left -= take
    }
  }
  return chunks
}

/** One entry per chunk: the first gets `offset`, and the lengths add up to `size`. */
function sgEntries(
  chunks: readonly { first: Pfn; pages: bigint }[],
  offset: number,
  size: bigint,
): SgEntry[] {
  let remaining = size
  return chunks.map((c, i) => {
    const off = i === 0 ? offset : 0
    const bytes = c.pages * PAGE_SIZE - BigInt(off)
    const len = remaining < bytes ? remaining : bytes
    remaining -= len
    return {
      page: c.first,
      offset: off,
      length: Number(len),
      dma_address: null,
      dma_length: 0,
      bus_address: false,
    }
  })
}

/** An sg_table as sg_alloc_table*() leaves it: the CPU list, not DMA-mapped yet. */
export function cpuSgTable(id: string, sgl: SgEntry[]): SgTable {
  return { id, sgl, orig_nents: sgl.length, nents: 0, mappedFor: null, dir: null, iovas: [] }
}

/** An sg_table an exporter hands out already mapped for `dev` (dma-buf): `origNents` CPU entries. */
export function mappedSgTable(id: string, sgl: SgEntry[], dev: string, origNents: number): SgTable {
  return {
    id,
    sgl,
    orig_nents: origNents,
    nents: sgl.length,
    mappedFor: dev,
    dir: 'DMA_BIDIRECTIONAL',
    iovas: [],
  }
}

/** One CPU entry: `length` bytes of the page at `page` + `offset`, no DMA address yet. */
export function cpuSgEntry(page: Pfn, length: number, offset = 0): SgEntry {
  return { page, offset, length, dma_address: null, dma_length: 0, bus_address: false }
}
