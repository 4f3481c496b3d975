/**
 * Parses the guest's serial log (the "KQ " lines of tools/oracle/init.sh and p2ptest.c).
 * Pure: text in, facts out.
 */

export const P2P_LEN = 2 * 1024 * 1024

export interface KernelPair {
  /** provider BDF (the function whose p2pmem was mmapped) */
  provider: string
  /** client BDF (the NVMe controller of the namespace read) */
  client: string
  ns: string
  ret: number
  errno: number
  first: number
  last: number
  expect: number
}

export interface GuestLog {
  /** The init script reached its end (KQ END). */
  complete: boolean
  kernel: string
  cpu: { vendor: string; family: number; model: number } | null
  cmdline: string
  /** serial -> controller BDF */
  controllers: Map<string, string>
  /** BDF -> vendor:device */
  pci: Map<string, string>
  /** BDF -> p2pmem published ('1', '0' or '-') */
  p2pmem: Map<string, string>
  providers: Map<string, { ok: boolean; errno: number }>
  acs: Map<string, { cap: number; ctrl: number }>
  setacs: string[]
  pairs: KernelPair[]
  /** p2pdma-related dmesg lines, timestamps removed */
  dmesg: string[]
  /** replay id -> its operations' results in order (p2ptest replay) */
  replays: Map<string, { op: string; ret: number; errno: number }[]>
}

const kv = (s: string): Record<string, string> =>
  Object.fromEntries(
    s
      .split(/\s+/)
      .filter((x) => x.includes('='))
      .map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]),
  )

export function parseGuestLog(text: string): GuestLog {
  const g: GuestLog = {
    complete: false,
    kernel: '',
    cpu: null,
    cmdline: '',
    controllers: new Map(),
    pci: new Map(),
    p2pmem: new Map(),
    providers: new Map(),
    acs: new Map(),
    setacs: [],
    pairs: [],
    dmesg: [],
    replays: new Map(),
  }
  for (const raw of text.split(/\r?\n/)) {
    const i = raw.indexOf('KQ ')
    if (i < 0) continue
    const line = raw.slice(i + 3).trimEnd()
    const [tag, ...restParts] = line.split(' ')
    const rest = restParts.join(' ')
    const f = kv(rest)
    switch (tag) {
      case 'END':
        g.complete = true
        break
      case 'KERNEL':
        g.kernel = rest.trim()
        break
      case 'CPU':
        g.cpu = { vendor: f.vendor ?? '', family: Number(f.family), model: Number(f.model) }
        break
      case 'CMDLINE':
        g.cmdline = rest
        break
      case 'CTRL':
        if (f.serial && f.address) g.controllers.set(f.serial, f.address)
        break
      case 'PCI': {
        const [bdf, id] = restParts
        if (bdf && id) g.pci.set(bdf, id)
        if (bdf && f.p2pmem) g.p2pmem.set(bdf, f.p2pmem)
        break
      }
      case 'PROVIDER': {
        const bdf = restParts[0]!
        g.providers.set(bdf, { ok: restParts[1] === 'ok', errno: Number(f.error ?? 0) })
        break
      }
      case 'ACS':
        g.acs.set(restParts[0]!, { cap: parseInt(f.cap ?? '0', 16), ctrl: parseInt(f.ctrl ?? '0', 16) })
        break
      case 'SETACS':
        g.setacs.push(rest)
        break
      case 'PAIR':
        if (!f.provider || !f.client || f.ret === undefined) break // a line garbled on the console
        g.pairs.push({
          provider: f.provider ?? '',
          client: f.client ?? '',
          ns: f.ns ?? '',
          ret: Number(f.ret),
          errno: Number(f.errno ?? 0),
          first: parseInt(f.first ?? '0', 16),
          last: parseInt(f.last ?? '0', 16),
          expect: parseInt(f.expect ?? '0', 16),
        })
        break
      case 'OP': {
        // KQ OP <replay id> <index> op=<op> ret=<n> errno=<n>
        const [id, index] = restParts
        if (!id || f.ret === undefined || !f.op) break
        const list = g.replays.get(id) ?? []
        if (Number(index) === list.length)
          list.push({ op: f.op, ret: Number(f.ret), errno: Number(f.errno ?? 0) })
        g.replays.set(id, list)
        break
      }
      case 'DMESG':
        g.dmesg.push(rest.replace(/^<\d+>/, '').replace(/^\[\s*\d+\.\d+\]\s*/, ''))
        break
    }
  }
  return g
}

/** errno numbers of x86-64 Linux that a refused P2P read can give. */
export const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  5: 'EIO',
  12: 'ENOMEM',
  14: 'EFAULT',
  22: 'EINVAL',
  95: 'EOPNOTSUPP',
  121: 'EREMOTEIO',
}
export const errnoName = (n: number) => ERRNO_NAMES[n] ?? `errno ${n}`
