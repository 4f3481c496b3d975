/**
 * Kernels the oracle can boot, and how they are fetched: Debian packages through a private apt
 * configuration (docs/kernel/oracle.md#kernels-and-packages) kept in the cache directory. The system's apt sources, lists
 * and caches are never touched.
 *
 * To add a kernel: a KERNELS entry with the Debian suite that carries it and the package-name
 * pattern of its image (CONFIG_PCI_P2PDMA must be =y: trixie's 6.12 image has it off, sid's 7.2 on).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Era } from '../../shared/model/topology'

export interface KernelSpec {
  id: string
  era: Era
  label: string
  /** apt source lines of the private configuration. */
  sources: string[]
  /** linux-binary-<version>-amd64 packages of this kernel series (the newest match is used). */
  binaryPattern: RegExp
}

export const KERNELS: Record<string, KernelSpec> = {
  '7.2': {
    id: '7.2',
    era: 'v7.2',
    label: "Debian sid's stock 7.2 kernel (CONFIG_PCI_P2PDMA=y, nvme as modules)",
    sources: ['deb http://deb.debian.org/debian sid main'],
    binaryPattern: /^linux-binary-(7\.2\.\d+\+deb\d+)-amd64$/,
  },
}

export class EnvError extends Error {}

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, 'p2p-dma-lab', 'oracle')
}

export interface FetchedKernel {
  spec: KernelSpec
  /** e.g. 7.2.13+deb14-amd64 */
  release: string
  vmlinuz: string
  /** nvme modules, decompressed, in load order (empty when nvme is built in). */
  modules: string[]
  /** Seconds spent downloading and unpacking (0 when cached). */
  fetchSeconds: number
}

/** The nvme modules in their depends= order (Debian ships no modules.dep in the -modules package). */
const NVME_MODULES = [
  'drivers/nvme/common/nvme-keyring.ko',
  'drivers/nvme/common/nvme-auth.ko',
  'drivers/nvme/host/nvme-core.ko',
  'drivers/nvme/host/nvme.ko',
]

function run(cmd: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    })
  } catch (e) {
    const err = e as { stderr?: string; message: string }
    throw new EnvError(
      `${cmd} ${args.slice(-2).join(' ')} failed: ${(err.stderr || err.message).trim().split('\n').slice(-3).join(' / ')}`,
    )
  }
}

/** Private apt options: own sources.list, lists and package cache under dir. */
function aptOptions(dir: string, spec: KernelSpec): string[] {
  mkdirSync(join(dir, 'lists', 'partial'), { recursive: true })
  mkdirSync(join(dir, 'cache', 'archives', 'partial'), { recursive: true })
  writeFileSync(join(dir, 'sources.list'), spec.sources.join('\n') + '\n')
  return [
    '-o', `Dir::Etc::sourcelist=${join(dir, 'sources.list')}`,
    '-o', 'Dir::Etc::sourceparts=-',
    '-o', `Dir::State::Lists=${join(dir, 'lists')}`,
    '-o', `Dir::Cache=${join(dir, 'cache')}`,
    '-o', 'APT::Sandbox::User=root',
    '-o', 'Debug::NoLocking=1',
  ] // prettier-ignore
}

function compareDebVersions(a: string, b: string): number {
  const pa = a
    .split(/[^0-9]+/)
    .filter(Boolean)
    .map(Number)
  const pb = b
    .split(/[^0-9]+/)
    .filter(Boolean)
    .map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * fetchKernel - the kernel image and nvme modules of spec, from the cache or downloaded.
 * progress gets one line per step.
 */
export function fetchKernel(spec: KernelSpec, progress: (line: string) => void): FetchedKernel {
  const root = join(cacheDir(), 'kernels', spec.id)
  const stamp = join(root, 'kernel.json')
  if (existsSync(stamp)) {
    const k = JSON.parse(readFileSync(stamp, 'utf8')) as {
      release: string
      vmlinuz: string
      modules: string[]
    }
    if (existsSync(k.vmlinuz) && k.modules.every((m) => existsSync(m))) {
      progress(`kernel ${k.release}: cached in ${root}`)
      return { spec, ...k, fetchSeconds: 0 }
    }
  }
  for (const tool of ['apt-get', 'apt-cache', 'dpkg-deb', 'xz'])
    if (!hasCommand(tool))
      throw new EnvError(`${tool} not found: the oracle needs Debian's apt, dpkg and xz-utils`)
  const t0 = Date.now()
  const aptDir = join(cacheDir(), 'apt', spec.id)
  const apt = aptOptions(aptDir, spec)
  progress(`apt: updating the private package lists (${spec.sources.join('; ')}) in ${aptDir}`)
  run('apt-get', [...apt, '-qq', 'update'])
  const names = run('apt-cache', [...apt, 'pkgnames', 'linux-binary-'])
    .split('\n')
    .map((n) => n.trim())
    .filter((n) => spec.binaryPattern.test(n))
  if (names.length === 0)
    throw new EnvError(
      `no package matching ${spec.binaryPattern} in ${spec.sources.join('; ')} (the suite may have moved on to a newer kernel; add it to tools/oracle/kernels.ts)`,
    )
  const versions = names.map((n) => spec.binaryPattern.exec(n)![1]!).sort(compareDebVersions)
  const ver = versions[versions.length - 1]!
  const release = `${ver}-amd64`
  const pkgs = [`linux-binary-${release}`, `linux-modules-${release}`]
  const work = join(root, 'download')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  progress(`apt: downloading ${pkgs.join(' ')}`)
  run('apt-get', [...apt, '-qq', 'download', ...pkgs], work)
  const debs = readdirSync(work).filter((f) => f.endsWith('.deb'))
  const x = join(work, 'x')
  mkdirSync(x)
  for (const d of debs) {
    progress(`unpacking ${d}`)
    const tar = join(work, `${d}.tar`)
    run('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" > "$2"`, 'sh', join(work, d), tar])
    const pattern = d.startsWith('linux-modules-') ? '*/drivers/nvme/*' : '*/vmlinuz*'
    run('tar', ['-x', '-f', tar, '-C', x, '--wildcards', pattern])
    rmSync(tar)
  }
  const modDir = join(x, 'usr', 'lib', 'modules', release)
  const vmlinuzSrc = join(modDir, 'vmlinuz')
  if (!existsSync(vmlinuzSrc)) throw new EnvError(`${pkgs[0]} has no ${vmlinuzSrc.slice(x.length)}`)
  const out = join(root, release)
  rmSync(out, { recursive: true, force: true })
  mkdirSync(join(out, 'modules'), { recursive: true })
  renameSync(vmlinuzSrc, join(out, 'vmlinuz'))
  const modules: string[] = []
  for (const m of NVME_MODULES) {
    const xz = join(modDir, 'kernel', `${m}.xz`)
    const plain = join(modDir, 'kernel', m)
    const dst = join(out, 'modules', m.split('/').pop()!)
    if (existsSync(xz)) {
      run('xz', ['-d', '-k', '-f', xz])
      renameSync(plain, dst)
    } else if (existsSync(plain)) renameSync(plain, dst)
    else continue // built in
    modules.push(dst)
  }
  rmSync(work, { recursive: true, force: true })
  const k = { release, vmlinuz: join(out, 'vmlinuz'), modules }
  writeFileSync(stamp, JSON.stringify(k, null, 2))
  const fetchSeconds = (Date.now() - t0) / 1000
  progress(`kernel ${release}: ready in ${fetchSeconds.toFixed(1)} s (${modules.length} nvme modules)`)
  return { spec, ...k, fetchSeconds }
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v "$1"`, 'sh', cmd], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
