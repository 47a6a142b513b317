import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, call, login, type TestSystem } from '../helpers/system.ts'
import { api, errorOf } from '../helpers/api.ts'
import { eventBatchResult, shipmentBatchResult } from '../../contract/ingest.ts'
import { sharedTestSystem } from '../helpers/shared-system.ts'
import { event, shipment } from '../helpers/builders.ts'

// Issue 16, item 10: the smaller findings of the outside probe, each one a case here.
let sys: TestSystem
let admin: string
beforeAll(async () => {
  sys = await sharedTestSystem()
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await sys?.stop()
})

describe('a wrong-typed field is an invalid field, not a missing one', () => {
  it('in an event: invalid_field naming the field; an absent one stays missing_field', async () => {
    const s = shipment()
    const r = await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: [
        event(s.waybill, { latitude: 'north' }),
        event(s.waybill, { hub: 42 }),
        event(s.waybill, { hub: null }),
        { ...event(s.waybill), hub: undefined },
      ],
    })
    expect(r.status).toBe(422)
    const byIndex = (i: number) => eventBatchResult.parse(r.body).rejected.find((x) => x.index === i)!
    expect(byIndex(0)).toMatchObject({ code: 'invalid_field', field: 'latitude' })
    expect(byIndex(0).message).toMatch(/latitude must be a number, not a string/)
    expect(byIndex(1)).toMatchObject({ code: 'invalid_field', field: 'hub' })
    expect(byIndex(2)).toMatchObject({ code: 'invalid_field', field: 'hub' })
    expect(byIndex(3)).toMatchObject({ code: 'missing_field', field: 'hub' })
  })

  it('in a shipment: each error has a code, invalid_field for a wrong type', async () => {
    const good = shipment()
    const noWeight: Record<string, unknown> = shipment()
    delete noWeight.weightKg
    const r = await call(sys, 'POST', '/api/v1/shipments', {
      token: sys.token,
      body: [{ ...good, weightKg: '1.2' }, noWeight, { ...shipment(), sender: 'me' }],
    })
    const errs = (i: number) => shipmentBatchResult.parse(r.body).rejected.find((x) => x.index === i)!.errors
    expect(errs(0)).toEqual([expect.objectContaining({ field: 'weightKg', code: 'invalid_field' })])
    expect(errs(1)).toEqual([expect.objectContaining({ field: 'weightKg', code: 'missing_field' })])
    expect(errs(2)).toEqual([expect.objectContaining({ field: 'sender', code: 'invalid_field' })])
  })
})

describe('a re-posted waybill', () => {
  it('answers with the stored fee and promise, not ones priced from the new body', async () => {
    const s = shipment({ tier: 'economy', weightKg: 1 })
    const first = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: s })
    expect(first.accepted).toHaveLength(1)
    const again = await api(sys, { token: sys.token }).post('/api/v1/shipments', {
      body: {
        ...s,
        tier: 'express',
        weightKg: 40,
        destinationHub: 'CAN-O1',
        declaredValueYuan: 5000,
        collectedAt: new Date(Date.now() - 30 * 3_600_000).toISOString(),
      },
    })
    expect(again.accepted).toHaveLength(1)
    // The baseline: what the new body alone is priced at, under a waybill of its own.
    const fresh = await api(sys, { token: sys.token }).post('/api/v1/shipments', {
      body: { ...shipment(), tier: 'express', weightKg: 40, destinationHub: 'CAN-O1', declaredValueYuan: 5000 },
    })
    expect(fresh.accepted[0]!.fee.total).not.toBe(first.accepted[0]!.fee.total)
    expect(again.accepted[0]!.fee).toEqual(first.accepted[0]!.fee)
    expect(again.accepted[0]!.promise).toEqual(first.accepted[0]!.promise)
    const stored = await sys.database.pool.query<{ fee: number }>(
      'SELECT fee_total_fen::int AS fee FROM shipments WHERE waybill = $1',
      [s.waybill],
    )
    expect(stored.rows[0]!.fee / 100).toBe(first.accepted[0]!.fee.total)
  })
})

describe('lone surrogates and bidi controls', () => {
  it('are refused in an event, naming the field', async () => {
    const s = shipment()
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: s })
    const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
      status: 200,
      body: [
        event(s.waybill, { type: 'exception', reason: 'damaged', detail: 'box \ud800 torn' }),
        event(s.waybill, { type: 'exception', reason: 'damaged', detail: 'paid \u202Egnp.exe' }),
        event(s.waybill, { type: 'exception', reason: 'damaged', detail: 'isolate \u2066x\u2069' }),
        event(s.waybill, { type: 'exception', reason: 'damaged', detail: '箱子破了 😀' }),
      ],
    })
    expect(r.accepted).toBe(1)
    const byIndex = (i: number) => r.rejected.find((x) => x.index === i)!
    expect(byIndex(0)).toMatchObject({ code: 'invalid_field', field: 'detail' })
    expect(byIndex(0).message).toMatch(/surrogate/)
    expect(byIndex(1)).toMatchObject({ code: 'invalid_field', field: 'detail' })
    expect(byIndex(1).message).toMatch(/bidirectional/)
    expect(byIndex(2)).toMatchObject({ code: 'invalid_field', field: 'detail' })
  })

  it('are refused in a shipment record, naming the field', async () => {
    const r = await call(sys, 'POST', '/api/v1/shipments', {
      token: sys.token,
      body: [
        shipment({ itemName: 'book\udc00' }),
        shipment({ recipient: { name: '\u202Bعلي', phone: '13812341234', address: 'x', city: 'y' } }),
      ],
    })
    const batch = shipmentBatchResult.parse(r.body)
    expect(batch.accepted).toHaveLength(0)
    const errs = (i: number) => batch.rejected.find((x) => x.index === i)!.errors
    expect(errs(0)).toEqual([
      expect.objectContaining({
        field: 'itemName',
        code: 'invalid_field',
        message: expect.stringMatching(/surrogate/),
      }),
    ])
    expect(errs(1)).toEqual([
      expect.objectContaining({
        field: 'recipient.name',
        code: 'invalid_field',
        message: expect.stringMatching(/bidirectional/),
      }),
    ])
  })

  it('are refused in a complaint, naming the field; nothing stored', async () => {
    const count = async () =>
      (await sys.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM complaints')).rows[0]!.n
    const before = await count()
    for (const [body, field, what] of [
      [{ channel: 'phone', category: 'delay', description: 'late \ud83d parcel' }, 'body.description', /surrogate/],
      [{ channel: 'phone', category: 'delay', description: 'late \u202Dparcel' }, 'body.description', /bidirectional/],
      [
        {
          channel: 'phone',
          category: 'delay',
          description: 'late',
          contact: { name: 'Li\u2067', phone: '13812341234' },
        },
        'body.contact.name',
        /bidirectional/,
      ],
    ] as const) {
      const r = await call(sys, 'POST', '/api/v1/complaints', { cookie: admin, body })
      expect(r.status).toBe(400)
      expect(errorOf(r).code).toBe('bad_request')
      expect(errorOf(r).details).toEqual([expect.objectContaining({ field })])
      expect(errorOf(r).message).toMatch(what)
    }
    expect(await count()).toBe(before)
    // The same words without the control character are fine (a baseline for the refusals).
    const ok = await call(sys, 'POST', '/api/v1/complaints', {
      cookie: admin,
      body: { channel: 'phone', category: 'delay', description: 'late parcel 😀' },
    })
    expect(ok.status).toBe(201)
  })
})

describe('numeric ids in URLs', () => {
  it('reads only plain decimal: 0x10, 1e1, 16.0 and 016 are a 400, not alert 16', async () => {
    const a = await sys.database.pool.query<{ id: number }>(
      `INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at) VALUES ('hub_silent', 'id-test', 'HGH-SC', 'warning', 'id test', now(), now()) RETURNING id::int`,
    )
    const id = a.rows[0]!.id
    expect((await call(sys, 'GET', `/api/v1/alerts/${id}`, { cookie: admin })).status).toBe(200)
    for (const form of [
      `0x${id.toString(16)}`,
      `0o${id.toString(8)}`,
      `0b${id.toString(2)}`,
      `${id}.0`,
      `0${id}`,
      `${id}e0`,
      `%20${id}`,
    ]) {
      const r = await call(sys, 'GET', `/api/v1/alerts/${form}`, { cookie: admin })
      expect(r.status, form).toBe(400)
      expect(errorOf(r).message).toMatch(/decimal/)
    }
    const ack = await call(sys, 'POST', `/api/v1/alerts/0x${id.toString(16)}/acknowledge`, {
      cookie: admin,
      body: { comment: 'looking' },
    })
    expect(ack.status).toBe(400)
  })
})
