import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, shipment } from '../helpers/builders.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'

/**
 * The alert policy with the production defaults (ALERT_PENDING_MINUTES 10,
 * PAGE_MIN_PARCELS 20), sweeping on a simulated clock: a stall at one hub
 * pages exactly once, after the pending period; a handful of stalled parcels
 * elsewhere is info and never escalates; a person's resolution stays resolved
 * until the stall grows past the margin; a quiet hour pages nobody.
 */
let sys: TestSystem
let onCall: string
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false', ALERT_PENDING_MINUTES: '10', PAGE_MIN_PARCELS: '20' })
  await addUser(sys, 'duty', 'on_call')
  onCall = await login(sys, 'duty')
})
afterAll(async () => {
  await sys?.stop()
})

const MIN = 60_000
const T0 = Date.now()
const at = (minutes: number) => new Date(T0 + minutes * MIN)
const sweep = (minutes: number) => runSweep(sys.database.pool, sys.config.sla, new Map(), at(minutes))

/** Parcels collected 31 h ago (standard: not yet due), last scanned 30 h ago arriving at `hub`: stalled past 24 h. */
async function stalledAt(hub: string, count: number) {
  const list = Array.from({ length: count }, () =>
    shipment({ collectedAt: new Date(T0 - 31 * 60 * MIN).toISOString() }),
  )
  expect((await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: list })).accepted).toHaveLength(count)
  const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
    body: list.map((s) =>
      event(s.waybill, { type: 'arrived_hub', hub, time: new Date(T0 - 30 * 60 * MIN).toISOString() }),
    ),
  })
  expect(r.accepted).toBe(count)
}

/** Pages so far: openings (or rises to warning/critical) of warning or critical alerts, per hub. */
async function pages(): Promise<Array<{ hub: string; rule: string; action: string }>> {
  const r = await sys.database.pool.query<{ hub: string; rule: string; action: string }>(
    `SELECT a.hub_code AS hub, a.rule, h.action FROM alert_history h JOIN alerts a ON a.id = h.alert_id
     WHERE h.action IN ('opened', 'raised') AND coalesce(h.details->>'severity', a.severity) <> 'info' ORDER BY h.at, h.id`,
  )
  return r.rows
}
const alertsAt = async (hub: string, rule?: string) =>
  (
    await sys.database.pool.query(
      `SELECT id, rule, state, severity, item_count, escalation_level, resolved_by FROM alerts
    WHERE hub_code = $1 AND ($2::text IS NULL OR rule = $2) ORDER BY id`,
      [hub, rule ?? null],
    )
  ).rows

describe('alert policy on a simulated clock', () => {
  it('pages once for a stall, after the pending period; info never escalates; a manual resolution holds; a quiet hour pages nobody', async () => {
    await stalledAt('WUH-TC', 25)
    await stalledAt('XIY-TC', 3)
    // sweeps late under load (5 and 4 minutes apart) do not restart the pending clock; only one that does not see the stall would
    for (const m of [0, 1, 2, 7, 9]) await sweep(m)
    expect(await alertsAt('WUH-TC')).toEqual([])
    expect(await pages()).toEqual([])

    for (const m of [10, 11, 12]) await sweep(m)
    expect(await pages()).toEqual([{ hub: 'WUH-TC', rule: 'parcel_stalled', action: 'opened' }])
    const [wuhan] = await alertsAt('WUH-TC')
    expect(wuhan).toMatchObject({ rule: 'parcel_stalled', state: 'open', severity: 'warning', item_count: 25 })
    const [xian] = await alertsAt('XIY-TC')
    expect(xian).toMatchObject({ severity: 'info', item_count: 3 })

    // nobody acknowledges: the warning escalates, the info does not
    const escalated = (await sweep(40)).escalated.map((e) => e.id)
    expect(escalated).toContain(Number(wuhan.id))
    expect(escalated).not.toContain(Number(xian.id))

    // a person resolves it: the same stall does not come back, however many sweeps follow
    const resolved = await call(sys, 'POST', `/api/v1/alerts/${wuhan.id}/resolve`, {
      cookie: onCall,
      body: { comment: '武汉中心已恢复，积压件正在处理' },
    })
    expect(resolved.status).toBe(200)
    for (let m = 41; m <= 100; m += 1) await sweep(m)
    expect((await alertsAt('WUH-TC', 'parcel_stalled')).map((a) => a.state)).toEqual(['resolved'])
    expect(await pages()).toHaveLength(1)
    // the arrival estimate calls these stalled parcels overdue, so they are at risk too: a figure (info), never a page
    expect((await alertsAt('WUH-TC', 'parcel_at_risk')).map((a) => a.severity)).toEqual(['info'])

    // it worsens past the margin (25 → 45: +80 %, +20): it opens again after its pending period
    await stalledAt('WUH-TC', 20)
    for (let m = 101; m <= 125; m += 1) await sweep(m)
    expect((await alertsAt('WUH-TC', 'parcel_stalled')).map((a) => [a.state, a.item_count])).toEqual([
      ['resolved', 25],
      ['open', 45],
    ])
    expect(await pages()).toHaveLength(2)
  })
})
