/**
 * Would `pci=disable_acs_redir=` change this pair's verdict? The engine tries it: it enumerates the
 * machine again with ACS redirect disabled on the pair's redirecting ports (pci_disable_acs_redir()
 * at boot, drivers/pci/pci.c) and classifies the pair once more. Only when the verdict changes is
 * the parameter worth offering; otherwise the advice says what would have to change instead (a
 * common switch, a whitelisted host bridge, a CPU cpu_supports_p2pdma() accepts) and that no
 * kernel parameter helps.
 */
import type { FixAdvice, PairVerdict } from '../../../shared/model/p2p'
import type { MachineSpec } from '../../../shared/model/topology'
import { p2pRules } from '../era/index'
import { buildMachine } from '../topology/build'
import type { Machine } from '../topology/types'
import { verdictFor } from './matrix'
import { whitelistFor } from './whitelist'

/** The current pci=disable_acs_redir= list with the pair's redirecting ports added, kernel order kept. */
function mergedParam(current: string, ports: readonly string[]): string {
  const have = current.split(';').filter(Boolean)
  return [...have, ...ports.filter((b) => !have.includes(b))].join(';')
}

/** Is the verdict different (the map type; in v5.x the int upstream_bridge_distance() returned)? */
function differs(
  a: Pick<PairVerdict, 'mapType' | 'distance'>,
  b: Pick<PairVerdict, 'mapType' | 'distance'>,
  intEra: boolean,
): boolean {
  return intEra
    ? a.distance >= 0 !== b.distance >= 0 || (a.distance < 0 && a.distance !== b.distance)
    : a.mapType !== b.mapType
}

/**
 * fixAdvice - try pci=disable_acs_redir= for one pair of machine `m` (built from `spec`).
 * Cost: one more enumeration of the machine and one classification.
 */
export function fixAdvice(m: Machine, spec: MachineSpec, v: PairVerdict): FixAdvice {
  const era = m.settings.era
  const rules = p2pRules(era)
  const intEra = !rules.hasMapTypes
  const good = intEra ? v.distance >= 0 && v.distance < 0x1000 : v.mapType === 'BUS_ADDR'
  let param: string | null = null
  let after: FixAdvice['after'] = null
  let helps = false
  if (v.acsRedirect.length > 0) {
    param = mergedParam(m.settings.disableAcsRedir, v.acsRedirect)
    const b = buildMachine(spec, { ...m.settings, disableAcsRedir: param })
    const w = b.ok ? verdictFor(b.machine, v.provider, v.client) : null
    if (w) {
      after = { mapType: w.mapType, distance: w.distance }
      helps = differs(v, w, intEra)
    }
  }
  const otherwise: string[] = []
  if (!helps && !good) {
    if (v.commonUpstream === null) {
      otherwise.push(
        'the two devices share no PCIe switch or bridge below the host bridge: only placing them under a common switch gives BUS_ADDR (PCI bus addresses, no host bridge)',
      )
      const list = whitelistFor(era)
      if (v.mapType === 'NOT_SUPPORTED' || (intEra && v.distance < 0)) {
        if (list)
          otherwise.push(
            `through the host bridge: a host bridge on the ${era} whitelist (pci_p2pdma_whitelist[]: ${[...new Set(list.map((x) => x.name))].join(', ')}) would allow THRU_HOST_BRIDGE`,
          )
        if (rules.cpuSupportsP2pdma)
          otherwise.push(
            'or a CPU for which cpu_supports_p2pdma() is true (AMD, family 0x17 or later) would allow THRU_HOST_BRIDGE without the whitelist',
          )
      }
    } else if (v.acsRedirect.length === 0) {
      otherwise.push('the path has no ACS redirect to disable; the verdict comes from the host bridge rules')
    }
    otherwise.push(
      param
        ? `no kernel parameter helps: pci=disable_acs_redir=${param} was tried and leaves the verdict as it is (it clears ACS redirect on the named ports; it cannot create a common upstream bridge)`
        : 'no kernel parameter helps: pci=disable_acs_redir= only clears ACS redirect on ports, and this path has none that decides the verdict',
    )
  }
  return { param: helps ? param : null, tried: param, after, helps, otherwise }
}
