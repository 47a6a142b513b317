/**
 * A restarted demo carries on its own network (issue 12, item 5): the second
 * simulator, started as `npm run demo` starts it on an existing database
 * (server/services/demo-network.ts), adds no second network of parcels already on
 * the road, and the first run's open parcels keep getting scans.
 *
 * The first run is stopped while its simulated clock is still hours behind the real
 * one, as if the demo had been down: the steps its open parcels missed meanwhile are
 * due at once after the restart, so the test sees them without waiting hours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { startSimulator } from '../../sim/simulator.ts'
import { demoStart } from '../../server/services/demo-network.ts'

let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem()
})
afterAll(async () => {
  await sys?.stop()
})

const HOUR = 3_600_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('restarting the demo simulator on an existing database', () => {
  it('resumes the open parcels of the first run instead of adding a second network', async () => {
    const db = sys.database.pool
    const first = startSimulator({
      baseUrl: sys.url,
      token: sys.token,
      speed: 3600,
      parcelsPerSecond: 30,
      backlogHours: 12,
      warmupHours: 24,
      seed: 5,
      runTag: 'RA',
    })
    // Hang guard: on an idle machine 300 events arrive within ~10 s; a loaded CI machine once took over a minute.
    const waitStart = Date.now()
    while (Date.now() - waitStart < 240_000 && first.stats().events < 300) await sleep(100)
    await first.stop()
    const diagnosis = `first run after ${Date.now() - waitStart} ms: ${JSON.stringify(first.stats())}`
    expect(first.stats().upToDate, diagnosis).toBe(false)

    const before = await db.query<{ open: number; last: Date }>(
      `SELECT (SELECT count(*)::int FROM shipments WHERE status NOT IN ('delivered', 'returned', 'exception')) AS open,
              (SELECT max(event_time) FROM scan_events) AS last`,
    )
    const { open, last } = before.rows[0]!
    expect(open, diagnosis).toBeGreaterThan(0)

    const restartedAt = Date.now()
    const plan = await demoStart(db, new Date(restartedAt))
    expect(plan.warmupHours).toBe(0)
    expect(plan.resume).toHaveLength(open)
    // The backlog is the time the demo was down, no more than the usual three hours.
    expect(plan.backlogHours).toBeGreaterThan(0)
    expect(plan.backlogHours).toBeLessThanOrEqual(3)

    const lines: string[] = []
    const logger = {
      info: (_o: unknown, m?: string) => {
        if (m) lines.push(m)
      },
      warn: () => undefined,
    }
    const second = startSimulator({
      baseUrl: sys.url,
      token: sys.token,
      speed: 3600,
      parcelsPerSecond: 30,
      seed: 6,
      runTag: 'RB',
      backlogHours: plan.backlogHours,
      warmupHours: plan.warmupHours,
      resume: plan.resume,
      logger,
    })
    try {
      const continued = async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(DISTINCT waybill)::int AS n FROM scan_events WHERE waybill LIKE 'PWRA%' AND event_time > $1`,
            [last],
          )
        ).rows[0]!.n
      for (let i = 0; i < 1200 && (await continued()) < Math.min(20, open); i++) await sleep(250)
      expect(second.stats().resumed).toBeGreaterThan(0)
      expect(second.stats().resumed).toBeLessThanOrEqual(open)
      expect(lines).toContain(`resuming ${second.stats().resumed} parcels of the existing network`)
      // The first run's parcels moved on after the restart.
      expect(await continued()).toBeGreaterThanOrEqual(Math.min(20, open))
    } finally {
      await second.stop()
    }
    // No second network: the second run's parcels are all collected within its short
    // backlog, none in a two-day warm-up before it.
    const simStart = restartedAt - plan.backlogHours * HOUR
    const early = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM shipments WHERE waybill LIKE 'PWRB%' AND collected_at < $1`,
      [new Date(simStart - 60_000)],
    )
    expect(early.rows[0]!.n).toBe(0)
    // Nothing resumed went backwards: every first-run parcel's scans stay in time order with its state.
    const rejected = second.stats().rejected
    expect(rejected).toBe(0)
  }, 600_000)
})
