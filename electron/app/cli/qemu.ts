/**
 * `lab qemu <file>`: the QEMU q35 command line that reproduces the lab's PCIe tree (the real-kernel
 * oracle's machine, electron/engine/qemu/export.ts), what QEMU cannot reproduce and how the oracle
 * compensates.
 */
import { buildMachine, qemuCommand } from '../../engine/index'
import { InputError, UsageError, type ParsedArgs } from './args'
import type { CliIo } from './io'
import { applyOptions, buildIssues, loadLab } from './lab-input'

export function cmdQemu(io: CliIo, args: ParsedArgs): number {
  const file = args.positional[1]
  if (!file) throw new UsageError('qemu needs a file')
  const loaded = loadLab(io, file)
  const configured = applyOptions(loaded.lab, args.flags)
  const built = buildMachine(configured.machine, configured.settings)
  if (!built.ok) throw new InputError(file, buildIssues(loaded, built.issues))
  for (const n of loaded.notes) io.stderr(`note: ${n}\n`)
  let e
  try {
    e = qemuCommand(built.machine, { kernel: 'vmlinuz', initrd: 'initrd.img', append: ['console=ttyS0'] })
  } catch (err) {
    throw new InputError(file, [
      { source: file, message: `cannot export to QEMU: ${(err as Error).message}` },
    ])
  }
  if (args.flags.get('--json') === true) {
    io.stdout(JSON.stringify(e, null, 2) + '\n')
    return 0
  }
  io.stdout(e.shell + '\n\n')
  io.stdout(
    `CPU ${e.cpuModel}; ${e.nvme.length} NVMe controllers (disk images disks/diskN.img, one per endpoint)\n`,
  )
  io.stdout('devices (lab BDF -> guest BDF):\n')
  for (const d of e.devices)
    io.stdout(
      `  ${(d.bdfInLab || '-').padEnd(13)} -> ${d.guestBdf.padEnd(13)} ${d.role} ${d.qemuId}${d.serial ? ` serial=${d.serial}` : ''}\n`,
    )
  io.stdout('\nQEMU cannot reproduce:\n')
  for (const c of e.cannotReproduce.length ? e.cannotReproduce : ['nothing known']) io.stdout(`  - ${c}\n`)
  io.stdout('\nhow the oracle compensates:\n')
  for (const c of e.compensations.length ? e.compensations : ['nothing needed']) io.stdout(`  - ${c}\n`)
  return 0
}
