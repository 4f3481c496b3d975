/**
 * Reading this machine's sysfs (captureSysfs) from real directory trees: the hand-made small box
 * written back as files and symlinks, hostile trees, and the CLI's `import --sysfs ROOT` with errors
 * located in the sysfs file that is wrong.
 */
import { chmodSync, readFileSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { importText } from '../../engine/index'
import { memoryIo } from '../../../tests/helpers/cli-io'
import { SYSFS_FIXTURES, treeFromCapture } from '../../../tests/helpers/sysfs-tree'
import { runCli } from '../cli/lab'
import { captureSysfs, keptCmdline, thisMachineService } from './read'

const SMALL = readFileSync(join(SYSFS_FIXTURES, 'small.sysfs.txt'), 'utf8')
const roots: string[] = []
const tree = (text = SMALL): string => {
  const r = treeFromCapture(text)
  roots.push(r)
  return r
}
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true })
})
const labOf = (text: string) => {
  const r = importText('x', text)
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  return { machine: r.lab.machine, settings: r.lab.settings, counts: r.report.counts }
}

describe('captureSysfs', () => {
  it('reads back from files and symlinks the machine the capture describes', () => {
    const cap = captureSysfs(tree())
    expect(cap.devices).toBe(5)
    expect(labOf(cap.text)).toEqual(labOf(SMALL))
  })

  it('keeps only pci= and IOMMU parameters of the command line', () => {
    expect(
      keptCmdline('BOOT_IMAGE=/vmlinuz root=UUID=x pci=disable_acs_redir=0000:02:00.0 intel_iommu=on quiet'),
    ).toBe('pci=disable_acs_redir=0000:02:00.0 intel_iommu=on')
  })

  it('is not fooled by names that are not PCI addresses, nor stops at an unreadable file', () => {
    const root = tree()
    mkdirSync(join(root, 'sys/bus/pci/devices/../../../../etc-not-a-device'), { recursive: true })
    symlinkSync('/etc', join(root, 'sys/bus/pci/devices/passwd'))
    const numa = join(root, 'sys/devices/pci0000:00/0000:00:11.0/numa_node')
    chmodSync(numa, 0o000)
    const cap = captureSysfs(root)
    expect(cap.devices).toBe(5)
    expect(cap.text).not.toMatch(/passwd|etc/)
    const r = importText('x', cap.text)
    expect(r.ok).toBe(true)
  })

  it('says so when the root has no PCI bus', () => {
    expect(() => captureSysfs(join(SYSFS_FIXTURES, 'hostile'))).toThrow(
      /sys\/bus\/pci\/devices does not exist/,
    )
  })

  it('is offered on Linux, or anywhere with P2P_DMA_LAB_SYSFS_ROOT', () => {
    expect(thisMachineService({}, 'win32')).toBeUndefined()
    expect(thisMachineService({}, 'linux')).toBeTypeOf('function')
    const svc = thisMachineService({ P2P_DMA_LAB_SYSFS_ROOT: tree() }, 'darwin')!
    const r = svc()
    expect(r.ok && r.value.text).toContain('0000:01:00.0')
    const bad = thisMachineService({ P2P_DMA_LAB_SYSFS_ROOT: '/nonexistent-root' }, 'linux')!()
    expect(bad.ok).toBe(false)
  })
})

describe('lab import --sysfs ROOT / --this-machine', () => {
  it('writes the lab and lists what it assumed', async () => {
    const root = tree()
    const io = memoryIo()
    expect(await runCli(['import', '--sysfs', root, '-o', 'out.p2plab'], io)).toBe(0)
    const lab = JSON.parse(io.written['out.p2plab']!)
    expect(lab.settings.era).toBe('v6.1')
    expect(io.err()).toMatch(/imported sysfs at .* as sysfs: 3 pciDevices/)
    expect(io.err()).toMatch(/assumed: p2pmem published by a driver/)
    expect(await runCli(['import', `--this-machine=${root}`], memoryIo())).toBe(0)
  })

  it('locates an error in the sysfs file that is wrong', async () => {
    const root = tree()
    const res = join(root, 'sys/devices/pci0000:00/0000:00:11.0/resource')
    writeFileSync(res, '0x0000000810000000 0x0000000811ffffff 0x000000000014220c\nnot a resource line\n')
    const io = memoryIo()
    expect(await runCli(['import', '--sysfs', root], io)).toBe(2)
    expect(io.err()).toContain(`error: ${join(root, '/sys/bus/pci/devices/0000:00:11.0/resource')}:2:1: `)
    expect(io.err()).toMatch(/resource line 1 is not "0xSTART 0xEND 0xFLAGS"/)
  })

  it('refuses a root without sysfs, naming it', async () => {
    const io = memoryIo()
    expect(await runCli(['import', '--sysfs', '/nonexistent-root'], io)).toBe(2)
    expect(io.err()).toMatch(/nonexistent-root.*does not exist/)
  })

  it('is in --help', async () => {
    const io = memoryIo()
    await runCli(['--help'], io)
    expect(io.out()).toMatch(/import --this-machine/)
    expect(io.out()).toMatch(/import --sysfs <ROOT>/)
  })
})
