/**
 * What `npm run demo` feeds its simulator: on an empty database, two days of parcels
 * already on the road and three hours of backlog; on the database of an earlier run,
 * that run's open parcels to carry on (no second network), and only the time the
 * demo was down as backlog, at most the same three hours (issue 12, item 5).
 */
import type pg from 'pg'
import type { OpenParcel } from '../../sim/parcels.ts'
import type { Tier } from '../domain/fees.ts'

export const DEMO_BACKLOG_HOURS = 3
export const DEMO_WARMUP_HOURS = 48

export interface DemoStart {
  /** Undefined on an empty database. */
  resume: OpenParcel[] | undefined
  backlogHours: number
  warmupHours: number
}

export async function demoStart(db: pg.Pool, now: Date): Promise<DemoStart> {
  const last = await db.query<{ at: Date | null }>(`SELECT max(event_time) AS at FROM scan_events`)
  const lastAt = last.rows[0]?.at ?? null
  if (!lastAt) return { resume: undefined, backlogHours: DEMO_BACKLOG_HOURS, warmupHours: DEMO_WARMUP_HOURS }
  const r = await db.query<{
    waybill: string
    tier: Tier
    originHub: string
    destinationHub: string
    collectedAt: Date
    collectedBy: string
    recipientName: string | null
    status: string
    lastScanAt: Date | null
    lastScanHub: string | null
    lastEventType: string | null
  }>(
    `SELECT waybill, tier, origin_hub AS "originHub", destination_hub AS "destinationHub", collected_at AS "collectedAt",
            collected_by AS "collectedBy", recipient_name AS "recipientName", status, last_scan_at AS "lastScanAt",
            last_scan_hub AS "lastScanHub", last_event_type AS "lastEventType"
     FROM shipments WHERE is_open AND status <> 'exception'`,
  )
  const resume = r.rows.map((p) => ({
    ...p,
    collectedAt: p.collectedAt.getTime(),
    lastScanAt: p.lastScanAt ? p.lastScanAt.getTime() : null,
  }))
  const downHours = Math.max(0, (now.getTime() - lastAt.getTime()) / 3_600_000)
  return { resume, backlogHours: Math.min(DEMO_BACKLOG_HOURS, downHours), warmupHours: 0 }
}
