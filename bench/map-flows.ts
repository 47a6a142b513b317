/**
 * Wall map flows benchmark: the lanes of parcels in transit read from the count
 * that triggers keep (sql/039) against the same question asked of the shipments
 * table (what the map did before), over N shipments; and what keeping the count
 * costs an ingest-like UPDATE of 1,000 parcels' last scan, with the count's
 * triggers on against off, batches alternating, in one run; the embedded TimescaleDB or
 * the DATABASE_URL server (bench/lib/engine.ts).
 *
 *   BENCH_MAP_SHIPMENTS=1000000 npx tsx bench/map-flows.ts    (default 1,000,000)
 */
import { openBenchDatabase } from './lib/bench-db.ts'
import { DEMO_HUBS } from '../server/data/network.ts'

const N = Number(process.env.BENCH_MAP_SHIPMENTS ?? 1_000_000)
const ROUNDS = 15
const BATCH = 1_000

const SCAN = `SELECT last_scan_hub AS from_hub, destination_hub AS to_hub, count(*)::int AS n FROM shipments
  WHERE status = 'in_transit' AND last_scan_hub IS NOT NULL AND last_scan_hub <> destination_hub
  GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 150`
const KEPT = `SELECT from_hub, to_hub, sum(parcels)::int AS n FROM transit_flow_count
  GROUP BY 1, 2 HAVING sum(parcels) > 0 ORDER BY 3 DESC, 1, 2 LIMIT 150`
const TRIGGERS = ['shipments_transit_flow_insert', 'shipments_transit_flow_update', 'shipments_transit_flow_delete']

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ms = (x: number) => `${x.toFixed(1)} ms`

async function main() {
  const bench = await openBenchDatabase('flows')
  const { db } = bench
  try {
    const hubs = DEMO_HUBS.map((h) => h.code)
    const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet').map((h) => h.code)
    const t0 = performance.now()
    // Parcels of the last weeks: most delivered, one in five in transit, the rest collected or out for delivery.
    for (let i = 0; i < N; i += 50_000) {
      await db.pool.query(
        `INSERT INTO shipments (waybill, tier, sender_city, recipient_city, origin_hub, destination_hub, item_name, weight_kg, volume_cm3,
           chargeable_weight_kg, fee_zone, fee_base_fen, fee_weight_fen, fee_tier_fen, fee_insurance_fen, fee_total_fen,
           collected_at, collected_by, status, status_at, last_scan_at, last_scan_hub)
         SELECT 'PWF' || lpad(g::text, 12, '0'), (ARRAY['express','standard','economy'])[1 + g % 3], 'x', 'y',
           ($3::text[])[1 + g % $4], ($3::text[])[1 + (g * 7) % $4], 'item', 1, 1000, 1, 1, 1000, 0, 0, 0, 1000,
           now() - (g % 20000) * interval '1 minute', 'C-HGH-O1-01',
           (ARRAY['delivered','delivered','delivered','in_transit','collected','delivered','in_transit','out_for_delivery','delivered','delivered'])[1 + g % 10],
           now(), now(), ($5::text[])[1 + (g * 3) % $6]
         FROM generate_series($1::int, $2::int) AS g`,
        [i, Math.min(i + 50_000, N) - 1, outlets, outlets.length, hubs, hubs.length],
      )
    }
    await db.pool.query('ANALYZE shipments')
    process.stdout.write(`setup: ${N.toLocaleString('en')} shipments in ${Math.round(performance.now() - t0)} ms\n`)

    // The two reads must agree before they are timed.
    const [a, b] = [await db.pool.query(SCAN), await db.pool.query(KEPT)]
    if (JSON.stringify(a.rows) !== JSON.stringify(b.rows))
      throw new Error('kept flows differ from the scan of shipments')

    const scan: number[] = []
    const kept: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now()
      await db.pool.query(SCAN)
      scan.push(performance.now() - t)
      t = performance.now()
      await db.pool.query(KEPT)
      kept.push(performance.now() - t)
    }

    // An ingest batch moves parcels on: 1,000 in-transit parcels get a new last-scan hub.
    const on: number[] = []
    const off: number[] = []
    for (let r = 0; r < 2 * ROUNDS; r++) {
      const enabled = r % 2 === 0
      for (const trg of TRIGGERS)
        await db.pool.query(`ALTER TABLE shipments ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${trg}`)
      const first = (r * 7919 * BATCH) % N
      const t = performance.now()
      await db.pool.query(
        `UPDATE shipments SET last_scan_hub = ($3::text[])[1 + (substr(waybill, 4)::int + $4) % $5], last_scan_at = now()
         WHERE waybill IN (SELECT 'PWF' || lpad(g::text, 12, '0') FROM generate_series($1::int, $2::int) g) AND status = 'in_transit'`,
        [first, first + 5 * BATCH - 1, hubs, r, hubs.length],
      )
      ;(enabled ? on : off).push(performance.now() - t)
    }
    for (const trg of TRIGGERS) await db.pool.query(`ALTER TABLE shipments ENABLE TRIGGER ${trg}`)

    process.stdout.write(
      [
        `Wall map flows: ${N.toLocaleString('en')} shipments, median of ${ROUNDS}; ${bench.engineLine.replace(/^engine: /, '')}`,
        `  flows from a scan of shipments (before) : ${ms(median(scan))}`,
        `  flows from the kept count (sql/039)     : ${ms(median(kept))}`,
        `  ratio scan / kept                       : ${(median(scan) / median(kept)).toFixed(0)}x`,
        `  UPDATE of ~${BATCH} in-transit parcels' last scan, count kept: ${ms(median(on))}, not kept: ${ms(median(off))}, ratio ${(median(on) / median(off)).toFixed(2)}`,
        '',
      ].join('\n'),
    )
  } finally {
    await bench.close()
  }
}

await main()
