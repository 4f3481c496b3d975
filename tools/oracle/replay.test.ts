/**
 * Scenario replays: which operations become guest lines, which scenarios cannot be replayed and
 * why, how the guest's results are read and compared with lab run's.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../shared/model/topology'
import { buildMachine, qemuCommand, type Scenario } from '../../electron/engine/index'
import { CPUS, qemuPxb } from '../../tests/helpers/topologies'
import { parseGuestLog } from './parse'
import { compareReplay, planReplay } from './replay'
import { pxbReplays } from './replays'

const built = buildMachine(qemuPxb({ ...CPUS.skylakeServer }), { ...DEFAULT_SETTINGS, era: 'v7.2' })
if (!built.ok) throw new Error('qemuPxb does not build')
const exp = qemuCommand(built.machine)
const guestOf = (id: string) => exp.devices.find((d) => d.labId === id)?.guestBdf
const diskOf = (id: string) => exp.twin.nodes.find((n) => n.id === id)!.endpoint!.osDevices![0]!
const clientOf = (disk: string) =>
  guestOf(exp.twin.nodes.find((n) => n.endpoint?.osDevices?.includes(disk))!.id)
const [resource, p2pmem] = pxbReplays(diskOf)

describe('planReplay', () => {
  it('turns the user-space operations into p2ptest lines with guest BDFs', () => {
    const p = planReplay(resource!, guestOf, clientOf)
    expect(p.notReplayable).toBe('')
    expect(p.lines).toEqual([
      'mmap_resource dev=0000:03:00.0 bar=2 len=2097152 offset=0 wc=0 as=res',
      'pread client=0000:04:00.0 buf=res off=0 len=2097152 pos=0',
      'mmap_resource dev=0000:03:00.0 bar=2 len=4096 offset=16777216 wc=0 as=past',
    ])
    expect(planReplay(p2pmem!, guestOf, clientOf).lines[0]).toBe('probe_p2pmem dev=0000:03:00.0')
  })
  it('says why a scenario cannot be replayed', () => {
    const pin = {
      name: 'pin',
      operations: [{ op: 'pin_user_pages_fast', args: { buf: 'b', npages: 1 } }],
    } as unknown as Scenario
    expect(planReplay(pin, guestOf, clientOf).notReplayable).toBe(
      'operation 1 (pin_user_pages_fast): not something user space can do in the guest',
    )
    const gpuBar = {
      name: 'bar1',
      operations: [{ op: 'p2pdma_add_resource', args: { dev: 'A', bar: 1, size: 0, offset: '4G' } }],
    } as unknown as Scenario
    expect(planReplay(gpuBar, guestOf, clientOf).notReplayable).toMatch(/only the nvme driver's own CMB/)
  })
})

describe('compareReplay', () => {
  const log = (ops: string[]) =>
    parseGuestLog(['KQ BEGIN', ...ops.map((o, i) => `KQ OP r0 ${i} ${o}`), 'KQ END'].join('\n')).replays.get(
      'r0',
    )
  const run = (ops: string[]) =>
    compareReplay(planReplay(resource!, guestOf, clientOf), exp.twin, exp.twinSettings, 'v7.2', log(ops))
  it("agrees where the guest's return values and errnos are lab run's", () => {
    const rows = run([
      'op=mmap_resource ret=0 errno=0',
      'op=pread ret=-1 errno=14',
      'op=mmap_resource ret=-1 errno=22',
    ])
    expect(rows.map((r) => [r.op, r.engine.errno, r.agree])).toEqual([
      ['mmap_resource', null, true],
      ['pread', 'EFAULT', true],
      ['mmap_resource', 'EINVAL', true],
    ])
  })
  it('names the difference, an operation the guest could not run, and a missing result', () => {
    const rows = run(['op=mmap_resource ret=-1 errno=22', 'op=pread ret=-1 errno=-1'])
    expect(rows.map((r) => r.reason)).toEqual([
      'guest EINVAL, lab run ok',
      'not run in the guest: its buffer was not mapped',
      'the guest gave no result',
    ])
  })
})
