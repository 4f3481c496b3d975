/**
 * Files handed to the app: which extensions it opens, and the file named on a command line.
 * (Reading and saving follow the shared rules of electron/app/files/save.ts.)
 */

/** Files the app opens: lab files and the topology formats the importers detect. */
export const OPENABLE_EXTENSIONS = ['p2plab', 'json', 'xml', 'txt'] as const

/**
 * The file to open given on a command line (argv[0] is the executable; switches and the app path
 * '.' are skipped): the first argument ending in .p2plab, .json, .xml or .txt.
 */
export function fileFromArgv(argv: readonly string[]): string | null {
  const re = new RegExp(`\\.(${OPENABLE_EXTENSIONS.join('|')})$`, 'i')
  for (const arg of argv.slice(1)) {
    if (arg.startsWith('-')) continue
    if (re.test(arg)) return arg
  }
  return null
}
