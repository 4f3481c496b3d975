/**
 * Regenerates renderer/src/assets/fonts/lab-glyphs.woff2: the glyphs below, cut out of Noto Sans
 * Symbols 2 (OFL 1.1). Not a dependency of the app: install the two packages without saving first,
 *   npm install --no-save subset-font@2.9.0 @fontsource/noto-sans-symbols-2@5.3.0
 * then run `node tools/gen-glyph-font.mjs`. Keep theme.css's unicode-range and the README in step.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export const GLYPHS = '⛔⚠✓✗●○◐▶▾▸'

const require = createRequire(import.meta.url)
const { default: subsetFont } = await import('subset-font')
const src = readFileSync(
  require.resolve('@fontsource/noto-sans-symbols-2/files/noto-sans-symbols-2-symbols-400-normal.woff2'),
)
const out = await subsetFont(src, GLYPHS, { targetFormat: 'woff2' })
const dest = fileURLToPath(new URL('../renderer/src/assets/fonts/lab-glyphs.woff2', import.meta.url))
writeFileSync(dest, out)
console.log(`${dest}: ${out.length} bytes, ${[...GLYPHS].length} glyphs`)
