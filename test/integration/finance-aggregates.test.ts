import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { newWaybill, shipment } from '../helpers/builders.ts'
import { runDbPolicies } from '../../jobs/processors/run-db-policies.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { compensationGroups, feeGroups, type FinanceSource } from '../../server/db/finance-repo.ts'
import { recordPayments } from '../../server/services/finance.ts'
import { startOfDay, shanghaiDay } from '../../server/domain/calendar.ts'

// Fees by collection day, tier, region and payment state (sql/024 ledger, 025 aggregate)
// and compensation by payment day and reason (034, 035) must equal the same question
// asked of shipments and claims, whatever happens to them: parcels posted through the
// API, payment states moved forward, fees and tiers corrected and parcels deleted by
// hand (SQL), claims paid, re-dated and re-amounted. Checked live (real-time part) and
// after the aggregates are materialised.

const HOUR = 3_600_000
const DAY = 24 * HOUR
const HUBS = ['SHA-O1', 'BJS-O1', 'HGH-O1', 'NKG-O1', 'SZX-O1']
const TIERS = ['express', 'standard', 'economy'] as const

let sys: TestSystem
let adminId = 0
const log = createLogger('silent')

const opArb = fc.oneof(
  fc.record({
    kind: fc.constant('move' as const),
    pick: fc.nat(),
    to: fc.constantFrom('paid' as const, 'invoiced' as const),
  }),
  fc.record({
    kind: fc.constant('refee' as const),
    pick: fc.nat(),
    fen: fc.integer({ min: 0, max: 50_000 }),
    tier: fc.constantFrom(...TIERS),
  }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('claim' as const),
    pick: fc.nat(),
    reason: fc.constantFrom('lost' as const, 'damaged' as const),
    fen: fc.integer({ min: 1, max: 90_000 }),
    paidDaysAgo: fc.integer({ min: 0, max: 20 }),
    pay: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('recomp' as const),
    pick: fc.nat(),
    fen: fc.integer({ min: 1, max: 90_000 }),
    paidDaysAgo: fc.integer({ min: 0, max: 20 }),
  }),
)
const scenarioArb = fc.record({
  parcels: fc.array(
    fc.record({
      tier: fc.constantFrom(...TIERS),
      hub: fc.integer({ min: 0, max: HUBS.length - 1 }),
      daysAgo: fc.integer({ min: 0, max: 20 }),
      hour: fc.integer({ min: 0, max: 23 }),
    }),
    { minLength: 3, maxLength: 15 },
  ),
  ops: fc.array(opArb, { maxLength: 15 }),
})

const byKey = <T extends object>(rows: readonly T[]) => [...rows].map((r) => JSON.stringify(r)).sort()

async function figures(src: FinanceSource) {
  const from = startOfDay(shanghaiDay(new Date(Date.now() - 30 * DAY)))
  const to = startOfDay(shanghaiDay(new Date(Date.now() + 2 * DAY)))
  return {
    fees: byKey(await feeGroups(sys.database.pool, from, to, src)),
    compensation: byKey(await compensationGroups(sys.database.pool, from, to, src)),
  }
}

async function assertAgreement() {
  const agg = await figures('aggregate')
  expect(agg).toEqual(await figures('raw'))
  return agg
}

beforeAll(async () => {
  sys = await startTestSystem()
  adminId = Number(
    (await sys.database.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`)).rows[0]!.id,
  )
})
afterAll(async () => {
  await sys?.stop()
})

describe('finance continuous aggregates', () => {
  it('give exactly the fees and compensation of the live shipments and claims, through every kind of change', async () => {
    const db = sys.database.pool
    const waybills: string[] = []
    const claimIds: number[] = []
    let checked = 0
    let deleted = 0
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ parcels, ops }) => {
        const now = Date.now()
        const ships = parcels.map((p) =>
          shipment({
            waybill: newWaybill(),
            tier: p.tier,
            originHub: HUBS[p.hub],
            destinationHub: HUBS[(p.hub + 1) % HUBS.length],
            collectedBy: `C-${HUBS[p.hub]}-01`,
            collectedAt: new Date(now - p.daysAgo * DAY - p.hour * HOUR).toISOString(),
          }),
        )
        const r = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: ships })
        expect(r.rejected).toEqual([])
        waybills.push(...ships.map((s) => s.waybill))
        const pickWaybill = (n: number) => waybills[n % waybills.length]!
        for (const op of ops) {
          if (op.kind === 'move') {
            await recordPayments(db, [pickWaybill(op.pick)], op.to, adminId, new Date())
          } else if (op.kind === 'refee') {
            await db.query(`UPDATE shipments SET fee_total_fen = $2, tier = $3 WHERE waybill = $1`, [
              pickWaybill(op.pick),
              op.fen,
              op.tier,
            ])
          } else if (op.kind === 'delete') {
            const w = pickWaybill(op.pick)
            const gone = await db
              .query(
                `DELETE FROM shipments s WHERE waybill = $1 AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.waybill = s.waybill)
            AND NOT EXISTS (SELECT 1 FROM payment_history p WHERE p.waybill = s.waybill)`,
                [w],
              )
              .catch(() => null)
            if (gone?.rowCount) {
              waybills.splice(waybills.indexOf(w), 1)
              deleted++
            }
          } else if (op.kind === 'claim') {
            const paidAt = new Date(now - op.paidDaysAgo * DAY)
            const c = await db.query<{ id: string }>(
              `INSERT INTO claims (waybill, reason, source, state, amount_fen, basis, opened_at, decided_at, decided_by, paid_at, paid_by)
             SELECT $1, $2, 'operator', 'approved', $3, '{}'::jsonb, $4, $4, $5, NULL, NULL
             WHERE NOT EXISTS (SELECT 1 FROM claims WHERE waybill = $1 AND state <> 'rejected') RETURNING id`,
              [pickWaybill(op.pick), op.reason, op.fen, paidAt, adminId],
            )
            const id = c.rows[0] ? Number(c.rows[0].id) : null
            if (id !== null) {
              claimIds.push(id)
              if (op.pay)
                await db.query(`UPDATE claims SET state = 'paid', paid_at = $2, paid_by = $3 WHERE id = $1`, [
                  id,
                  paidAt,
                  adminId,
                ])
            }
          } else if (op.kind === 'recomp' && claimIds.length > 0) {
            await db.query(
              `UPDATE claims SET amount_fen = $2, paid_at = CASE WHEN state = 'paid' THEN $3 ELSE paid_at END WHERE id = $1`,
              [claimIds[op.pick % claimIds.length], op.fen, new Date(now - op.paidDaysAgo * DAY)],
            )
          }
        }
        // Live: the entries just written (today's bucket, never materialised) come from the real-time part.
        await assertAgreement()
        // As if written a day earlier (sums unchanged): the policies materialise them, with the older ones.
        await db.query(`WITH m AS (DELETE FROM fee_ledger RETURNING *)
        INSERT INTO fee_ledger SELECT at - INTERVAL '1 day', collected_day, tier, origin_hub, state, fen, parcels FROM m`)
        await db.query(`WITH m AS (DELETE FROM claim_ledger RETURNING *)
        INSERT INTO claim_ledger SELECT at - INTERVAL '1 day', paid_day, reason, fen, claims FROM m`)
        await runDbPolicies({ db, log }, {}, new Date(now + ++checked * DAY))
        // Older entries moved out of the policies' 3 days (only this test back-dates entries): refresh them too.
        for (const cagg of ['finance_fees_daily', 'finance_compensation_daily'])
          await db.query(`CALL refresh_continuous_aggregate('${cagg}', NULL, now())`)
        const materialised = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM finance_fees_daily WHERE written < now() - INTERVAL '1 day'`,
        )
        expect(Number(materialised.rows[0]!.n)).toBeGreaterThan(0)
        const agg = await assertAgreement()
        expect(agg.fees.length).toBeGreaterThan(0)
      }),
      {
        numRuns: 12,
        endOnFailure: true,
        // First, one scenario that surely pays a claim, pays a fee and deletes a parcel, so the checks
        // below never depend on what the random runs drew (in a clean-clone run, none paid a claim).
        examples: [
          [
            {
              parcels: [
                { tier: 'express', hub: 0, daysAgo: 2, hour: 9 },
                { tier: 'standard', hub: 1, daysAgo: 1, hour: 14 },
                { tier: 'economy', hub: 2, daysAgo: 0, hour: 1 },
              ],
              ops: [
                { kind: 'claim', pick: 0, reason: 'lost', fen: 12_000, paidDaysAgo: 1, pay: true },
                { kind: 'move', pick: 1, to: 'paid' },
                { kind: 'delete', pick: 2 },
              ],
            },
          ],
        ],
      },
    )
    // The figures were not all trivially empty: parcels were deleted, some compensation was paid, some fee paid or invoiced.
    expect(deleted).toBeGreaterThan(0)
    const all = await figures('aggregate')
    expect(all.compensation.length).toBeGreaterThan(0)
    expect(all.fees.some((f) => /"state":"(paid|invoiced)"/.test(f))).toBe(true)
  }, 240_000)
})
