import { MASK } from '../../../../shared/class/protocol'

/** A syscall return value as a learner reads it: addresses in hex, small numbers in decimal. */
export function retText(ret: number | null): string {
  if (ret === null) return '—'
  return ret > 0xffff ? '0x' + ret.toString(16) : String(ret)
}

/** 'ok (0x7f0000000000)', '-EFAULT (-14)', 'not in era'. */
export function outcomeText(o: {
  ret: number | null
  errno: string | null
  notInEra?: string | null
}): string {
  if (o.notInEra) return 'not in era'
  // a masked errno (an open exercise) goes without its number, which would name it
  if (o.errno) return o.errno.includes(MASK) ? `-${o.errno}` : `-${o.errno} (${o.ret})`
  return o.ret === null ? 'not in era' : `ok (${retText(o.ret)})`
}
