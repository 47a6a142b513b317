// Parcel look-up (server/services/lookup.ts): GET /api/v1/track?q= and GET /api/v1/shipments/:waybill.
import * as z from 'zod/mini'
import { PAYMENT_STATES, VERDICTS } from './enums.ts'
import { isoDay, isoTime, nullableString } from './common.ts'

/** Name, phone and address are masked unless the reader's role may see personal data. */
export const personView = z.object({
  name: nullableString,
  phone: nullableString,
  address: nullableString,
  city: z.string(),
})
export type PersonView = z.output<typeof personView>

export const hubRef = z.object({ code: z.string(), name: nullableString })
export type HubRef = z.output<typeof hubRef>

/** The arrival estimate p10–p90 of an open parcel (server/services/transit-model.ts etaView). */
export const arrivalView = z.object({
  p10: isoTime,
  p50: isoTime,
  p90: isoTime,
  overdue: z.boolean(),
  basis: z.enum(['model', 'partial', 'prior']),
  current: z.optional(
    z.object({ kind: z.string(), place: z.string(), since: isoTime, elapsedHours: z.number(), p99Hours: z.number() }),
  ),
})
export type ArrivalView = z.output<typeof arrivalView>

export const verdict = z.enum(VERDICTS)

export const promiseView = z.object({
  tier: z.string(),
  startDay: z.nullable(isoDay),
  earliest: z.nullable(isoTime),
  deadline: z.nullable(isoTime),
  predictedArrival: z.nullable(isoTime),
  /** The predicted arrival has passed and the parcel is still open. */
  predictionOverdue: z.optional(z.boolean()),
  arrival: z.optional(z.nullable(arrivalView)),
  verdict: z.nullable(verdict),
})
export type PromiseView = z.output<typeof promiseView>

export const trackSummary = z.object({
  waybill: z.string(),
  tier: z.string(),
  status: z.string(),
  statusAt: z.nullable(isoTime),
  masked: z.boolean(),
  recipient: personView,
  origin: hubRef,
  destination: hubRef,
  collectedAt: isoTime,
  lastScan: z.nullable(z.object({ at: isoTime, hub: nullableString, hubName: nullableString, type: nullableString })),
  deliveredAt: z.nullable(isoTime),
  exception: z.nullable(z.object({ reason: z.string(), at: z.nullable(isoTime) })),
  promise: promiseView,
  /** What a search hit matched (waybill, phone, name…); absent on GET /shipments/:waybill. */
  match: z.optional(z.string()),
})
export type TrackSummary = z.output<typeof trackSummary>

/** One hit list of `GET /api/v1/track?q=`. */
export const trackResponse = z.object({ query: z.string(), results: z.array(trackSummary) })
export type TrackResponse = z.output<typeof trackResponse>

/** One scan of the trajectory. */
export const trajectoryStep = z.object({
  id: z.string(),
  time: isoTime,
  receivedAt: isoTime,
  type: z.string(),
  hub: nullableString,
  hubName: nullableString,
  city: nullableString,
  courier: nullableString,
  latitude: z.nullable(z.number()),
  longitude: z.nullable(z.number()),
  signer: nullableString,
  reason: nullableString,
  detail: nullableString,
})
export type TrajectoryStep = z.output<typeof trajectoryStep>

/** Amounts in yuan. */
export const feeView = z.object({
  chargeableWeightKg: z.nullable(z.number()),
  zone: z.nullable(z.number()),
  parts: z.object({ base: z.number(), weight: z.number(), tier: z.number(), insurance: z.number() }),
  total: z.number(),
  currency: z.string(),
  paymentState: z.enum(PAYMENT_STATES),
})
export type FeeView = z.output<typeof feeView>

/** `GET /api/v1/shipments/:waybill`. */
export const shipmentDetail = z.extend(trackSummary, {
  sender: personView,
  signer: nullableString,
  item: z.object({
    name: nullableString,
    weightKg: z.nullable(z.number()),
    volumeCm3: z.nullable(z.number()),
    declaredValue: z.nullable(z.number()),
  }),
  collectedBy: nullableString,
  fee: feeView,
  trajectory: z.array(trajectoryStep),
})
export type ShipmentDetail = z.output<typeof shipmentDetail>
