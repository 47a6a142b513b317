import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import type { Logger } from '../lib/logger.ts'
import { retrying } from './tx.ts'

const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql')
const LOCK_KEY = 727_001 // any constant; all instances agree on it
const NO_TRANSACTION = /^--\s*migrate:no-transaction/m

interface Migration {
  version: number
  name: string
  sql: string
}

export async function loadMigrations(dir = SQL_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort()
  return Promise.all(
    files.map(async (f) => ({
      version: Number(f.slice(0, 3)),
      name: f,
      sql: await readFile(path.join(dir, f), 'utf8'),
    })),
  )
}

/** Splits a no-transaction file into its statements (such files hold no $$ bodies). */
function statements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean)
}

/**
 * Applies the numbered files of sql/ in order, each once, recorded in a ledger,
 * under an advisory lock so that instances starting together don't race.
 */
export async function migrate(pool: pg.Pool, log: Logger): Promise<number> {
  const migrations = await loadMigrations()
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    )
    let applied = 0
    for (const m of migrations) {
      if (done.has(m.version)) continue
      const started = Date.now()
      if (NO_TRANSACTION.test(m.sql)) {
        for (const s of statements(m.sql)) await client.query(s)
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      } else {
        // On a server, TimescaleDB's jobs start as soon as an earlier file adds a policy, and
        // a refresh can deadlock with a later file's ALTER (seen: 037 against a refresh job):
        // the file's transaction is then rolled back and run again (server/db/tx.ts).
        await retrying(
          async () => {
            await client.query('BEGIN')
            try {
              await client.query(m.sql)
              await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
              await client.query('COMMIT')
            } catch (err) {
              await client.query('ROLLBACK')
              throw err
            }
          },
          { name: `migration ${m.name}`, watcher: { log } },
        )
      }
      applied++
      log.info({ migration: m.name, ms: Date.now() - started }, 'migration applied')
    }
    return applied
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined)
    client.release()
  }
}

export async function pendingMigrations(pool: pg.Pool): Promise<number> {
  const all = await loadMigrations()
  const r = await pool
    .query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')
    .catch(() => ({ rows: [{ n: 0 }] }))
  return all.length - (r.rows[0]?.n ?? 0)
}
