import type pg from 'pg'
import { findShipment, searchShipments, type ShipmentRecord } from '../db/shipments-repo.ts'
import { trajectory, type TrajectoryStep } from '../db/events-repo.ts'
import { canSeePersonalData, maskAddress, maskName, maskPhone } from '../domain/masking.ts'
import type { Role } from '../domain/roles.ts'
import { NotFoundError } from '../lib/errors.ts'
import { parseSearch } from '../domain/search-query.ts'

const SEARCH_LIMIT = 50
import { yuan } from './shipments.ts'
import type { ReferenceData } from './reference.ts'
import { verdictOf } from '../domain/verdict.ts'
import { arrivalOf, etaView, transitModel } from './transit-model.ts'
import type { SegmentModel } from '../domain/eta.ts'
import type { Network } from '../data/network.ts'

type Model = { model: SegmentModel; network: Network }

export interface PersonView {
  name: string | null
  phone: string | null
  address: string | null
  city: string
}

function person(
  name: string | null,
  phone: string | null,
  address: string | null,
  city: string,
  clear: boolean,
): PersonView {
  return clear
    ? { name, phone, address, city }
    : { name: maskName(name), phone: maskPhone(phone), address: maskAddress(address), city }
}

/**
 * The promise, the arrival estimate and today's verdict. The estimate is the
 * segment model's (server/services/transit-model.ts: from where the parcel is
 * now, conditioned on how long it has been there); the verdict reads its p50 and
 * its overdue flag exactly as the SLA sweep's at-risk rule does. An open parcel
 * stuck beyond its segment's p99 is overdue (predictionOverdue, verdict at_risk),
 * and its window still lies ahead: never "arrives now".
 */
function promiseView(s: ShipmentRecord, now: Date, m: Model) {
  const open = s.deliveredAt === null && s.status !== 'returned'
  const eta = open ? arrivalOf(s, m, now) : null
  const arrival = etaView(eta)
  if (!s.promisedDeadline || !s.promisedEarliest)
    return {
      tier: s.tier,
      startDay: null,
      earliest: null,
      deadline: null,
      predictedArrival: eta?.p50 ?? null,
      predictionOverdue: eta?.overdue ?? false,
      arrival,
      verdict: null,
    }
  const verdict = verdictOf(
    {
      status: s.status,
      deliveredAt: s.deliveredAt,
      deadline: s.promisedDeadline,
      exceptionReason: s.exceptionReason,
      predictedArrival: eta?.p50 ?? null,
      overdue: eta?.overdue ?? false,
    },
    now,
  )
  return {
    tier: s.tier,
    startDay: s.promiseStartDay,
    earliest: s.promisedEarliest,
    deadline: s.promisedDeadline,
    predictedArrival: eta?.p50 ?? null,
    predictionOverdue: eta?.overdue ?? false,
    arrival,
    verdict,
  }
}

function summary(s: ShipmentRecord, role: Role, reference: ReferenceData, now: Date, m: Model) {
  const clear = canSeePersonalData(role)
  return {
    waybill: s.waybill,
    tier: s.tier,
    status: s.status,
    statusAt: s.statusAt,
    masked: !clear,
    recipient: person(s.recipientName, s.recipientPhone, s.recipientAddress, s.recipientCity, clear),
    origin: { code: s.originHub, name: reference.hub(s.originHub)?.name ?? null },
    destination: { code: s.destinationHub, name: reference.hub(s.destinationHub)?.name ?? null },
    collectedAt: s.collectedAt,
    lastScan: s.lastScanAt
      ? {
          at: s.lastScanAt,
          hub: s.lastScanHub,
          hubName: s.lastScanHub ? (reference.hub(s.lastScanHub)?.name ?? null) : null,
          type: s.lastEventType,
        }
      : null,
    deliveredAt: s.deliveredAt,
    exception: s.exceptionReason ? { reason: s.exceptionReason, at: s.exceptionAt } : null,
    promise: promiseView(s, now, m),
  }
}

function step(t: TrajectoryStep, clear: boolean) {
  return { ...t, signer: clear ? t.signer : maskName(t.signer) }
}

export async function getShipment(db: pg.Pool, reference: ReferenceData, waybill: string, role: Role, now: Date) {
  const s = await findShipment(db, waybill)
  if (!s) throw new NotFoundError(`No shipment with waybill ${waybill}`, 'shipment_not_found')
  const clear = canSeePersonalData(role)
  return {
    ...summary(s, role, reference, now, await transitModel(db, now)),
    sender: person(s.senderName, s.senderPhone, s.senderAddress, s.senderCity, clear),
    signer: clear ? s.signer : maskName(s.signer),
    item: {
      name: s.itemName,
      weightKg: s.weightKg,
      volumeCm3: s.volumeCm3,
      declaredValue: s.declaredValueFen === null ? null : yuan(s.declaredValueFen),
    },
    collectedBy: s.collectedBy,
    fee: {
      chargeableWeightKg: s.chargeableWeightKg,
      zone: s.feeZone,
      parts: {
        base: yuan(s.feeBaseFen),
        weight: yuan(s.feeWeightFen),
        tier: yuan(s.feeTierFen),
        insurance: yuan(s.feeInsuranceFen),
      },
      total: yuan(s.feeTotalFen),
      currency: 'CNY',
      paymentState: s.paymentState,
    },
    trajectory: (await trajectory(db, waybill)).map((t) => step(t, clear)),
  }
}

/**
 * Search as customer service speaks (server/domain/search-query.ts): ranked, masked
 * for roles that may not see personal data; `match` says what each parcel matched.
 */
export async function track(db: pg.Pool, reference: ReferenceData, q: string, role: Role, now: Date) {
  const parsed = parseSearch(q)
  const query = q.trim().replace(/\s+/g, ' ')
  const results = await searchShipments(db, parsed, SEARCH_LIMIT)
  const m = await transitModel(db, now)
  return { query, results: results.map((s) => ({ ...summary(s, role, reference, now, m), match: s.match })) }
}
