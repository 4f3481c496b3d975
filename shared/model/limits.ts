/**
 * Hard limits for hostile input, stated once (README "File formats"). Kept apart from the zod
 * schemas (./lab-schema.ts) so that code that only needs the numbers does not load zod.
 */
export const LIMITS = {
  maxFileBytes: 16 * 1024 * 1024,
  maxNodes: 20_000,
  maxBarsPerFunction: 6,
  /** 2^52 bytes (4 PiB): larger than any BAR or window a real machine has. */
  maxBarSize: 2 ** 52,
  maxLabelLength: 200,
  maxIdLength: 100,
} as const
