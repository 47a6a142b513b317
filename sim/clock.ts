/**
 * The accelerated simulation clock and the stream of parcel collection times.
 * Pure apart from the `now` function passed in.
 */
import type { Rng } from './random.ts'
import { HOUR_MS, localHourOf } from './timing.ts'

export interface SimClock {
  /** Simulated time at the start, `backlog` before the real start. */
  readonly start: number
  /** start + speed × real elapsed, never ahead of the real clock. */
  now(): number
  /** True once the simulated clock has reached the real clock. */
  caughtUp(): boolean
}

export function createSimClock(opts: { speed: number; backlogMs: number; realNow?: () => number }): SimClock {
  const realNow = opts.realNow ?? Date.now
  const realStart = realNow()
  const start = realStart - opts.backlogMs
  const now = () => {
    const real = realNow()
    return Math.min(start + opts.speed * (real - realStart), real)
  }
  return { start, now, caughtUp: () => now() >= realNow() }
}

/**
 * Relative collection volume by local hour (Asia/Shanghai): quiet at night,
 * a morning rise, the busiest pickups between 14:00 and 19:00.
 */
const HOURLY = [
  0.15, 0.1, 0.08, 0.08, 0.1, 0.15, 0.3, 0.6, 1.0, 1.3, 1.4, 1.4, 1.2, 1.3, 1.5, 1.7, 1.8, 1.8, 1.6, 1.3, 1.0, 0.8, 0.5,
  0.3,
]
const MEAN = HOURLY.reduce((a, b) => a + b, 0) / HOURLY.length
const PEAK = Math.max(...HOURLY) / MEAN

/** Collection intensity at `ms` relative to the daily average (mean 1). */
export function diurnalFactor(ms: number): number {
  return (HOURLY[Math.floor(localHourOf(ms))] ?? MEAN) / MEAN
}

export interface Arrivals {
  /** Collection time of the next parcel. */
  peek(): number
  /** Returns the next collection time and draws the one after. */
  take(): number
}

/** A time-varying multiplier of the collection rate (e.g. a post-holiday backlog), never above `max`. */
export interface RateFactor {
  factor(ms: number): number
  max: number
}

/**
 * A non-homogeneous Poisson process (by thinning): on average `perSimHour`
 * collections per simulated hour, shaped by the time of day (and by `rate`,
 * if given). Depends only on the Rng and the start time, not on how often it
 * is polled; without `rate` the sequence is the same as with a factor of 1.
 */
export function createArrivals(rng: Rng, fromMs: number, perSimHour: number, rate?: RateFactor): Arrivals {
  if (!(perSimHour > 0)) throw new Error('the parcel rate must be positive')
  const maxFactor = rate?.max ?? 1
  if (!(maxFactor >= 1 && Number.isFinite(maxFactor)))
    throw new Error('the maximum rate factor must be a finite number ≥ 1')
  const bound = PEAK * maxFactor
  const meanGapMs = HOUR_MS / (perSimHour * bound)
  let t = fromMs
  const draw = () => {
    for (;;) {
      t += rng.exponential(meanGapMs)
      if (rng.next() * bound < diurnalFactor(t) * (rate ? Math.min(maxFactor, rate.factor(t)) : 1)) return t
    }
  }
  let next = draw()
  return {
    peek: () => next,
    take: () => {
      const current = next
      next = draw()
      return current
    },
  }
}
