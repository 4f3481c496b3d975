/** Types of tools/build-cli.mjs (plain JS so that `npm run lab` needs nothing but node). */
export function buildCli(options?: {
  outDir?: string
  quiet?: boolean
}): Promise<{ outfile: string; inputs: string[] }>
