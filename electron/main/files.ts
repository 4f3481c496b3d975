/**
 * Files handed to the app by the OS: which extensions it opens, and the file named on a command
 * line — the app's own, or a second launch's (which Electron delivers with that launch's working
 * directory). Linux launchers may pass `file://` URLs (a desktop entry's %U); a relative path is
 * relative to the directory the launch happened in, never to the running app's.
 * (Reading and saving follow the shared rules of electron/app/files/save.ts.)
 */
import { isAbsolute, resolve, win32 } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Files the app opens: lab files and the topology formats the importers detect. */
export const OPENABLE_EXTENSIONS = ['p2plab', 'json', 'xml', 'txt'] as const

const OPENABLE = new RegExp(`\\.(${OPENABLE_EXTENSIONS.join('|')})$`, 'i')

/**
 * The file to open among command-line arguments, as an absolute path (argv[0] is the executable;
 * switches, the app path '.' and other URLs are skipped): the first argument ending in .p2plab,
 * .json, .xml or .txt, after decoding a file:// URL; relative paths are resolved against `cwd`.
 */
export function fileFromArgv(
  argv: readonly string[],
  cwd: string,
  platform: NodeJS.Platform = process.platform,
): string | null {
  for (const arg of argv.slice(1)) {
    if (arg.startsWith('-')) continue
    let path = arg
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
      if (!/^file:/i.test(arg)) continue // sftp://, http:// …: only local files
      try {
        path = fileURLToPath(arg, { windows: platform === 'win32' })
      } catch {
        continue // file://otherhost/…, or an encoded '/' in the path
      }
    }
    if (!OPENABLE.test(path)) continue
    return absolute(path, cwd, platform)
  }
  return null
}

function absolute(path: string, cwd: string, platform: NodeJS.Platform): string {
  if (platform === 'win32') return win32.isAbsolute(path) ? win32.normalize(path) : win32.resolve(cwd, path)
  return isAbsolute(path) ? path : resolve(cwd, path)
}

/**
 * The file a second launch hands over (Electron's 'second-instance'): the absolute paths the launch
 * resolved itself and sent as additionalData ({ files: [...] }, untrusted: any local process can
 * send it), else its argv resolved against its working directory.
 */
export function handedOverFile(
  argv: readonly string[],
  workingDirectory: string,
  additionalData: unknown,
  platform: NodeJS.Platform = process.platform,
): string | null {
  const files = (additionalData as { files?: unknown } | null | undefined)?.files
  if (Array.isArray(files)) {
    const first = files.find(
      (f): f is string =>
        typeof f === 'string' &&
        f.length > 0 &&
        f.length < 4096 &&
        !f.includes('\0') &&
        (platform === 'win32' ? win32.isAbsolute(f) : isAbsolute(f)),
    )
    if (first) return first
  }
  return fileFromArgv(argv, workingDirectory, platform)
}
