import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { onlyOn } from '../helpers/test-db.ts'
import { call, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { runDbPolicies } from '../../jobs/processors/run-db-policies.ts'
import { createLogger } from '../../server/lib/logger.ts'

let sys: TestSystem

// A server's own TimescaleDB scheduler runs the policies (and may have refreshed before the first look).
describe.skipIf(onlyOn('embedded', 'the job that runs TimescaleDB policies where no scheduler does'))('TimescaleDB policies on the embedded database', () => {
  beforeAll(async () => { sys = await startTestSystem({ RUN_WORKERS: 'false' }) })
  afterAll(async () => { await sys?.stop() })

  it('runs the registered policies, so the continuous aggregate is materialised', async () => {
    const s = shipment()
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: s })
    await call(sys, 'POST', '/api/v1/events', { token: sys.token, body: [event(s.waybill, { time: minutesAgo(30) }), event(s.waybill, { time: minutesAgo(20) })] })
    const db = sys.database.pool
    const materialised = async () => {
      await db.query(`ALTER MATERIALIZED VIEW events_per_minute SET (timescaledb.materialized_only = true)`)
      try {
        return (await db.query<{ n: number }>(`SELECT coalesce(sum(events), 0)::int AS n FROM events_per_minute WHERE bucket >= now() - interval '1 hour'`)).rows[0]!.n
      } finally {
        await db.query(`ALTER MATERIALIZED VIEW events_per_minute SET (timescaledb.materialized_only = false)`)
      }
    }
    expect(await materialised()).toBe(0)

    await runDbPolicies({ db, log: createLogger('silent') })

    expect(await materialised()).toBeGreaterThanOrEqual(2)
    const runs = await db.query<{ job_id: number; proc_name: string; last_error: string | null }>(
      `SELECT j.job_id, j.proc_name, r.last_error FROM db_policy_runs r JOIN timescaledb_information.jobs j USING (job_id)`,
    )
    expect([...new Set(runs.rows.map((r) => r.proc_name))].sort()).toEqual(['policy_compression', 'policy_refresh_continuous_aggregate', 'policy_retention', 'sla_refresh_children', 'sla_refresh_wide'])
    expect(runs.rows.every((r) => r.last_error === null)).toBe(true)
    // The children's refresh (sql/037) turns its parents' real-time part off while it runs: it is back on after.
    const caggs = await db.query<{ view_name: string; materialized_only: boolean }>(`SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates ORDER BY 1`)
    expect(caggs.rows.length).toBeGreaterThan(15)
    expect(caggs.rows.filter((c) => c.materialized_only)).toEqual([])

    // A minute later only the policies scheduled every minute are due again, not compression or retention.
    await db.query('UPDATE db_policy_runs SET last_error = $1', ['marker'])
    await runDbPolicies({ db, log: createLogger('silent') }, {}, new Date(Date.now() + 61_000))
    const again = await db.query<{ job_id: number }>(`SELECT job_id FROM db_policy_runs WHERE last_error IS NULL ORDER BY job_id`)
    const everyMinute = await db.query<{ job_id: number }>(
      `SELECT job_id FROM timescaledb_information.jobs WHERE job_id >= 1000 AND schedule_interval <= interval '1 minute' ORDER BY job_id`)
    expect(everyMinute.rows.length).toBeGreaterThan(0)
    expect(again.rows).toEqual(everyMinute.rows)
  })
})
