/**
 * Scenario replays: the operations of a lab scenario that user space in the guest can do are done
 * there for real (p2ptest replay), and each return value and errno is compared with what `lab run`
 * gives for the same scenario on the export's twin.
 *
 * What a VM can express: mmap of /sys/bus/pci/devices/<bdf>/resourceN (pci_mmap_resource_range()),
 * mmap of p2pmem/allocate (p2pmem_alloc_mmap()), and an O_DIRECT pread from a namespace into such a
 * mapping (GUP with FOLL_PCI_P2PDMA, then the P2PDMA map type of the pair). p2pdma_add_resource() +
 * p2pmem_publish() of a QEMU nvme's CMB (BAR 2, whole BAR) are what the nvme driver did at probe
 * (nvme_map_cmb()); the guest checks p2pmem/published for them. Everything else (pinning from a
 * kernel module, DMA API calls, RDMA, HMM, ...) has no user-space form here: such a scenario is not
 * replayable and says why.
 */
import {
  parseSize,
  runScenario,
  scenarioMachine,
  type Operation,
  type Scenario,
} from '../../electron/engine/index'
import type { Era, LabSettings, MachineSpec } from '../../shared/model/topology'
import { errnoName } from './parse'

export interface ReplayPlan {
  scenario: Scenario
  /** p2ptest replay lines, one per operation (empty when not replayable). */
  lines: string[]
  /** Why the scenario cannot be replayed ('' when it can). */
  notReplayable: string
}

export interface GuestOp {
  op: string
  ret: number
  errno: number
}

export interface ReplayRow {
  scenario: string
  index: number
  op: string
  engine: { ret: number | null; errno: string | null }
  guest: { ret: number; errno: string | null } | null
  agree: boolean
  /** Why not, in one line ('' when they agree). */
  reason: string
}

const num = (s: number | string | undefined) => (s === undefined ? 0n : parseSize(s)).toString()

/** The QEMU nvme stand-in's CMB is BAR 2, published whole from offset 0 (export.ts emitNvme()). */
const CMB_BAR = 2

/**
 * planReplay - the guest lines for a scenario on the twin. bdfOf gives a twin node's guest BDF,
 * clientOfDisk the guest BDF of the controller behind a namespace name of the twin.
 */
export function planReplay(
  sc: Scenario,
  bdfOf: (id: string) => string | undefined,
  clientOfDisk: (disk: string) => string | undefined,
): ReplayPlan {
  const lines: string[] = []
  const no = (why: string): ReplayPlan => ({ scenario: sc, lines: [], notReplayable: why })
  for (const [i, o] of (sc.operations as Operation[]).entries()) {
    const at = `operation ${i + 1} (${o.op})`
    const a = o.args as Record<string, unknown>
    if (a.proc !== undefined) return no(`${at}: processes other than the test program`)
    const dev = typeof a.dev === 'string' ? bdfOf(a.dev) : undefined
    switch (o.op) {
      case 'p2pdma_add_resource':
        if (!dev) return no(`${at}: no guest device for ${String(a.dev)}`)
        if (a.bar !== CMB_BAR || num(a.size as string) !== '0' || num(a.offset as string) !== '0')
          return no(`${at}: only the nvme driver's own CMB registration (BAR 2, whole, offset 0) happens`)
        lines.push(`probe_p2pmem dev=${dev}`)
        break
      case 'p2pmem_publish':
        if (!dev) return no(`${at}: no guest device for ${String(a.dev)}`)
        lines.push(`probe_p2pmem dev=${dev}`)
        break
      case 'mmap_resource':
        if (!dev) return no(`${at}: no guest device for ${String(a.dev)}`)
        lines.push(
          `mmap_resource dev=${dev} bar=${String(a.bar)} len=${num(a.len as string)} offset=${num(a.offset as string)} wc=${a.wc ? 1 : 0} as=${String(a.as)}`,
        )
        break
      case 'mmap_p2pmem':
        if (!dev) return no(`${at}: no guest device for ${String(a.dev)}`)
        if (a.fixed) return no(`${at}: MAP_FIXED next to another mapping`)
        lines.push(
          `mmap_p2pmem dev=${dev} len=${num(a.len as string)} offset=${num(a.offset as string)} private=${a.private ? 1 : 0} as=${String(a.as)}`,
        )
        break
      case 'pread': {
        const client = clientOfDisk(String(a.disk))
        if (!client) return no(`${at}: ${String(a.disk)} is no NVMe namespace of the machine`)
        lines.push(
          `pread client=${client} buf=${String(a.buf)} off=${String(a.offset ?? 0)} len=${num(a.len as string)} pos=${num(a.pos as string)}`,
        )
        break
      }
      default:
        return no(`${at}: not something user space can do in the guest`)
    }
  }
  return { scenario: sc, lines, notReplayable: '' }
}

/**
 * compareReplay - the engine's outcome of every operation (lab run on the twin, era of the kernel)
 * against the guest's. An mmap or probe compares success/errno (the engine's ret is its own address);
 * a pread compares the byte count and the errno.
 */
export function compareReplay(
  plan: ReplayPlan,
  twin: MachineSpec,
  settings: LabSettings,
  era: Era,
  guest: GuestOp[] | undefined,
): ReplayRow[] {
  const sc = { ...plan.scenario, era }
  const r = runScenario(scenarioMachine(twin, { ...settings, era }, sc), sc)
  return r.operations.map((o, i) => {
    const g = guest?.[i]
    const engine = { ret: o.ret ?? null, errno: o.errno ?? null }
    // p2ptest's errno -1: the named buffer was never mapped; -2: the client has no namespace
    const notRun =
      g && g.errno < 0 ? (g.errno === -1 ? 'its buffer was not mapped' : 'no namespace for the client') : ''
    const guestV =
      g && !notRun ? { ret: g.ret, errno: g.ret < 0 || g.errno ? errnoName(g.errno) : null } : null
    const isRead = o.op === 'pread'
    const agree =
      !!guestV &&
      guestV.errno === engine.errno &&
      (!isRead || guestV.errno !== null || guestV.ret === engine.ret)
    const show = (v: { ret: number | null; errno: string | null }) =>
      v.errno ? v.errno : isRead ? `${v.ret}` : 'ok'
    return {
      scenario: plan.scenario.name,
      index: i,
      op: o.op,
      engine,
      guest: guestV,
      agree,
      reason: agree
        ? ''
        : notRun
          ? `not run in the guest: ${notRun}`
          : !guestV
            ? 'the guest gave no result'
            : `guest ${show(guestV)}, lab run ${show(engine)}`,
    }
  })
}
