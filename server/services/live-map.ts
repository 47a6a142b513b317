import type pg from 'pg'
import { listHubs } from '../db/reference-repo.ts'
import { deliveriesSince, SEVERITIES, type Severity } from '../db/kpi-repo.ts'
import { startOfShanghaiDay } from '../domain/clock.ts'

export interface MapHub {
  code: string
  name: string
  city: string
  kind: string
  lat: number
  lon: number
  /** Scans at this hub in the last 60 minutes. */
  volume: number
  /** Parcels delivered today whose destination is this hub, and how many on time. */
  delivered: number
  onTime: number
  /** Unresolved alerts about this hub, by severity. */
  openAlerts: Record<Severity, number>
}

export interface MapFlow {
  from: string
  to: string
  parcels: number
}
export interface MapSnapshot {
  at: string
  hubs: MapHub[]
  flows: MapFlow[]
}

/** Flows drawn at most: the wall shows the biggest lanes, not every trickle. */
const MAX_FLOWS = 150

/**
 * The wall map: every hub with its last hour's scan volume (events_per_minute),
 * today's deliveries and on-time count (deliveries_hourly and _per_minute) and open alerts; and
 * parcels in transit grouped by (hub of their last scan → destination hub), kept by triggers.
 */
export async function mapSnapshot(db: pg.Pool, now: Date): Promise<MapSnapshot> {
  const hourAgo = new Date(now.getTime() - 3_600_000)
  const [hubs, volume, deliveries, alerts, flows] = await Promise.all([
    listHubs(db),
    db.query<{ hub_code: string; n: string }>(
      `SELECT hub_code, sum(events)::bigint AS n FROM events_per_minute WHERE bucket >= $1 AND bucket <= $2 GROUP BY hub_code`,
      [hourAgo, now],
    ),
    deliveriesSince(db, startOfShanghaiDay(now), now, 'hub_code'),
    db.query<{ hub_code: string; severity: string; n: number }>(
      `SELECT hub_code, severity, count(*)::int AS n FROM alerts
       WHERE state <> 'resolved' AND hub_code IS NOT NULL GROUP BY hub_code, severity`,
    ),
    // Kept by triggers on shipments (sql/039): a few thousand rows, not a scan of every parcel.
    db.query<{ from_hub: string; to_hub: string; n: number }>(
      `SELECT from_hub, to_hub, sum(parcels)::int AS n FROM transit_flow_count
       GROUP BY 1, 2 HAVING sum(parcels) > 0 ORDER BY 3 DESC, 1, 2 LIMIT ${MAX_FLOWS}`,
    ),
  ])
  const volumeOf = new Map(volume.rows.map((r) => [r.hub_code, Number(r.n)]))
  const deliveriesOf = new Map(
    deliveries.rows.map((r) => [r.key, { delivered: Number(r.delivered), onTime: Number(r.on_time) }]),
  )
  const alertsOf = new Map<string, Record<Severity, number>>()
  for (const r of alerts.rows) {
    const counts =
      alertsOf.get(r.hub_code) ?? (Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>)
    if ((SEVERITIES as readonly string[]).includes(r.severity)) counts[r.severity as Severity] = r.n
    alertsOf.set(r.hub_code, counts)
  }
  const known = new Set(hubs.map((h) => h.code))
  return {
    at: now.toISOString(),
    hubs: hubs.map((h) => ({
      code: h.code,
      name: h.name,
      city: h.city,
      kind: h.kind,
      lat: h.latitude,
      lon: h.longitude,
      volume: volumeOf.get(h.code) ?? 0,
      delivered: deliveriesOf.get(h.code)?.delivered ?? 0,
      onTime: deliveriesOf.get(h.code)?.onTime ?? 0,
      openAlerts: alertsOf.get(h.code) ?? { critical: 0, warning: 0, info: 0 },
    })),
    flows: flows.rows
      .filter((f) => known.has(f.from_hub) && known.has(f.to_hub))
      .map((f) => ({ from: f.from_hub, to: f.to_hub, parcels: f.n })),
  }
}
