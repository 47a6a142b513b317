/**
 * Search as customer service speaks (issue 12, manual 5.1.2): two-character and
 * partial names, recipient or sender, a name plus the phone's last 4 digits, a
 * waybill prefix; ranked; masked and audited as before; too-short queries refused
 * with a stable code naming the rule. And the indexes that serve it, by EXPLAIN on
 * a table of 30,000 parcels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api, errorOf } from '../helpers/api.ts'
import { shipment } from '../helpers/builders.ts'
import { parseSearch } from '../../server/domain/search-query.ts'
import { searchStatement } from '../../server/db/shipments-repo.ts'

let sys: TestSystem
let cs: string
let control: string
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString()
const person = (name: string, phone: string) => ({
  name,
  phone,
  address: '上海市浦东新区世纪大道 100 号',
  city: '上海',
})

const P = {
  simaLin: shipment({ recipient: person('司马琳', '13800001111'), collectedAt: hoursAgo(30) }),
  simaLinLin: shipment({ recipient: person('司马琳琳', '13800002222'), collectedAt: hoursAgo(2) }),
  liNaOld: shipment({ recipient: person('李娜', '13900001234'), collectedAt: hoursAgo(20) }),
  liNaNew: shipment({ recipient: person('李娜', '13900005678'), collectedAt: hoursAgo(3) }),
  senderSima: shipment({
    sender: person('司马懿', '13700003333'),
    recipient: person('张伟', '13700004444'),
    collectedAt: hoursAgo(5),
  }),
}

beforeAll(async () => {
  sys = await startTestSystem()
  await addUser(sys, 'cs-1', 'cs_operator')
  await addUser(sys, 'ctl-1', 'control_room')
  cs = await login(sys, 'cs-1')
  control = await login(sys, 'ctl-1')
  const r = await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: Object.values(P) })
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300)
})
afterAll(async () => {
  await sys?.stop()
})

async function search(q: string, cookie = cs) {
  const r = await api(sys, { cookie }).get('/api/v1/track', { status: 200, query: { q } })
  return r.results
}

describe('search as customer service speaks', () => {
  it('finds a three-character name, exact before partial whatever their age', async () => {
    const hits = await search('司马琳')
    expect(hits.map((h) => [h.waybill, h.match])).toEqual([
      [P.simaLin.waybill, 'name'],
      [P.simaLinLin.waybill, 'name_partial'],
    ])
  })

  it('finds a two-character name, the most recent first', async () => {
    const hits = await search('李娜')
    expect(hits.map((h) => h.waybill)).toEqual([P.liNaNew.waybill, P.liNaOld.waybill])
  })

  it('finds a partial name in recipients and senders', async () => {
    const hits = await search('司马')
    expect(hits.map((h) => h.waybill).sort()).toEqual(
      [P.simaLin.waybill, P.simaLinLin.waybill, P.senderSima.waybill].sort(),
    )
    expect(hits.every((h) => h.match === 'name_partial')).toBe(true)
  })

  it("narrows a name by the phone's last 4 digits", async () => {
    expect((await search('李娜 1234')).map((h) => [h.waybill, h.match])).toEqual([[P.liNaOld.waybill, 'name_last4']])
    expect((await search('李娜5678')).map((h) => h.waybill)).toEqual([P.liNaNew.waybill])
    expect((await search('李 5678')).map((h) => h.waybill)).toEqual([P.liNaNew.waybill])
  })

  it('finds by waybill prefix of 6 or more, the exact waybill first', async () => {
    const exact = await search(P.liNaOld.waybill.toLowerCase())
    expect(exact[0]).toMatchObject({ waybill: P.liNaOld.waybill, match: 'waybill' })
    const prefix = P.simaLin.waybill.slice(0, -3)
    const hits = await search(prefix)
    expect(hits.map((h) => h.waybill)).toContain(P.simaLin.waybill)
    expect(hits.every((h) => h.waybill.startsWith(prefix))).toBe(true)
  })

  it('finds by full phone and by its last 4 digits', async () => {
    expect((await search('13800001111')).map((h) => [h.waybill, h.match])).toEqual([[P.simaLin.waybill, 'phone']])
    expect((await search('2222')).map((h) => h.waybill)).toEqual([P.simaLinLin.waybill])
  })

  it('masks for the control room, and audits what customer service was shown, never the query', async () => {
    const masked = await search('司马琳', control)
    expect(masked[0]).toMatchObject({ masked: true, recipient: { name: '司**' } })
    expect(JSON.stringify(masked)).not.toContain('司马琳')
    const before = await sys.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'parcel.search_unmask'`,
    )
    await search('李娜 1234')
    const rows = await sys.database.pool.query(
      `SELECT target, route, details FROM audit_log WHERE action = 'parcel.search_unmask' ORDER BY id DESC LIMIT 1`,
    )
    const after = await sys.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'parcel.search_unmask'`,
    )
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n + 1)
    expect(rows.rows[0].details).toEqual({ waybills: [P.liNaOld.waybill] })
    expect(JSON.stringify(rows.rows[0])).not.toMatch(/李娜|1234/)
  })

  it.each([
    ['李', 'name_min_2'],
    ['12', 'phone_full_or_last_4'],
    ['PW12', 'waybill_prefix_min_6'],
  ])('refuses %j with code query_too_short naming the rule %s', async (q, rule) => {
    const r = await call(sys, 'GET', `/api/v1/track?q=${encodeURIComponent(q)}`, { cookie: cs })
    expect(r.status).toBe(400)
    expect(errorOf(r).code).toBe('query_too_short')
    expect(errorOf(r).details).toEqual([expect.objectContaining({ field: 'q', rule })])
  })
})

describe('the indexes that serve it', () => {
  beforeAll(async () => {
    // 30,000 parcels with names from a small pool, straight into the table (the
    // planner needs a table big enough that an index beats reading it all).
    await sys.database.pool.query(`
      INSERT INTO shipments (waybill, tier, sender_name, sender_phone, sender_city, recipient_name, recipient_phone, recipient_phone_last4,
        recipient_city, origin_hub, destination_hub, item_name, weight_kg, volume_cm3, chargeable_weight_kg, fee_zone,
        fee_base_fen, fee_weight_fen, fee_tier_fen, fee_insurance_fen, fee_total_fen, collected_at, collected_by, status, status_at)
      SELECT 'PWX' || lpad(i::text, 10, '0'), 'standard',
        (ARRAY['王','李','张','刘','陈','杨','黄','赵'])[1 + i % 8] || (ARRAY['伟','芳','敏','静','强','磊','军','洋','勇','艳'])[1 + (i / 8) % 10],
        '139' || lpad(i::text, 8, '0'), '杭州',
        (ARRAY['周','吴','徐','孙','马','朱','胡','郭'])[1 + (i / 3) % 8] || (ARRAY['丽','娟','涛','明','超','秀英','华','平'])[1 + (i / 7) % 8],
        '138' || lpad(i::text, 8, '0'), lpad((i % 10000)::text, 4, '0'),
        '上海', 'HGH-O1', 'SHA-O1', '书籍', 1, 1000, 1, 1, 1000, 0, 0, 0, 1000,
        now() - (i || ' minutes')::interval, 'C-HGH-O1-01', 'collected', now()
      FROM generate_series(1, 30000) AS i`)
    await sys.database.pool.query('ANALYZE shipments')
  }, 180_000)

  async function plan(q: string): Promise<string> {
    const { text, values } = searchStatement(parseSearch(q), 50)
    const r = await sys.database.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)
    return r.rows.map((x) => x['QUERY PLAN']).join('\n')
  }

  it.each([
    ['a two-character name', '马丽', /shipments_name_bigrams/],
    ['a partial name', '王伟', /shipments_name_bigrams/],
    ['a name and last 4 digits', '朱娟 0042', /shipments_name_bigrams|shipments_recipient_phone_last4/],
    ['a waybill prefix', 'PWX00000123', /shipments_waybill_prefix|shipments_pkey/],
    ['the last 4 digits', '0042', /shipments_recipient_phone_last4/],
  ])('%s is served by an index, not a scan of the table', async (_label, q, index) => {
    const p = await plan(q)
    expect(p).toMatch(index)
    expect(p).not.toMatch(/Seq Scan on shipments/)
  })
})
