import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { startSimulator } from '../../sim/simulator.ts'
import { runAnomalySweep } from '../../server/services/hub-anomalies.ts'
import { createCalendar } from '../../server/domain/calendar.ts'
import { runFastDetection } from '../../server/services/detection.ts'

const HOUR = 3_600_000

let sys: TestSystem
/** What the workers run: the SLA sweep's minute rules (hub_silent, hub_exception_spike, …) and the anomaly sweep. */
async function detect(now: Date) {
  return [
    ...(await runFastDetection(sys.database.pool, sys.config.sla, now)),
    ...(await runAnomalySweep(sys.database.pool, sys.config.sla, createCalendar(), now)),
  ]
}

/**
 * Waits until the simulator has sent everything due: its clock has caught up with the
 * real one and a tick since then flushed all that was due (`upToDate`). A pause in its
 * sending (a slow batch on a loaded machine) is not mistaken for the end of the backlog.
 */
async function settle(stats: () => { upToDate: boolean }, maxMs = 400_000): Promise<void> {
  const started = Date.now()
  while (Date.now() - started < maxMs) {
    if (stats().upToDate) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error('simulator did not catch up with the real clock')
}

/**
 * One simulated run of the last 6 hours (after 48 h of warm-up) with two incidents at two
 * sorting centres, through the real API and engine, on a database of its own (another
 * file's traffic would hide them): a damage spike at SHA-TC over the last 3 hours, and
 * WUH-TC stopping 1 minute before the last complete hour begins, so that whole hour is
 * silent and the hour before it still has nearly all its traffic. Each incident must raise
 * its own alert at its own centre and nowhere else. (Until 2026-12 each incident had a run
 * and a database of its own: 113 s of the suite under load, about 80 s of CPU.)
 */
let now: number
let first: Awaited<ReturnType<typeof detect>>
let rejected: number
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  now = Date.now()
  const simStart = now - 6 * HOUR
  const stopAt = Math.floor(now / HOUR) * HOUR - HOUR - 60_000
  const stopOffsetMin = Math.round((stopAt - simStart) / 60_000)
  const sim = startSimulator({
    // Enough parcels that every hour before the stop holds well over the hub_silent rule's 20
    // scans at the centre in the daytime (at 400/s an afternoon hour held 18 and the rule
    // rightly stayed quiet; 1,000/s timed out under the full suite on this 2-core machine).
    baseUrl: sys.url,
    token: sys.token,
    speed: 3600,
    parcelsPerSecond: 600,
    backlogHours: 6,
    // The exception baseline is the centre's last week: two days of it.
    warmupHours: 48,
    seed: 11,
    incidents: `damage-spike:SHA-TC@+3h~3h,hub-stop:WUH-TC@+${stopOffsetMin}m~4h`,
  })
  try {
    await settle(() => sim.stats())
  } finally {
    await sim.stop()
  }
  rejected = sim.stats().rejected
  first = await detect(new Date(now))
}, 480_000)
afterAll(async () => {
  await sys?.stop()
})

describe('simulator incidents through the real API and engine', () => {
  it('the simulator had nothing refused', () => {
    expect(rejected).toBe(0)
  })

  it('a damage spike at a transfer centre raises one exception-spike alert there and nowhere else', async () => {
    const spikes = first.filter((c) => c.rule === 'hub_exception_spike' && c.action === 'opened')
    expect(spikes.map((c) => c.subject)).toEqual(['hub:SHA-TC'])
    const again = await detect(new Date(now))
    expect(again.filter((c) => c.rule === 'hub_exception_spike' && c.action === 'opened')).toEqual([])
  })

  it('a hub that stops scanning raises one critical hub_silent alert at the stopped centre', () => {
    const silent = first.filter((c) => c.rule === 'hub_silent' && c.action === 'opened')
    expect(silent.map((c) => c.subject)).toEqual(['hub:WUH-TC'])
    expect(silent[0]!.severity).toBe('critical')
  })
})
