import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { addUser, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { api } from '../helpers/api.ts'
import type { AlertsData } from '../../contract/live.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'

let sys: TestSystem
let onCall: string
let manager: string
beforeAll(async () => {
  // No in-process workers: the test runs the sweep itself, with "now" as a parameter.
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  await addUser(sys, 'duty', 'on_call')
  await addUser(sys, 'boss', 'manager')
  onCall = await login(sys, 'duty')
  manager = await login(sys, 'boss')
})
afterAll(async () => {
  await sys?.stop()
})

const hubNames = new Map([['SHA-TC', '上海转运中心']])
const sweep = (now = new Date()) => runSweep(sys.database.pool, sys.config.sla, hubNames, now)
const hoursAgo = (h: number) => minutesAgo(h * 60)

/** Parcels collected on Monday 2 Nov 2026 (deadline long past), last scanned `scanHoursAgo` at `hub`. */
async function parcelsAt(
  hub: string,
  count: number,
  type = 'arrived_hub',
  scanHoursAgo = 1,
  extra: Record<string, unknown> = {},
) {
  const list = Array.from({ length: count }, () => shipment({ collectedAt: '2026-11-02T10:00:00+08:00' }))
  const created = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: list })
  expect(created.accepted, JSON.stringify(created)).toHaveLength(count)
  const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
    body: list.map((s) => event(s.waybill, { type, hub, time: hoursAgo(scanHoursAgo), ...extra })),
  })
  expect(r.accepted, JSON.stringify(r)).toBe(count)
  return list.map((s) => s.waybill)
}
const alertsOf = async (rule: string, state = 'all') =>
  (await api(sys, { cookie: manager }).get('/api/v1/alerts', { query: { rule, state } })).alerts
/** The one active alert of `rule` about `subject` (fails the test when there is none). */
async function activeAt(rule: string, subject: string) {
  const found = (await alertsOf(rule, 'active')).filter((a) => a.subject === subject)
  expect(found, `an active ${rule} alert about ${subject}`).toHaveLength(1)
  return found[0]!
}
const detailOf = (id: number) => api(sys, { cookie: manager }).get('/api/v1/alerts/:id', { params: { id } })

describe('SLA sweep and alert lifecycle', () => {
  it('groups the late parcels of a hub into one alert with the count and the list, however often the sweep runs', async () => {
    const waybills = await parcelsAt('SHA-TC', 3)
    await sweep()
    await sweep()
    await Promise.all([sweep(), sweep()])
    const alerts = (await alertsOf('parcel_late')).filter((a) => a.subject === 'hub:SHA-TC')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ state: 'open', itemCount: 3, hubCode: 'SHA-TC', severity: 'warning' })
    const detail = await api(sys, { cookie: onCall }).get('/api/v1/alerts/:id', { params: { id: alerts[0]!.id } })
    expect(detail.parcels.map((p) => p.waybill).sort()).toEqual([...waybills].sort())
    expect(detail.history.filter((h) => h.action === 'opened')).toHaveLength(1)
  })

  it('lets the database refuse a second unresolved alert for the same rule and subject', async () => {
    const insert = () =>
      sys.database.pool.query(
        `INSERT INTO alerts (rule, subject, severity, title, opened_at, last_seen_at) VALUES ('test_rule', 'hub:X', 'info', 't', now(), now())`,
      )
    await insert()
    await expect(insert()).rejects.toThrow(/alerts_one_unresolved/)
  })

  it('shrinks the alert as parcels are delivered and resolves it by itself when none is left', async () => {
    const waybills = await parcelsAt('CAN-TC', 2)
    await sweep()
    const alert = await activeAt('parcel_late', 'hub:CAN-TC')
    expect(alert.itemCount).toBe(2)
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: [event(waybills[0]!, { type: 'delivered', hub: 'CAN-O1', signer: '本人', time: minutesAgo(5) })],
    })
    await sweep()
    expect((await detailOf(alert.id)).alert.itemCount).toBe(1)
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: [event(waybills[1]!, { type: 'delivered', hub: 'CAN-O1', signer: '本人', time: minutesAgo(4) })],
    })
    await sweep()
    const after = await detailOf(alert.id)
    expect(after.alert.state).toBe('resolved')
    expect(after.history.map((h) => h.action)).toEqual(['opened', 'auto_resolved'])
  })

  it('does not count a parcel the consignee refused as late (excused)', async () => {
    await parcelsAt('WUH-TC', 1, 'exception', 1, { reason: 'refused' })
    await sweep()
    expect((await alertsOf('parcel_late', 'active')).filter((a) => a.subject === 'hub:WUH-TC')).toHaveLength(0)
  })

  it('finds stalled parcels by the limit of their status, and suspected losses after 72 hours', async () => {
    await parcelsAt('SZX-O1', 1, 'out_for_delivery', 10)
    await parcelsAt('CTU-TC', 1, 'arrived_hub', 80)
    await sweep()
    expect((await alertsOf('parcel_stalled', 'active')).map((a) => a.subject)).toContain('hub:SZX-O1')
    expect((await alertsOf('parcel_suspected_lost', 'active')).map((a) => a.subject)).toContain('hub:CTU-TC')
    expect((await alertsOf('parcel_stalled', 'active')).map((a) => a.subject)).not.toContain('hub:CTU-TC')
  })

  it('gives an economy parcel held at a centre 2.5 times the in-transit limit while no limit is learned', async () => {
    // No scan_gap_stats rows here (nothing a day old with a next scan): the fixed limits apply, 24 h in transit.
    const heldAt = async (hub: string, tier: string, scanHoursAgo: number) => {
      const s = shipment({ collectedAt: hoursAgo(scanHoursAgo + 2), tier })
      expect((await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: [s] })).accepted).toHaveLength(1)
      const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
        body: [event(s.waybill, { type: 'arrived_hub', hub, time: hoursAgo(scanHoursAgo) })],
      })
      expect(r.accepted).toBe(1)
    }
    await heldAt('KMG-SC', 'economy', 40) // consolidation: not stalled (limit 60 h)
    await heldAt('XMN-SC', 'standard', 40) // stalled (limit 24 h)
    await heldAt('TSN-SC', 'economy', 65) // stalled, not yet suspected lost (72 h)
    await sweep()
    const stalled = (await alertsOf('parcel_stalled', 'active')).map((a) => a.subject)
    expect(stalled).not.toContain('hub:KMG-SC')
    expect(stalled).toContain('hub:XMN-SC')
    expect(stalled).toContain('hub:TSN-SC')
  })

  it('acknowledges with a comment, refuses a second acknowledgement, escalates only what nobody acknowledged, and resolves', async () => {
    await parcelsAt('XIY-TC', 1)
    await parcelsAt('SHE-TC', 1)
    await sweep()
    const xian = await activeAt('parcel_late', 'hub:XIY-TC')
    const shenyang = await activeAt('parcel_late', 'hub:SHE-TC')

    const ws = new WebSocket(sys.url.replace('http', 'ws') + '/ws', { headers: { cookie: manager } })
    const pushes: Array<{ data: AlertsData }> = []
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      if (m.type === 'alerts') pushes.push(m)
    })
    await new Promise((r) => ws.on('open', r))

    const ack = await api(sys, { cookie: onCall }).post('/api/v1/alerts/:id/acknowledge', {
      params: { id: xian.id },
      body: { comment: '已联系西安转运中心' },
    })
    expect(ack.alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'duty' })
    await expect
      .poll(() => pushes.some((p) => p.data.changes.some((c) => c.id === xian.id && c.action === 'acknowledged')), {
        timeout: 5_000,
      })
      .toBe(true)
    ws.close()

    const again = await call(sys, 'POST', `/api/v1/alerts/${xian.id}/acknowledge`, {
      cookie: onCall,
      body: { comment: 'again' },
    })
    expect(again.status).toBe(409)
    expect(
      (await call(sys, 'POST', `/api/v1/alerts/${xian.id}/acknowledge`, { cookie: onCall, body: {} })).status,
    ).toBe(400)

    const later = new Date(Date.now() + 16 * 60_000)
    const result = await sweep(later)
    const escalatedIds = result.escalated.map((e) => e.id)
    expect(escalatedIds).toContain(shenyang.id)
    expect(escalatedIds).not.toContain(xian.id)
    const she = await detailOf(shenyang.id)
    expect(she.alert.escalationLevel).toBe(1)
    expect(she.history.map((h) => h.action)).toContain('escalated')

    const resolved = await api(sys, { cookie: manager }).post('/api/v1/alerts/:id/resolve', {
      params: { id: xian.id },
      body: { comment: 'parcel found and sent on' },
    })
    expect(resolved.alert).toMatchObject({ state: 'resolved', resolvedBy: 'boss' })
    const { history } = await detailOf(xian.id)
    expect(history.map((h) => [h.action, h.user, h.comment])).toEqual([
      ['opened', null, ''],
      ['acknowledged', 'duty', '已联系西安转运中心'],
      ['resolved', 'boss', 'parcel found and sent on'],
    ])
  })

  it('refuses a filter value outside the allow-list instead of passing it to SQL', async () => {
    const r = await call(sys, 'GET', `/api/v1/alerts?severity=${encodeURIComponent("critical' OR '1'='1")}`, {
      cookie: manager,
    })
    expect(r.status).toBe(400)
  })
})

describe('silences and incidents', () => {
  const get = async (id: number) =>
    (await api(sys, { cookie: manager }).get('/api/v1/alerts/:id', { params: { id } })).alert

  it('mutes the alerts of a silenced hub, holds their escalation, and unmutes them when the silence ends', async () => {
    await parcelsAt('BJS-TC', 2)
    await sweep()
    const alert = await activeAt('parcel_late', 'hub:BJS-TC')
    expect(alert.muted).toBe(false)
    const s = await api(sys, { cookie: onCall }).post('/api/v1/silences', {
      status: 201,
      body: {
        hub: 'BJS-TC',
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        kind: 'maintenance',
        comment: '分拣线检修',
      },
    })
    expect((await get(alert.id)).muted).toBe(true)
    const result = await sweep(new Date(Date.now() + 20 * 60_000))
    expect(result.escalated.map((e) => e.id)).not.toContain(alert.id)
    expect((await api(sys, { cookie: manager }).get('/api/v1/silences')).silences.map((x) => x.comment)).toContain(
      '分拣线检修',
    )
    expect((await call(sys, 'DELETE', `/api/v1/silences/${s.id}`, { cookie: onCall })).status).toBe(204)
    expect((await get(alert.id)).muted).toBe(false)
  })

  it('refuses a silence without a rule or a hub, or without a reason', async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString()
    expect(
      (await call(sys, 'POST', '/api/v1/silences', { cookie: onCall, body: { endsAt, comment: 'x' } })).status,
    ).toBe(400)
    expect(
      (await call(sys, 'POST', '/api/v1/silences', { cookie: onCall, body: { hub: 'BJS-TC', endsAt } })).status,
    ).toBe(400)
  })

  it('opens a manual incident that goes through the alert lifecycle and mutes the parcel alerts of its hub while open', async () => {
    await parcelsAt('CGO-TC', 1)
    await sweep()
    const late = await activeAt('parcel_late', 'hub:CGO-TC')
    const inc = await api(sys, { cookie: onCall }).post('/api/v1/incidents', {
      status: 201,
      body: { hub: 'CGO-TC', kind: 'weather', title: '暴雨导致郑州转运中心停运', comment: '预计 6 小时' },
    })
    const incident = await get(inc.alert.id)
    expect(incident).toMatchObject({ rule: 'incident', state: 'open', severity: 'critical', hubCode: 'CGO-TC' })
    expect((await get(late.id)).muted).toBe(true)
    const history = (await api(sys, { cookie: manager }).get('/api/v1/alerts/:id', { params: { id: incident.id } }))
      .history
    expect(history[0]).toMatchObject({ action: 'opened', user: 'duty', comment: '预计 6 小时' })
    await call(sys, 'POST', `/api/v1/alerts/${incident.id}/resolve`, { cookie: manager, body: { comment: '恢复运行' } })
    expect((await get(late.id)).muted).toBe(false)
  })
})

describe('parcels at risk', () => {
  it('flags a parcel whose arrival estimate (segment model) misses its deadline, the same one the look-up calls at risk', async () => {
    const { routeBetween } = await import('../../server/data/network.ts')
    const { forgetTransitModel } = await import('../../server/services/transit-model.ts')
    const lane = { originHub: 'HGH-O2', destinationHub: 'KMG-O1', tier: 'express' }
    const route = routeBetween('HGH-O2', 'KMG-O1')
    // 22 parcels of the lane that each sat 150 h at Kunming's centre (the other lane does not pass it): the model learns that dwell.
    const done = Array.from({ length: 22 }, () => shipment({ ...lane, collectedAt: hoursAgo(240) }))
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: done })
    const life = (waybill: string) => {
      let t = Date.now() - 239 * 3_600_000
      const at = (h: number) => new Date((t += h * 3_600_000)).toISOString()
      const steps = []
      for (let i = 0; i + 1 < route.length; i++) {
        steps.push(event(waybill, { type: 'departed_hub', hub: route[i], time: at(i === route.length - 2 ? 150 : 1) }))
        steps.push(event(waybill, { type: 'arrived_hub', hub: route[i + 1], time: at(2) }))
      }
      steps.push(event(waybill, { type: 'out_for_delivery', hub: 'KMG-O1', courier: 'C-KMG-O1-01', time: at(1) }))
      steps.push(
        event(waybill, { type: 'delivered', hub: 'KMG-O1', courier: 'C-KMG-O1-01', signer: '本人', time: at(1) }),
      )
      return steps
    }
    await call(sys, 'POST', '/api/v1/events', { token: sys.token, body: done.flatMap((s) => life(s.waybill)) })
    const open = shipment({ ...lane, collectedAt: hoursAgo(1) })
    const other = shipment({ originHub: 'HGH-O2', destinationHub: 'SHA-O1', tier: 'express', collectedAt: hoursAgo(1) })
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: [open, other] })
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: [open, other].map((s) =>
        event(s.waybill, { type: 'collected', hub: 'HGH-O2', courier: 'C-HGH-O2-01', time: minutesAgo(50) }),
      ),
    })

    forgetTransitModel(sys.database.pool)
    await sweep()
    const risk = await activeAt('parcel_at_risk', 'hub:HGH-O2')
    const parcels = (await detailOf(risk.id)).parcels.map((p) => p.waybill)
    expect(parcels).toEqual([open.waybill])

    const look = await api(sys, { cookie: manager }).get('/api/v1/shipments/:waybill', {
      params: { waybill: open.waybill },
    })
    expect(look.promise.verdict).toBe('at_risk')
    expect(new Date(look.promise.arrival!.p50).getTime()).toBeGreaterThan(new Date(look.promise.deadline!).getTime())
    expect(new Date(look.promise.predictedArrival!).getTime()).toBe(new Date(look.promise.arrival!.p50).getTime())
    expect(
      (await api(sys, { cookie: manager }).get('/api/v1/shipments/:waybill', { params: { waybill: other.waybill } }))
        .promise.verdict,
    ).toBe('on_track')
  })
})

describe('notifications from the lifecycle', () => {
  it('writes a webhook notification with every alert change worth paging, and none for a muted hub', async () => {
    const { ADMIN_PASSWORD } = await import('../helpers/system.ts')
    const admin = await login(sys, 'admin', ADMIN_PASSWORD)
    const hook = await api(sys, { cookie: admin }).post('/api/v1/admin/webhooks', {
      status: 201,
      body: { name: 'duty phone gateway', url: 'http://127.0.0.1:9/hook', hubCodes: ['TNA-SC', 'HFE-SC'] },
    })
    await call(sys, 'POST', '/api/v1/silences', {
      cookie: onCall,
      body: { hub: 'HFE-SC', endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'planned' },
    })
    await parcelsAt('TNA-SC', 1)
    await parcelsAt('HFE-SC', 1)
    await sweep()
    const alert = await activeAt('parcel_late', 'hub:TNA-SC')
    await call(sys, 'POST', `/api/v1/alerts/${alert.id}/acknowledge`, { cookie: onCall, body: { comment: 'on it' } })
    const outbox = await sys.database.pool.query<{ hub: string; event: string }>(
      `SELECT payload->'alert'->>'hubCode' AS hub, payload->>'event' AS event FROM webhook_outbox WHERE endpoint_id = $1 ORDER BY id`,
      [hook.webhook.id],
    )
    expect(outbox.rows).toEqual([
      { hub: 'TNA-SC', event: 'alert.opened' },
      { hub: 'TNA-SC', event: 'alert.acknowledged' },
    ])
  })
})

describe('thresholds for admins', () => {
  it('lets an admin change a stall limit that the next sweep applies, within sane ranges', async () => {
    const { ADMIN_PASSWORD } = await import('../helpers/system.ts')
    const { SlaSettings } = await import('../../server/services/sla-settings.ts')
    const admin = await login(sys, 'admin', ADMIN_PASSWORD)
    await parcelsAt('SZX-SC', 1, 'out_for_delivery', 5)
    await sweep()
    expect((await alertsOf('parcel_stalled', 'active')).map((a) => a.subject)).not.toContain('hub:SZX-SC')

    expect(
      (await call(sys, 'PUT', '/api/v1/admin/sla-settings', { cookie: admin, body: { stallOutForDeliveryHours: 0 } }))
        .status,
    ).toBe(400)
    const put = await api(sys, { cookie: admin }).put('/api/v1/admin/sla-settings', {
      body: { stallOutForDeliveryHours: 4, escalateAfterMinutes: 10 },
    })
    expect(put.settings).toMatchObject({
      stallOutForDeliveryHours: 4,
      escalateAfterMinutes: 10,
      stallInTransitHours: 24,
    })
    expect(
      (await api(sys, { cookie: manager }).get('/api/v1/admin/sla-settings')).settings.stallOutForDeliveryHours,
    ).toBe(4)

    const effective = await new SlaSettings(sys.database.pool, sys.config.sla).current()
    await runSweep(sys.database.pool, effective, hubNames, new Date())
    expect((await alertsOf('parcel_stalled', 'active')).map((a) => a.subject)).toContain('hub:SZX-SC')
  })
})
