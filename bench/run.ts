/**
 * `npm run bench`: builds the app and the CLI (npm run build), then prints whole-process CLI,
 * engine and renderer figures with their goals and ratios; `npm run bench -- cli engine` runs only
 * the modules named (cli, p2p, renderer, engine). Figures are for reading and for the README; tests never assert timings.
 */
import { Reporter } from './harness'
import { bench as cli } from './cli'
import { bench as p2p } from './p2p'
import { bench as engine } from './engine'
import { bench as renderer } from './renderer'
import { bench as real } from './real'
import { bench as classSession } from './class'

const modules: [string, (r: Reporter) => void | Promise<void>][] = [
  ['cli', cli],
  ['p2p', p2p],
  ['real', real],
  ['renderer', renderer],
  ['engine', engine],
  ['class', classSession],
]

const only = process.argv.slice(2)
const r = new Reporter()
process.stdout.write(`P2P DMA Lab benchmarks · node ${process.version} · ${new Date().toISOString()}\n`)
for (const [name, run] of modules) {
  if (only.length && !only.includes(name)) continue
  await run(r)
}
