/**
 * Backup and restore of the embedded database (PGlite data directory in DATA_DIR/pg).
 *
 * Backup: when a server runs on the data directory, its embedded process takes the
 * snapshot between two transactions and sends it over DATA_DIR/backup.sock
 * (embedded-snapshot.ts); otherwise the data directory is opened here and the same
 * snapshot taken. Restore: PGlite's loadDataDir into an empty DATA_DIR/pg.
 */
import { connect } from 'node:net'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { timescaledb } from '@electric-sql/pglite/timescaledb'
import { dataDirHolder } from '../db/data-dir-lock.ts'
import {
  FACTS_SQL,
  factsFromRow,
  snapshotSocketPath,
  takeSnapshot,
  type SnapshotFacts,
} from '../db/embedded-snapshot.ts'

/** A refusal the operator can act on (exit 1 with the message, no stack). */
export class BackupRefused extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BackupRefused'
  }
}

// sockaddr_un holds 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH = 107

export const pgDataDir = (dataDir: string) => path.resolve(dataDir, 'pg')

type Answer = { ok: true; bytes: number; facts: SnapshotFacts } | { ok: false; error: string }

/**
 * Asks a running server's embedded process for a snapshot and streams it into `file`.
 * Resolves undefined when no server answers on the socket.
 */
export function requestOnlineSnapshot(socketPath: string, file: string): Promise<SnapshotFacts | undefined> {
  return new Promise((resolve, reject) => {
    const conn = connect(socketPath)
    let header: Answer | undefined
    let pending = Buffer.alloc(0)
    let received = 0
    let out: ReturnType<typeof createWriteStream> | undefined
    conn.on('error', (err: NodeJS.ErrnoException) => {
      out?.destroy()
      if (!header && (err.code === 'ENOENT' || err.code === 'ECONNREFUSED')) resolve(undefined)
      else reject(new Error(`backup socket ${socketPath}: ${err.message}`))
    })
    conn.on('connect', () => conn.write(`${JSON.stringify({ op: 'snapshot' })}\n`))
    conn.on('data', (chunk: Buffer) => {
      if (header) {
        received += chunk.length
        if (!out!.write(chunk)) conn.pause()
        return
      }
      pending = Buffer.concat([pending, chunk])
      const nl = pending.indexOf(10)
      if (nl < 0) return
      header = JSON.parse(pending.subarray(0, nl).toString('utf8')) as Answer
      if (!header.ok) return
      out = createWriteStream(file)
      out.on('drain', () => conn.resume())
      out.on('error', (err) => {
        conn.destroy()
        reject(err)
      })
      const rest = pending.subarray(nl + 1)
      received += rest.length
      out.write(rest)
    })
    conn.on('end', () => {
      if (!header) return reject(new Error(`backup socket ${socketPath} closed without an answer`))
      if (!header.ok) return reject(new BackupRefused(`the running server could not take a snapshot: ${header.error}`))
      const { bytes, facts } = header
      out!.end(() => {
        if (received !== bytes) reject(new Error(`snapshot cut short: ${received} of ${bytes} bytes`))
        else resolve(facts)
      })
    })
  })
}

async function hasDatabase(dir: string): Promise<boolean> {
  return stat(path.join(dir, 'PG_VERSION')).then(
    () => true,
    () => false,
  )
}

/** True when a server's embedded process answers on the data directory's backup socket. */
export function serverRunning(pgDir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = connect(snapshotSocketPath(pgDir))
    conn.on('connect', () => {
      conn.destroy()
      resolve(true)
    })
    conn.on('error', () => resolve(false))
  })
}

async function openDirectly(pgDir: string, loadDataDir?: Blob): Promise<PGlite> {
  const db = await PGlite.create({
    dataDir: pgDir,
    extensions: { timescaledb },
    ...(loadDataDir ? { loadDataDir } : {}),
  })
  // As in embedded-process.ts: a reopened data directory needs TimescaleDB loaded up front.
  await db.exec(`LOAD 'timescaledb'`)
  return db
}

export interface EmbeddedBackup {
  facts: SnapshotFacts
  takenWith: string
}

/** Writes a gzipped tar of DATA_DIR/pg to `file`, from the running server if there is one. */
export async function backupEmbedded(dataDir: string, file: string): Promise<EmbeddedBackup> {
  const pgDir = pgDataDir(dataDir)
  const socketPath = snapshotSocketPath(pgDir)
  if (socketPath.length > MAX_SOCKET_PATH) {
    throw new BackupRefused(
      `DATA_DIR ${dataDir} is too long a path for the backup socket (${socketPath}, over ${MAX_SOCKET_PATH} bytes): ` +
        'a running server cannot be asked for a snapshot and opening the directory beside it is unsafe; use a shorter DATA_DIR',
    )
  }
  const online = await requestOnlineSnapshot(socketPath, file)
  if (online) return { facts: online, takenWith: 'online, from the running server' }
  if (!(await hasDatabase(pgDir)))
    throw new BackupRefused(`no embedded database in ${pgDir} (no server answers on ${socketPath} either)`)
  const db = await openDirectly(pgDir)
  try {
    const { tarball, facts } = await takeSnapshot(db)
    await new Promise<void>((resolve, reject) => createWriteStream(file).on('error', reject).end(tarball, resolve))
    return { facts, takenWith: 'offline, data directory opened directly' }
  } finally {
    await db.close()
  }
}

export interface EmbeddedRestore {
  facts: SnapshotFacts
  pgDir: string
  movedAside?: string
}

/**
 * Loads a backup into DATA_DIR/pg, which must be empty (or absent) unless `force`,
 * which moves the existing directory aside rather than deleting it.
 */
export async function restoreEmbedded(
  file: string,
  dataDir: string,
  force: boolean,
  now: Date,
): Promise<EmbeddedRestore> {
  const pgDir = pgDataDir(dataDir)
  const holder = await dataDirHolder(pgDir)
  if (holder !== undefined || (await serverRunning(pgDir))) {
    throw new BackupRefused(
      `a server is running on ${dataDir}${holder ? ` (process ${holder})` : ''}: stop it before restoring into its data directory`,
    )
  }
  const existing = await readdir(pgDir).catch(() => [] as string[])
  let movedAside: string | undefined
  if (existing.length > 0) {
    if (!force)
      throw new BackupRefused(
        `${pgDir} is not empty: restore into a fresh DATA_DIR, or pass --force to move the current database aside`,
      )
    movedAside = `${pgDir}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`
    await rename(pgDir, movedAside)
  }
  await mkdir(path.dirname(pgDir), { recursive: true })
  const tarball = await readFile(file)
  const db = await openDirectly(pgDir, new Blob([tarball], { type: 'application/x-gzip' }))
  try {
    const facts = factsFromRow((await db.query<unknown[]>(FACTS_SQL, [], { rowMode: 'array' })).rows[0]!)
    return { facts, pgDir, movedAside }
  } finally {
    await db.close()
  }
}
