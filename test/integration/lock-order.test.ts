import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_COURIERS, DEMO_HUBS } from '../../server/data/network.ts'
import { insertClaim } from '../../server/db/claims-repo.ts'
import { migrate } from '../../server/db/migrate.ts'
import { upsertCouriers, upsertHubs } from '../../server/db/reference-repo.ts'
import { lockStates } from '../../server/db/shipments-repo.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { CalendarService } from '../../server/services/calendar.ts'
import { ReferenceData } from '../../server/services/reference.ts'
import { createShipments } from '../../server/services/shipments.ts'
import { shipment } from '../helpers/builders.ts'
import { scratchDatabase, TEST_SERVER_URL } from '../helpers/server-database.ts'
import { onlyOn } from '../helpers/test-db.ts'

/**
 * The deadlock a TimescaleDB server showed (issue 14), replayed step by step with two
 * clients and the product's own statements: ingest locks parcels A and B (lockStates),
 * while the SLA sweep, opening claims, has inserted B's claim and goes on to A's (each
 * claim takes a KEY SHARE lock on its parcel through the foreign key). With ingest
 * taking FOR UPDATE this was a cycle (40P01 after deadlock_timeout); with FOR NO KEY
 * UPDATE the two locks don't conflict, and both transactions commit without waiting.
 * The embedded engine runs one transaction at a time, so this interleaving can't happen
 * there: the test needs a server.
 */
describe.skipIf(
  onlyOn('server', 'the embedded engine runs one transaction at a time: this interleaving cannot happen there'),
)('lock order on a TimescaleDB server', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>
  let pool: pg.Pool
  const clients: pg.PoolClient[] = []

  beforeAll(async () => {
    scratch = await scratchDatabase(TEST_SERVER_URL!)
    pool = new pg.Pool({ connectionString: scratch.url, max: 4 })
    await migrate(pool, createLogger('silent'))
    await upsertHubs(pool, DEMO_HUBS)
    await upsertCouriers(pool, DEMO_COURIERS)
  })
  afterAll(async () => {
    for (const c of clients) c.release()
    await pool?.end()
    await scratch?.drop()
  })

  async function lostParcels(n: number): Promise<string[]> {
    const reference = new ReferenceData(pool)
    await reference.load()
    const rows = Array.from({ length: n }, () => shipment())
    const r = await createShipments(pool, reference, new CalendarService(pool, 18), rows)
    expect(r.accepted).toHaveLength(n)
    const waybills = rows.map((s) => s.waybill).sort()
    await pool.query(
      `UPDATE shipments SET status = 'exception', exception_reason = 'lost' WHERE waybill = ANY($1::text[])`,
      [waybills],
    )
    return waybills
  }
  const claim = (waybill: string) => ({
    waybill,
    reason: 'lost' as const,
    source: 'exception' as const,
    amountFen: 100,
    basis: {},
    note: 'test',
    openedAt: new Date(),
    openedBy: null,
  })
  const settledWithin = async (p: Promise<unknown>, ms: number) =>
    Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      new Promise((resolve) => setTimeout(() => resolve(false), ms)),
    ])

  it('ingest locking parcels A, B while the sweep inserts claims for B then A: neither waits, both commit, no deadlock', async () => {
    const [a, b] = await lostParcels(2)
    const sweep = await pool.connect()
    const ingest = await pool.connect()
    clients.push(sweep, ingest)
    await sweep.query('BEGIN')
    await ingest.query('BEGIN')
    expect(await insertClaim(sweep, claim(b!))).toBeGreaterThan(0)
    const locking = lockStates(ingest, [a!, b!])
    locking.catch(() => undefined)
    // The parcel lock does not wait for the claim's KEY SHARE lock on B.
    expect(await settledWithin(locking, 2_000)).toBe(true)
    expect([...(await locking).keys()]).toEqual([a, b])
    // Nor does the claim on A wait for ingest's lock on A.
    expect(await settledWithin(insertClaim(sweep, claim(a!)), 2_000)).toBe(true)
    await sweep.query('COMMIT')
    await ingest.query(`UPDATE shipments SET updated_at = now() WHERE waybill = ANY($1::text[])`, [[a, b]])
    await ingest.query('COMMIT')
    expect(
      (await pool.query('SELECT count(*)::int AS n FROM claims WHERE waybill = ANY($1::text[])', [[a, b]])).rows[0].n,
    ).toBe(2)
  })
})
