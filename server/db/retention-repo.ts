import type { Queryable } from './outbox-repo.ts'

const PERSONAL_NOT_NULL = `(s.sender_name IS NOT NULL OR s.sender_phone IS NOT NULL OR s.sender_address IS NOT NULL
  OR s.recipient_name IS NOT NULL OR s.recipient_phone IS NOT NULL OR s.recipient_phone_last4 IS NOT NULL
  OR s.recipient_address IS NOT NULL OR s.signer IS NOT NULL)`

export interface ErasedBatch {
  parcels: number
  waybills: string[]
  firstCollectedAt: Date | null
}

/**
 * Blanks the personal columns of up to `limit` parcels delivered or returned
 * before the cutoff that still hold any; the rest of the record stays.
 */
// $1 cutoff, $2 batch size, $3 now
export async function erasePersonalBatch(db: Queryable, cutoff: Date, limit: number, now: Date): Promise<ErasedBatch> {
  const r = await db.query<{ waybill: string; collectedAt: Date }>(
    // The oldest first, but locked in waybill order (server/db/tx.ts), rechecked once locked.
    `WITH pick AS (
       SELECT s.waybill FROM shipments s
       WHERE s.status IN ('delivered', 'returned') AND s.status_at < $1 AND ${PERSONAL_NOT_NULL}
       ORDER BY s.status_at LIMIT $2
     ), batch AS (
       SELECT s.waybill FROM shipments s
       WHERE s.waybill IN (SELECT waybill FROM pick) AND s.status IN ('delivered', 'returned') AND s.status_at < $1 AND ${PERSONAL_NOT_NULL}
       ORDER BY s.waybill FOR NO KEY UPDATE
     )
     UPDATE shipments s SET sender_name = NULL, sender_phone = NULL, sender_address = NULL,
       recipient_name = NULL, recipient_phone = NULL, recipient_phone_last4 = NULL, recipient_address = NULL,
       signer = NULL, updated_at = $3
     FROM batch WHERE s.waybill = batch.waybill
     RETURNING s.waybill, s.collected_at AS "collectedAt"`,
    [cutoff, limit, now],
  )
  const first = r.rows.reduce<Date | null>((m, x) => (m === null || x.collectedAt < m ? x.collectedAt : m), null)
  return { parcels: r.rows.length, waybills: r.rows.map((x) => x.waybill), firstCollectedAt: first }
}

/**
 * Clears the signer on these parcels' scans. The time range lets TimescaleDB skip
 * chunks (and compressed batches) outside it: a parcel's scans lie between a day
 * before its collection (scanner clocks) and the cutoff (it closed before).
 */
// $1 waybills, $2 from, $3 cutoff
export async function clearEventSigners(
  db: Queryable,
  waybills: readonly string[],
  from: Date,
  cutoff: Date,
): Promise<number> {
  const r = await db.query(
    `UPDATE scan_events SET signer = NULL
     WHERE event_time >= $2::timestamptz - interval '1 day' AND event_time < $3 AND waybill = ANY($1::text[]) AND signer IS NOT NULL`,
    [[...waybills], from, cutoff],
  )
  return r.rowCount ?? 0
}

// $1 from, $2 cutoff: compressed scan_events chunks overlapping the range
export async function compressedChunksBetween(db: Queryable, from: Date, cutoff: Date): Promise<string[]> {
  const r = await db.query<{ chunk: string }>(
    `SELECT format('%I.%I', chunk_schema, chunk_name) AS chunk FROM timescaledb_information.chunks
     WHERE hypertable_name = 'scan_events' AND is_compressed
       AND range_end > $1::timestamptz - interval '1 day' AND range_start < $2`,
    [from, cutoff],
  )
  return r.rows.map((x) => x.chunk)
}

/**
 * Blanks the customer's contact details, the description and the handling notes
 * (free text that tends to hold names, phone numbers and addresses) of complaints
 * closed before the cutoff; category, channel, times, states and satisfaction stay.
 */
// $1 cutoff, $2 now
export async function eraseClosedComplaints(db: Queryable, cutoff: Date, now: Date): Promise<number> {
  const r = await db.query<{ id: number }>(
    `UPDATE complaints SET contact_name = NULL, contact_phone = NULL, contact_email = NULL, description = '', updated_at = $2
     WHERE state = 'closed' AND closed_at < $1
       AND (contact_name IS NOT NULL OR contact_phone IS NOT NULL OR contact_email IS NOT NULL OR description <> '')
     RETURNING id::int`,
    [cutoff, now],
  )
  const ids = r.rows.map((x) => x.id)
  if (ids.length > 0)
    await db.query(`UPDATE complaint_history SET note = '' WHERE complaint_id = ANY($1::bigint[]) AND note <> ''`, [
      ids,
    ])
  return ids.length
}
