/**
 * The embedded TimescaleDB as a child process: PGlite (PostgreSQL 17 + TimescaleDB
 * in WebAssembly) served on a loopback port over the PostgreSQL wire protocol.
 * Running it in its own process gives the database a core of its own instead of
 * sharing the server's event loop. Any number of clients may connect (the parent's
 * pool, workers and other server instances of this machine): PgliteMux gives the one
 * PGlite session to one client at a time, a whole message group or transaction at
 * once. It exits when its parent goes away, closing the data directory cleanly when
 * it can. Every client must know the install's secret (DATA_DIR/db-secret, owner-only;
 * see embedded-secret.ts), checked with SCRAM-SHA-256.
 *
 * argv: <dataDir> <port> <idleTxMs> <profileSeconds> (from Config: EMBEDDED_PG_PORT,
 * EMBEDDED_PG_IDLE_TX_MS, EMBEDDED_PG_PROFILE)   IPC: sends { ready: true, port } or { error }
 */
import { chmod, mkdir } from 'node:fs/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { PGlite } from '@electric-sql/pglite'
import { timescaledb } from '@electric-sql/pglite/timescaledb'
import { PgliteMux, type PgliteMuxOptions } from './pglite-mux.ts'
import { serveSnapshots } from './embedded-snapshot.ts'
import { lockDataDir } from './data-dir-lock.ts'
import { ensureEmbeddedSecret } from './embedded-secret.ts'

const [dataDir, portArg, idleTxMsArg, profileArg] = process.argv.slice(2)
if (!dataDir || !process.send) {
  process.stderr.write('embedded-process: run by the server with a data directory and an IPC channel\n')
  process.exit(2)
}

/** A line for the server's log (pretty on a terminal, JSON otherwise), through the IPC channel; stderr without one. */
function note(level: 'info' | 'warn', msg: string): void {
  if (process.connected) process.send!({ log: { level, msg } })
  else process.stderr.write(`${msg}\n`)
}

async function main(): Promise<void> {
  await mkdir(dataDir!, { recursive: true })
  const unlock = await lockDataDir(dataDir!)
  const db = await PGlite.create({ dataDir, extensions: { timescaledb } })
  // PGlite has no shared_preload_libraries: without loading TimescaleDB up front, a
  // reopened data directory plans hypertable inserts without its hooks and the TSL
  // module is missing ("invalid INSERT on the root table", "not supported under the
  // current license"). A fresh directory is unaffected either way.
  await db.exec(`LOAD 'timescaledb'`)
  // This build of PGlite starts its one session at client_min_messages = debug3: every
  // statement then answered with DEBUG notices (its whole text among them), which the
  // clients parsed and dropped, and a long answer could come back cut short, its
  // client waiting for a completion that never came. Only warnings and errors go out.
  await db.exec(`SET client_min_messages = warning`)
  // The data files hold everything (password hashes, recipients in clear): owner only
  // (PGlite's initdb leaves the directory group-readable).
  await chmod(dataDir!, 0o700)
  const password = await ensureEmbeddedSecret(dataDir!)
  const server = await PgliteMux.start({
    db,
    password,
    onAuthFailure: (client, reason) => note('warn', `embedded database: client ${client} refused: ${reason}`),
    host: '127.0.0.1',
    port: Number(portArg ?? 0),
    onError: (err, client) =>
      note('warn', `embedded database: client ${client}: ${err instanceof Error ? err.message : String(err)}`),
    ...profile(),
    idleTransactionMs: Number(idleTxMsArg ?? 300_000),
    onIdleTransaction: (client, ms, sql) =>
      note(
        'warn',
        `embedded database: client ${client} sat idle in a transaction for ${Math.round(ms / 1000)} s while everyone else waited: disconnected, its transaction rolled back; its last statement: ${sql}`,
      ),
    onResume: (client, answered, sent, sql) =>
      note(
        'info',
        `embedded database: client ${client}: PGlite answered ${answered} of ${sent} messages; the rest handed to it again: ${sql}`,
      ),
    // Nothing for the operator to do (a migration, a refresh, a big batch on a busy machine): info, for diagnosis.
    onSlowTurn: (client, ms, sql) =>
      note(
        'info',
        `embedded database: client ${client} has held the database for ${Math.round(ms / 1000)} s (everyone else waits); its last statement: ${sql}`,
      ),
  })
  const port = server.port
  // Online backups (`npm run backup`): consistent snapshots on DATA_DIR/backup.sock, taken
  // under db.runExclusive between transactions. See embedded-snapshot.ts.
  serveSnapshots(db, dataDir!, (message) => process.stderr.write(`embedded-process: ${message}\n`))
  let closing = false
  const close = async () => {
    if (closing) return
    closing = true
    await server.stop().catch(() => undefined)
    await db.close().catch(() => undefined)
    await unlock()
    process.exit(0)
  }
  process.on('disconnect', () => void close())
  process.on('SIGTERM', () => void close())
  process.on('SIGINT', () => undefined) // the parent decides when we stop
  process.on('message', (m) => {
    const msg = m as { stop?: boolean; memory?: number; gc?: boolean }
    if (msg.stop) void close()
    // Where this process's memory is: V8 heap and buffers, and PostgreSQL's WebAssembly
    // linear memory (which only ever grows), for the soak benchmark and diagnostics.
    if (msg.memory !== undefined) process.send?.({ memory: msg.memory, report: memoryReport(db, msg.gc === true) })
  })
  process.send!({ ready: true, port })
}

/**
 * EMBEDDED_PG_PROFILE=<seconds> (its argv): every so many seconds, the statements that kept the
 * database busiest since the last report, and how long each lane's clients waited for the
 * session (the queue in front of a sign-in), on stderr (where its time goes under load).
 */
type Profile = Pick<PgliteMuxOptions, 'onGroup' | 'onTurn'>
function profile(): Profile {
  const every = Number(profileArg ?? 0)
  if (!(every > 0)) return {}
  let turns: Array<{ ms: number; sql: string }> = []
  let spent = new Map<string, { ms: number; n: number; max: number }>()
  let waits = { interactive: [] as number[], background: [] as number[] }
  let since = performance.now()
  const describeWaits = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? 0)
    return `${s.length} groups waited p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`
  }
  setInterval(() => {
    const total = [...spent.values()].reduce((a, b) => a + b.ms, 0)
    const wall = performance.now() - since
    const top = [...spent].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)
    process.stderr.write(
      `embedded-process: busy ${Math.round(total)} ms of ${Math.round(wall)} ms; ` +
        `interactive lane: ${describeWaits(waits.interactive)}; background lane: ${describeWaits(waits.background)}; top statements:\n` +
        top
          .map(
            ([sql, x]) =>
              `  ${String(Math.round(x.ms)).padStart(7)} ms ${String(x.n).padStart(6)}x (longest ${Math.round(x.max)} ms)  ${sql}`,
          )
          .join('\n') +
        '\n' +
        `embedded-process: turns of 1 s or more (a whole transaction at once): ${turns.length}\n` +
        turns
          .sort((a, b) => b.ms - a.ms)
          .slice(0, 8)
          .map((t) => `  ${String(t.ms).padStart(7)} ms  ${t.sql.slice(0, 140)}`)
          .join('\n') +
        '\n',
    )
    turns = []
    spent = new Map()
    waits = { interactive: [], background: [] }
    since = performance.now()
  }, every * 1000).unref()
  const onTurn = (ms: number, sql: string) => {
    if (ms >= 1000) turns.push({ ms, sql })
  }
  const onGroup = (sql: string, ms: number, waitedMs: number, interactive: boolean) => {
    const key = sql.slice(0, 140)
    const x = spent.get(key) ?? { ms: 0, n: 0, max: 0 }
    x.ms += ms
    x.n++
    x.max = Math.max(x.max, ms)
    spent.set(key, x)
    waits[interactive ? 'interactive' : 'background'].push(waitedMs)
  }
  return { onGroup, onTurn }
}

export interface EmbeddedMemory {
  rssMb: number
  heapUsedMb: number
  externalMb: number
  arrayBuffersMb: number
  /** PostgreSQL's WebAssembly linear memory. */
  wasmMb: number
}

/** With `collect`, after a full garbage collection: what is still referenced. */
function memoryReport(db: PGlite, collect: boolean): EmbeddedMemory {
  if (collect) {
    setFlagsFromString('--expose-gc')
    ;(runInNewContext('gc') as () => void)()
  }
  const m = process.memoryUsage()
  const mb = (n: number) => Math.round(n / 2 ** 20)
  // PGlite keeps its Emscripten module in a field its typings do not declare.
  const heap = (db as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod?.HEAPU8
  return {
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    wasmMb: mb(heap?.byteLength ?? 0),
  }
}

main().catch((err) => {
  process.send?.({ error: err instanceof Error ? err.message : String(err) })
  process.exit(1)
})
