import type pg from 'pg'
import type { WorkerDeps } from '../worker.ts'

/**
 * The embedded TimescaleDB runs no background workers, so its registered policies
 * (continuous aggregate refresh, compression, retention) never run by themselves.
 * This job runs the ones whose schedule interval has passed since their last run
 * here (db_policy_runs). A real TimescaleDB server runs them itself.
 *
 * The embedded database runs one transaction at a time, and a policy's refresh is
 * one transaction over its whole window (three days): after a demo's backlog or a
 * restart's catch-up, events_per_minute's and deliveries_per_minute's refreshes held
 * it for 16–19 s, and every request (the KPIs, a sign-in) waited behind them (issue 12,
 * item 4). So a refresh policy whose buckets are fixed UTC-aligned intervals (the
 * minute and hour aggregates) is run here as TimescaleDB's own refresh over only the
 * ranges its invalidation logs say changed, clipped to the policy's window, newest
 * first (today's figures are right first), in slices sized to take about
 * SLICE_TARGET_MS each: the database serves everyone else between two slices. A job
 * spends at most JOB_BUDGET_MS a run and a run RUN_BUDGET_MS; what is left is found
 * again by the next run (every 15 s), which runs such a refresh whenever its logs
 * name changed buckets, not only on its schedule. The result is the policy's: the same refresh
 * over the same changed buckets. Day and week buckets in Asia/Shanghai time, and
 * every other policy, run whole with run_job as before.
 *
 * Backing off (`refreshBackOff`, the scheduled job on the embedded database): since sql/049
 * refreshes today's daily buckets every 5 minutes, a busy machine saw holds of 14-21 s, and
 * a sign-in that came during one waited for it. A job whose run held the database for
 * LONG_HOLD_MS or more at once (or has not run here yet) is "slow": after any such hold of h ms, slow jobs wait
 * h × BACK_OFF_FACTOR ms before the next one starts, and then only the one whose last run is
 * oldest goes. Long holds so take at most about 1 / (1 + BACK_OFF_FACTOR) of the time, and
 * the daily figures lag more (not the minute ones) while the machine is slow.
 */
const SLOW_POLICY_MS = 2_000
export const LONG_HOLD_MS = 1_000
export const BACK_OFF_FACTOR = 19
export const SLICE_TARGET_MS = 300
export const JOB_BUDGET_MS = 2_000
export const RUN_BUDGET_MS = 5_000
const FIRST_SLICE_MS = 15 * 60_000
const MAX_SLICE_MS = 3 * 86_400_000
/** time_bucket's default origin (Monday 2000-01-03 UTC): fixed-width buckets start at it plus whole widths. */
const BUCKET_ORIGIN_MS = Date.UTC(2000, 0, 3)

interface DueJob {
  job_id: number
  /** Its schedule interval has passed since its last run here. */
  due: boolean
  proc_name: string
  target: string | null
  /** The continuous aggregate's qualified name, for a refresh that can be sliced. */
  view: string | null
  mat_id: number | null
  raw_id: number | null
  bucket_ms: number | null
  last_run_at: Date | null
  /** The policy's window in ms since the epoch, on the database's clock, bucket-aligned; null: not sliced. */
  window_start_ms: number | null
  window_end_ms: number | null
}

/**
 * Per database: the slice size each job last settled on; the jobs whose last run held the
 * database less than LONG_HOLD_MS at once, and until when (Date.now()) the others wait.
 */
interface SliceState {
  sliceMs: Map<number, number>
  fast: Set<number>
  quietUntil: number
}
const states = new WeakMap<object, SliceState>()
function stateOf(db: object): SliceState {
  let s = states.get(db)
  if (!s) states.set(db, (s = { sliceMs: new Map(), fast: new Set(), quietUntil: 0 }))
  return s
}

const DUE_SQL = (sliced: boolean) => `
  SELECT j.job_id, (r.last_run_at IS NULL OR r.last_run_at + j.schedule_interval <= $1) AS due, r.last_run_at,
    j.proc_name, coalesce(ca.view_name, j.hypertable_name)::text AS target
  ${
    sliced
      ? `,
    CASE WHEN c.mat_hypertable_id IS NOT NULL THEN format('%I.%I', c.user_view_schema, c.user_view_name) END AS view,
    c.mat_hypertable_id AS mat_id, c.raw_hypertable_id AS raw_id, b.ms AS bucket_ms,
    CASE WHEN b.ms IS NOT NULL AND j.config ? 'start_offset' AND j.config->>'start_offset' IS NOT NULL
      THEN floor((extract(epoch FROM now() - (j.config->>'start_offset')::interval) * 1000 - ${BUCKET_ORIGIN_MS}) / b.ms) * b.ms + ${BUCKET_ORIGIN_MS} END AS window_start_ms,
    CASE WHEN b.ms IS NOT NULL
      THEN floor((extract(epoch FROM now() - coalesce((j.config->>'end_offset')::interval, interval '0')) * 1000 - ${BUCKET_ORIGIN_MS}) / b.ms) * b.ms + ${BUCKET_ORIGIN_MS} END AS window_end_ms`
      : ''
  }
  FROM timescaledb_information.jobs j
  LEFT JOIN timescaledb_information.continuous_aggregates ca
    ON ca.materialization_hypertable_schema = j.hypertable_schema AND ca.materialization_hypertable_name = j.hypertable_name
  ${
    sliced
      ? `
  LEFT JOIN _timescaledb_catalog.continuous_agg c
    ON j.proc_name = 'policy_refresh_continuous_aggregate' AND c.mat_hypertable_id = (j.config->>'mat_hypertable_id')::int
  LEFT JOIN LATERAL (
    SELECT (extract(epoch FROM f.bucket_width::interval) * 1000)::float8 AS ms FROM _timescaledb_catalog.continuous_aggs_bucket_function f
    WHERE f.mat_hypertable_id = c.mat_hypertable_id AND f.bucket_fixed_width AND f.bucket_timezone IS NULL
      AND f.bucket_origin IS NULL AND f.bucket_offset IS NULL AND f.bucket_width::interval < interval '1 day'
  ) b ON true`
      : ''
  }
  LEFT JOIN db_policy_runs r ON r.job_id = j.job_id
  WHERE j.scheduled AND j.job_id >= 1000
    AND (r.last_run_at IS NULL OR r.last_run_at + j.schedule_interval <= $1${sliced ? ' OR b.ms IS NOT NULL' : ''})
  -- Minute aggregates before the hour ones rolled up from them, which then see their changes in the same run.
  ORDER BY ${sliced ? 'b.ms NULLS LAST, ' : ''}j.job_id`

/** The jobs due by their schedule, and every sliceable refresh (due too when it has changed buckets). */
async function dueJobs(db: pg.Pool, now: Date): Promise<DueJob[]> {
  try {
    const r = await db.query<DueJob>(DUE_SQL(true), [now])
    return r.rows.map((j) => ({
      ...j,
      bucket_ms: num(j.bucket_ms),
      window_start_ms: num(j.window_start_ms),
      window_end_ms: num(j.window_end_ms),
    }))
  } catch {
    // A TimescaleDB whose catalog differs: every policy runs whole, as TimescaleDB's scheduler would.
    const r = await db.query<DueJob>(DUE_SQL(false), [now])
    return r.rows.map((j) => ({
      ...j,
      view: null,
      mat_id: null,
      raw_id: null,
      bucket_ms: null,
      window_start_ms: null,
      window_end_ms: null,
    }))
  }
}
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))

/**
 * The bucket ranges [start, end) in ms a refresh over [windowStart, windowEnd) would
 * re-materialise: the aggregate's own invalidation log (which also holds the region
 * never materialised, above its watermark) and its source hypertable's (not yet
 * moved to the aggregate's), clipped to the window, widened to whole buckets, merged,
 * newest first. Log values are microseconds since the epoch.
 */
export async function changedRanges(
  db: pg.Pool,
  job: { mat_id: number; raw_id: number; bucket_ms: number; window_start_ms: number; window_end_ms: number },
): Promise<Array<[number, number]>> {
  const lo = String(job.window_start_ms * 1000)
  const hi = String(job.window_end_ms * 1000)
  const r = await db.query<{ lo: string; hi: string }>(
    `SELECT greatest(lowest_modified_value, $3::bigint)::text AS lo, least(greatest_modified_value, $4::bigint - 1)::text AS hi
     FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log
     WHERE materialization_id = $1 AND greatest_modified_value >= $3::bigint AND lowest_modified_value < $4::bigint
     UNION ALL
     SELECT greatest(lowest_modified_value, $3::bigint)::text, least(greatest_modified_value, $4::bigint - 1)::text
     FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log
     WHERE hypertable_id = $2 AND greatest_modified_value >= $3::bigint AND lowest_modified_value < $4::bigint`,
    [job.mat_id, job.raw_id, lo, hi],
  )
  const w = job.bucket_ms
  const down = (ms: number) => Math.floor((ms - BUCKET_ORIGIN_MS) / w) * w + BUCKET_ORIGIN_MS
  const ranges = r.rows
    .map((x) => [down(Number(x.lo) / 1000), down(Number(x.hi) / 1000) + w] as [number, number])
    .map(([a, b]) => [Math.max(a, job.window_start_ms), Math.min(b, job.window_end_ms)] as [number, number])
    .filter(([a, b]) => a < b)
    .sort((x, y) => x[0] - y[0])
  const merged: Array<[number, number]> = []
  for (const [a, b] of ranges) {
    const last = merged.at(-1)
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else merged.push([a, b])
  }
  return merged.reverse()
}

/** The next slice's length: halved after a slow slice, doubled after a quick one, whole buckets. */
export function nextSlice(sliceMs: number, tookMs: number, bucketMs: number): number {
  const next = tookMs > SLICE_TARGET_MS ? sliceMs / 2 : tookMs < SLICE_TARGET_MS / 4 ? sliceMs * 2 : sliceMs
  return Math.max(bucketMs, Math.min(MAX_SLICE_MS, Math.round(next / bucketMs) * bucketMs))
}

/**
 * Refreshes a sliceable aggregate's changed ranges, newest first, within the budget.
 * Returns whether it caught up.
 */
type Sliceable = DueJob & {
  view: string
  mat_id: number
  raw_id: number
  bucket_ms: number
  window_start_ms: number
  window_end_ms: number
}
const sliceable = (j: DueJob): j is Sliceable =>
  j.proc_name === 'policy_refresh_continuous_aggregate' &&
  j.view !== null &&
  j.mat_id !== null &&
  j.raw_id !== null &&
  !!j.bucket_ms &&
  j.window_start_ms !== null &&
  j.window_end_ms !== null

async function refreshSliced(
  db: pg.Pool,
  job: Sliceable,
  ranges: Array<[number, number]>,
  state: SliceState,
  budgetMs: number,
  held: { ms: number; slices: number },
): Promise<boolean> {
  const started = Date.now()
  let slice = state.sliceMs.get(job.job_id) ?? Math.max(job.bucket_ms, FIRST_SLICE_MS)
  for (const [lo, hi] of ranges) {
    let end = hi
    while (end > lo) {
      if (Date.now() - started >= budgetMs) {
        state.sliceMs.set(job.job_id, slice)
        return false
      }
      const start = Math.max(lo, end - slice)
      const t = Date.now()
      // Its own statement outside a transaction, as TimescaleDB requires: the database is free between two slices.
      await db.query(`CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)`, [
        job.view,
        new Date(start),
        new Date(end),
      ])
      const took = Date.now() - t
      held.ms = Math.max(held.ms, took)
      held.slices++
      slice = nextSlice(slice, took, job.bucket_ms)
      end = start
    }
  }
  state.sliceMs.set(job.job_id, slice)
  return true
}

// $1 now
export async function runDbPolicies(
  deps: Pick<WorkerDeps, 'db' | 'log' | 'refreshSliced' | 'refreshBackOff'> & { longHoldMs?: number },
  _data: unknown = {},
  now = new Date(),
): Promise<void> {
  const longHoldMs = deps.longHoldMs ?? LONG_HOLD_MS // a test sets 0: every whole run counts as long
  const state = stateOf(deps.db)
  const sliced = deps.refreshSliced !== false
  const runStarted = Date.now()
  const jobs = await dueJobs(deps.db, now)
  // Backing off (see the header): of the slow jobs due, only the one whose last run is oldest, and only once it is quiet.
  const runsWhole = (j: DueJob) => !(sliced && sliceable(j))
  const slow = (j: DueJob) => runsWhole(j) && !state.fast.has(j.job_id)
  const slowDue = jobs
    .filter((j) => j.due && slow(j))
    .sort((a, b) => (a.last_run_at?.getTime() ?? 0) - (b.last_run_at?.getTime() ?? 0))
  const slowTurn = deps.refreshBackOff && Date.now() >= state.quietUntil ? slowDue[0]?.job_id : undefined
  for (const job of jobs) {
    const started = Date.now()
    let error: string | null = null
    let caughtUp = true
    /** The longest the database was held at once, and by how many slices, for a sliced refresh. */
    let held: { ms: number; slices: number; from?: string } | undefined
    if (deps.refreshBackOff && slow(job) && job.job_id !== slowTurn) continue
    try {
      if (sliced && sliceable(job)) {
        // Due by its schedule, or because buckets it has materialised changed since (a catch-up left
        // over from the last run, or the minutes under an hour aggregate re-materialised): a hierarchical
        // aggregate follows its source within a run or two instead of at its next 5-minute turn.
        const ranges = await changedRanges(deps.db, job)
        if (ranges.length === 0 && !job.due) continue
        const left = RUN_BUDGET_MS - (started - runStarted)
        if (left <= 0) continue
        held = { ms: 0, slices: 0, ...(ranges.length ? { from: new Date(ranges.at(-1)![0]).toISOString() } : {}) }
        caughtUp = await refreshSliced(deps.db, job, ranges, state, Math.min(JOB_BUDGET_MS, left), held)
      } else {
        if (!job.due) continue
        await deps.db.query('CALL run_job($1)', [job.job_id])
      }
      const ms = Date.now() - started
      // A policy holds the embedded database for its whole run, a sliced refresh one slice at a time (heldMs:
      // the longest). Info, not a warning: there is nothing for the operator to do about one.
      const heldMs = held?.ms ?? ms
      if (heldMs >= longHoldMs) {
        // At least LONG_HOLD_MS × the factor: the same in production (heldMs ≥ LONG_HOLD_MS there); a test
        // that counts every hold as long (longHoldMs 0) is not outrun by a loaded machine's next call.
        state.quietUntil = Math.max(state.quietUntil, Date.now() + Math.max(heldMs, LONG_HOLD_MS) * BACK_OFF_FACTOR)
        state.fast.delete(job.job_id)
      } else state.fast.add(job.job_id)
      const fields = {
        jobId: job.job_id,
        proc: job.proc_name,
        target: job.target,
        ms,
        heldMs,
        ...(held ? { slices: held.slices, changedFrom: held.from, caughtUp } : {}),
      }
      if (heldMs >= SLOW_POLICY_MS) deps.log.info(fields, 'database policy slow')
      else deps.log.debug(fields, 'database policy ran')
    } catch (err) {
      error = err instanceof Error ? err.message : String(err)
      deps.log.warn({ err, jobId: job.job_id, proc: job.proc_name, target: job.target }, 'database policy failed')
    }
    // What a server's job_stats keeps: last success, failures in all and in a row (server/services/db-health.ts).
    await deps.db.query(
      `INSERT INTO db_policy_runs AS r (job_id, last_run_at, last_error, last_success_at, total_failures, consecutive_failures)
       VALUES ($1, $2, $3, CASE WHEN $3::text IS NULL THEN $2::timestamptz END, ($3::text IS NOT NULL)::int, ($3::text IS NOT NULL)::int)
       ON CONFLICT (job_id) DO UPDATE SET last_run_at = EXCLUDED.last_run_at, last_error = EXCLUDED.last_error,
         last_success_at = coalesce(EXCLUDED.last_success_at, r.last_success_at),
         total_failures = r.total_failures + EXCLUDED.total_failures,
         consecutive_failures = CASE WHEN EXCLUDED.last_error IS NULL THEN 0 ELSE r.consecutive_failures + 1 END`,
      [job.job_id, now, error],
    )
  }
}
