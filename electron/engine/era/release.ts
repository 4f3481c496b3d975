/**
 * Kernel release numbers ("5.6", "6.10", "next") and their order. Pure helpers for the era table
 * (eras.ts) and the names table (names.ts); nothing outside electron/engine/era/ compares releases.
 */

/** A mainline release as written in the kernel's Makefile (VERSION.PATCHLEVEL), or 'next'. */
export type Release = string

/** The last PATCHLEVEL of each major before the next one started at .0 (4.20 -> 5.0, 5.19 -> 6.0, 6.19 -> 7.0). */
const LAST_MINOR: Readonly<Record<number, number>> = { 3: 19, 4: 20, 5: 19, 6: 19 }

const NEXT = 1e9

/** '5.6' -> 5006; 'next' sorts after every release. Throws on anything else (an engine bug). */
export function releaseKey(r: Release): number {
  if (r === 'next') return NEXT
  const m = /^(\d+)\.(\d+)$/.exec(r)
  if (!m) throw new Error(`engine bug: '${r}' is not a kernel release`)
  return Number(m[1]) * 1000 + Number(m[2])
}

/** The release before `r` (6.10 -> 6.9, 6.0 -> 5.19), for showing the last release a name existed in. */
export function previousRelease(r: Release): Release {
  if (r === 'next') throw new Error('engine bug: no release before next')
  const k = releaseKey(r)
  const major = Math.floor(k / 1000)
  const minor = k % 1000
  if (minor > 0) return `${major}.${minor - 1}`
  const last = LAST_MINOR[major - 1]
  if (last === undefined) throw new Error(`engine bug: the last ${major - 1}.x release is not known`)
  return `${major - 1}.${last}`
}
