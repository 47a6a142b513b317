import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, ADMIN_PASSWORD, call, login, type TestSystem } from '../helpers/system.ts'
import { sharedTestSystem } from '../helpers/shared-system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { api, errorOf, detailsOf } from '../helpers/api.ts'
import * as z from 'zod/mini'
import { runSweep } from '../../server/services/sla-sweep.ts'

let sys: TestSystem
const cookie: Record<'admin' | 'onCall' | 'manager' | 'cs' | 'controlRoom' | 'finance', string> = {} as never
let alertId: number
let waybills: string[]

const RECIPIENT = { name: '欧阳娜娜', phone: '13987655678', address: '广州市天河区体育西路 1 号', city: '广州' }

/** Late parcels at a hub (collected on 2 Nov 2026, long past their deadline), grouped into one alert by the sweep. */
async function lateAlertAt(hub: string, count: number): Promise<{ id: number; waybills: string[] }> {
  const list = Array.from({ length: count }, () =>
    shipment({ collectedAt: '2026-11-02T10:00:00+08:00', recipient: RECIPIENT }),
  )
  const ingest = api(sys, { token: sys.token })
  const created = await ingest.post('/api/v1/shipments', { body: list })
  expect(created.accepted, JSON.stringify(created)).toHaveLength(count)
  const r = await ingest.post('/api/v1/events', {
    body: list.map((s) => event(s.waybill, { type: 'arrived_hub', hub, time: minutesAgo(60) })),
  })
  expect(r.accepted, JSON.stringify(r)).toBe(count)
  await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date())
  const { alerts } = await api(sys, { cookie: cookie.manager }).get('/api/v1/alerts', {
    query: { rule: 'parcel_late', hub },
  })
  expect(alerts).toHaveLength(1)
  return { id: alerts[0]!.id, waybills: list.map((s) => s.waybill) }
}

const storedHandoffs = async () =>
  (await sys.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM cs_handoffs')).rows[0]!.n
const openList = async (who: string) =>
  (await api(sys, { cookie: who }).get('/api/v1/handoffs', { query: { state: 'open' } })).handoffs

beforeAll(async () => {
  sys = await sharedTestSystem({ RUN_WORKERS: 'false' })
  await addUser(sys, 'ho-duty', 'on_call')
  await addUser(sys, 'ho-boss', 'manager')
  await addUser(sys, 'ho-kefu', 'cs_operator')
  await addUser(sys, 'ho-wall', 'control_room')
  await addUser(sys, 'ho-money', 'finance')
  cookie.admin = await login(sys, 'admin', ADMIN_PASSWORD)
  cookie.onCall = await login(sys, 'ho-duty')
  cookie.manager = await login(sys, 'ho-boss')
  cookie.cs = await login(sys, 'ho-kefu')
  cookie.controlRoom = await login(sys, 'ho-wall')
  cookie.finance = await login(sys, 'ho-money')
  ;({ id: alertId, waybills } = await lateAlertAt('CTU-TC', 4))
})
afterAll(async () => {
  await sys?.stop()
})

describe('handing parcels of an alert to customer service', () => {
  it('stores a hand-off of a subset of the parcels with the note, who and when, and lists it as open for customer service', async () => {
    const subset = [waybills[0]!, waybills[2]!]
    const r = await api(sys, { cookie: cookie.onCall }).send('POST', '/api/v1/alerts/:id/handoffs', {
      params: { id: alertId },
      body: { waybills: subset, note: '请主动致电收件人说明延误' },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    if (!r.ok) return
    expect(r.body.handoff).toMatchObject({
      state: 'open',
      note: '请主动致电收件人说明延误',
      createdBy: { username: 'ho-duty' },
      parcelCount: 2,
      alert: { id: alertId, rule: 'parcel_late' },
    })

    const list = await openList(cookie.cs)
    const mine = list.find((h) => h.id === r.body.handoff.id)!
    expect(mine.parcels.map((p) => p.waybill).sort()).toEqual([...subset].sort())
    // The alert's title as stored: a message key and its parameters, rendered where it is read.
    expect(mine.alert).toMatchObject({
      title: null,
      titleKey: 'parcel_late',
      titleParams: { hub: expect.stringMatching(/CTU-TC|成都/), count: 4 },
    })
    // Customer service calls the recipients: it sees them in clear.
    expect(mine.masked).toBe(false)
    expect(mine.parcels[0]!.recipient).toEqual({ name: '欧阳娜娜', phone: '13987655678', city: '广州' })
    expect(mine.parcels[0]!.status).toBe('in_transit')
  })

  it('masks the recipients for on-call and managers, as everywhere else', async () => {
    for (const who of [cookie.onCall, cookie.manager]) {
      const h = (await openList(who)).find((x) => x.alert.id === alertId)
      expect(h!.masked).toBe(true)
      expect(h!.parcels[0]!.recipient).toEqual({ name: '欧***', phone: '139****5678', city: '广州' })
    }
  })

  it('refuses waybills that are not parcels of the alert, names them, and stores nothing', async () => {
    const other = await lateAlertAt('CGO-TC', 1)
    const before = await storedHandoffs()
    const r = await call(sys, 'POST', `/api/v1/alerts/${alertId}/handoffs`, {
      cookie: cookie.onCall,
      body: { waybills: [waybills[1]!, other.waybills[0]!, 'PWNOSUCHPARCEL01'], note: '联系收件人' },
    })
    expect(r.status).toBe(400)
    expect(errorOf(r).message).toContain(other.waybills[0]!)
    expect(errorOf(r).message).toContain('PWNOSUCHPARCEL01')
    expect(errorOf(r).message).not.toContain(waybills[1]!)
    expect(detailsOf(r, z.object({ notInAlert: z.array(z.string()) })).notInAlert.sort()).toEqual(
      [other.waybills[0]!, 'PWNOSUCHPARCEL01'].sort(),
    )
    expect(await storedHandoffs()).toBe(before)
  })

  it('refuses an empty selection, more than 500 waybills, a missing note, extra fields and an unknown alert', async () => {
    const post = (id: number | string, body: unknown) =>
      call(sys, 'POST', `/api/v1/alerts/${id}/handoffs`, { cookie: cookie.onCall, body })
    const before = await storedHandoffs()
    expect((await post(alertId, { waybills: [], note: 'x' })).status).toBe(400)
    expect(
      (
        await post(alertId, {
          waybills: Array.from({ length: 501 }, (_, i) => `PW${String(i).padStart(10, '0')}`),
          note: 'x',
        })
      ).status,
    ).toBe(400)
    expect((await post(alertId, { waybills: [waybills[0]!], note: '  ' })).status).toBe(400)
    const extra = await post(alertId, { waybills: [waybills[0]!], note: 'x', priority: 'high' })
    expect(extra.status).toBe(400)
    expect(JSON.stringify(errorOf(extra).details)).toMatch(/priority/)
    expect((await post(999_999, { waybills: [waybills[0]!], note: 'x' })).status).toBe(404)
    expect((await post('abc', { waybills: [waybills[0]!], note: 'x' })).status).toBe(400)
    expect(await storedHandoffs()).toBe(before)
  })

  it('lets only admin, manager and on-call hand over, and only customer service, managers and admins close', async () => {
    const body = { waybills: [waybills[3]!], note: '请联系' }
    for (const who of [cookie.cs, cookie.controlRoom, cookie.finance]) {
      expect((await call(sys, 'POST', `/api/v1/alerts/${alertId}/handoffs`, { cookie: who, body })).status).toBe(403)
    }
    for (const who of [cookie.controlRoom, cookie.finance]) {
      expect((await call(sys, 'GET', '/api/v1/handoffs', { cookie: who })).status).toBe(403)
    }
    const {
      handoff: { id },
    } = await api(sys, { cookie: cookie.manager }).post('/api/v1/alerts/:id/handoffs', {
      params: { id: alertId },
      body,
    })
    for (const who of [cookie.onCall, cookie.controlRoom, cookie.finance]) {
      expect(
        (await call(sys, 'POST', `/api/v1/handoffs/${id}/done`, { cookie: who, body: { comment: 'done' } })).status,
      ).toBe(403)
    }
    const closed = await api(sys, { cookie: cookie.admin }).post('/api/v1/handoffs/:id/done', {
      params: { id },
      body: { comment: '已处理' },
    })
    expect(closed.handoff.doneBy?.username).toBe('admin')
  })

  it('marks a hand-off done with a comment once: it leaves the open list and shows who closed it and why', async () => {
    const made = await api(sys, { cookie: cookie.onCall }).post('/api/v1/alerts/:id/handoffs', {
      params: { id: alertId },
      body: { waybills: [waybills[1]!], note: '收件人是 VIP' },
    })
    const id = made.handoff.id
    expect((await call(sys, 'POST', `/api/v1/handoffs/${id}/done`, { cookie: cookie.cs, body: {} })).status).toBe(400)
    expect(
      (await call(sys, 'POST', `/api/v1/handoffs/${id}/done`, { cookie: cookie.cs, body: { comment: 'x', extra: 1 } }))
        .status,
    ).toBe(400)

    const done = await api(sys, { cookie: cookie.cs }).post('/api/v1/handoffs/:id/done', {
      params: { id },
      body: { comment: '已电话联系，收件人同意顺延一天' },
    })
    expect(done.handoff).toMatchObject({
      state: 'done',
      doneBy: { username: 'ho-kefu' },
      doneComment: '已电话联系，收件人同意顺延一天',
    })
    expect(Date.parse(done.handoff.doneAt ?? '')).toBeGreaterThanOrEqual(Date.parse(made.handoff.createdAt))

    expect((await openList(cookie.cs)).map((h) => h.id)).not.toContain(id)
    const doneList = (await api(sys, { cookie: cookie.cs }).get('/api/v1/handoffs', { query: { state: 'done' } }))
      .handoffs
    expect(doneList.map((h) => h.id)).toContain(id)
    expect(
      (await call(sys, 'POST', `/api/v1/handoffs/${id}/done`, { cookie: cookie.cs, body: { comment: 'again' } }))
        .status,
    ).toBe(409)
    expect(
      (await call(sys, 'POST', '/api/v1/handoffs/999999/done', { cookie: cookie.cs, body: { comment: 'x' } })).status,
    ).toBe(404)
  })

  it('lists the hand-offs of one alert, open and done, and refuses an unknown state filter', async () => {
    const all = (
      await api(sys, { cookie: cookie.onCall }).get('/api/v1/handoffs', { query: { state: 'all', alert: alertId } })
    ).handoffs
    expect(all.length).toBeGreaterThanOrEqual(3)
    expect(all.every((h) => h.alert.id === alertId)).toBe(true)
    expect(new Set(all.map((h) => h.state))).toEqual(new Set(['open', 'done']))
    // Open ones first (a work queue), then the done ones.
    const firstDone = all.findIndex((h) => h.state === 'done')
    expect(all.slice(firstDone).every((h) => h.state === 'done')).toBe(true)
    expect((await call(sys, 'GET', '/api/v1/handoffs?state=closed', { cookie: cookie.cs })).status).toBe(400)
    expect((await call(sys, 'GET', '/api/v1/handoffs?state=open&sort=x', { cookie: cookie.cs })).status).toBe(400)
  })

  it('keeps the hand-off list when the alert later loses the parcel (delivered)', async () => {
    const small = await lateAlertAt('XIY-TC', 2)
    const made = await api(sys, { cookie: cookie.onCall }).send('POST', '/api/v1/alerts/:id/handoffs', {
      params: { id: small.id },
      body: { waybills: small.waybills, note: '联系两位收件人' },
    })
    expect(made.status).toBe(201)
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: [event(small.waybills[0]!, { type: 'delivered', hub: 'XIY-O1', signer: '本人', time: minutesAgo(5) })],
    })
    await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date())
    const detail = await api(sys, { cookie: cookie.manager }).get('/api/v1/alerts/:id', { params: { id: small.id } })
    expect(detail.parcels.map((p) => p.waybill)).toEqual([small.waybills[1]])
    const [h] = (
      await api(sys, { cookie: cookie.cs }).get('/api/v1/handoffs', { query: { state: 'open', alert: small.id } })
    ).handoffs
    expect(h!.parcels.map((p) => [p.waybill, p.status]).sort()).toEqual(
      [
        [small.waybills[0], 'delivered'],
        [small.waybills[1], 'in_transit'],
      ].sort(),
    )
    // The delivered parcel is no longer in the alert: it can't be handed over again from it.
    const again = await call(sys, 'POST', `/api/v1/alerts/${small.id}/handoffs`, {
      cookie: cookie.onCall,
      body: { waybills: [small.waybills[0]!], note: 'x' },
    })
    expect(again.status).toBe(400)
  })
})
