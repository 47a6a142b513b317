import { loadConfig } from '../server/config.ts'
import { createLogger } from '../server/lib/logger.ts'
import { openCore, startWorkers } from '../server/system.ts'

/**
 * `npm run worker`: workers as a separate process, any number of them. Needs the
 * same DATABASE_URL, REDIS_URL and QUEUE_PREFIX as the servers. With the embedded
 * database, DATABASE_URL is that of the server running it: start that server with a
 * fixed EMBEDDED_PG_PORT and give the workers
 * DATABASE_URL=postgres://postgres:<the secret in its DATA_DIR/db-secret>@127.0.0.1:<that port>/postgres.
 */
const config = loadConfig()
const log = createLogger(config.logLevel, undefined, config.logFormat).child({ process: 'worker' })
if (!config.databaseUrl) {
  log.fatal(
    'npm run worker needs DATABASE_URL: a TimescaleDB server, or the embedded database of a server started with EMBEDDED_PG_PORT (postgres://postgres:<DATA_DIR/db-secret>@127.0.0.1:<EMBEDDED_PG_PORT>/postgres)',
  )
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
