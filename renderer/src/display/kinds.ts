/**
 * How the UI names each node kind, in the words of docs/glossary.md: a badge, a label and a longer
 * title. "Bridge" alone means a PCI-to-PCI bridge; a host bridge is always "host bridge".
 */
import type { NodeKind } from '../../../shared/model/topology'

export const NODE_KIND_NAMES: Record<NodeKind, { short: string; label: string; title: string }> = {
  host_bridge: { short: 'HB', label: 'Host bridge', title: 'Host bridge (root complex) with its root bus' },
  root_port: { short: 'RP', label: 'Root port', title: 'PCIe root port (a bridge on the root bus)' },
  switch_upstream: { short: 'USP', label: 'Upstream port', title: 'Switch upstream port (a bridge)' },
  switch_downstream: {
    short: 'DSP',
    label: 'Downstream port',
    title: 'Switch downstream port (a bridge)',
  },
  pci_bridge: {
    short: 'BR',
    label: 'PCI bridge',
    title: 'PCI bridge: a PCI-to-PCI bridge that is not a PCIe port (PCIe-to-PCI or conventional PCI)',
  },
  endpoint: { short: 'EP', label: 'Endpoint', title: 'Endpoint (a function that is not a bridge)' },
}
