import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { onlyOn } from '../helpers/test-db.ts'
import { call, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { changedRanges, nextSlice, runDbPolicies, SLICE_TARGET_MS } from '../../jobs/processors/run-db-policies.ts'
import { Writable } from 'node:stream'
import { pendingAggregateWork } from '../../server/db/kpi-repo.ts'
import { createLogger } from '../../server/lib/logger.ts'

let sys: TestSystem

/** Whether a run of the policies leaves no sliced refresh behind (a capture of its log). */
async function caughtUp(db: TestSystem['database']['pool']): Promise<boolean> {
  const lines: Array<{ caughtUp?: boolean }> = []
  const capture = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
      done()
    },
  })
  await runDbPolicies({ db, log: createLogger('debug', capture) })
  return lines.every((l) => l.caughtUp !== false)
}

// A server's own TimescaleDB scheduler runs the policies (and may have refreshed before the first look).
describe.skipIf(onlyOn('embedded', 'the job that runs TimescaleDB policies where no scheduler does'))(
  'TimescaleDB policies on the embedded database',
  () => {
    beforeAll(async () => {
      sys = await startTestSystem({ RUN_WORKERS: 'false' })
    })
    afterAll(async () => {
      await sys?.stop()
    })

    it('runs the registered policies, so the continuous aggregate is materialised', async () => {
      const s = shipment()
      await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: s })
      await call(sys, 'POST', '/api/v1/events', {
        token: sys.token,
        body: [event(s.waybill, { time: minutesAgo(30) }), event(s.waybill, { time: minutesAgo(20) })],
      })
      const db = sys.database.pool
      const materialised = async () => {
        await db.query(`ALTER MATERIALIZED VIEW events_per_minute SET (timescaledb.materialized_only = true)`)
        try {
          return (
            await db.query<{ n: number }>(
              `SELECT coalesce(sum(events), 0)::int AS n FROM events_per_minute WHERE bucket >= now() - interval '1 hour'`,
            )
          ).rows[0]!.n
        } finally {
          await db.query(`ALTER MATERIALIZED VIEW events_per_minute SET (timescaledb.materialized_only = false)`)
        }
      }
      expect(await materialised()).toBe(0)
      // Never materialised, the watermark at its minimum: real-time aggregation reads it all, nothing is pending.
      const hourAgo = new Date(Date.now() - 3_600_000)
      expect(await pendingAggregateWork(db, hourAgo, new Date())).toBe(false)
      // The newest minutes materialised first (as a sliced catch-up does): the watermark is now, and the
      // older minutes of the hour, never materialised, are below it where real-time aggregation does not read.
      await db.query(`CALL refresh_continuous_aggregate('events_per_minute', now() - interval '25 minutes', now())`)
      expect(await pendingAggregateWork(db, hourAgo, new Date())).toBe(true)

      await runDbPolicies({ db, log: createLogger('silent') })
      // A first refresh covers three days never materialised: a sliced one may need more than one
      // run's budget. Runs go on (as the job every 15 s would) until none is left behind.
      for (let run = 0; run < 20 && (await caughtUp(db)) === false; run++)
        await runDbPolicies({ db, log: createLogger('silent') })

      expect(await materialised()).toBeGreaterThanOrEqual(2)
      expect(await pendingAggregateWork(db, hourAgo, new Date())).toBe(false)
      const runs = await db.query<{ job_id: number; proc_name: string; last_error: string | null }>(
        `SELECT j.job_id, j.proc_name, r.last_error FROM db_policy_runs r JOIN timescaledb_information.jobs j USING (job_id)`,
      )
      expect([...new Set(runs.rows.map((r) => r.proc_name))].sort()).toEqual([
        'policy_compression',
        'policy_refresh_continuous_aggregate',
        'policy_retention',
        'sla_refresh_children',
        'sla_refresh_wide',
      ])
      expect(runs.rows.every((r) => r.last_error === null)).toBe(true)
      // The children's refresh (sql/037) turns its parents' real-time part off while it runs: it is back on after.
      const caggs = await db.query<{ view_name: string; materialized_only: boolean }>(
        `SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates ORDER BY 1`,
      )
      expect(caggs.rows.length).toBeGreaterThan(15)
      // The two weekly lane views answer from stored weeks only, by design (sql/055): only they stay so.
      expect(caggs.rows.filter((c) => c.materialized_only).map((c) => c.view_name)).toEqual([
        'sla_lane_hist_weekly',
        'sla_lane_weekly',
      ])

      // A minute later only the policies scheduled every minute are due again, not compression or retention.
      await db.query('UPDATE db_policy_runs SET last_error = $1', ['marker'])
      await runDbPolicies({ db, log: createLogger('silent') }, {}, new Date(Date.now() + 61_000))
      const again = await db.query<{ job_id: number }>(
        `SELECT job_id FROM db_policy_runs WHERE last_error IS NULL ORDER BY job_id`,
      )
      const everyMinute = await db.query<{ job_id: number }>(
        `SELECT job_id FROM timescaledb_information.jobs WHERE job_id >= 1000 AND schedule_interval <= interval '1 minute' ORDER BY job_id`,
      )
      expect(everyMinute.rows.length).toBeGreaterThan(0)
      expect(again.rows).toEqual(everyMinute.rows)
    })

    it('catches a backlog up newest first, a slice at a time, to the same figures as one whole refresh', async () => {
      const db = sys.database.pool
      const log = createLogger('silent')
      await runDbPolicies({ db, log }, {}, new Date(Date.now() + 3_600_000))
      // A backlog below the watermark: two stretches an hour apart, as a restart's catch-up sends them.
      const s = shipment()
      await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: s })
      const times = [...[200, 199, 198, 150, 149].map((m) => minutesAgo(m)), minutesAgo(90), minutesAgo(89)]
      const events = times.map((time, i) => event(s.waybill, { id: `${s.waybill}-B${i}`, time, type: 'arrived_hub' }))
      expect((await call(sys, 'POST', '/api/v1/events', { token: sys.token, body: events })).status).toBe(200)
      const job = (
        await db.query<{ mat_id: number; raw_id: number }>(
          `SELECT c.mat_hypertable_id AS mat_id, c.raw_hypertable_id AS raw_id FROM _timescaledb_catalog.continuous_agg c WHERE c.user_view_name = 'events_per_minute'`,
        )
      ).rows[0]!
      const minute = 60_000
      const end = Math.floor(Date.now() / minute) * minute
      // The last day of the policy's three: its first minute moves with the clock while the test runs.
      const window = { ...job, bucket_ms: minute, window_start_ms: end - 86_400_000, window_end_ms: end }
      const before = await changedRanges(db, window)
      // One range from the first to the last backlog minute (one insert), newest end first; whole minutes.
      expect(before.length).toBeGreaterThanOrEqual(1)
      expect(before[0]![1]).toBeGreaterThanOrEqual(Date.parse(times.at(-1)!))
      expect(before.at(-1)![0]).toBeLessThanOrEqual(Date.parse(times[0]!))
      expect(before.every(([a, b]) => a % minute === 0 && b % minute === 0 && a < b)).toBe(true)

      // 20 s after the last run: only the 15-second policies are due by their schedule; the hour
      // aggregate runs too, because the minutes under its materialised hours changed.
      const lines: Array<{ target?: string; slices?: number; caughtUp?: boolean }> = []
      const capture = new Writable({
        write(chunk: Buffer, _e, done) {
          for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
          done()
        },
      })
      await runDbPolicies({ db, log: createLogger('debug', capture) }, {}, new Date(Date.now() + 3_600_000 + 20_000))
      // Refreshed in slices (not one run_job over three days), the hour aggregate as well, both caught up.
      const ran = (target: string) => lines.find((l) => l.target === target)
      expect(ran('events_per_minute')?.slices).toBeGreaterThanOrEqual(1)
      expect(ran('events_per_minute')?.caughtUp).toBe(true)
      expect(ran('events_per_hour')?.slices).toBeGreaterThanOrEqual(1)
      expect(ran('sla_daily')).toBeUndefined() // a day aggregate keeps its 5-minute schedule

      expect(await changedRanges(db, window)).toEqual([])
      await db.query(`ALTER MATERIALIZED VIEW events_per_minute SET (timescaledb.materialized_only = true)`)
      await db.query(`ALTER MATERIALIZED VIEW events_per_hour SET (timescaledb.materialized_only = true)`)
      try {
        const n = (
          await db.query<{ n: number }>(
            `SELECT coalesce(sum(events), 0)::int AS n FROM events_per_minute WHERE bucket >= now() - interval '4 hours' AND type = 'arrived_hub'`,
          )
        ).rows[0]!.n
        const truth = (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM scan_events WHERE event_time >= time_bucket(interval '1 minute', now() - interval '4 hours') AND type = 'arrived_hub'`,
          )
        ).rows[0]!.n
        expect(n).toBe(truth)
        expect(n).toBeGreaterThanOrEqual(events.length)
        // The hours the hour aggregate's policy covers (it ends an hour back): the same count as the raw scans.
        const hours = (col: string) =>
          `${col} >= time_bucket(interval '1 hour', now() - interval '5 hours') AND ${col} < time_bucket(interval '1 hour', now() - interval '1 hour')`
        const byHour = (
          await db.query<{ n: number }>(
            `SELECT coalesce(sum(events), 0)::int AS n FROM events_per_hour WHERE ${hours('bucket')} AND type = 'arrived_hub'`,
          )
        ).rows[0]!.n
        const rawHours = (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM scan_events WHERE ${hours('event_time')} AND type = 'arrived_hub'`,
          )
        ).rows[0]!.n
        expect(byHour).toBe(rawHours)
        expect(byHour).toBeGreaterThanOrEqual(5) // the backlog's first stretch, 200 and 150 minutes back, is in whole past hours
      } finally {
        await db.query(`ALTER MATERIALIZED VIEW events_per_minute SET (timescaledb.materialized_only = false)`)
        await db.query(`ALTER MATERIALIZED VIEW events_per_hour SET (timescaledb.materialized_only = false)`)
      }
    })

    it('backs off whole refreshes after a long hold: one job at a time, the one run longest ago, then none until quiet', async () => {
      // A pool of its own: run-db-policies keeps what it learnt per pool, and this one has run nothing yet.
      const db = new pg.Pool({ connectionString: sys.database.url, max: 1 })
      onTestFinished(() => db.end())
      await db.query('DELETE FROM db_policy_runs')
      // Every whole run counts as long (longHoldMs 0).
      const clock = Date.now() + 30 * 86_400_000
      const ran = async () =>
        (
          await db.query<{ job_id: number }>(`SELECT job_id FROM db_policy_runs WHERE last_run_at = $1`, [
            new Date(clock),
          ])
        ).rows.map((r) => r.job_id)
      const whole = (
        await db.query<{ job_id: number }>(
          `SELECT j.job_id FROM timescaledb_information.jobs j WHERE j.job_id >= 1000 AND j.scheduled AND NOT EXISTS (
         SELECT 1 FROM _timescaledb_catalog.continuous_aggs_bucket_function f
         WHERE j.proc_name = 'policy_refresh_continuous_aggregate' AND f.mat_hypertable_id = (j.config->>'mat_hypertable_id')::int
           AND f.bucket_fixed_width AND f.bucket_timezone IS NULL AND f.bucket_width::interval < interval '1 day')`,
        )
      ).rows.map((r) => r.job_id)
      expect(whole.length).toBeGreaterThan(1)
      const deps = { db, log: createLogger('silent'), refreshBackOff: true, longHoldMs: 0 }
      await runDbPolicies(deps, {}, new Date(clock))
      const first = (await ran()).filter((id) => whole.includes(id))
      expect(first).toHaveLength(1)
      // Right after it, still inside its quiet period: no other whole job starts.
      await runDbPolicies(deps, {}, new Date(clock))
      expect((await ran()).filter((id) => whole.includes(id))).toEqual(first)
      // Called directly without back-off (as the tests do), every due job runs.
      await runDbPolicies({ db, log: createLogger('silent') }, {}, new Date(clock))
      expect((await ran()).filter((id) => whole.includes(id)).sort()).toEqual([...whole].sort())
    })

    it('sizes slices to the time they take: halved when slow, doubled when quick, whole buckets', () => {
      const minute = 60_000
      expect(nextSlice(3_600_000, SLICE_TARGET_MS * 3, minute)).toBe(1_800_000)
      expect(nextSlice(3_600_000, 1, minute)).toBe(7_200_000)
      expect(nextSlice(3_600_000, SLICE_TARGET_MS / 2, minute)).toBe(3_600_000)
      expect(nextSlice(minute, SLICE_TARGET_MS * 10, minute)).toBe(minute)
      expect(nextSlice(90_000, SLICE_TARGET_MS * 3, minute) % minute).toBe(0)
    })
  },
)
