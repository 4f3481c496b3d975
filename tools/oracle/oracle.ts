/**
 * `npm run oracle -- <lab-or-import-file> [--kernel 7.2] [--keep] [--timeout S]`
 *
 * Boots the lab in QEMU with a real Linux kernel (Debian's, fetched into the cache), reads the
 * kernel's verdict for every provider/client pair and prints it side by side with the engine's.
 * Exit codes: 0 all pairs agree, 1 a disagreement (or an invalid run), 2 bad input or environment.
 */
import { readFileSync } from 'node:fs'
import { importText, buildMachine, computeMatrix } from '../../electron/engine/index'
import { EnvError, KERNELS } from './kernels'
import { WHITELIST_ROOT_PORT_IDS, type PciId } from './qemu-patch'
import { formatResult, runMain, runOracle, runPassed, statusCounts, type OracleResult } from './run'
import type { MachineSpec, LabSettings } from '../../shared/model/topology'

const USAGE = `usage: npm run oracle -- <lab-or-import-file> [--kernel ${Object.keys(KERNELS).join('|')}] [--keep] [--timeout SECONDS] [--root-port-id ${Object.keys(WHITELIST_ROOT_PORT_IDS).join('|')}]

Boots the lab's PCIe tree in QEMU (q35, TCG) with a real Linux kernel, asks the kernel for its
P2PDMA verdict on every provider/client pair (an O_DIRECT read from an NVMe namespace into another
device's p2pmem) and compares it with the engine's verdict for the same machine and kernel era.
  --kernel K    kernel to boot (default 7.2: Debian sid's stock kernel; era v7.2)
  --keep        keep the run directory (serial log, command line, initramfs) even when all agree
  --timeout S   kill the guest after S seconds (default: 600, more for large labs)
  --root-port-id ID
                boot a byte-patched copy of the installed QEMU whose pcie-root-port reports ID
                (a P2PDMA whitelist entry), so that a pxb-pcie root bus's first root port is a
                whitelisted "host bridge" (docs/kernel/oracle.md#a-qemu-with-whitelisted-root-ports)
  --json        print one JSON object (per pair: kernel, engine, agree, the kernel's log lines) on
                stdout instead of the table; progress still goes to stderr (the app's button uses it)
Every pair ends up confirmed, not reproducible (QEMU cannot build what decides it in the lab),
disagree, or no result; the last line counts them.
Needs qemu-system-x86_64 (apt-get install qemu-system-x86), gcc with libc6-dev, busybox-static
(never installed by the oracle), and apt access to Debian's packages (the kernel is downloaded
into a private cache). Exit 0: all agree; 1: a disagreement or no result; 2: bad input/environment.`

async function main(argv: string[]): Promise<number> {
  let file: string | undefined
  let kernel = '7.2'
  let keep = false
  let timeout: number | undefined
  let json = false
  let rootPortId: PciId | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n')
      return 0
    } else if (a === '--kernel') kernel = argv[++i] ?? ''
    else if (a.startsWith('--kernel=')) kernel = a.slice(9)
    else if (a === '--keep') keep = true
    else if (a === '--json') json = true
    else if (a === '--root-port-id') {
      const v = (argv[++i] ?? '').toLowerCase()
      rootPortId = WHITELIST_ROOT_PORT_IDS[v]
      if (!rootPortId) {
        process.stderr.write(
          `usage error: --root-port-id must be one of ${Object.keys(WHITELIST_ROOT_PORT_IDS).join(', ')}\n`,
        )
        return 2
      }
    } else if (a === '--timeout') timeout = Number(argv[++i])
    else if (a.startsWith('-')) {
      process.stderr.write(`usage error: unknown option ${a}\n${USAGE}\n`)
      return 2
    } else if (!file) file = a
    else {
      process.stderr.write(`usage error: one file only\n${USAGE}\n`)
      return 2
    }
  }
  if (!file) {
    process.stderr.write(`usage error: a lab file is needed\n${USAGE}\n`)
    return 2
  }
  const spec = KERNELS[kernel]
  if (!spec) {
    process.stderr.write(
      `usage error: --kernel must be one of ${Object.keys(KERNELS).join(', ')} (6.12 needs a custom build: Debian's 6.12 has CONFIG_PCI_P2PDMA off)\n`,
    )
    return 2
  }
  if (timeout !== undefined && !(timeout > 0)) {
    process.stderr.write('usage error: --timeout needs a number of seconds\n')
    return 2
  }
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    process.stderr.write(`error: ${file}: cannot read: ${(e as Error).message}\n`)
    return 2
  }
  const r = importText(file, text)
  if (!r.ok) {
    for (const i of r.issues.slice(0, 10))
      process.stderr.write(`error: ${file}${i.line !== undefined ? `:${i.line}` : ''}: ${i.message}\n`)
    return 2
  }
  const progress = (l: string) => process.stderr.write(`oracle: ${l}\n`)
  try {
    const res = await runOracle({
      name: r.lab.name || file,
      spec: r.lab.machine,
      settings: r.lab.settings,
      kernel: spec,
      keep,
      timeoutSec: timeout,
      rootPortId,
      progress,
    })
    if (json) {
      process.stdout.write(JSON.stringify(jsonResult(res, r.lab.machine, r.lab.settings)) + '\n')
      return runPassed(res) ? 0 : 1
    }
    process.stdout.write('\nQEMU cannot reproduce:\n')
    for (const c of res.export.cannotReproduce.length ? res.export.cannotReproduce : ['nothing known'])
      process.stdout.write(`  - ${c}\n`)
    if (res.export.compensations.length) {
      process.stdout.write('compensated by:\n')
      for (const c of res.export.compensations) process.stdout.write(`  - ${c}\n`)
    }
    process.stdout.write('\n' + formatResult(res).join('\n') + '\n')
    if (keep || !runPassed(res))
      process.stdout.write(`run directory kept: ${res.logPath.replace(/\/[^/]+$/, '')}\n`)
    return runPassed(res) ? 0 : 1
  } catch (e) {
    if (e instanceof EnvError) {
      process.stderr.write(`error: ${e.message}\n`)
      return 2
    }
    throw e
  }
}

/**
 * The --json output (read by electron/app/oracle/service.ts). Pairs are keyed by the LAB's BDFs
 * (the matrix the user sees); `status` is 'confirmed' / 'contradicted' when the kernel answered on
 * a twin that QEMU reproduces faithfully for the pair, else 'unreproducible'.
 */
function jsonResult(res: OracleResult, spec: MachineSpec, settings: LabSettings) {
  const built = buildMachine(spec, { ...settings, era: res.era })
  const bdfById = new Map<string, string>()
  if (built.ok)
    for (const p of computeMatrix(built.machine).pairs) {
      bdfById.set(p.providerId, p.provider)
      bdfById.set(p.clientId, p.client)
    }
  return {
    name: res.name,
    kernelRelease: res.kernelRelease,
    cpuModel: res.cpuModel,
    guestCpu: res.guestCpu,
    era: res.era,
    iommu: res.iommu,
    bootSeconds: res.bootSeconds,
    fetchSeconds: res.fetchSeconds,
    passed: runPassed(res),
    problems: res.problems,
    counts: statusCounts(res.rows),
    notes: res.notes,
    cannotReproduce: res.export.cannotReproduce,
    compensations: res.export.compensations,
    pairs: res.rows.map((x) => {
      // the kernel's line about this very pair, the provider's p2pmem, and ACS/whitelist lines of either
      const log = res.guest.dmesg
        .filter(
          (l) =>
            (l.includes(` ${x.client}:`) && l.includes(`(${x.provider})`)) ||
            (l.includes(` ${x.provider}:`) && /added peer-to-peer/.test(l)) ||
            (/whitelist|ACS|acs_redir/.test(l) &&
              !/cannot be used/.test(l) &&
              (l.includes(x.client) || l.includes(x.provider))),
        )
        .slice(0, 12)
      return {
        providerId: x.providerId,
        clientId: x.clientId,
        provider: bdfById.get(x.providerId) ?? x.provider,
        client: bdfById.get(x.clientId) ?? x.client,
        guestProvider: x.provider,
        guestClient: x.client,
        kernel: x.kernel,
        engine: x.engine,
        lab: x.lab,
        agree: x.agree,
        status:
          x.status === 'confirmed'
            ? 'confirmed'
            : x.status === 'disagree'
              ? 'contradicted'
              : 'unreproducible',
        /** confirmed / not-reproducible / disagree / no-result, and why when not confirmed. */
        oracleStatus: x.status,
        reason: x.reason,
        log,
        logsMissing: x.logsMissing,
      }
    }),
  }
}

runMain(main)
