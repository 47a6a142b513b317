import type pg from 'pg'
import type { EventType, ExceptionReason } from '../domain/status.ts'

export interface EventRow {
  id: string
  time: Date
  waybill: string
  type: EventType
  hub: string | null
  courier: string | null
  latitude: number | null
  longitude: number | null
  signer: string | null
  reason: ExceptionReason | null
  detail: string | null
}

/**
 * Stores a batch with one statement (unnest is planned once per batch and has no
 * parameter-count limit). Events already stored are skipped; returns those stored now.
 */
// $1..$11 event columns as arrays, $12 received at
export async function insertEvents(
  db: pg.Pool | pg.PoolClient,
  rows: readonly EventRow[],
  receivedAt: Date,
): Promise<EventRow[]> {
  const r = await db.query<EventRow>(
    `INSERT INTO scan_events (event_id, event_time, waybill, type, hub_code, courier_code, latitude, longitude, signer, reason, detail, received_at)
     SELECT u.*, $12::timestamptz FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::float8[], $8::float8[], $9::text[], $10::text[], $11::text[]) AS u
     ON CONFLICT DO NOTHING
     RETURNING event_id AS id, event_time AS time, waybill, type, hub_code AS hub, signer, reason`,
    [
      rows.map((e) => e.id),
      rows.map((e) => e.time),
      rows.map((e) => e.waybill),
      rows.map((e) => e.type),
      rows.map((e) => e.hub),
      rows.map((e) => e.courier),
      rows.map((e) => e.latitude),
      rows.map((e) => e.longitude),
      rows.map((e) => e.signer),
      rows.map((e) => e.reason),
      rows.map((e) => e.detail),
      receivedAt,
    ],
  )
  return r.rows
}

export interface TrajectoryStep {
  id: string
  time: Date
  receivedAt: Date
  type: EventType
  hub: string | null
  hubName: string | null
  city: string | null
  courier: string | null
  latitude: number | null
  longitude: number | null
  signer: string | null
  reason: ExceptionReason | null
  detail: string | null
}

export async function trajectory(db: pg.Pool, waybill: string): Promise<TrajectoryStep[]> {
  const r = await db.query<TrajectoryStep>(
    `SELECT e.event_id AS id, e.event_time AS time, e.received_at AS "receivedAt", e.type, e.hub_code AS hub,
            h.name AS "hubName", h.city, e.courier_code AS courier,
            coalesce(e.latitude, h.latitude) AS latitude, coalesce(e.longitude, h.longitude) AS longitude,
            e.signer, e.reason, e.detail
     FROM scan_events e LEFT JOIN hubs h ON h.code = e.hub_code
     WHERE e.waybill = $1
     ORDER BY e.event_time, e.received_at`,
    [waybill],
  )
  return r.rows
}
