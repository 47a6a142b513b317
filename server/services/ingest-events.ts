import type pg from 'pg'
import { BadRequestError } from '../lib/errors.ts'
import { applyEvents, type ShipmentState, type StatusEvent } from '../domain/status.ts'
import { lockStates, updateStates } from '../db/shipments-repo.ts'
import { insertEvents, type EventRow } from '../db/events-repo.ts'
import { withTransaction } from '../db/tx.ts'
import { foldSegments } from './transit-segments.ts'
import { eventInputSchema, refuseUnknownMembers, rejectionFromIssues, type Rejection } from './event-schema.ts'
import type { ReferenceData } from './reference.ts'

export interface IngestResult {
  received: number
  accepted: number
  rejected: Rejection[]
}

export interface IngestOutcome {
  result: IngestResult
  /** Events stored by this call (not those already stored by an earlier one). */
  stored: EventRow[]
  /** Every waybill the accepted events touch, for the follow-up job. */
  waybills: string[]
  /** The new state of every parcel this call's stored events moved, for the live parcel channel (no personal data). */
  changes: ParcelLiveState[]
}

export interface ParcelLiveState {
  waybill: string
  status: ShipmentState['status']
  statusAt: string
  lastScanAt: string | null
  lastScanHub: string | null
  lastEventType: string | null
  deliveredAt: string | null
  exceptionReason: string | null
}

export function liveStateOf(waybill: string, s: ShipmentState): ParcelLiveState {
  return {
    waybill,
    status: s.status,
    statusAt: s.statusAt.toISOString(),
    lastScanAt: s.lastScanAt?.toISOString() ?? null,
    lastScanHub: s.lastScanHub,
    lastEventType: s.lastEventType,
    deliveredAt: s.deliveredAt?.toISOString() ?? null,
    exceptionReason: s.exceptionReason,
  }
}

export interface IngestDeps {
  db: pg.Pool
  reference: ReferenceData
  futureToleranceMs: number
  maxEventsPerBatch: number
}

/** Accepts `[...]` or `{ events: [...] }`; anything else is a malformed body. */
export function eventsOf(body: unknown, max: number): unknown[] {
  const list = Array.isArray(body) ? body : (body as { events?: unknown } | null)?.events
  if (!Array.isArray(list))
    throw new BadRequestError('Body must be a JSON array of events or an object { "events": [...] }')
  refuseUnknownMembers(body, 'events')
  if (list.length > max)
    throw new BadRequestError(`A batch holds at most ${max} events; this one has ${list.length}. Split it.`)
  return list
}

function reject(index: number, id: string, code: string, field: string | null, message: string): Rejection {
  return { index, id, code, field, message }
}

/**
 * Validates every event on its own, stores the good ones and updates the parcels'
 * states in one transaction, and lists every rejected event by index. Stored
 * nothing twice: events are keyed by (id, time), so a resent batch is a no-op
 * that answers the same.
 */
export async function ingestEvents(deps: IngestDeps, body: unknown, now: Date): Promise<IngestOutcome> {
  const raw = eventsOf(body, deps.maxEventsPerBatch)
  const rejected: Rejection[] = []
  const candidates: Array<{ index: number; row: EventRow }> = []
  const futureLimit = now.getTime() + deps.futureToleranceMs

  for (let index = 0; index < raw.length; index++) {
    const parsed = eventInputSchema.safeParse(raw[index])
    if (!parsed.success) {
      rejected.push(rejectionFromIssues(index, raw[index], parsed.error.issues))
      continue
    }
    const e = parsed.data
    const time = new Date(e.time)
    if (time.getTime() > futureLimit) {
      rejected.push(
        reject(
          index,
          e.id,
          'future_time',
          'time',
          `time ${e.time} is more than ${deps.futureToleranceMs / 1000} s ahead of the server clock`,
        ),
      )
      continue
    }
    if (e.type === 'delivered' && !e.signer) {
      rejected.push(reject(index, e.id, 'missing_field', 'signer', 'a delivered event needs the signer'))
      continue
    }
    if (e.type === 'exception' && !e.reason) {
      rejected.push(
        reject(
          index,
          e.id,
          'missing_field',
          'reason',
          'an exception event needs a reason: lost, damaged, wrong_address or refused',
        ),
      )
      continue
    }
    candidates.push({
      index,
      row: {
        id: e.id,
        time,
        waybill: e.waybill,
        type: e.type,
        hub: e.hub,
        courier: e.courier ?? null,
        latitude: e.latitude ?? null,
        longitude: e.longitude ?? null,
        signer: e.signer ?? null,
        reason: e.type === 'exception' ? (e.reason ?? null) : null,
        detail: e.detail ?? null,
      },
    })
  }

  await deps.reference.ensure(
    new Set(candidates.map((c) => c.row.hub!)),
    new Set(candidates.flatMap((c) => (c.row.courier ? [c.row.courier] : []))),
  )
  const known = checkReferences(deps, candidates, rejected)
  const unique = dedupeInBatch(known, rejected)
  const { stored, accepted, changed } =
    unique.length > 0
      ? await store(deps.db, unique, rejected, now)
      : { stored: [], accepted: [], changed: new Map<string, ShipmentState>() }
  rejected.sort((a, b) => a.index - b.index)
  const waybills = [...new Set(accepted.map((r) => r.waybill))]
  const changes = [...changed].map(([w, state]) => liveStateOf(w, state))
  return { result: { received: raw.length, accepted: accepted.length, rejected }, stored, waybills, changes }
}

function checkReferences(
  deps: IngestDeps,
  candidates: Array<{ index: number; row: EventRow }>,
  rejected: Rejection[],
): Array<{ index: number; row: EventRow }> {
  return candidates.filter(({ index, row }) => {
    if (!deps.reference.hub(row.hub!)) {
      rejected.push(reject(index, row.id, 'unknown_hub', 'hub', `no hub with code ${row.hub}`))
    } else if (row.courier && !deps.reference.courier(row.courier)) {
      rejected.push(reject(index, row.id, 'unknown_courier', 'courier', `no courier with code ${row.courier}`))
    } else {
      return true
    }
    return false
  })
}

/** The same id twice in one batch: identical copies count once; a copy with another time is refused. */
function dedupeInBatch(
  candidates: Array<{ index: number; row: EventRow }>,
  rejected: Rejection[],
): Array<{ index: number; row: EventRow }> {
  const seen = new Map<string, EventRow>()
  return candidates.filter(({ index, row }) => {
    const first = seen.get(row.id)
    if (!first) {
      seen.set(row.id, row)
      return true
    }
    if (first.time.getTime() !== row.time.getTime()) {
      rejected.push(
        reject(
          index,
          row.id,
          'conflicting_duplicate',
          'id',
          `event id ${row.id} appears earlier in this batch with another time`,
        ),
      )
    }
    return false
  })
}

/**
 * One transaction: lock the parcels' states (this also tells which waybills exist),
 * store the events of known parcels, fold the newly stored ones into the states.
 * Retried as a whole on a deadlock or serialization failure, so the unknown waybills
 * join `rejected` only once it has committed.
 */
async function store(
  db: pg.Pool,
  candidates: Array<{ index: number; row: EventRow }>,
  rejected: Rejection[],
  now: Date,
) {
  const out = await withTransaction(db, { name: 'ingest' }, async (client) => {
    const states = await lockStates(client, [...new Set(candidates.map((c) => c.row.waybill))])
    const accepted: EventRow[] = []
    const unknown: Rejection[] = []
    for (const { index, row } of candidates) {
      if (states.has(row.waybill)) accepted.push(row)
      else
        unknown.push(
          reject(
            index,
            row.id,
            'unknown_waybill',
            'waybill',
            `no shipment ${row.waybill}: post its collection record to /api/v1/shipments first`,
          ),
        )
    }
    const stored = accepted.length > 0 ? await insertEvents(client, accepted, now) : []
    const byWaybill = new Map<string, StatusEvent[]>()
    for (const e of stored) {
      const list = byWaybill.get(e.waybill) ?? []
      list.push({ type: e.type, time: e.time, hub: e.hub, signer: e.signer, reason: e.reason })
      byWaybill.set(e.waybill, list)
    }
    const changed = new Map([...byWaybill].map(([w, events]) => [w, applyEvents(states.get(w)!, events)]))
    const courierOf = new Map(accepted.map((r) => [r.id, r.courier]))
    const firstScans = new Set([...byWaybill.keys()].filter((w) => states.get(w)!.lastScanAt === null))
    await foldSegments(
      client,
      stored.map((e) => ({
        waybill: e.waybill,
        time: e.time,
        type: e.type,
        hub: e.hub,
        courier: courierOf.get(e.id) ?? null,
      })),
      now,
      firstScans,
    )
    await updateStates(client, changed, now)
    return { stored, accepted, changed, unknown }
  })
  rejected.push(...out.unknown)
  return { stored: out.stored, accepted: out.accepted, changed: out.changed }
}
