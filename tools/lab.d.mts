/** Types of tools/lab.mjs (plain JS so that `npm run lab` needs nothing but node). */
export function cliIsStale(dir?: string, base?: string): boolean
