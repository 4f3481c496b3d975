/**
 * What a PCI function is called, for people: the name the source file gave it, else the PCI ID
 * database's (lspci's own names), else its class. Used by the importers for labels and by the
 * application layer's views (names in the tree, the matrix headers, the CLI and reports).
 */
import {
  lspciName,
  pciClassName,
  pciDeviceName,
  pciVendorName,
  shortDeviceName,
  shortVendorName,
} from './pciids'

const hex4 = (n: number): string => n.toString(16).padStart(4, '0')

/**
 * A short name from pci.ids for a function without a name of its own: the device's marketing name
 * ('Tesla V100 SXM3 32GB'), else '<vendor> device dddd', else the class name; null when nothing is known.
 */
export function idsName(
  vendor: number | undefined,
  device: number | undefined,
  classCode?: number,
): string | null {
  if (vendor !== undefined && device !== undefined) {
    const d = pciDeviceName(vendor, device)
    if (d) return shortDeviceName(d)
    const v = pciVendorName(vendor)
    if (v) return `${shortVendorName(v)} device ${hex4(device)}`
  }
  return classCode !== undefined ? pciClassName(classCode) : null
}

export interface PciIdentity {
  /** 'vvvv:dddd' as lspci -n prints it, or null without ids. */
  ids: string | null
  /** lspci's 'Vendor Device' text from pci.ids, or null. */
  lspci: string | null
  /** The class name lspci prints ('3D controller'), or null. */
  className: string | null
}

/** The ids, lspci name and class name of a function. */
export function pciIdentity(
  vendor: number | null | undefined,
  device: number | null | undefined,
  classCode: number | null | undefined,
): PciIdentity {
  const has = vendor !== null && vendor !== undefined && device !== null && device !== undefined
  return {
    ids: has ? `${hex4(vendor)}:${hex4(device)}` : null,
    lspci: has ? lspciName(vendor, device) : null,
    className: classCode === null || classCode === undefined ? null : pciClassName(classCode),
  }
}

/**
 * Base board management controllers expose a VGA function for the server console (ASPEED AST2x00
 * 1a03:2000, Matrox G200e/eW/eH 102b:05xx): class 0300, but no GPU — no large BARs, no driver that
 * does P2P. The importers class them as generic functions.
 */
export function isBmcDisplay(vendor: number | undefined, classCode: number | undefined): boolean {
  if (classCode === undefined || classCode >> 16 !== 0x03) return false
  return vendor === 0x1a03 || vendor === 0x102b
}
