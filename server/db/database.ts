import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'
import type { Config } from '../config.ts'
import type { Logger } from '../lib/logger.ts'

// int8 (counts, sums) as numbers: every count here is far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v))
// numeric as numbers: weights and volumes have three decimals at most.
pg.types.setTypeParser(1700, (v) => Number(v))

export interface Database {
  pool: pg.Pool
  embedded: boolean
  /** Connection string other processes can use (embedded: while this process runs). */
  url: string
  close(): Promise<void>
}

/**
 * With DATABASE_URL: an ordinary pool against a TimescaleDB server.
 * Without it: PGlite with TimescaleDB built in, persisted in DATA_DIR, served on a
 * loopback port over the PostgreSQL wire protocol and reached through the very same
 * `pg` code. The embedded server serves one connection at a time, so this launcher
 * owns the pool size: one.
 */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  if (config.databaseUrl) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 })
    pool.on('error', (err) => log.error({ err }, 'idle database client failed'))
    return { pool, embedded: false, url: config.databaseUrl, close: () => pool.end() }
  }
  return openEmbedded(config, log)
}

async function openEmbedded(config: Config, log: Logger): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite')
  const { timescaledb } = await import('@electric-sql/pglite/timescaledb')
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
  const dataDir = path.resolve(config.dataDir, 'pg')
  await mkdir(dataDir, { recursive: true })
  const started = Date.now()
  const db = await PGlite.create({ dataDir, extensions: { timescaledb } })
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: config.embeddedPgPort })
  await server.start()
  const address = (server as unknown as { server: { address(): { port: number } } }).server.address()
  const url = `postgres://postgres@127.0.0.1:${address.port}/postgres`
  log.info({ dataDir, port: address.port, ms: Date.now() - started }, 'embedded TimescaleDB ready')
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  pool.on('error', (err) => log.error({ err }, 'embedded database client failed'))
  return {
    pool,
    embedded: true,
    url,
    async close() {
      await pool.end()
      await server.stop()
      await db.close()
    },
  }
}
