#!/usr/bin/env node
// Runs @doyensec/electronegativity (the version in this folder's lockfile) through its library
// entry point and writes every finding as JSON, in one synchronous write:
//
//   node tools/electronegativity/scan.mjs <input dir> <report.json> <electron version>
//
// Why not the CLI's own report: its CSV writer starts two unordered asynchronous writes (the header
// with flag 'w', the rows with flag 'a'), so on a loaded machine the header can land on top of the
// rows and mangle one; its SARIF report drops the severity and confidence the verdict needs. The
// library returns the findings as objects, which are written here as they are.
//
// AvailableSecurityFixesGlobalCheck is left out: it downloads Electron's release list at scan time,
// so its answer depends on the network and on the day (offline it only prints a warning). Which
// Electron we ship is pinned in package.json and reviewed there, not by this scan.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import run from '@doyensec/electronegativity/dist/runner.js'

const [input, report, electronVersion] = process.argv.slice(2)
if (!input || !report || !electronVersion) {
  process.stderr.write('usage: scan.mjs <input dir> <report.json> <electron version>\n')
  process.exit(2)
}

const pkg = JSON.parse(
  readFileSync(fileURLToPath(import.meta.resolve('@doyensec/electronegativity/package.json')), 'utf8'),
)

run(
  {
    input,
    output: undefined,
    isSarif: false,
    customScan: [],
    excludeFromScan: ['availablesecurityfixesglobalcheck', 'electronversionjsoncheck'],
    severitySet: undefined,
    confidenceSet: undefined,
    isRelative: true,
    isVerbose: false,
    electronUpgrade: undefined,
    electronVersionOverride: electronVersion,
    parserPlugins: [],
  },
  false,
).then(
  (r) => {
    const findings = r.issues.map((i) => ({
      check: String(i.id),
      severity: String(i.severity && i.severity.name),
      confidence: String(i.confidence && i.confidence.name),
      manualReview: Boolean(i.manualReview),
      file: String(i.file),
      line: i.location ? i.location.line : 0,
      column: i.location ? i.location.column : 0,
      sample: i.sample == null ? '' : String(i.sample),
      description: String(i.description),
    }))
    const errors = r.errors.map((e) => ({
      file: String(e.file),
      message: String(e.message),
      tolerable: !!e.tolerable,
    }))
    writeFileSync(
      report,
      JSON.stringify(
        {
          version: pkg.version,
          globalChecks: r.globalChecks,
          atomicChecks: r.atomicChecks,
          errors,
          findings,
        },
        null,
        2,
      ),
    )
    process.exit(0)
  },
  (err) => {
    process.stderr.write(`electronegativity failed: ${(err && err.stack) || err}\n`)
    process.exit(2)
  },
)
