import type { WorkerDeps } from '../worker.ts'

/**
 * The embedded TimescaleDB runs no background workers, so its registered policies
 * (continuous aggregate refresh, compression, retention) never run by themselves.
 * This job runs the ones whose schedule interval has passed since their last run
 * here (db_policy_runs). A real TimescaleDB server runs them itself.
 */
const SLOW_POLICY_MS = 2_000

// $1 now
export async function runDbPolicies(deps: Pick<WorkerDeps, 'db' | 'log'>, _data: unknown = {}, now = new Date()): Promise<void> {
  const due = await deps.db.query<{ job_id: number; proc_name: string; target: string | null }>(
    `SELECT j.job_id, j.proc_name, coalesce(ca.view_name, j.hypertable_name)::text AS target FROM timescaledb_information.jobs j
     LEFT JOIN timescaledb_information.continuous_aggregates ca
       ON ca.materialization_hypertable_schema = j.hypertable_schema AND ca.materialization_hypertable_name = j.hypertable_name
     LEFT JOIN db_policy_runs r ON r.job_id = j.job_id
     WHERE j.scheduled AND j.job_id >= 1000
       AND (r.last_run_at IS NULL OR r.last_run_at + j.schedule_interval <= $1)
     ORDER BY j.job_id`,
    [now],
  )
  for (const job of due.rows) {
    const started = Date.now()
    let error: string | null = null
    try {
      await deps.db.query('CALL run_job($1)', [job.job_id])
      const ms = Date.now() - started
      // A policy holds the embedded database for its whole run: a slow one stalls ingest.
      // Info, not a warning: there is nothing for the operator to do about one.
      if (ms >= SLOW_POLICY_MS) deps.log.info({ jobId: job.job_id, proc: job.proc_name, target: job.target, ms }, 'database policy slow')
      else deps.log.debug({ jobId: job.job_id, proc: job.proc_name, target: job.target, ms }, 'database policy ran')
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
