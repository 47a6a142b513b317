import { describe, expect, it } from 'vitest'
import {
  DEMO_COURIERS,
  DEMO_HUBS,
  createNetwork,
  distanceKm,
  parentCentre,
  routeBetween,
} from '../../../server/data/network.ts'

const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet')
const hubByCode = new Map(DEMO_HUBS.map((h) => [h.code, h]))

describe('demo network', () => {
  it('has at least 36 hubs: transfer centres, sorting centres and outlets', () => {
    expect(DEMO_HUBS.length).toBeGreaterThanOrEqual(36)
    expect(DEMO_HUBS.filter((h) => h.kind === 'transfer_centre').length).toBeGreaterThanOrEqual(7)
    expect(DEMO_HUBS.filter((h) => h.kind === 'sorting_centre').length).toBeGreaterThanOrEqual(9)
    expect(outlets.length).toBeGreaterThanOrEqual(17)
  })

  it('uses unique upper-case hub codes of at most 16 characters and Chinese names', () => {
    expect(new Set(DEMO_HUBS.map((h) => h.code)).size).toBe(DEMO_HUBS.length)
    for (const h of DEMO_HUBS) {
      expect(h.code).toMatch(/^[A-Z0-9-]{2,16}$/)
      expect(h.name).toMatch(/[\u4e00-\u9fff]/)
      expect(h.city).toMatch(/^[\u4e00-\u9fff]+$/)
      expect(h.province).toMatch(/^[\u4e00-\u9fff]+$/)
    }
    for (const h of DEMO_HUBS.filter((x) => x.kind === 'transfer_centre')) expect(h.name).toContain('转运中心')
    for (const h of DEMO_HUBS.filter((x) => x.kind === 'sorting_centre')) expect(h.name).toContain('分拣中心')
    for (const h of outlets) expect(h.name).toContain('网点')
  })

  it("places every hub inside China's bounding box with 4-decimal coordinates", () => {
    for (const h of DEMO_HUBS) {
      expect(h.latitude, h.code).toBeGreaterThan(18)
      expect(h.latitude, h.code).toBeLessThan(54)
      expect(h.longitude, h.code).toBeGreaterThan(73)
      expect(h.longitude, h.code).toBeLessThan(135)
      expect(Math.round(h.latitude * 1e4) / 1e4).toBe(h.latitude)
      expect(Math.round(h.longitude * 1e4) / 1e4).toBe(h.longitude)
    }
  })

  it('gives every outlet 2–4 couriers with unique codes, and couriers only to outlets', () => {
    expect(new Set(DEMO_COURIERS.map((c) => c.code)).size).toBe(DEMO_COURIERS.length)
    for (const o of outlets) {
      const mine = DEMO_COURIERS.filter((c) => c.hubCode === o.code)
      expect(mine.length, o.code).toBeGreaterThanOrEqual(2)
      expect(mine.length, o.code).toBeLessThanOrEqual(4)
    }
    for (const c of DEMO_COURIERS) {
      expect(hubByCode.get(c.hubCode)?.kind).toBe('outlet')
      expect(c.code).toMatch(new RegExp(`^C-${c.hubCode}-\\d{2}$`))
      expect(c.name).toMatch(/^[\u4e00-\u9fff]{2,4}$/)
    }
  })

  it('gives every outlet a nearby parent sorting or transfer centre, and centres themselves', () => {
    for (const o of outlets) {
      const parent = hubByCode.get(parentCentre(o.code))
      expect(parent?.kind, o.code).not.toBe('outlet')
      expect(distanceKm(o, parent!), o.code).toBeLessThan(400)
    }
    expect(parentCentre('SHA-TC')).toBe('SHA-TC')
    expect(parentCentre('HGH-O1')).toBe('HGH-SC')
  })

  it('computes haversine distances (Beijing–Shanghai ≈ 1,067 km, zero to itself)', () => {
    const beijing = { latitude: 39.9042, longitude: 116.4074 }
    const shanghai = { latitude: 31.2304, longitude: 121.4737 }
    expect(distanceKm(beijing, shanghai)).toBeGreaterThan(1055)
    expect(distanceKm(beijing, shanghai)).toBeLessThan(1080)
    expect(distanceKm(beijing, beijing)).toBe(0)
  })
})

describe('routeBetween', () => {
  it('starts and ends at the outlets, passes only centres between, with no hub twice, for every pair', () => {
    for (const a of outlets) {
      for (const b of outlets) {
        if (a === b) continue
        const route = routeBetween(a.code, b.code)
        expect(route[0]).toBe(a.code)
        expect(route[route.length - 1]).toBe(b.code)
        expect(route.length).toBeGreaterThanOrEqual(3)
        expect(new Set(route).size, route.join('→')).toBe(route.length)
        for (let i = 1; i < route.length; i++) expect(route[i]).not.toBe(route[i - 1])
        for (const code of route.slice(1, -1)) expect(hubByCode.get(code)?.kind, route.join('→')).not.toBe('outlet')
      }
    }
  })

  it('goes through both parent centres', () => {
    const route = routeBetween('HGH-O1', 'NKG-O1')
    expect(route).toEqual(['HGH-O1', 'HGH-SC', 'NKG-SC', 'NKG-O1'])
    expect(routeBetween('SHA-O1', 'SHA-O2')).toEqual(['SHA-O1', 'SHA-TC', 'SHA-O2'])
  })

  it('sends far parcels through the transfer centres of both regions', () => {
    expect(routeBetween('YIW-O1', 'BJS-O1')).toEqual(['YIW-O1', 'HGH-SC', 'SHA-TC', 'BJS-TC', 'BJS-O1'])
    const route = routeBetween('DGG-O1', 'KMG-O1')
    expect(route).toEqual(['DGG-O1', 'SZX-SC', 'CAN-TC', 'CTU-TC', 'KMG-SC', 'KMG-O1'])
  })

  it('is deterministic and works on any hub list', () => {
    const shuffled = [...DEMO_HUBS].reverse()
    const net = createNetwork(shuffled)
    for (const [a, b] of [
      ['YIW-O1', 'BJS-O1'],
      ['TAO-O1', 'CKG-O1'],
      ['JJN-O1', 'DLC-O1'],
    ] as const) {
      expect(net.routeBetween(a, b)).toEqual(routeBetween(a, b))
    }
    expect(() => net.routeBetween('NOPE', 'BJS-O1')).toThrow(/unknown hub/)
  })
})
