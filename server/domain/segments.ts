/**
 * A parcel's path split into timed segments, and their duration histograms.
 * Pure: no driver, no clock.
 *
 * Segments, from the scans in event-time order (the collection record is the
 * start; a `collected` scan adds nothing):
 *   first_mile   collected → departed the origin outlet          place: origin hub
 *   line_haul    departed A → arrived B                          place: "A>B"
 *   hub_dwell    arrived at a hub → departed it                  place: hub
 *   last_mile    arrived at the destination outlet → first out for delivery  place: destination hub
 *   delivery_run first out for delivery → delivered (a failed attempt and the
 *                retry belong to it)                             place: destination hub, courier kept
 * and, once delivered, one `to_delivery` per part: from the part's start to
 * the delivery, place "ORIGIN>DEST@kind:place" (the lane and the part). These
 * keep what a sum of independent parts loses: a parcel held early (a line-haul
 * timetable, a promise floor) is not held again later.
 * Exceptions do not end a segment (a damaged parcel that goes on dwells on);
 * a segment opened and never closed (the parcel is still there, or lost) is
 * not a duration yet. Because the segments are a function of the set of
 * events, not of their arrival order, recomputing them from the stored path
 * after each batch and applying the difference to the histograms folds late
 * and out-of-order scans in exactly (test/unit/domain/segments.test.ts).
 *
 * Histogram key: kind, place, tier, hour of the week the segment started
 * (Shanghai, Monday 00:00 = 0; the last mile waits for delivery runs at fixed
 * hours, hub dwell differs by shift) and a bucket of its hours (SEGMENT_EDGES).
 */
import type { EventType } from './status.ts'

export const SEGMENT_KINDS = [
  'first_mile',
  'line_haul',
  'hub_dwell',
  'last_mile',
  'delivery_run',
  'to_delivery',
] as const
/** The parts of a path; `to_delivery` is not one but the time from a part's start to the delivery. */
export const PATH_KINDS = ['first_mile', 'line_haul', 'hub_dwell', 'last_mile', 'delivery_run'] as const
export type SegmentKind = (typeof SEGMENT_KINDS)[number]

export interface PathEvent {
  type: EventType
  /** Epoch ms. */
  time: number
  hub: string | null
  courier: string | null
}

export interface Segment {
  kind: SegmentKind
  place: string
  /** The courier of a delivery run (attribution), else null. */
  courier: string | null
  /** Epoch ms. */
  start: number
  end: number
}

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS

/** Tie-break of scans at the same instant: the order a parcel lives them. */
const RANK: Record<EventType, number> = {
  collected: 0,
  arrived_hub: 1,
  exception: 2,
  departed_hub: 3,
  out_for_delivery: 4,
  delivery_failed: 5,
  delivered: 6,
  returned: 7,
}

export function orderPath(events: readonly PathEvent[]): PathEvent[] {
  return [...events].sort(
    (a, b) => a.time - b.time || RANK[a.type] - RANK[b.type] || (a.hub ?? '').localeCompare(b.hub ?? ''),
  )
}

export function toDeliveryPlace(origin: string, destination: string, kind: SegmentKind, place: string): string {
  return `${origin}>${destination}@${kind}:${place}`
}

/** Hour key of a to_delivery cell: the 6-hour block of the day its part started (0, 6, 12, 18). */
export function dayBlock(hour: number): number {
  return Math.floor((hour % 24) / 6) * 6
}

export function laneKey(from: string, to: string): string {
  return `${from}>${to}`
}

/** The closed segments of a parcel collected at `origin` at `collectedAt` (epoch ms), for `destination`. */
export function segmentsOf(
  collectedAt: number,
  origin: string,
  destination: string,
  events: readonly PathEvent[],
): Segment[] {
  const out: Segment[] = []
  let at: { hub: string; time: number; first: boolean } | null = { hub: origin, time: collectedAt, first: true }
  let gone: { hub: string; time: number } | null = null
  let ofd: number | null = null
  let lastMileOpen = false
  for (const e of orderPath(events)) {
    if (e.type === 'departed_hub' && e.hub) {
      if (at && at.hub === e.hub && e.time >= at.time) {
        out.push({
          kind: at.first ? 'first_mile' : 'hub_dwell',
          place: e.hub,
          courier: null,
          start: at.time,
          end: e.time,
        })
      }
      at = null
      lastMileOpen = false
      gone = { hub: e.hub, time: e.time }
    } else if (e.type === 'arrived_hub' && e.hub) {
      if (gone && gone.hub !== e.hub)
        out.push({ kind: 'line_haul', place: laneKey(gone.hub, e.hub), courier: null, start: gone.time, end: e.time })
      gone = null
      at = { hub: e.hub, time: e.time, first: false }
      lastMileOpen = e.hub === destination
    } else if (e.type === 'out_for_delivery') {
      if (ofd === null && lastMileOpen && at) {
        out.push({ kind: 'last_mile', place: at.hub, courier: null, start: at.time, end: e.time })
      }
      if (ofd === null) ofd = e.time
      lastMileOpen = false
    } else if (e.type === 'delivered') {
      if (ofd !== null)
        out.push({ kind: 'delivery_run', place: e.hub ?? destination, courier: e.courier, start: ofd, end: e.time })
      const parts = out.length
      for (let i = 0; i < parts; i++) {
        const s = out[i]!
        out.push({
          kind: 'to_delivery',
          place: toDeliveryPlace(origin, destination, s.kind, s.place),
          courier: null,
          start: s.start,
          end: e.time,
        })
      }
      break
    } else if (e.type === 'returned') {
      break
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// Buckets

/** Bucket edges in hours: 15 min to 2 h, 30 min to 6 h, 1 h to 12 h, 2 h to 48 h, 4 h to 120 h, 12 h to 240 h; bucket i holds [EDGES[i], EDGES[i+1]), the last one everything above. */
export const SEGMENT_EDGES: readonly number[] = Object.freeze([
  ...range(0, 2, 0.25),
  ...range(2, 6, 0.5),
  ...range(6, 12, 1),
  ...range(12, 48, 2),
  ...range(48, 120, 4),
  ...range(120, 240, 12),
  240,
])

function range(from: number, to: number, step: number): number[] {
  const out: number[] = []
  for (let x = from; x < to - 1e-9; x += step) out.push(Math.round(x * 100) / 100)
  return out
}

export function segmentBucket(hours: number): number {
  let i = 0
  while (i + 1 < SEGMENT_EDGES.length && hours >= SEGMENT_EDGES[i + 1]!) i++
  return i
}

/** Hour of the week in Shanghai, Monday 00:00 = 0 … Sunday 23:00 = 167. */
export function hourOfWeek(ms: number): number {
  const local = ms + SHANGHAI_OFFSET_MS
  const day = Math.floor(local / DAY_MS)
  const dow = (((day + 3) % 7) + 7) % 7 // 1970-01-01 was a Thursday
  return dow * 24 + Math.floor((local - day * DAY_MS) / HOUR_MS)
}

export function segmentHours(s: Segment): number {
  return (s.end - s.start) / HOUR_MS
}

/** One histogram cell, as sql/050's segment_hist row. */
export interface HistKey {
  kind: SegmentKind
  place: string
  tier: string
  how: number
  bucket: number
}

export function histKey(s: Segment, tier: string): HistKey {
  const how = hourOfWeek(s.start)
  return {
    kind: s.kind,
    place: s.place,
    tier,
    how: s.kind === 'to_delivery' ? dayBlock(how) : how,
    bucket: segmentBucket(segmentHours(s)),
  }
}

export function histKeyString(k: HistKey): string {
  return `${k.kind}|${k.place}|${k.tier}|${k.how}|${k.bucket}`
}

export function parseHistKey(s: string): HistKey {
  const [kind, place, tier, how, bucket] = s.split('|')
  return { kind: kind as SegmentKind, place: place!, tier: tier!, how: Number(how), bucket: Number(bucket) }
}

/** Segments compare by everything a histogram or an attribution reads. */
function segmentString(s: Segment): string {
  return `${s.kind}|${s.place}|${s.courier ?? ''}|${s.start}|${s.end}`
}

/**
 * Histogram changes (key → +n/−n) that turn a parcel's old segments into its
 * new ones; cells that cancel out are left out.
 */
export function histDelta(tier: string, before: readonly Segment[], after: readonly Segment[]): Map<string, number> {
  const delta = new Map<string, number>()
  const add = (s: Segment, n: number) => {
    const k = histKeyString(histKey(s, tier))
    const v = (delta.get(k) ?? 0) + n
    if (v === 0) delta.delete(k)
    else delta.set(k, v)
  }
  const old = new Map<string, number>()
  for (const s of before) old.set(segmentString(s), (old.get(segmentString(s)) ?? 0) + 1)
  for (const s of after) {
    const k = segmentString(s)
    const n = old.get(k) ?? 0
    if (n > 0) old.set(k, n - 1)
    else add(s, 1)
  }
  for (const s of before) {
    const k = segmentString(s)
    const n = old.get(k) ?? 0
    if (n > 0) {
      old.set(k, n - 1)
      add(s, -1)
    }
  }
  return delta
}
