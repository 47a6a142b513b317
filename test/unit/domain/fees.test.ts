import { describe, expect, it } from 'vitest'
import { chargeableWeightKg, computeFee, haversineKm, zoneOf } from '../../../server/domain/fees.ts'

describe('fee rule', () => {
  it('charges the volumetric weight when the parcel is light but bulky', () => {
    expect(chargeableWeightKg(1, 12_000)).toBe(2) // 12,000 cm³ / 6000 = 2 kg
  })

  it('rounds the chargeable weight up to the next half kilogram', () => {
    expect(chargeableWeightKg(1.01, 100)).toBe(1.5)
    expect(chargeableWeightKg(0.1, 100)).toBe(0.5)
    expect(chargeableWeightKg(2, 100)).toBe(2)
  })

  it('puts distances into zones', () => {
    expect(zoneOf(10)).toBe(0)
    expect(zoneOf(170)).toBe(1)
    expect(zoneOf(1100)).toBe(2)
    expect(zoneOf(2000)).toBe(3)
    expect(zoneOf(3000)).toBe(4)
  })

  it('prices a 2.5 kg standard parcel in zone 1 as first kg plus two started kilograms', () => {
    const fee = computeFee({ tier: 'standard', weightKg: 2.5, volumeCm3: 1000, distanceKm: 170 })
    expect(fee.parts).toEqual({ baseFen: 1000, weightFen: 800, tierFen: 0, insuranceFen: 0 })
    expect(fee.totalFen).toBe(1800)
  })

  it('adds 50 % for express, takes 20 % off economy, and insures 0.5 % of the declared value (min 1 yuan)', () => {
    const express = computeFee({
      tier: 'express',
      weightKg: 1,
      volumeCm3: 1000,
      distanceKm: 170,
      declaredValueFen: 100_000,
    })
    expect(express.parts).toEqual({ baseFen: 1000, weightFen: 0, tierFen: 500, insuranceFen: 500 })
    const economy = computeFee({
      tier: 'economy',
      weightKg: 1,
      volumeCm3: 1000,
      distanceKm: 170,
      declaredValueFen: 5_000,
    })
    expect(economy.parts.tierFen).toBe(-200)
    expect(economy.parts.insuranceFen).toBe(100)
    expect(economy.totalFen).toBe(1000 - 200 + 100)
  })

  it('sums its parts to the total', () => {
    for (const w of [0.3, 1, 4.7, 33]) {
      const f = computeFee({
        tier: 'express',
        weightKg: w,
        volumeCm3: 50_000,
        distanceKm: 1500,
        declaredValueFen: 12_345,
      })
      expect(f.parts.baseFen + f.parts.weightFen + f.parts.tierFen + f.parts.insuranceFen).toBe(f.totalFen)
    }
  })

  it('measures Hangzhou to Shanghai at about 165 km', () => {
    const km = haversineKm({ latitude: 30.2741, longitude: 120.1551 }, { latitude: 31.2304, longitude: 121.4737 })
    expect(km).toBeGreaterThan(155)
    expect(km).toBeLessThan(175)
  })
})
