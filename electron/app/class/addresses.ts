/**
 * The addresses a class server can listen on: the host's own interface addresses (os.networkInterfaces),
 * loopback included (127.0.0.1 reaches this machine only: for trying it out and for tests). IPv6
 * link-local addresses are left out: a browser cannot open a URL with a zone id (fe80::1%eth0).
 */
import { networkInterfaces } from 'node:os'
import type { ClassAddress } from '../../../shared/model/class'

type Interfaces = ReturnType<typeof networkInterfaces>

export function classAddresses(interfaces: Interfaces = networkInterfaces()): ClassAddress[] {
  const out: ClassAddress[] = []
  for (const [iface, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv6' && (info.scopeid || /^fe80:/i.test(info.address))) continue
      out.push({ address: info.address, family: info.family, iface, internal: info.internal })
    }
  }
  // LAN addresses first (what attendees need), IPv4 before IPv6, loopback last.
  const rank = (a: ClassAddress) => (a.internal ? 2 : 0) + (a.family === 'IPv6' ? 1 : 0)
  out.sort((a, b) => rank(a) - rank(b))
  if (!out.some((a) => a.address === '127.0.0.1'))
    out.push({ address: '127.0.0.1', family: 'IPv4', iface: 'lo', internal: true })
  return out
}
