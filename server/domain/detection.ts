/**
 * Hub- and lane-level detection rules (issue 11): each judges a hub or a lane
 * against its own recent behaviour, not one fixed limit for the whole network.
 * Pure: counts and durations in, a verdict out; no database, no clock. The
 * detection service (server/services/detection.ts) feeds them from the scans
 * and opens or resolves the alerts; unit tests on synthetic series in
 * test/unit/domain/detection.test.ts.
 *
 *  - hubSilence (hub_silent): a sorting or transfer centre has scanned nothing for
 *    so long that, at its usual rate, at least `minExpected` scans should have come
 *    (P(no scan) = e^-minExpected under a Poisson rate). The rate is the lower of
 *    the hub's rate in the 3 h before its last scan and its rate at the same time
 *    of day on the previous days: a centre that always quietens at night is
 *    judged against its night. "Now" for a centre's silence is the feed's
 *    high-water mark (hubSilenceAt), the latest minute with a scan anywhere, not
 *    the wall clock: a feed replaying a backlog is not twelve stopped centres.
 *  - feedBehind (feed_behind): one network-wide condition instead of a page per
 *    centre when the feed itself is the trouble: nothing received for as long
 *    as the network's rate says 12 scans should have come (critical), more than
 *    half of the centres silent at once (critical), or data arriving but its
 *    newest scan 15 min or more behind the clock (warning).
 *  - exceptionBurst (hub_exception_spike): the exceptions among a centre's scans
 *    of the last 30 min against its rate of the previous 7 days (Fisher's exact
 *    test, at least 3 and at least 3× the usual share).
 *  - collectionSurge (hub_volume_high): an outlet's scans in the last hour against
 *    the same hour of the previous days (median and MAD).
 *  - laneOverdue (lane_overdue): parcels on a lane A→B for longer than the lane's
 *    learned limit (p99 of its recent legs × 1.25, per tier), counted only while no
 *    parcel that left later has arrived: once later parcels get through again the
 *    lane is flowing, and the stragglers are parcel-level figures.
 *    Its `lost` form (overdueBatch, lostBatch) sees a batch that vanished while
 *    the parcels around it got through.
 *  - dwellRatio (hub_backlog): the median, over a centre's departures of the last
 *    hour, of each parcel's dwell against the usual dwell of its tier there at
 *    that time of day (the same hour of the previous days).
 *  - rollUp: when more than half of the hubs of a kind show the same condition at
 *    once, it is one network-wide alert, not one page per hub.
 */
import { exceptionSpike, hubVolumeAnomaly, median, type VolumeResult } from './anomaly.ts'

// ─── Hub silence ──────────────────────────────────────────────────────────────

export interface SilenceInput {
  /** Whole minutes since the last minute with a scan at the hub. */
  quietMinutes: number
  /** Scans per minute in the 3 h before the last scan. */
  recentPerMinute: number
  /** Scans per minute at the same time of day on previous days (median); null without history. */
  usualPerMinute: number | null
}

export interface SilenceRule {
  /** Scans that should have come at the usual rate (default 12: e^-12 ≈ 6·10⁻⁶). */
  minExpected: number
  /** And at least this long (default 5 min). */
  minMinutes: number
}

export const SILENCE_DEFAULTS: SilenceRule = { minExpected: 12, minMinutes: 5 }

export function hubSilence(i: SilenceInput, r: SilenceRule = SILENCE_DEFAULTS): { silent: boolean; expected: number } {
  const rate = i.usualPerMinute === null ? i.recentPerMinute : Math.min(i.recentPerMinute, i.usualPerMinute)
  const expected = Math.max(0, rate) * Math.max(0, i.quietMinutes)
  return { silent: i.quietMinutes >= r.minMinutes && expected >= r.minExpected, expected }
}

const MINUTE_MS = 60_000
/** The rate before a centre's last scan is taken over this many minutes. */
export const RECENT_RATE_MINUTES = 180

export interface HubMinute {
  /** Epoch ms of the minute's start. */
  minute: number
  events: number
}

/**
 * A centre's silence judged at `feedAt`, the feed's high-water mark (the latest
 * minute with a scan at any hub), not at the wall clock. While the feed replays a
 * backlog or lags, every centre's last scan is hours behind the clock but not behind
 * the feed: judging against the clock paged every centre at once (12 critical
 * hub_silent alerts in the first minute of the demo). A centre that stops while the
 * others go on scanning falls behind the feed as it did behind the clock.
 * `since`: the start of the minutes looked at (a centre without a scan since then is
 * quiet since then). Whole minutes strictly between its last scan and `feedAt` count
 * as quiet; the rate before is over the 3 h up to its last scan.
 */
export function hubSilenceAt(
  minutes: readonly HubMinute[],
  feedAt: number,
  since: number,
  usualPerMinute: number | null,
  r: SilenceRule = SILENCE_DEFAULTS,
): SilenceInput & { silent: boolean; expected: number } {
  const active = minutes.filter((m) => m.events > 0 && m.minute <= feedAt)
  const last = active.length > 0 ? Math.max(...active.map((m) => m.minute)) : null
  const quietMinutes =
    last === null
      ? Math.max(0, Math.round((feedAt - since) / MINUTE_MS))
      : Math.max(0, Math.round((feedAt - last) / MINUTE_MS) - 1)
  const recentPerMinute =
    last === null
      ? (usualPerMinute ?? 0)
      : active.filter((m) => m.minute > last - RECENT_RATE_MINUTES * MINUTE_MS).reduce((a, m) => a + m.events, 0) /
        RECENT_RATE_MINUTES
  const input = { quietMinutes, recentPerMinute, usualPerMinute }
  return { ...input, ...hubSilence(input, r) }
}

// ─── The feed itself ──────────────────────────────────────────────────────────

export interface FeedInput {
  /** Minutes between now and the feed's high-water mark (the newest scan time received). */
  lagMinutes: number
  /** Minutes since the newest scan was received (null: nothing was ever received). */
  receivedQuietMinutes: number | null
  /** The whole network's scans per minute in the 3 h up to the high-water mark. */
  recentPerMinute: number
  /** The whole network's scans per minute at this time of day on previous days; null without history. */
  usualPerMinute: number | null
  /** Centres silent against the feed (hubSilenceAt), and how many centres there are. */
  silentCentres: number
  centres: number
}

export interface FeedRule {
  /** A feed still delivering but this far behind the clock is behind. */
  lagMinutes: number
}

export const FEED_DEFAULTS: FeedRule = { lagMinutes: 15 }

export type FeedCondition = 'no_data' | 'centres_silent' | 'lagging'

/**
 * Whether the feed is the trouble, as one network-wide condition, first that applies:
 *  - `no_data` (critical): nothing received for so long that, at the network's rate,
 *    12 scans should have come (hubSilence's rule applied to the whole feed). The
 *    control room is blind and no other rule can see anything: one page, to whoever
 *    owns the feed, not one per centre.
 *  - `centres_silent` (critical): more than half of the centres (at least 3) silent
 *    against the feed at once, while the rest of it (outlets, other centres) goes on:
 *    a part of the feed is missing, or the whole network stopped; one page either way.
 *  - `lagging` (warning): data arrives but its newest scan is `lagMinutes` or more
 *    behind the clock, and at the network's rate 12 scans should have come since it
 *    (a network quiet at night is not behind): every figure on the screens is that old. A backlog replayed at
 *    speed (the demo's start, a feed back after an outage) catches up within the
 *    caller's pending period and opens nothing.
 */
export function feedBehind(
  i: FeedInput,
  r: FeedRule = FEED_DEFAULTS,
): { behind: false } | { behind: true; condition: FeedCondition; severity: 'critical' | 'warning'; expected: number } {
  if (i.receivedQuietMinutes !== null) {
    const s = hubSilence({
      quietMinutes: i.receivedQuietMinutes,
      recentPerMinute: i.recentPerMinute,
      usualPerMinute: i.usualPerMinute,
    })
    if (s.silent) return { behind: true, condition: 'no_data', severity: 'critical', expected: s.expected }
  }
  if (networkWide(i.silentCentres, i.centres))
    return { behind: true, condition: 'centres_silent', severity: 'critical', expected: 0 }
  if (i.lagMinutes >= r.lagMinutes) {
    // Behind only if scans should have come meanwhile: a network quiet at night is not a lagging feed.
    const s = hubSilence({
      quietMinutes: i.lagMinutes,
      recentPerMinute: i.recentPerMinute,
      usualPerMinute: i.usualPerMinute,
    })
    if (s.silent) return { behind: true, condition: 'lagging', severity: 'warning', expected: s.expected }
  }
  return { behind: false }
}

// ─── Exception burst ──────────────────────────────────────────────────────────

export interface Counts {
  events: number
  exceptions: number
}

/** A rolling window's exceptions against the hub's usual share (Fisher's exact test). */
export function exceptionBurst(
  recent: Counts,
  baseline: Counts,
): { spike: boolean; recentRate: number | null; baselineRate: number | null } {
  const s = exceptionSpike({ recent, baseline }, { alpha: 1e-4, minExceptions: 3, minRatio: 3 })
  return { spike: s.spike, recentRate: s.recentRate, baselineRate: s.baselineRate }
}

// ─── Collection surge ─────────────────────────────────────────────────────────

/** The last hour's scans against the same hour on previous days (2 days at least). */
export function collectionSurge(
  observed: number,
  sameHourBefore: readonly number[],
): VolumeResult & { surge: boolean } {
  const v = hubVolumeAnomaly(
    { observed, baseline: sameHourBefore },
    { zThreshold: 4, minAbsDiff: 15, minSamples: 2, relativeScaleFloor: 0.25 },
  )
  return { ...v, surge: v.status === 'high' && v.expected !== null && observed >= 2 * v.expected }
}

// ─── Lanes ────────────────────────────────────────────────────────────────────

export interface LegInFlight {
  /** When the parcel left A (epoch ms). */
  departedAt: number
  /** The lane's learned limit for its tier (ms); null: not enough history, not judged. */
  limitMs: number | null
}

export interface LaneRule {
  /** Overdue parcels needed (default 3). */
  minOverdue: number
}

export const LANE_DEFAULTS: LaneRule = { minOverdue: 3 }

/** The learned limit of a leg or a dwell: p99 × 1.25, at least `floorHours` (hours in, ms out). */
export function learnedLimitMs(p99Hours: number, floorHours = 0.5): number {
  return Math.max(floorHours, p99Hours * 1.25) * 3_600_000
}

/**
 * The lane's overdue parcels: in flight longer than their limit and left after
 * the latest departure that has already arrived (`lastArrivedDeparture`, epoch ms;
 * null: none arrived recently).
 */
export function laneOverdue(
  legs: readonly LegInFlight[],
  lastArrivedDeparture: number | null,
  now: number,
  r: LaneRule = LANE_DEFAULTS,
): { overdue: number; slow: boolean } {
  const overdue = legs.filter(
    (l) =>
      l.limitMs !== null &&
      now - l.departedAt > l.limitMs &&
      (lastArrivedDeparture === null || l.departedAt > lastArrivedDeparture),
  ).length
  return { overdue, slow: overdue >= r.minOverdue }
}

/**
 * A lost batch (lane_overdue, its `lost` form): parcels that left A for B close
 * together (a truckload, a shift's loading) are overdue, and most of what left A for B
 * in that span never arrived, while the lane flows before and after. laneOverdue
 * cannot see it: a parcel that left after the batch arrives first, so the lane
 * flows. The simulator's lane loss was never paged by it (1-day alert benchmark,
 * seeds 1–3): on a lane whose express legs fly in 5 h and whose road legs take
 * 17–22 h, the express parcels after the batch arrive before the lost ones are
 * overdue. Stragglers of a normal day are sparse (the limit is the p99 × 1.25), so
 * five overdue within two hours of each other, most of their span not arrived, is
 * not a normal day.
 */
export interface LostBatchRule {
  /** Overdue parcels in the batch (default 5). */
  minParcels: number
  /** Their departures lie within this span (default 2 h). */
  spanMs: number
  /** The batch's share of the legs that left in its span, the arrived ones included (default 0.5). */
  minShare: number
  /**
   * A parcel counts toward a batch for this long after it became overdue (default 3 h);
   * after that the lost parcels are parcel-level figures (parcel_suspected_lost), and
   * the alert resolves instead of holding for the day it takes to declare them lost.
   */
  holdMs: number
}

export const LOST_BATCH_DEFAULTS: LostBatchRule = {
  minParcels: 5,
  spanMs: 2 * 3_600_000,
  minShare: 0.5,
  holdMs: 3 * 3_600_000,
}

export interface OverdueBatch {
  /** The first and the last departure of the batch (epoch ms). */
  from: number
  to: number
  /** Its overdue parcels. */
  count: number
}

/**
 * The densest span of `r.spanMs` among the lane's overdue departures that left after
 * `after` (the end of a batch already reported and resolved; null: none) and became
 * overdue at most `r.holdMs` ago: the candidate batch (the latest of equal ones), or
 * null when it holds fewer than `r.minParcels`. Whether it is lost depends on how many
 * of its span arrived (lostBatch).
 */
export function overdueBatch(
  legs: readonly LegInFlight[],
  after: number | null,
  now: number,
  r: LostBatchRule = LOST_BATCH_DEFAULTS,
): OverdueBatch | null {
  const d = legs
    .filter(
      (l) =>
        l.limitMs !== null &&
        now - l.departedAt > l.limitMs &&
        now - l.departedAt - l.limitMs <= r.holdMs &&
        (after === null || l.departedAt > after),
    )
    .map((l) => l.departedAt)
    .sort((a, b) => a - b)
  let best: OverdueBatch | null = null
  for (let i = 0, j = 0; j < d.length; j++) {
    while (d[j]! - d[i]! > r.spanMs) i++
    if (!best || j - i + 1 >= best.count) best = { from: d[i]!, to: d[j]!, count: j - i + 1 }
  }
  return best && best.count >= r.minParcels ? best : null
}

/** Whether the batch is lost: `arrived` legs of the lane left within its span and arrived. */
export function lostBatch(batch: OverdueBatch, arrived: number, r: LostBatchRule = LOST_BATCH_DEFAULTS): boolean {
  return batch.count >= r.minParcels && batch.count >= r.minShare * (batch.count + Math.max(0, arrived))
}

// ─── Dwell ────────────────────────────────────────────────────────────────────

export interface DwellRule {
  /** The median ratio at or above which the centre is slow (default 1.8; half speed gives 2). */
  ratio: number
  /** Departures in the window needed to judge (default 20). */
  minDepartures: number
}

export const DWELL_DEFAULTS: DwellRule = { ratio: 1.8, minDepartures: 20 }

/** Each departure's dwell over its tier's usual dwell (p50) there; departures without a usual dwell are left out. */
export function dwellRatio(
  departures: ReadonlyArray<{ hours: number; usualHours: number | null }>,
  r: DwellRule = DWELL_DEFAULTS,
): { ratio: number | null; slow: boolean; n: number } {
  const ratios = departures.filter((d) => d.usualHours !== null && d.usualHours > 0).map((d) => d.hours / d.usualHours!)
  if (ratios.length < r.minDepartures) return { ratio: null, slow: false, n: ratios.length }
  const m = median(ratios)
  return { ratio: m, slow: m >= r.ratio, n: ratios.length }
}

// ─── Roll-up ──────────────────────────────────────────────────────────────────

/** Whether a condition seen at `hits` of `of` hubs is network-wide (more than half of them, at least 3). */
export function networkWide(hits: number, of: number): boolean {
  return hits >= 3 && hits * 2 > of
}

/**
 * Whether a condition at `hits` of `of` hubs is reported as the one network-wide alert:
 * when network-wide, and, while that alert is still unresolved (`networkOpen`), at any
 * number of hubs. A network-wide condition that shrinks below half of the hubs stays
 * one alert instead of splitting into a page per hub (and the network alert resolves
 * once no hub shows it).
 */
export function rollsUp(hits: number, of: number, networkOpen: boolean): boolean {
  return networkWide(hits, of) || (networkOpen && hits > 0)
}

/** An outlet stands out of a network-wide surge at this many times its usual share of the collections … */
export const STANDOUT_FACTOR = 1.5
/** … by at least this many collections, and this many standard deviations (binomial, normal approximation). */
const STANDOUT_MIN_EXTRA = 15
const STANDOUT_Z = 4

/**
 * The outlets whose surge stands out of a network-wide one. Each outlet's usual share
 * of the outlets' collections (`usual`: its collections in the same windows of the
 * previous days, summed, so a share rests on days of counts, not on one) is what it
 * should hold of the collections now (`now`) if the whole network surged alike; an
 * outlet at STANDOUT_FACTOR × that, at least 15 more, with z ≥ 4, is its own
 * incident. Under a rolled-up network alert (a holiday's 3× collections everywhere)
 * one outlet at 6× pages on its own instead of hiding in the network alert; the
 * outlets that surge with the network stay under it. Needs 3 outlets with a usual.
 */
export function standoutSurges(
  surging: readonly string[],
  now: ReadonlyMap<string, number>,
  usual: ReadonlyMap<string, number>,
): string[] {
  const usualTotal = [...usual.values()].reduce((a, x) => a + Math.max(0, x), 0)
  const nowTotal = [...now.values()].reduce((a, x) => a + Math.max(0, x), 0)
  if ([...usual.values()].filter((x) => x > 0).length < 3 || usualTotal <= 0 || nowTotal <= 0) return []
  return surging.filter((h) => {
    const share = (usual.get(h) ?? 0) / usualTotal
    if (share <= 0 || share >= 1) return false
    const observed = now.get(h) ?? 0
    const expected = share * nowTotal
    const sd = Math.sqrt(nowTotal * share * (1 - share))
    return (
      observed >= STANDOUT_FACTOR * expected &&
      observed - expected >= STANDOUT_MIN_EXTRA &&
      (observed - expected) / sd >= STANDOUT_Z
    )
  })
}
