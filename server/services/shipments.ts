import type pg from 'pg'
import { z } from 'zod'
import { BadRequestError } from '../lib/errors.ts'
import { computeFee, haversineKm, TIERS, VOLUMETRIC_DIVISOR_CM3_PER_KG, type Fee } from '../domain/fees.ts'
import { insertShipments, storedPricing, type NewShipment } from '../db/shipments-repo.ts'
import { isAbsent, refuseUnknownMembers, storableText, typeName, valueAt, WAYBILL_PATTERN } from './event-schema.ts'
import type { ReferenceData } from './reference.ts'
import type { CalendarService } from './calendar.ts'

const party = z.strictObject({
  name: storableText().trim().min(1).max(50),
  phone: z.string().regex(/^\+?[0-9 -]{7,20}$/, 'digits, spaces or dashes'),
  address: storableText().trim().min(1).max(200),
  city: storableText().trim().min(1).max(40),
})

/** The collection record of manual 3.3.1. */
export const shipmentInputSchema = z.strictObject({
  waybill: z.string().regex(WAYBILL_PATTERN, '8–20 upper-case letters or digits'),
  tier: z.enum(TIERS),
  sender: party,
  recipient: party,
  originHub: storableText().min(2).max(16),
  destinationHub: storableText().min(2).max(16),
  itemName: storableText().trim().min(1).max(100),
  // The columns keep grams and tenths of cm³: anything smaller would be stored as 0 and break their > 0 check.
  weightKg: z.number().min(0.001, 'at least 0.001 kg').max(10_000),
  volumeCm3: z.number().min(0.1, 'at least 0.1 cm³').max(100_000_000),
  declaredValueYuan: z.number().min(0).max(10_000_000).optional(),
  // The working-day calendar (and the promise) needs a four-digit year.
  collectedAt: z.iso.datetime({ offset: true }).refine((t) => {
    const y = new Date(t).getUTCFullYear()
    return y >= 2000 && y <= 2099
  }, 'a time between the years 2000 and 2099'),
  collectedBy: storableText().min(2).max(24),
})

export interface FeeView {
  chargeableWeightKg: number
  volumetricWeightKg: number
  zone: number
  distanceKm: number
  parts: { base: number; weight: number; tier: number; insurance: number }
  total: number
  currency: 'CNY'
}

export interface ShipmentBatchResult {
  received: number
  accepted: Array<{ index: number; waybill: string; fee: FeeView; promise: { earliest: Date; deadline: Date } }>
  rejected: Array<{
    index: number
    waybill: string | null
    errors: Array<{ field: string | null; code?: string; message: string }>
  }>
}

export const yuan = (fen: number): number => Math.round(fen) / 100

export function feeView(fee: Fee, distanceKm: number): FeeView {
  return {
    chargeableWeightKg: fee.chargeableWeightKg,
    volumetricWeightKg: fee.volumetricWeightKg,
    zone: fee.zone,
    distanceKm: Math.round(distanceKm),
    parts: {
      base: yuan(fee.parts.baseFen),
      weight: yuan(fee.parts.weightFen),
      tier: yuan(fee.parts.tierFen),
      insurance: yuan(fee.parts.insuranceFen),
    },
    total: yuan(fee.totalFen),
    currency: 'CNY',
  }
}

/** One field at fault, with a stable code: missing_field, invalid_field (wrong type or value) or unknown_field. */
function shipmentProblem(raw: unknown, i: z.core.$ZodIssue): { field: string | null; code: string; message: string } {
  const field = i.path.join('.') || null
  if (i.code === 'unrecognized_keys')
    return {
      field: field ?? i.keys.join(','),
      code: 'unknown_field',
      message: `unknown field(s): ${i.keys.join(', ')}`,
    }
  if (i.code === 'invalid_type' && isAbsent(raw, i.path))
    return { field, code: 'missing_field', message: `${field ?? 'record'} is required` }
  if (i.code === 'invalid_type')
    return {
      field,
      code: 'invalid_field',
      message: `${field ?? 'record'} must be a ${i.expected}, not ${typeName(valueAt(raw, i.path))}`,
    }
  return { field, code: 'invalid_field', message: i.message }
}

function shipmentsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body
  if (body && typeof body === 'object') {
    const list = (body as { shipments?: unknown }).shipments
    if (Array.isArray(list)) {
      refuseUnknownMembers(body, 'shipments')
      return list
    }
    if (list === undefined) return [body]
  }
  throw new BadRequestError('Body must be a collection record, an array of them, or { "shipments": [...] }')
}

/**
 * Creates shipments from collection records and prices them by the published fee
 * rule. A waybill already stored is accepted again unchanged (idempotent), and the
 * answer then carries the stored fee and promise.
 */
export async function createShipments(
  db: pg.Pool,
  reference: ReferenceData,
  calendar: CalendarService,
  body: unknown,
  max = 1000,
): Promise<ShipmentBatchResult> {
  const raw = shipmentsOf(body)
  if (raw.length > max) throw new BadRequestError(`A batch holds at most ${max} shipments; this one has ${raw.length}`)
  const parsed = raw.map((r) => shipmentInputSchema.safeParse(r))
  const ok = parsed.flatMap((p) => (p.success ? [p.data] : []))
  await reference.ensure(
    ok.flatMap((s) => [s.originHub, s.destinationHub]),
    ok.map((s) => s.collectedBy),
  )

  await calendar.current()
  const result: ShipmentBatchResult = { received: raw.length, accepted: [], rejected: [] }
  const rows: NewShipment[] = []
  for (const [index, p] of parsed.entries()) {
    const waybill =
      typeof (raw[index] as { waybill?: unknown })?.waybill === 'string'
        ? (raw[index] as { waybill: string }).waybill
        : null
    if (!p.success) {
      result.rejected.push({ index, waybill, errors: p.error.issues.map((i) => shipmentProblem(raw[index], i)) })
      continue
    }
    const s = p.data
    const origin = reference.hub(s.originHub)
    const destination = reference.hub(s.destinationHub)
    const errors = [
      ...(origin ? [] : [{ field: 'originHub', message: `no hub with code ${s.originHub}` }]),
      ...(destination ? [] : [{ field: 'destinationHub', message: `no hub with code ${s.destinationHub}` }]),
      ...(reference.courier(s.collectedBy)
        ? []
        : [{ field: 'collectedBy', message: `no courier with code ${s.collectedBy}` }]),
    ]
    if (errors.length > 0 || !origin || !destination) {
      result.rejected.push({ index, waybill, errors })
      continue
    }
    const distanceKm = haversineKm(origin, destination)
    const declaredValueFen = s.declaredValueYuan === undefined ? null : Math.round(s.declaredValueYuan * 100)
    const fee = computeFee({ tier: s.tier, weightKg: s.weightKg, volumeCm3: s.volumeCm3, distanceKm, declaredValueFen })
    const collectedAt = new Date(s.collectedAt)
    const promise = await calendar.promiseOf(collectedAt, s.tier)
    rows.push({ ...s, declaredValueFen, collectedAt, fee, promise })
    result.accepted.push({
      index,
      waybill: s.waybill,
      fee: feeView(fee, distanceKm),
      promise: { earliest: promise.earliest, deadline: promise.deadline },
    })
  }
  if (rows.length > 0) {
    const inserted = await insertShipments(db, rows)
    // A waybill already stored keeps its record: answer with ITS fee and promise, not
    // ones priced from the body just sent (issue 16). Same for a waybill twice in one batch.
    const times = new Map<string, number>()
    for (const r of rows) times.set(r.waybill, (times.get(r.waybill) ?? 0) + 1)
    const kept = result.accepted.filter((a) => !inserted.has(a.waybill) || times.get(a.waybill)! > 1)
    if (kept.length > 0) {
      const stored = await storedPricing(db, [...new Set(kept.map((a) => a.waybill))])
      await reference.ensure(
        [...stored.values()].flatMap((p) => [p.originHub, p.destinationHub]),
        [],
      )
      for (const a of kept) {
        const p = stored.get(a.waybill)
        if (!p) continue
        const from = reference.hub(p.originHub)
        const to = reference.hub(p.destinationHub)
        a.fee = {
          chargeableWeightKg: p.chargeableWeightKg,
          volumetricWeightKg: Math.round((p.volumeCm3 / VOLUMETRIC_DIVISOR_CM3_PER_KG) * 1000) / 1000,
          zone: p.zone,
          distanceKm: from && to ? Math.round(haversineKm(from, to)) : 0,
          parts: {
            base: yuan(p.baseFen),
            weight: yuan(p.weightFen),
            tier: yuan(p.tierFen),
            insurance: yuan(p.insuranceFen),
          },
          total: yuan(p.totalFen),
          currency: 'CNY',
        }
        a.promise = { earliest: p.earliest, deadline: p.deadline }
      }
    }
  }
  return result
}
