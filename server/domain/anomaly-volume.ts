/**
 * Hub event volume against the hub's own baseline for the same hour of the week
 * (rules in anomaly.ts). Pure: no clock, the hour to judge is given.
 *
 * Hour of week: Asia/Shanghai is UTC+8 all year (see clock.ts), so an hour starts
 * on the same instant in UTC and in Shanghai, and "the same hour-of-week k weeks
 * ago" is exactly k × 168 hours earlier.
 *
 * Robust z: (observed − median) / max(1.4826 · MAD, minScale, relativeScaleFloor ·
 * median). 1.4826 · MAD estimates σ for normal data; 3.5 on that scale is the
 * cut-off Iglewicz and Hoaglin recommend for their "modified z-score".
 */

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
const OFFSET_MS = 8 * HOUR_MS
export const HOURS_PER_WEEK = 168
const WEEK_MS = HOURS_PER_WEEK * HOUR_MS
/** σ ≈ 1.4826 · MAD for normally distributed data (1 / Φ⁻¹(3/4)). */
export const MAD_TO_SIGMA = 1.4826

function checkDate(at: Date): number {
  const t = at.getTime()
  if (!Number.isFinite(t)) throw new RangeError('invalid date')
  return t
}

/** 0 … 167: Monday 00:00–00:59 Asia/Shanghai is 0, Sunday 23:00–23:59 is 167. */
export function hourOfWeek(at: Date): number {
  const local = checkDate(at) + OFFSET_MS
  const day = Math.floor(local / DAY_MS)
  const mondayBased = (((day + 3) % 7) + 7) % 7 // 1970-01-01 was a Thursday (3 after Monday)
  const hour = Math.floor((local - day * DAY_MS) / HOUR_MS)
  return mondayBased * 24 + hour
}

/** The last hour that is over at `now`: [start, end), both on whole hours. */
export function lastCompleteHour(now: Date): { start: Date; end: Date } {
  const end = Math.floor(checkDate(now) / HOUR_MS) * HOUR_MS
  return { start: new Date(end - HOUR_MS), end: new Date(end) }
}

/**
 * Starts of the same hour-of-week in the `weeks` previous weeks, most recent first:
 * the baseline hours for `hourStart` (which is truncated to its hour).
 */
export function sameHourInPreviousWeeks(hourStart: Date, weeks: number): Date[] {
  if (!Number.isSafeInteger(weeks) || weeks < 0) throw new RangeError(`weeks must be a non-negative integer: ${weeks}`)
  const start = Math.floor(checkDate(hourStart) / HOUR_MS) * HOUR_MS
  return Array.from({ length: weeks }, (_, i) => new Date(start - (i + 1) * WEEK_MS))
}

/** Median (mean of the two middle values for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return NaN
  const mid = n >> 1
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Median absolute deviation from the median (unscaled); NaN for no values. */
export function medianAbsoluteDeviation(values: readonly number[]): number {
  const m = median(values)
  return median(values.map((v) => Math.abs(v - m)))
}

export type VolumeStatus = 'normal' | 'high' | 'low' | 'insufficient_data'

export interface VolumeInput {
  /** Events the hub recorded in the hour being judged (a complete hour). */
  observed: number
  /**
   * Events in the same hour-of-week of previous weeks, one per week. Weeks with
   * no data (the hub did not exist yet) must be left out, not given as 0.
   */
  baseline: readonly number[]
}

export interface VolumeOptions {
  /** |z| at or above this is high/low. Default 3.5. */
  zThreshold?: number
  /** Also required: |observed − expected| at least this many events. Default 10. */
  minAbsDiff?: number
  /** Fewer usable baseline weeks than this → insufficient_data. Default 3. */
  minSamples?: number
  /** Lowest scale (σ) in events. Default 1. */
  minScale?: number
  /** Lowest scale as a fraction of the median. Default 0.1. */
  relativeScaleFloor?: number
}

export interface VolumeResult {
  status: VolumeStatus
  /** Robust z-score; null with insufficient data. */
  z: number | null
  /** The baseline median; null with insufficient data. */
  expected: number | null
  observed: number
  /** The σ estimate the z was divided by; null with insufficient data. */
  scale: number | null
  /** Usable baseline weeks. */
  samples: number
}

export const VOLUME_DEFAULTS: Readonly<Required<VolumeOptions>> = Object.freeze({
  zThreshold: 3.5,
  minAbsDiff: 10,
  minSamples: 3,
  minScale: 1,
  relativeScaleFloor: 0.1,
})

function nonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number ≥ 0: ${value}`)
}

export function hubVolumeAnomaly(input: VolumeInput, options: VolumeOptions = {}): VolumeResult {
  const o: Required<VolumeOptions> = {
    zThreshold: options.zThreshold ?? VOLUME_DEFAULTS.zThreshold,
    minAbsDiff: options.minAbsDiff ?? VOLUME_DEFAULTS.minAbsDiff,
    minSamples: options.minSamples ?? VOLUME_DEFAULTS.minSamples,
    minScale: options.minScale ?? VOLUME_DEFAULTS.minScale,
    relativeScaleFloor: options.relativeScaleFloor ?? VOLUME_DEFAULTS.relativeScaleFloor,
  }
  for (const [name, value] of Object.entries(o)) nonNegative(name, value)
  nonNegative('observed', input.observed)
  const { observed } = input
  const usable = input.baseline.filter((v) => Number.isFinite(v) && v >= 0)
  const samples = usable.length
  if (samples === 0 || samples < o.minSamples) {
    return { status: 'insufficient_data', z: null, expected: null, observed, scale: null, samples }
  }
  const expected = median(usable)
  const scale = Math.max(MAD_TO_SIGMA * medianAbsoluteDeviation(usable), o.minScale, o.relativeScaleFloor * expected)
  const diff = observed - expected
  // scale can only be 0 when minScale and relativeScaleFloor are 0 or the median is 0.
  const z = scale > 0 ? diff / scale : diff === 0 ? 0 : Math.sign(diff) * Infinity
  let status: VolumeStatus = 'normal'
  if (diff !== 0 && Math.abs(diff) >= o.minAbsDiff && Math.abs(z) >= o.zThreshold) status = diff > 0 ? 'high' : 'low'
  return { status, z, expected, observed, scale, samples }
}
