/**
 * `npx tsx tools/oracle/capture-sysfs.ts [NAME]`: boots the oracle's QEMU machine qemu-pxb (two
 * host bridges, a switch, five NVMe with a CMB each; tests/helpers/topologies.ts) with Debian sid's
 * 7.2 kernel and -cpu Skylake-Server, and keeps what a real kernel wrote:
 *   tests/fixtures/sysfs/NAME.tar.gz   the files `lab import --sysfs` reads (/sys/bus/pci/devices,
 *                                      the devices' directories, /sys/class/iommu, /proc/cmdline,
 *                                      /proc/cpuinfo, /proc/sys/kernel/osrelease), read as root by
 *                                      the guest's /init (tools/oracle/init.sh, kq.capture=1)
 *   tests/fixtures/sysfs/NAME.kq.txt   the guest's KQ lines: its PCI list and the kernel's verdict
 *                                      for every (provider, client) pair (tools/oracle/parse.ts)
 * electron/app/sysfs/read.test.ts checks that the import reproduces the guest's devices and that the
 * engine's verdicts on the imported lab are the kernel's.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_SETTINGS } from '../../shared/model/topology'
import { CPUS, qemuPxb } from '../../tests/helpers/topologies'
import { KERNELS } from './kernels'
import { runMain, runOracle } from './run'

runMain(async (argv) => {
  const name = argv[0] ?? 'qemu-pxb-skx-7.2'
  const res = await runOracle({
    name: `capture-${name}`,
    spec: qemuPxb({ ...CPUS.skylakeServer }),
    settings: { ...DEFAULT_SETTINGS },
    kernel: KERNELS['7.2']!,
    keep: true,
    append: ['kq.capture=1'],
    progress: (l) => process.stderr.write(l + '\n'),
  })
  const log = readFileSync(res.logPath, 'latin1').split(/\r?\n/)
  const kq = log.map((l) => l.slice(Math.max(0, l.indexOf('KQ ')))).filter((l) => l.startsWith('KQ '))
  const b64 = kq.filter((l) => l.startsWith('KQ B64 ')).map((l) => l.slice(7).trim())
  if (!kq.includes('KQ CAPTURE-END') || b64.length === 0) {
    process.stderr.write(`no capture in ${res.logPath}\n`)
    return 1
  }
  const dir = new URL('../../tests/fixtures/sysfs/', import.meta.url).pathname
  writeFileSync(join(dir, `${name}.tar.gz`), Buffer.from(b64.join(''), 'base64'))
  writeFileSync(join(dir, `${name}.kq.txt`), kq.filter((l) => !l.startsWith('KQ B64 ')).join('\n') + '\n')
  process.stderr.write(
    `wrote ${name}.tar.gz and ${name}.kq.txt (problems: ${res.problems.join('; ') || 'none'})\n`,
  )
  return res.problems.length ? 1 : 0
})
