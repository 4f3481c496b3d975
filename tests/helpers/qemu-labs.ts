/**
 * The machines the QEMU export tests take through qemuCommand(): the default lab and a few real
 * machines from tests/fixtures/realdata (an lspci tree, an lspci -vvv, an hwloc file).
 */
import {
  buildMachine,
  defaultLab,
  importText,
  qemuCommand,
  type QemuExport,
} from '../../electron/engine/index'
import { readFixture } from './realdata'

export const REAL = [
  'lspci/puget-wrx90.lspci-tv.txt',
  'lspci/tree-asus-p6t6.lspci-vvv.txt',
  'hwloc/g4dnmetal.xml',
]

/** [name, export] of the default lab, then of every REAL machine. */
export function labExports(): [string, QemuExport][] {
  const out: [string, QemuExport][] = []
  const d = defaultLab()
  const b = buildMachine(d.machine, d.settings)
  if (!b.ok) throw new Error('default lab')
  out.push(['default lab', qemuCommand(b.machine, { diskDir: 'd' })])
  for (const f of REAL) {
    const r = importText(f, readFixture(f))
    if (!r.ok) throw new Error(`${f}: ${r.issues[0]?.message}`)
    const m = buildMachine(r.lab.machine, r.lab.settings)
    if (!m.ok) throw new Error(`${f}: ${m.issues[0]?.message}`)
    out.push([f, qemuCommand(m.machine, { diskDir: 'd' })])
  }
  return out
}
