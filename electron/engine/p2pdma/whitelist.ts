/**
 * The host-bridge whitelist per era: pci_p2pdma_whitelist[], pci_host_bridge_dev(),
 * __host_bridge_whitelist(), host_bridge_whitelist() (5.4+) and root_complex_whitelist() (5.2).
 */
import type { Era } from '../../../shared/model/topology'
import type { Decision } from '../../../shared/model/p2p'
import {
  eraGroup,
  eraSource,
  nameRange,
  p2pRules,
  type HostBridgeDevRule,
  type WhitelistId,
} from '../era/index'
import type { HostBridge, Machine, PciDev } from '../topology/types'
import { dec, devLog, hex4, kfmt, pciDev } from './pci'

const FILE = 'drivers/pci/p2pdma.c'

export const PCI_VENDOR_ID_INTEL = 0x8086
export const PCI_VENDOR_ID_AMD = 0x1022
/** include/linux/pci_ids.h; value read from drivers defining it locally (gve.h: 0x1ae0). */
export const PCI_VENDOR_ID_GOOGLE = 0x1ae0
export const PCI_VENDOR_ID_NVIDIA = 0x10de
/** The entry's flags bit (enum in struct pci_p2pdma_whitelist_entry). */
export const REQ_SAME_HOST_BRIDGE = 1 << 0

export interface WhitelistEntry {
  vendor: number
  /** 'PCI_ANY_ID' matches every device of the vendor (S6: the field became int for this). */
  device: number | 'PCI_ANY_ID'
  flags: number
  /** The comment or macro name in the table. */
  name: string
  /** Where the numeric id was verified, or 'unverified'. */
  idSource: string
}

const e = (
  vendor: number,
  device: number | 'PCI_ANY_ID',
  flags: number,
  name: string,
  idSource: string,
): WhitelistEntry => ({
  vendor,
  device,
  flags,
  name,
  idSource,
})

const XEON_E5 = [
  e(PCI_VENDOR_ID_INTEL, 0x3c00, REQ_SAME_HOST_BRIDGE, 'Intel Xeon E5/Core i7', 'S3/S4 literal'),
  e(PCI_VENDOR_ID_INTEL, 0x3c01, REQ_SAME_HOST_BRIDGE, 'Intel Xeon E5/Core i7', 'S3/S4 literal'),
  e(
    PCI_VENDOR_ID_INTEL,
    0x2f00,
    REQ_SAME_HOST_BRIDGE,
    'Intel Xeon E7 v3/Xeon E5 v3/Core i7',
    'S3/S4 literal',
  ),
  e(
    PCI_VENDOR_ID_INTEL,
    0x2f01,
    REQ_SAME_HOST_BRIDGE,
    'Intel Xeon E7 v3/Xeon E5 v3/Core i7',
    'S3/S4 literal',
  ),
]

const SKYLAKE = [0x2030, 0x2031, 0x2032, 0x2033, 0x2020].map((d) =>
  e(PCI_VENDOR_ID_INTEL, d, 0, 'Intel Skylake-E', 'S4 literal'),
)

/** feaea1fe8b36 "Add Intel 3rd Gen Intel Xeon Scalable Processors to whitelist" (v5.18, S12). */
const ICELAKE = [
  e(PCI_VENDOR_ID_INTEL, 0x09a2, 0, 'Intel Skylake-E', 'S4 literal; 6.1.192 drivers/pci/p2pdma.c:305-318'),
]

// Numeric ids of the S6 macros, read from the patches that define them (idxd registers.h /
// pci_ids.h moves: DSA_SPR0 0x0b25, IAX_SPR0 0x0cfe, DSA_GNRD 0x11fb, DSA_DMR 0x1212, IAA_DMR 0x1216;
// QAT adf_accel_devices.h -> pci_ids.h move: 4XXX 0x4940, 401XX 0x4942, 402XX 0x4944, 420XX 0x4946, 6XXX 0x4948).
const INTEL_ACCEL = [
  e(PCI_VENDOR_ID_INTEL, 0x0b25, 0, 'PCI_DEVICE_ID_INTEL_DSA_SPR0', 'idxd registers.h / pci_ids.h patch'),
  e(PCI_VENDOR_ID_INTEL, 0x0cfe, 0, 'PCI_DEVICE_ID_INTEL_IAX_SPR0', 'idxd registers.h / pci_ids.h patch'),
  e(PCI_VENDOR_ID_INTEL, 0x11fb, 0, 'PCI_DEVICE_ID_INTEL_DSA_GNRD', 'pci_ids.h patch'),
  e(PCI_VENDOR_ID_INTEL, 0x1212, 0, 'PCI_DEVICE_ID_INTEL_DSA_DMR', 'pci_ids.h patch'),
  e(PCI_VENDOR_ID_INTEL, 0x1216, 0, 'PCI_DEVICE_ID_INTEL_IAA_DMR', 'pci_ids.h patch'),
  ...(
    [
      [0x4940, '4XXX'],
      [0x4942, '401XX'],
      [0x4944, '402XX'],
      [0x4946, '420XX'],
      [0x4948, '6XXX'],
    ] as const
  ).map(([d, qat]) =>
    e(PCI_VENDOR_ID_INTEL, d, 0, `PCI_DEVICE_ID_INTEL_QAT_${qat}`, 'QAT pci_ids.h move patch'),
  ),
  e(PCI_VENDOR_ID_GOOGLE, 'PCI_ANY_ID', 0, 'Google SoCs', 'S6 literal; vendor id from gve.h'),
]

const NVIDIA = [0x2f95, 0x2f96, 0x2f97, 0x2f98].map((d) =>
  e(PCI_VENDOR_ID_NVIDIA, d, 0, 'Nvidia CPUs', 'S6 literal'),
)

/**
 * pci_p2pdma_whitelist[] by table id (the era table, electron/engine/era/eras.ts, says which era has which).
 * - amd-xeon-e5 (S3): AMD 1450 (flags 0) + Xeon E5/E7 (REQ_SAME_HOST_BRIDGE).
 * - xeon-skl (L515): AMD entry dropped (cpu_supports_p2pdma() instead, 5.9) + Skylake-E 2030–2033, 2020.
 * - xeon-skl-icx (S4/S5, 6.1.192, 6.12.118): + 09a2 (v5.18).
 * - accel (v7.2, oracle §7): + Intel DSA/IAX/QAT and Google PCI_ANY_ID. Assumed to be exactly S6's entries
 *   without NVIDIA; the exact 7.2.13 membership of each DSA/IAA/QAT id is unverified.
 * - nvidia (next, S6): + NVIDIA 10de:2f95–2f98.
 */
export const WHITELISTS: Record<Exclude<WhitelistId, 'none' | 'rc-amd'>, readonly WhitelistEntry[]> = {
  'amd-xeon-e5': [e(PCI_VENDOR_ID_AMD, 0x1450, 0, 'AMD ZEN', 'S3 literal'), ...XEON_E5],
  'xeon-skl': [...XEON_E5, ...SKYLAKE],
  'xeon-skl-icx': [...XEON_E5, ...SKYLAKE, ...ICELAKE],
  accel: [...XEON_E5, ...SKYLAKE, ...ICELAKE, ...INTEL_ACCEL],
  nvidia: [...XEON_E5, ...SKYLAKE, ...ICELAKE, ...INTEL_ACCEL, ...NVIDIA],
}

/** The era's whitelist table, or null when the era has none (v5.0; v5.2 has root_complex_whitelist()). */
export function whitelistFor(era: Era): readonly WhitelistEntry[] | null {
  const id = p2pRules(era).whitelist
  return id === 'none' || id === 'rc-amd' ? null : WHITELISTS[id]
}

function hostOf(m: Machine, id: string): HostBridge {
  const hb = m.hostBridges.find((h) => h.id === id)
  if (!hb) throw new Error(`p2pdma: no host bridge '${id}'`)
  return hb
}

/**
 * pciHostBridgeDev - the pci_dev that stands for a host bridge in the whitelist.
 * Mirrors drivers/pci/p2pdma.c: pci_host_bridge_dev() (v5.4 S3; v6.0+ S4/S6), and for v5.2 the
 * pci_get_slot(host->bus, PCI_DEVFN(0, 0)) inside root_complex_whitelist() (S2).
 *
 * - v5.2: any device at devfn 00.0 on the root bus.
 * - v5.4: the FIRST device on host->bus->devices, only if its devfn is 00.0.
 * - v6.0+: the first device if its devfn is 00.0 OR it is a PCIe Root Port (e.g. Skylake, or a
 *   QEMU pxb-pcie whose first device is root port 80:00.0).
 * Returns null when there is no such device (the host is then not whitelisted).
 *
 * Errnos: none.
 */
export function pciHostBridgeDev(m: Machine, hostId: string, rule: HostBridgeDevRule): PciDev | null {
  const hb = hostOf(m, hostId)
  if (rule === 'none') return null
  if (rule === 'slot0') {
    for (const id of hb.rootBusDevices) {
      const d = m.devs.get(id)
      if (d && d.devfn === 0) return d
    }
    return null
  }
  const firstId = hb.rootBusDevices[0]
  const first = firstId !== undefined ? m.devs.get(firstId) : undefined
  if (!first) return null
  if (first.devfn === 0) return first
  if (rule === 'first-devfn0-or-root-port' && first.pcieType === 'root_port') return first
  return null
}

function matches(entry: WhitelistEntry, d: PciDev): boolean {
  return d.vendor === entry.vendor && (entry.device === 'PCI_ANY_ID' || entry.device === d.device)
}

export interface WhitelistResult {
  ok: boolean
  /** pci_warn lines ("Host bridge not in P2PDMA whitelist"), printed from the host bridge device. */
  logs: string[]
  decisions: Decision[]
}

const quiet = new WeakMap<Machine['hostBridges'], Map<string, WhitelistResult>>()

/** A whitelist answer without a log line: one decision when explaining. */
function answer(ok: boolean, explain: boolean, decision: () => Decision): WhitelistResult {
  return { ok, logs: [], decisions: explain ? [decision()] : [] }
}

/** Without a warning or an explanation the answer only depends on (era, host, same): memoized. */
function quietWhitelist(m: Machine, era: Era, hostId: string, sameHostBridge: boolean): WhitelistResult {
  let memo = quiet.get(m.hostBridges)
  if (!memo) {
    memo = new Map()
    quiet.set(m.hostBridges, memo)
  }
  const key = `${era}|${hostId}|${sameHostBridge}`
  let hit = memo.get(key)
  if (!hit) {
    hit = __hostBridgeWhitelist(m, era, hostId, sameHostBridge, false, true)
    hit = { ok: hit.ok, logs: [], decisions: [] }
    memo.set(key, hit)
  }
  return hit
}

/**
 * __hostBridgeWhitelist - check one host bridge against the era's table.
 * Mirrors drivers/pci/p2pdma.c: __host_bridge_whitelist() (v5.4 S3; v6.0+ S4/S6).
 *
 * The first matching entry decides: REQ_SAME_HOST_BRIDGE with !same returns false at once (and
 * prints nothing). With no match, 6.x prints "Host bridge not in P2PDMA whitelist: %04x:%04x"
 * from the host bridge device when `warn` (v5.4 never prints it).
 *
 * Errnos: none (returns bool).
 */
export function __hostBridgeWhitelist(
  m: Machine,
  era: Era,
  hostId: string,
  sameHostBridge: boolean,
  warn: boolean,
  explain = true,
): WhitelistResult {
  if (!warn && !explain) return quietWhitelist(m, era, hostId, sameHostBridge)
  const rules = p2pRules(era)
  const table = whitelistFor(era) ?? []
  const hb = hostOf(m, hostId)
  const root = pciHostBridgeDev(m, hostId, rules.hostBridgeDev)
  const base = { fn: '__host_bridge_whitelist', file: FILE, eras: eraGroup(era), source: eraSource(era) }
  if (!root) {
    const why =
      rules.hostBridgeDev === 'first-devfn0'
        ? 'the first device on its root bus is not at devfn 00.0'
        : 'the first device on its root bus is neither at devfn 00.0 nor a PCIe Root Port'
    return answer(false, explain, () =>
      dec(
        base,
        `host bridge ${hb.label}: no host bridge device (${why}), so it is not whitelisted`,
        false,
        'pci_host_bridge_dev',
      ),
    )
  }
  const id = `${hex4(root.vendor)}:${hex4(root.device)}`
  for (const entry of table) {
    if (!matches(entry, root)) continue
    if (entry.flags & REQ_SAME_HOST_BRIDGE && !sameHostBridge) {
      return answer(false, explain, () =>
        dec(
          base,
          `${root.bdf} (${id}, ${entry.name}) is whitelisted only with REQ_SAME_HOST_BRIDGE, and the devices are under different host bridges: refused without a warning`,
          false,
        ),
      )
    }
    return answer(true, explain, () =>
      dec(
        base,
        `${root.bdf} (${id}, ${entry.name}) is in pci_p2pdma_whitelist[]${entry.flags ? ' (REQ_SAME_HOST_BRIDGE, same host bridge)' : ''}`,
        true,
      ),
    )
  }
  const logs: string[] = []
  const text = rules.texts.notWhitelisted
  const printed = warn && rules.whitelistWarn !== 'never' && text !== null
  if (printed) logs.push(devLog(root, kfmt(text, root.vendor, root.device)))
  const whenWarn =
    rules.whitelistWarn === 'never'
      ? 'this era never prints the whitelist warning'
      : rules.whitelistWarn === 'acs_redirects'
        ? `the warning is printed only when ACS redirect was found (warn = acs_redirects = ${warn})`
        : `the warning is printed when verbose (warn = verbose = ${warn})`
  return {
    ok: false,
    logs,
    decisions: !explain
      ? []
      : [dec(base, `${root.bdf} (${id}) is not in pci_p2pdma_whitelist[]; ${whenWarn}`, false)],
  }
}

/**
 * hostBridgeWhitelist - may traffic between a and b go through their host bridge(s)?
 * Mirrors drivers/pci/p2pdma.c: host_bridge_whitelist() (v5.4 S3 without `warn`; v6.0+ S4/S6).
 *
 * Same host bridge: that host bridge must pass with same=true. Different host bridges: both must
 * pass with same=false; the C `&&` short-circuits, so the second host bridge is not looked at (and
 * cannot warn) when the first fails.
 *
 * Errnos: none (returns bool).
 * Simplification: a and b are node ids or BDFs of PCI functions of `m`.
 */
export function hostBridgeWhitelist(
  m: Machine,
  era: Era,
  a: string,
  b: string,
  warn: boolean,
  explain = true,
): WhitelistResult {
  const da = pciDev(m, a)
  const db = pciDev(m, b)
  if (!whitelistFor(era)) {
    return {
      ok: false,
      logs: [],
      decisions: [
        {
          fn: 'host_bridge_whitelist',
          file: FILE,
          eras: eraGroup(era),
          source: eraSource(era),
          text: `${era} has no host_bridge_whitelist()`,
          ok: null,
        },
      ],
    }
  }
  if (da.hostBridge === db.hostBridge)
    return __hostBridgeWhitelist(m, era, da.hostBridge, true, warn, explain)
  const first = __hostBridgeWhitelist(m, era, da.hostBridge, false, warn, explain)
  if (!first.ok) return first
  const second = __hostBridgeWhitelist(m, era, db.hostBridge, false, warn, explain)
  return {
    ok: second.ok,
    logs: [...first.logs, ...second.logs],
    decisions: [...first.decisions, ...second.decisions],
  }
}

/**
 * rootComplexWhitelist - v5.2's AMD Zen allowance for one device's root complex.
 * Mirrors drivers/pci/p2pdma.c: root_complex_whitelist() (S2 @ 3306e99edf70; release unverified):
 * `root = pci_get_slot(host->bus, PCI_DEVFN(0, 0))`, true iff root is AMD 1022:1450.
 * upstream_bridge_distance() calls it for the provider AND the client (each its own host bridge;
 * no same-host-bridge requirement) only when there is no common upstream bridge.
 *
 * Errnos: none (returns bool).
 */
export function rootComplexWhitelist(m: Machine, dev: string): { ok: boolean; decision: Decision } {
  const d = pciDev(m, dev)
  const root = pciHostBridgeDev(m, d.hostBridge, 'slot0')
  const ok = !!root && root.vendor === PCI_VENDOR_ID_AMD && root.device === 0x1450
  const what = root
    ? `${root.bdf} is ${hex4(root.vendor)}:${hex4(root.device)}`
    : 'there is no device at devfn 00.0 on the root bus'
  return {
    ok,
    decision: {
      fn: 'root_complex_whitelist',
      file: FILE,
      eras: nameRange('root_complex_whitelist'),
      source: 'S2',
      text: `${d.bdf}'s root complex: ${what}${ok ? ' (AMD ZEN host bridge can do peer to peer)' : ', not AMD 1022:1450'}`,
      ok,
    },
  }
}
