/**
 * The arrival estimate of an open parcel from its segment distributions. Pure:
 * the model, the route and `now` are parameters.
 *
 * The parcel's remaining path is a list of segments (segments.ts): the one it is
 * in now (from its last scan), then every hub dwell, line-haul leg, the last
 * mile and the delivery run still ahead on its route. Each segment's duration
 * is a distribution on a 15-minute grid taken from the kept histograms, the
 * most specific that has MIN_SAMPLES (place and tier, hour of day for the last
 * mile; then the same kind and tier at any place, or the lane at any tier), else
 * a stated prior. The segment the parcel is in now is conditioned on the time
 * already spent there (only its tail beyond that counts, rescaled); the rest are
 * added by convolution, assuming independence. The last mile depends on the
 * hour the parcel reaches its outlet (delivery runs leave at fixed hours), so
 * it is mixed over the arrival-time distribution, hour of day by hour of day.
 * The answer is p10, p50 and p90 of the remaining time, added to `now`.
 *
 * Overdue: when the parcel has spent longer in its segment than that
 * segment's p99 (less than 1 % of its distribution lies beyond), the history
 * says nothing of how long it will still take; the estimate then assumes a
 * memoryless wait with the segment's median as mean, marks it `overdue`, and
 * the verdict calls the parcel at risk. It never answers "now".
 *
 * Priors (a fresh install, a new lane): each segment uniform on [0, 2m], m its
 * share of 60 % of the tier's promise (TIER_WORKING_DAYS.max days, a delivery
 * run counting half), capped by the stall limit of its status (out for delivery
 * 8 h, otherwise 24 h by default).
 *
 * Recent factor: a model may report that a place's segments ended in the last
 * hours ran f times their usual length (a slowed sorting centre or lane); its
 * distribution is then stretched by f, so every parcel that still has to pass it
 * moves later as soon as the slow scans arrive.
 */
import { TIER_WORKING_DAYS } from './deadline.ts'
import type { Tier } from './fees.ts'
import { SEGMENT_EDGES, dayBlock, laneKey, toDeliveryPlace, type SegmentKind } from './segments.ts'
import type { EventType, ExceptionReason } from './status.ts'

export const GRID_H = 0.25
/** 300 h ahead: bins 0 … GRID-1, the last one holds everything beyond. */
export const GRID = 1200
export const MIN_SAMPLES = 20
export const OVERDUE_TAIL = 0.01
/** The lane's own from-here-to-delivery history is used from this many parcels (a lane has fewer than a hub). */
export const TO_DELIVERY_MIN_SAMPLES = 5
const HOUR_MS = 3_600_000

export interface SegmentModel {
  /** Bucket (segments.ts SEGMENT_EDGES) → count of (kind, place or all places, tier or all tiers, hour of day or all hours). */
  counts(
    kind: SegmentKind,
    place: string | null,
    tier: string | null,
    hourOfDay: number | null,
  ): ReadonlyMap<number, number> | undefined
  /** How many times its usual length a place's recent segments took (1 = as usual). */
  factor?(kind: SegmentKind, place: string): number
}

export interface Priors {
  stallInTransitHours: number
  stallOutForDeliveryHours: number
}

export const DEFAULT_PRIORS: Priors = { stallInTransitHours: 24, stallOutForDeliveryHours: 8 }

export interface SegmentSpec {
  kind: SegmentKind
  place: string
}

export interface ParcelPosition {
  tier: Tier
  /** Hub codes, origin outlet first, destination outlet last. */
  route: readonly string[]
  collectedAt: Date
  status: string
  lastEventType: EventType | null
  lastScanHub: string | null
  lastScanAt: Date | null
  exceptionReason: ExceptionReason | null
}

export interface ArrivalEstimate {
  p10: Date
  p50: Date
  p90: Date
  /** Longer in its current segment than that segment's p99. */
  overdue: boolean
  /** 'model' when every segment had history, 'partial' when some used a prior, 'prior' when none had. */
  basis: 'model' | 'partial' | 'prior'
  current: { kind: SegmentKind; place: string; since: Date; elapsedHours: number; p50Hours: number; p99Hours: number }
  remaining: SegmentSpec[]
}

// ---------------------------------------------------------------------------
// Distributions on the grid

/** A probability mass function: bins [offset, offset + p.length), sum 1. */
export interface Pmf {
  offset: number
  p: Float64Array
}

function normalise(offset: number, p: Float64Array): Pmf {
  let lo = 0
  let hi = p.length
  while (lo < hi && p[lo]! < 1e-12) lo++
  while (hi > lo && p[hi - 1]! < 1e-12) hi--
  const out = p.slice(lo, hi)
  const n = out.length
  let sum = 0
  for (let i = 0; i < n; i++) sum += out[i]!
  if (sum <= 0) return { offset: 0, p: Float64Array.of(1) }
  for (let i = 0; i < n; i++) out[i]! /= sum
  return { offset: offset + lo, p: out }
}

/** Bucket counts → pmf, each bucket's mass spread evenly over its 15-minute bins. */
export function pmfOfCounts(counts: ReadonlyMap<number, number>, stretch = 1): Pmf | null {
  const spans: Array<[number, number, number]> = []
  let total = 0
  let top = 0
  for (const [bucket, n] of counts) {
    if (n <= 0) continue
    const lower = SEGMENT_EDGES[bucket] ?? SEGMENT_EDGES[SEGMENT_EDGES.length - 1]!
    const upper = SEGMENT_EDGES[bucket + 1] ?? lower * 1.5
    const from = Math.min(GRID - 1, Math.round((lower * stretch) / GRID_H))
    const to = Math.min(GRID, Math.max(from + 1, Math.round((upper * stretch) / GRID_H)))
    spans.push([from, to, n])
    total += n
    top = Math.max(top, to)
  }
  if (total <= 0) return null
  const p = new Float64Array(top)
  for (const [from, to, n] of spans) for (let b = from; b < to; b++) p[b]! += n / (to - from)
  return normalise(0, p)
}

export function uniformPmf(upperHours: number): Pmf {
  const bins = Math.max(1, Math.min(GRID, Math.round(upperHours / GRID_H)))
  return normalise(0, new Float64Array(bins).fill(1))
}

export function convolve(a: Pmf, b: Pmf): Pmf {
  const len = Math.min(GRID - a.offset - b.offset, a.p.length + b.p.length - 1)
  if (len <= 0) return { offset: GRID - 1, p: Float64Array.of(1) }
  const out = new Float64Array(len)
  // The arrays in locals and index loops (the estimate's hot loop: thousands of estimates a
  // sweep); the same products summed in the same order as ever, so the same bits.
  const ap = a.p
  const bp = b.p
  const an = ap.length
  const bn = bp.length
  for (let i = 0; i < an; i++) {
    const x = ap[i]!
    if (x === 0) continue
    const lim = Math.min(bn, len - i)
    for (let j = 0; j < lim; j++) out[i + j]! += x * bp[j]!
  }
  // Mass pushed beyond the grid stays in its last bin.
  let kept = 0
  for (let i = 0; i < len; i++) kept += out[i]!
  if (kept < 1) out[len - 1]! += 1 - kept
  return normalise(a.offset + b.offset, out)
}

/** The q-quantile in hours, interpolated inside its bin. */
export function quantileHours(d: Pmf, q: number): number {
  let acc = 0
  for (let i = 0; i < d.p.length; i++) {
    const v = d.p[i]!
    if (acc + v >= q && v > 0) return (d.offset + i + (q - acc) / v) * GRID_H
    acc += v
  }
  return (d.offset + d.p.length) * GRID_H
}

/**
 * The time still to go in a segment already `elapsed` hours long: the part of
 * the distribution beyond `elapsed`, moved to start at 0. Null when less than
 * OVERDUE_TAIL of the mass lies beyond (overdue).
 */
export function conditionOnElapsed(d: Pmf, elapsedHours: number): Pmf | null {
  const e = Math.max(0, elapsedHours) / GRID_H
  const first = Math.floor(e)
  const frac = e - first
  const out = new Float64Array(Math.max(1, d.offset + d.p.length - first))
  let tail = 0
  for (let i = 0; i < d.p.length; i++) {
    const bin = d.offset + i
    if (bin < first) continue
    const v = bin === first ? d.p[i]! * (1 - frac) : d.p[i]!
    out[bin - first]! += v
    tail += v
  }
  if (tail < OVERDUE_TAIL) return null
  return normalise(0, out)
}

/** Memoryless wait with mean `meanHours`, cut at the grid's end. */
export function exponentialPmf(meanHours: number): Pmf {
  const rate = GRID_H / Math.max(GRID_H, meanHours)
  const n = Math.min(GRID, Math.ceil(12 / rate))
  const p = new Float64Array(n)
  for (let i = 0; i < n; i++) p[i] = Math.exp(-rate * i) - Math.exp(-rate * (i + 1))
  return normalise(0, p)
}

// ---------------------------------------------------------------------------
// The path

/** Every segment of the route, first mile to delivery run. */
export function pathSegments(route: readonly string[]): SegmentSpec[] {
  const out: SegmentSpec[] = [{ kind: 'first_mile', place: route[0]! }]
  for (let i = 0; i + 1 < route.length; i++) {
    out.push({ kind: 'line_haul', place: laneKey(route[i]!, route[i + 1]!) })
    if (i + 2 < route.length) out.push({ kind: 'hub_dwell', place: route[i + 1]! })
  }
  const dest = route[route.length - 1]!
  out.push({ kind: 'last_mile', place: dest }, { kind: 'delivery_run', place: dest })
  return out
}

/**
 * The segment the parcel is in and the ones after it, with the instant the
 * current one began; null for a parcel that will not be delivered (closed, lost).
 */
export function remainingPath(pos: ParcelPosition): { segments: SegmentSpec[]; since: Date } | null {
  if (pos.status === 'delivered' || pos.status === 'returned') return null
  if (pos.status === 'exception' && pos.exceptionReason === 'lost') return null
  const route = pos.route
  const dest = route[route.length - 1]!
  const path = pathSegments(route)
  const since = pos.lastScanAt ?? pos.collectedAt
  const from = (kind: SegmentKind, place: string) => {
    const i = path.findIndex((s) => s.kind === kind && s.place === place)
    return i < 0 ? null : path.slice(i)
  }
  const hub = pos.lastScanHub
  const type = pos.lastEventType
  if (type === null || type === 'collected' || hub === null) return { segments: path, since: pos.collectedAt }
  if (type === 'out_for_delivery') return { segments: [{ kind: 'delivery_run', place: dest }], since }
  if (type === 'delivery_failed')
    return {
      segments: [
        { kind: 'last_mile', place: dest },
        { kind: 'delivery_run', place: dest },
      ],
      since,
    }
  const i = route.indexOf(hub)
  if (type === 'departed_hub') {
    if (i >= 0 && i + 1 < route.length) return { segments: from('line_haul', laneKey(hub, route[i + 1]!))!, since }
    return { segments: offRoute(hub, dest, 'line_haul'), since }
  }
  // arrived_hub, or an exception (damaged…) where it is.
  if (hub === dest) return { segments: from('last_mile', dest)!, since }
  if (i === 0) return { segments: path, since: pos.collectedAt }
  if (i > 0) return { segments: from('hub_dwell', hub)!, since }
  return { segments: offRoute(hub, dest, 'hub_dwell'), since }
}

/** A parcel scanned off its route: it goes from where it is straight to its destination. */
function offRoute(hub: string, dest: string, now: 'line_haul' | 'hub_dwell'): SegmentSpec[] {
  const rest: SegmentSpec[] = [
    { kind: 'line_haul', place: laneKey(hub, dest) },
    { kind: 'last_mile', place: dest },
    { kind: 'delivery_run', place: dest },
  ]
  return now === 'hub_dwell' ? [{ kind: 'hub_dwell', place: hub }, ...rest] : rest
}

// ---------------------------------------------------------------------------
// The estimate

export interface Dist {
  pmf: Pmf
  prior: boolean
}

export interface EstimateOptions {
  priors?: Priors
  minSamples?: number
  /**
   * Segment distributions already built from this model with these options, by segment,
   * tier and hour: a batch of estimates (the at-risk rule's thousands of open parcels)
   * shares them instead of building each from its counts again (and the lane's
   * to-delivery cells and the slowed places' medians likewise). Distributions are never
   * changed in place.
   */
  distCache?: Map<string, Dist>
}

function total(c: ReadonlyMap<number, number> | undefined): number {
  let n = 0
  if (c) for (const v of c.values()) n += v
  return n
}

function priorPmf(seg: SegmentSpec, tier: Tier, units: number, priors: Priors): Pmf {
  const promiseH = TIER_WORKING_DAYS[tier].max * 24
  const m = (0.6 * promiseH) / Math.max(1, units)
  const share = seg.kind === 'delivery_run' ? m / 2 : m
  const stall = seg.kind === 'delivery_run' ? priors.stallOutForDeliveryHours : priors.stallInTransitHours
  return uniformPmf(Math.min(2 * share, stall))
}

export function unitsOf(segments: readonly SegmentSpec[]): number {
  return segments.reduce((s, x) => s + (x.kind === 'delivery_run' ? 0.5 : 1), 0)
}

/** A segment's distribution: the most specific history with enough samples, else the prior. */
export function segmentDist(
  model: SegmentModel,
  seg: SegmentSpec,
  tier: Tier,
  hourOfDay: number | null,
  units: number,
  opts: EstimateOptions = {},
): Dist {
  if (!opts.distCache) return buildSegmentDist(model, seg, tier, hourOfDay, units, opts)
  const key = `${seg.kind}|${seg.place}|${tier}|${hourOfDay}|${units}`
  let d = opts.distCache.get(key)
  if (!d) opts.distCache.set(key, (d = buildSegmentDist(model, seg, tier, hourOfDay, units, opts)))
  return d
}

function buildSegmentDist(
  model: SegmentModel,
  seg: SegmentSpec,
  tier: Tier,
  hourOfDay: number | null,
  units: number,
  opts: EstimateOptions,
): Dist {
  const min = opts.minSamples ?? MIN_SAMPLES
  const f = model.factor?.(seg.kind, seg.place) ?? 1
  const tries: Array<[string | null, string | null, number | null]> = []
  if (hourOfDay !== null) tries.push([seg.place, tier, hourOfDay])
  tries.push([seg.place, tier, null])
  if (seg.kind === 'line_haul') tries.push([seg.place, null, null])
  else {
    if (hourOfDay !== null) tries.push([null, tier, hourOfDay])
    tries.push([null, tier, null])
  }
  for (const [place, t, h] of tries) {
    const c = model.counts(seg.kind, place, t, h)
    if (total(c) >= min) return { pmf: pmfOfCounts(c!, place === null ? 1 : f)!, prior: false }
  }
  return { pmf: priorPmf(seg, tier, units, opts.priors ?? DEFAULT_PRIORS), prior: true }
}

function shanghaiHour(ms: number): number {
  return Math.floor(((((ms + 8 * HOUR_MS) % 86_400_000) + 86_400_000) % 86_400_000) / HOUR_MS)
}

/**
 * Adds a last-mile segment whose length depends on the hour it starts: the mass
 * of `arrival` (hours from `nowMs`) is split by the Shanghai hour of day it
 * falls in, and each part convolved with that hour's distribution.
 */
function addHourly(arrival: Pmf, nowMs: number, distAt: (hour: number) => Dist): { pmf: Pmf; prior: boolean } {
  const out = new Float64Array(GRID)
  let prior = false
  const byHour: Array<Dist | undefined> = new Array(24)
  const binMs = GRID_H * HOUR_MS
  for (let i = 0; i < arrival.p.length; i++) {
    const v = arrival.p[i]!
    if (v < 1e-9) continue
    const bin = arrival.offset + i
    const h = shanghaiHour(nowMs + bin * binMs)
    const d = byHour[h] ?? (byHour[h] = distAt(h))
    prior ||= d.prior
    const dp = d.pmf.p
    const dn = dp.length
    const base = bin + d.pmf.offset
    const lim = Math.min(dn, GRID - base)
    for (let j = 0; j < lim; j++) out[base + j]! += v * dp[j]!
    if (lim < dn) {
      let rest = 0
      for (let j = Math.max(0, lim); j < dn; j++) rest += dp[j]!
      out[GRID - 1]! += v * rest
    }
  }
  return { pmf: normalise(0, out), prior }
}

/** The segment the parcel is in, its distribution and what is left of it after the time spent there (null: overdue). */
function currentPart(pos: ParcelPosition, model: SegmentModel, now: Date, opts: EstimateOptions) {
  const path = remainingPath(pos)
  if (!path) return null
  const [current, ...rest] = path.segments
  const units = unitsOf(pathSegments(pos.route))
  const nowMs = now.getTime()
  const startMs = path.since.getTime()
  const elapsed = Math.max(0, (nowMs - startMs) / HOUR_MS)
  const cur = segmentDist(model, current!, pos.tier, hourly(current!) ? shanghaiHour(startMs) : null, units, opts)
  return {
    path,
    current: current!,
    rest,
    units,
    nowMs,
    startMs,
    elapsed,
    cur,
    left: conditionOnElapsed(cur.pmf, elapsed),
  }
}

const hourly = (s: SegmentSpec) => s.kind === 'last_mile'

/**
 * Whether estimateArrival would call the parcel overdue in its segment (its first step
 * only, the same computation): null when it has no estimate. An overdue parcel is at risk
 * whatever the rest of its path, so the at-risk rule skips the convolutions for it.
 */
export function overdueInSegment(
  pos: ParcelPosition,
  model: SegmentModel,
  now: Date,
  opts: EstimateOptions = {},
): boolean | null {
  const part = currentPart(pos, model, now, opts)
  return part && part.left === null
}

/**
 * The arrival estimate of an open parcel at `now`, or null when it will not be
 * delivered (delivered, returned, lost).
 */
export function estimateArrival(
  pos: ParcelPosition,
  model: SegmentModel,
  now: Date,
  opts: EstimateOptions = {},
): ArrivalEstimate | null {
  const part = currentPart(pos, model, now, opts)
  if (!part) return null
  const { path, current, rest, units, nowMs, startMs, elapsed, cur, left } = part
  let priors = cur.prior ? 1 : 0
  const p50Hours = quantileHours(cur.pmf, 0.5)
  const p90Hours = quantileHours(cur.pmf, 0.9)
  const p99Hours = quantileHours(cur.pmf, 0.99)
  const overdue = left === null
  // From here to the delivery as this lane's parcels took it, while the parcel is
  // not unusually long in its segment; stretched by what slowed places ahead add.
  // Only before the last mile: from the destination outlet on, its hour-of-day distributions know more.
  const early = current.kind === 'first_mile' || current.kind === 'line_haul' || current.kind === 'hub_dwell'
  const whole = !early || overdue || elapsed > p90Hours ? null : toDelivery(model, pos, current, startMs, elapsed, opts)
  let acc: Pmf
  if (whole) {
    acc = shiftPmf(whole, slowdownHours(model, path.segments, pos.tier, elapsed, opts))
    priors = 0
  } else {
    acc = left ?? exponentialPmf(Math.max(1, p50Hours))
    for (const seg of rest) {
      if (hourly(seg)) {
        const r = addHourly(acc, nowMs, (h) => segmentDist(model, seg, pos.tier, h, units, opts))
        acc = r.pmf
        if (r.prior) priors++
      } else {
        const d = segmentDist(model, seg, pos.tier, null, units, opts)
        if (d.prior) priors++
        acc = convolve(acc, d.pmf)
      }
    }
  }
  const at = (q: number) => new Date(nowMs + Math.round(quantileHours(acc, q) * HOUR_MS))
  const count = 1 + rest.length
  return {
    p10: at(0.1),
    p50: at(0.5),
    p90: at(0.9),
    overdue,
    basis: priors === 0 ? 'model' : priors === count ? 'prior' : 'partial',
    current: {
      kind: current.kind,
      place: current.place,
      since: path.since,
      elapsedHours: Math.round(elapsed * 10) / 10,
      p50Hours,
      p99Hours,
    },
    remaining: rest,
  }
}

/** The lane's time from the start of this part to the delivery, conditioned on the time spent; null without enough history. */
function toDelivery(
  model: SegmentModel,
  pos: ParcelPosition,
  seg: SegmentSpec,
  startMs: number,
  elapsed: number,
  opts: EstimateOptions,
): Pmf | null {
  const min = Math.min(opts.minSamples ?? MIN_SAMPLES, TO_DELIVERY_MIN_SAMPLES)
  const place = toDeliveryPlace(pos.route[0]!, pos.route[pos.route.length - 1]!, seg.kind, seg.place)
  for (const hour of [dayBlock(shanghaiHour(startMs)), null]) {
    const c = model.counts('to_delivery', place, pos.tier, hour)
    if (total(c) >= min)
      return conditionOnElapsed(countsPmf(c!, `to_delivery|${place}|${pos.tier}|${hour}`, opts), elapsed)
  }
  return null
}

/** pmfOfCounts of a model's cell, built once per batch (opts.distCache, under `key`): the same counts give the same pmf. */
function countsPmf(c: ReadonlyMap<number, number>, key: string, opts: EstimateOptions): Pmf {
  if (!opts.distCache) return pmfOfCounts(c)!
  const k = `counts|${key}`
  let d = opts.distCache.get(k)
  if (!d) opts.distCache.set(k, (d = { pmf: pmfOfCounts(c)!, prior: false }))
  return d.pmf
}

/** Hours that slowed places on the path add: (factor − 1) × their median, the current part's only for what is left of it. */
function slowdownHours(
  model: SegmentModel,
  segments: readonly SegmentSpec[],
  tier: Tier,
  elapsed: number,
  opts: EstimateOptions,
): number {
  let extra = 0
  segments.forEach((seg, i) => {
    const f = model.factor?.(seg.kind, seg.place) ?? 1
    if (f <= 1) return
    const c = model.counts(seg.kind, seg.place, tier, null)
    if (total(c) < (opts.minSamples ?? MIN_SAMPLES)) return
    const median = quantileHours(countsPmf(c!, `${seg.kind}|${seg.place}|${tier}|null`, opts), 0.5)
    extra += (f - 1) * (i === 0 ? Math.max(0, median - elapsed) : median)
  })
  return extra
}

function shiftPmf(d: Pmf, hours: number): Pmf {
  const bins = Math.round(hours / GRID_H)
  if (bins <= 0) return d
  return { offset: Math.min(GRID - 1, d.offset + bins), p: d.p }
}

// ---------------------------------------------------------------------------
// An in-memory model from histogram rows (the database's, or the benchmark's)

export interface HistRow {
  kind: SegmentKind
  place: string
  tier: string
  /** Hour of the week (segments.ts hourOfWeek). */
  how: number
  bucket: number
  n: number
}

/** A model whose counts can grow and shrink cell by cell (the benchmark folds scan by scan). */
export interface MutableHistModel extends SegmentModel {
  add(row: HistRow): void
}

export function createHistModel(
  rows: Iterable<HistRow> = [],
  factors: ReadonlyMap<string, number> = new Map(),
): MutableHistModel {
  const maps = new Map<string, Map<number, number>>()
  const bump = (key: string, bucket: number, n: number) => {
    let m = maps.get(key)
    if (!m) maps.set(key, (m = new Map()))
    const v = (m.get(bucket) ?? 0) + n
    if (v === 0) m.delete(bucket)
    else m.set(bucket, v)
  }
  const add = (r: HistRow) => {
    if (r.n === 0) return
    const h = r.how % 24
    for (const place of [r.place, '*']) {
      for (const tier of [r.tier, '*']) {
        bump(`${r.kind}|${place}|${tier}|*`, r.bucket, r.n)
        bump(`${r.kind}|${place}|${tier}|${h}`, r.bucket, r.n)
      }
    }
  }
  for (const r of rows) add(r)
  return {
    add,
    counts: (kind, place, tier, hour) => maps.get(`${kind}|${place ?? '*'}|${tier ?? '*'}|${hour ?? '*'}`),
    factor: (kind, place) => factors.get(`${kind}|${place}`) ?? 1,
  }
}

/** The same counts with other recent factors. */
export function withFactors(model: SegmentModel, factors: ReadonlyMap<string, number>): SegmentModel {
  return {
    counts: (k, p, t, h) => model.counts(k, p, t, h),
    factor: (kind, place) => factors.get(`${kind}|${place}`) ?? 1,
  }
}

/** The model with no history: every segment from the priors. */
export const EMPTY_MODEL: SegmentModel = { counts: () => undefined }

// ---------------------------------------------------------------------------
// Recent factor

export interface RecentSegments {
  kind: SegmentKind
  place: string
  tier: string
  n: number
  hours: number
}

/** Segments that ended recently must number at least this many before they may stretch a place. */
export const RECENT_MIN = 3
/** A place counts as slowed when its recent segments took at least this many times their usual length. */
export const RECENT_SLOW = 1.3
export const RECENT_MAX = 4

function meanHours(c: ReadonlyMap<number, number>): number {
  let n = 0
  let sum = 0
  for (const [bucket, k] of c) {
    const lower = SEGMENT_EDGES[bucket] ?? 0
    const upper = SEGMENT_EDGES[bucket + 1] ?? lower * 1.5
    sum += (k * (lower + upper)) / 2
    n += k
  }
  return n > 0 ? sum / n : 0
}

/**
 * Places (kind|place) whose segments that ended recently took RECENT_SLOW or
 * more times as long as their history says for the same tiers: the factor
 * (capped at RECENT_MAX). Faster than usual is not used: a quiet hour must not
 * make the estimate promise more than the history does.
 */
export function recentFactors(model: SegmentModel, recent: readonly RecentSegments[]): Map<string, number> {
  const acc = new Map<string, { n: number; hours: number; expected: number }>()
  for (const r of recent) {
    const c = model.counts(r.kind, r.place, r.tier, null)
    if (!c || total(c) < MIN_SAMPLES || r.n <= 0) continue
    const k = `${r.kind}|${r.place}`
    const a = acc.get(k) ?? { n: 0, hours: 0, expected: 0 }
    a.n += r.n
    a.hours += r.hours
    a.expected += r.n * meanHours(c)
    acc.set(k, a)
  }
  const out = new Map<string, number>()
  for (const [k, a] of acc) {
    if (a.n < RECENT_MIN || a.expected <= 0) continue
    const f = a.hours / a.expected
    if (f >= RECENT_SLOW) out.set(k, Math.min(RECENT_MAX, f))
  }
  return out
}
