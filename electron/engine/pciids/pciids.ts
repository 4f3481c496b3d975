/**
 * Names for PCI ids, as lspci prints them: the vendor, device and class names of the PCI ID
 * Repository (pci.ids), from the snapshot in pci-ids.data.ts (tools/gen-pci-ids.ts regenerates it;
 * LICENSE beside this file). The snapshot is parsed once, on the first lookup.
 *
 * Pure TypeScript: the snapshot is a module, not a file the engine reads.
 */
import { PCI_IDS_TEXT, PCI_IDS_VERSION } from './pci-ids.data'

export { PCI_IDS_VERSION }

interface Vendor {
  name: string
  devices: Map<number, string>
}

interface Db {
  vendors: Map<number, Vendor>
  /** 16-bit class (base << 8 | sub) and 8-bit base class → name; 24-bit → prog-if name. */
  classes: Map<number, string>
  bases: Map<number, string>
  progIfs: Map<number, string>
}

let db: Db | null = null

/** Parses pci.ids syntax: `vvvv  name`, `\tdddd  name`, `C cc  name`, `\tss  name`, `\t\tpp  name`. */
export function parsePciIds(text: string): Db {
  const vendors = new Map<number, Vendor>()
  const classes = new Map<number, string>()
  const bases = new Map<number, string>()
  const progIfs = new Map<number, string>()
  let vendor: Vendor | null = null
  let base = -1
  let sub = -1
  for (const line of text.split('\n')) {
    if (line.startsWith('C ')) {
      const m = /^C ([0-9a-f]{2})\s+(.*)$/.exec(line)
      vendor = null
      if (m) {
        base = parseInt(m[1]!, 16)
        bases.set(base, m[2]!)
      }
      continue
    }
    if (line.startsWith('\t\t')) {
      const m = /^\t\t([0-9a-f]{2})\s+(.*)$/.exec(line)
      if (m && base >= 0 && sub >= 0) progIfs.set((base << 16) | (sub << 8) | parseInt(m[1]!, 16), m[2]!)
      continue
    }
    if (line.startsWith('\t')) {
      const m = /^\t([0-9a-f]{4}|[0-9a-f]{2})\s+(.*)$/.exec(line)
      if (!m) continue
      if (vendor && m[1]!.length === 4) vendor.devices.set(parseInt(m[1]!, 16), m[2]!)
      else if (!vendor && base >= 0 && m[1]!.length === 2) {
        sub = parseInt(m[1]!, 16)
        classes.set((base << 8) | sub, m[2]!)
      }
      continue
    }
    const m = /^([0-9a-f]{4})\s+(.*)$/.exec(line)
    if (m) {
      vendor = { name: m[2]!, devices: new Map() }
      vendors.set(parseInt(m[1]!, 16), vendor)
      base = -1
      sub = -1
    }
  }
  return { vendors, classes, bases, progIfs }
}

function load(): Db {
  db ??= parsePciIds(PCI_IDS_TEXT)
  return db
}

/** The vendor's name in pci.ids ('NVIDIA Corporation'), or null. */
export function pciVendorName(vendor: number): string | null {
  return load().vendors.get(vendor)?.name ?? null
}

/** The device's name in pci.ids ('GV100GL [Tesla V100 SXM3 32GB]'), or null. */
export function pciDeviceName(vendor: number, device: number): string | null {
  return load().vendors.get(vendor)?.devices.get(device) ?? null
}

/**
 * The class name lspci prints for a 24-bit class code: the subclass name ('3D controller',
 * 'Non-Volatile memory controller'), else the base class name, else null.
 */
export function pciClassName(classCode: number): string | null {
  const d = load()
  return d.classes.get(classCode >> 8) ?? d.bases.get(classCode >> 16) ?? null
}

/**
 * A short vendor name for headers: the bracketed part when pci.ids has one ('AMD/ATI'), else the
 * name without company suffixes ('NVIDIA', 'Mellanox').
 */
export function shortVendorName(name: string): string {
  const br = /\[([^\]]+)\]\s*$/.exec(name)
  if (br) return br[1]!
  return (
    name
      .replace(
        /,?\s+(Corporation|Corp\.?|Inc\.?|Co\.?,? Ltd\.?|Ltd\.?|Technologies|Technology|LLC|GmbH)\b.*$/i,
        '',
      )
      .trim() || name
  )
}

/**
 * A short device name for matrix headers: the marketing name lspci shows in brackets
 * ('Tesla V100 SXM3 32GB', 'ConnectX-5'), else the whole pci.ids name.
 */
export function shortDeviceName(name: string): string {
  const br = /\[([^\]]+)\]\s*$/.exec(name)
  return br ? br[1]! : name
}

/** lspci's line for a function: 'NVIDIA Corporation GV100GL [Tesla V100 SXM3 32GB]', or null when the ids are unknown. */
export function lspciName(vendor: number, device: number): string | null {
  const v = pciVendorName(vendor)
  const d = pciDeviceName(vendor, device)
  if (v && d) return `${v} ${d}`
  if (v) return `${v} Device ${device.toString(16).padStart(4, '0')}`
  return null
}
