import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { startSimulator } from '../../sim/simulator.ts'
import { runAnomalySweep } from '../../server/services/hub-anomalies.ts'
import { createCalendar } from '../../server/domain/calendar.ts'

let sys: TestSystem
beforeAll(async () => { sys = await startTestSystem({ RUN_WORKERS: 'false' }) })
afterAll(async () => { await sys?.stop() })

/** Waits until the simulator has sent everything due (its event count stops growing). */
async function settle(stats: () => { events: number }, maxMs = 120_000): Promise<void> {
  const until = Date.now() + maxMs
  let last = -1
  let stableSince = Date.now()
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500))
    const n = stats().events
    if (n !== last) { last = n; stableSince = Date.now() } else if (Date.now() - stableSince > 3_000) return
  }
  throw new Error('simulator did not settle')
}

describe('simulator incidents through the real API and engine', () => {
  it('a damage spike at a transfer centre raises one exception-spike alert there and nowhere else', async () => {
    // Simulated start 6 h ago; the spike covers the last 3 hours (so the last complete hour).
    const sim = startSimulator({
      baseUrl: sys.url, token: sys.token, speed: 3600, parcelsPerSecond: 400, backlogHours: 6, warmupHours: 48, seed: 11,
      incidents: 'damage-spike:SHA-TC@+3h~3h',
    })
    try {
      await settle(() => sim.stats())
    } finally {
      await sim.stop()
    }
    expect(sim.stats().rejected).toBe(0)
    const changes = await runAnomalySweep(sys.database.pool, sys.config.sla, createCalendar(), new Date())
    const spikes = changes.filter((c) => c.rule === 'hub_exception_spike' && c.action === 'opened')
    expect(spikes.map((c) => c.subject)).toEqual(['hub:SHA-TC'])
    const again = await runAnomalySweep(sys.database.pool, sys.config.sla, createCalendar(), new Date())
    expect(again.filter((c) => c.rule === 'hub_exception_spike' && c.action === 'opened')).toEqual([])
  }, 240_000)
})
