/**
 * `lab eras` and `lab sources`: the era table and what the source keys in decisions mean
 * (electron/engine/sources.ts, docs/kernel/sources.md).
 */
import { eraInfos, SOURCES, sourceInfo } from '../../engine/index'
import type { CliIo } from './io'

/** One line saying what a source key is (electron/engine/sources.ts, docs/kernel/sources.md). */
export function sourceLine(key: string): string {
  const s = sourceInfo(key)
  if (!s) return 'not defined'
  const where = [s.repo, s.paths.join(', '), s.commit ? `@ ${s.commit.slice(0, 12)}` : ''].filter(Boolean)
  return `${s.title}${where.length ? ` — ${where.join(' ')}` : ''} (${s.era})`
}

export function cmdSources(io: CliIo): number {
  for (const s of SOURCES)
    io.stdout(`${s.key.padEnd(7)}${sourceLine(s.key)}${s.url ? `\n       ${s.url}` : ''}\n`)
  return 0
}

/** `lab eras`: every era oldest first, with its release, the distribution kernels it stands for, and its summary. */
export function cmdEras(io: CliIo): number {
  for (const e of eraInfos()) {
    io.stdout(`${e.id.padEnd(10)} ${e.label}\n`)
    const pad = ' '.repeat(11)
    if (e.distros.length)
      io.stdout(
        `${pad}stands for: ${e.distros.map((d) => `${d.name} (${d.kernel}${d.verified ? '' : ', from memory'})`).join('; ')}\n`,
      )
    io.stdout(`${pad}${e.summary}\n`)
  }
  return 0
}
