import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { addUser, ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { event, shipment } from '../helpers/builders.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'
import { shanghaiDay } from '../../server/domain/calendar.ts'
import { startOfShanghaiDay } from '../../server/domain/clock.ts'
import { api, errorOf } from '../helpers/api.ts'
import type { ResponseOf } from '../../contract/routes.ts'

/**
 * Finance figures reconcile exactly with the parcels and claims behind them:
 * every table adds up to the total, every figure's drill-down lines add up to it,
 * compensation is the sum of the claims paid. Crafted data first, then generated.
 */
let sys: TestSystem
const who: Record<string, string> = {}
const hubProvince = new Map<string, string>()
/** Every claim paid in this file (all paid today): the compensation figure of today must equal their sum. */
const paidToday: Array<{ reason: 'lost' | 'damaged'; fen: number }> = []

const DAY_MS = 86_400_000
const today = () => shanghaiDay(new Date())
const dayBefore = (n: number) => shanghaiDay(new Date(Date.now() - n * DAY_MS))
/** 10:00 Beijing on a day. */
const tenOn = (day: string) => `${day}T10:00:00+08:00`
const fen = (yuan: number) => Math.round(yuan * 100)
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0)

beforeAll(async () => {
  sys = await startTestSystem()
  for (const [name, role] of [
    ['cs-a', 'cs_operator'],
    ['fin-a', 'finance'],
    ['fin-b', 'finance'],
    ['mgr-a', 'manager'],
    ['ops-a', 'control_room'],
  ] as const) {
    await addUser(sys, name, role)
    who[name] = await login(sys, name)
  }
  who.admin = await login(sys, 'admin', ADMIN_PASSWORD)
  for (const h of (await api(sys, { cookie: who.admin }).get('/api/v1/hubs')).hubs) hubProvince.set(h.code, h.province)
})
afterAll(async () => {
  await sys?.stop()
})

async function post(parcels: Array<ReturnType<typeof shipment>>): Promise<Map<string, number>> {
  const r = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: parcels })
  expect(r.rejected).toEqual([])
  return new Map(r.accepted.map((a) => [a.waybill, fen(a.fee.total)]))
}

type Summary = ResponseOf<'GET /api/v1/finance/summary'>

function summary(from: string, to: string, cookie = who['fin-a']): Promise<Summary> {
  return api(sys, { cookie }).get('/api/v1/finance/summary', { query: { from, to } })
}

async function feeLines(query: Record<string, string>) {
  const r = await api(sys, { cookie: who['fin-a'] }).get('/api/v1/finance/fees', { query: { ...query, limit: 1000 } })
  expect(sum(r.lines.map((l) => l.feeFen))).toBe(r.fen)
  expect(r.lines).toHaveLength(r.count)
  return r
}

async function payClaim(waybill: string, reason: 'lost' | 'damaged', damagePercent?: number) {
  const opened = await api(sys, { cookie: who['cs-a'] }).post('/api/v1/claims', {
    status: 201,
    body: { waybill, reason, ...(damagePercent ? { damagePercent } : {}) },
  })
  const id = opened.claim.id
  await api(sys, { cookie: who['mgr-a'] }).post('/api/v1/claims/:id/approve', {
    params: { id },
    body: { note: 'agreed with the customer' },
  })
  const { claim } = await api(sys, { cookie: who['fin-b'] }).post('/api/v1/claims/:id/pay', {
    params: { id },
    body: { paymentRef: `BANK-${id}` },
  })
  expect(claim.state).toBe('paid')
  paidToday.push({ reason, fen: claim.amountFen })
  return claim
}

/** Every reconciliation identity of one period's summary, checked against its drill-down lines. */
async function expectReconciled(s: Summary, from: string, to: string): Promise<void> {
  const states = ['unpaid', 'paid', 'invoiced'] as const
  expect(sum(s.byDay.map((d) => d.fees.fen))).toBe(s.fees.fen)
  expect(sum(s.byTier.map((d) => d.fees.fen))).toBe(s.fees.fen)
  expect(sum(s.byRegion.map((d) => d.fees.fen))).toBe(s.fees.fen)
  expect(sum(states.map((k) => s.fees.byState[k].fen))).toBe(s.fees.fen)
  expect(sum(states.map((k) => s.fees.byState[k].count))).toBe(s.fees.count)
  expect(s.netFen).toBe(s.fees.fen - s.compensation.fen)
  const all = await feeLines({ from, to })
  expect([all.fen, all.count]).toEqual([s.fees.fen, s.fees.count])
  for (const t of s.byTier)
    for (const k of states) {
      const lines = await feeLines({ from, to, tier: t.tier, state: k })
      expect([lines.fen, lines.count]).toEqual([t.byState[k].fen, t.byState[k].count])
    }
  for (const r of s.byRegion) {
    const lines = await feeLines({ from, to, region: r.region })
    expect([lines.fen, lines.count]).toEqual([r.fees.fen, r.fees.count])
  }
  for (const d of s.byDay) {
    const lines = await feeLines({ from, to, day: d.day })
    expect([lines.fen, lines.count]).toEqual([d.fees.fen, d.fees.count])
  }
  const comp = await api(sys, { cookie: who['fin-a'] }).get('/api/v1/finance/compensation', {
    query: { from, to, limit: 1000 },
  })
  expect(sum(comp.lines.map((l) => l.amountFen))).toBe(s.compensation.fen)
  expect(comp.count).toBe(s.compensation.count)
}

describe('finance figures on crafted parcels and claims', () => {
  const day1 = dayBefore(340)
  const day2 = dayBefore(339)
  let fees: Map<string, number>
  let parcels: Array<ReturnType<typeof shipment>>

  it('adds up fees by day, tier, region and payment state to the parcels behind them', async () => {
    parcels = [
      shipment({ tier: 'express', originHub: 'HGH-O1', collectedAt: tenOn(day1), declaredValueYuan: 1000 }),
      shipment({ tier: 'standard', originHub: 'HGH-O1', collectedAt: tenOn(day1) }),
      shipment({ tier: 'economy', originHub: 'SHA-O1', collectedAt: tenOn(day1), weightKg: 7.3 }),
      shipment({ tier: 'standard', originHub: 'BJS-O1', destinationHub: 'HGH-O1', collectedAt: tenOn(day2) }),
      // 23:30 Beijing is still day2 (15:30 UTC): days follow Asia/Shanghai.
      shipment({ tier: 'express', originHub: 'SHA-O1', collectedAt: `${day2}T23:30:00+08:00` }),
    ]
    fees = await post(parcels)
    const [a, b, c, d, e] = parcels.map((p) => p.waybill) as [string, string, string, string, string]
    expect(
      (
        await api(sys, { cookie: who['fin-a'] }).post('/api/v1/finance/payments', {
          body: { waybills: [a, b, d], state: 'paid' },
        })
      ).changed,
    ).toHaveLength(3)
    expect(
      (
        await api(sys, { cookie: who['fin-a'] }).post('/api/v1/finance/payments', {
          body: { waybills: [b], state: 'invoiced' },
        })
      ).changed,
    ).toEqual([b])
    // Forward only: an invoiced parcel does not go back to paid.
    expect(
      (
        await api(sys, { cookie: who['fin-a'] }).post('/api/v1/finance/payments', {
          body: { waybills: [b], state: 'paid' },
        })
      ).unchanged,
    ).toEqual([b])

    const s = await summary(day1, day2)
    const f = (w: string) => fees.get(w)!
    expect(s.fees).toMatchObject({ fen: f(a) + f(b) + f(c) + f(d) + f(e), count: 5 })
    expect(s.fees.byState).toEqual({
      unpaid: { fen: f(c) + f(e), count: 2 },
      paid: { fen: f(a) + f(d), count: 2 },
      invoiced: { fen: f(b), count: 1 },
    })
    expect(s.byDay.map((x) => [x.day, x.fees.fen])).toEqual([
      [day1, f(a) + f(b) + f(c)],
      [day2, f(d) + f(e)],
    ])
    expect(s.byTier.map((x) => [x.tier, x.fees.fen])).toEqual([
      ['express', f(a) + f(e)],
      ['standard', f(b) + f(d)],
      ['economy', f(c)],
    ])
    const regions = Object.fromEntries(s.byRegion.map((x) => [x.region, x.fees.fen]))
    expect(regions).toEqual({
      [hubProvince.get('HGH-O1')!]: f(a) + f(b),
      [hubProvince.get('SHA-O1')!]: f(c) + f(e),
      [hubProvince.get('BJS-O1')!]: f(d),
    })
    await expectReconciled(s, day1, day2)
  })

  it('opens a claim from a lost exception with the rule amount, and counts only paid claims as compensation', async () => {
    const [insured, plain, third] = parcels as [
      ReturnType<typeof shipment>,
      ReturnType<typeof shipment>,
      ReturnType<typeof shipment>,
    ]
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: [
        event(insured.waybill, {
          type: 'exception',
          reason: 'lost',
          hub: 'HGH-SC',
          time: new Date(Date.now() - 60_000).toISOString(),
        }),
      ],
    })
    await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date())
    const auto = await api(sys, { cookie: who['fin-a'] }).get('/api/v1/claims', {
      query: { state: 'all', waybill: insured.waybill },
    })
    expect(auto.claims).toHaveLength(1)
    // Insured: the declared value, ¥1,000.
    expect(auto.claims[0]).toMatchObject({
      source: 'exception',
      reason: 'lost',
      state: 'open',
      amountFen: 1000_00,
    })
    // A second sweep opens nothing more.
    await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date())
    expect(
      (
        await api(sys, { cookie: who['fin-a'] }).get('/api/v1/claims', {
          query: { state: 'all', waybill: insured.waybill },
        })
      ).claims,
    ).toHaveLength(1)

    const before = await summary(today(), today())
    expect(before.compensation.fen).toBe(sum(paidToday.map((p) => p.fen)))
    const autoId = auto.claims[0]!.id
    expect(
      (await call(sys, 'POST', `/api/v1/claims/${autoId}/pay`, { cookie: who['fin-a'], body: { paymentRef: 'X' } }))
        .status,
    ).toBe(409)
    await call(sys, 'POST', `/api/v1/claims/${autoId}/approve`, {
      cookie: who['mgr-a'],
      body: { note: 'searched, not found' },
    })
    const paid = await api(sys, { cookie: who['fin-a'] }).post('/api/v1/claims/:id/pay', {
      params: { id: autoId },
      body: { paymentRef: 'BANK-1' },
    })
    paidToday.push({ reason: 'lost', fen: paid.claim.amountFen })
    // Uninsured, damaged at 50 %: 3 × fee × 50 %.
    const damaged = await payClaim(plain.waybill, 'damaged', 50)
    expect(damaged.amountFen).toBe(Math.round((Math.min(3 * fees.get(plain.waybill)!, 500_00) * 50) / 100))
    // Approved but not paid: not compensation yet.
    const open = await api(sys, { cookie: who['cs-a'] }).post('/api/v1/claims', {
      body: { waybill: third.waybill, reason: 'damaged' },
    })
    await call(sys, 'POST', `/api/v1/claims/${open.claim.id}/approve`, {
      cookie: who['mgr-a'],
      body: { note: 'ok' },
    })

    const s = await summary(today(), today())
    expect(s.compensation.fen).toBe(sum(paidToday.map((p) => p.fen)))
    expect(s.compensation.byReason.lost.fen).toBe(sum(paidToday.filter((p) => p.reason === 'lost').map((p) => p.fen)))
    expect(s.compensation.byReason.damaged.fen).toBe(
      sum(paidToday.filter((p) => p.reason === 'damaged').map((p) => p.fen)),
    )
    await expectReconciled(s, today(), today())
    const live = await api(sys, { cookie: who['mgr-a'] }).get('/api/v1/finance/today')
    expect(live).toMatchObject({
      day: today(),
      compensationFen: s.compensation.fen,
      feesFen: s.fees.fen,
      netFen: s.netFen,
    })
    // The period that spans both: fees of the crafted days, compensation of today.
    const wide = await summary(day1, today())
    expect(wide.netFen).toBe(wide.fees.fen - s.compensation.fen)
  })

  it('exports the table by day as CSV with the figures the summary shows', async () => {
    const s = await summary(day1, day2)
    const res = await fetch(`${sys.url}/api/v1/finance/export.csv?from=${day1}&to=${day2}&table=days`, {
      headers: { cookie: who['fin-a']! },
    })
    expect(res.headers.get('content-type')).toMatch(/text\/csv/)
    const rows = (await res.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .map((l) => l.split(','))
    expect(rows[0]!.slice(0, 3)).toEqual(['日期', '件数', '运费（元）'])
    expect(rows.slice(1).map((r) => [r[0], Number(r[1]), Math.round(Number(r[2]) * 100)])).toEqual(
      s.byDay.map((d) => [d.day, d.fees.count, d.fees.fen]),
    )
  })
})

describe('finance figures on generated parcels (property)', () => {
  const HUBS = ['HGH-O1', 'SHA-O1', 'BJS-O1']
  let run = 0

  it('reconciles every table and drill-down with the generated parcels and paid claims', async () => {
    const parcelArb = fc.record({
      tier: fc.constantFrom('express', 'standard', 'economy'),
      origin: fc.constantFrom(...HUBS),
      dayOffset: fc.integer({ min: 0, max: 3 }),
      minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      weightKg: fc.integer({ min: 1, max: 400 }).map((x) => x / 10),
      declared: fc.option(fc.integer({ min: 1, max: 50_000 }), { nil: undefined }),
      payment: fc.constantFrom('unpaid', 'paid', 'invoiced'),
      claim: fc.option(
        fc.record({
          reason: fc.constantFrom('lost' as const, 'damaged' as const),
          percent: fc.integer({ min: 1, max: 100 }),
        }),
        { freq: 4, nil: undefined },
      ),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(parcelArb, { minLength: 1, maxLength: 12 }), async (gen) => {
        run++
        const start = dayBefore(300 - run * 5)
        const end = dayBefore(300 - run * 5 - 3)
        const parcels = gen.map((g) => {
          const d = dayBefore(300 - run * 5 - g.dayOffset)
          const at = new Date(Date.parse(`${d}T00:00:00+08:00`) + g.minute * 60_000).toISOString()
          return shipment({
            tier: g.tier,
            originHub: g.origin,
            destinationHub: g.origin === 'BJS-O1' ? 'SHA-O1' : 'BJS-O1',
            weightKg: g.weightKg,
            collectedAt: at,
            ...(g.declared ? { declaredValueYuan: g.declared } : {}),
          })
        })
        const fees = await post(parcels)
        for (const state of ['paid', 'invoiced'] as const) {
          const waybills = parcels
            .filter((_, i) => gen[i]!.payment === state || (state === 'paid' && gen[i]!.payment === 'invoiced'))
            .map((p) => p.waybill)
          if (waybills.length > 0)
            await call(sys, 'POST', '/api/v1/finance/payments', { cookie: who['fin-a'], body: { waybills, state } })
        }
        for (const [i, g] of gen.entries())
          if (g.claim) await payClaim(parcels[i]!.waybill, g.claim.reason, g.claim.percent)

        const s = await summary(start, end)
        expect(s.fees.fen).toBe(sum([...fees.values()]))
        expect(s.fees.count).toBe(parcels.length)
        for (const k of ['unpaid', 'paid', 'invoiced'] as const) {
          expect(s.fees.byState[k].fen).toBe(
            sum(parcels.filter((_, i) => gen[i]!.payment === k).map((p) => fees.get(p.waybill)!)),
          )
        }
        await expectReconciled(s, start, end)
        const t = await summary(today(), today())
        expect(t.compensation.fen).toBe(sum(paidToday.map((p) => p.fen)))
        expect(t.compensation.count).toBe(paidToday.length)
      }),
      { numRuns: 6 },
    )
  })
})

describe('period statements', () => {
  it('freezes the totals; finance reviews, another person approves; an approved statement never changes', async () => {
    const from = dayBefore(340)
    const to = dayBefore(339)
    const made = await api(sys, { cookie: who['fin-a'] }).post('/api/v1/finance/statements', {
      status: 201,
      body: { from, to },
    })
    const s = await summary(from, to)
    const id = made.statement.id
    expect(made.statement).toMatchObject({
      state: 'draft',
      periodFrom: from,
      periodTo: to,
      feesFen: s.fees.fen,
      feeLines: s.fees.count,
      compensationFen: 0,
      claimLines: 0,
      netFen: s.netFen,
      generatedBy: 'fin-a',
    })
    // Not before review; a manager does not review.
    expect(
      (await call(sys, 'POST', `/api/v1/finance/statements/${id}/approve`, { cookie: who['mgr-a'], body: {} })).status,
    ).toBe(409)
    expect(
      (await call(sys, 'POST', `/api/v1/finance/statements/${id}/review`, { cookie: who['mgr-a'], body: {} })).status,
    ).toBe(403)
    // The same person cannot review and approve (admin holds both roles).
    expect(
      (
        await call(sys, 'POST', `/api/v1/finance/statements/${id}/review`, {
          cookie: who.admin,
          body: { note: 'checked' },
        })
      ).status,
    ).toBe(200)
    const self = await call(sys, 'POST', `/api/v1/finance/statements/${id}/approve`, { cookie: who.admin, body: {} })
    expect(self.status).toBe(409)
    expect(errorOf(self).message).toMatch(/cannot also approve/)
    const ok = await api(sys, { cookie: who['mgr-a'] }).post('/api/v1/finance/statements/:id/approve', {
      status: 200,
      params: { id },
      body: { note: 'approved for filing' },
    })
    expect(ok.statement).toMatchObject({
      state: 'approved',
      reviewedBy: 'Administrator',
      approvedBy: 'mgr-a',
      approveNote: 'approved for filing',
    })
    expect(ok.statement.approvedAt).toBeTruthy()
    // Frozen: later payments change the live figures, not the statement.
    const w = (
      await api(sys, { cookie: who['fin-a'] }).get('/api/v1/finance/fees', { query: { from, to, state: 'unpaid' } })
    ).lines[0]!.waybill
    await call(sys, 'POST', '/api/v1/finance/payments', {
      cookie: who['fin-a'],
      body: { waybills: [w], state: 'paid' },
    })
    const again = await api(sys, { cookie: who['fin-b'] }).get('/api/v1/finance/statements/:id', { params: { id } })
    expect(again.statement.totals.fees.byState).toEqual(made.statement.totals.fees.byState)
    expect(
      (await call(sys, 'POST', `/api/v1/finance/statements/${id}/approve`, { cookie: who['fin-b'], body: {} })).status,
    ).toBe(403)
    expect(
      (await call(sys, 'POST', `/api/v1/finance/statements/${id}/review`, { cookie: who['fin-b'], body: {} })).status,
    ).toBe(409)
    await expect(
      sys.database.pool.query('UPDATE finance_statements SET net_fen = 0 WHERE id = $1', [id]),
    ).rejects.toThrow(/approved and cannot change/)
    await expect(sys.database.pool.query('DELETE FROM finance_statements WHERE id = $1', [id])).rejects.toThrow(
      /approved and cannot change/,
    )
  })

  it('keeps the lines it counts: its totals are their sums, the CSV holds every one, and later changes show against them without touching them', async () => {
    const day = today()
    // Today's parcels and a claim paid today, besides what other tests wrote today.
    // Collected today in Shanghai: the builder's default (six hours ago) is yesterday between 00:00 and 06:00 Beijing time.
    const collectedAt = new Date(
      Math.max(Date.now() - 6 * 3_600_000, startOfShanghaiDay(new Date()).getTime()),
    ).toISOString()
    const parcels = [
      shipment({ tier: 'express', collectedAt }),
      shipment({ tier: 'economy', collectedAt }),
      shipment({ declaredValueYuan: 300, collectedAt }),
    ]
    await post(parcels)
    await payClaim(parcels[2]!.waybill, 'lost')
    const made = await api(sys, { cookie: who['fin-a'] }).send('POST', '/api/v1/finance/statements', {
      body: { from: day, to: day },
    })
    expect(made.status).toBe(201)
    if (!made.ok) throw new Error('no statement')
    const st = made.body.statement
    const lines = (kind: 'fee' | 'claim') =>
      api(sys, { cookie: who['mgr-a'] }).get('/api/v1/finance/statements/:id/lines', {
        params: { id: st.id },
        query: { kind, limit: 1000 },
      })
    const fees = await lines('fee')
    const claims = await lines('claim')
    // The totals are the sums of the lines, and the lines are the live drill-downs of that moment.
    expect([fees.count, fees.fen]).toEqual([st.feeLines, st.feesFen])
    expect([sum(fees.lines.map((l) => l.amountFen)), fees.lines.length]).toEqual([st.feesFen, st.feeLines])
    expect([claims.count, claims.fen]).toEqual([st.claimLines, st.compensationFen])
    expect(st.netFen).toBe(st.feesFen - st.compensationFen)
    const liveFees = await feeLines({ from: day, to: day })
    expect(fees.lines.map((l) => [l.waybill, l.amountFen, l.tier, l.paymentState]).sort()).toEqual(
      liveFees.lines.map((l) => [l.waybill, l.feeFen, l.tier, l.paymentState]).sort(),
    )
    const liveClaims = await api(sys, { cookie: who['fin-a'] }).get('/api/v1/finance/compensation', {
      query: { from: day, to: day, limit: 1000 },
    })
    expect(claims.lines.map((l) => [Number(l.ref), l.waybill, l.amountFen]).sort()).toEqual(
      liveClaims.lines.map((l) => [l.claimId, l.waybill, l.amountFen]).sort(),
    )
    for (const p of parcels) expect(fees.lines.map((l) => l.waybill)).toContain(p.waybill)
    expect(claims.lines.map((l) => l.waybill)).toContain(parcels[2]!.waybill)
    // Unchanged yet.
    const fresh = await api(sys, { cookie: who['mgr-a'] }).get('/api/v1/finance/statements/:id', {
      params: { id: st.id },
    })
    expect(fresh.changes.fees).toMatchObject({ added: 0, removed: 0, changed: 0 })
    expect(fresh.changes.claims).toMatchObject({ added: 0, removed: 0, changed: 0 })

    // The CSV holds every line, in yuan.
    const res = await fetch(`${sys.url}/api/v1/finance/statements/${st.id}/lines.csv?kind=fee`, {
      headers: { cookie: who['fin-a']! },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toContain(`parcelwatch-statement-${st.id}-fees-${day}-${day}.csv`)
    const rows = (await res.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .map((r) => r.split(','))
    // Chinese headers and labels, like the other exports; amounts stay plain yuan.
    expect(rows[0]).toEqual(['运单号', '日期', '时效', '地区', '付款状态', '运费（元）'])
    expect(
      rows
        .slice(1)
        .every((r) => ['特快', '标准', '经济'].includes(r[2]!) && ['未付', '已付', '已开票'].includes(r[4]!)),
    ).toBe(true)
    expect(rows).toHaveLength(st.feeLines + 1)
    expect(sum(rows.slice(1).map((r) => Math.round(Number(r[5]) * 100)))).toBe(st.feesFen)
    expect(new Set(rows.slice(1).map((r) => r[0]))).toEqual(new Set(fees.lines.map((l) => l.waybill)))

    // Later: a parcel collected today is registered, another claim is paid, a fee is corrected.
    const late = shipment({ collectedAt })
    const lateFee = (await post([late])).get(late.waybill)!
    const second = await payClaim(parcels[0]!.waybill, 'damaged')
    await sys.database.pool.query('UPDATE shipments SET fee_total_fen = fee_total_fen + 150 WHERE waybill = $1', [
      parcels[1]!.waybill,
    ])
    const after = await api(sys, { cookie: who['mgr-a'] }).get('/api/v1/finance/statements/:id', {
      params: { id: st.id },
    })
    expect(after.changes.fees).toEqual({
      added: 1,
      addedFen: lateFee,
      removed: 0,
      removedFen: 0,
      changed: 1,
      changedFen: 150,
    })
    expect(after.changes.claims).toEqual({
      added: 1,
      addedFen: second.amountFen,
      removed: 0,
      removedFen: 0,
      changed: 0,
      changedFen: 0,
    })
    // … and the statement's lines and totals are what they were.
    expect(await lines('fee')).toEqual(fees)
    expect(await lines('claim')).toEqual(claims)
    expect(after.statement).toMatchObject({
      feesFen: st.feesFen,
      feeLines: st.feeLines,
      compensationFen: st.compensationFen,
    })
    await expect(
      sys.database.pool.query(`UPDATE finance_statement_lines SET amount_fen = 0 WHERE statement_id = $1`, [st.id]),
    ).rejects.toThrow(/cannot change/)
    await expect(
      sys.database.pool.query(`DELETE FROM finance_statement_lines WHERE statement_id = $1`, [st.id]),
    ).rejects.toThrow(/cannot change/)
    // A bad kind is named; an unknown statement is 404.
    const bad = await call(sys, 'GET', `/api/v1/finance/statements/${st.id}/lines?kind=fees`, { cookie: who['mgr-a'] })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toContain('kind')
    expect(
      (await call(sys, 'GET', '/api/v1/finance/statements/999999/lines?kind=fee', { cookie: who['mgr-a'] })).status,
    ).toBe(404)
    expect(
      (await call(sys, 'GET', `/api/v1/finance/statements/${st.id}/lines?kind=fee`, { cookie: who['cs-a'] })).status,
    ).toBe(403)
  })

  it("settles a damaged parcel's share at approval: the amount follows the rule, the change is in the history, and compensation counts what was paid", async () => {
    const [parcel, lostOne] = [shipment({ declaredValueYuan: 800 }), shipment()]
    await post([parcel, lostOne])
    const opened = await api(sys, { cookie: who['cs-a'] }).post('/api/v1/claims', {
      body: { waybill: parcel.waybill, reason: 'damaged' },
    })
    expect(opened.claim.amountFen).toBe(800_00) // opened at 100 %
    const id = opened.claim.id
    // Neither an out-of-range share nor a share on a lost parcel's claim is taken.
    const bad = await call(sys, 'POST', `/api/v1/claims/${id}/approve`, {
      cookie: who['mgr-a'],
      body: { note: 'x', damagePercent: 0 },
    })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toContain('damagePercent')
    const lost = await api(sys, { cookie: who['cs-a'] }).post('/api/v1/claims', {
      body: { waybill: lostOne.waybill, reason: 'lost' },
    })
    const lostApproval = await call(sys, 'POST', `/api/v1/claims/${lost.claim.id}/approve`, {
      cookie: who['mgr-a'],
      body: { note: 'x', damagePercent: 50 },
    })
    expect(lostApproval.status).toBe(400)
    expect(JSON.stringify(lostApproval.body)).toContain('damagePercent')
    expect(
      (await api(sys, { cookie: who['fin-a'] }).get('/api/v1/claims/:id', { params: { id: lost.claim.id } })).claim
        .state,
    ).toBe('open') // nothing happened
    // Rejecting takes no share.
    expect(
      (
        await call(sys, 'POST', `/api/v1/claims/${id}/reject`, {
          cookie: who['mgr-a'],
          body: { note: 'x', damagePercent: 40 },
        })
      ).status,
    ).toBe(400)

    const approved = await api(sys, { cookie: who['mgr-a'] }).post('/api/v1/claims/:id/approve', {
      status: 200,
      params: { id },
      body: { note: 'agreed 40 % with the customer', damagePercent: 40 },
    })
    expect(approved.claim).toMatchObject({ state: 'approved', amountFen: 320_00 })
    expect(approved.claim.basis).toMatchObject({ damagePercent: 40, basis: 'declared_value' })
    expect(approved.claim.history!.at(-1)).toMatchObject({
      action: 'approved',
      note: '[100% → 40%: ¥800.00 → ¥320.00] agreed 40 % with the customer',
    })
    const before = await summary(today(), today())
    const paid = await api(sys, { cookie: who['fin-b'] }).post('/api/v1/claims/:id/pay', {
      params: { id },
      body: { paymentRef: 'BANK-AGREED' },
    })
    expect(paid.claim.amountFen).toBe(320_00)
    paidToday.push({ reason: 'damaged', fen: 320_00 })
    const after = await summary(today(), today())
    expect(after.compensation.byReason.damaged.fen - before.compensation.byReason.damaged.fen).toBe(320_00)
    expect(after.compensation.fen).toBe(sum(paidToday.map((p) => p.fen)))
  })

  it('keeps finance figures from roles outside finance and management', async () => {
    for (const name of ['cs-a', 'ops-a']) {
      expect(
        (await call(sys, 'GET', `/api/v1/finance/summary?from=${today()}&to=${today()}`, { cookie: who[name] })).status,
      ).toBe(403)
    }
  })
})
