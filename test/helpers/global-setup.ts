/**
 * vitest globalSetup of the integration and browser projects: one migrated template
 * database per run (see test-db.ts), handed to every test file as `pwTestDatabase`.
 * Both projects name this file; the template is made once per process and removed
 * after the last project's teardown.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { loadConfig } from '../../server/config.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { openDatabase } from '../../server/db/database.ts'
import { migrate } from '../../server/db/migrate.ts'
import { withDatabase, type TestDatabaseInfo } from './test-db.ts'

interface Shared {
  users: number
  info: Promise<TestDatabaseInfo>
  cleanup: () => Promise<void>
}
const KEY = Symbol.for('parcelwatch.test-template')
const holder = globalThis as unknown as { [KEY]?: Shared }

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn')

async function makeEmbedded(): Promise<{ info: TestDatabaseInfo; cleanup: () => Promise<void> }> {
  const started = Date.now()
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-template-'))
  const database = await openDatabase(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), log)
  try {
    const applied = await migrate(database.pool, log)
    console.log(
      `[embedded] test template: ${applied} migrations in ${((Date.now() - started) / 1000).toFixed(1)} s (${dataDir})`,
    )
  } finally {
    await database.close() // a clean shutdown: copies of the directory open like any restarted one
  }
  return {
    info: { engine: 'embedded', templatePgDir: path.join(dataDir, 'pg') },
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  }
}

async function adminQuery(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await c.query(sql)
  } finally {
    await c.end().catch(() => undefined)
  }
}

async function makeServer(adminUrl: string): Promise<{ info: TestDatabaseInfo; cleanup: () => Promise<void> }> {
  const started = Date.now()
  // TEST_DATABASE_PREFIX lets people sharing one server tell their runs' databases apart.
  const prefix = `${process.env.TEST_DATABASE_PREFIX ?? 'pw_test'}_${randomBytes(4).toString('hex')}`
  const template = `${prefix}_template`
  await adminQuery(adminUrl, `CREATE DATABASE "${template}"`)
  const database = await openDatabase(
    loadConfig({ DATABASE_URL: withDatabase(adminUrl, template), LOG_LEVEL: 'silent' }),
    log,
  )
  let applied: number
  try {
    applied = await migrate(database.pool, log)
    // Copies start with their jobs paused; serverTestDatabase (test-db.ts) resumes them where workers run.
    await database.pool.query(
      'SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000',
    )
  } finally {
    await database.close()
  }
  // CREATE DATABASE … TEMPLATE needs the template free of sessions: TimescaleDB's scheduler
  // connects to every database that allows connections, so this one stops allowing them.
  await adminQuery(adminUrl, `ALTER DATABASE "${template}" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true`)
  await adminQuery(
    adminUrl,
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${template}' AND pid <> pg_backend_pid()`,
  )
  const version = (await adminQuery(adminUrl, `SELECT current_setting('server_version') AS v`)).rows[0]?.v
  console.log(
    `[server] test template ${template} on PostgreSQL ${version}: ${applied} migrations in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  return {
    info: { engine: 'server', adminUrl, template, prefix },
    async cleanup() {
      const left = await adminQuery(
        adminUrl,
        `SELECT datname FROM pg_database WHERE datname LIKE '${prefix}\\_%' ORDER BY datname = '${template}'`,
      )
      for (const row of left.rows as { datname: string }[]) {
        if (row.datname === template) await adminQuery(adminUrl, `ALTER DATABASE "${template}" WITH IS_TEMPLATE false`)
        await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`).catch((err: Error) =>
          console.warn(`could not drop ${row.datname}: ${err.message}`),
        )
      }
    },
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = holder[KEY]
  if (!shared) {
    const url = process.env.TEST_DATABASE_URL
    const made = url ? makeServer(url) : makeEmbedded()
    let cleanup = async () => undefined as void
    const info = made.then((m) => {
      cleanup = m.cleanup
      return m.info
    })
    shared = holder[KEY] = { users: 0, info, cleanup: () => cleanup() }
  }
  shared.users++
  project.provide('pwTestDatabase', await shared.info)
  return async () => {
    if (--shared.users > 0) return
    delete holder[KEY]
    await shared.cleanup()
  }
}
