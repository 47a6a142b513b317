import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, shipment } from '../helpers/builders.ts'
import { histKey, histKeyString, segmentsOf, type PathEvent } from '../../server/domain/segments.ts'
import { forgetTransitModel } from '../../server/services/transit-model.ts'
import { saveSegments } from '../../server/db/segments-repo.ts'

// The transit model's histograms (sql/050) are kept by the ingest transaction,
// parcel by parcel, whatever order the scans come in: they must always equal a
// recomputation from the stored events with the same domain function.
let sys: TestSystem
let admin: string
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await sys?.stop()
})

const H = 3_600_000
// HGH-O1 → HGH-SC → SHA-TC?… the demo route of this lane, read from the network.
import { routeBetween } from '../../server/data/network.ts'
const ROUTE = routeBetween('HGH-O1', 'SHA-O1')

function lifeOf(waybill: string, t0: number, gapsH: number[]) {
  const steps: Array<Record<string, unknown>> = []
  let t = t0
  const at = (h: number) => new Date((t += h * H)).toISOString()
  for (let i = 0; i + 1 < ROUTE.length; i++) {
    steps.push(event(waybill, { type: 'departed_hub', hub: ROUTE[i], time: at(gapsH[(2 * i) % gapsH.length]!) }))
    steps.push(event(waybill, { type: 'arrived_hub', hub: ROUTE[i + 1], time: at(gapsH[(2 * i + 1) % gapsH.length]!) }))
  }
  steps.push(event(waybill, { type: 'out_for_delivery', hub: ROUTE.at(-1), courier: 'C-SHA-O1-01', time: at(1) }))
  steps.push(
    event(waybill, { type: 'delivered', hub: ROUTE.at(-1), courier: 'C-SHA-O1-01', signer: '本人', time: at(1.5) }),
  )
  return steps
}

async function kept(): Promise<Map<string, number>> {
  const r = await sys.database.pool.query<{
    kind: string
    place: string
    tier: string
    how: number
    bucket: number
    n: number
  }>('SELECT kind, place, tier, how, bucket, n::int AS n FROM segment_hist WHERE n <> 0')
  return new Map(r.rows.map((x) => [`${x.kind}|${x.place}|${x.tier}|${x.how}|${x.bucket}`, x.n]))
}

async function recomputed(): Promise<Map<string, number>> {
  const ships = (
    await sys.database.pool.query<{ waybill: string; tier: string; origin: string; dest: string; at: Date }>(
      'SELECT waybill, tier, origin_hub AS origin, destination_hub AS dest, collected_at AS at FROM shipments',
    )
  ).rows
  const events = (
    await sys.database.pool.query<{
      waybill: string
      time: Date
      type: PathEvent['type']
      hub: string | null
      courier: string | null
    }>('SELECT waybill, event_time AS time, type, hub_code AS hub, courier_code AS courier FROM scan_events')
  ).rows
  const m = new Map<string, number>()
  for (const s of ships) {
    const path = events
      .filter((e) => e.waybill === s.waybill)
      .map((e) => ({ time: e.time.getTime(), type: e.type, hub: e.hub, courier: e.courier }))
    for (const seg of segmentsOf(s.at.getTime(), s.origin, s.dest, path)) {
      const k = histKeyString(histKey(seg, s.tier))
      m.set(k, (m.get(k) ?? 0) + 1)
    }
  }
  return m
}

describe('segment histograms kept by the ingest', () => {
  it('equal a recomputation from the stored events after scans in any order, batches and resends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0.3, max: 9, noNaN: true }), { minLength: 3, maxLength: 6 }),
        fc.integer({ min: 1, max: 2 }),
        fc.nat(),
        fc.integer({ min: 1, max: 5 }),
        async (gaps, parcels, seed, batch) => {
          const list = Array.from({ length: parcels }, () =>
            shipment({ collectedAt: new Date(Date.now() - 60 * H).toISOString() }),
          )
          expect(
            (await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: list })).accepted,
          ).toHaveLength(parcels)
          const events = list.flatMap((s) => lifeOf(s.waybill, Date.now() - 59 * H, gaps))
          // A deterministic shuffle plus a resent copy of some events.
          let x = seed || 1
          const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
          const sent = [...events, ...events.filter(() => rnd() < 0.2)].sort(() => rnd() - 0.5)
          for (let i = 0; i < sent.length; i += batch) {
            const r = await call(sys, 'POST', '/api/v1/events', { token: sys.token, body: sent.slice(i, i + batch) })
            expect(r.status).toBe(200)
          }
          expect(await kept()).toEqual(await recomputed())
        },
      ),
      { numRuns: 6 },
    )
  })

  it('gives the look-up an arrival window from where the parcel is, and at_risk when it is stuck past its segment p99', async () => {
    // 25 parcels through the lane teach the model; one more sits at the sorting centre for 30 h.
    const teach = Array.from({ length: 25 }, () =>
      shipment({ collectedAt: new Date(Date.now() - 50 * H).toISOString() }),
    )
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: teach })
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: teach.flatMap((s) => lifeOf(s.waybill, Date.now() - 49 * H, [1, 1.5, 2])),
    })
    const stuck = shipment({ collectedAt: new Date(Date.now() - 40 * H).toISOString(), tier: 'economy' })
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: [stuck] })
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: [
        event(stuck.waybill, {
          type: 'departed_hub',
          hub: ROUTE[0],
          time: new Date(Date.now() - 32 * H).toISOString(),
        }),
        event(stuck.waybill, { type: 'arrived_hub', hub: ROUTE[1], time: new Date(Date.now() - 31 * H).toISOString() }),
      ],
    })
    forgetTransitModel(sys.database.pool)
    const r = await api(sys, { cookie: admin }).get('/api/v1/shipments/:waybill', {
      status: 200,
      params: { waybill: stuck.waybill },
    })
    const a = r.promise.arrival!
    expect(a.current).toMatchObject({ kind: 'hub_dwell', place: ROUTE[1] })
    expect(new Date(a.p10).getTime()).toBeGreaterThan(Date.now())
    expect(new Date(a.p50).getTime()).toBeGreaterThanOrEqual(new Date(a.p10).getTime())
    expect(new Date(a.p90).getTime()).toBeGreaterThanOrEqual(new Date(a.p50).getTime())
    expect(r.promise.predictionOverdue).toBe(a.overdue)
    expect(r.promise.verdict).toBe('at_risk')
  })
})

// sql/058: segment_hist's pages keep room, so a batch that adds to cells that exist updates them
// in place (HOT: no new primary-key entry). Full pages (fill factor 100) left about a quarter so.
describe('segment histogram cells', () => {
  it('are updated in place when a batch adds to cells that exist', async () => {
    const cells = Array.from({ length: 400 }, (_, i) => ({
      kind: 'hub_dwell',
      place: `HOT-TEST-${String(i).padStart(4, '0')}`,
      tier: 'standard',
      how: i % 168,
      bucket: 3,
      n: 1,
    }))
    const client = await sys.database.pool.connect()
    try {
      await client.query('BEGIN')
      await saveSegments(client, [], cells, [], new Date())
      // This backend's counts not yet reported (the embedded database's one session reports seldom): by difference.
      const xact = async () =>
        (
          await client.query<{ upd: number; hot: number }>(
            `SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_xact_user_tables WHERE relname = 'segment_hist'`,
          )
        ).rows[0]!
      const before = await xact()
      // A quarter of them again, spread over all their pages.
      await saveSegments(
        client,
        [],
        cells.filter((_, i) => i % 4 === 0),
        [],
        new Date(),
      )
      const after = await xact()
      expect({ upd: after.upd - before.upd, hot: after.hot - before.hot }).toEqual({ upd: 100, hot: 100 })
      const n = await client.query<{ n: number }>(
        `SELECT sum(n)::int AS n FROM segment_hist WHERE place LIKE 'HOT-TEST-%'`,
      )
      expect(n.rows[0]!.n).toBe(500)
    } finally {
      await client.query('ROLLBACK')
      client.release()
    }
  })
})
