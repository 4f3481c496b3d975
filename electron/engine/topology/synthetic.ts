/**
 * Synthetic machines for benchmarks and stress tests: many host bridges, each with root ports
 * leading to PCIe switches of up to 32 downstream ports, one endpoint per downstream port.
 *
 * Bus numbers are 0..255 per PCI domain and every bridge takes one, so each host bridge gets a
 * domain of its own (domain i, root bus 00) and at most `switchesPerHost` switches
 * (1 root port + 1 upstream port + N downstream ports buses each).
 */
import type { AcsFlag, CpuSpec, MachineSpec, TopoNodeSpec } from '../../../shared/model/topology'

export interface SyntheticOptions {
  /** Downstream ports (and endpoints) per switch, 1..32; default 32. */
  perSwitch?: number
  /** Switches per host bridge; default and maximum: as many as fit in 256 buses. */
  switchesPerHost?: number
  /** Size of each endpoint's BAR0 (64-bit prefetchable, p2pmem); default 16 MiB. */
  barSize?: number
  /** Give downstream ports and root ports an ACS capability {SV,RR,CR,UF}; default true. */
  acs?: boolean
  cpu?: CpuSpec | null
  /** Host bridge device at 00.0; default 8086:2020. */
  hostDevice?: { vendor: number; device: number } | null
}

/**
 * A machine with `endpoints` endpoints (NVMe-like functions with one 64-bit prefetchable BAR that is
 * also their p2pmem BAR), spread over switches and host bridges.
 */
export function syntheticMachine(endpoints: number, opts: SyntheticOptions = {}): MachineSpec {
  const perSwitch = Math.max(1, Math.min(32, Math.floor(opts.perSwitch ?? 32)))
  const fit = Math.floor(255 / (perSwitch + 2)) // buses 01..ff below root bus 00
  const switchesPerHost = Math.max(1, Math.min(fit, Math.floor(opts.switchesPerHost ?? fit), 31))
  const barSize = opts.barSize ?? 16 * 1024 * 1024
  const acs = (): { cap: AcsFlag[]; ctrl: AcsFlag[] } | undefined =>
    opts.acs === false ? undefined : { cap: ['SV', 'RR', 'CR', 'UF'], ctrl: [] }
  const hostDevice = opts.hostDevice === undefined ? { vendor: 0x8086, device: 0x2020 } : opts.hostDevice
  const nodes: TopoNodeSpec[] = []
  const total = Math.max(0, Math.floor(endpoints))
  let made = 0
  for (let h = 0; made < total || h === 0; h++) {
    const hb = `hb${h}`
    nodes.push({
      id: hb,
      kind: 'host_bridge',
      parent: null,
      label: `Host bridge ${h}`,
      host: {
        domain: h,
        rootBus: 0,
        busEnd: 0xff,
        numaNode: h % 2,
        hostDevice: hostDevice ? { ...hostDevice } : null,
      },
    })
    for (let s = 0; s < switchesPerHost && made < total; s++) {
      const n = Math.min(perSwitch, total - made)
      nodes.push(...switchBelow({ h, s, first: made, n, barSize, acs }))
      made += n
    }
    if (total === 0) break
  }
  return {
    name: `synthetic-${total}`,
    cpu: opts.cpu === undefined ? { vendor: 'intel', family: 6, model: 85 } : opts.cpu,
    nodes,
  }
}

/** Root port `s` of host bridge `h`, a switch below it, and `n` NVMe-like endpoints on its downstream ports. */
function switchBelow(q: {
  h: number
  s: number
  first: number
  n: number
  barSize: number
  acs: () => { cap: AcsFlag[]; ctrl: AcsFlag[] } | undefined
}): TopoNodeSpec[] {
  const { h, s, acs } = q
  const rp = `h${h}rp${s}`
  const usp = `h${h}s${s}u`
  const nodes: TopoNodeSpec[] = [
    {
      id: rp,
      kind: 'root_port',
      parent: `hb${h}`,
      slot: s + 1,
      vendor: 0x8086,
      device: 0x2030,
      label: `HB${h} root port ${s}`,
      ...withAcs(acs()),
    },
    {
      id: usp,
      kind: 'switch_upstream',
      parent: rp,
      vendor: 0x10b5,
      device: 0x9781,
      label: `HB${h} switch ${s} upstream port`,
    },
  ]
  for (let d = 0; d < q.n; d++) {
    const dsp = `h${h}s${s}d${d}`
    const ep = q.first + d
    nodes.push({
      id: dsp,
      kind: 'switch_downstream',
      parent: usp,
      vendor: 0x10b5,
      device: 0x9781,
      label: `HB${h} switch ${s} port ${d}`,
      ...withAcs(acs()),
    })
    nodes.push({
      id: `ep${ep}`,
      kind: 'endpoint',
      parent: dsp,
      label: `EP${ep}`,
      vendor: 0x1de5,
      device: 0x1000,
      endpoint: {
        type: 'nvme',
        bars: [{ index: 0, size: q.barSize, mem64: true, prefetch: true }],
        p2pmemBar: 0,
        queueP2p: true,
      },
    })
  }
  return nodes
}

function withAcs(a: { cap: AcsFlag[]; ctrl: AcsFlag[] } | undefined): {
  acs?: { cap: AcsFlag[]; ctrl: AcsFlag[] }
} {
  return a ? { acs: a } : {}
}
