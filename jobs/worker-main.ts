import { loadConfig } from '../server/config.ts'
import { createLogger } from '../server/lib/logger.ts'
import { openCore, startWorkers } from '../server/system.ts'

/**
 * `npm run worker`: workers as a separate process, any number of them. Needs the
 * same DATABASE_URL and REDIS_URL as the servers. The embedded database serves one
 * connection, so separate workers need a TimescaleDB server (DATABASE_URL).
 */
const config = loadConfig()
const log = createLogger(config.logLevel).child({ process: 'worker' })
if (!config.databaseUrl) {
  log.fatal('npm run worker needs DATABASE_URL: the embedded database runs inside the server process, whose workers run in-process by default')
  process.exit(2)
}
const { redis, database } = await openCore(config, log)
const workers = startWorkers(config, log, database, redis.url)
log.info('workers running')
const shutdown = async () => {
  await workers.close()
  await database.close()
  await redis.stop()
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown())
process.on('SIGINT', () => void shutdown())
