/**
 * Where a test system's database comes from.
 *
 * Migrating a fresh embedded database costs ~27 s of initdb and ~10 s of migrations
 * under load, and almost every integration and browser file starts at least one. So
 * the global setup (test/helpers/global-setup.ts) makes one migrated template per run
 * and each test system starts from a copy of it:
 *
 * - embedded (default): a stopped, migrated PGlite data directory; a system copies it
 *   into its own DATA_DIR/pg and opens it (a reopened data directory, as after any
 *   restart: the server still runs migrate(), which finds nothing to do, seeds the
 *   demo network and makes the admin, exactly as on a fresh one).
 * - server (`TEST_DATABASE_URL`, `npm run test:server`): a migrated template database
 *   on that TimescaleDB server; each system gets `CREATE DATABASE … TEMPLATE` of it,
 *   dropped when the system stops (and every database of the run at the end).
 *
 * First-start behaviour (a fresh data directory, migrations from nothing, restore into
 * an empty directory) is still tested where a test asks for it: a test that passes its
 * own DATA_DIR gets exactly that directory, untouched.
 */
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { cp, mkdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { inject } from 'vitest'

/** What the global setup hands every test file (vitest provide/inject). */
export type TestDatabaseInfo =
  | { engine: 'embedded'; templatePgDir: string }
  | { engine: 'server'; adminUrl: string; template: string; prefix: string }

declare module 'vitest' {
  export interface ProvidedContext {
    pwTestDatabase: TestDatabaseInfo | null
  }
}

/** The template of this run, or undefined when the file runs without the global setup. */
export function testDatabaseInfo(): TestDatabaseInfo | undefined {
  try {
    return inject('pwTestDatabase') ?? undefined
  } catch {
    return undefined // not under vitest's runner
  }
}

/** Which engine the integration and browser tests run on: `server` under `npm run test:server`. */
export const TEST_ENGINE: 'embedded' | 'server' = process.env.TEST_DATABASE_URL ? 'server' : 'embedded'
export const onServer = TEST_ENGINE === 'server'
export const onEmbedded = TEST_ENGINE === 'embedded'

/**
 * For `describe.skipIf(...)`: true when the tests must skip on this engine, and says why
 * on the console so that a skipped file is never silent.
 */
export function onlyOn(engine: 'embedded' | 'server', reason: string): boolean {
  const skip = TEST_ENGINE !== engine
  if (skip) console.log(`[${TEST_ENGINE}] skipped: ${reason} (runs on the ${engine} engine only)`)
  return skip
}

/** The database URL with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

async function admin<T>(adminUrl: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl })
  await c.connect()
  try {
    return await run(c)
  } finally {
    await c.end().catch(() => undefined)
  }
}

/**
 * Fills `dataDir/pg` with a copy of the run's migrated template, if there is one and the
 * directory holds no database yet. Returns whether it copied.
 */
export async function seedDataDir(dataDir: string): Promise<boolean> {
  const info = testDatabaseInfo()
  if (info?.engine !== 'embedded') return false
  const pgDir = path.join(dataDir, 'pg')
  if (
    await stat(path.join(pgDir, 'PG_VERSION')).then(
      () => true,
      () => false,
    )
  )
    return false
  await copyDir(info.templatePgDir, pgDir)
  return true
}

/**
 * Copies a directory tree. `cp -a` (coreutils) copies the template's 1,400 files for a
 * tenth of the CPU time of node's fs.cp (0.1 s against 1.4 s; 1 s against 12 s of wall time
 * on the loaded 2-core machine), and every test system does it once; fs.cp where there is
 * no `cp`.
 */
async function copyDir(from: string, to: string): Promise<void> {
  try {
    await mkdir(to, { recursive: true })
    await run('cp', ['-a', '--', `${from}/.`, to]) // the contents, into `to` whether it existed or not
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    await cp(from, to, { recursive: true })
  }
}

/** Removes a test system's directory: `rm -rf` (0.02 s of CPU against fs.rm's 0.2 s for a database), or fs.rm. */
export async function removeDir(dir: string): Promise<void> {
  try {
    await run('rm', ['-rf', '--', dir])
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    await rm(dir, { recursive: true, force: true })
  }
}

const run = promisify(execFile)

export interface ServerTestDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

/**
 * On the server engine: a database of its own for one test system, copied from the run's
 * template. `key` (a test's own DATA_DIR) names it stably, so that a system restarted on
 * the same DATA_DIR finds its data again; such a database is kept until the run ends.
 * The template's TimescaleDB jobs are paused (global-setup.ts), so a new copy's scheduler
 * runs nothing before this decides: its jobs are resumed unless `paused` (a system started
 * with RUN_WORKERS=false, where no policy runs unless a test runs it, as on the embedded
 * engine). Pausing them after the copy raced the scheduler, which sometimes refreshed the
 * minute aggregates first: a test's scans in the past then stayed below the watermark.
 */
export async function serverTestDatabase(
  key?: string,
  o: { paused?: boolean } = {},
): Promise<ServerTestDatabase | undefined> {
  const info = testDatabaseInfo()
  if (info?.engine !== 'server') return undefined
  const suffix = key
    ? `k${createHash('sha256').update(key).digest('hex').slice(0, 12)}`
    : randomBytes(6).toString('hex')
  const name = `${info.prefix}_${suffix}`
  let created = false
  await admin(info.adminUrl, async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (exists.rowCount === 0) {
      await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(info.template)}`)
      created = true
    }
  })
  const url = withDatabase(info.adminUrl, name)
  if (o.paused) await pauseServerJobs(url)
  else if (created) await scheduleServerJobs(url, true)
  return {
    name,
    url,
    drop: key
      ? async () => undefined
      : () =>
          admin(info.adminUrl, async (c) => {
            await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
          }),
  }
}

/** Schedules (or unschedules) the product's TimescaleDB jobs in a server database. */
async function scheduleServerJobs(url: string, scheduled: boolean): Promise<void> {
  await admin(url, async (c) => {
    await c.query('SELECT alter_job(job_id, scheduled => $1) FROM timescaledb_information.jobs WHERE job_id >= 1000', [
      scheduled,
    ])
  })
}

/** Unschedules the product's TimescaleDB jobs in a server test database: its policies then run only when a test runs them. */
async function pauseServerJobs(url: string): Promise<void> {
  await scheduleServerJobs(url, false)
}
