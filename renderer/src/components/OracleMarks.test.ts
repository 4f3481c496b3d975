/**
 * "Verify with a real kernel" in the renderer: the button (disabled with the reason), the progress
 * panel with Cancel, the per-cell marks once the run finished, and the kernel's log lines in
 * PairExplanation. The events come from a fake window.lab.
 */
import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import P2pMatrix from './P2pMatrix.vue'
import PairExplanation from './PairExplanation.vue'
import { useSelectionStore } from '../stores/selection'
import type { OracleFinished, OraclePair } from '../../../shared/ipc/contract'
import { GPU0, GPU1, NIC } from '../testing/fake-lab'
import { setup } from '../testing/setup-helpers'

const pair = (
  provider: string,
  client: string,
  status: OraclePair['status'],
  log: string[] = [],
): OraclePair => ({
  provider,
  client,
  kernel:
    status === 'contradicted'
      ? { allowed: false, errno: 'EREMOTEIO', data: 'n/a' }
      : { allowed: true, errno: null, data: 'ok' },
  engine: { mapType: 'BUS_ADDR', allowed: true, errno: null },
  agree: status !== 'contradicted',
  status,
  log,
})

function finished(revision: number): OracleFinished {
  return {
    runId: 'oracle-1',
    outcome: 'done',
    revision,
    seconds: 14.2,
    error: null,
    report: {
      kernelRelease: '7.2.13+deb14-amd64',
      cpuModel: 'Skylake-Server',
      era: 'v7.2',
      bootSeconds: 11.3,
      problems: [],
      cannotReproduce: [],
      pairs: [
        pair(GPU0, GPU1, 'confirmed', [
          'nvme 0000:03:00.0: added peer-to-peer DMA memory 0xfa000000-0xfaffffff',
        ]),
        pair(GPU0, NIC, 'contradicted', [
          'nvme 0000:81:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:03:00.0) do not share an upstream bridge or whitelisted host bridge',
        ]),
        pair(GPU1, NIC, 'unreproducible'),
      ],
    },
  }
}

describe('Verify with a real kernel', () => {
  it('disables the button with the reason when the oracle is unavailable', async () => {
    const { pinia } = await setup()
    const w = mount(P2pMatrix, { global: { plugins: [pinia] } })
    await flushPromises()
    const b = w.get('[data-test="oracle-verify"]')
    expect(b.attributes('disabled')).toBeDefined()
    expect(w.get('[data-test="oracle-verify-wrap"]').attributes('title')).toMatch(
      /Unavailable: no QEMU in tests/,
    )
  })

  it('starts a run, streams progress, cancels, and marks each cell ✓ / ✗ / – when finished', async () => {
    const { pinia, fake } = await setup()
    ;(
      fake.api.invoke['oracle.available'] as unknown as { mockImplementation: (f: () => unknown) => void }
    ).mockImplementation(() =>
      Promise.resolve({ ok: true, value: { available: true, reason: null, running: null } }),
    )
    const w = mount(P2pMatrix, { global: { plugins: [pinia] } })
    await flushPromises()
    const b = w.get('[data-test="oracle-verify"]')
    expect(b.attributes('disabled')).toBeUndefined()
    await b.trigger('click')
    await flushPromises()
    expect(fake.api.invoke['oracle.start']).toHaveBeenCalled()
    fake.emit('oracle.progress', { runId: 'oracle-1', line: 'booting T1: Skylake-Server, 6 NVMe' })
    fake.emit('oracle.progress', { runId: 'other', line: 'not ours' })
    await flushPromises()
    expect(w.get('[data-test="oracle-log"]').text()).toContain('booting T1: Skylake-Server')
    expect(w.get('[data-test="oracle-log"]').text()).not.toContain('not ours')
    expect(w.get('[data-test="oracle-verify"]').attributes('disabled')).toBeDefined()
    await w.get('[data-test="oracle-cancel"]').trigger('click')
    expect(fake.api.invoke['oracle.cancel']).toHaveBeenCalled()
    expect(w.findAll('.cell-oracle')).toHaveLength(0)

    fake.emit('oracle.finished', finished(1))
    await flushPromises()
    const mark = (p: string, c: string) =>
      w.find(`button.cell[data-provider="${p}"][data-client="${c}"] .cell-oracle`)
    expect(mark(GPU0, GPU1).text()).toBe('✓')
    expect(mark(GPU0, GPU1).attributes('data-oracle')).toBe('confirmed')
    expect(mark(GPU0, NIC).text()).toBe('✗')
    expect(mark(GPU0, NIC).attributes('title')).toMatch(/CONTRADICTED/)
    expect(mark(GPU1, NIC).text()).toBe('–')
    expect(mark(GPU1, GPU0).exists()).toBe(false) // no kernel result for that pair
    expect(w.get('[data-test="oracle-summary"]').text()).toMatch(
      /1 confirmed.*1 contradicted.*1 not reproducible/,
    )
    expect(w.find('[data-test="oracle-cancel"]').exists()).toBe(false)

    // PairExplanation shows the kernel's verdict and log lines for the selected pair
    const e = mount(PairExplanation, { global: { plugins: [pinia] } })
    useSelectionStore().selectPair(GPU0, NIC)
    await flushPromises()
    expect(e.get('[data-test="oracle-status"]').text()).toMatch(
      /contradicted by the real kernel: refused EREMOTEIO/,
    )
    expect(e.get('[data-test="oracle-log-lines"]').text()).toContain('cannot be used for peer-to-peer DMA')
  })

  it('hides the marks once the lab changed since the run', async () => {
    const { pinia, fake } = await setup()
    const w = mount(P2pMatrix, { global: { plugins: [pinia] } })
    await flushPromises()
    fake.emit('oracle.finished', finished(0)) // started on an older revision
    await flushPromises()
    expect(w.findAll('.cell-oracle')).toHaveLength(0)
  })
})
