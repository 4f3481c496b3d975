/** Display formatting only (units, hex); no kernel semantics. */
import { MASK } from '../../../shared/class/protocol'

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const

/** 34359738368 → "32 GiB"; non-round sizes keep one decimal. */
export function formatBytes(n: number): string {
  let v = n
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024
    u++
  }
  const s = Number.isInteger(v) ? String(v) : v.toFixed(1)
  return `${s} ${UNITS[u]}`
}

export function hex4(n: number | null | undefined): string {
  return n == null ? '????' : n.toString(16).padStart(4, '0')
}

/** "10de:1db4" */
export function vendorDevice(vendor: number | null, device: number | null): string | null {
  if (vendor == null && device == null) return null
  return `${hex4(vendor)}:${hex4(device)}`
}

/** Short "bb:dd.f" form of a "dddd:bb:dd.f" BDF when the domain is 0000. */
export function shortBdf(bdf: string): string {
  return bdf.startsWith('0000:') ? bdf.slice(5) : bdf
}

/**
 * The number printed after a failing call's errno (" (-14)" for EFAULT), or nothing while an open
 * exercise masks the errno: the number would give the name away (errno-base.h is public).
 */
export function errnoNumber(errno: string, no: number): string {
  return errno.includes(MASK) ? '' : ` (${-Math.abs(no)})`
}
