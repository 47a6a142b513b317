import type pg from 'pg'
import type { Logger } from '../lib/logger.ts'

/**
 * The one way this server runs a SQL transaction.
 *
 * `withTransaction(pool, fn)` or `withTransaction(pool, { isolation, readOnly, name }, fn)`:
 * BEGIN (with the isolation level asked for), `fn(client)`, COMMIT; ROLLBACK on any
 * error. A deadlock (SQLSTATE 40P01) or a serialization failure (40001), including one
 * raised at COMMIT, rolls back and runs `fn` again, up to `retries` more times (5), after
 * a jittered, growing pause; each retry is logged (and counted, see `watchTransactions`).
 * So `fn` must be re-runnable: everything it does goes through `client` (undone by the
 * rollback) or into what it returns; it must not push into the caller's arrays or send
 * messages before the transaction has committed.
 *
 * Lock order. Every transaction that locks parcels, alerts or claims takes its locks in
 * this order, and the weakest lock that is correct, so that two of them that meet wait
 * for each other instead of deadlocking:
 *   1. the alert reconciliation lock (`lockAlertReconciliation`, a transaction-scoped
 *      advisory lock), taken first by every transaction that changes many alerts at once
 *      (the SLA and anomaly sweeps, escalation, a complaint reply reconciling overdue alerts);
 *   2. shipments rows, in waybill order, `FOR NO KEY UPDATE` (nothing updates a waybill,
 *      so a foreign key's KEY SHARE lock, taken by inserting a claim, a complaint or an
 *      alert item for that parcel, never waits for it);
 *   3. rows that refer to a parcel (claims, alert items, complaints), in waybill order;
 *   4. alerts, by (rule, subject) when upserted, by id otherwise, `FOR NO KEY UPDATE`;
 *   4b. the transit model's rows of those parcels (parcel_paths, in waybill order), then its
 *      histogram cells (segment_hist, segment_recent) in key order — the ingest takes them
 *      after storing the events and before updating the parcels' states;
 *   5. the counters that triggers keep (open_parcel_count, transit_flow_count), which
 *      the triggers touch last, in key order.
 * A transaction may skip any step, never go back to an earlier one.
 */

export type Isolation = 'read committed' | 'repeatable read' | 'serializable'

export interface TxOptions {
  isolation?: Isolation
  readOnly?: boolean
  /** Retries after the first attempt on 40P01/40001 (default 5). */
  retries?: number
  /** What the transaction does, for the retry log line. */
  name?: string
}

/** What happens on a retry: logged, and counted by the metrics of the system that owns the pool. */
export interface TxWatcher {
  log?: Logger
  onRetry?: (code: string, name: string) => void
}

export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40P01', '40001'])
export const DEFAULT_RETRIES = 5
/** Key of the transaction-scoped advisory lock every many-alert transaction takes first. */
export const ALERT_RECONCILIATION_LOCK = 0x70770001

const watchers = new WeakMap<pg.Pool, TxWatcher>()

/** Tells the transactions run on `pool` where to log and count their retries. */
export function watchTransactions(pool: pg.Pool, watcher: TxWatcher): void {
  watchers.set(pool, { ...watchers.get(pool), ...watcher })
}

const BEGIN: Record<Isolation, string> = {
  'read committed': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'repeatable read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
}

export function sqlStateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

export function isRetryable(err: unknown): boolean {
  const code = sqlStateOf(err)
  return code !== undefined && RETRYABLE_SQLSTATES.has(code)
}

/** Pause before retry `attempt` (1-based): full jitter over 10 ms · 2^attempt, at most 1 s. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(1_000, 10 * 2 ** attempt)
  return Math.round(ceiling / 4 + (random() * ceiling * 3) / 4)
}

/**
 * Step 1 of the lock order: transactions that upsert, resolve or escalate many alerts
 * (each in its own order) take this first, so they run one after the other.
 */
export async function lockAlertReconciliation(client: pg.PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [ALERT_RECONCILIATION_LOCK])
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T>
export function withTransaction<T>(
  pool: pg.Pool,
  options: TxOptions,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T>
export async function withTransaction<T>(
  pool: pg.Pool,
  a: TxOptions | ((client: pg.PoolClient) => Promise<T>),
  b?: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const options: TxOptions = typeof a === 'function' ? {} : a
  const fn = typeof a === 'function' ? a : b!
  let begin = BEGIN[options.isolation ?? 'read committed']
  if (options.readOnly) begin += ' READ ONLY'
  return retrying(() => once(pool, begin, fn), {
    retries: options.retries,
    name: options.name || fn.name || 'transaction',
    watcher: watchers.get(pool),
  })
}

/**
 * Runs `attempt` (one whole transaction, rolled back when it throws) again after a
 * deadlock or serialization failure, with the same bound and pauses as withTransaction.
 * For the few places that keep a session of their own (migrations, under their advisory lock).
 */
export async function retrying<T>(
  attempt: () => Promise<T>,
  o: { retries?: number | undefined; name: string; watcher?: TxWatcher | undefined },
): Promise<T> {
  const retries = o.retries ?? DEFAULT_RETRIES
  for (let n = 0; ; n++) {
    try {
      return await attempt()
    } catch (err) {
      if (!isRetryable(err) || n >= retries) throw err
      const code = sqlStateOf(err)!
      const pause = backoffMs(n + 1)
      o.watcher?.onRetry?.(code, o.name)
      const fields = { code, tx: o.name, attempt: n + 1, of: retries, pauseMs: pause, reason: (err as Error).message }
      if (o.watcher?.log) o.watcher.log.warn(fields, 'transaction retried')
      else process.stderr.write(`transaction retried ${JSON.stringify(fields)}\n`)
      await sleep(pause)
    }
  }
}

async function once<T>(pool: pg.Pool, begin: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query(begin)
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    // A client whose ROLLBACK fails is not returned to the pool.
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e
    })
    throw err
  } finally {
    client.release(broken)
  }
}
