import { describe, expect, it } from 'vitest'
import { DEMO_COURIERS, DEMO_HUBS, createNetwork } from '../../../server/data/network.ts'
import { createArrivals } from '../../../sim/clock.ts'
import { DAMAGE_SHARE, applyIncidents, reassignPickup } from '../../../sim/incident-steps.ts'
import {
  IncidentSpecError,
  IncidentTargetError,
  arrivalRate,
  checkTargets,
  describeIncident,
  parseIncidents,
  scheduleIncidents,
  type Incident,
  type IncidentSpec,
} from '../../../sim/incidents.ts'
import { TIER_TRANSIT_HOURS, buildLifecycle, eventId, type Outcome, type Step } from '../../../sim/lifecycle.ts'
import { createParcelFactory, type Parcel } from '../../../sim/parcels.ts'
import { createRng } from '../../../sim/random.ts'

const MIN = 60_000
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Tuesday 2025-06-03 00:00 in Shanghai. */
const T0 = Date.UTC(2025, 5, 2, 16)
const net = createNetwork(DEMO_HUBS)
const OUTCOMES: Outcome[] = ['normal', 'late', 'failed_then_delivered', 'damaged', 'lost', 'wrong_address', 'refused']

interface Case {
  parcel: Parcel
  steps: readonly Step[]
  seq: number
}

/** `n` parcels collected over `days` from T0, with their lives without incidents. */
function parcels(n: number, days: number, seed = 3): Case[] {
  const factory = createParcelFactory(createRng(seed), net, DEMO_HUBS, DEMO_COURIERS, '777777')
  const life = createRng(seed + 1)
  return Array.from({ length: n }, (_, seq) => {
    const parcel = factory.create(T0 + (seq / n) * days * DAY)
    return { parcel, steps: buildLifecycle(parcel.plan, life).steps, seq }
  })
}

const at = (specs: IncidentSpec[]): Incident[] => scheduleIncidents(specs, T0)
const apply = (c: Case, incidents: Incident[]) =>
  applyIncidents(c.parcel.plan, c.steps, incidents, createRng(1000 + c.seq))
const localMinutes = (t: number) => ((((t + 8 * HOUR) % DAY) + DAY) % DAY) / MIN

function expectWellFormed(c: Case, out: readonly Step[]): void {
  out.forEach((s, i) => {
    expect(s.id).toBe(eventId(c.parcel.plan.waybill, i, s.type))
    expect(s.time % 1000).toBe(0)
    if (i > 0) expect(s.time - out[i - 1]!.time).toBeGreaterThanOrEqual(MIN)
  })
}

describe('parseIncidents', () => {
  it('parses the documented example with the default durations', () => {
    expect(
      parseIncidents('hub-stop:NKG-SC@+10m,damage-spike:DLC-O1@+5m,late-courier:C-HGH-O1-01,holiday-backlog'),
    ).toEqual([
      { kind: 'hub-stop', hub: 'NKG-SC', offsetMs: 10 * MIN, durationMs: 6 * HOUR },
      { kind: 'damage-spike', hub: 'DLC-O1', offsetMs: 5 * MIN, durationMs: HOUR },
      { kind: 'late-courier', courier: 'C-HGH-O1-01', offsetMs: 0, durationMs: Infinity },
      { kind: 'holiday-backlog', offsetMs: 0, durationMs: DAY },
    ])
  })

  it('takes durations, negative offsets, either modifier order, lower-case codes, spaces and empty entries', () => {
    expect(parseIncidents(' hub-stop:nkg-sc@-2h~1h30m , holiday-backlog~2d@1.5h,, damage-spike:SHA-TC@0~45m ')).toEqual(
      [
        { kind: 'hub-stop', hub: 'NKG-SC', offsetMs: -2 * HOUR, durationMs: 90 * MIN },
        { kind: 'holiday-backlog', offsetMs: 1.5 * HOUR, durationMs: 2 * DAY },
        { kind: 'damage-spike', hub: 'SHA-TC', offsetMs: 0, durationMs: 45 * MIN },
      ],
    )
    expect(parseIncidents('')).toEqual([])
    for (const spec of [
      'hub-stop:NKG-SC@+10m~30h',
      'damage-spike:DLC-O1@-90m~1h',
      'late-courier:C-HGH-O1-01@+2d',
      'holiday-backlog@+0~36h',
    ]) {
      const [parsed] = parseIncidents(spec)
      expect(parseIncidents(describeIncident(parsed!))).toEqual([parsed])
    }
  })

  it.each([
    ['hub-stopp:NKG-SC', /unknown kind "hub-stopp"; known: hub-stop, damage-spike, late-courier, holiday-backlog/],
    ['hub-stop', /hub-stop needs a hub code, e\.g\. hub-stop:NKG-SC/],
    ['late-courier:', /late-courier needs a courier code/],
    ['holiday-backlog:SHA-TC', /holiday-backlog takes no target/],
    ['hub-stop:NKG_SC', /"NKG_SC" is not a hub code/],
    ['hub-stop:NKG-SC@+10x', /bad offset "@\+10x"/],
    ['hub-stop:NKG-SC@', /bad offset/],
    ['hub-stop:NKG-SC~0h', /bad duration "~0h": use a positive duration/],
    ['hub-stop:NKG-SC~soon', /bad duration "~soon"/],
    ['hub-stop:NKG-SC@1h@2h', /more than one @offset/],
    ['damage-spike:DLC-O1~1h~2h', /more than one ~duration/],
    ['hub-stop NKG-SC', /expected kind\[:target\]\[@offset\]\[~duration\]/],
  ])('rejects %s with a clear error', (spec, message) => {
    expect(() => parseIncidents(`holiday-backlog,${spec}`)).toThrow(IncidentSpecError)
    expect(() => parseIncidents(spec)).toThrow(message)
    expect(() => parseIncidents(spec)).toThrow(`bad incident "${spec}"`)
  })

  it("checks targets against the network and finds the late courier's colleagues", () => {
    expect(checkTargets(parseIncidents('late-courier:C-HGH-O1-01,hub-stop:NKG-SC'), DEMO_HUBS, DEMO_COURIERS)).toEqual(
      new Map([['C-HGH-O1-01', ['C-HGH-O1-02', 'C-HGH-O1-03']]]),
    )
    expect(() => checkTargets(parseIncidents('hub-stop:NKG-XX'), DEMO_HUBS, DEMO_COURIERS)).toThrow(IncidentTargetError)
    expect(() => checkTargets(parseIncidents('damage-spike:NKG-XX@+5m'), DEMO_HUBS, DEMO_COURIERS)).toThrow(
      /damage-spike:NKG-XX@\+5m~1h: the server lists no hub NKG-XX/,
    )
    expect(() => checkTargets(parseIncidents('late-courier:C-NOPE-01'), DEMO_HUBS, DEMO_COURIERS)).toThrow(
      /no active courier C-NOPE-01/,
    )
  })

  it('places incidents in simulated time from the simulated start', () => {
    const [stop, courier] = at(parseIncidents('hub-stop:NKG-SC@-2h~3h,late-courier:C-HGH-O1-01@+1d'))
    expect(stop).toMatchObject({ from: T0 - 2 * HOUR, to: T0 + HOUR })
    expect(courier).toMatchObject({ from: T0 + DAY, to: Infinity })
    expect(() => at([{ kind: 'hub-stop', hub: 'NKG-SC', offsetMs: 0, durationMs: 0 }])).toThrow(/duration positive/)
  })
})

describe('hub-stop', () => {
  const stop = at([{ kind: 'hub-stop', hub: 'SHA-TC', offsetMs: DAY, durationMs: 8 * HOUR }])[0]!

  it('holds every scan at the hub until the stop ends, delays the later steps as much, and leaves other parcels alone', () => {
    let held = 0
    for (const c of parcels(6000, 3)) {
      const out = apply(c, [stop])
      const hit = c.steps.findIndex((s) => s.hub === 'SHA-TC' && s.time >= stop.from && s.time < stop.to)
      if (hit < 0) {
        expect(out).toBe(c.steps)
        continue
      }
      held++
      expectWellFormed(c, out)
      expect(out.map((s) => `${s.type}@${s.hub}`)).toEqual(c.steps.map((s) => `${s.type}@${s.hub}`))
      expect(out.slice(0, hit)).toEqual(c.steps.slice(0, hit))
      expect(out[hit]!.time).toBeGreaterThanOrEqual(stop.to)
      expect(out[hit]!.time).toBeLessThanOrEqual(stop.to + 2 * HOUR)
      const delay = stop.to - c.steps[hit]!.time
      for (let j = hit; j < out.length; j++) expect(out[j]!.time - c.steps[j]!.time).toBeGreaterThanOrEqual(delay)
      for (const s of out) if (s.hub === 'SHA-TC') expect(s.time < stop.from || s.time >= stop.to).toBe(true)
    }
    expect(held).toBeGreaterThan(200)
  })

  it('makes some parcels miss their promise', () => {
    const late = parcels(6000, 3).filter((c) => {
      const out = apply(c, [stop])
      const end = out.at(-1)!
      return (
        end.type === 'delivered' &&
        end.time - c.parcel.plan.collectedAt > TIER_TRANSIT_HOURS[c.parcel.plan.tier].max * HOUR &&
        c.steps.at(-1)!.time - c.parcel.plan.collectedAt <= TIER_TRANSIT_HOURS[c.parcel.plan.tier].max * HOUR
      )
    })
    expect(late.length).toBeGreaterThan(10)
  })
})

describe('damage-spike', () => {
  const spike = at([{ kind: 'damage-spike', hub: 'HGH-SC', offsetMs: 30 * HOUR, durationMs: 4 * HOUR }])[0]!

  it('adds a damaged exception to about 10 % of the parcels scanned at the hub, only there and inside the spike, and they go on', () => {
    let present = 0
    let damaged = 0
    for (const c of parcels(12_000, 3)) {
      const out = apply(c, [spike])
      const isPresent = c.steps.some(
        (s) =>
          s.hub === 'HGH-SC' &&
          ['collected', 'arrived_hub', 'departed_hub', 'out_for_delivery'].includes(s.type) &&
          s.time >= spike.from &&
          s.time < spike.to,
      )
      if (isPresent) present++
      if (out === c.steps) continue
      expect(isPresent).toBe(true)
      damaged++
      expectWellFormed(c, out)
      const added = out.filter((s) => !c.steps.some((o) => o.time === s.time && o.type === s.type))
      expect(added).toHaveLength(1)
      expect(added[0]).toMatchObject({ type: 'exception', reason: 'damaged', hub: 'HGH-SC' })
      expect(added[0]!.time).toBeGreaterThanOrEqual(spike.from)
      expect(added[0]!.time).toBeLessThan(spike.to)
      expect(out.filter((s) => s !== added[0]).map(({ id: _, ...s }) => s)).toEqual(c.steps.map(({ id: _, ...s }) => s))
    }
    expect(present).toBeGreaterThan(300)
    expect(damaged / present).toBeGreaterThan(DAMAGE_SHARE * 0.6)
    expect(damaged / present).toBeLessThan(DAMAGE_SHARE * 1.4)
  })
})

describe('late-courier', () => {
  const C = 'C-HGH-O1-01'
  const late = at([{ kind: 'late-courier', courier: C, offsetMs: 0, durationMs: Infinity }])

  it('puts every scan of the courier strictly inside 10:00–16:00 Shanghai and runs out by 15:00', () => {
    const rng = createRng(12)
    const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet' && h.code !== 'HGH-O1')
    let scans = 0
    for (let seq = 0; seq < 2000; seq++) {
      const from = rng.pick(outlets)
      const plan = {
        waybill: `PW9${String(seq).padStart(11, '0')}`,
        tier: rng.pick(['express', 'standard', 'economy'] as const),
        route: net.routeBetween(from.code, 'HGH-O1').map((code) => net.hub(code)!),
        collectedAt: T0 + Math.round(rng.float(0, 14 * DAY) / 1000) * 1000,
        pickupCourier: `C-${from.code}-01`,
        deliveryCourier: rng.chance(0.8) ? C : 'C-HGH-O1-02',
        recipientName: '王芳',
        outcome: rng.pick(OUTCOMES),
      }
      const c: Case = { parcel: { plan, shipment: undefined as never }, steps: buildLifecycle(plan, rng).steps, seq }
      const out = apply(c, late)
      if (plan.deliveryCourier !== C) {
        expect(out).toBe(c.steps)
        continue
      }
      expectWellFormed(c, out)
      expect(out.map((s) => s.type)).toEqual(c.steps.map((s) => s.type))
      for (const s of out.filter((x) => x.courier === C)) {
        scans++
        expect(localMinutes(s.time)).toBeGreaterThan(10 * 60)
        expect(localMinutes(s.time)).toBeLessThan(16 * 60)
        if (s.type === 'out_for_delivery') expect(localMinutes(s.time)).toBeLessThan(15 * 60)
      }
    }
    expect(scans).toBeGreaterThan(2000)
  })

  it("hands the courier's collections outside those hours to a colleague", () => {
    const [c] = parcels(1, 1)
    const colleagues = new Map([[C, ['C-HGH-O1-02', 'C-HGH-O1-03']]])
    const by = (localHour: number): Parcel => {
      const collectedAt = T0 + DAY + localHour * HOUR
      return {
        shipment: { ...c!.parcel.shipment, collectedBy: C, collectedAt: new Date(collectedAt).toISOString() },
        plan: { ...c!.parcel.plan, pickupCourier: C, collectedAt },
      }
    }
    for (const hour of [8, 9.5, 15.99, 19]) {
      const p = reassignPickup(by(hour), late, colleagues, createRng(1))
      expect(['C-HGH-O1-02', 'C-HGH-O1-03']).toContain(p.plan.pickupCourier)
      expect(p.shipment.collectedBy).toBe(p.plan.pickupCourier)
    }
    for (const hour of [10.5, 13, 15.5])
      expect(reassignPickup(by(hour), late, colleagues, createRng(1))).toEqual(by(hour))
    expect(reassignPickup(by(8), late, new Map(), createRng(1)).plan.pickupCourier).toBe(C)
  })
})

describe('holiday-backlog', () => {
  const backlog = at([{ kind: 'holiday-backlog', offsetMs: 2 * DAY, durationMs: DAY }])

  it('triples collections for that day and leaves the others as they were', () => {
    const perDay = (rate?: ReturnType<typeof arrivalRate>) => {
      const arrivals = createArrivals(createRng(5), T0, 100, rate)
      const counts = [0, 0, 0, 0, 0]
      while (arrivals.peek() < T0 + 5 * DAY) counts[Math.floor((arrivals.take() - T0) / DAY)]!++
      return counts
    }
    const counts = perDay(arrivalRate(backlog))
    const others = (counts[0]! + counts[1]! + counts[3]! + counts[4]!) / 4
    expect(counts[2]! / others).toBeGreaterThan(2.7)
    expect(counts[2]! / others).toBeLessThan(3.3)
    expect(others / 2400).toBeGreaterThan(0.93)
    expect(others / 2400).toBeLessThan(1.07)
    expect(arrivalRate([])).toBeUndefined()
  })

  it('slows departures from the centres, so some parcels miss their promise', () => {
    let slower = 0
    let missed = 0
    for (const c of parcels(3000, 4)) {
      const out = apply(c, backlog)
      const { collectedAt, tier } = c.parcel.plan
      if (out === c.steps) continue
      expectWellFormed(c, out)
      slower++
      out.forEach((s, i) => expect(s.time).toBeGreaterThanOrEqual(c.steps[i]!.time))
      const max = TIER_TRANSIT_HOURS[tier].max * HOUR
      if (out.at(-1)!.time - collectedAt > max && c.steps.at(-1)!.time - collectedAt <= max) missed++
    }
    expect(slower).toBeGreaterThan(800)
    expect(missed).toBeGreaterThan(30)
  })
})
