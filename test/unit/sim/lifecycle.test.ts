import { describe, expect, it } from 'vitest'
import { DEMO_HUBS, createNetwork } from '../../../server/data/network.ts'
import {
  TIER_TRANSIT_HOURS,
  buildLifecycle,
  eventId,
  type Lifecycle,
  type Outcome,
  type ParcelPlan,
  type Tier,
} from '../../../sim/lifecycle.ts'
import { createRng, type Rng } from '../../../sim/random.ts'

const HOUR = 3_600_000
const net = createNetwork(DEMO_HUBS)
const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet')
const TIERS: Tier[] = ['express', 'standard', 'economy']
const OUTCOMES: Outcome[] = ['normal', 'late', 'failed_then_delivered', 'damaged', 'lost', 'wrong_address', 'refused']

function randomPlan(rng: Rng, over: Partial<ParcelPlan> = {}): ParcelPlan {
  const a = rng.pick(outlets)
  let b = rng.pick(outlets)
  while (b === a) b = rng.pick(outlets)
  const route = net.routeBetween(a.code, b.code).map((c) => net.hub(c)!)
  return {
    waybill: `PW${rng.digits(12)}`,
    tier: rng.pick(TIERS),
    route,
    collectedAt: Date.UTC(2025, 5, 1) + Math.round(rng.float(0, 14 * 24 * HOUR) / 1000) * 1000,
    pickupCourier: `C-${a.code}-01`,
    deliveryCourier: `C-${b.code}-02`,
    recipientName: '王芳',
    ...over,
  }
}

function many(
  n: number,
  over: (rng: Rng) => Partial<ParcelPlan> = () => ({}),
  seed = 7,
): Array<{ plan: ParcelPlan; life: Lifecycle }> {
  const rng = createRng(seed)
  return Array.from({ length: n }, () => {
    const plan = randomPlan(rng, over(rng))
    return { plan, life: buildLifecycle(plan, rng) }
  })
}

describe('buildLifecycle', () => {
  it('gives strictly increasing step times for every outcome', () => {
    for (const { life } of many(3000, (rng) => ({ outcome: rng.pick(OUTCOMES) }))) {
      for (let i = 1; i < life.steps.length; i++) expect(life.steps[i]!.time).toBeGreaterThan(life.steps[i - 1]!.time)
      for (const s of life.steps) expect(s.time % 1000).toBe(0)
    }
  })

  it('starts with the collection at the origin outlet and scans the route in order', () => {
    for (const { plan, life } of many(500, () => ({ outcome: 'normal' }))) {
      const [first] = life.steps
      expect(first).toMatchObject({
        type: 'collected',
        hub: plan.route[0]!.code,
        courier: plan.pickupCourier,
        time: plan.collectedAt,
      })
      const arrivals = life.steps.filter((s) => s.type === 'arrived_hub').map((s) => s.hub)
      const departures = life.steps.filter((s) => s.type === 'departed_hub').map((s) => s.hub)
      expect(departures).toEqual(plan.route.slice(0, -1).map((h) => h.code))
      expect(arrivals).toEqual(plan.route.slice(1).map((h) => h.code))
      expect(life.steps.slice(-2).map((s) => s.type)).toEqual(['out_for_delivery', 'delivered'])
    }
  })

  it.each(TIERS)("delivers normal %s parcels within the tier's transit range", (tier) => {
    const { min, max } = TIER_TRANSIT_HOURS[tier]
    const hours: number[] = []
    for (const { plan, life } of many(2000, () => ({ tier, outcome: 'normal' }), 11)) {
      expect(life.outcome).toBe('normal')
      const h = (life.deliveredAt! - plan.collectedAt) / HOUR
      expect(h).toBeGreaterThanOrEqual(min)
      expect(h).toBeLessThanOrEqual(max)
      hours.push(h)
    }
    hours.sort((a, b) => a - b)
    const median = hours[Math.floor(hours.length / 2)]!
    const expected = { express: [18, 40], standard: [42, 66], economy: [90, 115] }[tier]
    expect(median).toBeGreaterThan(expected[0]!)
    expect(median).toBeLessThan(expected[1]!)
  })

  it("delivers late parcels after the tier's promise", () => {
    for (const { plan, life } of many(500, () => ({ outcome: 'late' }))) {
      expect(life.deliveredAt! - plan.collectedAt).toBeGreaterThan(TIER_TRANSIT_HOURS[plan.tier].max * HOUR)
    }
  })

  it('gives every delivered step a signer and delivery steps a courier', () => {
    for (const { plan, life } of many(1000, (rng) => ({ outcome: rng.pick(OUTCOMES) }))) {
      for (const s of life.steps) {
        if (s.type === 'delivered') expect(['王芳', '本人', '前台代收', '快递柜']).toContain(s.signer)
        else expect(s.signer).toBeUndefined()
        if (s.type === 'out_for_delivery' || s.type === 'delivered' || s.type === 'delivery_failed')
          expect(s.courier).toBe(plan.deliveryCourier)
        if (s.type === 'departed_hub' || s.type === 'arrived_hub' || s.type === 'exception' || s.type === 'returned')
          expect(s.courier).toBeUndefined()
      }
    }
  })

  it('gives every exception step a reason, and only exception steps', () => {
    for (const { life } of many(1000, (rng) => ({
      outcome: rng.pick(['damaged', 'lost', 'wrong_address', 'refused'] as Outcome[]),
    }))) {
      const exceptions = life.steps.filter((s) => s.type === 'exception')
      expect(exceptions).toHaveLength(1)
      expect(exceptions[0]!.reason).toBe(life.outcome)
      for (const s of life.steps.filter((x) => x.type !== 'exception')) expect(s.reason).toBeUndefined()
    }
  })

  it('ends lost parcels at the exception, returns refused and wrong-address parcels, still delivers damaged ones', () => {
    for (const { life } of many(50, () => ({ outcome: 'lost' }))) {
      expect(life.steps.at(-1)).toMatchObject({ type: 'exception', reason: 'lost' })
      expect(life.deliveredAt).toBeNull()
    }
    for (const outcome of ['refused', 'wrong_address'] as const) {
      for (const { life } of many(50, () => ({ outcome }))) {
        expect(life.steps.slice(-3).map((s) => s.type)).toEqual(['out_for_delivery', 'exception', 'returned'])
        expect(life.deliveredAt).toBeNull()
      }
    }
    for (const { life } of many(50, () => ({ outcome: 'damaged' }))) {
      expect(life.steps.some((s) => s.reason === 'damaged')).toBe(true)
      expect(life.steps.at(-1)?.type).toBe('delivered')
    }
  })

  it('retries a failed delivery the next day and then delivers', () => {
    for (const { life } of many(100, () => ({ outcome: 'failed_then_delivered' }))) {
      const types = life.steps.slice(-4).map((s) => s.type)
      expect(types).toEqual(['out_for_delivery', 'delivery_failed', 'out_for_delivery', 'delivered'])
      const failed = life.steps.at(-3)!
      const retry = life.steps.at(-2)!
      expect(retry.time - failed.time).toBeGreaterThan(8 * HOUR)
      const localHour = new Date(retry.time + 8 * HOUR).getUTCHours()
      expect(localHour).toBeGreaterThanOrEqual(8)
      expect(localHour).toBeLessThan(9)
    }
  })

  it('produces deterministic event ids: same parcel and seed, same ids; unique within a parcel', () => {
    const plan = randomPlan(createRng(3), { outcome: 'failed_then_delivered' })
    const a = buildLifecycle(plan, createRng(99))
    const b = buildLifecycle(plan, createRng(99))
    expect(b.steps).toEqual(a.steps)
    const ids = a.steps.map((s) => s.id)
    expect(new Set(ids).size).toBe(ids.length)
    a.steps.forEach((s, i) => {
      expect(s.id).toBe(eventId(plan.waybill, i, s.type))
      expect(s.id.startsWith(plan.waybill)).toBe(true)
      expect(s.id.length).toBeLessThanOrEqual(64)
      expect(s.id).toMatch(/^[\x21-\x7e]+$/)
    })
    expect(eventId('PW123456789012', 3, 'arrived_hub')).toBe('PW123456789012-03-ARR')
  })

  it('draws outcomes so that 2–4 % are exceptions and a few percent are late', () => {
    const lives = many(10_000)
    const share = (o: Outcome[]) => lives.filter((x) => o.includes(x.life.outcome)).length / lives.length
    const exceptions = share(['failed_then_delivered', 'damaged', 'lost', 'wrong_address', 'refused'])
    expect(exceptions).toBeGreaterThan(0.02)
    expect(exceptions).toBeLessThan(0.05)
    expect(share(['late'])).toBeGreaterThan(0.015)
    expect(share(['late'])).toBeLessThan(0.05)
    expect(share(['normal'])).toBeGreaterThan(0.9)
  })
})
