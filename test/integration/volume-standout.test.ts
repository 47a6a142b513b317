import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { event, shipment } from '../helpers/builders.ts'
import { runFastDetection } from '../../server/services/detection.ts'

// hub_volume_high (server/services/detection.ts): collections at more than half of the outlets
// surging at once are one network-wide alert; an outlet far above that surge is its own incident.
let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  await sys.database.pool.query(`UPDATE hubs SET created_at = now() - interval '90 days'`)
})
afterAll(async () => {
  await sys?.stop()
})

const MIN = 60_000
const DAY = 24 * 60 * MIN
const now = new Date()

/** `count` parcels collected at `hub` over the 20 minutes that end 5 minutes before `end`. */
async function collect(hub: string, end: number, count: number) {
  const times = Array.from({ length: count }, (_, i) => new Date(end - 25 * MIN + (i * 20 * MIN) / count).toISOString())
  const parcels = times.map((t) => shipment({ originHub: hub, collectedAt: t, collectedBy: `C-${hub}-01` }))
  const s = await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcels })
  expect(s.status, JSON.stringify(s.body).slice(0, 300)).toBeLessThan(300)
  const r = await call(sys, 'POST', '/api/v1/events', {
    token: sys.token,
    body: parcels.map((p, i) => event(p.waybill, { type: 'collected', hub, time: times[i] })),
  })
  expect(r.body.accepted).toBe(count)
}

const openVolume = async () =>
  (
    await sys.database.pool.query<{ subject: string }>(
      `SELECT subject FROM alerts WHERE rule = 'hub_volume_high' AND state <> 'resolved' ORDER BY subject`,
    )
  ).rows.map((r) => r.subject)

describe('a network-wide collection surge and an outlet standing out of it', () => {
  it('is one network alert, plus a page of its own for the outlet at twice the network’s surge', async () => {
    const outlets = (
      await sys.database.pool.query<{ code: string }>(`SELECT code FROM hubs WHERE kind = 'outlet' ORDER BY code`)
    ).rows.map((r) => r.code)
    // 13 of the 23 demo outlets: more than half, so network-wide.
    const surging = outlets.slice(0, 13)
    const odd = surging[0]!
    for (const hub of surging) for (let d = 1; d <= 3; d++) await collect(hub, now.getTime() - d * DAY, 10)
    // The holiday: 3× the usual at every one of them.
    for (const hub of surging) await collect(hub, now.getTime(), 30)
    await runFastDetection(sys.database.pool, sys.config.sla, now)
    expect(await openVolume()).toEqual(['network'])

    // One of them collects twice as much again: 6× its usual while the others are at 3×.
    await collect(odd, now.getTime(), 30)
    const changes = await runFastDetection(sys.database.pool, sys.config.sla, new Date(now.getTime() + MIN))
    expect(await openVolume()).toEqual([`hub:${odd}`, 'network'])
    // One page for it: opened once, the network alert only updated.
    expect(changes.filter((c) => c.rule === 'hub_volume_high').map((c) => `${c.action} ${c.subject}`)).toEqual([
      `opened hub:${odd}`,
      'updated network',
    ])
  })
})
