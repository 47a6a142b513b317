import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { virtualNetwork } from '../helpers/virtual-network.ts'
import { createSimStepper } from '../../sim/stepper.ts'
import { runVirtual } from '../../bench/lib/virtual-run.ts'
import { laneArrivedSince, lastArrivedDepartures, recentDwells } from '../../server/db/detection-repo.ts'

/**
 * The lane and dwell rules read the legs and dwells from the kept segments
 * (parcel_paths, sql/050) by one primary-key look-up per scan. This twin test holds
 * them to the same figures computed from the scans themselves (each departure's or
 * arrival's previous scan in scan_events, exceptions passed over as the segments
 * do), on two simulated days of a seeded network ingested by the server's own code.
 */
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const OUTLETS = ['SHA-O1', 'HGH-O1', 'YIW-O1'] as const
const END = Date.parse('2026-03-12T15:00:00+08:00')

let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false', SEED_NETWORK: 'false' })
})
afterAll(async () => {
  await sys?.stop()
})

/** The previous scan of each scan, exceptions passed over (a damaged parcel dwells on). */
const PREVIOUS = `CROSS JOIN LATERAL (SELECT e.hub_code, e.event_time, e.type FROM scan_events e
  WHERE e.waybill = x.waybill AND e.event_time < x.event_time AND e.type <> 'exception' ORDER BY e.event_time DESC LIMIT 1) prev`

describe('legs and dwells from the kept segments', () => {
  it('equal those found scan by scan', { timeout: 900_000 }, async () => {
    const { db, network, system } = await virtualNetwork(sys, OUTLETS)
    const stepper = createSimStepper({
      hubs: network.hubs,
      couriers: network.couriers,
      seed: 7,
      simStart: END - 2 * HOUR,
      warmupMs: 2 * DAY,
      perSimHour: 60,
      incidents: [],
      runTag: 'DIN7',
    })
    await runVirtual({
      ...system,
      stepper,
      from: END - 2 * DAY - 2 * HOUR,
      sweepFrom: END + 1,
      to: END,
      warmupStepMs: 15 * MIN,
    })
    const now = new Date(END)

    const windows = [0, 1].map((k) => [new Date(END - k * DAY - 3 * HOUR), new Date(END - k * DAY)] as const)
    const dwells = await recentDwells(db, windows)
    const scanned = []
    for (const [i, [from, to]] of windows.entries()) {
      const r = await db.query<{ hub: string; tier: string; hours: number }>(
        `SELECT x.hub_code AS hub, s.tier, extract(epoch FROM x.event_time - prev.event_time)::float8 / 3600 AS hours
         FROM scan_events x JOIN shipments s ON s.waybill = x.waybill ${PREVIOUS}
         WHERE x.type = 'departed_hub' AND x.event_time > $1 AND x.event_time <= $2 AND prev.type = 'arrived_hub' AND prev.hub_code = x.hub_code`,
        [from, to],
      )
      scanned.push(...r.rows.map((x) => ({ ...x, window: i })))
    }
    const line = (d: { hub: string; tier: string; hours: number; window: number }) =>
      `${d.window} ${d.hub} ${d.tier} ${d.hours.toFixed(6)}`
    expect(scanned.length).toBeGreaterThan(50)
    expect(dwells.map(line).sort()).toEqual(scanned.map(line).sort())

    const legs = await db.query<{ lane: string; departed: Date }>(
      `SELECT prev.hub_code || '>' || x.hub_code AS lane, max(prev.event_time) AS departed
       FROM scan_events x ${PREVIOUS}
       WHERE x.type = 'arrived_hub' AND x.event_time > $1 AND x.event_time <= $2 AND prev.type = 'departed_hub' AND prev.hub_code <> x.hub_code
       GROUP BY 1`,
      [new Date(END - DAY), now],
    )
    const expected = new Map(legs.rows.map((x) => [x.lane, x.departed.getTime()]))
    expect(expected.size).toBeGreaterThan(3)
    const lanes = [...expected.keys()].map((k) => k.split('>') as [string, string])
    expect(await lastArrivedDepartures(db, new Date(END - DAY), now, lanes)).toEqual(expected)
    // Only the lanes asked for are read.
    expect(await lastArrivedDepartures(db, new Date(END - DAY), now, lanes.slice(0, 1))).toEqual(
      new Map([[lanes[0]!.join('>'), expected.get(lanes[0]!.join('>'))]]),
    )
    expect(await lastArrivedDepartures(db, new Date(END - DAY), now, [])).toEqual(new Map())
    // A lane flows past a departure when a leg that left at or after it arrived.
    for (const [from, to] of lanes.slice(0, 4)) {
      const last = expected.get(`${from}>${to}`)!
      expect(await laneArrivedSince(db, from, to, last, new Date(END - DAY), now)).toBe(true)
      expect(await laneArrivedSince(db, from, to, last + 1, new Date(END - DAY), now)).toBe(false)
    }
  })
})
