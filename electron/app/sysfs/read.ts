/**
 * Reads this machine's PCI tree from sysfs and /proc into the capture text the engine parses
 * (electron/engine/import/sysfs.ts): "Import this machine" in the app and `lab import --sysfs
 * [ROOT]`. ROOT (default '/') may be a copy of those files, e.g. tests/fixtures/sysfs/ unpacked.
 *
 * What is read: /sys/bus/pci/devices/<bdf>/{config, resource, driver, iommu_group, numa_node,
 * local_cpulist, p2pmem/size} and the device's directory under /sys/devices (its real path: the tree),
 * /sys/class/iommu, /proc/cmdline (only pci= and IOMMU parameters are kept), /proc/cpuinfo (the
 * first CPU's vendor, family, model and name) and the kernel release (/proc/sys/kernel/osrelease,
 * as `uname -r` prints it). Without root, config space is 64 bytes: no capabilities, no ACS; the
 * import report says so.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { SYSFS_MAGIC } from '../../engine/index'

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

/** Only what the importer reads from the command line: pci= and IOMMU parameters. */
export function keptCmdline(cmdline: string): string {
  return cmdline
    .split(/\s+/)
    .filter((t) => /^(pci|iommu|intel_iommu|amd_iommu|iommu\.passthrough|iommu\.strict)=/.test(t))
    .join(' ')
}

/** The first processor's lines of /proc/cpuinfo that name it. */
function keptCpuinfo(text: string): string {
  const first = text.split(/\n\s*\n/)[0] ?? ''
  return first
    .split('\n')
    .filter((l) => /^(vendor_id|cpu family|model|model name)\s*:/.test(l))
    .join('\n')
}

export interface SysfsCapture {
  /** How the import report and errors name the capture: "sysfs at ROOT". */
  source: string
  fileName: string
  text: string
  devices: number
}

/**
 * An issue located in the capture text, located instead in the file it came from: line L of the
 * capture is line L - H of the file whose "@ name" header is on line H (a config dump's line is
 * its hex line, 32 bytes each).
 */
export function locateInCapture<T extends { source: string; line?: number }>(
  text: string,
  root: string,
  issue: T,
): T {
  if (issue.line === undefined) return issue
  const lines = text.split('\n')
  for (let i = Math.min(issue.line, lines.length) - 1; i >= 0; i--) {
    const l = lines[i]!
    if (!l.startsWith('@ ')) continue
    const name = l.slice(2).trim()
    const file = name.startsWith('/') ? join(resolve(root), name.replace(/ hex$/, '')) : `${name} (${root})`
    const inFile = issue.line - (i + 1)
    const out: T = { ...issue, source: file }
    if (inFile > 0) out.line = inFile
    else delete out.line
    return out
  }
  return issue
}

/** Capture the files under `root` (default '/'); throws with a message when there is no PCI bus. */
export function captureSysfs(root = '/'): SysfsCapture {
  const base = resolve(root)
  const devDir = join(base, 'sys/bus/pci/devices')
  if (!existsSync(devDir)) throw new Error(`${devDir} does not exist: not a Linux sysfs (or no PCI bus)`)
  const out: string[] = [`${SYSFS_MAGIC} 1`]
  const section = (name: string, body: string | null): void => {
    if (body === null) return
    out.push(`@ ${name}`, body.trimEnd())
  }
  section('uname -r', read(join(base, 'proc/sys/kernel/osrelease')) ?? read(join(base, 'uname-r')) ?? null)
  const cmdline = read(join(base, 'proc/cmdline'))
  section('/proc/cmdline', cmdline === null ? null : keptCmdline(cmdline))
  const cpuinfo = read(join(base, 'proc/cpuinfo'))
  section('/proc/cpuinfo', cpuinfo === null ? null : keptCpuinfo(cpuinfo))
  let iommus: string[] = []
  try {
    iommus = readdirSync(join(base, 'sys/class/iommu')).sort()
  } catch {
    // no IOMMU class: none
  }
  section('/sys/class/iommu', iommus.join('\n'))
  const bdfs = readdirSync(devDir)
    .filter((d) => /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(d))
    .sort()
  for (const bdf of bdfs) {
    const dir = join(devDir, bdf)
    const p = `/sys/bus/pci/devices/${bdf}`
    let real: string
    try {
      real = relative(join(base, 'sys/devices'), realpathSync(dir))
    } catch {
      real = bdf
    }
    section(`${p}/path`, real)
    let config: Buffer | null
    try {
      config = readFileSync(join(dir, 'config'))
    } catch {
      config = null
    }
    section(`${p}/config hex`, config ? (config.toString('hex').match(/.{1,64}/g) ?? []).join('\n') : null)
    section(`${p}/resource`, read(join(dir, 'resource')))
    try {
      section(`${p}/driver`, readlinkSync(join(dir, 'driver')).split('/').pop() ?? null)
    } catch {
      // no driver bound
    }
    try {
      section(`${p}/iommu_group`, readlinkSync(join(dir, 'iommu_group')).split('/').pop() ?? null)
    } catch {
      // no IOMMU group (no IOMMU, or the device is not translated)
    }
    section(`${p}/numa_node`, read(join(dir, 'numa_node')))
    section(`${p}/local_cpulist`, read(join(dir, 'local_cpulist')))
    section(`${p}/p2pmem/size`, read(join(dir, 'p2pmem/size')))
  }
  return {
    source: `sysfs at ${base}`,
    fileName: 'this-machine.sysfs.txt',
    text: out.join('\n') + '\n',
    devices: bdfs.length,
  }
}

/**
 * The "Import this machine" service of main and the browser harness: Linux only (elsewhere absent,
 * and the channel says why). ROOT is '/', or P2P_DMA_LAB_SYSFS_ROOT (a copy of the files, e.g.
 * tests/fixtures/sysfs/*.tar.gz unpacked: how the e2e tests show a real guest's tree).
 */
export function thisMachineService(
  env: Record<string, string | undefined> = process.env,
  platform: string = process.platform,
):
  | (() =>
      | { ok: true; value: { fileName: string; text: string; root: string } }
      | {
          ok: false
          error: { kind: 'input'; message: string; issues: { source: string; message: string }[] }
        })
  | undefined {
  const root = env.P2P_DMA_LAB_SYSFS_ROOT || '/'
  if (platform !== 'linux' && !env.P2P_DMA_LAB_SYSFS_ROOT) return undefined
  return () => {
    try {
      const cap = captureSysfs(root)
      return { ok: true, value: { fileName: cap.source, text: cap.text, root } }
    } catch (e) {
      const message = (e as Error).message
      return { ok: false, error: { kind: 'input', message, issues: [{ source: root, message }] } }
    }
  }
}
