/**
 * Backup and restore against a TimescaleDB server (DATABASE_URL), following
 * TimescaleDB's documented procedure: `pg_dump -Fc` of the whole database; restore
 * into a fresh database with the same TimescaleDB version between
 * `timescaledb_pre_restore()` and `timescaledb_post_restore()`.
 *
 * pg_dump refuses a server newer than itself (and pg_restore an archive from a newer
 * pg_dump), so the tools are chosen by version: --pg-bin, then every
 * /usr/lib/postgresql/<n>/bin, then PATH; none recent enough is a clear refusal.
 */
import { execFile, spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { promisify } from 'node:util'
import path from 'node:path'
import pg from 'pg'
import { FACTS_SQL, factsFromRow, type SnapshotFacts } from '../db/embedded-snapshot.ts'
import { BackupRefused } from './embedded.ts'
import type { BackupManifest } from './manifest.ts'

const run = promisify(execFile)

export interface PgTool {
  path: string
  version: string
  major: number
}

/** `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)` → 15.20 / 15. */
export function parseToolVersion(output: string): { version: string; major: number } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(\.\d+)?/.exec(output)
  return m ? { version: `${m[1]}${m[2] ?? ''}`, major: Number(m[1]) } : undefined
}

/** Installed copies of a PostgreSQL client tool, newest first. */
export async function findPgTools(name: 'pg_dump' | 'pg_restore', pgBin: string | undefined): Promise<PgTool[]> {
  const paths = pgBin
    ? [path.join(pgBin, name)]
    : [
        ...(await readdir('/usr/lib/postgresql').catch(() => [] as string[])).map(
          (v) => `/usr/lib/postgresql/${v}/bin/${name}`,
        ),
        name,
      ]
  const found: PgTool[] = []
  for (const p of paths) {
    const out = await run(p, ['--version']).then(
      (r) => r.stdout,
      () => '',
    )
    const v = parseToolVersion(out)
    if (v && !found.some((f) => f.version === v.version)) found.push({ path: p, ...v })
  }
  return found.sort((a, b) => b.major - a.major)
}

/**
 * The tool to use for a server (and, for pg_restore, an archive) of major version `needMajor`.
 * Throws a refusal that says what was found and what to install.
 */
export function chooseTool(name: string, tools: readonly PgTool[], needMajor: number, why: string): PgTool {
  const tool = tools.find((t) => t.major >= needMajor)
  if (tool) return tool
  const found =
    tools.length === 0
      ? `no ${name} was found`
      : `only ${tools.map((t) => `${name} ${t.version} (${t.path})`).join(', ')} found`
  throw new BackupRefused(
    `${why} needs ${name} ${needMajor} or newer, but ${found}: ${name} refuses a newer server or archive. ` +
      `Install the PostgreSQL ${needMajor} client (Debian: postgresql-client-${needMajor} from apt.postgresql.org) and pass ` +
      `--pg-bin=/usr/lib/postgresql/${needMajor}/bin, or run this command where that client is installed (e.g. in the TimescaleDB container).`,
  )
}

async function connectTo(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
  } catch (err) {
    const where = (() => {
      try {
        const u = new URL(url)
        return `${u.hostname}:${u.port || 5432}${u.pathname}`
      } catch {
        return 'DATABASE_URL'
      }
    })()
    throw new BackupRefused(
      `cannot connect to the database server at ${where}: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  return client
}

async function serverMajor(client: pg.Client): Promise<number> {
  const r = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)
  return Math.floor(Number(r.rows[0]!.v) / 10_000)
}

async function readFacts(client: pg.Client): Promise<SnapshotFacts> {
  try {
    return factsFromRow((await client.query<unknown[]>({ text: FACTS_SQL, rowMode: 'array' })).rows[0]!)
  } catch (err) {
    throw new BackupRefused(
      `this database holds no ParcelWatch schema (${err instanceof Error ? err.message : String(err)})`,
    )
  }
}

/** Runs a tool, failing with the tail of its stderr. */
function runTool(tool: PgTool, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool.path, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4000)
    })
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new BackupRefused(`${path.basename(tool.path)} ${tool.version} failed (exit ${code}):\n${stderr.trim()}`),
          ),
    )
  })
}

/**
 * pg_dump in the snapshot the manifest's counts were read in: a REPEATABLE READ
 * transaction exports its snapshot and stays open until pg_dump is done.
 */
export async function backupServer(
  url: string,
  file: string,
  pgBin: string | undefined,
): Promise<{ facts: SnapshotFacts; takenWith: string }> {
  const client = await connectTo(url)
  try {
    const major = await serverMajor(client)
    const pgDump = chooseTool('pg_dump', await findPgTools('pg_dump', pgBin), major, `a PostgreSQL ${major} server`)
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const snapshot = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id
    const facts = await readFacts(client)
    await runTool(pgDump, ['--format=custom', `--snapshot=${snapshot}`, `--file=${file}`, `--dbname=${url}`])
    await client.query('COMMIT')
    return { facts, takenWith: `pg_dump ${pgDump.version}` }
  } finally {
    await client.end()
  }
}

/** Restores into DATABASE_URL, which must be a fresh database on a server with TimescaleDB installed. */
export async function restoreServer(
  file: string,
  manifest: BackupManifest,
  url: string,
  pgBin: string | undefined,
): Promise<SnapshotFacts> {
  const client = await connectTo(url)
  try {
    const major = await serverMajor(client)
    const dumpMajor = parseToolVersion(`(PostgreSQL) ${manifest.takenWith.replace(/^pg_dump /, '')}`)?.major ?? major
    const pgRestore = chooseTool(
      'pg_restore',
      await findPgTools('pg_restore', pgBin),
      Math.max(major, dumpMajor),
      `restoring a pg_dump ${dumpMajor} archive into a PostgreSQL ${major} server`,
    )
    const tables = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')`,
    )
    if (tables.rows[0]!.n > 0) {
      throw new BackupRefused(
        'the target database is not empty: create a fresh one (CREATE DATABASE parcelwatch_restored) and point DATABASE_URL at it; ' +
          'TimescaleDB restores only into a new database',
      )
    }
    const versions = await client.query<{ version: string }>(
      `SELECT version FROM pg_available_extension_versions WHERE name = 'timescaledb'`,
    )
    if (versions.rows.length === 0) throw new BackupRefused('TimescaleDB is not installed on the target server')
    if (!versions.rows.some((v) => v.version === manifest.timescaledbVersion)) {
      throw new BackupRefused(
        `the backup was taken with TimescaleDB ${manifest.timescaledbVersion}; the target server offers ${versions.rows.map((v) => v.version).join(', ')}: ` +
          'TimescaleDB restores only into the same version (install it, restore, then ALTER EXTENSION timescaledb UPDATE)',
      )
    }
    await client.query(
      `CREATE EXTENSION IF NOT EXISTS timescaledb VERSION '${manifest.timescaledbVersion.replace(/'/g, "''")}'`,
    )
    await client.query('SELECT timescaledb_pre_restore()')
    try {
      await runTool(pgRestore, ['--format=custom', '--no-owner', `--dbname=${url}`, file])
    } finally {
      await client.query('SELECT timescaledb_post_restore()')
    }
    await client.query('ANALYZE')
    return await readFacts(client)
  } finally {
    await client.end()
  }
}
