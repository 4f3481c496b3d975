/**
 * "Register .p2plab files with this AppImage" (Linux, Help menu; shown only when running as an
 * AppImage). An AppImage carries its desktop entry and MIME type inside the image, but its runtime
 * registers nothing with the desktop (electron-builder's AppRun does no integration; tools such as
 * appimaged or AppImageLauncher do, when installed). So, when the user asks, the app registers
 * itself the way a package would, per user, under $XDG_DATA_HOME (default ~/.local/share):
 *
 *   mime/packages/p2p-dma-lab.xml      the application/x-p2plab+json type, glob *.p2plab
 *   applications/p2p-dma-lab.desktop   Exec="<this AppImage>" %U, MimeType=application/x-p2plab+json;
 *   icons/hicolor/512x512/apps/p2p-dma-lab.png   from the image's .DirIcon
 *
 * then runs update-mime-database, update-desktop-database and `xdg-mime default` (each optional:
 * a missing tool is reported, not fatal). Moving the AppImage needs a new registration.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { PRODUCT_NAME } from '../app/identity'

export const DESKTOP_ID = 'p2p-dma-lab'
export const LAB_MIME_TYPE = 'application/x-p2plab+json'

export type Runner = (command: string, args: string[]) => Promise<void>

const runTool: Runner = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000 }, (err) => (err ? reject(err) : resolve()))
  })

/**
 * One Exec argument of a desktop entry: double-quoted, with `"` `` ` `` `$` `\` escaped by a
 * backslash (the quoting rule), then every backslash doubled (the string escape rule, applied
 * first when reading) — Desktop Entry Specification, "The Exec key".
 */
export function desktopExecArg(arg: string): string {
  const quoted = '"' + arg.replace(/(["`$\\])/g, '\\$1') + '"'
  return quoted.replace(/\\/g, '\\\\')
}

export function mimeXml(): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">',
    `  <mime-type type="${LAB_MIME_TYPE}">`,
    `    <comment>${PRODUCT_NAME} lab file</comment>`,
    '    <sub-class-of type="application/json"/>',
    '    <glob pattern="*.p2plab"/>',
    '  </mime-type>',
    '</mime-info>',
    '',
  ].join('\n')
}

export function desktopEntry(appImage: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${PRODUCT_NAME}`,
    'Comment=Step through how Linux maps memory for devices (P2PDMA, GUP, DMA API)',
    `Exec=${desktopExecArg(appImage)} %U`,
    `Icon=${DESKTOP_ID}`,
    'Terminal=false',
    'Categories=Education;',
    `MimeType=${LAB_MIME_TYPE};`,
    `StartupWMClass=${DESKTOP_ID}`,
    '',
  ].join('\n')
}

export interface RegisterOptions {
  /** $APPIMAGE: the AppImage file itself. */
  appImage: string
  /** $APPDIR: where the image is mounted (its .DirIcon is the icon). */
  appDir?: string | undefined
  /** $XDG_DATA_HOME, else ~/.local/share. */
  dataHome: string
  run?: Runner
}

export interface Registration {
  written: string[]
  /** What could not be done (a missing tool), said to the user. */
  problems: string[]
}

export async function registerAppImage(o: RegisterOptions): Promise<Registration> {
  const run = o.run ?? runTool
  const written: string[] = []
  const problems: string[] = []
  const mimeDir = join(o.dataHome, 'mime')
  const appsDir = join(o.dataHome, 'applications')
  const iconDir = join(o.dataHome, 'icons', 'hicolor', '512x512', 'apps')
  for (const d of [join(mimeDir, 'packages'), appsDir, iconDir]) await mkdir(d, { recursive: true })
  const xml = join(mimeDir, 'packages', `${DESKTOP_ID}.xml`)
  await writeFile(xml, mimeXml(), { mode: 0o644 })
  written.push(xml)
  const desktop = join(appsDir, `${DESKTOP_ID}.desktop`)
  await writeFile(desktop, desktopEntry(o.appImage), { mode: 0o644 })
  written.push(desktop)
  const dirIcon = o.appDir ? join(o.appDir, '.DirIcon') : null
  if (dirIcon && existsSync(dirIcon)) {
    const icon = join(iconDir, `${DESKTOP_ID}.png`)
    await copyFile(dirIcon, icon)
    written.push(icon)
  } else problems.push('no icon found in the AppImage (.DirIcon); the file type is registered without one')
  const steps: [string, string[]][] = [
    ['update-mime-database', [mimeDir]],
    ['update-desktop-database', [appsDir]],
    ['xdg-mime', ['default', `${DESKTOP_ID}.desktop`, LAB_MIME_TYPE]],
  ]
  for (const [cmd, args] of steps) {
    try {
      await run(cmd, args)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      problems.push(
        code === 'ENOENT'
          ? `${cmd} is not installed; the desktop may pick up the change only after logging in again`
          : `${cmd} failed: ${(err as Error).message}`,
      )
    }
  }
  return { written, problems }
}
