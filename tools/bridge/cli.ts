/**
 * `npm run serve`: after `electron-vite build`, serve the app in a browser against the real engine.
 * Port: --port N, else LAB_PORT, else 5199 (0 = any free port). Always bound to 127.0.0.1.
 * --oracle: offer "Verify with a real kernel" (off unless asked: it boots QEMU, may call apt-get).
 */
import { startBridge } from './server'

function parsePort(argv: string[]): number {
  const i = argv.findIndex((a) => a === '--port' || a.startsWith('--port='))
  const raw = i < 0 ? process.env['LAB_PORT'] : argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1]
  if (raw === undefined || raw === '') return 5199
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`lab serve: invalid port '${raw}'`)
    process.exit(2)
  }
  return port
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const bridge = await startBridge({ port: parsePort(argv), oracle: argv.includes('--oracle') })
  console.log(`P2P DMA Lab (browser harness) at ${bridge.url}`)
  console.log(
    'Open that address in Chromium (it carries an access token; without it the harness answers 403). Ctrl+C stops the server.',
  )
  if (argv.includes('--oracle')) console.log('"Verify with a real kernel" is on (--oracle).')
  const stop = (): void => {
    void bridge.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  console.error(`lab serve: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
