import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
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

/**
 * `count` parcels collected at `hub` from 28 to 16 minutes before `end`: inside the rule's last half hour
 * both at `end` − 15 min and at `end` (its 15-minute pending period).
 */
async function collect(hub: string, end: number, count: number) {
  const times = Array.from({ length: count }, (_, i) => new Date(end - 28 * MIN + (i * 12 * MIN) / count).toISOString())
  const parcels = times.map((t) => shipment({ originHub: hub, collectedAt: t, collectedBy: `C-${hub}-01` }))
  const s = await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcels })
  expect(s.status, JSON.stringify(s.body).slice(0, 300)).toBeLessThan(300)
  const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
    body: parcels.map((p, i) => event(p.waybill, { type: 'collected', hub, time: times[i] })),
  })
  expect(r.accepted).toBe(count)
}

const openVolume = async () =>
  (
    await sys.database.pool.query<{ subject: string }>(
      `SELECT subject FROM alerts WHERE rule = 'hub_volume_high' AND state <> 'resolved' ORDER BY subject`,
    )
  ).rows.map((r) => r.subject)

describe('a network-wide collection surge and an outlet standing out of it', () => {
  it('is one network alert, plus a page of its own for the outlet at twice the network’s surge, after 15 minutes', async () => {
    const outlets = (
      await sys.database.pool.query<{ code: string }>(`SELECT code FROM hubs WHERE kind = 'outlet' ORDER BY code`)
    ).rows.map((r) => r.code)
    // 13 of the 23 demo outlets: more than half, so network-wide.
    const surging = outlets.slice(0, 13)
    const odd = surging[0]!
    for (const hub of surging) for (let d = 1; d <= 3; d++) await collect(hub, now.getTime() - d * DAY, 10)
    // The holiday: 3× the usual at every one of them; one of them collects twice as much again (6×).
    for (const hub of surging) await collect(hub, now.getTime(), hub === odd ? 60 : 30)
    // Seen 15 minutes before: pending (group_wait), nothing opens yet.
    expect(await runFastDetection(sys.database.pool, sys.config.sla, new Date(now.getTime() - 15 * MIN))).toEqual([])
    expect(await openVolume()).toEqual([])
    const changes = await runFastDetection(sys.database.pool, sys.config.sla, now)
    expect(await openVolume()).toEqual([`hub:${odd}`, 'network'])
    // One page each, not one per surging outlet.
    expect(
      changes
        .filter((c) => c.rule === 'hub_volume_high')
        .map((c) => `${c.action} ${c.subject}`)
        .sort(),
    ).toEqual([`opened hub:${odd}`, 'opened network'])
  })

  it('without a standout, the network alert alone', async () => {
    const later = now.getTime() - 10 * DAY // a day of its own, before the first test's
    const outlets = (
      await sys.database.pool.query<{ code: string }>(`SELECT code FROM hubs WHERE kind = 'outlet' ORDER BY code`)
    ).rows.map((r) => r.code)
    await sys.database.pool.query(`DELETE FROM alerts WHERE rule = 'hub_volume_high'`)
    const surging = outlets.slice(0, 13)
    for (const hub of surging) for (let d = 1; d <= 3; d++) await collect(hub, later - d * DAY, 10)
    for (const hub of surging) await collect(hub, later, 30)
    await runFastDetection(sys.database.pool, sys.config.sla, new Date(later - 15 * MIN))
    await runFastDetection(sys.database.pool, sys.config.sla, new Date(later))
    expect(await openVolume()).toEqual(['network'])
  })
})
