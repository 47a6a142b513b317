import type pg from 'pg'
import type { Tier } from '../domain/fees.ts'
import type { DeliveryPromise } from '../domain/deadline.ts'
import { withTransaction } from './tx.ts'
import { lockShipments } from './shipments-repo.ts'

export interface CompanyDay {
  day: string
  kind: 'day_off' | 'workday'
  note: string
}

export async function listCompanyDays(db: pg.Pool): Promise<CompanyDay[]> {
  const r = await db.query<CompanyDay>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, note FROM company_calendar ORDER BY day`,
  )
  return r.rows
}

export async function upsertCompanyDay(db: pg.Pool, d: CompanyDay, userId: number | null): Promise<void> {
  await db.query(
    `INSERT INTO company_calendar (day, kind, note, created_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, note = EXCLUDED.note, created_by = EXCLUDED.created_by, created_at = now()`,
    [d.day, d.kind, d.note, userId],
  )
}

export async function deleteCompanyDay(db: pg.Pool, day: string): Promise<boolean> {
  return ((await db.query('DELETE FROM company_calendar WHERE day = $1', [day])).rowCount ?? 0) > 0
}

export interface OpenParcel {
  waybill: string
  tier: Tier
  collectedAt: Date
}

/** Open parcels in waybill order after `after` (keyset paging). */
export async function openParcelsPage(db: pg.Pool, after: string, limit: number): Promise<OpenParcel[]> {
  const r = await db.query<OpenParcel>(
    `SELECT waybill, tier, collected_at AS "collectedAt" FROM shipments
     WHERE waybill > $1 AND is_open
     ORDER BY waybill LIMIT $2`,
    [after, limit],
  )
  return r.rows
}

// $1 waybills, $2 start days, $3 earliest, $4 deadlines
export async function updatePromises(
  db: pg.Pool,
  rows: ReadonlyArray<{ waybill: string; promise: DeliveryPromise }>,
): Promise<void> {
  if (rows.length === 0) return
  // An UPDATE … FROM unnest locks rows in the join's order: lock them in waybill order first (server/db/tx.ts).
  await withTransaction(db, { name: 'promise recomputation' }, async (client) => {
    await lockShipments(
      client,
      rows.map((r) => r.waybill),
    )
    await client.query(
      `UPDATE shipments AS s SET promise_start_day = u.start_day, promised_earliest = u.earliest, promised_deadline = u.deadline
       FROM unnest($1::text[], $2::date[], $3::timestamptz[], $4::timestamptz[]) AS u(waybill, start_day, earliest, deadline)
       WHERE s.waybill = u.waybill`,
      [
        rows.map((r) => r.waybill),
        rows.map((r) => r.promise.startDay),
        rows.map((r) => r.promise.earliest),
        rows.map((r) => r.promise.deadline),
      ],
    )
  })
}
