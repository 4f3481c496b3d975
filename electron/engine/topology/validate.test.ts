import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  DEFAULT_SETTINGS,
  NODE_KINDS,
  type InputIssue,
  type MachineSpec,
  type TopoNodeSpec,
} from '../../../shared/model/topology'
import { buildMachine } from './build'
import { formatPath, validateMachine } from './validate'
import { qemuMf, t1 } from '../../../tests/helpers/topologies'

function node(spec: MachineSpec, id: string): TopoNodeSpec {
  const n = spec.nodes.find((x) => x.id === id)
  if (!n) throw new Error(`no ${id}`)
  return n
}

/** Puts node `id` at device `slot`, function `fn` of its bus. */
function placeAt(spec: MachineSpec, id: string, slot: number, fn: number): void {
  const n = node(spec, id)
  n.slot = slot
  n.fn = fn
}

/** Adds a second host bridge, hb1 on NUMA node 1, at `domain`:`rootBus`. */
function addHb1(spec: MachineSpec, domain: number, rootBus: number): void {
  spec.nodes.push({
    id: 'hb1',
    kind: 'host_bridge',
    parent: null,
    host: { domain, rootBus, numaNode: 1, hostDevice: null },
  })
}

function issuesOf(spec: MachineSpec): InputIssue[] {
  const r = buildMachine(spec, DEFAULT_SETTINGS)
  expect(r.ok).toBe(false)
  return r.ok ? [] : r.issues
}

function expectIssue(spec: MachineSpec, nodeId: string | undefined, message: RegExp | string): InputIssue {
  const issues = issuesOf(spec)
  const hit = issues.find(
    (i) =>
      (nodeId === undefined || i.nodeId === nodeId) &&
      (typeof message === 'string' ? i.message === message : message.test(i.message)),
  )
  expect(hit, `issues were:\n${issues.map((i) => `${i.nodeId}: ${i.message}`).join('\n')}`).toBeDefined()
  expect(hit!.source).toBe('topology')
  return hit!
}

describe('validateMachine', () => {
  it('accepts the fixtures', () => {
    expect(validateMachine(t1()).issues).toEqual([])
    expect(validateMachine(qemuMf()).issues).toEqual([])
  })

  it('schema errors carry a JSON path and the node id', () => {
    const spec = t1()
    node(spec, 'gpu0').endpoint!.bars[0]!.size = 3
    const i = expectIssue(spec, 'gpu0', /^nodes\[6\]\.endpoint\.bars\[0\]\.size: /)
    expect(i.path).toBe('nodes[6].endpoint.bars[0].size')
    expect(formatPath(['nodes', 3, 'endpoint', 'bars', 0, 'size'])).toBe('nodes[3].endpoint.bars[0].size')
  })

  it('not even an object', () => {
    const r = buildMachine(null as unknown as MachineSpec, DEFAULT_SETTINGS)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues[0]!.message).toMatch(/^machine: /)
  })

  it('duplicate ids', () => {
    const spec = t1()
    spec.nodes.push({ ...node(spec, 'nic0'), parent: 'dsp2', slot: 0, fn: 1 })
    expectIssue(spec, 'nic0', /duplicate id "nic0" \(nodes\[7\] and nodes\[14\]\)/)
  })

  it('unknown parent', () => {
    const spec = t1()
    spec.nodes.push({ id: 'dsp3', kind: 'switch_downstream', parent: 'usp9' })
    const i = expectIssue(spec, 'dsp3', 'switch_downstream "dsp3" has no parent "usp9"')
    expect(i.path).toBe('nodes[14].parent')
  })

  it('cycles', () => {
    const spec = t1()
    node(spec, 'usp').parent = 'dsp0'
    expectIssue(spec, undefined, /cycle in the tree: .*"usp".*"dsp0"/)
  })

  it('wrong parent kinds', () => {
    let spec = t1()
    node(spec, 'dsp1').parent = 'rpA'
    expectIssue(
      spec,
      'dsp1',
      /switch_downstream "dsp1" cannot hang under root_port "rpA"; allowed parents: switch_upstream/,
    )
    spec = t1()
    node(spec, 'rpB').parent = 'usp'
    expectIssue(spec, 'rpB', /root_port "rpB" cannot hang under switch_upstream "usp"/)
    spec = t1()
    node(spec, 'usp').parent = 'hb0'
    expectIssue(spec, 'usp', /switch_upstream "usp" cannot hang under host_bridge "hb0"/)
    spec = t1()
    node(spec, 'nic0').parent = 'usp'
    expectIssue(spec, 'nic0', /endpoint "nic0" cannot hang under switch_upstream "usp"/)
    spec = t1()
    node(spec, 'nvme2').parent = 'gpu0'
    expectIssue(spec, 'nvme2', /cannot hang under endpoint "gpu0"/)
  })

  it('host bridge shape and endpoint payload', () => {
    let spec = t1()
    node(spec, 'hb0').parent = 'rpA'
    expectIssue(spec, 'hb0', /host_bridge "hb0" must not have a parent/)
    spec = t1()
    delete node(spec, 'hb0').host
    expectIssue(spec, 'hb0', /host_bridge "hb0" has no "host" object/)
    spec = t1()
    delete node(spec, 'nic0').endpoint
    expectIssue(spec, 'nic0', /endpoint "nic0" has no "endpoint" object/)
    spec = t1()
    node(spec, 'rpC').parent = null
    expectIssue(spec, 'rpC', /root_port "rpC" has no parent/)
  })

  it.each<[string, (spec: MachineSpec) => void, string, RegExp]>([
    [
      'duplicate (parent, slot, fn)',
      (spec) => {
        placeAt(spec, 'dsp1', 0, 0)
        placeAt(spec, 'dsp0', 0, 0)
      },
      'dsp1',
      /switch_downstream "dsp0" and switch_downstream "dsp1" both sit at 00\.0 below switch_upstream "usp"/,
    ],
    [
      'a PCIe port has one link: device 0 only',
      (spec) => placeAt(spec, 'nvme0f1', 1, 0),
      'nvme0f1',
      /endpoint "nvme0f1" is at device 1 below root_port "rpB", but a PCIe port has one link/,
    ],
    [
      'function 0 must exist',
      (spec) => (node(spec, 'nvme2').fn = 2),
      'nvme2',
      /endpoint "nvme2" is function 2 of device 0 below switch_downstream "dsp2", but that device has no function 0/,
    ],
    [
      'the host bridge device owns 00.0 on the root bus',
      (spec) => placeAt(spec, 'rpA', 0, 0),
      'rpA',
      /root_port "rpA" takes 00\.0 on the root bus of host_bridge "hb0", which is the host bridge's own device/,
    ],
    [
      'bus numbers exhausted',
      (spec) => (node(spec, 'hb0').host!.busEnd = 4),
      'dsp2',
      /bus numbers exhausted below host_bridge "hb0": switch_downstream "dsp2" would need bus 0x5, past busEnd 0x4/,
    ],
  ])('%s', (_, change, nodeId, message) => {
    const spec = t1()
    change(spec)
    expectIssue(spec, nodeId, message)
  })

  it('without a host device, 00.0 on the root bus is free', () => {
    const ok = t1({ hostDevice: null })
    node(ok, 'rpA').slot = 0
    expect(buildMachine(ok, DEFAULT_SETTINGS).ok).toBe(true)
  })

  it('duplicate and overlapping root buses', () => {
    const spec = t1()
    addHb1(spec, 0, 0)
    expectIssue(spec, 'hb1', /host_bridge "hb0" and host_bridge "hb1" both claim root bus 0000:00/)
    const spec2 = t1()
    node(spec2, 'hb0').host!.busEnd = 0x90
    addHb1(spec2, 0, 0x80)
    expectIssue(spec2, 'hb1', /root bus 0000:80 lies inside the bus range of host_bridge "hb0" \(00-90\)/)
    // Another domain is fine.
    const spec3 = t1()
    addHb1(spec3, 1, 0)
    expect(buildMachine(spec3, DEFAULT_SETTINGS).ok).toBe(true)
  })

  it('BAR index clash: a 64-bit BAR uses index+1', () => {
    const spec = t1()
    node(spec, 'gpu0').endpoint!.bars.push({ index: 2, size: 4096 })
    expectIssue(
      spec,
      'gpu0',
      /endpoint "gpu0" BAR2 overlaps BAR1 \(64-bit, uses two registers\) at register 2/,
    )
    const spec2 = t1()
    node(spec2, 'nic0').endpoint!.bars = [{ index: 5, size: 4096, mem64: true }]
    expectIssue(spec2, 'nic0', /BAR5 is 64-bit, but a 64-bit BAR needs two registers/)
  })

  it('p2pmemBar must name a memory BAR that exists', () => {
    const spec = t1()
    node(spec, 'nic0').endpoint!.p2pmemBar = 2
    expectIssue(spec, 'nic0', /endpoint "nic0" p2pmemBar is BAR2, but the endpoint has no BAR2/)
    const spec2 = t1()
    node(spec2, 'gpu0').endpoint!.p2pmemBar = 5
    expectIssue(
      spec2,
      'gpu0',
      /p2pmemBar is BAR5, an I\/O BAR; pci_p2pdma_add_resource\(\) accepts memory BARs only/,
    )
  })

  it('collects every issue instead of stopping at the first', () => {
    const spec = t1()
    node(spec, 'nic0').endpoint!.p2pmemBar = 2
    node(spec, 'nvme2').fn = 3
    spec.nodes.push({ id: 'dsp3', kind: 'switch_downstream', parent: 'usp9' })
    const issues = issuesOf(spec)
    expect(new Set(issues.map((i) => i.nodeId))).toEqual(new Set(['nic0', 'nvme2', 'dsp3']))
  })
})

describe('buildMachine on random mutations of T1', () => {
  const ids = t1().nodes.map((n) => n.id)
  const kinds = [...NODE_KINDS, 'bogus'] as const
  const mutation = fc.oneof(
    fc.record({
      op: fc.constant('parent' as const),
      i: fc.nat(13),
      v: fc.oneof(fc.constantFrom(...ids), fc.constant(null), fc.string()),
    }),
    fc.record({ op: fc.constant('kind' as const), i: fc.nat(13), v: fc.constantFrom(...kinds) }),
    fc.record({ op: fc.constant('slot' as const), i: fc.nat(13), v: fc.integer({ min: -2, max: 40 }) }),
    fc.record({ op: fc.constant('fn' as const), i: fc.nat(13), v: fc.integer({ min: -1, max: 9 }) }),
    fc.record({ op: fc.constant('drop' as const), i: fc.nat(13), v: fc.constant(0) }),
    fc.record({ op: fc.constant('dup' as const), i: fc.nat(13), v: fc.constant(0) }),
    fc.record({
      op: fc.constant('barsize' as const),
      i: fc.nat(13),
      v: fc.constantFrom(0, 3, 16, 4096, 2 ** 31, 2 ** 40, 2 ** 52, 2 ** 53),
    }),
    fc.record({ op: fc.constant('barindex' as const), i: fc.nat(13), v: fc.integer({ min: -1, max: 7 }) }),
    fc.record({ op: fc.constant('host' as const), i: fc.nat(13), v: fc.integer({ min: -1, max: 300 }) }),
    fc.record({ op: fc.constant('acs' as const), i: fc.nat(13), v: fc.constantFrom('SV', 'RR', 'XX') }),
    fc.record({ op: fc.constant('junk' as const), i: fc.nat(13), v: fc.constantFrom(null, 42, 'x', [], {}) }),
  )
  type Mut = { op: string; i: number; v: unknown }

  function apply(spec: MachineSpec, m: Mut): void {
    const nodes = spec.nodes as unknown as Record<string, unknown>[]
    if (nodes.length === 0) return
    const n = nodes[m.i % nodes.length]!
    if (typeof n !== 'object' || n === null || Array.isArray(n)) return
    switch (m.op) {
      case 'parent':
      case 'kind':
      case 'slot':
      case 'fn':
        n[m.op] = m.v
        break
      case 'drop':
        nodes.splice(m.i % nodes.length, 1)
        break
      case 'dup':
        nodes.push(structuredClone(n))
        break
      case 'barsize':
      case 'barindex': {
        const ep = n.endpoint as { bars: Record<string, unknown>[] } | undefined
        const b = ep?.bars[0]
        if (b) b[m.op === 'barsize' ? 'size' : 'index'] = m.v
        break
      }
      case 'host': {
        const h = n.host as Record<string, unknown> | undefined
        if (h) h.rootBus = m.v
        else n.host = { domain: 0, rootBus: m.v, numaNode: 0, hostDevice: null }
        break
      }
      case 'acs':
        n.acs = { cap: [m.v], ctrl: [m.v] }
        break
      case 'junk':
        nodes[m.i % nodes.length] = m.v as Record<string, unknown>
        break
    }
  }

  it('never throws: either a machine or located issues', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), (muts, iommu) => {
        const spec = t1()
        for (const m of muts) apply(spec, m)
        const r = buildMachine(spec, { ...DEFAULT_SETTINGS, iommu, disableAcsRedir: '0000:02:00.0' })
        if (r.ok) {
          expect(r.machine.devs.size).toBeGreaterThan(0)
        } else {
          expect(r.issues.length).toBeGreaterThan(0)
          for (const i of r.issues) {
            expect(i.message).not.toMatch(/internal error/)
            expect(i.message.length).toBeGreaterThan(0)
          }
        }
      }),
      { numRuns: 400, seed: 42 },
    )
  })
})

describe('hostile sizes (LIMITS.maxNodes = 20 000)', () => {
  it('20 000 host bridges: linear checks, no throw', () => {
    const nodes: TopoNodeSpec[] = Array.from({ length: 20_000 }, (_, i) => ({
      id: `hb${i}`,
      kind: 'host_bridge' as const,
      parent: null,
      host: { domain: i % 4, rootBus: Math.floor(i / 4) % 256, numaNode: 0, hostDevice: null },
    }))
    const r = buildMachine({ name: 'many', cpu: null, nodes }, DEFAULT_SETTINGS)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues.some((i) => /both claim root bus/.test(i.message))).toBe(true)
  })

  it('a chain of 20 000 bridges runs out of bus numbers instead of the stack', () => {
    const nodes: TopoNodeSpec[] = [
      {
        id: 'hb',
        kind: 'host_bridge',
        parent: null,
        host: { domain: 0, rootBus: 0, numaNode: 0, hostDevice: null },
      },
    ]
    for (let i = 0; i < 19_999; i++)
      nodes.push({ id: `b${i}`, kind: 'pci_bridge', parent: i === 0 ? 'hb' : `b${i - 1}` })
    const r = buildMachine({ name: 'deep', cpu: null, nodes }, DEFAULT_SETTINGS)
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(r.issues.map((i) => i.message)).toContain(
        'bus numbers exhausted below host_bridge "hb": pci_bridge "b127" would need bus 0x80, past busEnd 0x7f',
      )
  })
})
