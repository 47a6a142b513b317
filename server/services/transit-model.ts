/**
 * The arrival estimate as the server gives it: one function for the look-up,
 * the live parcel channel and the SLA sweep's at-risk rule, so that they
 * never disagree.
 *
 * The model (segment_hist, and segment_recent of the last two hours for the
 * recent factor) is read at most once a minute per process and pool and kept
 * in memory; the route of a parcel is the network's routing rule over the
 * hubs table (server/data/network.ts), cached while the hub list is the same.
 */
import type pg from 'pg'
import { createNetwork, type Network } from '../data/network.ts'
import { listHubs } from '../db/reference-repo.ts'
import { loadHist, loadRecent } from '../db/segments-repo.ts'
import {
  createHistModel,
  estimateArrival,
  overdueInSegment,
  recentFactors,
  withFactors,
  type ArrivalEstimate,
  type Dist,
  type ParcelPosition,
  type Priors,
  type SegmentModel,
} from '../domain/eta.ts'
import type { Tier } from '../domain/fees.ts'
import type { EventType, ExceptionReason, ShipmentStatus } from '../domain/status.ts'

/** The recent factor (segment_recent of the last two hours) is read again when the model is older than this in the caller's clock … */
export const MODEL_TTL_MS = 60_000
/**
 * … the histograms (segment_hist: weeks of segments, tens of thousands of rows, ~1 s to read
 * on the embedded engine) when older than this: an hour's new segments do not move them.
 */
const HIST_TTL_MS = 60 * 60_000
export const RECENT_WINDOW_MS = 2 * 3_600_000
/** Parcels whose segment began within the same quarter hour share one estimate (the sweep computes it once). */
export const SINCE_STEP_MS = 15 * 60_000

interface Cached {
  model: SegmentModel
  network: Network
  hubs: number
}
interface Kept extends Cached {
  plain: SegmentModel
  at: number
  histAt: number
}
const cache = new WeakMap<pg.Pool, Kept>()
const loading = new WeakMap<pg.Pool, Promise<Kept>>()

/** Whether `at` (epoch ms of the caller's clock) is less than `ttl` before `now` (a clock set back reloads). */
const fresh = (at: number, now: number, ttl: number) => now >= at && now - at < ttl

async function load(db: pg.Pool, now: Date, kept: Kept | undefined): Promise<Kept> {
  const t = now.getTime()
  const reuseHist = kept !== undefined && fresh(kept.histAt, t, HIST_TTL_MS)
  const [rows, recent, hubs] = await Promise.all([
    reuseHist ? null : loadHist(db),
    loadRecent(db, new Date(t - RECENT_WINDOW_MS)),
    listHubs(db),
  ])
  const plain = rows ? createHistModel(rows) : kept!.plain
  const model = withFactors(plain, recentFactors(plain, recent))
  return { model, plain, at: t, histAt: reuseHist ? kept!.histAt : t, network: createNetwork(hubs), hubs: hubs.length }
}

/**
 * The model and network as of `now` (the caller's clock: the wall clock in the server, the
 * simulated one in the alert benchmark): the recent factor at most MODEL_TTL_MS old, the
 * histograms at most HIST_TTL_MS.
 */
export async function transitModel(db: pg.Pool, now: Date): Promise<Cached> {
  const c = cache.get(db)
  if (c && fresh(c.at, now.getTime(), MODEL_TTL_MS)) return c
  let p = loading.get(db)
  if (!p) {
    p = load(db, now, c).finally(() => loading.delete(db))
    loading.set(db, p)
  }
  const kept = await p
  cache.set(db, kept)
  return kept
}

/** Forgets the cached model (tests that ingest and then look up at once). */
export function forgetTransitModel(db: pg.Pool): void {
  cache.delete(db)
}

export interface EtaParcel {
  tier: Tier
  originHub: string
  destinationHub: string
  collectedAt: Date
  status: ShipmentStatus
  lastEventType: string | null
  lastScanHub: string | null
  lastScanAt: Date | null
  exceptionReason: ExceptionReason | null
}

function routeOf(network: Network, origin: string, dest: string): string[] {
  try {
    return network.routeBetween(origin, dest)
  } catch {
    return [origin, dest] // a hub the network does not know: straight there
  }
}

/** The parcel as the estimate sees it: its route, and the times taken to their quarter hour. */
function positionOf(p: EtaParcel, network: Network): ParcelPosition {
  const since = p.lastScanAt ?? p.collectedAt
  const step = (d: Date) => new Date(Math.floor(d.getTime() / SINCE_STEP_MS) * SINCE_STEP_MS)
  return {
    tier: p.tier,
    route: routeOf(network, p.originHub, p.destinationHub),
    collectedAt: step(p.collectedAt),
    status: p.status,
    lastEventType: p.lastEventType as EventType | null,
    lastScanHub: p.lastScanHub,
    lastScanAt: p.lastScanAt ? step(since) : null,
    exceptionReason: p.exceptionReason,
  }
}

const estimateOptions = (priors?: Priors, distCache?: Map<string, Dist>) => ({
  ...(priors ? { priors } : {}),
  ...(distCache ? { distCache } : {}),
})

/** The estimate of an open parcel (null when closed or lost); the segment start is taken to its quarter hour. */
export function arrivalOf(
  p: EtaParcel,
  m: { model: SegmentModel; network: Network },
  now: Date,
  priors?: Priors,
  distCache?: Map<string, Dist>,
): ArrivalEstimate | null {
  return estimateArrival(positionOf(p, m.network), m.model, now, estimateOptions(priors, distCache))
}

/** A parcel is at risk by its estimate when the median is after its deadline or it is overdue in its segment. */
export function atRiskByEstimate(e: ArrivalEstimate | null, deadline: Date): boolean {
  return e !== null && (e.overdue || e.p50.getTime() > deadline.getTime())
}

/** The estimate as the API and the live channel give it. */
export function etaView(e: ArrivalEstimate | null) {
  if (!e) return null
  return {
    p10: e.p10,
    p50: e.p50,
    p90: e.p90,
    overdue: e.overdue,
    basis: e.basis,
    current: {
      kind: e.current.kind,
      place: e.current.place,
      since: e.current.since,
      elapsedHours: e.current.elapsedHours,
      p99Hours: Math.round(e.current.p99Hours * 10) / 10,
    },
  }
}

/** An open parcel as atRiskWaybills reads it: [waybill, tier, origin, destination, collected (epoch ms), status, last event, last hub, last scan (epoch ms), exception, deadline (epoch ms)]. */
type OpenParcelTuple = [
  string,
  Tier,
  string,
  string,
  number,
  ShipmentStatus,
  string | null,
  string | null,
  number | null,
  ExceptionReason | null,
  number,
]
const OVERDUE = Symbol('overdue')
/** Epoch milliseconds of a timestamptz, as node-postgres would give them (whole ms, the microseconds cut). */
const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::int8`

/**
 * The waybills of open, not yet due parcels that the estimate puts at risk:
 * one estimate per distinct (tier, lane, state, quarter hour) at `now`.
 *
 * The parcels come as one JSON array (one row, in the order of the scan), not one row each:
 * the row-by-row form of the same ~9,000 open parcels took 0.4–0.8 s to cross from the
 * embedded database and be parsed (three timestamps a row), the query itself 40 ms.
 */
export async function atRiskWaybills(db: pg.Pool, now: Date, priors?: Priors): Promise<string[]> {
  const m = await transitModel(db, now)
  const r = await db.query<{ parcels: string | null }>(
    `SELECT json_agg(json_build_array(waybill, tier, origin_hub, destination_hub, ${epochMs('collected_at')}, status,
            last_event_type, last_scan_hub, ${epochMs('last_scan_at')}, exception_reason, ${epochMs('promised_deadline')}))::text AS parcels
     FROM shipments WHERE is_open AND status <> 'exception' AND promised_deadline >= $1`,
    [now],
  )
  const rows = JSON.parse(r.rows[0]?.parcels ?? '[]') as OpenParcelTuple[]
  // Per distinct parcel state: at risk because overdue in its segment (the estimate's first
  // step, which decides it whatever the rest: no convolutions), else the whole estimate.
  const memo = new Map<string, ArrivalEstimate | null | typeof OVERDUE>()
  const dists = new Map<string, Dist>()
  const options = estimateOptions(priors, dists)
  const out: string[] = []
  for (const [
    waybill,
    tier,
    originHub,
    destinationHub,
    collected,
    status,
    lastEventType,
    lastScanHub,
    lastScan,
    exceptionReason,
    deadline,
  ] of rows) {
    const since = Math.floor((lastScan ?? collected) / SINCE_STEP_MS)
    const key = `${tier}|${originHub}|${destinationHub}|${status}|${lastEventType}|${lastScanHub}|${lastScan !== null ? since : `c${since}`}`
    let e = memo.get(key)
    if (e === undefined) {
      const p: EtaParcel = {
        tier,
        originHub,
        destinationHub,
        collectedAt: new Date(collected),
        status,
        lastEventType,
        lastScanHub,
        lastScanAt: lastScan !== null ? new Date(lastScan) : null,
        exceptionReason,
      }
      const position = positionOf(p, m.network)
      e = overdueInSegment(position, m.model, now, options) ? OVERDUE : estimateArrival(position, m.model, now, options)
      memo.set(key, e)
    }
    if (e === OVERDUE || atRiskByEstimate(e, new Date(deadline))) out.push(waybill)
  }
  return out
}

/**
 * Live parcel changes (ParcelLiveState) with the arrival estimate and the verdict
 * of each parcel added, for the live channel: only the followed parcels are
 * passed here, so this is one query for a handful of rows.
 */
export async function withArrival<T extends { waybill: string }>(
  db: pg.Pool,
  changes: readonly T[],
  now: Date,
): Promise<Array<T & { arrival: ReturnType<typeof etaView>; atRisk: boolean }>> {
  if (changes.length === 0) return []
  const m = await transitModel(db, now)
  const r = await db.query<EtaParcel & { waybill: string; deadline: Date | null }>(
    `SELECT waybill, tier, origin_hub AS "originHub", destination_hub AS "destinationHub", collected_at AS "collectedAt", status,
            last_event_type AS "lastEventType", last_scan_hub AS "lastScanHub", last_scan_at AS "lastScanAt",
            exception_reason AS "exceptionReason", promised_deadline AS deadline
     FROM shipments WHERE waybill = ANY($1::text[])`,
    [changes.map((c) => c.waybill)],
  )
  const rows = new Map(r.rows.map((x) => [x.waybill, x]))
  return changes.map((c) => {
    const p = rows.get(c.waybill)
    const e = p ? arrivalOf(p, m, now) : null
    return {
      ...c,
      arrival: etaView(e),
      atRisk: p?.deadline ? p.status === 'exception' || (p.deadline >= now && atRiskByEstimate(e, p.deadline)) : false,
    }
  })
}
