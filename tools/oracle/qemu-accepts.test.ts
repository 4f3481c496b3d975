/**
 * QEMU accepts every command line electron/engine/qemu/export.ts produces (started with -S, quit
 * from the monitor), when qemu-system-x86_64 is installed; and `lab qemu` prints them.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type LabSettings, type MachineSpec } from '../../shared/model/topology'
import { buildMachine, qemuCommand, type QemuExport } from '../../electron/engine/index'
import { qemuMf, qemuPxb, qemuPxb2, qemuSw } from '../../tests/helpers/topologies'
import { labExports, REAL } from '../../tests/helpers/qemu-labs'
import { runCli } from '../../electron/app/cli/lab'

function exportOf(spec: MachineSpec, settings: Partial<LabSettings> = {}): QemuExport {
  const b = buildMachine(spec, { ...DEFAULT_SETTINGS, era: 'v7.2', ...settings })
  if (!b.ok) throw new Error(JSON.stringify(b.issues))
  return qemuCommand(b.machine, { diskDir: 'd' })
}

function findQemu(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

describe('QEMU accepts the exported command lines', () => {
  const qemu = findQemu()
  const dir = mkdtempSync(join(tmpdir(), 'qemu-export-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  if (!qemu) {
    it.skip('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86): acceptance not checked', () => {})
    return
  }
  const cases: [string, QemuExport][] = [
    ['sw', exportOf(qemuSw())],
    ['pxb', exportOf(qemuPxb())],
    ['mf-iommu', exportOf(qemuMf({ rp1Ctrl: ['RR', 'CR'] }), { iommu: true })],
    ['pxb2', exportOf(qemuPxb2())],
    ...labExports(),
  ]
  it.each(cases)('%s', async (_name, e0) => {
    const b = (x: string) => x.replace(/file=d\//, `file=${dir}/`)
    const argv = e0.argv.map(b)
    for (const d of e0.nvme) writeFileSync(join(dir, d.disk!.replace(/^d\//, '')), Buffer.alloc(0))
    for (const d of e0.nvme) spawnSync('truncate', ['-s', '4M', join(dir, d.disk!.replace(/^d\//, ''))])
    const r = spawnSync(qemu, [...argv, '-S'], { input: '\x01cquit\n', encoding: 'utf8', timeout: 20_000 })
    const errors = r.stderr
      .split('\n')
      .filter((l) => l.trim() && !/warning: TCG doesn't support requested feature/.test(l))
    expect(errors, r.stderr).toEqual([])
    expect(r.status).toBe(0)
  })
})

describe('lab qemu (CLI)', () => {
  it('prints the shell line and the notes; --json gives the export object', async () => {
    const out: string[] = []
    const err: string[] = []
    const io = {
      readFile: (p: string) => readFileSync(p, 'utf8'),
      writeFile: () => {},
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      version: 'test',
    }
    expect(await runCli(['qemu', `tests/fixtures/realdata/${REAL[2]}`], io)).toBe(0)
    const text = out.join('')
    expect(text).toMatch(/^qemu-system-x86_64 -machine q35,accel=tcg /m)
    expect(text).toMatch(/QEMU cannot reproduce:/)
    out.length = 0
    expect(await runCli(['qemu', `tests/fixtures/realdata/${REAL[2]}`, '--json', '--era', 'v7.2'], io)).toBe(
      0,
    )
    const j = JSON.parse(out.join('')) as { argv: string[]; devices: unknown[] }
    expect(j.argv[0]).toBe('-machine')
    expect(j.devices.length).toBeGreaterThan(0)
  })
})
