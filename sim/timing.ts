/**
 * Transit-time model: line-haul legs, sorting dwell, delivery waves. Pure.
 * All durations in hours; clock times in epoch milliseconds, local time being
 * Asia/Shanghai (UTC+8 all year).
 */
import type { Rng } from './random.ts'

export type Tier = 'express' | 'standard' | 'economy'

export const HOUR_MS = 3_600_000
const OFFSET_MS = 8 * HOUR_MS
const DAY_MS = 24 * HOUR_MS

/**
 * Door-to-door promise per tier, in hours from collection to delivery. A normal
 * parcel is delivered inside it; a "late" parcel after `max`.
 */
export const TIER_TRANSIT_HOURS: Readonly<Record<Tier, { min: number; max: number }>> = {
  express: { min: 8, max: 48 },
  standard: { min: 24, max: 72 },
  economy: { min: 72, max: 120 },
}

/** Earliest arrival at the destination outlet, hours after collection (drawn per parcel). */
const ARRIVAL_FLOOR_HOURS: Readonly<Record<Tier, readonly [number, number]>> = {
  express: [10, 26],
  standard: [34, 52],
  economy: [84, 100],
}

/** Waiting at the origin outlet for the next pickup run to the centre. */
const OUTLET_DWELL_HOURS: Readonly<Record<Tier, readonly [number, number]>> = {
  express: [0.5, 2],
  standard: [1, 4],
  economy: [2, 6],
}

/** Unloading, sorting and waiting for the outbound truck at a centre. */
const CENTRE_DWELL_HOURS: Readonly<Record<Tier, readonly [number, number]>> = {
  express: [0.8, 2.5],
  standard: [1.5, 5],
  economy: [3, 10],
}

/** Road distance is longer than great-circle distance. */
const ROAD_FACTOR = 1.25

export type LegMode = 'road' | 'air'

/**
 * How a leg travels and how long it takes. Express flies legs from 600 km,
 * standard from 1,200 km (air or high-speed-rail freight); economy is road only,
 * trucks running at 60–80 km/h.
 */
export function legHours(km: number, tier: Tier, truckKmh: number): { mode: LegMode; hours: number } {
  const airFrom = tier === 'express' ? 600 : tier === 'standard' ? 1200 : Infinity
  if (km >= airFrom) return { mode: 'air', hours: 3.5 + km / 700 }
  return { mode: 'road', hours: Math.max(0.4, 0.25 + (km * ROAD_FACTOR) / truckKmh) }
}

export interface TimingDraws {
  truckKmh: number
  outletDwellH: number
  /** One per route position; only positions 1 … n-2 (the centres) are used. */
  centreDwellH: number[]
  arrivalFloorH: number
  /** Hours after a run's nominal start at which this parcel's courier leaves. */
  waveJitterH: number
  deliverH: number
}

export function drawTiming(rng: Rng, tier: Tier, routeLength: number): TimingDraws {
  const between = (r: readonly [number, number]) => rng.float(r[0], r[1])
  return {
    truckKmh: rng.float(60, 80),
    outletDwellH: between(OUTLET_DWELL_HOURS[tier]),
    centreDwellH: Array.from({ length: routeLength }, () => between(CENTRE_DWELL_HOURS[tier])),
    arrivalFloorH: between(ARRIVAL_FLOOR_HOURS[tier]),
    waveJitterH: rng.float(0, 0.75),
    deliverH: rng.float(0.5, 3),
  }
}

/** Delivery runs leave the outlet at 08:00, 13:00 and 17:00 local time. */
const WAVE_HOURS = [8, 13, 17] as const

export function localHourOf(ms: number): number {
  return ((((ms + OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS
}

/** Midnight (Asia/Shanghai) of the local day containing `ms`. */
export function startOfLocalDay(ms: number): number {
  const local = ms + OFFSET_MS
  return local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - OFFSET_MS
}

/** The first delivery run leaving at or after `ms`. */
export function nextWave(ms: number, jitterH: number): number {
  for (let day = startOfLocalDay(ms); ; day += DAY_MS) {
    for (const h of WAVE_HOURS) {
      const t = day + (h + jitterH) * HOUR_MS
      if (t >= ms) return t
    }
  }
}

/** The first morning run of the local day after the one containing `ms`. */
export function nextMorningWave(ms: number, jitterH: number): number {
  return startOfLocalDay(ms) + DAY_MS + (WAVE_HOURS[0] + jitterH) * HOUR_MS
}
