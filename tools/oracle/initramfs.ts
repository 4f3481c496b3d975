/**
 * The oracle's initramfs: busybox-static, /init (tools/oracle/init.sh), p2ptest (tools/oracle/p2ptest.c,
 * compiled with gcc -static here) and the kernel's nvme modules, as a gzip'd cpio "newc" archive
 * written by this file (no cpio tool needed).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { EnvError, hasCommand } from './kernels'

interface CpioEntry {
  name: string
  mode: number
  data?: Buffer
  /** character devices */
  rdev?: [number, number]
}

/** A cpio archive in the "newc" format the kernel unpacks (usr/gen_init_cpio.c). */
export function cpioNewc(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = []
  let ino = 1
  const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4)
  const h = (n: number) => n.toString(16).padStart(8, '0')
  const push = (e: CpioEntry) => {
    const data = e.data ?? Buffer.alloc(0)
    const name = Buffer.from(e.name + '\0')
    const header =
      '070701' +
      h(ino++) +
      h(e.mode) +
      h(0) +
      h(0) +
      h(1) +
      h(0) +
      h(data.length) +
      h(0) +
      h(0) +
      h(e.rdev?.[0] ?? 0) +
      h(e.rdev?.[1] ?? 0) +
      h(name.length) +
      h(0)
    const hb = Buffer.from(header, 'ascii')
    parts.push(hb, name, pad4(hb.length + name.length), data, pad4(data.length))
  }
  for (const e of entries) push(e)
  push({ name: 'TRAILER!!!', mode: 0 })
  return Buffer.concat(parts)
}

const DIR = 0o040755
const EXE = 0o100755
const FILE = 0o100644
const CHR = 0o020600

/**
 * /bin/busybox of Debian's busybox-static. The oracle never installs packages itself (it runs from
 * the app's Verify button too): a missing package is an EnvError that says what to install.
 */
export function busyboxStatic(): string {
  const path = '/bin/busybox'
  let installed: boolean
  try {
    installed =
      execFileSync('dpkg-query', ['-W', '-f=${Status}', 'busybox-static'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).includes('install ok installed') && existsSync(path)
  } catch {
    installed = false
  }
  if (!installed)
    throw new EnvError(
      'busybox-static is not installed (the guest needs a static busybox): apt-get install busybox-static',
    )
  return path
}

/** Compiles tools/oracle/p2ptest.c statically into outDir. */
export function compileP2ptest(outDir: string): string {
  if (!hasCommand('gcc')) throw new EnvError('gcc not found: apt-get install gcc libc6-dev')
  const src = new URL('./p2ptest.c', import.meta.url).pathname
  const out = join(outDir, 'p2ptest')
  try {
    execFileSync('gcc', ['-static', '-O2', '-Wall', '-o', out, src], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (e) {
    throw new EnvError(
      `gcc -static p2ptest.c failed (libc6-dev provides the static libc): ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`,
    )
  }
  return out
}

/** Builds the gzip'd initramfs at out. */
export function buildInitramfs(opts: {
  out: string
  busybox: string
  p2ptest: string
  modules: string[]
  /** Scenario replays, as /replay/<name>.txt (tools/oracle/replay.ts). */
  replays?: { name: string; text: string }[]
}): void {
  const init = readFileSync(new URL('./init.sh', import.meta.url))
  const entries: CpioEntry[] = [
    { name: 'bin', mode: DIR },
    { name: 'dev', mode: DIR },
    { name: 'dev/console', mode: CHR, rdev: [5, 1] },
    { name: 'proc', mode: DIR },
    { name: 'sys', mode: DIR },
    { name: 'lib', mode: DIR },
    { name: 'lib/modules', mode: DIR },
    { name: 'init', mode: EXE, data: init },
    { name: 'bin/busybox', mode: EXE, data: readFileSync(opts.busybox) },
    { name: 'p2ptest', mode: EXE, data: readFileSync(opts.p2ptest) },
    ...opts.modules.map((m) => ({ name: `lib/modules/${basename(m)}`, mode: FILE, data: readFileSync(m) })),
    { name: 'replay', mode: DIR },
    ...(opts.replays ?? []).map((r) => ({
      name: `replay/${r.name}.txt`,
      mode: FILE,
      data: Buffer.from(r.text),
    })),
  ]
  mkdirSync(join(opts.out, '..'), { recursive: true })
  writeFileSync(opts.out, gzipSync(cpioNewc(entries), { level: 1 }))
}
