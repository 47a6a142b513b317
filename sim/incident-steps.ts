/**
 * What the injected incidents do to one parcel. Pure: all randomness comes from
 * the Rng passed in. Steps are walked in order with a running delay, so a step
 * held back delays every later step of the parcel by as much and the order and
 * the ≥ 1 min gaps between steps are kept. Event ids are renumbered by position
 * afterwards, as buildLifecycle numbers them.
 *
 *  - hub-stop: a step at the hub due inside the stop happens when it ends (held
 *    parcels are scanned over the first quarter of the stop's length after it,
 *    at most 2 h); a delayed out_for_delivery waits for the next delivery run;
 *  - holiday-backlog: each departure from a sorting or transfer centre during
 *    the backlog and BACKLOG_DRAIN_MS after it waits 1–6 h more;
 *  - late-courier: the courier's scans fall strictly inside 10:00–16:00
 *    Shanghai (runs out for delivery start by 15:00, else the next day at
 *    10:05–11:00; a delivery that would end after 16:00 is squeezed into the
 *    afternoon run); its collections outside those hours go to a colleague;
 *  - damage-spike: each parcel scanned at the hub during the spike (collected,
 *    arrived, departed or out for delivery) gets, with DAMAGE_SHARE probability,
 *    an `exception` `damaged` scan at the hub inside the spike, right after an
 *    arrival or collection or right before a departure or delivery run (none
 *    when there is no minute free there), then goes on as it would have;
 *  - lane-slowdown: a leg from the lane's first hub to its second that departs
 *    inside the window takes LANE_SLOWDOWN_FACTOR times as long;
 *  - hub-slowdown: a parcel arriving at the centre inside the window dwells
 *    there HUB_SLOWDOWN_FACTOR times as long before departing;
 *  - lane-loss: a parcel departing on the lane inside the window never arrives:
 *    its life ends with the departure, and a `lost` exception at the lane's far
 *    hub 24–48 h after it was due there (as a parcel lost in the normal run);
 *  - collection-surge changes no parcel's steps (the simulator adds parcels).
 *
 * Every incident that changed the parcel is reported through `effects`, for
 * the simulator's ledger of ground truth.
 */
import { eventId, type ParcelPlan, type Step } from './lifecycle.ts'
import { HUB_SLOWDOWN_FACTOR, LANE_SLOWDOWN_FACTOR, incidentsOf, type Incident } from './incidents.ts'
import type { Parcel } from './parcels.ts'
import type { Rng } from './random.ts'
import { HOUR_MS, nextWave, startOfLocalDay } from './timing.ts'

const MINUTE_MS = 60_000
const DAY_MS = 24 * HOUR_MS
const MIN_GAP_MS = MINUTE_MS
/** Centres stay congested this long after a holiday backlog's collections end. */
export const BACKLOG_DRAIN_MS = 12 * HOUR_MS
/** How much longer a departure waits during a backlog and its drain (hours, drawn uniformly). */
export const BACKLOG_WAIT_HOURS = [1, 6] as const
/** Share of the parcels scanned at a hub during a damage spike that are found damaged. */
export const DAMAGE_SHARE = 0.1
/** The late courier's working hours, Shanghai time. */
export const LATE_COURIER_HOURS = { start: 10, end: 16 } as const
const DAMAGE_DETAIL = '分拣异常，外包装破损，已加固后继续转运'

const ceilSecond = (ms: number) => Math.ceil(ms / 1000) * 1000
const floorSecond = (ms: number) => Math.floor(ms / 1000) * 1000
const active = (i: Incident, t: number) => t >= i.from && t < i.to
const isFinishing = (type: Step['type']) => type === 'delivered' || type === 'delivery_failed'

function workingHours(type: Step['type'], t: number) {
  const day = startOfLocalDay(t)
  const open = day + LATE_COURIER_HOURS.start * HOUR_MS
  const close = day + LATE_COURIER_HOURS.end * HOUR_MS
  return { day, open, limit: type === 'out_for_delivery' ? close - HOUR_MS : close - MIN_GAP_MS }
}

/** Whether the late courier can make a scan of this type at `t` (a run must start by 15:00). */
export function withinLateCourierHours(type: Step['type'], t: number): boolean {
  const { open, limit } = workingHours(type, t)
  return t > open && t < limit
}

/**
 * Where the late courier's scan due at `t` happens: at `t` if inside its hours,
 * else at the next start of work. A delivery past the end may instead be
 * squeezed between `floor` (just after the step before, same day) and the end.
 */
export function lateCourierTime(type: Step['type'], t: number, floor: number, maySqueeze: boolean, rng: Rng): number {
  if (withinLateCourierHours(type, t)) return t
  const { day, open, limit } = workingHours(type, t)
  const nextStart = (d: number) => d + LATE_COURIER_HOURS.start * HOUR_MS + rng.float(5, 60) * MINUTE_MS
  if (t <= open) return nextStart(day)
  if (isFinishing(type) && maySqueeze && floor > open && floor < limit)
    return floorSecond(floor + rng.float(0, 1) * (limit - floor))
  return nextStart(day + DAY_MS)
}

/** What an incident did to one parcel. */
export interface IncidentEffect {
  incident: Incident
  effect: 'delayed' | 'lost' | 'damaged'
}

function retime(
  plan: ParcelPlan,
  steps: readonly Step[],
  incidents: readonly Incident[],
  rng: Rng,
  effects: Set<Incident>,
  lost: Set<Incident>,
): Step[] {
  const stops = incidentsOf(incidents, 'hub-stop')
  const backlogs = incidentsOf(incidents, 'holiday-backlog')
  const late = incidentsOf(incidents, 'late-courier')
  const slowLanes = incidentsOf(incidents, 'lane-slowdown')
  const slowHubs = incidentsOf(incidents, 'hub-slowdown')
  const lossLanes = incidentsOf(incidents, 'lane-loss')
  const centres = new Set(plan.route.filter((h) => h.kind !== 'outlet').map((h) => h.code))
  const out: Step[] = []
  let shift = 0
  let prev = -Infinity
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!
    const before = steps[index - 1]
    let t = Math.max(step.time + shift, prev + MIN_GAP_MS)
    const noted = (i: Incident | undefined) => {
      if (i) effects.add(i)
      return i !== undefined
    }
    if (
      step.type === 'departed_hub' &&
      centres.has(step.hub) &&
      noted(backlogs.find((b) => t >= b.from && t < b.to + BACKLOG_DRAIN_MS))
    ) {
      t += rng.float(...BACKLOG_WAIT_HOURS) * HOUR_MS
    }
    if (before && step.type === 'arrived_hub' && before.type === 'departed_hub') {
      const leg = step.time - before.time
      const loss = lossLanes.find((l) => l.hub === before.hub && l.toHub === step.hub && active(l, prev))
      if (loss) {
        lost.add(loss)
        out.push({
          ...step,
          time: ceilSecond(prev + leg + rng.float(24, 48) * HOUR_MS),
          type: 'exception',
          reason: 'lost',
          detail: '干线车辆整车遗失，已启动理赔',
        })
        return out
      }
      if (noted(slowLanes.find((l) => l.hub === before.hub && l.toHub === step.hub && active(l, prev))))
        t = Math.max(t, prev + LANE_SLOWDOWN_FACTOR * leg)
    }
    if (before && step.type === 'departed_hub' && before.hub === step.hub && before.type === 'arrived_hub') {
      const dwell = step.time - before.time
      if (noted(slowHubs.find((h) => h.hub === step.hub && active(h, prev))))
        t = Math.max(t, prev + HUB_SLOWDOWN_FACTOR * dwell)
    }
    if (step.type === 'out_for_delivery' && t > step.time) t = nextWave(t, rng.float(0, 0.75))
    let squeezed = false
    for (let guard = 0; ; guard++) {
      if (guard > 1000) throw new Error(`incident timing of ${step.id} does not settle`)
      t = ceilSecond(t)
      const stop = stops.find((s) => s.hub === step.hub && active(s, t))
      if (noted(stop) && stop) {
        t = stop.to + rng.float(0, Math.min(2 * HOUR_MS, (stop.to - stop.from) / 4))
        if (step.type === 'out_for_delivery') t = nextWave(t, rng.float(0, 0.75))
        continue
      }
      const lateCourier =
        step.courier === undefined ? undefined : late.find((c) => c.courier === step.courier && active(c, t))
      if (lateCourier) {
        const moved = lateCourierTime(step.type, t, prev + MIN_GAP_MS, !squeezed, rng)
        if (moved !== t) {
          effects.add(lateCourier)
          if (moved < t) squeezed = true
          t = moved
          continue
        }
      }
      break
    }
    out.push(t === step.time ? step : { ...step, time: t })
    prev = t
    shift = t - step.time
  }
  return out
}

const HANDLING = new Set<Step['type']>(['collected', 'arrived_hub', 'departed_hub', 'out_for_delivery'])

function addDamage(steps: Step[], incidents: readonly Incident[], rng: Rng, effects: Set<Incident>): Step[] {
  const stops = incidentsOf(incidents, 'hub-stop')
  for (const spike of incidentsOf(incidents, 'damage-spike')) {
    const i = steps.findIndex((s) => s.hub === spike.hub && HANDLING.has(s.type) && active(spike, s.time))
    const scan = steps[i]
    if (!scan || !rng.chance(DAMAGE_SHARE)) continue
    // found on unloading (after an arrival or collection) or on loading (before a departure or a delivery run)
    const after = scan.type === 'arrived_hub' || scan.type === 'collected'
    const [lo0, hi0] = after ? [scan.time, steps[i + 1]?.time] : [steps[i - 1]?.time, scan.time]
    if (lo0 === undefined || hi0 === undefined) continue
    const lo = ceilSecond(Math.max(lo0 + MIN_GAP_MS, spike.from))
    const hi = floorSecond(Math.min(hi0 - MIN_GAP_MS, spike.to - 1))
    if (hi < lo) continue
    const time = lo + Math.floor(rng.next() * ((hi - lo) / 1000 + 1)) * 1000
    if (stops.some((s) => s.hub === spike.hub && active(s, time))) continue
    const exception: Step = {
      id: '',
      time,
      waybill: scan.waybill,
      type: 'exception',
      hub: spike.hub,
      reason: 'damaged',
      detail: DAMAGE_DETAIL,
      ...(scan.latitude !== undefined && scan.longitude !== undefined
        ? { latitude: scan.latitude, longitude: scan.longitude }
        : {}),
    }
    const at = after ? i + 1 : i
    steps = [...steps.slice(0, at), exception, ...steps.slice(at)]
    effects.add(spike)
  }
  return steps
}

/**
 * The parcel's steps with the incidents applied; the same array when none touches it.
 * Each incident that changed them is pushed to `effects` (once per parcel).
 */
export function applyIncidents(
  plan: ParcelPlan,
  steps: readonly Step[],
  incidents: readonly Incident[],
  rng: Rng,
  effects?: IncidentEffect[],
): readonly Step[] {
  if (incidents.length === 0) return steps
  const retimedBy = new Set<Incident>()
  const lostBy = new Set<Incident>()
  const damagedBy = new Set<Incident>()
  const retimed = retime(plan, steps, incidents, rng, retimedBy, lostBy)
  const result = addDamage(retimed, incidents, rng, damagedBy)
  if (result.length === steps.length && result.every((s, i) => s === steps[i])) return steps
  if (effects) {
    for (const incident of lostBy) effects.push({ incident, effect: 'lost' })
    for (const incident of damagedBy) effects.push({ incident, effect: 'damaged' })
    const moved =
      result.length === retimed.length && lostBy.size === 0 ? retimed.some((s, i) => s.time !== steps[i]?.time) : true
    if (moved)
      for (const incident of retimedBy) if (!lostBy.has(incident)) effects.push({ incident, effect: 'delayed' })
  }
  return result.map((s, seq) => {
    const id = eventId(plan.waybill, seq, s.type)
    return s.id === id ? s : { ...s, id }
  })
}

/**
 * A late courier does not collect outside its hours: such a collection goes to
 * a colleague at the same outlet (in the shipment record and the plan). The
 * same parcel when nothing changes or there is no colleague.
 */
export function reassignPickup(
  parcel: Parcel,
  incidents: readonly Incident[],
  colleagues: ReadonlyMap<string, readonly string[]>,
  rng: Rng,
): Parcel {
  const { pickupCourier, collectedAt } = parcel.plan
  const late = incidentsOf(incidents, 'late-courier').some((c) => c.courier === pickupCourier && active(c, collectedAt))
  if (!late) return parcel
  if (withinLateCourierHours('collected', collectedAt)) return parcel
  const others = colleagues.get(pickupCourier) ?? []
  if (others.length === 0) return parcel
  const other = rng.pick(others)
  return { shipment: { ...parcel.shipment, collectedBy: other }, plan: { ...parcel.plan, pickupCourier: other } }
}
