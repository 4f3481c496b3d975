/** Hostile and broken inputs: located errors, limits, never a throw. */
import { describe, expect, it } from 'vitest'
import { LIMITS } from '../../../shared/model/lab-schema'
import { DEFAULT_SETTINGS, type LabFile } from '../../../shared/model/topology'
import { detectFormat, importText, serializeLab } from './index'
import { readFixture } from '../../../tests/helpers/realdata'

const fail = (name: string, text: string): ReturnType<typeof importText> & { ok: false } => {
  const r = importText(name, text)
  expect(r.ok, 'expected the import to fail').toBe(false)
  return r as ReturnType<typeof importText> & { ok: false }
}

const smallLab: LabFile = {
  format: 'p2p-dma-lab',
  schemaVersion: 1,
  name: 'tiny',
  machine: {
    name: 'tiny',
    cpu: null,
    nodes: [
      {
        id: 'hb0',
        kind: 'host_bridge',
        parent: null,
        host: { domain: 0, rootBus: 0, numaNode: 0, hostDevice: null },
      },
      {
        id: 'gpu0',
        kind: 'endpoint',
        parent: 'hb0',
        endpoint: { type: 'gpu', bars: [{ index: 0, size: 16777216 }] },
      },
    ],
  },
  settings: { ...DEFAULT_SETTINGS },
}

describe('format detection by content', () => {
  it('ignores the file extension', () => {
    const hw = readFixture('hwloc/devel09-pci.xml')
    expect(importText('machine.txt', hw)).toMatchObject({ ok: true, report: { format: 'hwloc-xml' } })
    expect(importText('x.xml', readFixture('lspci/puget-wrx90.lspci-tv.txt'))).toMatchObject({
      ok: true,
      report: { format: 'lspci-tv' },
    })
    expect(detectFormat(readFixture('nccl-topo/p4d-24xl-topo.xml'))).toBe('nccl-xml')
    expect(detectFormat(readFixture('nvidia-smi-topo/dgx1-v100.topo-m.txt'))).toBe('nvidia-smi-topo')
    expect(detectFormat(readFixture('lspci/tree-asus-p6t6.lspci-vvv-nn.txt'))).toBe('lspci-vvv')
    expect(detectFormat(serializeLab(smallLab))).toBe('lab')
  })

  it('refuses unknown text, empty and binary input with a clear issue', () => {
    expect(fail('notes.txt', 'hello world\n').issues[0]).toMatchObject({
      source: 'notes.txt',
      line: 1,
      column: 1,
      message: expect.stringMatching(/unknown format/),
    })
    expect(fail('e.txt', '   \n').issues[0]!.message).toMatch(/empty/)
    expect(fail('b.bin', 'PK\u0003\u0004\u0000\u0000binary').issues[0]!.message).toMatch(/binary/)
  })

  it('refuses input over LIMITS.maxFileBytes', () => {
    const big = '<topology version="2.0">' + ' '.repeat(LIMITS.maxFileBytes) + '</topology>'
    expect(fail('big.xml', big).issues[0]!.message).toMatch(/larger than 16 MiB/)
  })
})

describe('located errors', () => {
  it('truncated hwloc XML → line:column of the end, naming the open element', () => {
    const text = readFixture('hwloc/devel09-pci.xml')
    const cut = text.slice(0, text.indexOf('<object type="PCIDev"') + 40)
    const issue = fail('cut.xml', cut).issues[0]!
    const lines = cut.split('\n')
    expect(issue.line).toBe(lines.length)
    expect(issue.column).toBe(lines[lines.length - 1]!.length + 1)
    expect(issue.message).toMatch(/not closed|end of input/)
  })

  // One bad line in each format: the issue names the file, the line and the column, and says what is wrong.
  it.each([
    {
      what: 'mismatched XML closing tag → its line:column',
      file: 'm.xml',
      text: '<topology version="2.0">\n  <object type="Machine">\n  </objekt>\n</topology>\n',
      at: { line: 3, column: 3 },
      message: /mismatched closing tag <\/objekt>.*<object> opened at 2:3/,
    },
    {
      what: 'lspci -vvv line with a bad BDF → that line',
      file: 'bad.txt',
      text: '00:01.0 PCI bridge [0604]: Intel Corporation Root Port [8086:3408]\n\tBus: primary=00, secondary=01, subordinate=01\n\n01:0g.0 VGA compatible controller [0300]: NVIDIA [10de:0a65]\n\tRegion 0: Memory at fa000000 (32-bit, non-prefetchable) [size=16M]\n',
      at: { line: 4, column: 1 },
      message: /bad PCI address/,
    },
    {
      what: 'lspci -tv with a broken branch → line and column',
      file: 't.txt',
      text: '-[0000:00]-+-00.0  Intel\n           +-01.0-[01]----00.0  NVIDIA\n             \\-02.0  X\n',
      at: { line: 3, column: 14 },
      message: /continues no open branch/,
    },
    {
      what: 'NCCL <pci> with a bad busid → its line',
      file: 'n.xml',
      text: '<system version="1">\n  <cpu numaid="0">\n    <pci busid="zz:00.0" class="0x030200"/>\n  </cpu>\n</system>\n',
      at: { line: 3, column: 5 },
      message: /<pci> with a missing or bad busid "zz:00.0"/,
    },
  ])('$what', ({ file, text, at, message }) => {
    const issue = fail(file, text).issues[0]!
    expect(issue).toMatchObject({ source: file, ...at })
    expect(issue.message).toMatch(message)
  })

  it('JSON syntax error → line/column', () => {
    const text = serializeLab(smallLab).replace('"name": "tiny",', '"name": "tiny",,')
    const issue = fail('lab.p2plab', text).issues[0]!
    expect(issue.message).toMatch(/JSON syntax error/)
    expect(issue.line).toBe(4)
    expect(issue.column).toBeGreaterThan(1)
  })

  it('schemaVersion 2 → newer version', () => {
    const text = serializeLab({ ...smallLab, schemaVersion: 2 })
    expect(fail('new.p2plab', text).issues[0]).toMatchObject({
      path: 'schemaVersion',
      message:
        'this file was written by a newer version of P2P DMA Lab (schema 2); this version reads schema 1',
    })
  })

  it('schema violations carry the JSON path', () => {
    const bad = JSON.parse(serializeLab(smallLab)) as {
      machine: { nodes: { endpoint?: { bars: { size: number }[] } }[] }
    }
    bad.machine.nodes[1]!.endpoint!.bars[0]!.size = 3
    const issues = fail('bad.p2plab', JSON.stringify(bad)).issues
    expect(issues.some((i) => i.path === 'machine.nodes.1.endpoint.bars.0.size')).toBe(true)
  })
})

describe('nesting limits', () => {
  it('deeply nested XML is refused, not a stack overflow', () => {
    const deep =
      '<topology version="2.0">' +
      '<object type="Group">'.repeat(5000) +
      '</object>'.repeat(5000) +
      '</topology>'
    expect(fail('deep.xml', deep).issues[0]!.message).toMatch(/nested deeper than 256/)
  })

  it('deeply nested JSON is refused before JSON.parse', () => {
    const deep = '{"format": "p2p-dma-lab", "x": ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}'
    expect(fail('deep.p2plab', deep).issues[0]!.message).toMatch(/nested deeper than 64/)
  })

  it('entities: no expansion beyond the predefined five and numeric references', () => {
    const bomb =
      '<?xml version="1.0"?>\n<!DOCTYPE topology [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<topology version="2.0"><object type="Machine" name="&b;"/></topology>'
    expect(fail('bomb.xml', bomb).issues[0]!.message).toMatch(/unknown entity &b;/)
  })
})

describe('lab files', () => {
  it('round-trips through serializeLab', () => {
    const text = serializeLab(smallLab)
    expect(text).toBe(JSON.stringify(smallLab, null, 2) + '\n')
    const r = importText('tiny.p2plab', text)
    expect(r).toMatchObject({ ok: true, report: { format: 'lab', counts: { nodes: 2 } } })
    if (r.ok) expect(serializeLab(r.lab)).toBe(text)
  })

  it('imported labs serialize and load back identically', () => {
    const r = importText('g.xml', readFixture('hwloc/g4dnmetal.xml'))
    if (!r.ok) throw new Error('import failed')
    const back = importText('g.p2plab', serializeLab(r.lab))
    expect(back.ok).toBe(true)
    if (back.ok) expect(back.lab).toEqual(r.lab)
  })
})
