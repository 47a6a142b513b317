import { loadConfig, ConfigError } from './config.ts'
import { createLogger } from './lib/logger.ts'
import { startSystem } from './system.ts'
import { createApiToken } from './services/auth.ts'

const simulate = process.argv.includes('--simulate')

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  const log = createLogger(config.logLevel)
  const system = await startSystem(config, log)
  let stopSimulator: (() => Promise<void>) | undefined
  if (simulate) {
    const { startSimulator } = await import('../sim/simulator.ts')
    const token = await createApiToken(system.database.pool, 'demo simulator', 'integrator', null)
    // Demo pace: two days of parcels already on the road, three hours of backlog
    // replayed at 60× (about three minutes), then real time at ~600 parcels an hour.
    const sim = startSimulator({ baseUrl: system.url, token, speed: 60, parcelsPerSecond: 10, backlogHours: 3, warmupHours: 48, incidents: config.simInject, ledgerFile: process.env.SIM_LEDGER, logger: log.child({ module: 'sim' }) })
    stopSimulator = () => sim.stop()
    log.info({ open: `${system.url.replace('127.0.0.1', 'localhost')}/` }, 'simulator feeding the API; open the dashboard and sign in')
  }
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    await stopSimulator?.()
    await system.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

main().catch((err) => {
  process.stderr.write(`ParcelWatch failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
