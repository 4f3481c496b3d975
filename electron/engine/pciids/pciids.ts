/**
 * Names for PCI ids, as lspci prints them: the vendor, device and class names of the PCI ID
 * Repository (pci.ids), from the snapshot in pci-ids.data.ts (tools/gen-pci-ids.ts regenerates it;
 * LICENSE beside this file). Each lookup searches the snapshot text; parsePciIds() reads the whole
 * of it (the tests compare the two).
 *
 * Pure TypeScript: the snapshot is a module (./snapshot.ts), not a file the engine reads.
 */
import { pciIdsText, PCI_IDS_VERSION } from './snapshot'

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
 * Lookups read the snapshot text itself. Every line is `<id>  <name>` (two spaces; the generator
 * writes them so). A vendor is a line `vvvv  name` with its devices as the tab-indented lines
 * below it, up to the next line that is not indented; the classes `C cc  name`, with `\tss  name`
 * below (and prog-ifs `\t\tpp  name`), come last. The first lookup of a vendor or class finds
 * its line with one indexOf over the text and where its block ends; a device or subclass is then
 * one indexOf in that block. Each answer is kept. Parsing the whole database (or even the lines
 * of a large vendor's block) would cost more than the command line's whole `lab p2p`, which needs
 * a few dozen names.
 */

/** A vendor's or class's block of lines, its own line first (`vvvv  name\n\tdddd  name…`). */
interface Block {
  name: string
  text: string
}

const blocks = new Map<string, Block | null>()
const deviceNames = new Map<number, string | null>()
const classNames = new Map<number, string | null>()

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0')

/** The name on the line of `text` that starts at `at` with `<id>  `, or null when it is empty. */
function nameAt(text: string, at: number, idLength: number): string | null {
  const end = text.indexOf('\n', at)
  return text.slice(at + idLength + 2, end < 0 ? text.length : end) || null
}

/** Offset of the first line of `text` that starts with `head`, or -1. */
function lineStart(text: string, head: string): number {
  if (text.startsWith(head)) return 0
  const i = text.indexOf('\n' + head)
  return i < 0 ? -1 : i + 1
}

/** The top-level line `id` (a vendor 'vvvv' or a class 'C cc') and the lines below it, or null. */
function blockOf(id: string): Block | null {
  let block = blocks.get(id)
  if (block === undefined) {
    block = null
    const text = pciIdsText()
    const start = lineStart(text, id + '  ')
    const name = start < 0 ? null : nameAt(text, start, id.length)
    if (name) {
      const next = /\n[^\t]/g
      next.lastIndex = start
      const m = next.exec(text)
      block = { name, text: text.slice(start, m ? m.index : text.length) }
    }
    blocks.set(id, block)
  }
  return block
}

/** The name of the line `\t<id>  name` in a block, or null. */
function belowIn(block: Block, id: string): string | null {
  const at = block.text.indexOf('\n\t' + id + '  ')
  return at < 0 ? null : nameAt(block.text, at + 2, id.length)
}

/** The vendor's name in pci.ids ('NVIDIA Corporation'), or null. */
export function pciVendorName(vendor: number): string | null {
  return blockOf(hex(vendor, 4))?.name ?? null
}

/** The device's name in pci.ids ('GV100GL [Tesla V100 SXM3 32GB]'), or null. */
export function pciDeviceName(vendor: number, device: number): string | null {
  const key = vendor * 0x10000 + device
  let name = deviceNames.get(key)
  if (name === undefined) {
    const block = blockOf(hex(vendor, 4))
    name = block ? belowIn(block, hex(device, 4)) : null
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
    const block = blockOf(`C ${hex(classCode >> 16, 2)}`)
    name = block ? (belowIn(block, hex((classCode >> 8) & 0xff, 2)) ?? block.name) : null
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
