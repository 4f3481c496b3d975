/**
 * Names for PCI ids, as lspci prints them: the vendor, device and class names of the PCI ID
 * Repository (pci.ids), from the snapshot in pci-ids.data.ts (tools/gen-pci-ids.ts regenerates it;
 * LICENSE beside this file). Each lookup searches the snapshot text; parsePciIds() reads the whole
 * of it (the tests compare the two).
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

/*
 * Lookups read the snapshot text itself: one pass finds where each vendor's block starts (a vendor
 * is a line `vvvv  name`, its devices the tab-indented lines below it; the classes `C cc  name`, with
 * `\tss  name` below, come last), then a lookup searches only its vendor's or class's block. Each
 * answer is kept. Parsing the whole database would cost more than the command line's whole
 * `lab p2p` on a large machine.
 */
const vendorNames = new Map<number, string | null>()
const deviceNames = new Map<number, string | null>()
const classNames = new Map<number, string | null>()

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0')

/** The name after an id of `idLength` characters on the line that starts at `at` in `text`. */
function nameAt(text: string, at: number, idLength: number): string | null {
  const end = text.indexOf('\n', at)
  const rest = text.slice(at + idLength, end < 0 ? text.length : end)
  const name = rest.trim()
  return /^\s/.test(rest) && name ? name : null
}

/** Offset in `block` of the line `<prefix><whitespace>` (the block starts with its own header line), or -1. */
function lineIn(block: string, prefix: string): number {
  for (let i = block.indexOf('\n' + prefix); i >= 0; i = block.indexOf('\n' + prefix, i + 1))
    if (/\s/.test(block[i + 1 + prefix.length] ?? '')) return i + 1
  return -1
}

/** Every top-level line (vendor or class) by its id text ('10de', 'C 03'): its block, header line first. */
let blocks: Map<string, string> | null = null

function blockOf(id: string): string | undefined {
  if (!blocks) {
    blocks = new Map()
    const text = PCI_IDS_TEXT
    let start = 0
    const re = /\n[^\t]/g
    for (;;) {
      const m = re.exec(text)
      const end = m ? m.index : text.length
      const key = text.slice(start, start + 4)
      if (!blocks.has(key)) blocks.set(key, text.slice(start, end))
      if (!m) break
      start = end + 1
    }
  }
  return blocks.get(id)
}

/** The vendor's name in pci.ids ('NVIDIA Corporation'), or null. */
export function pciVendorName(vendor: number): string | null {
  let name = vendorNames.get(vendor)
  if (name === undefined) {
    const block = blockOf(hex(vendor, 4))
    name = block === undefined ? null : nameAt(block, 0, 4)
    vendorNames.set(vendor, name)
  }
  return name
}

/** The device's name in pci.ids ('GV100GL [Tesla V100 SXM3 32GB]'), or null. */
export function pciDeviceName(vendor: number, device: number): string | null {
  const key = vendor * 0x10000 + device
  let name = deviceNames.get(key)
  if (name === undefined) {
    name = null
    const block = blockOf(hex(vendor, 4))
    if (block !== undefined && nameAt(block, 0, 4) !== null) {
      const at = lineIn(block, '\t' + hex(device, 4))
      if (at >= 0) name = nameAt(block, at, 5)
    }
    deviceNames.set(key, name)
  }
  return name
}

/**
 * The class name lspci prints for a 24-bit class code: the subclass name ('3D controller',
 * 'Non-Volatile memory controller'), else the base class name, else null.
 */
export function pciClassName(classCode: number): string | null {
  const key = classCode >> 8
  let name = classNames.get(key)
  if (name === undefined) {
    name = null
    const block = blockOf(`C ${hex(classCode >> 16, 2)}`)
    if (block !== undefined) {
      const sub = lineIn(block, '\t' + hex((classCode >> 8) & 0xff, 2))
      name = (sub >= 0 ? nameAt(block, sub, 3) : null) ?? nameAt(block, 0, 4)
    }
    classNames.set(key, name)
  }
  return name
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
