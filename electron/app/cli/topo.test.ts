/**
 * `lab topo`: the machine as lstopo --of console prints its I/O tree, from the same functions as
 * the app's topology "Text" download; options apply as for `lab p2p`; bad input is located.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { runCli, type CliIo } from './lab'

const LABS = new URL('../../../tests/fixtures/labs/', import.meta.url)
const REAL = new URL('../../../tests/fixtures/realdata/', import.meta.url)

async function run(argv: string[], files: Record<string, string> = {}) {
  let stdout = ''
  let stderr = ''
  const io: CliIo = {
    version: '0.0.0-test',
    readFile(path) {
      if (path in files) return files[path]!
      if (path.startsWith('labs/')) return readFileSync(new URL(path.slice(5), LABS), 'utf8')
      if (path.startsWith('real/')) return readFileSync(new URL(path.slice(5), REAL), 'utf8')
      throw new Error('ENOENT: no such file or directory')
    },
    writeFile() {
      throw new Error('topo writes no file')
    },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  }
  const code = await runCli(argv, io)
  return { code, stdout, stderr }
}

describe('lab topo', () => {
  it('prints the tree depth-first with ids, bus ranges, ACS and BARs', async () => {
    const r = await run(['topo', 'labs/T1-intel.p2plab'])
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toMatch(/^Machine "/)
    expect(lines[1]).toBe('  era v6.12, IOMMU off, CPU intel family 0x6 (Skylake-Server)')
    const hb = lines.findIndex((l) => /^ {2}HostBridge 0000:\[00-/.test(l))
    const rp = lines.findIndex((l) => l.startsWith('    PCIBridge (root port) '))
    const usp = lines.findIndex((l) => l.startsWith('      PCIBridge (switch upstream port) '))
    const gpu = lines.findIndex((l) => l.startsWith('          PCI 0000:03:00.0 '))
    expect(hb).toBeGreaterThan(0)
    expect(rp).toBeGreaterThan(hb)
    expect(usp).toBeGreaterThan(rp)
    expect(gpu).toBeGreaterThan(usp)
    expect(r.stdout).toMatch(/^ +BAR\d \d+[KMGT]? @0x[0-9a-f]+ \((64|32)-bit (pref|non-pref)\)$/m)
    expect(r.stdout).toMatch(/^ +ACS cap /m)
    expect(r.stdout.endsWith('\n')).toBe(true)
  })

  it('applies --era and --iommu like lab p2p', async () => {
    const r = await run(['topo', 'labs/T1-intel.p2plab', '--era', 'v5.4', '--iommu', 'on'])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')[1]).toMatch(/^ {2}era v5\.4, IOMMU on,/)
  })

  it('reads real machines: an hwloc file, with its notes on stderr', async () => {
    const r = await run(['topo', 'real/hwloc/NVIDIA-DGX2H-2pa24co+16nvml+1nvswitch+10ib.nocomments.xml'])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/^note: imported .* as hwloc/m)
    expect(r.stdout.match(/^ +HostBridge /gm)!.length).toBeGreaterThan(1)
    expect(r.stdout).toMatch(/Tesla V100/)
  })

  it('refuses what it cannot read with a located error and exit 2', async () => {
    expect((await run(['topo'])).code).toBe(2)
    const bad = await run(['topo', 'bad.p2plab'], { 'bad.p2plab': '{"format": "p2plab",\n  "machine": 3 }' })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/bad\.p2plab/)
    expect(bad.stdout).toBe('')
  })
})
