/**
 * docs/kernel/eras.md, generated from the engine's era table (electron/engine/era/): the eras with
 * their releases and the distribution kernels they stand for, every kernel name the engine can show
 * with the releases it existed in, and the behaviour changes. `npx tsx tools/gen-era-doc.ts` writes
 * it; tools/era-doc.test.ts checks the committed page is current.
 */
import { behaviourTable, eraInfos, nameTable, rangeText } from '../electron/engine/index'

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function eraDoc(): string {
  const out: string[] = []
  out.push('# Eras, kernel names and behaviours')
  out.push('')
  out.push(
    'Generated from `electron/engine/era/` by `npx tsx tools/gen-era-doc.ts`; do not edit by hand. The engine',
    'asks these tables every era question: which kernel names exist in an era (a frame outside its range',
    'is an engine bug), which behaviours hold, and which P2PDMA rules apply. Ranges are mainline',
    'releases: "5.6–6.9" means present from 5.6 up to and including 6.9; "≤5.0" means older than every era',
    'the lab offers. Confidence: *verified* (read in a tree, or a pull request or push log names the',
    'release), *partly* (the commit is known, its release inferred), *unverified* (from memory).',
    'Source keys are in [sources.md](sources.md); "6.1.192 file:line" and "6.12.118 file:line" are Debian\'s',
    'linux-source-6.1 and linux-source-6.12 trees.',
  )
  out.push('', '## Eras', '')
  out.push('| Era | Release | Stands for | Summary |', '| --- | --- | --- | --- |')
  for (const e of eraInfos()) {
    const d = e.distros.map((x) => `${x.name} (${x.kernel}${x.verified ? '' : ', from memory'})`).join('; ')
    out.push(`| ${e.id} | ${e.release} | ${esc(d || '—')} | ${esc(e.summary)} |`)
  }
  out.push('', '## Kernel names', '')
  out.push(
    '| Name | Kind | Releases | Became | File | Confidence | Source |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const [name, d] of nameTable())
    out.push(
      `| \`${name}\` | ${d.kind} | ${rangeText(d)} | ${esc(d.renamedTo ?? '')} | \`${d.file}\` | ${d.confidence} | ${esc(d.source)} |`,
    )
  out.push('', '## Behaviours', '')
  out.push('| Id | Releases | What | Confidence | Source |', '| --- | --- | --- | --- | --- |')
  for (const [id, d] of behaviourTable())
    out.push(`| \`${id}\` | ${rangeText(d)} | ${esc(d.what)} | ${d.confidence} | ${esc(d.source)} |`)
  out.push('', '## The per-era call paths: what is not verified', '', ...UNVERIFIED.map((u) => `- ${u}`))
  return out.join('\n') + '\n'
}

/**
 * What the per-era GUP, O_DIRECT, RDMA, DMA and HMM call paths (issue 11 item 1, issue 16
 * corrections 2–5 and 7) take from memory or infer, beyond the confidence column above.
 */
const UNVERIFIED = [
  "get_user_pages_fast()'s write bool → gup_flags (5.2): Ira Weiny's 2019 series is verified, the commit id of the GUP-fast patch (73b0140bf0fe) is from memory.",
  'ib_umem_get(): get_user_pages_longterm() in 5.0–5.1 and get_user_pages(FOLL_LONGTERM) under mmap_sem in 5.2–5.4 follow 932f4a630a69; the 5.5 switch to get_user_pages_fast() is unverified (no lab era falls there). The 5.0 gup_flags (FOLL_WRITE, FOLL_FORCE for read-only MRs) are not modelled: the lab shows FOLL_WRITE only for writable access.',
  'get_user_pages_longterm() (5.0): shown as get_user_pages() then the vma_is_fsdax() test; the CMA migration 5.1 added is not modelled (the lab has no CMA).',
  'Grab helpers: try_get_page() 5.1, try_grab_page() 5.7, try_grab_folio() as the GUP-fast grab 5.18 and as the slow-path grab 6.10 (f442fa614137): releases partly inferred from commit timing.',
  'is_valid_gup_flags(): introduction release unverified (shown from 5.10, read in 5.10.13 and 6.1.192; get_user_pages_fast() calls it from 5.10, see gup.fast-valid-gup-flags). The 5.6–5.9 inline WARN_ON_ONCE(FOLL_PIN) of get_user_pages_fast() has no lab era.',
  "__gup_longterm_unlocked(): gone in 6.3 with d64e2dbc33a1's series (inferred from a 6.4-era tree); whether 6.3 refused FOLL_LONGTERM|FOLL_PCI_P2PDMA in is_valid_gup_args() or still in check_vma_flags() is open (the lab has no 6.3 era).",
  'O_DIRECT getters: iov_iter_get_pages2() 6.0, iov_iter_get_pages(…, gup_flags) 6.2, ITER_ALLOW_P2PDMA 6.3 and iov_iter_extract_pages() 6.5 come from the commits and pulls named in the table; the 6.3 release of ITER_ALLOW_P2PDMA is inferred.',
  'dma_map_sgtable() (5.8) turning nents 0 into -EINVAL before __dma_map_sg_attrs() (5.15, fffe3cc8c219): from memory.',
  "HMM: hmm_vma_walk_test() walking VM_MIXEDMAP from 5.17 (87c01d57fa23) is from memory; hmm_mirror_register()'s removal (5.6) is from memory.",
  'migrate_longterm_unpinnable_pages() and folio_is_longterm_pinnable(): introductions unverified; shown from 6.0, the first lab era with DEVICE_COHERENT pages.',
]
