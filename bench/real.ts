/**
 * Real machines: import and matrix on the real files (tests/fixtures/realdata, the QEMU guest's
 * sysfs), as the app does them (LabSession.importText: import, build, the tree view, the matrix
 * header and its summary; then p2p.cells for the first window of the filtered matrix), with two
 * anchors measured in the same run: `node -e 0` (starting a Node process) and
 * `lstopo-no-graphics -i FILE --of console` (hwloc reading the same file and printing its tree).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { basename } from 'node:path'
import { importText } from '../electron/engine/index'
import { LabSession } from '../electron/app/session'
import { captureSysfs } from '../electron/app/sysfs/read'
import { unpackFixture } from '../tests/helpers/sysfs-tree'
import { median, timeMs, type Reporter } from './harness'

const REAL = new URL('../tests/fixtures/realdata/hwloc/', import.meta.url).pathname
const FILES = ['NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml', 'g4dnmetal.xml', '192em64t-12gr2n8c2t.xml']
/** hwloc 2.9 refuses a file with XML comments (ANCHORS.md): lstopo reads the same file without them. */
const LSTOPO_INPUT: Record<string, string> = {
  'NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.xml':
    'NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.nocomments.xml',
}

/** Median wall time of a command, in ms; null when it cannot run. */
function commandMs(cmd: string, args: string[], runs = 5): number | null {
  const times: number[] = []
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now()
    const r = spawnSync(cmd, args, { stdio: 'ignore' })
    if (r.error || r.status !== 0) return null
    if (i > 0) times.push(performance.now() - t0) // the first run warms the caches
  }
  return median(times)
}

/** What the window waits for: the lab view, then the cells of a 40 × 40 window. */
function appImport(fileName: string, text: string): { ms: number; providers: number; clients: number } {
  let providers = 0
  let clients = 0
  const s = new LabSession()
  const t = timeMs(() => {
    const v = s.importText({ fileName, text })
    if (!v.ok) throw new Error(`${fileName}: ${v.error.message}`)
    providers = v.value.matrix.providers.length
    clients = v.value.matrix.clients.length
    const cells = s.cells({
      providers: v.value.matrix.providers.slice(0, 40),
      clients: v.value.matrix.clients.slice(0, 40),
    })
    if (!cells.ok) throw new Error('cells')
    return v
  }, 3)
  return { ms: t.ms, providers, clients }
}

export function bench(r: Reporter): void {
  r.section('Real machines: import and matrix (anchors measured in this run)')
  const node = commandMs(process.execPath, ['-e', '0'])
  r.figure({ name: 'anchor: node -e 0', value: node ?? NaN, unit: 'ms' })
  for (const f of FILES) {
    const text = readFileSync(REAL + f, 'utf8')
    const short = f.replace(/\.xml$/, '').slice(0, 22)
    const lstopo = commandMs(
      'lstopo-no-graphics',
      ['-i', REAL + (LSTOPO_INPUT[f] ?? f), '--of', 'console'],
      3,
    )
    if (lstopo === null)
      r.figure({
        name: `${short}: lstopo --of console`,
        value: NaN,
        unit: 'ms',
        note: 'lstopo-no-graphics cannot read it (or is missing)',
      })
    else r.figure({ name: `${short}: anchor lstopo-no-graphics -i --of console`, value: lstopo, unit: 'ms' })
    const imp = timeMs(() => importText(f, text), 3)
    r.figure({
      name: `${short}: engine import (${Math.round(text.length / 1024)} KB)`,
      value: imp.ms,
      unit: 'ms',
    })
    const app = appImport(f, text)
    r.figure({
      name: `${short}: app import → matrix view + first cells`,
      value: app.ms,
      unit: 'ms',
      note: `${app.providers} × ${app.clients}; ${node ? `${(app.ms / node).toFixed(2)}× node -e 0` : ''}${lstopo ? `, ${(app.ms / lstopo).toFixed(2)}× lstopo` : ''}`,
    })
  }
  const root = unpackFixture('qemu-pxb-skx-7.2')
  try {
    const cap = timeMs(() => captureSysfs(root), 5)
    r.figure({ name: `QEMU guest sysfs: read (${cap.result.devices} functions)`, value: cap.ms, unit: 'ms' })
    const app = appImport(basename(root), cap.result.text)
    r.figure({
      name: 'QEMU guest sysfs: app import → matrix view + cells',
      value: app.ms,
      unit: 'ms',
      note: node ? `${(app.ms / node).toFixed(2)}× node -e 0` : '',
    })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
