/**
 * The era table is the one place era facts live (issue 14 item 2, issue 11): outside
 * electron/engine/era/ no engine or application code writes an era id ('v6.2'), compares eras,
 * or keeps its own era order; it asks the era API (has, behaves, pick, p2pRules, eraRelease, …).
 *
 * Allowed: tests, and the data files whose records name the era they run in (the built-in scenario
 * library and the default lab). Comments are not code and are not scanned.
 */
import { describe, expect, it } from 'vitest'

const sources = {
  ...import.meta.glob<string>('../**/*.ts', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob<string>('../../app/**/*.ts', { query: '?raw', import: 'default', eager: true }),
}

/** Data files: a scenario, exercise or lab record carries the era it runs in; a source says which era it was read from. */
const DATA = ['../scenario/library.ts', '../scenario/course.ts', '../lab/default-lab.ts', '../sources.ts']

function scanned(): [string, string][] {
  return Object.entries(sources).filter(
    ([path]) =>
      !path.endsWith('.test.ts') && !path.endsWith('.d.ts') && !path.startsWith('./') && !DATA.includes(path),
  )
}

/** The code of a file with its comments blanked (string contents kept). */
export function stripComments(src: string): string {
  let out = ''
  let i = 0
  let quote: string | null = null
  while (i < src.length) {
    const c = src[i]!
    if (quote) {
      out += c
      if (c === '\\') {
        out += src[i + 1] ?? ''
        i += 2
        continue
      }
      if (c === quote) quote = null
      i++
      continue
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++
      continue
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2)
      i = end < 0 ? src.length : end + 2
      continue
    }
    if (c === "'" || c === '"' || c === '`') quote = c
    out += c
    i++
  }
  return out
}

/** String and template literals of some code (comments already stripped). */
function literals(code: string): string[] {
  return [...code.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0])
}

const ERA_ID = /\bv[4-9]\.\d+(?:-rfc)?\b/

describe('era literals outside the era table', () => {
  it('no string in engine or app code names an era (v5.0, v6.12-style)', () => {
    const hits: string[] = []
    for (const [path, src] of scanned())
      for (const lit of literals(stripComments(src)))
        if (ERA_ID.test(lit)) hits.push(`${path}: ${lit.slice(0, 100)}`)
    expect(hits).toEqual([])
  })

  it('nothing compares eras or keeps an era order outside electron/engine/era/', () => {
    const banned = [
      /\beraAtLeast\b/,
      /\bERA_NUM\b/,
      /\beraNum\b/,
      /ERAS\.indexOf/,
      /\.era\s*[!=]==?\s*['"]/,
      /['"]next['"]\s*[!=]==?\s*\w*\.?era\b/,
    ]
    const hits: string[] = []
    for (const [path, src] of scanned()) {
      const code = stripComments(src)
      for (const re of banned) if (re.test(code)) hits.push(`${path}: ${re}`)
    }
    expect(hits).toEqual([])
  })

  it('the scanner sees a literal and skips a comment, and reads the engine and the app', () => {
    expect(literals(stripComments("// 'v6.2' in a comment\nconst x = 'v6.2'"))).toEqual(["'v6.2'"])
    const paths = scanned().map(([p]) => p)
    expect(paths).toContain('../scenario/ops.ts')
    expect(paths).toContain('../../app/session.ts')
    // the table itself is full of them (and is not scanned)
    expect(
      literals(stripComments(sources['./eras.ts']!)).filter((l) => ERA_ID.test(l)).length,
    ).toBeGreaterThan(10)
  })
})
