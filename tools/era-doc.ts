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
  return out.join('\n') + '\n'
}
