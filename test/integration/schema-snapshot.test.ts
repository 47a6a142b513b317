import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config.ts'
import { openDatabase, type Database } from '../../server/db/database.ts'
import { loadMigrations, migrate } from '../../server/db/migrate.ts'
import { dumpSchema } from '../../server/db/schema-dump.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { onlyOn, seedDataDir } from '../helpers/test-db.ts'

const SCHEMA_FILE = fileURLToPath(new URL('../../sql/schema.sql', import.meta.url))

let dataDir: string | undefined
let database: Database | undefined
afterAll(async () => {
  await database?.close()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

// The snapshot is the embedded engine's deparse (PostgreSQL 17); another server version words some definitions differently.
describe.skipIf(onlyOn('embedded', 'sql/schema.sql is written from the embedded engine'))(
  'schema snapshot sql/schema.sql',
  () => {
    it('is exactly what the migrations add up to (after a new migration: npm run schema:dump)', async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-schema-'))
      await seedDataDir(dataDir) // the run's template, migrated from sql/ (without it: a fresh database, migrated here)
      const log = createLogger('silent')
      database = await openDatabase(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), log)
      await migrate(database.pool, log)
      const ledger = await database.pool.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      )
      expect(ledger.rows.map((r) => r.version)).toEqual((await loadMigrations()).map((m) => m.version))

      const actual = await dumpSchema(database.pool)
      const snapshot = await readFile(SCHEMA_FILE, 'utf8').catch(() => '(no sql/schema.sql)')
      expect(
        actual,
        'sql/schema.sql disagrees with the migrations in sql/: run npm run schema:dump and commit the file',
      ).toBe(snapshot)
    })
  },
)
