/**
 * A parcel's whole life as timed scan steps, computed up front from its route
 * and collection time. Pure: all randomness comes from the Rng passed in.
 *
 * collected → (departed_hub, arrived_hub) per leg → out_for_delivery → delivered,
 * with a small share of late parcels and exceptions (see OUTCOME_WEIGHTS).
 */
import { distanceKm, type HubKind } from '../server/data/network.ts'
import { signerFor } from './people.ts'
import type { Rng } from './random.ts'
import {
  HOUR_MS,
  TIER_TRANSIT_HOURS,
  drawTiming,
  legHours,
  nextMorningWave,
  nextWave,
  type Tier,
  type TimingDraws,
} from './timing.ts'

export { TIER_TRANSIT_HOURS, type Tier } from './timing.ts'

export type EventType =
  | 'collected'
  | 'departed_hub'
  | 'arrived_hub'
  | 'out_for_delivery'
  | 'delivered'
  | 'delivery_failed'
  | 'exception'
  | 'returned'
export type ExceptionReason = 'lost' | 'damaged' | 'wrong_address' | 'refused'

export type Outcome = 'normal' | 'late' | 'failed_then_delivered' | 'damaged' | 'lost' | 'wrong_address' | 'refused'

/** About 3 % late, 3.5 % with a failed delivery or an exception. */
export const OUTCOME_WEIGHTS: Readonly<Record<Outcome, number>> = {
  normal: 0.935,
  late: 0.03,
  failed_then_delivered: 0.012,
  damaged: 0.006,
  lost: 0.003,
  wrong_address: 0.005,
  refused: 0.009,
}
const OUTCOMES = Object.keys(OUTCOME_WEIGHTS) as Outcome[]

export function pickOutcome(rng: Rng): Outcome {
  return rng.weighted(
    OUTCOMES,
    OUTCOMES.map((o) => OUTCOME_WEIGHTS[o]),
  )
}

export interface RouteHub {
  code: string
  kind: HubKind
  latitude: number
  longitude: number
}

export interface Step {
  id: string
  /** Epoch milliseconds, whole seconds. */
  time: number
  waybill: string
  type: EventType
  hub: string
  courier?: string
  latitude?: number
  longitude?: number
  signer?: string
  reason?: ExceptionReason
  detail?: string
}

export interface ParcelPlan {
  waybill: string
  tier: Tier
  /** Hubs in travel order: origin outlet first, destination outlet last. */
  route: readonly RouteHub[]
  collectedAt: number
  pickupCourier: string
  deliveryCourier: string
  recipientName: string
  /** Forces an outcome (tests); drawn with OUTCOME_WEIGHTS otherwise. */
  outcome?: Outcome
}

export interface Lifecycle {
  /** The outcome actually simulated: a "normal" parcel that cannot make its promise becomes "late". */
  outcome: Outcome
  steps: Step[]
  deliveredAt: number | null
}

const TYPE_CODE: Record<EventType, string> = {
  collected: 'COL',
  departed_hub: 'DEP',
  arrived_hub: 'ARR',
  out_for_delivery: 'OFD',
  delivered: 'DLV',
  delivery_failed: 'DFL',
  exception: 'EXC',
  returned: 'RET',
}

/** Deterministic per parcel and step, so a resent batch carries the same ids. */
export function eventId(waybill: string, seq: number, type: EventType): string {
  return `${waybill}-${String(seq).padStart(2, '0')}-${TYPE_CODE[type]}`
}

const DELAY_DETAILS = ['恶劣天气，干线延误', '交通管制，车辆晚点', '分拣积压，延迟发出', '车辆故障，换车转运']
const FAILED_DETAILS = ['电话无人接听，改约次日派送', '收件人不在家，已约次日派送', '收件人要求改期派送']

interface Schedule {
  /** dep[i]: departure from route[i], i < n-1. */
  dep: number[]
  /** arr[i]: arrival at route[i], i ≥ 1; arr[0] is the collection. */
  arr: number[]
  ofd: number
  delivered: number
}

interface ScheduleOptions {
  dwellScale: number
  useFloor: boolean
  useWaves: boolean
  delay?: { index: number; hours: number }
}

function timeline(t0: number, draws: TimingDraws, legH: readonly number[], scale: number, hold: readonly number[]) {
  const n = legH.length + 1
  const dep: number[] = new Array<number>(Math.max(0, n - 1)).fill(t0)
  const arr: number[] = new Array<number>(n).fill(t0)
  let t = t0
  for (let i = 0; i < n - 1; i++) {
    const dwell = (i === 0 ? draws.outletDwellH : (draws.centreDwellH[i] ?? 0)) * scale + (hold[i] ?? 0)
    t += dwell * HOUR_MS
    dep[i] = t
    t += (legH[i] ?? 0) * HOUR_MS
    arr[i + 1] = t
  }
  return { dep, arr, arrival: t }
}

function schedule(t0: number, draws: TimingDraws, legH: readonly number[], o: ScheduleOptions): Schedule {
  const n = legH.length + 1
  const hold: number[] = new Array<number>(n).fill(0)
  const first = n > 2 ? 1 : 0
  const last = n > 2 ? n - 2 : 0
  if (o.useFloor) {
    const bare = timeline(t0, draws, legH, o.dwellScale, hold)
    const extraH = Math.max(0, draws.arrivalFloorH - (bare.arrival - t0) / HOUR_MS)
    hold[first] = (hold[first] ?? 0) + extraH / 2
    hold[last] = (hold[last] ?? 0) + extraH / 2
  }
  if (o.delay) hold[o.delay.index] = (hold[o.delay.index] ?? 0) + o.delay.hours
  const { dep, arr, arrival } = timeline(t0, draws, legH, o.dwellScale, hold)
  const ofd = o.useWaves ? nextWave(arrival + 0.5 * HOUR_MS, draws.waveJitterH) : arrival + 0.5 * HOUR_MS
  return { dep, arr, ofd, delivered: ofd + draws.deliverH * HOUR_MS }
}

/** Fallbacks for a normal parcel whose first schedule misses the promise: less dwell, no floor, no waiting for a run. */
const COMPRESSIONS: readonly ScheduleOptions[] = [
  { dwellScale: 0.5, useFloor: true, useWaves: true },
  { dwellScale: 0.3, useFloor: false, useWaves: true },
  { dwellScale: 0, useFloor: false, useWaves: true },
  { dwellScale: 0, useFloor: false, useWaves: false },
]

export function buildLifecycle(plan: ParcelPlan, rng: Rng): Lifecycle {
  const { route, tier, collectedAt: t0 } = plan
  if (route.length === 0) throw new Error(`parcel ${plan.waybill} has an empty route`)
  const n = route.length
  let outcome = plan.outcome ?? pickOutcome(rng)
  const draws = drawTiming(rng, tier, n)
  const legH = route.slice(1).map((h, i) => legHours(distanceKm(route[i]!, h), tier, draws.truckKmh).hours)
  const maxMs = TIER_TRANSIT_HOURS[tier].max * HOUR_MS
  const centre = n > 2 ? rng.int(1, n - 2) : n - 1
  const lostHop = n > 1 ? rng.int(0, n - 2) : 0

  let s = schedule(t0, draws, legH, { dwellScale: 1, useFloor: true, useWaves: true })
  if (outcome === 'late') {
    const index = n > 2 ? centre : 0
    const hours = TIER_TRANSIT_HOURS[tier].max - ((s.arr[n - 1] ?? t0) - t0) / HOUR_MS + rng.float(2, 24)
    s = schedule(t0, draws, legH, { dwellScale: 1, useFloor: true, useWaves: true, delay: { index, hours } })
  } else {
    for (const o of COMPRESSIONS) {
      if (s.delivered - t0 <= maxMs) break
      s = schedule(t0, draws, legH, o)
    }
    if (outcome === 'normal' && s.delivered - t0 > maxMs) outcome = 'late'
  }

  const drafts: Array<Omit<Step, 'id' | 'waybill'>> = []
  const at = (h: RouteHub) => ({ latitude: h.latitude, longitude: h.longitude })
  const near = (h: RouteHub) => ({
    latitude: round4(h.latitude + rng.float(-0.03, 0.03)),
    longitude: round4(h.longitude + rng.float(-0.03, 0.03)),
  })
  const origin = route[0]!
  const dest = route[n - 1]!
  const delayDetail = rng.pick(DELAY_DETAILS)

  drafts.push({ time: t0, type: 'collected', hub: origin.code, courier: plan.pickupCourier, ...near(origin) })
  for (let i = 0; i < n - 1; i++) {
    const from = route[i]!
    const to = route[i + 1]!
    const delayedHere = outcome === 'late' && i === (n > 2 ? centre : 0)
    drafts.push({
      time: s.dep[i]!,
      type: 'departed_hub',
      hub: from.code,
      ...at(from),
      ...(delayedHere ? { detail: delayDetail } : {}),
    })
    if (outcome === 'lost' && i === lostHop) {
      const missingSince = s.arr[i + 1]! + rng.float(24, 48) * HOUR_MS
      drafts.push({
        time: missingSince,
        type: 'exception',
        hub: to.code,
        reason: 'lost',
        detail: '超时未到达，判定遗失，已启动理赔',
        ...at(to),
      })
      return finish(plan, drafts, 'lost')
    }
    drafts.push({ time: s.arr[i + 1]!, type: 'arrived_hub', hub: to.code, ...at(to) })
    if (outcome === 'damaged' && i + 1 === centre) {
      drafts.push({
        time: s.arr[i + 1]! + rng.float(0.2, 0.6) * HOUR_MS,
        type: 'exception',
        hub: to.code,
        reason: 'damaged',
        detail: '外包装破损，已加固处理后继续转运',
        ...at(to),
      })
    }
  }
  if (outcome === 'lost') {
    // A single-hub route: lost at the outlet itself.
    drafts.push({
      time: t0 + rng.float(24, 48) * HOUR_MS,
      type: 'exception',
      hub: dest.code,
      reason: 'lost',
      detail: '包裹遗失，已启动理赔',
      ...at(dest),
    })
    return finish(plan, drafts, 'lost')
  }

  const courier = plan.deliveryCourier
  drafts.push({ time: s.ofd, type: 'out_for_delivery', hub: dest.code, courier, ...at(dest) })
  if (outcome === 'failed_then_delivered') {
    const failedAt = s.ofd + rng.float(0.5, 2.5) * HOUR_MS
    drafts.push({
      time: failedAt,
      type: 'delivery_failed',
      hub: dest.code,
      courier,
      detail: rng.pick(FAILED_DETAILS),
      ...near(dest),
    })
    const retry = nextMorningWave(failedAt, draws.waveJitterH)
    drafts.push({ time: retry, type: 'out_for_delivery', hub: dest.code, courier, ...at(dest) })
    drafts.push({
      time: retry + draws.deliverH * HOUR_MS,
      type: 'delivered',
      hub: dest.code,
      courier,
      signer: signerFor(rng, plan.recipientName),
      ...near(dest),
    })
  } else if (outcome === 'wrong_address' || outcome === 'refused') {
    const wrong = outcome === 'wrong_address'
    const flaggedAt = s.ofd + (wrong ? rng.float(0.5, 2.5) : rng.float(0.3, 2)) * HOUR_MS
    drafts.push({
      time: flaggedAt,
      type: 'exception',
      hub: dest.code,
      reason: outcome,
      detail: wrong ? '地址错误，联系收件人未果' : '收件人拒收',
      ...near(dest),
    })
    const returnedAt = flaggedAt + (wrong ? rng.float(3, 20) : rng.float(2, 12)) * HOUR_MS
    drafts.push({ time: returnedAt, type: 'returned', hub: dest.code, detail: '已退回寄件人', ...at(dest) })
  } else {
    drafts.push({
      time: s.delivered,
      type: 'delivered',
      hub: dest.code,
      courier,
      signer: signerFor(rng, plan.recipientName),
      ...near(dest),
    })
  }
  return finish(plan, drafts, outcome)
}

/** Whole seconds, strictly increasing by at least a minute, ids by position. */
function finish(plan: ParcelPlan, drafts: Array<Omit<Step, 'id' | 'waybill'>>, outcome: Outcome): Lifecycle {
  let prev = -Infinity
  let deliveredAt: number | null = null
  const steps = drafts.map((d, seq): Step => {
    let time = Math.round(d.time / 1000) * 1000
    if (time < prev + 60_000) time = prev + 60_000
    prev = time
    if (d.type === 'delivered') deliveredAt = time
    return { id: eventId(plan.waybill, seq, d.type), waybill: plan.waybill, ...d, time }
  })
  return { outcome, steps, deliveredAt }
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000
}
