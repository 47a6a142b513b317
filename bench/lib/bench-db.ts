import { loadConfig, type Config } from '../../server/config.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { openDatabase, type Database } from '../../server/db/database.ts'
import { migrate } from '../../server/db/migrate.ts'
import { upsertCouriers, upsertHubs } from '../../server/db/reference-repo.ts'
import { DEMO_COURIERS, DEMO_HUBS } from '../../server/data/network.ts'
import { engineLine, openBenchTarget, type BenchEngine } from './engine.ts'

/**
 * A fresh database on the engine the environment names (bench/lib/engine.ts: the
 * embedded one in a temporary data directory, or a database of its own on the
 * DATABASE_URL server), migrated, with the demo network; `engine` is the line to print;
 * close() removes it.
 */
export async function openBenchDatabase(
  tag: string,
): Promise<{ db: Database; config: Config; engine: BenchEngine; engineLine: string; close(): Promise<void> }> {
  const target = await openBenchTarget(tag)
  const log = createLogger('warn')
  const config = loadConfig({ ...target.env, LOG_LEVEL: 'warn', EMBEDDED_PG_PROFILE: process.env.EMBEDDED_PG_PROFILE })
  const db = await openDatabase(config, log)
  try {
    await migrate(db.pool, log)
    await upsertHubs(db.pool, DEMO_HUBS)
    await upsertCouriers(db.pool, DEMO_COURIERS)
  } catch (err) {
    await db.close()
    await target.close()
    throw err
  }
  const line = await engineLine(db.pool, db.embedded, config.databaseUrl)
  process.stdout.write(`${line}\n`)
  return {
    db,
    config,
    engine: target.engine,
    engineLine: line,
    async close() {
      await db.close()
      await target.close()
    },
  }
}
