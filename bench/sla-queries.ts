/**
 * SLA analytics benchmark: the /sla page's queries and the live KPI snapshot over
 * N scan events (default 10M), each p95 against the
 * same question asked of the raw hypertable in the same run. The embedded
 * TimescaleDB, or a database of its own on the DATABASE_URL server (bench/lib/engine.ts).
 *
 *   npx tsx bench/sla-queries.ts                      (BENCH_SLA_EVENTS=10600000: about 10.06M written)
 *   BENCH_SLA_QUICK=1 npx tsx bench/sla-queries.ts    (300,000 events, few rounds)
 *   BENCH_SLA_ROUNDS (aggregate rounds, 30), BENCH_SLA_RAW_ROUNDS (raw rounds, 5)
 *   BENCH_SLA_BURST (events of the burst, default a tenth of the total; 0: none)
 *
 * Three states are measured: (1) every aggregate refreshed to the end of the data; (2)
 * just after a burst of ingest (parcels closing in the last hour, written after the
 * refresh: what the aggregates' real-time part, or a fresh window, has to cover); (3)
 * after the product's own refresh policies ran once (run_job), as they do on a server
 * by themselves.
 *
 * Data: 7 scans per parcel (collected, 2 × departed/arrived, out for delivery,
 * delivered or returned), parcels collected evenly over the last 30 days, written
 * with INSERT … SELECT from generate_series straight into shipments and
 * scan_events (not through the API). Parcel attributes are functions of its
 * number g, so both inserts agree without a join.
 */
import { openBenchDatabase } from './lib/bench-db.ts'
import type pg from 'pg'
import { DEMO_HUBS } from '../server/data/network.ts'
import { dayOf, dayRange, addDays } from '../server/domain/sla-range.ts'
import { slaBreakdown, slaCauses, slaSummary, slaTransit } from '../server/services/sla-report.ts'
import { kpiSnapshot } from '../server/services/kpis.ts'
import { rawKpiSnapshot } from './lib/raw-kpis.ts'
import os from 'node:os'

const describeEngineOf = (line: string) => line.replace(/^engine: /, '').replace(/; \d+ CPUs, load average .*$/, '')

const QUICK = process.env.BENCH_SLA_QUICK === '1'
// 10,600,000 asked gives about 10.06M written: the scans of parcels still on the road are not due yet.
const EVENTS = Number(process.env.BENCH_SLA_EVENTS ?? (QUICK ? 300_000 : 10_600_000))
const ROUNDS = Number(process.env.BENCH_SLA_ROUNDS ?? (QUICK ? 10 : 30))
const RAW_ROUNDS = Number(process.env.BENCH_SLA_RAW_ROUNDS ?? (QUICK ? 3 : 5))
const PER_PARCEL = 7
const BURST = Number(process.env.BENCH_SLA_BURST ?? Math.round(EVENTS / 10))
const DAYS = 30
const CHUNK = 100_000 // parcels per INSERT

const out = (s: string) => process.stdout.write(`${s}\n`)

async function generate(db: pg.Pool, parcels: number, now: Date): Promise<void> {
  const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet').map((h) => h.code)
  const start = new Date(now.getTime() - DAYS * 86_400_000)
  // Per parcel g: tier, lane, collection time, transit hours (tier base + a spread that
  // makes a few per cent late), closing type and exception reason.
  const attrs = `
    (ARRAY['express','standard','economy'])[1 + g % 3] AS tier,
    ($3::text[])[1 + g % $4] AS origin,
    ($3::text[])[1 + (g * 7 + g / $4) % $4] AS dest,
    $5::timestamptz + (g::float8 / $6) * interval '${DAYS} days' AS collected,
    (ARRAY[20, 40, 80])[1 + g % 3] + ((g * 2654435761::bigint) % 1000) / 1000.0 * (ARRAY[40, 50, 70])[1 + g % 3] AS hours,
    CASE WHEN g % 97 = 0 THEN 'returned' ELSE 'delivered' END AS closing,
    CASE WHEN g % 89 = 0 THEN 'refused' WHEN g % 83 = 0 THEN 'damaged' ELSE NULL END AS reason,
    (ARRAY[2, 3, 5])[1 + g % 3] AS promise_days`
  const t0 = performance.now()
  for (let from = 0; from < parcels; from += CHUNK) {
    const to = Math.min(from + CHUNK, parcels) - 1
    const params = [from, to, outlets, outlets.length, start, parcels, now]
    await db.query(
      `INSERT INTO shipments (waybill, tier, sender_city, recipient_city, origin_hub, destination_hub, item_name, weight_kg, volume_cm3,
         chargeable_weight_kg, fee_zone, fee_base_fen, fee_weight_fen, fee_tier_fen, fee_insurance_fen, fee_total_fen,
         collected_at, collected_by, status, status_at, last_scan_at, delivered_at, exception_reason, exception_at,
         promised_deadline, promised_earliest)
       SELECT 'PWS' || lpad(g::text, 12, '0'), tier, 'x', 'y', origin, dest, 'item', 1, 1000, 1, 1, 1000, 0, 0, 0, 1000,
         collected, 'C-' || origin || '-01',
         CASE WHEN collected + hours * interval '1 hour' > $7 THEN 'in_transit' ELSE closing END,
         least(collected + hours * interval '1 hour', $7), least(collected + hours * interval '1 hour', $7),
         CASE WHEN closing = 'delivered' AND collected + hours * interval '1 hour' <= $7 THEN collected + hours * interval '1 hour' END,
         reason, CASE WHEN reason IS NOT NULL THEN collected + hours * 0.5 * interval '1 hour' END,
         time_bucket('1 day', collected, 'Asia/Shanghai') + (promise_days + 1) * interval '1 day' - interval '1 millisecond',
         time_bucket('1 day', collected, 'Asia/Shanghai') + promise_days * interval '1 day' - interval '1 millisecond'
       FROM (SELECT g, ${attrs} FROM generate_series($1::int, $2::int) AS g) p`,
      params,
    )
    await db.query(
      `INSERT INTO scan_events (event_id, event_time, received_at, waybill, type, hub_code, courier_code, signer, reason)
       SELECT 'PWS' || lpad(g::text, 12, '0') || '-' || k, collected + hours * ((k - 1) / 6.0) * interval '1 hour', $7,
         'PWS' || lpad(g::text, 12, '0'),
         (ARRAY['collected','departed_hub','arrived_hub','departed_hub','arrived_hub','out_for_delivery'])[k],
         CASE WHEN k <= 2 THEN origin WHEN k <= 4 THEN 'SHA-TC' ELSE dest END,
         CASE WHEN k = 1 THEN 'C-' || origin || '-01' WHEN k = 6 THEN 'C-' || dest || '-01' END, NULL, NULL
       FROM (SELECT g, ${attrs} FROM generate_series($1::int, $2::int) AS g) p, generate_series(1, 6) AS k
       WHERE collected + hours * ((k - 1) / 6.0) * interval '1 hour' <= $7
       UNION ALL
       SELECT 'PWS' || lpad(g::text, 12, '0') || '-7', collected + hours * interval '1 hour', $7, 'PWS' || lpad(g::text, 12, '0'),
         closing, dest, CASE WHEN g % 11 <> 0 THEN 'C-' || dest || '-01' END, CASE WHEN closing = 'delivered' THEN '本人' END, NULL
       FROM (SELECT g, ${attrs} FROM generate_series($1::int, $2::int) AS g) p
       WHERE collected + hours * interval '1 hour' <= $7`,
      params,
    )
    if (from % (CHUNK * 10) === 0)
      out(`  … ${(to + 1).toLocaleString('en')} parcels, ${Math.round((performance.now() - t0) / 1000)} s`)
  }
  await db.query('ANALYZE shipments')
  await db.query('ANALYZE scan_events')
}

/**
 * A burst: `parcels` parcels collected a day or two ago, all scanned through and
 * delivered within the last hour, written after the aggregates were refreshed.
 */
async function burst(db: pg.Pool, parcels: number, now: Date): Promise<number> {
  const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet').map((h) => h.code)
  const p = `(SELECT g, (ARRAY['express','standard','economy'])[1 + g % 3] AS tier, ($2::text[])[1 + g % $3] AS origin,
      ($2::text[])[1 + (g * 7 + g / $3) % $3] AS dest, $4::timestamptz - interval '30 hours' - (g % 1200) * interval '1 minute' AS collected,
      $4::timestamptz - (g % 3600) * interval '1 second' AS closed FROM generate_series(1, $1::int) AS g) p`
  await db.query(
    `INSERT INTO shipments (waybill, tier, sender_city, recipient_city, origin_hub, destination_hub, item_name, weight_kg, volume_cm3,
       chargeable_weight_kg, fee_zone, fee_base_fen, fee_weight_fen, fee_tier_fen, fee_insurance_fen, fee_total_fen,
       collected_at, collected_by, status, status_at, last_scan_at, delivered_at, promised_deadline, promised_earliest)
     SELECT 'PWX' || lpad(g::text, 12, '0'), tier, 'x', 'y', origin, dest, 'item', 1, 1000, 1, 1, 1000, 0, 0, 0, 1000,
       collected, 'C-' || origin || '-01', 'delivered', closed, closed, closed,
       time_bucket('1 day', collected, 'Asia/Shanghai') + interval '3 days' - interval '1 millisecond',
       time_bucket('1 day', collected, 'Asia/Shanghai') + interval '2 days' - interval '1 millisecond'
     FROM ${p}`,
    [parcels, outlets, outlets.length, now],
  )
  const r = await db.query(
    `INSERT INTO scan_events (event_id, event_time, received_at, waybill, type, hub_code, courier_code, signer, reason)
     SELECT 'PWX' || lpad(g::text, 12, '0') || '-' || k, collected + (closed - collected) * ((k - 1) / 6.0), $4,
       'PWX' || lpad(g::text, 12, '0'),
       (ARRAY['collected','departed_hub','arrived_hub','departed_hub','arrived_hub','out_for_delivery','delivered'])[k],
       CASE WHEN k <= 2 THEN origin WHEN k <= 4 THEN 'SHA-TC' ELSE dest END,
       CASE WHEN k = 1 THEN 'C-' || origin || '-01' WHEN k >= 6 THEN 'C-' || dest || '-01' END, CASE WHEN k = 7 THEN '本人' END, NULL
     FROM ${p}, generate_series(1, 7) AS k`,
    [parcels, outlets, outlets.length, now],
  )
  return r.rowCount ?? 0
}

/** Runs each refresh policy of the product once (and the job refreshing the hierarchical SLA aggregates), as the scheduler (or run-db-policies) does. */
async function runPolicies(db: pg.Pool): Promise<void> {
  const jobs = await db.query<{ job_id: number; name: string }>(
    `SELECT j.job_id, coalesce(j.hypertable_name, j.proc_name) AS name FROM timescaledb_information.jobs j
     WHERE j.proc_name IN ('policy_refresh_continuous_aggregate', 'sla_refresh_children')
     ORDER BY j.proc_name = 'sla_refresh_children', j.job_id`,
  ) // the parents first, as after the scheduler's first round
  for (const j of jobs.rows) {
    const t = performance.now()
    await db.query(`CALL run_job(${j.job_id})`)
    out(`  policy ${j.job_id} (${j.name}) in ${Math.round(performance.now() - t)} ms`)
  }
}

/**
 * The state a running product keeps: history materialised (the daily wide refresh's
 * part, up to 3 days ago), then the recent days as the product's own policies
 * refresh them (their end_offset decides whether today is materialised).
 */
async function refresh(db: pg.Pool): Promise<void> {
  const caggs = [
    'events_per_minute',
    'events_per_hour',
    'deliveries_per_minute',
    'deliveries_hourly',
    'sla_daily',
    'sla_transit_lane_daily',
    'sla_transit_tier_daily',
    'sla_outcome_daily',
    'sla_hub_daily',
    'sla_courier_daily',
    'sla_lane_hist_daily',
    'sla_lane_hist_weekly',
    'sla_lane_daily',
    'sla_lane_weekly',
  ] // children (sql/022) after their parents
  for (const cagg of caggs) {
    const t = performance.now()
    await db.query(`CALL refresh_continuous_aggregate('${cagg}', NULL, now() - interval '3 days')`)
    out(`  refreshed ${cagg} up to 3 days ago in ${Math.round(performance.now() - t)} ms`)
  }
  await runPolicies(db)
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.95 * xs.length) - 1)]!

async function time(f: () => Promise<unknown>, rounds: number): Promise<number> {
  await f() // warm
  const ms: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t = performance.now()
    await f()
    ms.push(performance.now() - t)
  }
  return p95(ms)
}

async function main() {
  const bench = await openBenchDatabase('slaq')
  const { db } = bench
  try {
    const now = new Date()
    const parcels = Math.ceil(EVENTS / PER_PARCEL)
    let t = performance.now()
    await generate(db.pool, parcels, now)
    const n = (await db.pool.query<{ n: number }>('SELECT count(*)::bigint AS n FROM scan_events')).rows[0]!.n
    out(
      `setup: ${Number(n).toLocaleString('en')} events, ${parcels.toLocaleString('en')} parcels in ${Math.round((performance.now() - t) / 1000)} s`,
    )
    t = performance.now()
    await refresh(db.pool)
    out(`setup: aggregates refreshed as the product keeps them in ${Math.round((performance.now() - t) / 1000)} s`)

    const today = dayOf(now)
    const r30 = dayRange(addDays(today, -29), today)
    const r7 = dayRange(addDays(today, -6), today)
    const questions: Array<[string, (src: 'aggregate' | 'raw') => Promise<unknown>]> = [
      [
        'KPI snapshot (live tiles)',
        (src) => (src === 'aggregate' ? kpiSnapshot(db.pool, now) : rawKpiSnapshot(db.pool, now)),
      ],
      ['summary, 7 days', (src) => slaSummary(db.pool, r7, src)],
      ['summary, 30 days (+ previous)', (src) => slaSummary(db.pool, r30, src)],
      ['breakdown by hub, 30 days', (src) => slaBreakdown(db.pool, r30, 'hub', 'rate', 'asc', null, src)],
      ['breakdown by province, 30 d', (src) => slaBreakdown(db.pool, r30, 'region', 'closed', 'desc', null, src)],
      ['breakdown by courier, 30 d', (src) => slaBreakdown(db.pool, r30, 'courier', 'closed', 'desc', null, src)],
      ['breach causes, 30 days', (src) => slaCauses(db.pool, r30, null, src)],
      ['percentiles tier+lane, 7 d', (src) => slaTransit(db.pool, r7, null, 'parcels', 50, src)],
      ['percentiles tier+lane, 30 d', (src) => slaTransit(db.pool, r30, null, 'parcels', 50, src)],
    ]
    const measure = async (state: string, withRaw: boolean) => {
      const events = (await db.pool.query<{ n: number }>('SELECT count(*)::bigint AS n FROM scan_events')).rows[0]!.n
      const tail = (
        await db.pool.query<{ view: string; w: Date | null }>(
          `SELECT ca.view_name AS view, _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(h.id)) AS w
         FROM timescaledb_information.continuous_aggregates ca JOIN _timescaledb_catalog.hypertable h
           ON h.schema_name = ca.materialization_hypertable_schema AND h.table_name = ca.materialization_hypertable_name
         WHERE ca.view_name IN ('sla_daily', 'sla_outcome_daily')`,
        )
      ).rows
      out('')
      out(
        `SLA queries benchmark, ${state}: ${Number(events).toLocaleString('en')} events, ${describeEngineOf(bench.engineLine)}; load average ${os
          .loadavg()
          .map((x) => x.toFixed(1))
          .join(' ')}; ` +
          `watermarks ${tail.map((x) => `${x.view} ${x.w?.toISOString() ?? 'none'}`).join(', ')} (now ${now.toISOString()})`,
      )
      out(`  ` + `p95 of ${ROUNDS} rounds (aggregates)${withRaw ? ` and ${RAW_ROUNDS} (raw)` : ''}`)
      out(
        `  ${'question'.padEnd(32)} ${'aggregate p95'.padStart(14)} ${withRaw ? `${'raw p95'.padStart(12)} ${'raw/agg'.padStart(9)}` : ''}  target <= 50 ms`,
      )
      for (const [name, f] of questions) {
        const agg = await time(() => f('aggregate'), ROUNDS)
        const raw = withRaw ? await time(() => f('raw'), RAW_ROUNDS) : Number.NaN
        out(
          `  ${name.padEnd(32)} ${`${agg.toFixed(1)} ms`.padStart(14)} ${withRaw ? `${`${raw.toFixed(0)} ms`.padStart(12)} ${`${(raw / agg).toFixed(0)}x`.padStart(9)}` : ''}  ${agg <= 50 ? 'ok' : 'OVER'}`,
        )
      }
      out('')
    }
    await measure('as the product keeps them (history refreshed, then the policies ran)', RAW_ROUNDS > 0)
    if (BURST > 0) {
      t = performance.now()
      const written = await burst(db.pool, Math.ceil(BURST / 7), now)
      await db.pool.query('ANALYZE scan_events')
      out(
        `burst: ${written.toLocaleString('en')} events of parcels delivered in the last hour, written in ${Math.round(performance.now() - t)} ms`,
      )
      await measure('just after the burst (not refreshed)', false)
      t = performance.now()
      await runPolicies(db.pool)
      out(`refresh policies run once in ${Math.round((performance.now() - t) / 1000)} s`)
      await measure('after the refresh policies ran once', false)
    }
  } finally {
    await bench.close()
  }
}

await main()
