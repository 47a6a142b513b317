import type pg from 'pg'

export const LANE_WINDOW_DAYS = 14
export const LANE_MIN_SAMPLES = 5

/**
 * Medians of 14 days of deliveries move little in an hour: recomputed (a pass over the
 * delivered parcels) when the last computation is older than this, not every anomaly sweep.
 */
const LANE_REFRESH_MS = 3_600_000

/**
 * Recomputes the lane medians from recent deliveries when the last computation is older than
 * LANE_REFRESH_MS (or later than `now`); lanes without enough deliveries lose their row.
 * Returns the rows written, or null when the kept ones are recent enough.
 */
// $1 now, $2 window start, $3 minimum samples
export async function refreshLaneStats(db: pg.Pool, now: Date): Promise<number | null> {
  const last = (await db.query<{ at: Date | null }>('SELECT max(computed_at) AS at FROM lane_transit_stats')).rows[0]
    ?.at
  if (last && now.getTime() - last.getTime() < LANE_REFRESH_MS && last.getTime() <= now.getTime()) return null
  const since = new Date(now.getTime() - LANE_WINDOW_DAYS * 86_400_000)
  const r = await db.query(
    `INSERT INTO lane_transit_stats (origin_hub, destination_hub, tier, p50_hours, p90_hours, samples, computed_at)
     SELECT origin_hub, destination_hub, tier,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - collected_at) / 3600),
            percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - collected_at) / 3600),
            count(*), $1
     FROM shipments WHERE status = 'delivered' AND delivered_at >= $2 AND delivered_at <= $1
     GROUP BY origin_hub, destination_hub, tier HAVING count(*) >= $3
     ON CONFLICT (origin_hub, destination_hub, tier) DO UPDATE
       SET p50_hours = EXCLUDED.p50_hours, p90_hours = EXCLUDED.p90_hours, samples = EXCLUDED.samples, computed_at = EXCLUDED.computed_at`,
    [now, since, LANE_MIN_SAMPLES],
  )
  await db.query('DELETE FROM lane_transit_stats WHERE computed_at < $1', [now])
  return r.rowCount ?? 0
}
