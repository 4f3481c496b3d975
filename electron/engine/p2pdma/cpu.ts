/**
 * The CPU, in the one place the lab models it: cpu_data(0) as drivers/pci/p2pdma.c reads it in
 * cpu_supports_p2pdma(), the x86 check that lets P2P go through the host bridge without the
 * whitelist (5.9+, dea286bb71ba; S4/S5/S6; the same code in 6.12.117 and 7.2.13 per the oracle).
 *
 * Everything else that knows CPU vendors and families reads this module: the CPU presets that the
 * CLI's --cpu and the app's CPU menu offer (AppInfo.cpus), the CPU inferred from a host bridge's
 * PCI vendor (topology/build.ts), the root-complex device ids and CPUID vendor strings the importers
 * recognise, and the QEMU -cpu model of the real-kernel oracle (qemu/export.ts).
 */
import type { CpuPreset, CpuSpec, CpuVendor, Era } from '../../../shared/model/topology'
import type { Decision } from '../../../shared/model/p2p'
import { eraSource, nameRange, p2pRules } from '../era/index'

const FILE = 'drivers/pci/p2pdma.c'

/**
 * One x86 vendor as the kernel knows it (arch/x86/include/asm/processor.h X86_VENDOR_*; the CPUID
 * vendor string of arch/x86/kernel/cpu/{intel,amd,hygon}.c), with the PCI vendor id of its root
 * complexes and the family the lab assumes when only a host bridge is known.
 */
export interface X86Vendor {
  /** The X86_VENDOR_* constant cpu_data(0).x86_vendor holds (null: not an x86 CPU). */
  x86Vendor: string | null
  /** CPUID leaf 0 vendor string (hwloc's CPUVendor info, NCCL's <cpu vendor=…>). */
  cpuid: string | null
  /** PCI vendor id of its host bridges (00:00.0). */
  pciVendor: number | null
  /** The family assumed from a host bridge alone: the common one of that vendor's servers. */
  family: number
  /** How the inference names it ("an AMD Zen CPU, family 0x17"). */
  assumed: string
  label: string
}

export const X86_VENDORS: Record<CpuVendor, X86Vendor> = {
  intel: {
    x86Vendor: 'X86_VENDOR_INTEL',
    cpuid: 'GenuineIntel',
    pciVendor: 0x8086,
    family: 6,
    assumed: 'an Intel CPU, family 6',
    label: 'Intel',
  },
  amd: {
    x86Vendor: 'X86_VENDOR_AMD',
    cpuid: 'AuthenticAMD',
    pciVendor: 0x1022,
    family: 0x17,
    assumed: 'an AMD Zen CPU, family 0x17',
    label: 'AMD',
  },
  hygon: {
    x86Vendor: 'X86_VENDOR_HYGON',
    cpuid: 'HygonGenuine',
    pciVendor: 0x1d94,
    family: 0x18,
    assumed: 'a Hygon Dhyana CPU, family 0x18',
    label: 'Hygon',
  },
  other: {
    x86Vendor: null,
    cpuid: null,
    pciVendor: null,
    family: 0,
    assumed: 'a non-x86-AMD CPU',
    label: 'other',
  },
}

/** The vendor of a CPUID vendor string ('AuthenticAMD' -> amd), or undefined. */
export function vendorOfCpuid(s: string): CpuVendor | undefined {
  for (const [v, x] of Object.entries(X86_VENDORS)) if (x.cpuid === s) return v as CpuVendor
  return undefined
}

/**
 * cpuSupportsP2pdma - "Any AMD CPU whose family ID is Zen or newer supports p2pdma".
 * Mirrors drivers/pci/p2pdma.c: cpu_supports_p2pdma() (S4, S6; oracle 6.12.117 and 7.2.13):
 * `cpu_data(0).x86_vendor == X86_VENDOR_AMD && x86 >= 0x17`.
 *
 * Hygon (family 0x18, Zen-derived) is X86_VENDOR_HYGON, not AMD, so it returns false
 * (docs/kernel/oracle.md#what-the-real-kernels-showed item 2: Dhyana refused).
 *
 * Errnos: none (returns bool).
 * Simplification: non-x86 builds (#ifndef CONFIG_X86, always false) are treated as vendor 'other'.
 */
export function cpuSupportsP2pdma(cpu: CpuSpec): boolean {
  return cpu.vendor === 'amd' && cpu.family >= 0x17
}

/** A preset before cpu_supports_p2pdma() is asked about it. */
type PresetRow = Omit<CpuPreset, 'p2pdma'> & { qemuModel?: string }

/** A preset whose cpu_data(0) is `vendor` family `family`, named by its label. */
const row = (
  key: string,
  vendor: CpuVendor,
  family: number,
  label: string,
  qemuModel?: string,
): PresetRow => ({
  key,
  label,
  cpu: { vendor, family, name: label },
  qemuModel,
})

const PRESET_ROWS: readonly PresetRow[] = [
  row('amd-zen', 'amd', 0x17, 'AMD Zen (family 0x17)', 'EPYC'),
  row('amd-zen3', 'amd', 0x19, 'AMD Zen 3/4 (family 0x19)', 'EPYC-Milan'),
  row('amd-fam16', 'amd', 0x16, 'AMD family 0x16 (pre-Zen)'),
  row('hygon', 'hygon', 0x18, 'Hygon Dhyana (family 0x18)', 'Dhyana'),
  row('intel', 'intel', 6, 'Intel (family 6)', 'Skylake-Server'),
  row('other', 'other', 0, 'other (not x86)'),
]

/**
 * The CPUs the lab offers by name (CLI --cpu, the app's CPU menu): the families on either side of
 * cpu_supports_p2pdma()'s line, with its answer for each.
 */
export const CPU_PRESETS: readonly CpuPreset[] = PRESET_ROWS.map(({ qemuModel: _q, ...p }) => ({
  ...p,
  p2pdma: cpuSupportsP2pdma(p.cpu),
}))

/** The preset named `key` ('amd-zen'), or undefined. */
export function cpuPreset(key: string): CpuPreset | undefined {
  return CPU_PRESETS.find((p) => p.key === key)
}

/** QEMU's -cpu model for exactly this vendor and family, if a preset has one (EPYC for AMD 0x17). */
export function qemuModelOf(cpu: Pick<CpuSpec, 'vendor' | 'family'>): string | undefined {
  return PRESET_ROWS.find((p) => p.cpu.vendor === cpu.vendor && p.cpu.family === cpu.family)?.qemuModel
}

/** QEMU's -cpu model for a vendor's common family (the model a stray family of that vendor starts from). */
export function qemuVendorModel(vendor: CpuVendor): string | undefined {
  return qemuModelOf({ vendor, family: X86_VENDORS[vendor].family })
}

/**
 * Infers cpu_data(0) from a host bridge's own device (00.0 on its root bus).
 * Simplification: the vendor decides; the family is the common one for that vendor (AMD: Zen, 0x17).
 */
export function cpuFromHostBridgeVendor(pciVendor: number, key: string): { cpu: CpuSpec; why: string } {
  for (const [v, x] of Object.entries(X86_VENDORS)) {
    if (x.pciVendor !== pciVendor) continue
    return {
      cpu: { vendor: v as CpuVendor, family: x.family },
      why: `host bridge device ${key} is ${x.label}: assumed ${x.assumed}`,
    }
  }
  return {
    cpu: { vendor: 'other', family: 0 },
    why: `host bridge device ${key} is not Intel, AMD or Hygon: assumed ${X86_VENDORS.other.assumed}`,
  }
}

/** Root complexes whose function 00.0 tells the CPU family (lspci output names no CPU). */
const ROOT_COMPLEX_CPUS: Record<string, CpuSpec> = {
  '1022:1450': { vendor: 'amd', family: 0x17, name: 'AMD Zen (Naples) root complex' },
  '1022:1480': { vendor: 'amd', family: 0x17, name: 'AMD Zen 2 (Rome/Matisse) root complex' },
  '1022:1630': { vendor: 'amd', family: 0x17, name: 'AMD Zen 2 (Renoir) root complex' },
  '1022:14a4': { vendor: 'amd', family: 0x19, name: 'AMD Zen 4 (Genoa) root complex' },
  '1022:14d8': { vendor: 'amd', family: 0x19, name: 'AMD Zen 4 (Raphael) root complex' },
  '1022:149f': { vendor: 'amd', family: 0x19, name: 'AMD Zen 4 root complex' },
  '8086:2020': { vendor: 'intel', family: 6, name: 'Intel Skylake-SP DMI3 registers' },
  '8086:09a2': { vendor: 'intel', family: 6, name: 'Intel Ice Lake-SP' },
  '8086:3405': { vendor: 'intel', family: 6, name: 'Intel X58 I/O hub' },
  '8086:3c00': { vendor: 'intel', family: 6, name: 'Intel Sandy Bridge-EP' },
  '8086:2f00': { vendor: 'intel', family: 6, name: 'Intel Haswell-EP' },
}

/** The CPU a known root complex device (vendor:device) belongs to, or null. */
export function cpuOfRootComplex(vendor: number, device: number): CpuSpec | null {
  const c =
    ROOT_COMPLEX_CPUS[`${vendor.toString(16).padStart(4, '0')}:${device.toString(16).padStart(4, '0')}`]
  return c ? { ...c } : null
}

/**
 * Whether the era has cpu_supports_p2pdma() at all. It landed in v5.9: dea286bb71ba "PCI/P2PDMA:
 * Allow P2PDMA on AMD Zen and newer CPUs" (Logan Gunthorpe; Bjorn Helgaas "applied … to
 * pci/peer-to-peer for v5.9", listed in the v5.9 PCI pull: S12, index ids 44782671688 and
 * 12259791114; present in 6.1.192 drivers/pci/p2pdma.c:286 and 6.12.118 :413), replacing
 * the AMD 1022:1450 whitelist entry v5.4 (S3) has. An earlier comment here said "v6.0, unverified":
 * that was wrong, though no modelled era before v5.10 is affected.
 */
export function cpuCheckApplies(era: Era): boolean {
  return p2pRules(era).cpuSupportsP2pdma
}

/** The decision record for the CPU check, for the "why" list. */
export function cpuDecision(cpu: CpuSpec, era: Era): Decision {
  const ok = cpuSupportsP2pdma(cpu)
  const fam = `0x${cpu.family.toString(16)}`
  const vendor = X86_VENDORS[cpu.vendor].x86Vendor ?? 'not AMD'
  return {
    fn: 'cpu_supports_p2pdma',
    file: FILE,
    eras: nameRange('cpu_supports_p2pdma'),
    source: eraSource(era),
    text: ok
      ? `cpu_data(0) is ${vendor} family ${fam} >= 0x17 (Zen or newer): P2P through the host bridge is allowed without consulting the whitelist`
      : `cpu_data(0) is ${vendor} family ${fam}: not AMD family >= 0x17${cpu.vendor === 'hygon' ? ' (Hygon is X86_VENDOR_HYGON, not X86_VENDOR_AMD)' : ''}, so the host-bridge whitelist decides`,
    ok,
  }
}
