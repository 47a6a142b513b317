import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { loadConfig, type Config } from '../../server/config.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { openDatabase, type Database } from '../../server/db/database.ts'
import { migrate } from '../../server/db/migrate.ts'
import { upsertCouriers, upsertHubs } from '../../server/db/reference-repo.ts'
import { DEMO_COURIERS, DEMO_HUBS } from '../../server/data/network.ts'

/** A fresh embedded database in a temporary data directory, migrated, with the demo network; close() removes it. */
export async function openBenchDatabase(tag: string): Promise<{ db: Database; config: Config; close(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `pw-bench-${tag}-`))
  const log = createLogger('warn')
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', EMBEDDED_PG_PROFILE: process.env.EMBEDDED_PG_PROFILE })
  const db = await openDatabase(config, log)
  await migrate(db.pool, log)
  await upsertHubs(db.pool, DEMO_HUBS)
  await upsertCouriers(db.pool, DEMO_COURIERS)
  return {
    db, config,
    async close() {
      await db.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
