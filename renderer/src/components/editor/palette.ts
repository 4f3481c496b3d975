/**
 * Palette items: what each one adds, as topology.edit ops. Realistic ids and BARs so a machine
 * built from the palette behaves like the hardware it names. The engine checks the PCIe link rules.
 */
import type { EditOp, NewNodeProps } from '../../../../shared/model/edit'
import type { NodeKind } from '../../../../shared/model/topology'

export interface PaletteItem {
  key: string
  label: string
  hint: string
  /** Short glyph shown on the palette tile. */
  glyph: string
  /** The ops that add this item under `parent`, with ids fresh against `taken`. */
  ops(parent: string | null, taken: ReadonlySet<string>): EditOp[]
}

const MiB = 1024 * 1024
const GiB = 1024 * MiB
const PORT_ACS = { cap: ['SV', 'RR', 'CR', 'UF'] as const, ctrl: [] as const }

/** `<prefix><n>` not in `taken` (and not handed out earlier in the same batch). */
export function freshId(taken: Set<string>, prefix: string): string {
  for (let i = 0; ; i++) {
    const id = `${prefix}${i}`
    if (!taken.has(id)) {
      taken.add(id)
      return id
    }
  }
}

function one(kind: NodeKind, prefix: string, props: NewNodeProps) {
  return (parent: string | null, taken: ReadonlySet<string>): EditOp[] => [
    { op: 'addNode', id: freshId(new Set(taken), prefix), kind, parent, props },
  ]
}

export const PALETTE: PaletteItem[] = [
  {
    key: 'host_bridge',
    label: 'Host bridge',
    hint: 'A root complex with its root bus (Intel Sky Lake-E 8086:2020, whitelisted)',
    glyph: 'HB',
    ops(_parent, taken) {
      // The engine picks a free root bus; its host device (8086:2020) is on the host-bridge whitelist.
      const id = freshId(new Set(taken), 'hb')
      return [
        { op: 'addNode', id, kind: 'host_bridge', parent: null, props: { label: 'Host bridge' } },
        {
          op: 'updateNode',
          id,
          patch: {
            host: { hostDevice: { vendor: 0x8086, device: 0x2020, label: 'Sky Lake-E DMI3 Registers' } },
          },
        },
      ]
    },
  },
  {
    key: 'root_port',
    label: 'Root port',
    hint: 'A PCIe root port on a host bridge (8086:2030), ACS capable',
    glyph: 'RP',
    ops: one('root_port', 'rp', {
      label: 'Root port',
      vendor: 0x8086,
      device: 0x2030,
      acs: { cap: [...PORT_ACS.cap, 'TB'], ctrl: [] },
    }),
  },
  {
    key: 'switch',
    label: 'PCIe switch',
    hint: 'A switch: one upstream port and 4 downstream ports (Broadcom PEX 8747)',
    glyph: 'SW',
    ops(parent, takenIn) {
      const taken = new Set(takenIn)
      const usp = freshId(taken, 'usp')
      const ops: EditOp[] = [
        {
          op: 'addNode',
          id: usp,
          kind: 'switch_upstream',
          parent,
          props: { label: 'PEX 8747 upstream', vendor: 0x10b5, device: 0x8747 },
        },
      ]
      for (let i = 0; i < 4; i++) {
        ops.push({
          op: 'addNode',
          id: freshId(taken, `${usp}_dsp`),
          kind: 'switch_downstream',
          parent: usp,
          props: {
            label: `PEX 8747 downstream ${i}`,
            vendor: 0x10b5,
            device: 0x8747,
            acs: { cap: [...PORT_ACS.cap], ctrl: [] },
          },
        })
      }
      return ops
    },
  },
  {
    key: 'gpu',
    label: 'GPU',
    hint: 'NVIDIA V100 (10de:1db4): BAR0 16 MiB, BAR1 32 GiB prefetchable (p2pmem), BAR3 32 MiB',
    glyph: 'GPU',
    ops: one('endpoint', 'gpu', {
      label: 'Tesla V100',
      vendor: 0x10de,
      device: 0x1db4,
      classCode: 0x030200,
      endpoint: {
        type: 'gpu',
        driver: 'nvidia',
        p2pmemBar: 1,
        bars: [
          { index: 0, size: 16 * MiB },
          { index: 1, size: 32 * GiB, mem64: true, prefetch: true },
          { index: 3, size: 32 * MiB, mem64: true, prefetch: true },
        ],
      },
    }),
  },
  {
    key: 'rnic',
    label: 'RDMA NIC',
    hint: 'Mellanox ConnectX-5 (15b3:1017): BAR0 32 MiB prefetchable',
    glyph: 'NIC',
    ops: one('endpoint', 'mlx', {
      label: 'ConnectX-5',
      vendor: 0x15b3,
      device: 0x1017,
      classCode: 0x020000,
      endpoint: {
        type: 'rnic',
        driver: 'mlx5_core',
        bars: [{ index: 0, size: 32 * MiB, mem64: true, prefetch: true }],
      },
    }),
  },
  {
    key: 'nvme',
    label: 'NVMe',
    hint: 'NVMe drive with a CMB (144d:a808): BAR0 16 KiB, BAR2 CMB 64 MiB (p2pmem)',
    glyph: 'NVMe',
    ops: one('endpoint', 'nvme', {
      label: 'NVMe SSD',
      vendor: 0x144d,
      device: 0xa808,
      classCode: 0x010802,
      endpoint: {
        type: 'nvme',
        driver: 'nvme',
        queueP2p: true,
        p2pmemBar: 2,
        bars: [
          { index: 0, size: 16 * 1024, mem64: true },
          { index: 2, size: 64 * MiB, mem64: true, prefetch: true },
        ],
      },
    }),
  },
  {
    key: 'generic',
    label: 'Endpoint',
    hint: 'A generic endpoint with one 1 MiB memory BAR',
    glyph: 'EP',
    ops: one('endpoint', 'ep', {
      label: 'Endpoint',
      endpoint: { type: 'generic', bars: [{ index: 0, size: MiB }] },
    }),
  },
]
