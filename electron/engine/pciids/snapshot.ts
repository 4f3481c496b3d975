/**
 * Where the lookups (./pciids.ts) get the pci.ids snapshot text: the module pci-ids.data.ts, here.
 * The command-line bundle (tools/build-cli.mjs) puts electron/app/cli/pci-ids-file.ts in this
 * module's place, which reads the same text from a file beside the bundle on the first lookup:
 * compiling the 740 KiB string literal cost `lab p2p` more than reading the file does.
 * Keep the two modules' exports alike.
 */
import { PCI_IDS_TEXT, PCI_IDS_VERSION } from './pci-ids.data'

export { PCI_IDS_VERSION }

/** The snapshot: vendors, devices and classes in pci.ids syntax (see pci-ids.data.ts). */
export function pciIdsText(): string {
  return PCI_IDS_TEXT
}
