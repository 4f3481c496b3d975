/**
 * The repository explains itself: what its comments, strings and docs cite must be in the
 * repository.
 *
 * - No file cites a document that is not in the repository: the research handouts (kernel facts,
 *   cases and oracle notes), style or toolchain notes, or a path outside the checkout. The facts
 *   they held are in docs/kernel/ and docs/design.md, written by the project.
 * - Every citation of a page in docs/ (`docs/kernel/p2pdma.md#the-distance-walk`, or a relative
 *   Markdown link inside docs/ and the README) names a file that exists and a heading it has.
 * - Every source key (S1 … S16) used anywhere is defined in electron/engine/sources.ts and has its
 *   section in docs/kernel/sources.md, and sources.md defines no key the engine does not.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SOURCES, sourceInfo } from '../electron/engine/index'

const root = resolve(import.meta.dirname, '..')
const SELF = 'tools/citations.test.ts'

/** Text files the project writes (fixtures of real machines and generated lockfiles excluded). */
function projectFiles(): string[] {
  const out: string[] = []
  const skipDir = new Set(['node_modules', 'out', 'release', 'fixtures', '.git', '.tmp'])
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      const st = statSync(p)
      if (st.isDirectory()) {
        if (!skipDir.has(name)) walk(p)
      } else if (/\.(ts|mts|mjs|cjs|js|vue|md|json|p2plab|txt|c|sh|html|css|yml)$/.test(name)) {
        if (name === 'package-lock.json') continue
        out.push(relative(root, p))
      }
    }
  }
  for (const d of ['electron', 'shared', 'renderer', 'tools', 'tests', 'bench', 'build', 'docs', '.ci'])
    walk(join(root, d))
  out.push('README.md')
  return out.filter((f) => f !== SELF)
}

/** GitHub's heading anchors for a Markdown file. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) fenced = !fenced
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (!m) continue
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

/** Citations of documents that are not in the repository. */
const OUTSIDE =
  /kernel-(facts|oracle)\b|kernel-cases(\.md|\s+§|\s+[CT]\d|\b(?!\.test))|era-names|\b(STYLE|DESIGN|TOOLCHAIN|DEVELOPERS|HELPERS)\.md\b|\.\.\/shared\/[\w.-]+\.md|\/work\/(shared|notes|main|wt-|kernel-src)/

const files = projectFiles()
const text = new Map(files.map((f) => [f, readFileSync(join(root, f), 'utf8')]))

/** `file:line: the line` for every match of `re` in the scanned files. */
function hits(re: RegExp, only?: (file: string) => boolean): string[] {
  const out: string[] = []
  for (const [f, t] of text) {
    if (only && !only(f)) continue
    t.split('\n').forEach((line, i) => {
      if (re.test(line)) out.push(`${f}:${i + 1}: ${line.trim().slice(0, 160)}`)
    })
  }
  return out
}

describe('citations stay inside the repository', () => {
  it('scans the code, the tests and the docs', () => {
    expect(files).toContain('electron/engine/p2pdma/distance.ts')
    expect(files).toContain('renderer/src/components/PairExplanation.vue')
    expect(files).toContain('docs/kernel/p2pdma.md')
    expect(files.length).toBeGreaterThan(300)
  })

  it('no file cites a document outside the repository', () => {
    expect(hits(OUTSIDE)).toEqual([])
  })

  it('the pattern catches the outside citations and spares our own names', () => {
    for (const bad of [
      '(kernel-facts §b.3)',
      'see ../shared/kernel-cases.md',
      'kernel-cases.md C06',
      '(kernel-oracle.md §5 item 2)',
      '(STYLE.md §2.5 rule 1)',
      'TOOLCHAIN.md §9',
      '../../shared/DESIGN.md',
      'era-names.md',
    ])
      expect(OUTSIDE.test(bad), bad).toBe(true)
    for (const good of [
      'electron/engine/p2pdma/kernel-cases.test.ts',
      'docs/design.md#the-renderer',
      'docs/kernel/cases.md',
    ])
      expect(OUTSIDE.test(good), good).toBe(false)
  })

  it('every docs/… citation names an existing page and heading', () => {
    const broken: string[] = []
    const check = (from: string, target: string, anchor: string | undefined) => {
      const path = resolve(root, target)
      if (!path.startsWith(root + '/')) return broken.push(`${from}: ${target} is outside the repository`)
      const page = text.get(relative(root, path))
      if (page === undefined) return broken.push(`${from}: ${target} does not exist`)
      if (anchor && !anchors(page).has(anchor)) broken.push(`${from}: ${target} has no heading #${anchor}`)
    }
    for (const [f, t] of text) {
      // docs/<page>.md#anchor anywhere (comments, strings, docs)
      for (const m of t.matchAll(/\bdocs\/([\w./-]+\.md)(?:#([\w-]+))?/g)) check(f, `docs/${m[1]}`, m[2])
      // relative Markdown links in Markdown files
      if (f.endsWith('.md'))
        for (const m of t.matchAll(/\]\((?!https?:|mailto:|#)([^)\s#]+)(?:#([^)\s]+))?\)/g))
          check(f, join(dirname(f), m[1]!), m[2])
      // in-page links
      if (f.endsWith('.md')) for (const m of t.matchAll(/\]\(#([^)\s]+)\)/g)) check(f, f, m[1])
    }
    expect(broken).toEqual([])
  })

  it('a citation must be able to fail: a missing heading is caught', () => {
    expect(anchors('# A\n## The distance walk\n## `calc_map_type_and_dist()`\n## 6.0 – 6.15: x')).toEqual(
      new Set(['a', 'the-distance-walk', 'calc_map_type_and_dist', '60--615-x']),
    )
  })
})

describe('source keys', () => {
  it('every key used anywhere is defined (electron/engine/sources.ts)', () => {
    // Vendored data (the pci.ids snapshot names devices "S90" and the like) cites no sources.
    const undefinedKeys = [...text]
      .filter(([f]) => !/\.data\.ts$/.test(f))
      .flatMap(([f, t]) => [...t.matchAll(/\bS\d{1,2}\b/g)].map((m) => ({ f, key: m[0] })))
      .filter(({ key }) => !sourceInfo(key))
      .map(({ f, key }) => `${f}: ${key}`)
    expect(undefinedKeys).toEqual([])
  })

  it('docs/kernel/sources.md has a section for every key, and only for those', () => {
    const page = text.get('docs/kernel/sources.md')!
    const sections = [...page.matchAll(/^## (\S+)$/gm)].map((m) => m[1])
    expect(sections).toEqual(SOURCES.map((s) => s.key))
    for (const s of SOURCES) if (s.commit) expect(page, s.key).toContain(s.commit.slice(0, 12))
  })
})
