/**
 * npm run schema:dump [-- <file>]
 *
 * Migrates a fresh embedded database in a temporary directory and writes the schema
 * the migrations add up to into sql/schema.sql (or <file>): see server/db/schema-dump.ts.
 * Run it after adding a migration; the schema snapshot test fails until you do.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { createLogger } from '../lib/logger.ts'
import { openDatabase } from '../db/database.ts'
import { migrate } from '../db/migrate.ts'
import { dumpSchema } from '../db/schema-dump.ts'
import { runCli, UsageError } from './run-cli.ts'

const SCHEMA_FILE = fileURLToPath(new URL('../../sql/schema.sql', import.meta.url))

const USAGE = `usage: npm run schema:dump [-- <file>]
  Applies every migration of sql/ to a fresh embedded database and writes the schema
  they add up to into sql/schema.sql (or <file>).`

runCli(USAGE, async (argv, out) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean' } },
    allowPositionals: true,
  })
  if (values.help) return void out(USAGE)
  if (positionals.length > 1) throw new UsageError('one file at most')
  const file = positionals[0] ?? SCHEMA_FILE
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-schema-'))
  const log = createLogger('warn')
  try {
    const database = await openDatabase(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }), log)
    try {
      const applied = await migrate(database.pool, log)
      await writeFile(file, await dumpSchema(database.pool))
      out(`${file}: the schema of ${applied} migrations`)
    } finally {
      await database.close()
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
})
