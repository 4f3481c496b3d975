/**
 * The headless CLI (`lab …`, `npm run lab -- …`). All logic is behind a tiny I/O interface (./io.ts),
 * so tests run it in-process; electron/app/cli/main.ts binds it to the real process (argv, files,
 * exit code) and is bundled into out/cli/lab.mjs (tools/build-cli.mjs).
 *
 * Each command's code is loaded when the command runs (a dynamic import per command): `p2p` loads
 * the importers, the topology and the P2P rules but not the scenario engine; `eras` and `--help`
 * load almost nothing.
 *
 * Exit codes: 0 success, 1 a checked expectation was not met, 2 bad input or bad usage, 3 internal error.
 */
import { CPU_PRESETS } from '../../engine/index'
import { DEFAULT_SETTINGS, ERAS } from '../../../shared/model/topology'
import { InputError, parseArgs, UsageError, type ParsedArgs } from './args'
import type { CliIo } from './io'

export type { CliIo } from './io'

export const HELP = `P2P DMA Lab — headless command line

Usage:
  npm run lab -- <command> [options]         (a development checkout)
  p2p-dma-lab --cli <command> [options]      (the installed app: Linux deb; the AppImage or
                                             the macOS app's executable with --cli; on Windows
                                             lab.cmd in the install folder: lab <command>)

Commands:
  p2p <file>                 Print the kernel's P2P verdict for every provider/client pair
                             (providers = endpoints with a memory BAR; clients = every endpoint).
      --era <era>            Kernel era (default: the file's, else ${DEFAULT_SETTINGS.era}). One of:
                             ${ERAS.join(', ')}
      --cpu <cpu>            ${CPU_PRESETS.map((p) => p.key).join(' | ')}
                             (default: the file's CPU, else inferred from the host bridges;
                             the assumption is reported on stderr)
      --iommu on|off         An IOMMU driver enabled ACS redirect on every capable port
      --disable-acs-redir L  The value of pci=disable_acs_redir= (e.g. "0000:02:00.0;0000:02:01.0")
      --json                 Stable JSON: {"era", "pairs": [{"provider", "client", "mapType",
                             "distance", "acsRedirect", "warnings", "name": {"provider",
                             "client"}}]}, streamed pair by pair (bounded memory)
  explain <file> <provider> <client>
                             Why the kernel decides what it does for one pair (BDFs), with the
                             kernel function, source file and era of every decision.
  topo <file>                The machine as text, the way lstopo --of console prints its I/O
                             tree: host bridges, ports and functions by depth, with ids, bus
                             ranges, BARs, ACS and p2pmem (the app's topology "Text" download);
                             takes --era/--cpu/--iommu/--disable-acs-redir.
  import <file> -o <out.p2plab>
                             Convert any supported input into a lab file, and report what the
                             format could not carry and what was assumed. Written as the app
                             saves: atomically, the previous lab kept as <out>.p2plab.bak;
                             never over a read-only file or a lab from a newer version.
  import --this-machine [-o <out.p2plab>]
  import --sysfs <ROOT> [-o <out.p2plab>]
                             Linux: read this machine's PCI tree from /sys/bus/pci/devices
                             (config, resource, driver, iommu_group, numa_node, local_cpulist,
                             p2pmem/), /sys/class/iommu, /proc/cmdline (pci= and IOMMU
                             parameters), /proc/cpuinfo and the kernel release (era: the nearest
                             modelled one at or below it). --sysfs reads a copy under ROOT
                             (ROOT/sys/..., ROOT/proc/...). Without root, config space is 64
                             bytes: no port types or ACS (reported). p2pmem only where a driver
                             published it (a p2pmem/ directory).
  run [<lab-or-scenario-file>]
                             Run every scenario of a lab (or a bare scenario file on the default
                             lab; no file: the default lab and its course) headless: each
                             operation expands into the kernel call tree.
      --era <era>            Run in another era
      --trace                Print every step (enter, check, mutate, return, fail)
      --json                 {"scenarios": [{"name", "era", "operations": [{"op", "ret",
                             "errno", "ok"}], "expectationsMet"}]}
                             Workshop exercises are checked too: every answer must be what
                             the engine produces, in every era the exercise names (adds
                             "exercises": [{"id", "kind", "answer", "ok", "actual", "problems"}]).
                             Exit 1 when an expected outcome is not met or an answer is wrong.
  exercises [<file>]         List a lab's workshop exercises (no file: the default lab's
                             built-in course "The 2019 P2P debate, hands on").
      --json                 {"exercises": [{"scenario", "id", "kind", "question", "choices"}]}
      --answers              Also print each answer and its explanation
  eras                       List the kernel eras and what changed in each.
  sources                    What the source keys in decisions mean (S1 … S16, oracle): the
                             repository, file, commit and era each was read from.
  qemu <file>                A QEMU q35 command line reproducing the lab's PCIe tree (every
                             endpoint an NVMe with a CMB), what QEMU cannot reproduce and how the
                             oracle compensates; takes --era/--cpu/--iommu/--disable-acs-redir.
      --json                 {"argv", "shell", "devices", "kernelParams", "cannotReproduce", ...}
                             (npm run oracle -- <file> boots it with a real kernel)
  class [<lab>] --host ADDR --port N
                             Run a class session headless: serve the attendee page, print the
                             join URL and code, and read the instructor's commands on stdin
                             (next, ask, reveal, results…). lab class --help for the details.

<file> is a lab file (.p2plab JSON) or a real machine's topology: \`lspci -vvv\` (-nn),
\`lspci -tv\`, hwloc XML (v2 or v3), \`nvidia-smi topo -m\`, or an NCCL topology XML.
The format is detected from the content.

Exit codes: 0 success, 1 an expectation was not met, 2 bad input or usage (the message names
the file and the line or element), 3 internal error.
`

type Command = (io: CliIo, args: ParsedArgs, argv: string[]) => Promise<number>

/** The commands besides class, each loading its own module when it runs. */
const COMMANDS = new Map<string, Command>([
  ['p2p', async (io, args) => (await import('./p2p')).cmdP2p(io, args)],
  ['explain', async (io, args) => (await import('./p2p')).cmdExplain(io, args)],
  ['import', async (io, args) => (await import('./p2p')).cmdImport(io, args)],
  ['topo', async (io, args) => (await import('./topo')).cmdTopo(io, args)],
  ['eras', async (io) => (await import('./info')).cmdEras(io)],
  ['sources', async (io) => (await import('./info')).cmdSources(io)],
  ['qemu', async (io, args) => (await import('./qemu')).cmdQemu(io, args)],
  ['run', async (io, _args, argv) => (await import('./run')).runCommand(argv, io)],
  ['exercises', async (io, _args, argv) => (await import('./exercises')).exercisesCommand(argv, io)],
])

/** Runs one command line; resolves to the exit code (0, 1, 2 or 3). Never rejects. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    // `p2p-dma-lab --cli <command>` is how the installed app runs the CLI; the same words work here.
    if (argv[0] === '--cli') argv = argv.slice(1)
    const args = parseArgs(argv)
    const cmd = args.positional[0]
    if (args.flags.has('--version')) {
      io.stdout(`p2p-dma-lab ${io.version}\n`)
      return 0
    }
    if (cmd === 'class') {
      // long-running: the class server until stop, SIGINT or SIGTERM (its own options and help)
      const { CLASS_HELP, classCommand } = await import('./class')
      if (args.flags.has('--help') || args.flags.has('-h')) {
        io.stdout(CLASS_HELP)
        return 0
      }
      return await classCommand(argv, io)
    }
    if (!cmd || args.flags.has('--help') || args.flags.has('-h') || cmd === 'help') {
      io.stdout(HELP)
      return cmd || args.flags.has('--help') || args.flags.has('-h') ? 0 : 2
    }
    const command = COMMANDS.get(cmd)
    if (!command) throw new UsageError(`unknown command "${cmd}" (try --help)`)
    return await command(io, args, argv)
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr(e.message + '\n')
      return 2
    }
    if (e instanceof UsageError) {
      io.stderr(`usage error: ${e.message}\n`)
      return 2
    }
    io.stderr(
      `internal error (a bug in P2P DMA Lab, please report it): ${(e as Error).message ?? String(e)}\n`,
    )
    return 3
  }
}
