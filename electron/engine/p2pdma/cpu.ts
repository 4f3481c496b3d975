/**
 * cpu_supports_p2pdma(): the x86 CPU check that lets P2P go through the host bridge without the
 * whitelist (drivers/pci/p2pdma.c, S4/S5/S6; same code in 6.12.117 and 7.2.13 per the oracle).
 */
import type { CpuSpec, Era } from '../../../shared/model/topology'
import type { Decision } from '../../../shared/model/p2p'
import { eraGroup, eraSource, p2pRules } from '../eras'

const FILE = 'drivers/pci/p2pdma.c'

/**
 * cpuSupportsP2pdma - "Any AMD CPU whose family ID is Zen or newer supports p2pdma".
 * Mirrors drivers/pci/p2pdma.c: cpu_supports_p2pdma() (S4, S6; oracle 6.12.117 and 7.2.13):
 * `cpu_data(0).x86_vendor == X86_VENDOR_AMD && x86 >= 0x17`.
 *
 * Hygon (family 0x18, Zen-derived) is X86_VENDOR_HYGON, not AMD, so it returns false
 * (kernel-oracle.md §5 item 2: Dhyana refused).
 *
 * Errnos: none (returns bool).
 * Simplification: non-x86 builds (#ifndef CONFIG_X86, always false) are treated as vendor 'other'.
 */
export function cpuSupportsP2pdma(cpu: CpuSpec): boolean {
  return cpu.vendor === 'amd' && cpu.family >= 0x17
}

/**
 * Whether the era has cpu_supports_p2pdma() at all (S4 and later; v5.4/S3 has an AMD 1022:1450
 * whitelist entry instead). The release that introduced it is unverified; the engine places it at v6.0.
 */
export function cpuCheckApplies(era: Era): boolean {
  return p2pRules(era).cpuSupportsP2pdma
}

/** The decision record for the CPU check, for the "why" list. */
export function cpuDecision(cpu: CpuSpec, era: Era): Decision {
  const ok = cpuSupportsP2pdma(cpu)
  const fam = `0x${cpu.family.toString(16)}`
  const vendor =
    cpu.vendor === 'amd'
      ? 'X86_VENDOR_AMD'
      : cpu.vendor === 'intel'
        ? 'X86_VENDOR_INTEL'
        : cpu.vendor === 'hygon'
          ? 'X86_VENDOR_HYGON'
          : 'not AMD'
  return {
    fn: 'cpu_supports_p2pdma',
    file: FILE,
    eras: eraGroup(era),
    source: eraSource(era),
    text: ok
      ? `cpu_data(0) is ${vendor} family ${fam} >= 0x17 (Zen or newer): P2P through the host bridge is allowed without consulting the whitelist`
      : `cpu_data(0) is ${vendor} family ${fam}: not AMD family >= 0x17${cpu.vendor === 'hygon' ? ' (Hygon is X86_VENDOR_HYGON, not X86_VENDOR_AMD)' : ''}, so the host-bridge whitelist decides`,
    ok,
  }
}
