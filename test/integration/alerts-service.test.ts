import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, call, login, type TestSystem } from '../helpers/system.ts'
import { sharedTestSystem } from '../helpers/shared-system.ts'
import { api, errorOf } from '../helpers/api.ts'
import { compareByImpact, type Severity } from '../../server/domain/alert-policy.ts'
import { alertTitles } from '../../server/domain/alert-titles.ts'
import { alertTransaction } from '../../server/services/alerts.ts'
import { upsertAlerts } from '../../server/db/alerts-repo.ts'

/**
 * The alert service (server/services/alerts.ts) against the lifecycle
 * (server/domain/alert-lifecycle.ts): the moves it refuses, two people acting at
 * once, the order of the list, and titles stored as message keys.
 */
let sys: TestSystem
let onCall: string
let onCall2: string
beforeAll(async () => {
  sys = await sharedTestSystem({ RUN_WORKERS: 'false' })
  await addUser(sys, 'svc-duty', 'on_call')
  await addUser(sys, 'svc-duty2', 'on_call')
  onCall = await login(sys, 'svc-duty')
  onCall2 = await login(sys, 'svc-duty2')
})
afterAll(async () => {
  await sys?.stop()
})

/** Opens one alert of `rule` through the service, as a sweep would. */
async function open(rule: string, hub: string, severity: Severity, count: number, at: Date): Promise<number> {
  const [change] = await alertTransaction(sys.database.pool, 'test open', (client) =>
    upsertAlerts(
      client,
      rule,
      [{ subject: `hub:${hub}`, hubCode: hub, severity, title: alertTitles.parcelLate(hub, count), itemCount: count }],
      at,
      15 * 60_000,
    ),
  )
  return change!.id
}

const move = (id: number, action: 'acknowledge' | 'resolve', cookie = onCall, comment = 'checked') =>
  call(sys, 'POST', `/api/v1/alerts/${id}/${action}`, { cookie, body: { comment } })

describe('the alert service', () => {
  it('refuses a move the lifecycle does not allow with 409 invalid_transition, naming the state', async () => {
    const id = await open('svc_moves', 'SHA-TC', 'warning', 3, new Date())
    expect((await move(id, 'acknowledge')).status).toBe(200)
    const again = await move(id, 'acknowledge')
    expect(again.status).toBe(409)
    expect(errorOf(again)).toMatchObject({ code: 'invalid_transition' })
    expect(errorOf(again).message).toContain('acknowledged')
    expect((await move(id, 'resolve')).status).toBe(200)
    const afterResolve = await move(id, 'resolve')
    expect(errorOf(afterResolve)).toMatchObject({ code: 'invalid_transition' })
    expect(errorOf(afterResolve).message).toContain('resolved')
    const history = (await api(sys, { cookie: onCall }).get('/api/v1/alerts/:id', { params: { id } })).history.map(
      (h) => h.action,
    )
    expect(history).toEqual(['opened', 'acknowledged', 'resolved'])
    expect((await move(987654321, 'acknowledge')).status).toBe(404)
  })

  it('lets exactly one of two people resolve the same alert at once; the other is told it is resolved', async () => {
    const id = await open('svc_race', 'CAN-TC', 'critical', 5, new Date())
    const answers = await Promise.all([move(id, 'resolve', onCall, 'first'), move(id, 'resolve', onCall2, 'second')])
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409])
    const rows = await sys.database.pool.query<{ action: string }>(
      `SELECT action FROM alert_history WHERE alert_id = $1 AND action = 'resolved'`,
      [id],
    )
    expect(rows.rows).toHaveLength(1)
  })

  it('lists by impact as the domain orders it: severity, then parcels, then newest', async () => {
    const t0 = Date.now() - 3_600_000
    const spec: Array<[string, Severity, number, number]> = [
      ['BJS-TC', 'warning', 350, 0],
      ['HGH-SC', 'warning', 1, 60_000],
      ['NKG-SC', 'warning', 1, 120_000],
      ['WUH-TC', 'critical', 2, 0],
      ['XIY-TC', 'info', 900, 180_000],
      ['SHE-TC', 'warning', 1, 240_000],
    ]
    const ids = new Map<number, { severity: Severity; itemCount: number; openedAt: number; id: number }>()
    for (const [hub, severity, count, offset] of spec) {
      const id = await open('svc_order', hub, severity, count, new Date(t0 + offset))
      ids.set(id, { severity, itemCount: count, openedAt: t0 + offset, id })
    }
    const listed = (
      await api(sys, { cookie: onCall }).get('/api/v1/alerts', { query: { rule: 'svc_order' } })
    ).alerts.map((a) => a.id)
    expect(listed).toEqual([...ids.values()].sort(compareByImpact).map((a) => a.id))
    expect(listed.slice(0, 2).map((id: number) => ids.get(id)!.itemCount)).toEqual([2, 350]) // the critical, then 350 parcels above the one-parcel ones
  })

  it('stores a detected title as a key and parameters, and keeps a title from before keys readable', async () => {
    const id = await open('svc_title', 'SHA-TC', 'warning', 12, new Date())
    const stored = await sys.database.pool.query(`SELECT title, title_key, title_params FROM alerts WHERE id = $1`, [
      id,
    ])
    expect(stored.rows[0]).toEqual({
      title: null,
      title_key: 'parcel_late',
      title_params: { hub: 'SHA-TC', count: 12 },
    })
    const shown = (await api(sys, { cookie: onCall }).get('/api/v1/alerts/:id', { params: { id } })).alert
    expect(shown).toMatchObject({ title: null, titleKey: 'parcel_late', titleParams: { hub: 'SHA-TC', count: 12 } })
    const old = await sys.database.pool.query<{ id: number }>(
      `INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at) VALUES ('svc_old', 'hub:SHA-TC', 'SHA-TC', 'info', '3 parcel(s) past their promised deadline at SHA-TC', now(), now()) RETURNING id`,
    )
    expect(
      (await api(sys, { cookie: onCall }).get('/api/v1/alerts/:id', { params: { id: old.rows[0]!.id } })).alert,
    ).toMatchObject({
      title: '3 parcel(s) past their promised deadline at SHA-TC',
      titleKey: null,
    })
    await expect(
      sys.database.pool.query(
        `INSERT INTO alerts (rule, subject, severity, opened_at, last_seen_at) VALUES ('svc_none', 'x', 'info', now(), now())`,
      ),
    ).rejects.toThrow(/alerts_title_or_key/)
  })
})
