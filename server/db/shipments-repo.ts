import type pg from 'pg'
import type { ShipmentState } from '../domain/status.ts'
import type { Fee, Tier } from '../domain/fees.ts'
import type { DeliveryPromise } from '../domain/deadline.ts'
import { bigrams, type ParcelQuery } from '../domain/search-query.ts'

type Queryable = pg.Pool | pg.PoolClient

export interface NewShipment {
  waybill: string
  tier: Tier
  sender: { name: string; phone: string; address: string; city: string }
  recipient: { name: string; phone: string; address: string; city: string }
  originHub: string
  destinationHub: string
  itemName: string
  weightKg: number
  volumeCm3: number
  declaredValueFen: number | null
  collectedAt: Date
  collectedBy: string
  fee: Fee
  promise: DeliveryPromise
}

const col = <T>(rows: readonly NewShipment[], f: (s: NewShipment) => T): T[] => rows.map(f)

/** Inserts collection records; a waybill already stored is left as it is. Returns the waybills inserted now. */
export async function insertShipments(db: Queryable, rows: readonly NewShipment[]): Promise<Set<string>> {
  const r = await db.query<{ waybill: string }>(
    `INSERT INTO shipments (waybill, tier, sender_name, sender_phone, sender_address, sender_city,
       recipient_name, recipient_phone, recipient_phone_last4, recipient_address, recipient_city,
       origin_hub, destination_hub, item_name, weight_kg, volume_cm3, declared_value_fen,
       chargeable_weight_kg, fee_zone, fee_base_fen, fee_weight_fen, fee_tier_fen, fee_insurance_fen, fee_total_fen,
       collected_at, collected_by, promise_start_day, promised_earliest, promised_deadline, status, status_at)
     SELECT u.*, 'collected', u.collected_at FROM unnest(
       $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
       $12::text[], $13::text[], $14::text[], $15::numeric[], $16::numeric[], $17::bigint[],
       $18::numeric[], $19::smallint[], $20::int[], $21::int[], $22::int[], $23::int[], $24::int[],
       $25::timestamptz[], $26::text[], $27::date[], $28::timestamptz[], $29::timestamptz[]
     ) AS u(waybill, tier, sender_name, sender_phone, sender_address, sender_city,
       recipient_name, recipient_phone, recipient_phone_last4, recipient_address, recipient_city,
       origin_hub, destination_hub, item_name, weight_kg, volume_cm3, declared_value_fen,
       chargeable_weight_kg, fee_zone, fee_base_fen, fee_weight_fen, fee_tier_fen, fee_insurance_fen, fee_total_fen,
       collected_at, collected_by, promise_start_day, promised_earliest, promised_deadline)
     ORDER BY u.waybill -- two batches sharing waybills insert them in one order (server/db/tx.ts)
     ON CONFLICT (waybill) DO NOTHING
     RETURNING waybill`,
    [
      col(rows, (s) => s.waybill),
      col(rows, (s) => s.tier),
      col(rows, (s) => s.sender.name),
      col(rows, (s) => s.sender.phone),
      col(rows, (s) => s.sender.address),
      col(rows, (s) => s.sender.city),
      col(rows, (s) => s.recipient.name),
      col(rows, (s) => s.recipient.phone),
      col(rows, (s) => s.recipient.phone.slice(-4)),
      col(rows, (s) => s.recipient.address),
      col(rows, (s) => s.recipient.city),
      col(rows, (s) => s.originHub),
      col(rows, (s) => s.destinationHub),
      col(rows, (s) => s.itemName),
      col(rows, (s) => s.weightKg),
      col(rows, (s) => s.volumeCm3),
      col(rows, (s) => s.declaredValueFen),
      col(rows, (s) => s.fee.chargeableWeightKg),
      col(rows, (s) => s.fee.zone),
      col(rows, (s) => s.fee.parts.baseFen),
      col(rows, (s) => s.fee.parts.weightFen),
      col(rows, (s) => s.fee.parts.tierFen),
      col(rows, (s) => s.fee.parts.insuranceFen),
      col(rows, (s) => s.fee.totalFen),
      col(rows, (s) => s.collectedAt),
      col(rows, (s) => s.collectedBy),
      col(rows, (s) => s.promise.startDay),
      col(rows, (s) => s.promise.earliest),
      col(rows, (s) => s.promise.deadline),
    ],
  )
  return new Set(r.rows.map((x) => x.waybill))
}

/** The fee and promise as stored, for answering a re-sent collection record with what was kept. */
export interface StoredPricing {
  volumeCm3: number
  chargeableWeightKg: number
  zone: number
  originHub: string
  destinationHub: string
  baseFen: number
  weightFen: number
  tierFen: number
  insuranceFen: number
  totalFen: number
  earliest: Date
  deadline: Date
}

export async function storedPricing(db: Queryable, waybills: readonly string[]): Promise<Map<string, StoredPricing>> {
  const r = await db.query<StoredPricing & { waybill: string }>(
    `SELECT waybill, volume_cm3::float8 AS "volumeCm3", chargeable_weight_kg::float8 AS "chargeableWeightKg", fee_zone::int AS zone,
       origin_hub AS "originHub", destination_hub AS "destinationHub", fee_base_fen::int AS "baseFen", fee_weight_fen::int AS "weightFen",
       fee_tier_fen::int AS "tierFen", fee_insurance_fen::int AS "insuranceFen", fee_total_fen::int AS "totalFen",
       promised_earliest AS earliest, promised_deadline AS deadline
     FROM shipments WHERE waybill = ANY($1::text[])`,
    [waybills],
  )
  return new Map(r.rows.map(({ waybill, ...p }) => [waybill, p]))
}

const STATE_COLUMNS = `waybill, status, status_at AS "statusAt", last_scan_at AS "lastScanAt", last_scan_hub AS "lastScanHub",
  last_event_type AS "lastEventType", delivered_at AS "deliveredAt", signer, exception_reason AS "exceptionReason",
  exception_at AS "exceptionAt"`

/**
 * Reads and row-locks the states of these shipments, in waybill order so that concurrent
 * batches never deadlock (lock order: server/db/tx.ts). FOR NO KEY UPDATE: the waybill never
 * changes, so inserting a claim, complaint or alert item that refers to the parcel (a KEY
 * SHARE lock through its foreign key) neither waits for this lock nor blocks it.
 */
export async function lockStates(
  client: pg.PoolClient,
  waybills: readonly string[],
): Promise<Map<string, ShipmentState>> {
  const r = await client.query<ShipmentState & { waybill: string }>(
    `SELECT ${STATE_COLUMNS} FROM shipments WHERE waybill = ANY($1::text[]) ORDER BY waybill FOR NO KEY UPDATE`,
    [waybills],
  )
  return new Map(r.rows.map(({ waybill, ...state }) => [waybill, state]))
}

/** Row-locks these shipments in waybill order, before a statement that updates them in another order. */
export async function lockShipments(client: pg.PoolClient, waybills: readonly string[]): Promise<void> {
  await client.query('SELECT 1 FROM shipments WHERE waybill = ANY($1::text[]) ORDER BY waybill FOR NO KEY UPDATE', [
    [...waybills],
  ])
}

// $1 waybills and the state columns as arrays, $11 now
export async function updateStates(
  client: pg.PoolClient,
  states: ReadonlyMap<string, ShipmentState>,
  now: Date,
): Promise<void> {
  if (states.size === 0) return
  const w = [...states.keys()]
  const s = [...states.values()]
  await client.query(
    `UPDATE shipments AS sh SET status = u.status, status_at = u.status_at, last_scan_at = u.last_scan_at,
       last_scan_hub = u.last_scan_hub, last_event_type = u.last_event_type, delivered_at = u.delivered_at,
       signer = u.signer, exception_reason = u.exception_reason, exception_at = u.exception_at, updated_at = $11
     FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[],
                 $7::timestamptz[], $8::text[], $9::text[], $10::timestamptz[])
       AS u(waybill, status, status_at, last_scan_at, last_scan_hub, last_event_type, delivered_at, signer, exception_reason, exception_at)
     WHERE sh.waybill = u.waybill`,
    [
      w,
      s.map((x) => x.status),
      s.map((x) => x.statusAt),
      s.map((x) => x.lastScanAt),
      s.map((x) => x.lastScanHub),
      s.map((x) => x.lastEventType),
      s.map((x) => x.deliveredAt),
      s.map((x) => x.signer),
      s.map((x) => x.exceptionReason),
      s.map((x) => x.exceptionAt),
      now,
    ],
  )
}

/** The stored collection record plus the parcel's current state. */
export interface ShipmentRecord extends ShipmentState {
  waybill: string
  tier: Tier
  senderName: string | null
  senderPhone: string | null
  senderAddress: string | null
  senderCity: string
  recipientName: string | null
  recipientPhone: string | null
  recipientAddress: string | null
  recipientCity: string
  originHub: string
  destinationHub: string
  itemName: string
  weightKg: number
  volumeCm3: number
  declaredValueFen: number | null
  chargeableWeightKg: number
  feeZone: number
  feeBaseFen: number
  feeWeightFen: number
  feeTierFen: number
  feeInsuranceFen: number
  feeTotalFen: number
  paymentState: string
  collectedAt: Date
  collectedBy: string
  promiseStartDay: string | null
  promisedEarliest: Date | null
  promisedDeadline: Date | null
}

const RECORD_COLUMNS = `waybill, tier, sender_name AS "senderName", sender_phone AS "senderPhone", sender_address AS "senderAddress",
  sender_city AS "senderCity", recipient_name AS "recipientName", recipient_phone AS "recipientPhone",
  recipient_address AS "recipientAddress", recipient_city AS "recipientCity", origin_hub AS "originHub",
  destination_hub AS "destinationHub", item_name AS "itemName", weight_kg AS "weightKg", volume_cm3 AS "volumeCm3",
  declared_value_fen AS "declaredValueFen", chargeable_weight_kg AS "chargeableWeightKg", fee_zone AS "feeZone",
  fee_base_fen AS "feeBaseFen", fee_weight_fen AS "feeWeightFen", fee_tier_fen AS "feeTierFen",
  fee_insurance_fen AS "feeInsuranceFen", fee_total_fen AS "feeTotalFen", payment_state AS "paymentState",
  collected_at AS "collectedAt", collected_by AS "collectedBy", status, status_at AS "statusAt",
  last_scan_at AS "lastScanAt", last_scan_hub AS "lastScanHub", last_event_type AS "lastEventType",
  delivered_at AS "deliveredAt", signer, exception_reason AS "exceptionReason", exception_at AS "exceptionAt",
  to_char(promise_start_day, 'YYYY-MM-DD') AS "promiseStartDay", promised_earliest AS "promisedEarliest", promised_deadline AS "promisedDeadline"`

export async function findShipment(db: Queryable, waybill: string): Promise<ShipmentRecord | undefined> {
  const r = await db.query<ShipmentRecord>(`SELECT ${RECORD_COLUMNS} FROM shipments WHERE waybill = $1`, [waybill])
  return r.rows[0]
}

export type SearchMatch = 'waybill' | 'phone' | 'name' | 'name_last4' | 'last4' | 'waybill_prefix' | 'name_partial'
export interface SearchHit extends ShipmentRecord {
  rank: number
  match: SearchMatch
}

/**
 * The search of GET /api/v1/track as one statement: a branch per kind of match, each
 * served by its own index (primary key, text_pattern_ops prefix, phone, last 4
 * digits, the name bigrams' GIN: sql/044_name_search.sql), a parcel found by several
 * kept once at its best rank. Ranks: 0 exact waybill or phone, 1 exact name
 * (recipient or sender), 2 name plus last 4 digits (or last 4 alone), 3 waybill
 * prefix or partial name; within a rank the most recently collected first. The page
 * (`limit` hits) is chosen from the branches' own rows before the records are read, so
 * that reading them is `limit` primary-key lookups whatever the planner thinks of the
 * matches' number (on a TimescaleDB server, PostgreSQL 15 hash-joined a few hundred
 * estimated matches with a scan of the whole table).
 */
export function searchStatement(p: ParcelQuery, limit: number): { text: string; values: unknown[] } {
  const values: unknown[] = []
  const $ = (v: unknown) => {
    values.push(v)
    return `$${values.length}`
  }
  const branches: string[] = []
  if (p.waybill)
    branches.push(
      `SELECT waybill, collected_at AS c_at, 0 AS rank, 'waybill' AS match FROM shipments WHERE waybill = ${$(p.waybill)}`,
    )
  if (p.waybillPrefix)
    branches.push(
      `SELECT waybill, collected_at AS c_at, 3 AS rank, 'waybill_prefix' AS match FROM shipments WHERE waybill LIKE ${$(`${p.waybillPrefix}%`)} AND waybill <> ${$(p.waybillPrefix)}`,
    )
  if (p.phone)
    branches.push(
      `SELECT waybill, collected_at AS c_at, 0 AS rank, 'phone' AS match FROM shipments WHERE recipient_phone = ${$(p.phone)}`,
    )
  if (p.last4 && !p.name)
    branches.push(
      `SELECT waybill, collected_at AS c_at, 2 AS rank, 'last4' AS match FROM shipments WHERE recipient_phone_last4 = ${$(p.last4)}`,
    )
  if (p.name) {
    const n = $(p.name)
    const exact = `(search_name(recipient_name) = ${n} OR search_name(sender_name) = ${n})`
    const where = [`(strpos(search_name(recipient_name), ${n}) > 0 OR strpos(search_name(sender_name), ${n}) > 0)`]
    const grams = bigrams(p.name)
    // Written exactly as the index expression, so that the GIN index serves it.
    if (grams.length > 0) where.push(`name_bigrams(recipient_name, sender_name) @> ${$(grams)}::text[]`)
    if (p.last4) where.push(`recipient_phone_last4 = ${$(p.last4)}`)
    branches.push(
      p.last4
        ? `SELECT waybill, collected_at AS c_at, CASE WHEN ${exact} THEN 1 ELSE 2 END AS rank, 'name_last4' AS match FROM shipments WHERE ${where.join(' AND ')}`
        : `SELECT waybill, collected_at AS c_at, CASE WHEN ${exact} THEN 1 ELSE 3 END AS rank, CASE WHEN ${exact} THEN 'name' ELSE 'name_partial' END AS match FROM shipments WHERE ${where.join(' AND ')}`,
    )
  }
  if (branches.length === 0) throw new Error('searchStatement: an empty query')
  return {
    text: `SELECT ${RECORD_COLUMNS}, h.rank, h.match FROM (
       SELECT waybill, c_at, rank, match FROM (
         SELECT DISTINCT ON (waybill) waybill, c_at, rank, match FROM (${branches.join('\n         UNION ALL ')}) AS b ORDER BY waybill, rank
       ) AS d ORDER BY rank, c_at DESC, waybill LIMIT ${$(limit)}
     ) AS h JOIN shipments USING (waybill)
     ORDER BY h.rank, h.c_at DESC, waybill`,
    values,
  }
}

export async function searchShipments(db: Queryable, p: ParcelQuery, limit: number): Promise<SearchHit[]> {
  const { text, values } = searchStatement(p, limit)
  return (await db.query<SearchHit>(text, values)).rows
}

/** The current state of one parcel, or undefined when there is no such parcel. */
export async function findState(db: pg.Pool, waybill: string): Promise<ShipmentState | undefined> {
  const r = await db.query<ShipmentState & { waybill: string }>(
    `SELECT ${STATE_COLUMNS} FROM shipments WHERE waybill = $1`,
    [waybill],
  )
  const row = r.rows[0]
  if (!row) return undefined
  const { waybill: _w, ...state } = row
  return state
}
