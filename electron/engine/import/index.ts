/**
 * Import entry point: `importText(fileName, text)` detects the format from the content (never the
 * extension), runs the matching importer and returns a LabFile plus an ImportReport, or located
 * InputIssues. It never throws and never hangs: every importer is linear in the input and bounds
 * nesting, and any exception (ours or a bug) becomes an InputIssue.
 *
 * Formats: P2P DMA Lab JSON (lab.ts), hwloc XML 2.0/3.0 (hwloc.ts), NCCL topology XML (nccl.ts),
 * `lspci -vvv` and `lspci -x/-xxx/-xxxx` config dumps (lspci-vvv.ts), `lspci -tv` (lspci-tv.ts), `nvidia-smi topo -m` (nvidia-smi.ts).
 */
import { LIMITS } from '../../../shared/model/limits'
import { lineColumn } from '../../../shared/text/utf8'
import type { ImportFormat, ImportReport, InputIssue, LabFile } from '../../../shared/model/topology'
import { BMC_DISPLAY_TEXT, ImportFailure, checkLab, type ImportResult } from './common'
import { isBmcDisplay } from '../pciids/names'
import { importHwloc } from './hwloc'
import { loadLab } from './lab'
import { importLspciTv, looksLikeLspciTv } from './lspci-tv'
import { importLspciVvv, looksLikeLspciVvv } from './lspci-vvv'
import { importNccl } from './nccl'
import { importSysfs, looksLikeSysfsCapture } from './sysfs'
import { importNvidiaSmi, looksLikeNvidiaSmi } from './nvidia-smi'

export type { ImportResult } from './common'
export { serializeLab, migrate } from './lab'

/** Formats by content. 'unknown' when nothing matches. */
export function detectFormat(text: string): ImportFormat | 'unknown' {
  const head = text.slice(0, 64 * 1024)
  const trimmed = head.replace(/^\uFEFF/, '').trimStart()
  if (trimmed.startsWith('{') && /"format"\s*:\s*"p2p-dma-lab"/.test(head)) return 'lab'
  if (trimmed.startsWith('<')) {
    if (/<topology[\s>/]/.test(head)) return 'hwloc-xml'
    if (/<system\s+version\s*=/.test(head)) return 'nccl-xml'
  }
  if (looksLikeSysfsCapture(head)) return 'sysfs'
  if (looksLikeLspciTv(head)) return 'lspci-tv'
  if (looksLikeNvidiaSmi(head)) return 'nvidia-smi-topo'
  if (looksLikeLspciVvv(head)) return 'lspci-vvv'
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return 'lab'
  return 'unknown'
}

/** A character looksBinary() counts: NUL, C0 controls other than tab, LF, VT, FF, CR and ESC, U+FFFD. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const BINARY_HINT = /[\u0000-\u0008\u000e-\u001a\u001c-\u001f\ufffd]/

/** Binary input: NUL bytes or many control characters in the first 8 KiB. */
function looksBinary(text: string): number {
  const head = text.slice(0, 8192)
  // Text files have none of them: one native search instead of the loop below.
  if (!BINARY_HINT.test(head)) return -1
  let control = 0
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i)
    if (c === 0) return i
    if ((c < 9 || (c > 13 && c < 32)) && c !== 27) control++
    if (c === 0xfffd) control++
  }
  return control > 16 && control > head.length / 64 ? 0 : -1
}

function byteLength(text: string): number {
  // UTF-8 length without TextEncoder allocation of the whole string twice.
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 2 : 3
  }
  return bytes
}

/** The importer of each detected format (a lab file is loaded, not imported). */
const IMPORTERS: Record<
  Exclude<ImportFormat, 'lab'>,
  (fileName: string, text: string) => { lab: LabFile; report: ImportReport }
> = {
  'hwloc-xml': importHwloc,
  'nccl-xml': importNccl,
  'lspci-vvv': importLspciVvv,
  'lspci-tv': importLspciTv,
  sysfs: importSysfs,
  'nvidia-smi-topo': importNvidiaSmi,
}

export function importText(fileName: string, text: string): ImportResult {
  const source = fileName
  try {
    if (typeof text !== 'string') return { ok: false, issues: [{ source, message: 'input is not text' }] }
    // At most 3 UTF-8 bytes per UTF-16 unit: only a text near the limit needs its bytes counted.
    if (
      text.length > LIMITS.maxFileBytes ||
      (text.length * 3 > LIMITS.maxFileBytes && byteLength(text) > LIMITS.maxFileBytes)
    ) {
      return {
        ok: false,
        issues: [
          {
            source,
            message: `file is larger than ${LIMITS.maxFileBytes / (1024 * 1024)} MiB; P2P DMA Lab does not import files this large`,
          },
        ],
      }
    }
    if (text.trim().length === 0)
      return { ok: false, issues: [{ source, line: 1, column: 1, message: 'file is empty' }] }
    const bin = looksBinary(text)
    if (bin !== -1) {
      return {
        ok: false,
        issues: [
          {
            source,
            ...lineColumn(text, bin),
            message: `this is a binary file (control bytes near offset ${bin}), not a text topology format`,
          },
        ],
      }
    }
    const format = detectFormat(text)
    if (format === 'lab') return loadLab(fileName, text)
    const importer = format === 'unknown' ? undefined : IMPORTERS[format]
    if (!importer)
      return {
        ok: false,
        issues: [
          {
            source,
            line: 1,
            column: 1,
            message:
              'unknown format: expected a P2P DMA Lab file, hwloc XML (lstopo --of xml), NCCL topology XML, lspci -vvv, lspci -tv, nvidia-smi topo -m output or a sysfs capture (lab import --this-machine)',
          },
        ],
      }
    const result: ImportResult = { ok: true, ...importer(fileName, text) }
    if (result.ok) {
      const issues = checkLab(source, result.lab)
      if (issues.length > 0) return { ok: false, issues }
      noteBmcDisplays(result)
    }
    return result
  } catch (e) {
    return { ok: false, issues: [toIssue(source, e)] }
  }
}

/** Lists the BMC display assumption in the report when the import met such a function. */
function noteBmcDisplays(result: Extract<ImportResult, { ok: true }>): void {
  const n = result.lab.machine.nodes.filter((x) => x.endpoint && isBmcDisplay(x.vendor, x.classCode)).length
  if (n > 0) result.report.assumed.push(`${n} × ${BMC_DISPLAY_TEXT}`)
}

function toIssue(source: string, e: unknown): InputIssue {
  if (e instanceof ImportFailure) {
    const issue: InputIssue = { source, message: e.message }
    if (e.line !== undefined) issue.line = e.line
    if (e.column !== undefined) issue.column = e.column
    if (e.path !== undefined) issue.path = e.path
    return issue
  }
  if (e instanceof RangeError) return { source, message: `input too complex to import (${e.message})` }
  return { source, message: `internal error while importing: ${e instanceof Error ? e.message : String(e)}` }
}
