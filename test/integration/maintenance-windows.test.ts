import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { api, errorOf, fieldErrorsOf } from '../helpers/api.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'

/**
 * Recurring maintenance windows through the API (server/http/incident-routes.ts):
 * a window running now mutes the page of a matching alert (its hub and rule) and of
 * no other; bad input is a 400 naming the field; on-call staff may not set one.
 */
let sys: TestSystem
let manager: string
let onCall: string
let admin: string
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  await addUser(sys, 'boss', 'manager')
  await addUser(sys, 'duty', 'on_call')
  manager = await login(sys, 'boss')
  onCall = await login(sys, 'duty')
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await sys?.stop()
})

const MIN = 60_000
/** HH:MM in Shanghai time, `minutes` from now. */
const shanghai = (minutes: number) => new Date(Date.now() + minutes * MIN + 8 * 60 * MIN).toISOString().slice(11, 16)

async function lateParcelAt(hub: string) {
  const p = shipment({ collectedAt: '2026-11-02T10:00:00+08:00' })
  expect((await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: [p] })).accepted).toHaveLength(1)
  expect(
    (
      await api(sys, { token: sys.token }).post('/api/v1/events', {
        body: [event(p.waybill, { type: 'arrived_hub', hub, time: minutesAgo(60) })],
      })
    ).accepted,
  ).toBe(1)
}
const activeLate = async (hub: string) => {
  const list = (
    await api(sys, { cookie: manager }).get('/api/v1/alerts', { query: { rule: 'parcel_late', state: 'active' } })
  ).alerts
  const found = list.filter((a) => a.subject === `hub:${hub}`)
  expect(found, `an active parcel_late alert at ${hub}`).toHaveLength(1)
  return found[0]!
}

describe('recurring maintenance windows', () => {
  it('mute the page of a matching alert while they run, and of no other', async () => {
    const hook = await api(sys, { cookie: admin }).post('/api/v1/admin/webhooks', {
      status: 201,
      body: { name: 'pager', url: 'http://127.0.0.1:9/hook', hubCodes: ['NKG-SC', 'WUH-TC'] },
    })
    // Running now (every day, an hour either side; crossing midnight when now is near it).
    const nightly = await api(sys, { cookie: manager }).post('/api/v1/maintenance-windows', {
      status: 201,
      body: { hub: 'NKG-SC', rule: 'parcel_late', start: shanghai(-60), end: shanghai(60), comment: '分拣线检修' },
    })
    expect(nightly).toMatchObject({
      hubCode: 'NKG-SC',
      rule: 'parcel_late',
      days: [],
      start: shanghai(-60),
      end: shanghai(60),
      active: true,
    })
    // Same hub, another rule; and one that is not running now.
    const other = await call(sys, 'POST', '/api/v1/maintenance-windows', {
      cookie: manager,
      body: { hub: 'WUH-TC', rule: 'parcel_stalled', start: shanghai(-60), end: shanghai(60), comment: 'stalls only' },
    })
    const later = await api(sys, { cookie: admin }).post('/api/v1/maintenance-windows', {
      status: 201,
      body: { hub: 'WUH-TC', days: [7, 1, 1], start: shanghai(120), end: shanghai(180), comment: 'later' },
    })
    expect(other.status).toBe(201)
    expect(later).toMatchObject({ rule: null, days: [1, 7], active: false })

    await lateParcelAt('NKG-SC')
    await lateParcelAt('WUH-TC')
    await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date())
    expect((await activeLate('NKG-SC')).muted).toBe(true)
    expect((await activeLate('WUH-TC')).muted).toBe(false)
    const outbox = await sys.database.pool.query<{ hub: string; event: string }>(
      `SELECT payload->'alert'->>'hubCode' AS hub, payload->>'event' AS event FROM webhook_outbox WHERE endpoint_id = $1 ORDER BY id`,
      [hook.webhook.id],
    )
    expect(outbox.rows).toEqual([{ hub: 'WUH-TC', event: 'alert.opened' }])

    const listed = (await api(sys, { cookie: onCall }).get('/api/v1/maintenance-windows')).windows
    expect(listed.map((w) => [w.hubCode, w.rule, w.comment, w.active])).toEqual(
      expect.arrayContaining([
        ['NKG-SC', 'parcel_late', '分拣线检修', true],
        ['WUH-TC', 'parcel_stalled', 'stalls only', true],
        ['WUH-TC', null, 'later', false],
      ]),
    )

    // Removed: the alert pages again from the next change on (it is no longer muted).
    expect((await call(sys, 'DELETE', `/api/v1/maintenance-windows/${nightly.id}`, { cookie: manager })).status).toBe(
      204,
    )
    expect((await activeLate('NKG-SC')).muted).toBe(false)
    expect((await call(sys, 'DELETE', `/api/v1/maintenance-windows/${nightly.id}`, { cookie: manager })).status).toBe(
      404,
    )
    const audit = await sys.database.pool.query(
      `SELECT action FROM audit_log WHERE action LIKE 'maintenance_window.%' ORDER BY id`,
    )
    expect(audit.rows.map((r) => r.action)).toEqual([
      'maintenance_window.create',
      'maintenance_window.create',
      'maintenance_window.create',
      'maintenance_window.delete',
    ])
  })

  it('refuses bad input with a 400 naming the field, and on-call staff with a 403', async () => {
    const post = (body: unknown, cookie = manager) => call(sys, 'POST', '/api/v1/maintenance-windows', { cookie, body })
    const ok = { hub: 'SHA-TC', start: '02:00', end: '05:00', comment: '夜间检修' }
    const cases: Array<[unknown, string]> = [
      [{ ...ok, start: '24:00' }, 'start'],
      [{ ...ok, end: '5:00' }, 'end'],
      [{ ...ok, end: '02:00' }, 'end'],
      [{ ...ok, days: [0] }, 'days.0'],
      [{ ...ok, days: [1, 8] }, 'days.1'],
      [{ ...ok, comment: ' ' }, 'comment'],
      [{ start: '02:00', end: '05:00', comment: 'everything' }, 'hub'],
      [{ ...ok, rule: 'Parcel Late' }, 'rule'],
      [{ ...ok, until: '06:00' }, 'until'],
    ]
    for (const [body, field] of cases) {
      const r = await post(body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(
        fieldErrorsOf(r).map((d) => d.field),
        JSON.stringify(body),
      ).toContain(field)
      expect(errorOf(r).message).toContain(field)
    }
    expect((await post({ ...ok, hub: 'NOPE-XX' })).status).toBe(404)
    expect((await post(ok, onCall)).status).toBe(403)
    expect((await call(sys, 'DELETE', '/api/v1/maintenance-windows/1', { cookie: onCall })).status).toBe(403)
  })
})
