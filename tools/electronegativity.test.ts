/**
 * The verdict logic of tools/electronegativity.ts (the 'security' stage of npm test runs the scan
 * itself): the JSON report of tools/electronegativity/scan.mjs is read strictly, accepted review/LOW
 * findings pass with a reason, everything else fails — including the findings of the first,
 * unhardened prototype — and the scanner is pinned by its own lockfile, as the README says.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ACCEPTED, SCANNER_DIR, SCANNER_PACKAGE, judge, parseReport, type Finding } from './electronegativity'

const root = join(import.meta.dirname, '..')

const finding = (check: string, severity: string, sample = 'N/A'): Finding => ({
  check,
  severity,
  confidence: 'FIRM',
  manualReview: false,
  file: 'out/main/index.js',
  line: 1,
  column: 2,
  sample,
  description: 'desc',
})
const report = (findings: Finding[], errors: unknown[] = []) =>
  JSON.stringify({ version: '1.10.3', globalChecks: 5, atomicChecks: 35, errors, findings })

describe('electronegativity verdict', () => {
  it('reads the JSON report scan.mjs writes, samples with quotes and commas intact', () => {
    const sample = `if (new URL(url).origin === "https://a, b") shell.openExternal(url);\n"x",y`
    const r = parseReport(report([finding('OPEN_EXTERNAL_JS_CHECK', 'medium', sample)]))
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.report.findings[0]).toMatchObject({
      check: 'OPEN_EXTERNAL_JS_CHECK',
      severity: 'MEDIUM',
      file: 'out/main/index.js',
      line: 1,
      column: 2,
      sample,
    })
  })

  it('refuses a truncated or misshapen report instead of reading it as "no findings"', () => {
    const full = report([finding('CSP_GLOBAL_CHECK', 'LOW')])
    const cut = parseReport(full.slice(0, full.length - 20))
    expect(cut).toMatchObject({ ok: false })
    if (!cut.ok) expect(cut.error).toMatch(/not JSON/)
    const noSeverity = JSON.parse(full) as { findings: Record<string, unknown>[] }
    delete noSeverity.findings[0]!['severity']
    const bad = parseReport(JSON.stringify(noSeverity))
    expect(bad).toMatchObject({ ok: false })
    if (!bad.ok) expect(bad.error).toMatch(/findings\.0\.severity/)
    expect(parseReport('{}')).toMatchObject({ ok: false })
  })

  it('accepts only the listed review/LOW checks, each with a reason', () => {
    const { accepted, failing } = judge([
      finding('CSP_GLOBAL_CHECK', 'LOW'),
      finding('PRELOAD_JS_CHECK', 'MEDIUM'),
    ])
    expect(failing).toEqual([])
    expect(accepted.map((a) => a.check)).toEqual(['CSP_GLOBAL_CHECK', 'PRELOAD_JS_CHECK'])
    for (const a of ACCEPTED) expect(a.reason.length).toBeGreaterThan(40)
  })

  it('fails the findings of an unhardened app, and an accepted check above its level', () => {
    const { accepted, failing } = judge([
      finding('LIMIT_NAVIGATION_GLOBAL_CHECK', 'HIGH'),
      finding('PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'MEDIUM'),
      finding('AUXCLICK_JS_CHECK', 'MEDIUM'),
      finding('CONTEXT_ISOLATION_JS_CHECK', 'HIGH'),
      finding('SANDBOX_JS_CHECK', 'MEDIUM'),
      finding('CSP_GLOBAL_CHECK', 'HIGH'),
      finding('SOMETHING_NEW', 'INFORMATIONAL'),
      finding('PRELOAD_JS_CHECK', 'UNHEARD-OF'),
    ])
    expect(accepted).toEqual([])
    expect(failing).toHaveLength(8)
  })
})

describe('the scanner package and the README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const pkg = JSON.parse(readFileSync(join(root, SCANNER_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  const lock = JSON.parse(readFileSync(join(root, SCANNER_DIR, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; resolved?: string; integrity?: string }>
  }

  it('pins one exact version, locked with an integrity hash, and the README names it', () => {
    const pinned = pkg.dependencies[SCANNER_PACKAGE]!
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/)
    const locked = lock.packages[`node_modules/${SCANNER_PACKAGE}`]!
    expect(locked.version).toBe(pinned)
    expect(locked.integrity).toMatch(/^sha512-/)
    expect(readme).toContain(`electronegativity](https://github.com/doyensec/electronegativity) ${pinned}`)
  })

  it("README's accepted-findings table lists exactly the accepted checks", () => {
    const section = readme.slice(
      readme.indexOf('## Security'),
      readme.indexOf('\n## ', readme.indexOf('## Security') + 1),
    )
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => m[1])
    expect(rows).toEqual(ACCEPTED.map((a) => a.check))
  })
})
