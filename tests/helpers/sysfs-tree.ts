/**
 * Sysfs trees for tests of electron/app/sysfs/read.ts: a capture text written back as the files
 * and symlinks it was read from (treeFromCapture), and a captured guest's tarball unpacked
 * (unpackFixture, tests/fixtures/sysfs/*.tar.gz, with the system's tar).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'

export const SYSFS_FIXTURES = resolve(import.meta.dirname, '../fixtures/sysfs')

function sections(text: string): [string, string][] {
  const out: [string, string][] = []
  for (const chunk of text.split(/^@ /m).slice(1)) {
    const nl = chunk.indexOf('\n')
    out.push([chunk.slice(0, nl).trim(), chunk.slice(nl + 1).replace(/\n$/, '')])
  }
  return out
}

/** Writes the files and symlinks a capture names under a new temporary root; returns the root. */
export function treeFromCapture(text: string): string {
  const root = mkdtempSync(join(tmpdir(), 'sysfs-tree-'))
  const put = (path: string, data: string | Buffer): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), data)
  }
  const link = (at: string, target: string): void => {
    mkdirSync(dirname(join(root, at)), { recursive: true })
    symlinkSync(relative(dirname(join(root, at)), join(root, target)), join(root, at))
  }
  const real = new Map<string, string>()
  for (const [name, body] of sections(text)) {
    const m = /^\/sys\/bus\/pci\/devices\/([^/]+)\/path$/.exec(name)
    if (m) {
      real.set(m[1]!, `sys/devices/${body.trim()}`)
      mkdirSync(join(root, 'sys/devices', body.trim()), { recursive: true })
      link(`sys/bus/pci/devices/${m[1]}`, `sys/devices/${body.trim()}`)
    }
  }
  for (const [name, body] of sections(text)) {
    if (name === 'uname -r') put('proc/sys/kernel/osrelease', body + '\n')
    else if (name === '/proc/cmdline' || name === '/proc/cpuinfo') put(name.slice(1), body + '\n')
    else if (name === '/sys/class/iommu')
      for (const i of body.split('\n').filter(Boolean)) {
        mkdirSync(join(root, 'sys/devices/virtual/iommu', i), { recursive: true })
        link(`sys/class/iommu/${i}`, `sys/devices/virtual/iommu/${i}`)
      }
    const m = /^\/sys\/bus\/pci\/devices\/([^/]+)\/(.+)$/.exec(name)
    if (!m || m[2] === 'path') continue
    const dir = real.get(m[1]!)!
    if (m[2] === 'config hex') put(`${dir}/config`, Buffer.from(body.replace(/\s+/g, ''), 'hex'))
    else if (m[2] === 'driver') {
      mkdirSync(join(root, 'sys/bus/pci/drivers', body), { recursive: true })
      link(`${dir}/driver`, `sys/bus/pci/drivers/${body}`)
    } else if (m[2] === 'iommu_group') {
      mkdirSync(join(root, 'sys/kernel/iommu_groups', body), { recursive: true })
      link(`${dir}/iommu_group`, `sys/kernel/iommu_groups/${body}`)
    } else put(`${dir}/${m[2]}`, body + '\n')
  }
  return root
}

/** Unpacks tests/fixtures/sysfs/NAME.tar.gz into a new temporary root; returns the root. */
export function unpackFixture(name: string): string {
  const root = mkdtempSync(join(tmpdir(), 'sysfs-guest-'))
  execFileSync('tar', ['xzf', join(SYSFS_FIXTURES, `${name}.tar.gz`), '-C', root])
  return root
}

/** A fixture's text (NAME relative to tests/fixtures/sysfs). */
export const readSysfsFixture = (name: string): string => readFileSync(join(SYSFS_FIXTURES, name), 'utf8')

/** The hostile captures (tests/fixtures/sysfs/hostile/*.sysfs.txt), by file name. */
export const hostileSysfsFixtures = (): string[] =>
  readdirSync(join(SYSFS_FIXTURES, 'hostile')).filter((f) => f.endsWith('.sysfs.txt'))
