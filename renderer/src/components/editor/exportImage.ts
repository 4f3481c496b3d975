/**
 * Export the editor canvas as a standalone SVG (and PNG from it): edges are copied from Vue Flow's
 * SVG paths, nodes are redrawn as SVG boxes with their computed colours inlined, so the file needs
 * no stylesheet and opens in any viewer. The PNG renders that SVG on an offscreen canvas.
 */
const SVG_NS = 'http://www.w3.org/2000/svg'

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}

function parseTranslate(el: HTMLElement): { x: number; y: number } {
  const m = /translate\(\s*(-?[\d.]+)px\s*,\s*(-?[\d.]+)px\s*\)/.exec(el.style.transform)
  return m ? { x: Number(m[1]), y: Number(m[2]) } : { x: 0, y: 0 }
}

/**
 * Classes that say what the user is doing on the canvas (a selection, the last refused edit), not
 * what the topology is: the export draws each node as if they were absent.
 */
const TRANSIENT = ['selected', 'error'] as const

/** A standalone SVG of the Vue Flow graph inside `root` (the element holding `.vue-flow`). */
export function canvasToSvg(root: HTMLElement, title = 'PCIe topology'): string {
  const cleared: [HTMLElement, string][] = []
  for (const cls of TRANSIENT)
    for (const el of root.querySelectorAll<HTMLElement>(`.topo-node.${cls}`)) {
      el.classList.remove(cls)
      cleared.push([el, cls])
    }
  try {
    return drawSvg(root, title)
  } finally {
    for (const [el, cls] of cleared) el.classList.add(cls)
  }
}

function drawSvg(root: HTMLElement, title: string): string {
  const nodes = [...root.querySelectorAll<HTMLElement>('.vue-flow__node')]
  const boxes = nodes.map((el) => {
    const p = parseTranslate(el)
    const card = el.querySelector<HTMLElement>('.topo-node') ?? el
    return { el, card, x: p.x, y: p.y, w: card.offsetWidth || 200, h: card.offsetHeight || 78 }
  })
  const pad = 24
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (const b of boxes) {
    minX = Math.min(minX, b.x)
    minY = Math.min(minY, b.y)
    maxX = Math.max(maxX, b.x + b.w)
    maxY = Math.max(maxY, b.y + b.h)
  }
  if (!Number.isFinite(minX)) {
    minX = minY = 0
    maxX = maxY = 100
  }
  const w = Math.ceil(maxX - minX + 2 * pad)
  const h = Math.ceil(maxY - minY + 2 * pad)
  const rootStyle = getComputedStyle(root)
  const bg = rootStyle.getPropertyValue('--panel').trim() || '#ffffff'
  const font = rootStyle.getPropertyValue('--font-ui').trim() || 'sans-serif'
  const parts: string[] = []
  parts.push(
    `<svg xmlns="${SVG_NS}" width="${w}" height="${h}" viewBox="${minX - pad} ${minY - pad} ${w} ${h}" font-family="${esc(font)}">`,
    `<title>${esc(title)}</title>`,
    `<rect x="${minX - pad}" y="${minY - pad}" width="${w}" height="${h}" fill="${esc(bg)}"/>`,
  )
  for (const path of root.querySelectorAll<SVGPathElement>('.vue-flow__edge-path')) {
    const cs = getComputedStyle(path)
    const d = path.getAttribute('d')
    if (!d) continue
    parts.push(
      `<path d="${esc(d)}" fill="none" stroke="${esc(cs.stroke || '#888')}" stroke-width="${esc(cs.strokeWidth || '1')}"/>`,
    )
  }
  for (const b of boxes) {
    const cs = getComputedStyle(b.card)
    const fill = cs.backgroundColor || '#fff'
    const stroke = cs.borderLeftColor || '#999'
    const top = cs.borderTopColor || stroke
    parts.push(`<g transform="translate(${b.x} ${b.y})">`)
    parts.push(
      `<rect width="${b.w}" height="${b.h}" rx="7" fill="${esc(fill)}" stroke="${esc(stroke)}" stroke-width="${esc(cs.borderLeftWidth || '1')}"/>`,
      `<rect width="${b.w}" height="4" fill="${esc(top)}"/>`,
    )
    const lines = [...b.card.querySelectorAll<HTMLElement>('.row1, .label, .row3')]
    let y = 18
    for (const line of lines) {
      const lcs = getComputedStyle(line)
      const text = (line.innerText || line.textContent || '').replace(/\s+/g, ' ').trim()
      if (text) {
        const size = parseFloat(getComputedStyle(line.firstElementChild ?? line).fontSize) || 11
        const weight = line.classList.contains('label') ? 600 : 400
        parts.push(
          `<text x="8" y="${y}" font-size="${size}" font-weight="${weight}" fill="${esc(lcs.color || '#222')}">${esc(text)}</text>`,
        )
      }
      y += line.classList.contains('label') ? 20 : 18
    }
    parts.push('</g>')
  }
  parts.push('</svg>')
  return parts.join('\n')
}

/** Render an SVG string to a PNG data URL at `scale` (device pixels per CSS pixel). */
export async function svgToPng(svg: string, scale = 2): Promise<string> {
  const m = /width="(\d+)" height="(\d+)"/.exec(svg)
  const w = Number(m?.[1] ?? 800)
  const h = Number(m?.[2] ?? 600)
  const img = new Image()
  const loaded = new Promise<void>((resolve, reject) => {
    img.onload = () => resolve()
    img.onerror = () => reject(new Error('the SVG could not be rendered'))
  })
  let bin = ''
  for (const b of new TextEncoder().encode(svg)) bin += String.fromCharCode(b)
  img.src = 'data:image/svg+xml;base64,' + btoa(bin)
  await loaded
  const canvas = document.createElement('canvas')
  canvas.width = Math.max(1, Math.round(w * scale))
  canvas.height = Math.max(1, Math.round(h * scale))
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error('no 2D canvas')
  ctx.scale(scale, scale)
  ctx.drawImage(img, 0, 0, w, h)
  return canvas.toDataURL('image/png')
}

/** Offer `href` (a data: or blob: URL) as a download named `fileName`. */
export function download(fileName: string, href: string): void {
  const a = document.createElement('a')
  a.href = href
  a.download = fileName
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
}

export function downloadText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  download(fileName, url)
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
