import type { AddressRange } from '../../../../shared/model/addressmap'
import { formatBytes } from '../../display/format'

/** The chip text of each kind of range in the address map. */
export const KIND_LABEL: Record<AddressRange['kind'], string> = {
  ram: 'RAM',
  host_window: 'Host bridge',
  bridge_window: 'Window',
  bar: 'BAR',
  io_space: 'I/O',
}

/** A range's tooltip: the exact addresses, its size in bytes and in human units, its flags. */
export function rangeTitle(r: AddressRange): string {
  return `${r.start}-${r.end}\n${r.size.toLocaleString('en-US')} bytes (${formatBytes(r.size)})${r.flags.length ? '\n' + r.flags.join(' ') : ''}`
}
