/**
 * The verdict logic of tools/electronegativity.ts (the 'security' stage of npm test runs the tool
 * itself, ~40 s with the npx install): its CSV is parsed, accepted review/LOW findings pass with a
 * reason, and everything else fails — including the findings of the first, unhardened prototype.
 */
import { describe, expect, it } from 'vitest'
import { ACCEPTED, judge, parseCsv } from './electronegativity'

const HEADER = 'issue, severity, confidence, filename, location, sample, description, url\n'
const row = (check: string, severity: string, sample = 'N/A') =>
  `${check},"${severity}","FIRM","out/main/index.js","1:2","${sample.replaceAll('"', '""')}","desc",https://x\n`

describe('electronegativity verdict', () => {
  it('parses the CSV electronegativity 1.10.3 writes (quoted fields, doubled quotes, commas)', () => {
    const csv =
      HEADER +
      row(
        'OPEN_EXTERNAL_JS_CHECK',
        'MEDIUM',
        `if (new URL(url).origin === "https://a, b") shell.openExternal(url);`,
      )
    const [f] = parseCsv(csv)
    expect(f).toMatchObject({
      check: 'OPEN_EXTERNAL_JS_CHECK',
      severity: 'MEDIUM',
      confidence: 'FIRM',
      file: 'out/main/index.js',
      location: '1:2',
      sample: 'if (new URL(url).origin === "https://a, b") shell.openExternal(url);',
    })
    expect(parseCsv(HEADER)).toEqual([])
  })

  it('accepts only the listed review/LOW checks, each with a reason', () => {
    const csv = HEADER + row('CSP_GLOBAL_CHECK', 'LOW') + row('PRELOAD_JS_CHECK', 'MEDIUM')
    const { accepted, failing } = judge(parseCsv(csv))
    expect(failing).toEqual([])
    expect(accepted.map((a) => a.check)).toEqual(['CSP_GLOBAL_CHECK', 'PRELOAD_JS_CHECK'])
    for (const a of ACCEPTED) expect(a.reason.length).toBeGreaterThan(40)
  })

  it('fails the findings of an unhardened app, and an accepted check above its level', () => {
    const csv =
      HEADER +
      row('LIMIT_NAVIGATION_GLOBAL_CHECK', 'HIGH') +
      row('PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'MEDIUM') +
      row('AUXCLICK_JS_CHECK', 'MEDIUM') +
      row('CONTEXT_ISOLATION_JS_CHECK', 'HIGH') +
      row('SANDBOX_JS_CHECK', 'MEDIUM') +
      row('CSP_GLOBAL_CHECK', 'HIGH') +
      row('SOMETHING_NEW', 'INFORMATIONAL')
    const { accepted, failing } = judge(parseCsv(csv))
    expect(accepted).toEqual([])
    expect(failing).toHaveLength(7)
  })
})
