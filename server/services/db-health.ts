import pg from 'pg'

/**
 * The database's own health: TimescaleDB's jobs (continuous aggregate refreshes,
 * compression, retention, the SLA children refresh) and how far behind each
 * continuous aggregate's materialised part is.
 *
 * A failing job does not stop anything at once: TimescaleDB retries it with backoff
 * while the aggregate's real-time part (re-aggregating every raw row past the
 * watermark) grows, so questions get slower and slower. Hence both are shown: in
 * /metrics, in /readyz details, and, when an aggregate is stale, to admins in the web app.
 *
 * Where the figures come from: a server's scheduler keeps timescaledb_information.job_stats
 * and job_errors; the embedded database has no scheduler and `CALL run_job` updates
 * neither, so there the run-db-policies job keeps its own record (db_policy_runs).
 */

export interface DbJobHealth {
  jobId: number
  proc: string
  /** The continuous aggregate or hypertable the job works on (null for a custom job). */
  target: string | null
  lastRunAt: Date | null
  /** Whether the last run failed. */
  failing: boolean
  lastSuccessAt: Date | null
  totalFailures: number
  consecutiveFailures: number
  lastError: string | null
  scheduleSeconds: number
}

export interface AggregateHealth {
  view: string
  /** End of the materialised part (null: nothing materialised yet). */
  watermark: Date | null
  bucketSeconds: number
  /** now − watermark (null when nothing is materialised): large on a quiet system too, see `stale`. */
  lagSeconds: number | null
  /** The last success of a job that refreshes it (its policy, or a custom job naming it). */
  lastRefreshAt: Date | null
  stale: boolean
}

export interface DbHealth {
  jobs: DbJobHealth[]
  aggregates: AggregateHealth[]
}

/**
 * An aggregate is stale when the jobs that refresh it (its refresh policy, or a custom job
 * whose procedure names it) have run but none has succeeded for three of their periods
 * plus this margin. Its watermark alone can't tell: it is the end of the last bucket with
 * rows, which lags on a quiet system (or for a filtered aggregate) with nothing left out.
 */
export const STALE_MARGIN_S = 10 * 60

const JOB_BASE = `FROM timescaledb_information.jobs j
  LEFT JOIN timescaledb_information.continuous_aggregates ca
    ON ca.materialization_hypertable_schema = j.hypertable_schema AND ca.materialization_hypertable_name = j.hypertable_name
  WHERE j.job_id >= 1000`

// A job is failing while its last run failed, and also while it runs again after failures: TimescaleDB
// blanks last_run_status at the start of every run (last_finish = -infinity), so a job retried every
// second read as healthy half the time; its consecutive_failures are reset only by a success.
async function serverJobs(db: pg.Pool): Promise<DbJobHealth[]> {
  const r = await db.query<DbJobHealth>(
    `SELECT j.job_id AS "jobId", j.proc_name::text AS proc, coalesce(ca.view_name, j.hypertable_name)::text AS target,
       s.last_run_started_at AS "lastRunAt", (coalesce(s.last_run_status = 'Failed', false) OR coalesce(st.consecutive_failures, 0) > 0) AS failing,
       CASE WHEN s.last_successful_finish > '-infinity' THEN s.last_successful_finish END AS "lastSuccessAt",
       coalesce(s.total_failures, 0)::int AS "totalFailures", coalesce(st.consecutive_failures, 0)::int AS "consecutiveFailures",
       e.err_message AS "lastError", extract(epoch FROM j.schedule_interval)::float8 AS "scheduleSeconds"
     FROM timescaledb_information.jobs j
     LEFT JOIN timescaledb_information.continuous_aggregates ca
       ON ca.materialization_hypertable_schema = j.hypertable_schema AND ca.materialization_hypertable_name = j.hypertable_name
     LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
     LEFT JOIN _timescaledb_internal.bgw_job_stat st ON st.job_id = j.job_id
     LEFT JOIN LATERAL (SELECT err_message FROM timescaledb_information.job_errors je WHERE je.job_id = j.job_id ORDER BY je.finish_time DESC LIMIT 1) e
       ON coalesce(s.last_run_status = 'Failed', false) OR coalesce(st.consecutive_failures, 0) > 0
     WHERE j.job_id >= 1000
     ORDER BY j.job_id`,
  )
  return r.rows
}

async function embeddedJobs(db: pg.Pool): Promise<DbJobHealth[]> {
  const r = await db.query<DbJobHealth>(
    `SELECT j.job_id AS "jobId", j.proc_name::text AS proc, coalesce(ca.view_name, j.hypertable_name)::text AS target,
       p.last_run_at AS "lastRunAt", p.last_error IS NOT NULL AS failing, p.last_success_at AS "lastSuccessAt",
       coalesce(p.total_failures, 0) AS "totalFailures", coalesce(p.consecutive_failures, 0) AS "consecutiveFailures",
       p.last_error AS "lastError", extract(epoch FROM j.schedule_interval)::float8 AS "scheduleSeconds"
     ${JOB_BASE.replace('WHERE', 'LEFT JOIN db_policy_runs p ON p.job_id = j.job_id\n  WHERE')}
     ORDER BY j.job_id`,
  )
  return r.rows
}

/** Which aggregates each job refreshes: a refresh policy its own; a custom job those its procedure (or one it calls) names. */
async function refreshedBy(db: pg.Pool): Promise<Map<string, number[]>> {
  const r = await db.query<{ view: string; jobId: number }>(
    `WITH bodies AS (
       SELECT j.job_id, p.prosrc || ' ' || coalesce((SELECT string_agg(q.prosrc, ' ') FROM pg_proc q
         WHERE q.pronamespace = p.pronamespace AND q.oid <> p.oid AND position(q.proname IN p.prosrc) > 0), '') AS body
       FROM timescaledb_information.jobs j
       JOIN pg_proc p ON p.proname = j.proc_name AND p.pronamespace = j.proc_schema::regnamespace
       WHERE j.job_id >= 1000 AND j.proc_schema NOT IN ('_timescaledb_functions', '_timescaledb_internal'))
     SELECT ca.view_name::text AS view, j.job_id AS "jobId" FROM timescaledb_information.continuous_aggregates ca
     JOIN timescaledb_information.jobs j ON j.proc_name = 'policy_refresh_continuous_aggregate'
       AND ((j.hypertable_schema = ca.materialization_hypertable_schema AND j.hypertable_name = ca.materialization_hypertable_name)
         OR (j.hypertable_schema = ca.view_schema AND j.hypertable_name = ca.view_name))
     UNION
     SELECT ca.view_name::text, b.job_id FROM timescaledb_information.continuous_aggregates ca
     JOIN bodies b ON b.body ~ ('\\m' || ca.view_name || '\\M')`,
  )
  const m = new Map<string, number[]>()
  for (const x of r.rows) m.set(x.view, [...(m.get(x.view) ?? []), x.jobId])
  return m
}

async function aggregates(db: pg.Pool, jobs: readonly DbJobHealth[], now: Date): Promise<AggregateHealth[]> {
  const [r, refreshers] = await Promise.all([
    db.query<{ view: string; watermark: Date | null; bucketSeconds: number }>(
      `SELECT ca.view_name::text AS view,
       (SELECT CASE WHEN w > '2000-01-01' THEN w END FROM _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(h.id)) AS w) AS watermark,
       extract(epoch FROM bf.bucket_width::interval)::float8 AS "bucketSeconds"
     FROM timescaledb_information.continuous_aggregates ca
     JOIN _timescaledb_catalog.hypertable h ON h.schema_name = ca.materialization_hypertable_schema AND h.table_name = ca.materialization_hypertable_name
     JOIN _timescaledb_catalog.continuous_aggs_bucket_function bf ON bf.mat_hypertable_id = h.id
     ORDER BY ca.view_name`,
    ),
    refreshedBy(db),
  ])
  const byId = new Map(jobs.map((j) => [j.jobId, j]))
  return r.rows.map((a) => {
    const lagSeconds = a.watermark ? Math.max(0, (now.getTime() - a.watermark.getTime()) / 1000) : null
    const mine = (refreshers.get(a.view) ?? []).flatMap((id) => byId.get(id) ?? [])
    const successes = mine.flatMap((j) => (j.lastSuccessAt ? [j.lastSuccessAt.getTime()] : []))
    const lastRefreshAt = successes.length > 0 ? new Date(Math.max(...successes)) : null
    const everyS = Math.min(...mine.map((j) => j.scheduleSeconds))
    // Stale: its refresh jobs have run but none succeeded within three of their periods plus the margin.
    const stale =
      mine.some((j) => j.lastRunAt !== null) &&
      (lastRefreshAt === null || now.getTime() - lastRefreshAt.getTime() > (3 * everyS + STALE_MARGIN_S) * 1000)
    return { ...a, lagSeconds, lastRefreshAt, stale }
  })
}

export async function readDbHealth(db: pg.Pool, embedded: boolean, now = new Date()): Promise<DbHealth> {
  const jobs = await (embedded ? embeddedJobs(db) : serverJobs(db))
  return { jobs, aggregates: await aggregates(db, jobs, now) }
}

/** The short form for /readyz and the admin banner: what is wrong, by name. */
export function summarizeDbHealth(h: DbHealth) {
  return {
    failingJobs: h.jobs
      .filter((j) => j.failing)
      .map((j) => ({
        jobId: j.jobId,
        proc: j.proc,
        target: j.target,
        consecutiveFailures: j.consecutiveFailures,
        lastSuccessAt: j.lastSuccessAt?.toISOString() ?? null,
        lastError: j.lastError,
      })),
    staleAggregates: h.aggregates
      .filter((a) => a.stale)
      .map((a) => ({
        view: a.view,
        lastRefreshAt: a.lastRefreshAt?.toISOString() ?? null,
        watermark: a.watermark?.toISOString() ?? null,
      })),
    jobs: h.jobs.length,
    aggregates: h.aggregates.length,
  }
}
