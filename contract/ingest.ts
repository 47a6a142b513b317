// Ingest and reference data: POST /api/v1/shipments, POST /api/v1/events, GET /api/v1/hubs,
// GET /api/v1/couriers (docs/ingest.md). A batch answers 200, or 422 when nothing was accepted.
import * as z from 'zod/mini'
import { count, isoTime, nullableString } from './common.ts'

export const hub = z.object({
  code: z.string(),
  name: z.string(),
  city: z.string(),
  province: z.string(),
  kind: z.enum(['outlet', 'sorting_centre', 'transfer_centre']),
  latitude: z.number(),
  longitude: z.number(),
})
export type Hub = z.output<typeof hub>
export const hubList = z.object({ hubs: z.array(hub) })

export const courier = z.object({ code: z.string(), name: z.string(), hubCode: z.string(), active: z.boolean() })
export const courierList = z.object({ couriers: z.array(courier) })

/** The fee of a parcel as priced at collection, in yuan. */
export const pricedFee = z.object({
  chargeableWeightKg: z.number(),
  volumetricWeightKg: z.number(),
  zone: z.number(),
  distanceKm: z.number(),
  parts: z.object({ base: z.number(), weight: z.number(), tier: z.number(), insurance: z.number() }),
  total: z.number(),
  currency: z.string(),
})

export const shipmentBatchResult = z.object({
  received: count,
  accepted: z.array(
    z.object({
      index: count,
      waybill: z.string(),
      fee: pricedFee,
      promise: z.object({ earliest: isoTime, deadline: isoTime }),
    }),
  ),
  rejected: z.array(
    z.object({
      index: count,
      waybill: nullableString,
      errors: z.array(z.object({ field: nullableString, code: z.optional(z.string()), message: z.string() })),
    }),
  ),
})
export type ShipmentBatchResult = z.output<typeof shipmentBatchResult>

export const eventRejection = z.object({
  index: count,
  id: nullableString,
  code: z.string(),
  field: nullableString,
  message: z.string(),
})
export const eventBatchResult = z.object({ received: count, accepted: count, rejected: z.array(eventRejection) })
export type EventBatchResult = z.output<typeof eventBatchResult>
