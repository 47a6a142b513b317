/**
 * Which engine a benchmark runs on, read from the same environment as the product
 * (server/config.ts): with DATABASE_URL, a TimescaleDB server; without it, the
 * embedded database in a temporary data directory. REDIS_URL likewise.
 *
 * On a server, every run gets a database of its own, created next to the one
 * DATABASE_URL names (`CREATE DATABASE pw_bench_<tag>_<random>`, so the account needs
 * CREATEDB) and dropped at the end: a benchmark never writes into a database that
 * holds anything else. BENCH_DB_PREFIX changes the `pw_bench` prefix (people sharing a
 * server), BENCH_KEEP_DB=1 keeps the database and prints its URL.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export type BenchEngine = 'embedded' | 'server'

export interface BenchTarget {
  engine: BenchEngine
  /**
   * What to hand loadConfig (merged over a benchmark's own settings): DATA_DIR (a fresh
   * temporary directory, always), DATABASE_URL (the run's own database on the server),
   * REDIS_URL when one is given.
   */
  env: Record<string, string>
  /** Drops the server database (unless BENCH_KEEP_DB=1) and removes the data directory. */
  close(): Promise<void>
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

async function onServer<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await run(c)
  } finally {
    await c.end().catch(() => undefined)
  }
}

/** The engine named by the environment, with a fresh database on it for this run. */
export async function openBenchTarget(tag: string, environment: NodeJS.ProcessEnv = process.env): Promise<BenchTarget> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `pw-bench-${tag}-`))
  const env: Record<string, string> = { DATA_DIR: dataDir }
  if (environment.REDIS_URL) env.REDIS_URL = environment.REDIS_URL
  const serverUrl = environment.DATABASE_URL || undefined
  if (!serverUrl) {
    return { engine: 'embedded', env, close: () => rm(dataDir, { recursive: true, force: true }) }
  }
  const name = `${environment.BENCH_DB_PREFIX || 'pw_bench'}_${tag.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`
  await onServer(serverUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`)).catch((err: Error) => {
    throw new Error(
      `benchmarks on a server make a database of their own for each run; CREATE DATABASE ${name} failed: ${err.message}`,
    )
  })
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  env.DATABASE_URL = url.toString()
  return {
    engine: 'server',
    env,
    async close() {
      if (environment.BENCH_KEEP_DB === '1') {
        process.stdout.write(`kept the benchmark's database: ${redactUrl(env.DATABASE_URL!)}\n`)
      } else {
        await onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)).catch(
          (err: Error) => process.stderr.write(`could not drop ${name}: ${err.message}\n`),
        )
      }
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** A database URL without its password. */
export function redactUrl(url: string): string {
  const u = new URL(url)
  if (u.password) u.password = '***'
  return u.toString()
}

/**
 * One line naming the engine a benchmark measured, e.g.
 * `TimescaleDB server: PostgreSQL 15.20, timescaledb 2.23.1 (127.0.0.1:5433)` or
 * `embedded TimescaleDB (PGlite): PostgreSQL 17.5, timescaledb 2.23.1`.
 */
export async function describeEngine(db: pg.Pool | pg.Client, embedded: boolean, url?: string): Promise<string> {
  const { rows } = await db.query<{ version: string; ts: string | null }>(
    `SELECT current_setting('server_version') AS version,
            (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS ts`,
  )
  const v = rows[0]!
  const versions = `PostgreSQL ${v.version.split(' ')[0]}, timescaledb ${v.ts ?? 'not installed'}`
  if (embedded) return `embedded TimescaleDB (PGlite, one session): ${versions}`
  const where = url ? ` at ${new URL(url).host}` : ''
  return `TimescaleDB server${where}: ${versions}`
}

/** The same, with machine load, for the first line of a benchmark's report. */
export async function engineLine(db: pg.Pool | pg.Client, embedded: boolean, url?: string): Promise<string> {
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
  return `engine: ${await describeEngine(db, embedded, url)}; ${os.cpus().length} CPUs, load average ${load}`
}
