/**
 * The topology as text, in the spirit of `lstopo --of console`: one line per object, indented by
 * depth, with the names, ids, class, BARs, ACS and the P2P role. Used by the app's "Text" export
 * (topology.text) and the CLI's `lab topo` (cli/topo.ts).
 */
import type { TopoNodeView } from '../../../shared/ipc/contract'
import type { LabFile } from '../../../shared/model/topology'

const KIND: Record<TopoNodeView['kind'], string> = {
  host_bridge: 'HostBridge',
  root_port: 'PCIBridge (root port)',
  switch_upstream: 'PCIBridge (switch upstream port)',
  switch_downstream: 'PCIBridge (switch downstream port)',
  pci_bridge: 'PCIBridge',
  endpoint: 'PCI',
}

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0')

/** 16K, 32M, 32G like lstopo -v and lspci print sizes. */
export function sizeText(bytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P']
  let v = bytes
  let u = 0
  while (v >= 1024 && v % 1024 === 0 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v}${units[u]}`
}

function barText(b: TopoNodeView['bars'][number]): string {
  const flags = b.io ? 'io' : [b.mem64 ? '64-bit' : '32-bit', b.prefetch ? 'pref' : 'non-pref'].join(' ')
  return `BAR${b.index} ${sizeText(b.size)} @${b.start} (${flags})`
}

function line(n: TopoNodeView): string[] {
  if (n.kind === 'host_bridge' && n.host) {
    const h = n.host
    return [
      `HostBridge ${hex(h.domain, 4)}:[${hex(h.busStart, 2)}-${hex(h.busEnd, 2)}] NUMA ${h.numaNode} key ${h.key ?? 'none'} "${n.name}"`,
    ]
  }
  const bdf = n.bdf ?? '?'
  const ids = n.vendor !== null && n.device !== null ? ` [${hex(n.vendor, 4)}:${hex(n.device, 4)}]` : ''
  const cls = n.className ? ` (${n.className})` : ''
  const bus = n.secondary !== null ? ` [${hex(n.secondary, 2)}-${hex(n.subordinate ?? n.secondary, 2)}]` : ''
  const role = n.p2pmem === 'published' ? ' p2pmem' : n.p2pmem === 'bar' ? ' BAR (not published)' : ''
  const type = n.endpointType && n.endpointType !== 'generic' ? ` ${n.endpointType}` : ''
  const out = [`${KIND[n.kind]} ${bdf}${ids}${cls}${bus} "${n.name}"${type}${role}`]
  const details: string[] = []
  if (n.acsCap !== null)
    details.push(
      `ACS cap ${n.acsCap.join(' ') || '-'}; ctrl ${n.acsCtrl.join(' ') || '-'}${n.acsCtrl.some((f) => f === 'RR' || f === 'CR' || f === 'EC') ? ' (redirect on)' : ''}`,
    )
  for (const b of n.bars) details.push(barText(b))
  if (n.lspciName && n.lspciName !== n.name) details.push(`lspci: ${n.lspciName}`)
  for (const os of n.osDevices) details.push(`OS device "${os}"`)
  return [...out, ...details.map((d) => `  ${d}`)]
}

/** The whole machine, depth-first, like lstopo's console output of the I/O tree. */
export function topologyText(lab: LabFile, nodes: TopoNodeView[]): string {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const out: string[] = [
    `Machine "${lab.machine.name}"`,
    `  era ${lab.settings.era}, IOMMU ${lab.settings.iommu ? 'on' : 'off'}${lab.settings.disableAcsRedir ? `, pci=disable_acs_redir=${lab.settings.disableAcsRedir}` : ''}${lab.machine.cpu ? `, CPU ${lab.machine.cpu.vendor} family 0x${lab.machine.cpu.family.toString(16)}${lab.machine.cpu.name ? ` (${lab.machine.cpu.name})` : ''}` : ', CPU inferred'}`,
  ]
  const walk = (n: TopoNodeView, depth: number): void => {
    for (const l of line(n)) out.push('  '.repeat(depth) + l)
    for (const c of n.children) {
      const k = byId.get(c)
      if (k) walk(k, depth + 1)
    }
  }
  for (const n of nodes) if (n.parent === null) walk(n, 1)
  return out.join('\n') + '\n'
}
