import { fork } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import pg from 'pg'
import type { Config } from '../config.ts'
import type { Logger } from '../lib/logger.ts'
import type { EmbeddedMemory } from './embedded-process.ts'
import { watchTransactions } from './tx.ts'
import { INTERACTIVE_APPLICATION } from './pglite-mux.ts'
import { embeddedUrl, embeddedUrlForLog, readEmbeddedSecret, secretPathOf } from './embedded-secret.ts'

// int8 (counts, sums) as numbers: every count here is far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v))
// numeric as numbers: weights and volumes have three decimals at most.
pg.types.setTypeParser(1700, (v) => Number(v))

export interface Database {
  /** Background work: the workers, the ingest API, refreshes. */
  pool: pg.Pool
  /**
   * People's requests (sign-in, sessions, page reads, live snapshots). Embedded: a pool of its
   * own that the embedded database serves before the background one (pglite-mux.ts), so a
   * sign-in does not queue behind ingest and refreshes. A TimescaleDB server: `pool` itself.
   */
  interactive: pg.Pool
  embedded: boolean
  /** Connection string other processes can use (embedded: while this process runs; it carries the secret: never log it). */
  url: string
  /** The embedded database's process, when there is one. */
  pid?: number
  /** The embedded database process's memory, by kind; `gc`: after a full collection (undefined for a server database). */
  memory?(options?: { gc?: boolean }): Promise<EmbeddedMemory>
  close(): Promise<void>
  /** Last resort when close() takes too long: ends the embedded database's process at once (its next start recovers from its log). */
  kill?(): void
}

/**
 * With DATABASE_URL: an ordinary pool against a TimescaleDB server.
 * Without it: PGlite with TimescaleDB built in, persisted in DATA_DIR, served on a
 * loopback port over the PostgreSQL wire protocol and reached through the very same
 * `pg` code. The embedded database is one PostgreSQL session that PgliteMux lends to
 * one client at a time (a whole transaction at once), so other processes may connect
 * too: `url` (fixed with EMBEDDED_PG_PORT) is their DATABASE_URL. It carries the
 * install's secret (DATA_DIR/db-secret, made at first start, owner-only), which the
 * embedded database checks with SCRAM-SHA-256: other local accounts are refused.
 */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  if (config.databaseUrl) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 })
    pool.on('error', (err) => log.error({ err }, 'idle database client failed'))
    watchTransactions(pool, { log: log.child({ module: 'tx' }) })
    return { pool, interactive: pool, embedded: false, url: config.databaseUrl, close: () => pool.end() }
  }
  return openEmbedded(config, log)
}

const EMBEDDED_POOL_SIZE = 4
/** The interactive lane's connections: enough for a few people's requests at once; each waits only for the turn in progress. */
const EMBEDDED_INTERACTIVE_POOL_SIZE = 3
const EMBEDDED_ENTRY = fileURLToPath(new URL('./embedded-process.ts', import.meta.url))

async function openEmbedded(config: Config, log: Logger): Promise<Database> {
  const dataDir = path.resolve(config.dataDir, 'pg')
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const started = Date.now()
  const args = [dataDir, config.embeddedPgPort, config.embeddedPgIdleTxMs, config.embeddedPgProfileSeconds].map(String)
  const child = fork(EMBEDDED_ENTRY, args, {
    // --wasm-lazy-compilation: PostgreSQL's WebAssembly functions are compiled when first
    // called instead of all at start; most of them never run in a session. Measured on
    // 8 integration files (one database process each): 68-75 s of CPU without it,
    // 61-63 s with it; a simulator-heavy file unchanged (docs/testing.md).
    execArgv: ['--import', 'tsx', '--wasm-lazy-compilation'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { ready?: boolean; port?: number; error?: string }) =>
      m.ready && m.port
        ? resolve(m.port)
        : reject(new Error(`embedded TimescaleDB failed to start: ${m.error ?? 'unknown error'}`)),
    )
    child.once('exit', (code) => reject(new Error(`embedded TimescaleDB exited at start (code ${code})`)))
  })
  const url = embeddedUrl(port, await readEmbeddedSecret(dataDir))
  log.info(
    {
      dataDir,
      port,
      url: embeddedUrlForLog(port),
      secretFile: secretPathOf(dataDir),
      pid: child.pid,
      ms: Date.now() - started,
    },
    'embedded TimescaleDB ready',
  )
  // The embedded process's own notes (a client refused, one holding the database long) join this log.
  const dbLog = log.child({ module: 'embedded-db' })
  child.on('message', (m: { log?: { level: 'info' | 'warn'; msg: string } }) => {
    if (m.log) dbLog[m.log.level === 'warn' ? 'warn' : 'info'](m.log.msg)
  })
  child.on('exit', (code, signal) => {
    if (!closing) log.fatal({ code, signal }, 'embedded TimescaleDB stopped unexpectedly')
  })
  let closing = false
  let memoryAsks = 0
  // More than one connection lets a request's queries queue at the database while
  // another's transaction runs, instead of in this process (see docs/scaling.md for the
  // measurement); more than a few only lengthens that queue.
  const pool = new pg.Pool({ connectionString: url, max: EMBEDDED_POOL_SIZE })
  pool.on('error', (err) => log.error({ err }, 'embedded database client failed'))
  watchTransactions(pool, { log: log.child({ module: 'tx' }) })
  const interactive = new pg.Pool({
    connectionString: url,
    max: EMBEDDED_INTERACTIVE_POOL_SIZE,
    application_name: INTERACTIVE_APPLICATION,
  })
  interactive.on('error', (err) => log.error({ err }, 'embedded database client failed'))
  watchTransactions(interactive, { log: log.child({ module: 'tx' }) })
  return {
    pool,
    interactive,
    embedded: true,
    url,
    pid: child.pid,
    memory(options = {}) {
      const id = ++memoryAsks
      return new Promise<EmbeddedMemory>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', onMessage)
          reject(new Error('embedded database did not report its memory in 10 s'))
        }, 10_000)
        const onMessage = (m: { memory?: number; report?: EmbeddedMemory }) => {
          if (m.memory !== id || !m.report) return
          clearTimeout(timer)
          child.off('message', onMessage)
          resolve(m.report)
        }
        child.on('message', onMessage)
        child.send({ memory: id, gc: options.gc === true })
      })
    },
    async close() {
      closing = true
      await Promise.all([pool.end(), interactive.end()])
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.send({ stop: true })
      await exited
    },
    kill() {
      closing = true
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}
