import type { WorkerDeps } from '../worker.ts'

/**
 * The embedded TimescaleDB runs no background workers, so its registered policies
 * (continuous aggregate refresh, compression, retention) never run by themselves.
 * This job runs the ones that are due. A real TimescaleDB server runs them itself.
 */
export async function runDbPolicies(deps: WorkerDeps): Promise<void> {
  const due = await deps.db.query<{ job_id: number; proc_name: string }>(
    `SELECT j.job_id, j.proc_name FROM timescaledb_information.jobs j
     LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
     WHERE j.scheduled AND j.job_id >= 1000
       AND (s.last_run_started_at IS NULL OR s.last_run_started_at + j.schedule_interval <= now())
     ORDER BY j.job_id`,
  )
  for (const job of due.rows) {
    const started = Date.now()
    try {
      await deps.db.query('CALL run_job($1)', [job.job_id])
      deps.log.debug({ jobId: job.job_id, proc: job.proc_name, ms: Date.now() - started }, 'database policy ran')
    } catch (err) {
      deps.log.warn({ err, jobId: job.job_id, proc: job.proc_name }, 'database policy failed')
    }
  }
}
