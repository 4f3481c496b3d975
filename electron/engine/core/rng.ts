/**
 * A small seeded PRNG whose state is plain, JSON-safe data, so it can live in the world and be
 * recorded in step deltas (docs/design.md#5-determinism: no Math.random in the engine).
 *
 * Algorithm: mulberry32 (32-bit state, full 2^32 period). Not cryptographic, and it is not the
 * kernel's generator: only the *shape* of the kernel calls is modelled.
 */

export interface RngState {
  readonly algo: 'mulberry32'
  /** uint32 state word. */
  readonly s: number
}

/** A fresh generator state from a seed (any number; reduced to uint32). */
export function rngInit(seed: number): RngState {
  return { algo: 'mulberry32', s: (Math.trunc(seed) >>> 0) ^ 0x9e3779b9 }
}

/** One uniformly distributed uint32 and the next state. */
export function nextU32(state: RngState): { value: number; state: RngState } {
  const s = (state.s + 0x6d2b79f5) >>> 0
  let t = s
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  const value = (t ^ (t >>> 14)) >>> 0
  return { value, state: { algo: 'mulberry32', s } }
}

/**
 * belowN - a value in [0, n), like get_random_u32_below(n) (6.2+) / prandom_u32_max(n) (older).
 * Mirrors include/linux/random.h: both scale a uint32 by n and keep the high 32 bits
 * ((u64)rand * n >> 32); get_random_u32_below() additionally rejects a small biased range.
 *
 * Simplification: no rejection step, so for huge n the result has the tiny bias of
 * prandom_u32_max(). n must be an integer in [1, 2^32).
 */
export function belowN(state: RngState, n: number): { value: number; state: RngState } {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new Error(`belowN: bad n ${n}`)
  const r = nextU32(state)
  // (u64)rand * n >> 32; exact in doubles while rand * n < 2^53, BigInt beyond.
  const value =
    n <= 0x1fffff ? Math.floor((r.value * n) / 4294967296) : Number((BigInt(r.value) * BigInt(n)) >> 32n)
  return { value, state: r.state }
}
