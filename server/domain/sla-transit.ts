/**
 * Transit-time percentiles from histogram buckets. Pure.
 *
 * The SLA aggregates (sql/020) count delivered parcels per bucket of hours from
 * collection to delivery; bucket i (1-based) holds [EDGES[i-1], EDGES[i]), the
 * last one everything from its edge up, bucket 0 anything negative (bad data).
 * A percentile is read by linear interpolation inside the bucket where the
 * cumulative count reaches q·n, so it always lies in the bucket that holds the
 * exact percentile (percentile_disc) of the raw values: the error is at most one
 * bucket's width (2 h up to 48 h, 6 h to 120 h, 12 h to 240 h, wider beyond).
 */
export const TRANSIT_EDGES: readonly number[] = Object.freeze([
  0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 54, 60, 66, 72, 78, 84,
  90, 96, 102, 108, 114, 120, 132, 144, 156, 168, 180, 192, 204, 216, 228, 240, 264, 288, 312, 336, 408, 504, 720,
])

/** Bucket index of a transit time in hours, as SQL's width_bucket(hours, edges). */
export function transitBucket(hours: number): number {
  let i = 0
  while (i < TRANSIT_EDGES.length && hours >= TRANSIT_EDGES[i]!) i++
  return i
}

/** [lower, upper) hours of a bucket; upper is null for the open last bucket. */
export function bucketRange(bucket: number): { lower: number; upper: number | null } {
  if (bucket <= 0) return { lower: 0, upper: 0 }
  return { lower: TRANSIT_EDGES[bucket - 1]!, upper: TRANSIT_EDGES[bucket] ?? null }
}

export interface Estimate {
  hours: number
  /** The bucket the percentile falls in. */
  bucket: number
}

/**
 * The q-quantile of a histogram (bucket index → count), or null when it is
 * empty. Hours rounded to 0.1.
 */
export function histogramPercentile(counts: ReadonlyMap<number, number>, q: number): Estimate | null {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be within (0, 1]: ${q}`)
  const buckets = [...counts.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0])
  const total = buckets.reduce((s, [, n]) => s + n, 0)
  if (total === 0) return null
  const rank = q * total
  let before = 0
  for (const [bucket, n] of buckets) {
    if (before + n >= rank) {
      const { lower, upper } = bucketRange(bucket)
      const hours = upper === null || bucket <= 0 ? lower : lower + ((rank - before) / n) * (upper - lower)
      return { hours: Math.round(hours * 10) / 10, bucket }
    }
    before += n
  }
  const [bucket] = buckets[buckets.length - 1]!
  return { hours: bucketRange(bucket).lower, bucket }
}

export interface TransitPercentiles {
  parcels: number
  p50: number | null
  p90: number | null
  p99: number | null
}

export function transitPercentiles(counts: ReadonlyMap<number, number>): TransitPercentiles {
  let parcels = 0
  for (const n of counts.values()) parcels += n
  const at = (q: number) => histogramPercentile(counts, q)?.hours ?? null
  return { parcels, p50: at(0.5), p90: at(0.9), p99: at(0.99) }
}
