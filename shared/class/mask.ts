/**
 * Masking the words that would give an open exercise away (an errno, a kernel function, a map
 * type) on the attendee page, without sending those words: the server sends salted hashes of them
 * (AttendeeAsk.mask) and the attendee's engine worker replaces every word whose hash matches with
 * MASK, in everything it shows, until the attendee locks in.
 *
 * This hides the answer from the screen, not from a determined attendee: a 32-bit hash of one of a
 * few dozen errnos is easily tried, and the attendee's own engine can compute any answer anyway.
 * It keeps the websocket frames from spelling the answer out, nothing more.
 */
import { MASK } from './protocol'
import { ERRNO_NAMES, errnos } from '../model/errno'

export interface WordMask {
  salt: string
  hashes: string[]
}

/** FNV-1a, 32 bits, as 8 hex digits. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

export function hashWord(salt: string, word: string): string {
  return fnv1a(`${salt}:${word}`)
}

/**
 * Replace every word (letters, digits, _) that is a masked word, or ends with one after an '_'
 * (PCI_P2PDMA_MAP_BUS_ADDR for BUS_ADDR), by MASK. A masked errno's other spellings go too: its
 * negative number as the kernel returns it (-EFAULT is "-14", "(-14)", "= -14") and its strerror
 * text ("Bad address"), since either gives the name away to anyone who knows errno-base.h.
 */
export function maskWords(text: string, salt: string, hashes: ReadonlySet<string>): string {
  if (!hashes.size) return text
  let out = text.replace(/[A-Za-z0-9_]+/g, (word) => {
    if (hashes.has(hashWord(salt, word))) return MASK
    for (let i = word.indexOf('_'); i >= 0; i = word.indexOf('_', i + 1))
      if (hashes.has(hashWord(salt, word.slice(i + 1)))) return MASK
    return word
  })
  for (const name of maskedErrnos(salt, hashes)) {
    const { no, text: strerror } = errnos[name]
    out = out.replace(new RegExp(`(^|[^0-9A-Za-z_-])-${no}(?![0-9])`, 'g'), `$1-${MASK}`)
    out = out.replace(new RegExp(strerror.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), MASK)
  }
  return out
}

/** The errnos (errno-base.h names) among the masked words: the list is public, so try each. */
function maskedErrnos(salt: string, hashes: ReadonlySet<string>): typeof ERRNO_NAMES {
  return ERRNO_NAMES.filter((n) => hashes.has(hashWord(salt, n)))
}

/** The same on every string of a JSON-like value (a view), returning a masked copy. */
export function maskDeep<T>(value: T, salt: string, hashes: ReadonlySet<string>): T {
  if (!hashes.size) return value
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskWords(v, salt, hashes)
    if (Array.isArray(v)) return v.map(walk)
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(value) as T
}
