/**
 * Renders build/icon.png (512×512, RGBA) from the shapes of build/icon.svg without an SVG library:
 * the icon is a handful of rounded rectangles and stroked lines, rasterised here with 4×4
 * supersampling and written with our own PNG encoder (node:zlib). electron-builder derives the
 * .ico/.icns and the Linux sizes from this PNG. Run: `npx tsx tools/gen-icon.ts` after editing
 * the SVG, and keep the two in step (build/packaging.test.ts checks the PNG's header).
 */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

type Rgb = [number, number, number]
/** Coverage test in SVG user units (the viewBox is 0 0 256 256). */
type Shape = { color: Rgb; inside: (x: number, y: number) => boolean }

const hex = (h: string): Rgb => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb

function roundRect(x: number, y: number, w: number, h: number, r: number, color: string): Shape {
  return {
    color: hex(color),
    inside(px, py) {
      if (px < x || py < y || px > x + w || py > y + h) return false
      const cx = Math.min(Math.max(px, x + r), x + w - r)
      const cy = Math.min(Math.max(py, y + r), y + h - r)
      return (px - cx) ** 2 + (py - cy) ** 2 <= r * r
    },
  }
}

/** A stroked segment; round caps extend it by half the width, butt caps do not. */
function segment(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  width: number,
  color: string,
  cap: 'round' | 'butt',
): Shape {
  const dx = x2 - x1
  const dy = y2 - y1
  const len2 = dx * dx + dy * dy
  return {
    color: hex(color),
    inside(px, py) {
      const t = ((px - x1) * dx + (py - y1) * dy) / len2
      if (cap === 'butt' && (t < 0 || t > 1)) return false
      const c = Math.min(1, Math.max(0, t))
      return (px - (x1 + c * dx)) ** 2 + (py - (y1 + c * dy)) ** 2 <= (width / 2) ** 2
    },
  }
}

/** build/icon.svg, shape by shape, in paint order. */
export function iconShapes(): Shape[] {
  const lines: Shape[] = [
    segment(128, 48, 128, 96, 10, '#7fd1b9', 'round'),
    segment(128, 96, 72, 150, 10, '#7fd1b9', 'round'),
    segment(128, 96, 184, 150, 10, '#7fd1b9', 'round'),
  ]
  const dashes: Shape[] = []
  for (let x = 104; x < 152; x += 18)
    dashes.push(segment(x, 178, Math.min(x + 10, 152), 178, 8, '#ffffff', 'butt'))
  return [
    roundRect(0, 0, 256, 256, 40, '#1f2a44'),
    ...lines,
    roundRect(100, 36, 56, 28, 6, '#7fd1b9'),
    roundRect(40, 150, 64, 56, 8, '#f2b84b'),
    roundRect(152, 150, 64, 56, 8, '#f2b84b'),
    ...dashes,
  ]
}

/** RGBA pixels, `size`×`size`, 4×4 samples per pixel (straight alpha). */
export function rasterise(shapes: Shape[], size: number): Uint8Array {
  const out = new Uint8Array(size * size * 4)
  const n = 4
  const scale = 256 / size
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) * scale
          const y = (py + (sy + 0.5) / n) * scale
          let hit: Rgb | null = null
          for (const s of shapes) if (s.inside(x, y)) hit = s.color
          if (hit) {
            r += hit[0]
            g += hit[1]
            b += hit[2]
            a++
          }
        }
      }
      const o = (py * size + px) * 4
      if (a > 0) {
        out[o] = Math.round(r / a)
        out[o + 1] = Math.round(g / a)
        out[o + 2] = Math.round(b / a)
      }
      out[o + 3] = Math.round((a / (n * n)) * 255)
    }
  }
  return out
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** A truecolour-with-alpha, 8-bit, non-interlaced PNG. */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 6, 0, 0, 0], 8)
  const raw = Buffer.alloc(height * (width * 4 + 1))
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0 // filter: none
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ])
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const size = 512
  const out = join(dirname(fileURLToPath(import.meta.url)), '../build/icon.png')
  writeFileSync(out, encodePng(rasterise(iconShapes(), size), size, size))
  console.log(`wrote ${out} (${size}×${size})`)
}
