/**
 * Electron security evidence, the 'security' stage of `npm test`: runs @doyensec/electronegativity
 * over the app's sources and its build (electron/, renderer/, shared/, out/, package.json; tests and
 * tools are left out: they are not shipped) and fails on every finding that is not on the accepted
 * list below. The accepted findings are LOW or "review" checks, each with its reason (also in README
 * "Security"). Electronegativity exits 0 even with findings, so its report is the verdict.
 *
 * The scanner is an isolated tools package, tools/electronegativity/ (package.json + its own
 * package-lock.json): it brings eslint 7 and TypeScript 4.2, which must not meet the project's
 * toolchain. `.ci/run` installs it with `npm ci --prefix tools/electronegativity`; when it is
 * missing (a fresh clone after `npm ci`), this stage installs it the same way, from the lockfile,
 * preferring npm's cache, and says exactly why when that is impossible (offline with an empty
 * cache). It never downloads anything at scan time: tools/electronegativity/scan.mjs calls the
 * library and writes its findings as JSON in one synchronous write (the CLI's CSV writer races its
 * header against its rows), without the two checks that read Electron's live release feed.
 *
 * Nothing here measures time: the scan is bounded only by a generous time limit against a hang.
 *
 *   npx tsx tools/electronegativity.ts        (needs `npm run build` first: out/ is scanned too)
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

/** The isolated package (relative to the repository root). */
export const SCANNER_DIR = 'tools/electronegativity'
export const SCANNER_PACKAGE = '@doyensec/electronegativity'

/** Generous limits against a hang, never a timing assumption: a normal scan takes seconds. */
const INSTALL_TIMEOUT_MS = 20 * 60_000
const SCAN_TIMEOUT_MS = 20 * 60_000

export interface Finding {
  check: string
  severity: string
  confidence: string
  manualReview: boolean
  file: string
  line: number
  column: number
  sample: string
  description: string
}

export interface Accepted {
  check: string
  /** Highest severity accepted for this check. */
  maxSeverity: 'INFORMATIONAL' | 'LOW' | 'MEDIUM'
  reason: string
}

/**
 * Findings we accept, with the reason. Anything else (any other check, or a higher severity) fails.
 * PRELOAD_JS_CHECK and OPEN_EXTERNAL_JS_CHECK are "review the use of …" checks that fire on every
 * use of the API, whatever the code does; electronegativity labels them MEDIUM/TENTATIVE-or-FIRM.
 */
export const ACCEPTED: Accepted[] = [
  {
    check: 'CSP_GLOBAL_CHECK',
    maxSeverity: 'LOW',
    reason:
      "the CSP is strict (script-src 'self', no 'unsafe-inline', object-src 'none'); the check flags any CSP it cannot prove safe, and cannot parse a CSP assembled in code (csp.ts)",
  },
  {
    check: 'PRELOAD_JS_CHECK',
    maxSeverity: 'MEDIUM',
    reason:
      'review check on every preload: ours is sandboxed, context-isolated and exposes only the contract (one function per channel, electron/preload/index.test.ts)',
  },
  {
    check: 'OPEN_EXTERNAL_JS_CHECK',
    maxSeverity: 'MEDIUM',
    reason:
      'review check on every shell.openExternal: ours opens only https://elixir.bootlin.com URLs built by main (origin checked before the call)',
  },
]

const RANK: Record<string, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 }

const reportSchema = z.strictObject({
  version: z.string(),
  globalChecks: z.number().int().positive(),
  atomicChecks: z.number().int().positive(),
  errors: z.array(z.strictObject({ file: z.string(), message: z.string(), tolerable: z.boolean() })),
  findings: z.array(
    z.strictObject({
      check: z.string().min(1),
      severity: z.string().min(1),
      confidence: z.string(),
      manualReview: z.boolean(),
      file: z.string(),
      line: z.number(),
      column: z.number(),
      sample: z.string(),
      description: z.string(),
    }),
  ),
})
export type ScanReport = z.infer<typeof reportSchema>

/**
 * Reads the JSON report tools/electronegativity/scan.mjs writes. Anything that is not exactly that
 * shape (a truncated file, a field missing) is an error naming what is wrong, never "no findings".
 */
export function parseReport(text: string): { ok: true; report: ScanReport } | { ok: false; error: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { ok: false, error: `the report is not JSON (${(e as Error).message})` }
  }
  const r = reportSchema.safeParse(json)
  if (!r.success) {
    const i = r.error.issues[0]!
    return {
      ok: false,
      error: `the report does not have the expected shape: ${i.path.join('.') || '(root)'}: ${i.message}`,
    }
  }
  const report = r.data
  report.findings = report.findings.map((f) => ({ ...f, severity: f.severity.toUpperCase() }))
  return { ok: true, report }
}

/** Split findings into accepted (with the reason) and failing. */
export function judge(findings: Finding[]): {
  accepted: (Finding & { reason: string })[]
  failing: Finding[]
} {
  const accepted: (Finding & { reason: string })[] = []
  const failing: Finding[] = []
  for (const f of findings) {
    const rule = ACCEPTED.find((a) => a.check === f.check)
    const rank = RANK[f.severity] ?? RANK['CRITICAL']!
    if (rule && rank <= RANK[rule.maxSeverity]!) accepted.push({ ...f, reason: rule.reason })
    else failing.push(f)
  }
  return { accepted, failing }
}

/** The version the isolated package pins (its package.json), and the one installed, if any. */
export function scannerVersions(root: string): { pinned: string; installed: string | null } {
  const pkg = JSON.parse(readFileSync(join(root, SCANNER_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  const pinned = pkg.dependencies[SCANNER_PACKAGE]!
  const installedPkg = join(root, SCANNER_DIR, 'node_modules', SCANNER_PACKAGE, 'package.json')
  const installed = existsSync(installedPkg)
    ? (JSON.parse(readFileSync(installedPkg, 'utf8')) as { version: string }).version
    : null
  return { pinned, installed }
}

/** Installs the scanner from its lockfile when it is missing or not the pinned version. */
function ensureScanner(root: string): string | null {
  const { pinned, installed } = scannerVersions(root)
  if (installed === pinned) return null
  console.log(
    `electronegativity: ${installed ? `installed ${installed} is not the pinned ${pinned}` : 'not installed'}; ` +
      `npm ci --prefix ${SCANNER_DIR} (from its package-lock.json, npm's cache first)`,
  )
  const r = spawnSync(
    'npm',
    ['ci', '--prefix', SCANNER_DIR, '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'],
    { cwd: root, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS },
  )
  const now = scannerVersions(root).installed
  if (r.status === 0 && now === pinned) return null
  return (
    `the scanner ${SCANNER_PACKAGE}@${pinned} is not installed in ${SCANNER_DIR}/node_modules and ` +
    `\`npm ci --prefix ${SCANNER_DIR}\` could not install it (exit ${r.status ?? r.signal ?? r.error?.message}): ` +
    'it needs the npm registry, or an npm cache that already holds those packages. Run that command once ' +
    'with registry access (.ci/run does), or skip this stage: TEST_STAGES=format,lint,typecheck,unit,build,e2e npm test.\n' +
    (r.stderr ?? '')
      .split('\n')
      .filter((l) => l.startsWith('npm error') && !/^npm error\s+at /.test(l))
      .slice(0, 8)
      .join('\n')
  )
}

function main(): number {
  const root = resolve(fileURLToPath(import.meta.url), '../..')
  if (!existsSync(join(root, 'out/main/index.js'))) {
    console.error('electronegativity: out/ is missing; run `npm run build` first (the build is scanned too)')
    return 1
  }
  const installError = ensureScanner(root)
  if (installError) {
    console.error(`electronegativity: ${installError}`)
    return 1
  }
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>
  }
  const electronVersion = rootPkg.devDependencies['electron']!
  const work = mkdtempSync(join(tmpdir(), 'electronegativity-'))
  try {
    const scan = join(work, 'app')
    for (const dir of ['electron', 'renderer', 'shared', 'out'])
      cpSync(join(root, dir), join(scan, dir), {
        recursive: true,
        filter: (src) => !/\.test\.ts$|[\\/]node_modules[\\/]/.test(src),
      })
    writeFileSync(join(scan, 'package.json'), readFileSync(join(root, 'package.json')))
    const reportFile = join(work, 'report.json')
    const r = spawnSync(
      process.execPath,
      [join(root, SCANNER_DIR, 'scan.mjs'), scan, reportFile, electronVersion],
      { cwd: work, encoding: 'utf8', timeout: SCAN_TIMEOUT_MS },
    )
    if (r.status !== 0 || !existsSync(reportFile)) {
      console.error(
        `electronegativity: the scan did not finish (exit ${r.status ?? r.signal ?? r.error?.message})\n` +
          (r.stderr ?? '').slice(-2000),
      )
      return 1
    }
    const parsed = parseReport(readFileSync(reportFile, 'utf8'))
    if (!parsed.ok) {
      console.error(`electronegativity: ${parsed.error}`)
      return 1
    }
    const { report } = parsed
    const unreadable = report.errors.filter((e) => !e.tolerable)
    const { accepted, failing } = judge(report.findings)
    console.log(
      `electronegativity ${report.version}: ${report.atomicChecks} atomic and ${report.globalChecks} global checks`,
    )
    for (const f of accepted)
      console.log(
        `  accepted  ${f.check} ${f.severity} ${f.file}:${f.line}:${f.column} (${f.reason.split(';')[0]})`,
      )
    for (const f of failing)
      console.log(
        `  FAILING   ${f.check} ${f.severity}/${f.confidence} ${f.file}:${f.line}:${f.column} ${f.description}`,
      )
    // A file the scanner could not parse was not checked at all: that is not a pass.
    for (const e of unreadable) console.log(`  UNREAD    ${e.file}: ${e.message}`)
    console.log(`${accepted.length} accepted, ${failing.length} failing, ${unreadable.length} unread`)
    return failing.length > 0 || unreadable.length > 0 ? 1 : 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main())
