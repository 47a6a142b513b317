import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, shipment } from '../helpers/builders.ts'
import { routeBetween } from '../../server/data/network.ts'
import { forgetTransitModel } from '../../server/services/transit-model.ts'

// /api/v1/sla/time-lost: the late parcels' excess over each segment's p50,
// charged to the hub, lane or courier that ran it, from the kept segments.
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
const ROUTE = routeBetween('HGH-O1', 'SHA-O1')

describe('where the time was lost', () => {
  it('charges a late parcel\'s long dwell to its hub: Pareto, breach cause "hub dwell at X", drill-down', async () => {
    // Collected on Monday 2 Nov 2026 (standard: due Thursday 5 Nov); 24 parcels dwell 2 h at the centre, one 120 h.
    const collected = Date.parse('2026-11-02T10:00:00+08:00')
    const list = Array.from({ length: 25 }, () => shipment({ collectedAt: new Date(collected).toISOString() }))
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: list })
    const life = (waybill: string, dwell: number) => {
      let t = collected
      const at = (h: number) => new Date((t += h * H)).toISOString()
      const steps = []
      for (let i = 0; i + 1 < ROUTE.length; i++) {
        steps.push(event(waybill, { type: 'departed_hub', hub: ROUTE[i], time: at(i === 1 ? dwell : 1) }))
        steps.push(event(waybill, { type: 'arrived_hub', hub: ROUTE[i + 1], time: at(2) }))
      }
      steps.push(event(waybill, { type: 'out_for_delivery', hub: 'SHA-O1', courier: 'C-SHA-O1-01', time: at(1) }))
      steps.push(
        event(waybill, { type: 'delivered', hub: 'SHA-O1', courier: 'C-SHA-O1-01', signer: '本人', time: at(1) }),
      )
      return steps
    }
    const late = list[0]!
    const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
      body: list.flatMap((s, i) => life(s.waybill, i === 0 ? 120 : 2)),
    })
    expect(r.rejected).toEqual([])
    forgetTransitModel(sys.database.pool)

    const a = await api(sys, { cookie: admin }).get('/api/v1/sla/time-lost', {
      status: 200,
      query: { from: '2026-11-01', to: '2026-11-30' },
    })
    expect(a.parcels).toBe(1)
    expect(a.pareto[0]).toMatchObject({ responsible: ROUTE[1], kind: 'hub_dwell', parcels: 1 })
    expect(a.pareto[0]!.excessHours).toBeGreaterThan(100)
    expect(a.late[0]).toMatchObject({ waybill: late.waybill, cause: { code: 'hub_dwell', hub: ROUTE[1] } })
    expect(a.heatmap[0]!.hub).toBe(ROUTE[1])
    expect(a.heatmap[0]!.p90).toHaveLength(168)
    expect(
      (await call(sys, 'GET', '/api/v1/sla/time-lost?from=2026-11-30&to=2026-11-01', { cookie: admin })).status,
    ).toBe(400)

    // Breach causes by largest excess, beside the closing-scan causes: "hub dwell at <centre>", one parcel.
    expect(a.causes).toEqual([
      { code: 'hub_dwell', responsible: ROUTE[1], parcels: 1, excessHours: a.late[0]!.cause!.excessHours },
    ])
    expect(a.names[ROUTE[1]!]).toMatch(/中心$/)

    // The page's load asks for no parcels; the drill-down for a bar or a cause lists them with the excess lost there.
    const bare = await api(sys, { cookie: admin }).get('/api/v1/sla/time-lost', {
      query: { from: '2026-11-01', to: '2026-11-30', limit: '0' },
    })
    expect(bare).toMatchObject({ lateTotal: 1, late: [], parcels: 1 })
    const q = (extra: string) =>
      call(sys, 'GET', `/api/v1/sla/time-lost?from=2026-11-01&to=2026-11-30&${extra}`, { cookie: admin })
    const drill = (query: Record<string, string>) =>
      api(sys, { cookie: admin }).get('/api/v1/sla/time-lost', {
        status: 200,
        query: { from: '2026-11-01', to: '2026-11-30', ...query },
      })
    const bar = await drill({ kind: 'hub_dwell', responsible: ROUTE[1]! })
    expect(bar.lateTotal).toBe(1)
    expect(bar.late[0]).toMatchObject({ waybill: late.waybill, at: { kind: 'hub_dwell', responsible: ROUTE[1] } })
    expect(bar.late[0]!.at!.excessHours).toBe(a.pareto[0]!.excessHours)
    expect((await drill({ kind: 'hub_dwell', responsible: ROUTE[1]!, match: 'cause' })).lateTotal).toBe(1)
    // Another centre of the route lost nothing: the bar is empty, so is its cause.
    expect(await drill({ kind: 'hub_dwell', responsible: ROUTE[2]! })).toMatchObject({ lateTotal: 0, late: [] })
    expect((await drill({ kind: 'line_haul', responsible: `${ROUTE[0]}→${ROUTE[1]}`, match: 'cause' })).lateTotal).toBe(
      0,
    )

    // Bad drill-down parameters are 400s naming the parameter.
    for (const bad of [
      'kind=hub_dwell',
      `responsible=${ROUTE[1]}`,
      `kind=to_delivery&responsible=${ROUTE[1]}`,
      'kind=hub_dwell&responsible=a%3Bb',
      'limit=-1',
      'match=all',
      'hub=X',
    ]) {
      const r = await q(bad)
      expect(r.status, bad).toBe(400)
    }
  })
})
