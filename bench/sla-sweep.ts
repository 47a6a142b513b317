/**
 * SLA sweep benchmark: one sweep (late, at risk, stalled, suspected lost,
 * grouped per hub, with parcel lists) over N open shipments in the embedded
 * database or on the DATABASE_URL server (bench/lib/engine.ts), against one bare full scan of the same table in the same run.
 *
 *   BENCH_OPEN=1000000 npx tsx bench/sla-sweep.ts    (default 200,000)
 */
import { openBenchDatabase } from './lib/bench-db.ts'
import { DEMO_HUBS } from '../server/data/network.ts'
import { runSweep } from '../server/services/sla-sweep.ts'

const OPEN = Number(process.env.BENCH_OPEN ?? 200_000)

async function main() {
  const bench = await openBenchDatabase('sweep')
  const { db, config } = bench
  try {
    const hubs = DEMO_HUBS.map((h) => h.code)
    const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet').map((h) => h.code)
    const now = new Date()
    const t0 = performance.now()
    // Open parcels collected over the last ~3.5 days (about 1 in 7 past its deadline), last scanned up to
    // 25 hours ago (a few per cent stalled), in every open state.
    for (let i = 0; i < OPEN; i += 50_000) {
      await db.pool.query(
        `INSERT INTO shipments (waybill, tier, sender_city, recipient_city, origin_hub, destination_hub, item_name, weight_kg, volume_cm3,
           chargeable_weight_kg, fee_zone, fee_base_fen, fee_weight_fen, fee_tier_fen, fee_insurance_fen, fee_total_fen,
           collected_at, collected_by, status, status_at, last_scan_at, last_scan_hub, promised_deadline, promised_earliest)
         SELECT 'PWB' || lpad(g::text, 12, '0'), (ARRAY['express','standard','economy'])[1 + g % 3], 'x', 'y',
           ($3::text[])[1 + g % $5], ($3::text[])[1 + (g * 7) % $5], 'item', 1, 1000, 1, 1, 1000, 0, 0, 0, 1000,
           $4::timestamptz - (g % 5000) * interval '1 minute', 'C-HGH-O1-01',
           (ARRAY['collected','in_transit','in_transit','out_for_delivery','delivery_failed'])[1 + g % 5],
           $4::timestamptz - (g % 5000) * interval '1 minute',
           $4::timestamptz - (g % 1500) * interval '1 minute', ($6::text[])[1 + g % $7],
           $4::timestamptz - (g % 5000) * interval '1 minute' + interval '3 days',
           $4::timestamptz - (g % 5000) * interval '1 minute' + interval '2 days'
         FROM generate_series($1::int, $2::int) AS g`,
        [i, Math.min(i + 50_000, OPEN) - 1, outlets, now, outlets.length, hubs, hubs.length],
      )
    }
    await db.pool.query('ANALYZE shipments')
    process.stdout.write(`setup: ${OPEN} open shipments in ${Math.round(performance.now() - t0)} ms\n`)

    const hubNames = new Map(DEMO_HUBS.map((h) => [h.code, h.name]))
    const scans: number[] = []
    const sweeps: number[] = []
    for (let round = 0; round < 3; round++) {
      let t = performance.now()
      await db.pool.query(
        `SELECT count(*) FROM shipments WHERE status NOT IN ('delivered', 'returned') AND last_scan_hub IS NOT NULL`,
      )
      scans.push(performance.now() - t)
      t = performance.now()
      const r = await runSweep(db.pool, config.sla, hubNames, now)
      sweeps.push(performance.now() - t)
      if (round === 0) {
        const byRule = new Map<string, number>()
        for (const c of r.changes) byRule.set(c.rule, (byRule.get(c.rule) ?? 0) + c.itemCount)
        process.stdout.write(`first sweep found: ${JSON.stringify(Object.fromEntries(byRule))}\n`)
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    process.stdout.write(
      [
        `SLA sweep benchmark: ${OPEN.toLocaleString('en')} open shipments, median of 3; ${bench.engineLine.replace(/^engine: /, '')}`,
        `  one bare full scan of shipments : ${Math.round(median(scans))} ms`,
        `  one SLA sweep (4 rules + escalation): ${Math.round(median(sweeps))} ms  (target <= 5,000 ms at 1M)`,
        `  ratio sweep / scan              : ${(median(sweeps) / median(scans)).toFixed(1)}`,
        '',
      ].join('\n'),
    )
  } finally {
    await bench.close()
  }
}

await main()
