/**
 * The simulator's view of the public ingest API (/api/v1): request shapes it
 * sends and response shapes it reads. Request schemas are strict so the tests
 * catch any field the server would refuse; response schemas are lenient.
 */
import { z } from 'zod'

export const WAYBILL_PATTERN = /^[A-Z0-9]{10,20}$/
const HUB_CODE = /^[A-Z0-9-]{2,16}$/
const COURIER_CODE = /^[A-Z0-9-]{2,24}$/
const MOBILE = /^1[3-9]\d{9}$/

export const hubSchema = z.object({
  code: z.string(),
  name: z.string(),
  city: z.string(),
  province: z.string(),
  kind: z.enum(['outlet', 'sorting_centre', 'transfer_centre']),
  latitude: z.coerce.number(),
  longitude: z.coerce.number(),
})
export const hubsResponseSchema = z.object({ hubs: z.array(hubSchema) })

export const courierSchema = z.object({
  code: z.string(),
  name: z.string(),
  hubCode: z.string(),
  active: z.boolean().optional(),
})
export const couriersResponseSchema = z.object({ couriers: z.array(courierSchema) })

const partySchema = z.strictObject({
  name: z.string().min(1).max(50),
  phone: z.string().regex(MOBILE),
  address: z.string().min(1).max(200),
  city: z.string().min(1).max(50),
})

export const shipmentInputSchema = z.strictObject({
  waybill: z.string().regex(WAYBILL_PATTERN),
  tier: z.enum(['express', 'standard', 'economy']),
  sender: partySchema,
  recipient: partySchema,
  originHub: z.string().regex(HUB_CODE),
  destinationHub: z.string().regex(HUB_CODE),
  itemName: z.string().min(1).max(100),
  weightKg: z.number().positive(),
  volumeCm3: z.number().positive(),
  declaredValueYuan: z.number().nonnegative().optional(),
  collectedAt: z.iso.datetime({ offset: true }),
  collectedBy: z.string().regex(COURIER_CODE),
})
export type ShipmentInput = z.infer<typeof shipmentInputSchema>

export const eventInputSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/),
  time: z.iso.datetime({ offset: true }),
  waybill: z.string().regex(WAYBILL_PATTERN),
  type: z.enum([
    'collected',
    'departed_hub',
    'arrived_hub',
    'out_for_delivery',
    'delivered',
    'delivery_failed',
    'exception',
    'returned',
  ]),
  hub: z.string().regex(HUB_CODE),
  courier: z.string().regex(COURIER_CODE).optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  signer: z.string().min(1).max(50).optional(),
  reason: z.enum(['lost', 'damaged', 'wrong_address', 'refused']).optional(),
  detail: z.string().max(500).optional(),
})
export type EventInput = z.infer<typeof eventInputSchema>

export const MAX_SHIPMENTS_PER_CALL = 1_000
export const MAX_EVENTS_PER_CALL = 5_000

export const shipmentsResponseSchema = z.object({
  accepted: z.array(z.object({ index: z.number(), waybill: z.string() }).loose()).default([]),
  rejected: z
    .array(z.object({ index: z.number(), waybill: z.string().nullish(), errors: z.unknown() }).loose())
    .default([]),
})
export type ShipmentsResponse = z.infer<typeof shipmentsResponseSchema>

export const eventsResponseSchema = z.object({
  received: z.number().optional(),
  accepted: z.number(),
  rejected: z
    .array(
      z
        .object({
          index: z.number(),
          id: z.string().nullish(),
          code: z.string().optional(),
          message: z.string().optional(),
        })
        .loose(),
    )
    .default([]),
})
export type EventsResponse = z.infer<typeof eventsResponseSchema>
