/**
 * The command line's pci.ids snapshot. tools/build-cli.mjs bundles this module in the place of
 * electron/engine/pciids/snapshot.ts and writes the same text (pci-ids.data.ts's PCI_IDS_TEXT) to
 * out/cli/pci-ids.txt: the first name lookup reads that file (about a millisecond), where compiling
 * the 740 KiB string literal with every command bundle cost each `lab p2p` several. Same exports
 * as snapshot.ts.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Written in by tools/build-cli.mjs: the snapshot's version, and where its text is relative to the bundle. */
declare const __P2PLAB_PCI_IDS_VERSION__: string
declare const __P2PLAB_PCI_IDS_FILE__: string

export const PCI_IDS_VERSION = __P2PLAB_PCI_IDS_VERSION__

let text: string | undefined

/** The snapshot text, read from beside the bundle on first use. */
export function pciIdsText(): string {
  if (text === undefined) {
    const file = new URL(__P2PLAB_PCI_IDS_FILE__, import.meta.url)
    try {
      text = readFileSync(file, 'utf8')
    } catch (e) {
      throw new Error(
        `the command line's PCI ID snapshot is missing (${fileURLToPath(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); rebuild it with npm run build`,
        { cause: e },
      )
    }
  }
  return text
}
