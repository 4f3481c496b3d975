/**
 * A QEMU whose pcie-root-port reports a whitelisted Intel PCI id, for the whitelist-positive oracle
 * runs (docs/kernel/oracle.md#a-qemu-with-whitelisted-root-ports).
 *
 * No stock QEMU 7.2 device carries an id of drivers/pci/p2pdma.c's pci_p2pdma_whitelist[] (6.12:
 * p2pdma.c:432-447), and q35's MCH id cannot be changed without SeaBIOS resetting the machine. The
 * generic pcie-root-port's id 1b36:000c is one 4-byte little-endian constant (36 1b 0c 00) in the
 * .rodata of Debian's qemu-system-x86_64; a copy of the installed binary with exactly that constant
 * replaced by 86 80 30 20 (8086:2030) or 86 80 00 3c (8086:3c00) makes every root port report the
 * whitelisted id. On a pxb-pcie root bus the root port at devfn 00.0 is then what
 * pci_host_bridge_dev() (6.12: p2pdma.c:466) hands to the whitelist.
 *
 * The installed binary is never modified. The copy lives in the oracle's cache, keyed by the source
 * binary's SHA-256, and is rebuilt when the package changes. The patch refuses (EnvError) unless the
 * constant occurs exactly once; the oracle run then checks in the guest that every root port really
 * reports the patched id.
 */
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { EnvError, cacheDir, hasCommand } from './kernels'

export interface PciId {
  vendor: number
  device: number
}

/** QEMU's generic pcie-root-port (hw/pci-bridge/gen_pcie_root_port.c: PCI_DEVICE_ID_REDHAT_PCIE_RP). */
export const QEMU_ROOT_PORT_ID: PciId = { vendor: 0x1b36, device: 0x000c }

/** The ids the oracle may patch in: entries of the 6.12 and 7.2 whitelists (p2pdma.c:434, :440). */
export const WHITELIST_ROOT_PORT_IDS: Record<string, PciId> = {
  '8086:2030': { vendor: 0x8086, device: 0x2030 },
  '8086:3c00': { vendor: 0x8086, device: 0x3c00 },
}

export const idText = (id: PciId) =>
  `${id.vendor.toString(16).padStart(4, '0')}:${id.device.toString(16).padStart(4, '0')}`

const idBytes = (id: PciId) => {
  const b = Buffer.alloc(4)
  b.writeUInt16LE(id.vendor, 0)
  b.writeUInt16LE(id.device, 2)
  return b
}

/** Every offset of needle in hay. */
export function occurrences(hay: Buffer, needle: Buffer): number[] {
  const out: number[] = []
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) out.push(i)
  return out
}

/**
 * patchRootPortId - a copy of binary with the one pcie-root-port id constant replaced by to.
 * Pure on buffers; throws EnvError when the constant is not found exactly once.
 */
export function patchRootPortId(binary: Buffer, to: PciId, what = 'qemu-system-x86_64'): Buffer {
  const at = occurrences(binary, idBytes(QEMU_ROOT_PORT_ID))
  if (at.length !== 1)
    throw new EnvError(
      `${what}: the pcie-root-port id 1b36:000c (bytes 36 1b 0c 00) occurs ${at.length} times, not once; this QEMU build cannot be patched for the whitelist-positive runs (known good: Debian 12's qemu-system-x86 1:7.2+dfsg-7+deb12u18)`,
    )
  const out = Buffer.from(binary)
  idBytes(to).copy(out, at[0]!)
  return out
}

export interface PatchedQemu {
  /** The patched binary. */
  path: string
  /** Arguments the copy needs: firmware and option ROMs are found relative to the executable. */
  args: string[]
  /** Environment for the copy (its accelerator and device modules). */
  env: Record<string, string>
  rootPortId: PciId
  /** Where the copy came from: package, version, SHA-256. */
  source: string
}

function debianPackageOf(path: string): string {
  try {
    const pkg = execFileSync('dpkg-query', ['-S', path], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split(':')[0]!
      .trim()
    const ver = execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    return `${pkg} ${ver}`
  } catch {
    return 'not from a Debian package'
  }
}

/**
 * patchedQemu - the patched copy of the installed qemu-system-x86_64 for rootPortId, from the cache
 * or made now. Throws EnvError when QEMU is missing or cannot be patched.
 */
export function patchedQemu(rootPortId: PciId, progress: (l: string) => void): PatchedQemu {
  if (!hasCommand('qemu-system-x86_64'))
    throw new EnvError('qemu-system-x86_64 not found: apt-get install qemu-system-x86')
  const stock = realpathSync(
    execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim(),
  )
  const bin = readFileSync(stock)
  const sha = createHash('sha256').update(bin).digest('hex')
  const dir = join(cacheDir(), 'qemu', `${sha.slice(0, 16)}-rp-${idText(rootPortId).replace(':', '-')}`)
  const path = join(dir, 'qemu-system-x86_64')
  const source = `${stock} (${debianPackageOf(stock)}, sha256 ${sha.slice(0, 16)}…)`
  const args = ['-L', '/usr/share/qemu', '-L', '/usr/share/seabios']
  const env = { QEMU_MODULE_DIR: '/usr/lib/x86_64-linux-gnu/qemu' }
  if (existsSync(path)) {
    progress(`patched QEMU (root ports ${idText(rootPortId)}): cached in ${dir}`)
    return { path, args, env, rootPortId, source }
  }
  const out = patchRootPortId(bin, rootPortId, stock)
  mkdirSync(dir, { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, out)
  chmodSync(tmp, 0o755)
  renameSync(tmp, path)
  writeFileSync(
    join(dir, 'patch.json'),
    JSON.stringify({ source, from: idText(QEMU_ROOT_PORT_ID), to: idText(rootPortId) }, null, 2) + '\n',
  )
  progress(`patched QEMU (root ports ${idText(rootPortId)}) made from ${source} in ${dir}`)
  return { path, args, env, rootPortId, source }
}
