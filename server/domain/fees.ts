/**
 * The published fee rule (manual 3.1: computed from weight, volume and distance,
 * and explained to the customer part by part). Pure. Amounts in fen (0.01 yuan).
 *
 *  - volumetric weight = volume in cm³ / 6000 (the industry's divisor);
 *  - chargeable weight = max(actual, volumetric), rounded UP to the next 0.5 kg,
 *    at least 0.5 kg;
 *  - zone by great-circle distance between origin and destination hub:
 *      0 local < 50 km, 1 < 500 km, 2 < 1,200 km, 3 < 2,500 km, 4 beyond;
 *  - base = first-kilogram price of the zone; weight = additional price per
 *    started kilogram above the first, of the zone;
 *  - tier surcharge = (base + weight) × tier rate: express +50 %, standard 0,
 *    economy −20 % (a discount, so negative);
 *  - insurance = 0.5 % of the declared value, at least 1 yuan, when a value is
 *    declared; nothing otherwise.
 */
import type { Tier } from '../../contract/enums.ts'

export { TIERS } from '../../contract/enums.ts'
export type { Tier } from '../../contract/enums.ts'

export const VOLUMETRIC_DIVISOR_CM3_PER_KG = 6000
const ZONE_LIMITS_KM = [50, 500, 1200, 2500] as const
const FIRST_KG_FEN = [800, 1000, 1200, 1500, 2000] as const
const EXTRA_KG_FEN = [200, 400, 600, 900, 1300] as const
const TIER_RATE: Record<Tier, number> = { express: 0.5, standard: 0, economy: -0.2 }
const INSURANCE_RATE = 0.005
const INSURANCE_MIN_FEN = 100

export interface FeeInput {
  tier: Tier
  weightKg: number
  volumeCm3: number
  distanceKm: number
  declaredValueFen?: number | null
}

export interface Fee {
  chargeableWeightKg: number
  volumetricWeightKg: number
  zone: number
  parts: { baseFen: number; weightFen: number; tierFen: number; insuranceFen: number }
  totalFen: number
}

export function zoneOf(distanceKm: number): number {
  const i = ZONE_LIMITS_KM.findIndex((limit) => distanceKm < limit)
  return i === -1 ? ZONE_LIMITS_KM.length : i
}

export function chargeableWeightKg(weightKg: number, volumeCm3: number): number {
  const volumetric = volumeCm3 / VOLUMETRIC_DIVISOR_CM3_PER_KG
  return Math.max(0.5, Math.ceil(Math.max(weightKg, volumetric) * 2 - 1e-9) / 2)
}

export function computeFee(input: FeeInput): Fee {
  const zone = zoneOf(input.distanceKm)
  const chargeable = chargeableWeightKg(input.weightKg, input.volumeCm3)
  const baseFen = FIRST_KG_FEN[zone] ?? FIRST_KG_FEN[FIRST_KG_FEN.length - 1]!
  const extraKg = Math.max(0, Math.ceil(chargeable - 1 - 1e-9))
  const weightFen = extraKg * (EXTRA_KG_FEN[zone] ?? EXTRA_KG_FEN[EXTRA_KG_FEN.length - 1]!)
  const tierFen = Math.round((baseFen + weightFen) * TIER_RATE[input.tier])
  const declared = input.declaredValueFen ?? 0
  const insuranceFen = declared > 0 ? Math.max(INSURANCE_MIN_FEN, Math.round(declared * INSURANCE_RATE)) : 0
  return {
    chargeableWeightKg: chargeable,
    volumetricWeightKg: Math.round((input.volumeCm3 / VOLUMETRIC_DIVISOR_CM3_PER_KG) * 1000) / 1000,
    zone,
    parts: { baseFen, weightFen, tierFen, insuranceFen },
    totalFen: baseFen + weightFen + tierFen + insuranceFen,
  }
}

/** Great-circle distance in km (haversine, mean Earth radius). */
export function haversineKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const rad = Math.PI / 180
  const dLat = (b.latitude - a.latitude) * rad
  const dLon = (b.longitude - a.longitude) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)))
}
