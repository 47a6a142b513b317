import { describe, expect, it } from 'vitest'
import { DEMO_COURIERS, DEMO_HUBS, createNetwork } from '../../../server/data/network.ts'
import { createArrivals, createSimClock, diurnalFactor } from '../../../sim/clock.ts'
import { shipmentInputSchema } from '../../../sim/contract.ts'
import { MinHeap } from '../../../sim/heap.ts'
import { createParcelFactory } from '../../../sim/parcels.ts'
import { mobilePhone, personName, streetAddress } from '../../../sim/people.ts'
import { createRng, mulberry32 } from '../../../sim/random.ts'

const HOUR = 3_600_000

describe('random', () => {
  it('mulberry32 repeats its sequence for a seed and differs between seeds', () => {
    const a = mulberry32(42)
    const b = mulberry32(42)
    const c = mulberry32(43)
    const xs = Array.from({ length: 5 }, () => a())
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs)
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true)
  })
})

describe('simulation clock', () => {
  it('starts backlog behind the real clock, runs speed times faster, and never passes the real clock', () => {
    const realStart = 1_000_000_000_000
    let real = realStart
    const clock = createSimClock({ speed: 60, backlogMs: 2 * HOUR, realNow: () => real })
    expect(clock.start).toBe(realStart - 2 * HOUR)
    expect(clock.now()).toBe(realStart - 2 * HOUR)
    real += 60_000 // one real minute = one simulated hour
    expect(clock.now()).toBe(realStart - HOUR)
    expect(clock.caughtUp()).toBe(false)
    real += 10 * 60_000
    expect(clock.now()).toBe(real)
    expect(clock.caughtUp()).toBe(true)
  })

  it('draws collection times that increase, follow the seed and average the requested rate', () => {
    const start = Date.UTC(2025, 5, 1, 16) // 00:00 in Shanghai
    const a = createArrivals(createRng(5), start, 100)
    const b = createArrivals(createRng(5), start, 100)
    let prev = start
    let count = 0
    while (a.peek() < start + 7 * 24 * HOUR) {
      const t = a.take()
      expect(t).toBe(b.take())
      expect(t).toBeGreaterThan(prev)
      prev = t
      count++
    }
    expect(count / (7 * 24)).toBeGreaterThan(90)
    expect(count / (7 * 24)).toBeLessThan(110)
  })

  it('has more collections in the afternoon than at night (Shanghai time)', () => {
    expect(diurnalFactor(Date.UTC(2025, 5, 1, 8))).toBeGreaterThan(3 * diurnalFactor(Date.UTC(2025, 5, 1, 19)))
  })
})

describe('MinHeap', () => {
  it('pops in key order', () => {
    const heap = new MinHeap<number>()
    const rng = createRng(1)
    const keys = Array.from({ length: 500 }, () => rng.int(0, 1000))
    for (const k of keys) heap.push(k, k)
    const out: number[] = []
    while (heap.size > 0) out.push(heap.pop()!)
    expect(out).toEqual([...keys].sort((x, y) => x - y))
    expect(heap.pop()).toBeUndefined()
  })
})

describe('people and parcels', () => {
  it('makes 11-digit mobile numbers starting 13x–19x, Chinese names and addresses in the city', () => {
    const rng = createRng(9)
    for (let i = 0; i < 500; i++) {
      expect(mobilePhone(rng)).toMatch(/^1[3-9]\d{9}$/)
      expect(personName(rng)).toMatch(/^[\u4e00-\u9fff]{2,4}$/)
    }
    expect(streetAddress(rng, '杭州', '浙江')).toMatch(/^浙江省杭州市.+号/)
    expect(streetAddress(rng, '上海', '上海')).toMatch(/^上海市.+号/)
  })

  it('creates schema-valid collection records between two different outlets, reproducibly for a seed', () => {
    const make = () => createParcelFactory(createRng(21), createNetwork(DEMO_HUBS), DEMO_HUBS, DEMO_COURIERS, '123456')
    const f1 = make()
    const f2 = make()
    const t = Date.UTC(2025, 5, 1, 6)
    for (let i = 0; i < 300; i++) {
      const p = f1.create(t + i * 1000)
      expect(f2.create(t + i * 1000)).toEqual(p)
      expect(() => shipmentInputSchema.parse(p.shipment)).not.toThrow()
      expect(p.shipment.waybill).toBe(`PW123456${String(i + 1).padStart(8, '0')}`)
      expect(p.shipment.originHub).not.toBe(p.shipment.destinationHub)
      expect(p.plan.route[0]!.code).toBe(p.shipment.originHub)
      expect(p.plan.route.at(-1)!.code).toBe(p.shipment.destinationHub)
      expect(p.shipment.collectedBy).toMatch(new RegExp(`^C-${p.shipment.originHub}-`))
      expect(Date.parse(p.shipment.collectedAt)).toBe(p.plan.collectedAt)
    }
  })
})
