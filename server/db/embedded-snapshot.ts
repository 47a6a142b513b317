/**
 * Consistent snapshots of the embedded database (PGlite), for backups.
 *
 * PGlite is one PostgreSQL backend: every client's statements run one at a time in
 * the same session. A snapshot is taken under `db.runExclusive` (the lock every
 * wire-protocol query also takes), only when no transaction is open, so it falls
 * between two transactions. Inside it: CHECKPOINT (the data files then hold every
 * committed change), the manifest's counts, and `dumpDataDir()`, which reads the
 * whole data directory synchronously into a tarball. Nothing else can run in
 * between, so the counts describe exactly the rows in the tarball.
 *
 * A running embedded process serves snapshots on a Unix socket beside its data
 * directory (`DATA_DIR/backup.sock`, mode 0600: whoever may use it may read the
 * data directory anyway). Protocol: the client writes one line `{"op":"snapshot"}`;
 * the answer is one JSON line (`{ok:true, bytes, facts}` or `{ok:false, error}`)
 * followed by `bytes` bytes of gzipped tar.
 */
import { createServer, type Server } from 'node:net'
import { chmodSync, unlinkSync } from 'node:fs'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'

export const SNAPSHOT_SOCKET = 'backup.sock'

/** What the manifest records about the snapshot, read inside the same exclusive section. */
export interface SnapshotFacts {
  migrationVersion: number
  counts: { parcels: number; events: number; alerts: number }
  postgresVersion: string
  timescaledbVersion: string
}

/** One row: migration version, parcels, events, alerts, PostgreSQL and TimescaleDB versions. */
export const FACTS_SQL =
  'SELECT ' +
  [
    `(SELECT coalesce(max(version), 0) FROM schema_migrations)`,
    `(SELECT count(*) FROM shipments)`,
    `(SELECT count(*) FROM scan_events)`,
    `(SELECT count(*) FROM alerts)`,
    `current_setting('server_version')`,
    `(SELECT extversion FROM pg_extension WHERE extname = 'timescaledb')`,
  ].join(', ')

export function factsFromRow(row: readonly unknown[]): SnapshotFacts {
  return {
    migrationVersion: Number(row[0]),
    counts: { parcels: Number(row[1]), events: Number(row[2]), alerts: Number(row[3]) },
    postgresVersion: String(row[4]),
    timescaledbVersion: String(row[5] ?? 'none'),
  }
}

/** The socket path for a data directory (`DATA_DIR/pg` → `DATA_DIR/backup.sock`). */
export function snapshotSocketPath(pgDataDir: string): string {
  return path.join(path.dirname(path.resolve(pgDataDir)), SNAPSHOT_SOCKET)
}

/** A simple-protocol Query message: PGlite's own query() would wait for the lock we hold. */
function queryMessage(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8')
  const msg = Buffer.alloc(5 + text.length)
  msg.write('Q', 0, 'ascii')
  msg.writeInt32BE(4 + text.length, 1)
  text.copy(msg, 5)
  return msg
}

async function rawQuery(db: PGlite, sql: string): Promise<(string | null)[][]> {
  const { messages } = await db.execProtocol(queryMessage(sql), { throwOnError: true })
  return messages.filter((m) => m.name === 'dataRow').map((m) => (m as unknown as { fields: (string | null)[] }).fields)
}

export class SnapshotBusyError extends Error {
  constructor(waitedMs: number) {
    super(`a transaction stayed open for ${Math.round(waitedMs / 1000)} s: no moment between transactions to snapshot`)
    this.name = 'SnapshotBusyError'
  }
}

/** Takes a consistent snapshot between two transactions (waits up to `timeoutMs` for one). */
export async function takeSnapshot(db: PGlite, timeoutMs = 60_000): Promise<{ tarball: Buffer; facts: SnapshotFacts }> {
  const started = Date.now()
  for (;;) {
    const taken = await db.runExclusive(async () => {
      if (db.isInTransaction()) return undefined
      await rawQuery(db, 'CHECKPOINT')
      const facts = factsFromRow((await rawQuery(db, FACTS_SQL))[0]!)
      const blob = await db.dumpDataDir('gzip')
      return { tarball: Buffer.from(await blob.arrayBuffer()), facts }
    })
    if (taken) return taken
    if (Date.now() - started > timeoutMs) throw new SnapshotBusyError(Date.now() - started)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Serves snapshots of `db` on `DATA_DIR/backup.sock` for `npm run backup`. Never fatal:
 * without the socket the database still runs (the backup command then says why).
 */
export function serveSnapshots(db: PGlite, pgDataDir: string, warn: (message: string) => void): Server {
  const socketPath = snapshotSocketPath(pgDataDir)
  try {
    unlinkSync(socketPath)
  } catch {
    /* none left over */
  }
  let busy = false
  const server = createServer((conn) => {
    let line = ''
    conn.on('error', () => undefined)
    conn.on('data', (chunk) => {
      line += chunk.toString('utf8')
      if (!line.includes('\n')) return
      conn.removeAllListeners('data')
      let op: unknown
      try {
        op = (JSON.parse(line.slice(0, line.indexOf('\n'))) as { op?: unknown }).op
      } catch {
        op = undefined
      }
      if (op !== 'snapshot')
        return void conn.end(`${JSON.stringify({ ok: false, error: 'expected {"op":"snapshot"}' })}\n`)
      if (busy) return void conn.end(`${JSON.stringify({ ok: false, error: 'another backup is in progress' })}\n`)
      busy = true
      takeSnapshot(db)
        .then(
          ({ tarball, facts }) => {
            conn.write(`${JSON.stringify({ ok: true, bytes: tarball.length, facts })}\n`)
            conn.end(tarball)
          },
          (err: unknown) => {
            conn.end(`${JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err) })}\n`)
          },
        )
        .finally(() => {
          busy = false
        })
    })
  })
  server.on('error', (err) => warn(`online backups unavailable (${socketPath}): ${err.message}`))
  // The socket is bound inside listen(): with this umask it is created owner-only.
  const umask = process.umask(0o177)
  try {
    server.listen(socketPath, () => {
      try {
        chmodSync(socketPath, 0o600)
      } catch {
        /* created 0600 already */
      }
    })
  } finally {
    process.umask(umask)
  }
  server.unref()
  process.on('exit', () => {
    try {
      unlinkSync(socketPath)
    } catch {
      /* already gone */
    }
  })
  return server
}
