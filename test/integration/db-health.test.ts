import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { runDbPolicies } from '../../jobs/processors/run-db-policies.ts'
import { createLogger } from '../../server/lib/logger.ts'

/**
 * The database's own health (issue 14, item 5): a TimescaleDB job that keeps failing and
 * a continuous aggregate whose materialised part falls behind show in /metrics, in the
 * /readyz details and, for the aggregate, in the admins' db-health answer (the web
 * banner). On the embedded engine the jobs run through run-db-policies; on a server
 * TimescaleDB's own scheduler runs them.
 */

let sys: TestSystem
let admin: string
beforeAll(async () => {
  sys = await startTestSystem()
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await sys?.stop()
})

const metrics = () => fetch(`${sys.url}/metrics`).then((r) => r.text())
const sample = (text: string, name: string, labels: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('database health', () => {
  it('a TimescaleDB job that keeps failing: failing, its failures in a row and in all, in /metrics and /readyz; the other jobs succeed', async () => {
    const pool = sys.database.pool
    await pool.query(`CREATE PROCEDURE pw_test_failing_job(job_id integer, config jsonb) LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'induced job failure'; END $$`)
    const embedded = sys.database.embedded
    const jobId = (
      await pool.query<{ id: number }>(`SELECT add_job('pw_test_failing_job', $1::interval) AS id`, [
        embedded ? '1 hour' : '1 second',
      ])
    ).rows[0]!.id
    if (embedded) {
      // Two runs of every due policy, an hour and more apart.
      const log = createLogger('silent')
      await runDbPolicies({ db: pool, log }, {}, new Date(Date.now() + 2 * 3_600_000))
      await runDbPolicies({ db: pool, log }, {}, new Date(Date.now() + 4 * 3_600_000))
    } else {
      // The server's scheduler runs it every second (with backoff after failures): wait for two failures.
      for (let i = 0; i < 120; i++) {
        const r = await pool.query<{ n: number }>(
          'SELECT coalesce(total_failures, 0)::int AS n FROM timescaledb_information.job_stats WHERE job_id = $1',
          [jobId],
        )
        if ((r.rows[0]?.n ?? 0) >= 2) break
        await sleep(1000)
      }
    }
    const text = await metrics()
    const labels = `job_id="${jobId}",proc="pw_test_failing_job"`
    expect(sample(text, 'pw_db_job_failing', labels)).toBe(1)
    expect(sample(text, 'pw_db_job_consecutive_failures', labels)).toBeGreaterThanOrEqual(2)
    expect(sample(text, 'pw_db_job_failures', labels)).toBeGreaterThanOrEqual(2)
    expect(sample(text, 'pw_db_job_last_success_timestamp_seconds', labels)).toBeUndefined()
    // A refresh policy of the product, run in the same turns, succeeded.
    const refresh = text
      .split('\n')
      .find((l) => l.startsWith('pw_db_job_failing{') && l.includes('target="events_per_minute"'))
    expect(refresh).toMatch(/ 0$/)
    expect(text).toMatch(/^pw_db_job_last_success_timestamp_seconds\{[^}]*target="events_per_minute"\} \d+/m)

    const ready = await fetch(`${sys.url}/readyz`)
    expect(ready.status).toBe(200) // reported, not a reason to refuse traffic
    const body = (await ready.json()) as { details: { database: { failingJobs: Array<Record<string, unknown>> } } }
    // Contains rather than equals: on a busy server another job may be failing too (a refresh
    // policy that found no free background worker is recorded as failed), and is listed with it.
    expect(body.details.database.failingJobs).toContainEqual(
      expect.objectContaining({
        jobId,
        proc: 'pw_test_failing_job',
        lastSuccessAt: null,
        lastError: expect.stringContaining('induced job failure'),
      }),
    )
    expect(body.details.database.failingJobs.map((j) => j.target)).not.toContain('events_per_minute')
    await pool.query('SELECT delete_job($1)', [jobId])
  })

  it('an aggregate whose refresh jobs have not succeeded for three periods is stale for admins, in /metrics and /readyz, until a refresh succeeds', async () => {
    const pool = sys.database.pool
    const job = (
      await pool.query<{ id: number }>(
        `SELECT j.job_id AS id FROM timescaledb_information.jobs j JOIN timescaledb_information.continuous_aggregates ca
         ON j.hypertable_name IN (ca.materialization_hypertable_name, ca.view_name)
       WHERE ca.view_name = 'events_per_minute' AND j.proc_name = 'policy_refresh_continuous_aggregate' ORDER BY j.job_id LIMIT 1`,
      )
    ).rows[0]!.id
    const dayAgo = new Date(Date.now() - 86_400_000)
    // Its refresh last succeeded a day ago (a job failing since, retried with backoff).
    if (sys.database.embedded) {
      await pool.query(
        `INSERT INTO db_policy_runs (job_id, last_run_at, last_error, last_success_at) VALUES ($1, now(), 'x', $2)
        ON CONFLICT (job_id) DO UPDATE SET last_run_at = now(), last_error = 'x', last_success_at = $2`,
        [job, dayAgo],
      )
    } else {
      await pool.query('SELECT alter_job($1, scheduled => false)', [job])
      await pool.query(
        'UPDATE _timescaledb_internal.bgw_job_stat SET last_successful_finish = $2, last_run_success = false WHERE job_id = $1',
        [job, dayAgo],
      )
    }
    const before = await api(sys, { cookie: admin }).get('/api/v1/admin/db-health', { status: 200 })
    expect(before.staleAggregates).toContainEqual(
      expect.objectContaining({ view: 'events_per_minute', lastRefreshAt: dayAgo.toISOString() }),
    )
    expect(sample(await metrics(), 'pw_db_cagg_stale', 'view="events_per_minute"')).toBe(1)
    const ready = (await (await fetch(`${sys.url}/readyz`)).json()) as {
      details: { database: { staleAggregates: Array<{ view: string }> } }
    }
    expect(ready.details.database.staleAggregates.map((a) => a.view)).toContain('events_per_minute')
    // Only admins read it.
    expect((await call(sys, 'GET', '/api/v1/admin/db-health', { token: sys.token })).status).toBe(403)

    // A refresh that succeeds clears it.
    if (sys.database.embedded) {
      await pool.query('DELETE FROM db_policy_runs WHERE job_id = $1', [job])
      await runDbPolicies({ db: pool, log: createLogger('silent') }, {}, new Date())
    } else {
      await pool.query('SELECT alter_job($1, scheduled => true, next_start => now())', [job])
      for (let i = 0; i < 60; i++) {
        const r = await pool.query<{ ok: boolean }>(
          `SELECT last_successful_finish > now() - interval '1 minute' AS ok FROM timescaledb_information.job_stats WHERE job_id = $1`,
          [job],
        )
        if (r.rows[0]?.ok) break
        await sleep(1000)
      }
    }
    const after = await api(sys, { cookie: admin }).get('/api/v1/admin/db-health')
    expect(after.staleAggregates.map((a: { view: string }) => a.view)).not.toContain('events_per_minute')
    const text = await metrics()
    expect(sample(text, 'pw_db_cagg_stale', 'view="events_per_minute"')).toBe(0)
    expect(sample(text, 'pw_db_cagg_last_refresh_timestamp_seconds', 'view="events_per_minute"')).toBeGreaterThan(
      Date.now() / 1000 - 120,
    )
  })
})
