import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { virtualNetwork } from '../helpers/virtual-network.ts'
import { createSimStepper } from '../../sim/stepper.ts'
import { runVirtual, type Page } from '../../bench/lib/virtual-run.ts'

/**
 * A short seeded scenario on the simulated clock, with the production alert
 * settings: a sorting centre stops for 1.5 h in the afternoon, then 2 quiet
 * hours (small: three outlets, 60 parcels an hour, 3 days of warm-up, so that
 * the minute-by-minute sweeps fit the embedded engine on a loaded machine). The whole product runs on one virtual clock (bench/lib/virtual-run.ts:
 * the simulator's scans through the server's ingest, every SLA sweep, minute
 * rule and anomaly sweep at its cadence; sweeps start 2 h earlier to settle):
 * exactly one page, for the stopped
 * centre, within 15 simulated minutes of the stop, resolved within 30 of its
 * end, and no page in the quiet part.
 */
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const OUTLETS = ['SHA-O1', 'HGH-O1', 'YIW-O1'] as const
// A Tuesday afternoon, well in the past: 2026-03-10 14:00 Shanghai.
const STOP_AT = Date.parse('2026-03-10T14:00:00+08:00')
const SIM_START = STOP_AT - 30 * MIN
const STOP_HOURS = 1.5
const QUIET_HOURS = 2

let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem({
    RUN_WORKERS: 'false',
    ALERT_PENDING_MINUTES: '10',
    PAGE_MIN_PARCELS: '20',
    SEED_NETWORK: 'false',
  })
})
afterAll(async () => {
  await sys?.stop()
})

describe('a seeded scenario on the simulated clock', () => {
  it('pages once for a hub stop and never in the quiet hours after it', { timeout: 1_500_000 }, async () => {
    const { network, system } = await virtualNetwork(sys, OUTLETS)
    const stepper = createSimStepper({
      hubs: network.hubs,
      couriers: network.couriers,
      seed: 11,
      simStart: SIM_START,
      warmupMs: 3 * DAY,
      perSimHour: 60,
      incidents: [{ kind: 'hub-stop', hub: 'SHA-TC', offsetMs: STOP_AT - SIM_START, durationMs: STOP_HOURS * HOUR }],
      runTag: 'SCN11',
    })
    const stopEnd = STOP_AT + STOP_HOURS * HOUR
    const quietFrom = stopEnd + 30 * MIN
    const run = await runVirtual({
      ...system,
      stepper,
      from: SIM_START - 3 * DAY,
      sweepFrom: SIM_START - 2 * HOUR,
      to: quietFrom + QUIET_HOURS * HOUR,
      warmupStepMs: 60 * MIN,
    })
    const line = (p: Page) => `${new Date(p.at).toISOString()} ${p.severity} ${p.rule} ${p.subject}`
    // The first sweeps open what already stands (the settle period, as in the benchmark); from then on, one page.
    const scored = run.pages.filter((p) => p.at >= SIM_START)
    expect(scored.map(line)).toEqual([expect.stringContaining('critical hub_silent hub:SHA-TC')])
    const [page] = scored
    expect(page).toMatchObject({ rule: 'hub_silent', hubCode: 'SHA-TC', severity: 'critical' })
    expect(page!.at - STOP_AT).toBeLessThanOrEqual(15 * MIN)
    expect(page!.at).toBeGreaterThan(STOP_AT)
    // it resolves by itself once the centre scans again
    const resolvedAt = run.autoResolved.get(page!.alertId)
    expect(resolvedAt).toBeDefined()
    expect(resolvedAt! - stopEnd).toBeLessThanOrEqual(30 * MIN)
    expect(run.pages.filter((p) => p.at >= quietFrom)).toEqual([])
    expect(run.sweeps).toBe((quietFrom + QUIET_HOURS * HOUR - SIM_START + 2 * HOUR) / MIN + 1)
  })
})
