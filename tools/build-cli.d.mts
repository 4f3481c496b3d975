/** Types of tools/build-cli.mjs (plain JS so that `npm run lab` needs nothing but node). */
export function buildCli(options?: {
  outDir?: string
  quiet?: boolean
}): Promise<{ outfile: string; inputs: string[] }>

/** The esbuild plugin that marks the project's own modules free of side effects (see the .mjs). */
export const ownSourcesArePure: import('esbuild').Plugin
