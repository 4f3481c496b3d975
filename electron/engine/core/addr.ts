/**
 * Distinct address types (docs/design.md#the-domain-model). p2pdma.c warns that gen_pool_virt_to_phys() "actually
 * returns the bus address despite the misleading name"; here mixing the kinds is a type error.
 *
 * All are bigint, so a 64 GiB range is one (start, size) pair and never a page array.
 */
declare const brand: unique symbol
type Addr<K extends string> = bigint & { readonly [brand]: K }

/** CPU virtual address (unsigned long in a process's address space). */
export type Vaddr = Addr<'vaddr'>
/** CPU physical address (phys_addr_t). */
export type Paddr = Addr<'paddr'>
/** PCI bus address (pci_bus_addr_t): CPU physical + the host bridge's bus offset. */
export type BusAddr = Addr<'bus'>
/** What a device is told (dma_addr_t): a physical, bus or IOVA address depending on the path. */
export type DmaAddr = Addr<'dma'>
/** Page frame number (physical address >> PAGE_SHIFT). */
export type Pfn = Addr<'pfn'>

export const PAGE_SHIFT = 12n
export const PAGE_SIZE = 4096n

export const vaddr = (n: bigint | number): Vaddr => BigInt(n) as Vaddr
export const paddr = (n: bigint | number): Paddr => BigInt(n) as Paddr
export const busAddr = (n: bigint | number): BusAddr => BigInt(n) as BusAddr
export const dmaAddr = (n: bigint | number): DmaAddr => BigInt(n) as DmaAddr
export const pfnOf = (p: Paddr): Pfn => (p >> PAGE_SHIFT) as Pfn
export const pfn = (n: bigint | number): Pfn => BigInt(n) as Pfn
export const pfnToPhys = (f: Pfn): Paddr => (f << PAGE_SHIFT) as Paddr

/** '0x38_0000_0000'-free plain hex, as the kernel prints %#llx. */
export function hex(n: bigint | number): string {
  const b = BigInt(n)
  return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`
}

export function pageAlignUp(n: bigint): bigint {
  return (n + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n)
}

export function alignUp(n: bigint, a: bigint): bigint {
  return ((n + a - 1n) / a) * a
}

/** Human size: 2097152 -> '2M', 17179869184 -> '16G'. */
export function sizeStr(n: bigint | number): string {
  const b = BigInt(n)
  const units: [bigint, string][] = [
    [1n << 40n, 'T'],
    [1n << 30n, 'G'],
    [1n << 20n, 'M'],
    [1n << 10n, 'K'],
  ]
  for (const [u, s] of units) if (b >= u && b % u === 0n) return `${b / u}${s}`
  return b.toString()
}
