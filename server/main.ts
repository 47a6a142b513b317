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
  const log = createLogger(config.logLevel, undefined, config.logFormat)
  log.info(
    config.databaseUrl
      ? 'starting ParcelWatch on the database at DATABASE_URL'
      : `starting ParcelWatch: opening the embedded database in ${config.dataDir} (the first start takes about half a minute)`,
  )
  // A signal during start-up stops at once: nothing is serving yet.
  const early = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'stopped during start-up')
    process.exit(130)
  }
  process.once('SIGINT', early)
  process.once('SIGTERM', early)
  const system = await startSystem(config, log)
  process.off('SIGINT', early)
  process.off('SIGTERM', early)
  let stopSimulator: (() => Promise<void>) | undefined
  if (simulate) {
    const { startSimulator } = await import('../sim/simulator.ts')
    const { demoStart } = await import('./services/demo-network.ts')
    const token = await createApiToken(system.database.pool, 'demo simulator', 'integrator', null)
    // Demo pace: on an empty database, two days of parcels already on the road and three
    // hours of backlog replayed at 60× (about three minutes), then real time at ~600
    // parcels an hour. On an earlier run's database: that run's parcels carry on. Batches of
    // 1,000 events: each is a transaction the embedded database runs alone, so a sign-in
    // waits for a shorter one (issue 12, item 3).
    const plan = await demoStart(system.database.pool, new Date())
    const sim = startSimulator({
      baseUrl: system.url,
      token,
      speed: 60,
      parcelsPerSecond: 10,
      eventsPerCall: 1_000,
      backlogHours: plan.backlogHours,
      warmupHours: plan.warmupHours,
      resume: plan.resume,
      incidents: config.simInject,
      ledgerFile: process.env.SIM_LEDGER,
      logger: log.child({ module: 'sim' }),
    })
    stopSimulator = () => sim.stop()
  }
  const open = `http://localhost:${system.port}/`
  log.info(
    { url: open, user: 'admin' },
    `ParcelWatch is ready: ${open} — sign in as admin${simulate ? ' (the simulator is feeding it parcels)' : ''}. Ctrl-C stops it.`,
  )
  let stopping = false
  const force = (why: string) => {
    log.warn(`${why}: ending the database and Redis processes now`)
    system.kill()
    process.exit(1)
  }
  const shutdown = async (signal: string) => {
    if (stopping) return force(`${signal} again`)
    stopping = true
    log.info({ signal }, 'stopping ParcelWatch (a second Ctrl-C forces it)')
    // Closing waits for a running job and lets the embedded database close its files;
    // a database busy with a long refresh may not answer, so there is a bound.
    const timer = setTimeout(() => force('not stopped after 10 s'), 10_000)
    timer.unref()
    try {
      await stopSimulator?.()
      await system.close()
    } catch (err) {
      log.error({ err }, 'error while stopping')
      return force('stopping failed')
    }
    log.info('ParcelWatch stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

main().catch((err) => {
  process.stderr.write(`ParcelWatch failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
