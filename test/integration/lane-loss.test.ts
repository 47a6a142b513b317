import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { virtualNetwork } from '../helpers/virtual-network.ts'
import { DEMO_COURIERS, DEMO_HUBS } from '../../server/data/network.ts'
import { upsertHubs } from '../../server/db/reference-repo.ts'
import { slowGroups } from '../../server/services/detection.ts'
import { hubsWithRecentAlerts } from '../../server/db/detection-repo.ts'
import { createSimStepper } from '../../sim/stepper.ts'
import { readLedgerLines } from '../../sim/ledger.ts'
import { benchNetwork } from '../../bench/lib/alert-scenario.ts'
import { runVirtual } from '../../bench/lib/virtual-run.ts'

/**
 * A truckload lost on a lane that flows before and after it: the simulator's lane loss
 * (every parcel leaving HGH-SC for SHA-TC in 90 minutes never arrives), two simulated
 * days of history before it, ingested by the server's own code on a virtual clock.
 * The legs take 2.4–3 h, so the parcels that left after the loss arrive within minutes
 * of the lost ones becoming overdue: the lane flows again, and laneOverdue alone never
 * paged it (alert benchmark). The lost form finds it, and only the lost parcels are in it.
 */
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const OUTLETS = ['SHA-O1', 'HGH-O1', 'YIW-O1'] as const
const START = Date.parse('2026-03-10T06:00:00+08:00')
const LOSS_FROM = START + 2 * HOUR
const LOSS_MS = 90 * MIN

let sys: TestSystem
let dir: string
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false', SEED_NETWORK: 'false' })
  dir = await mkdtemp(join(tmpdir(), 'pw-lane-loss-'))
})
afterAll(async () => {
  await sys?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('a batch lost on a lane that flows', () => {
  it('is one lane alert naming the lost parcels’ departures, and nothing before it', { timeout: 900_000 }, async () => {
    const { db, network, system } = await virtualNetwork(sys, OUTLETS)
    const stepper = createSimStepper({
      hubs: network.hubs,
      couriers: network.couriers,
      seed: 5,
      simStart: START,
      warmupMs: 2 * DAY,
      perSimHour: 60,
      incidents: [
        { kind: 'lane-loss', hub: 'HGH-SC', toHub: 'SHA-TC', offsetMs: LOSS_FROM - START, durationMs: LOSS_MS },
      ],
      runTag: 'LL5',
      ledgerFile: join(dir, 'ledger.jsonl'),
    })
    const hubs = new Map(network.hubs.map((h) => [h.code, h]))
    const run = (from: number, to: number) =>
      runVirtual({
        ...system,
        stepper,
        from,
        sweepFrom: Infinity,
        to,
        warmupStepMs: 15 * MIN,
      })
    const lanes = async (at: number) => (await slowGroups(db, hubs, new Date(at))).lane_overdue

    // Two days of a normal network: no lane is overdue, lost or slow.
    await run(START - 2 * DAY, LOSS_FROM)
    expect(await lanes(LOSS_FROM)).toEqual([])

    // The lost parcels' limit (p99 × 1.25 of a 2.4–3 h leg) has passed for all of them, and
    // parcels that left after the loss have arrived: the lane flows.
    const at = LOSS_FROM + LOSS_MS + 4 * HOUR
    await run(LOSS_FROM + 15 * MIN, at)
    const flowed = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM parcel_paths p CROSS JOIN LATERAL jsonb_array_elements(p.segments) seg
       WHERE seg->>1 = 'HGH-SC>SHA-TC' AND (seg->>3)::bigint > $1::bigint`,
      [LOSS_FROM + LOSS_MS],
    )
    expect(flowed.rows[0]!.n).toBeGreaterThan(0)

    const groups = await lanes(at)
    expect(groups.map((g) => g.subject)).toEqual(['lane:HGH-SC>SHA-TC'])
    const g = groups[0]!
    expect(g.title).toMatchObject({ key: 'lane_lost', params: { from: 'HGH-SC', to: 'SHA-TC' } })
    const lost = g.details!.lost as { from: number; to: number; count: number; arrived: number }
    expect(lost.from).toBeGreaterThanOrEqual(LOSS_FROM)
    expect(lost.to).toBeLessThan(LOSS_FROM + LOSS_MS)
    expect(lost.arrived).toBe(0)
    expect(g.itemCount).toBe(lost.count)

    // Ground truth: the parcels on the lane that left in the batch's span are the ones the simulator lost.
    stepper.ledger.flush()
    const ledger = readLedgerLines(await readFile(join(dir, 'ledger.jsonl'), 'utf8'))
    const lostByLedger = new Set(ledger.parcels.filter((p) => p.effect === 'lost').map((p) => p.waybill))
    expect(lostByLedger.size).toBeGreaterThanOrEqual(lost.count)
    const inSpan = await db.query<{ waybill: string }>(
      `SELECT waybill FROM shipments WHERE last_event_type = 'departed_hub' AND last_scan_hub = 'HGH-SC'
         AND last_scan_at BETWEEN $1 AND $2`,
      [new Date(lost.from), new Date(lost.to)],
    )
    expect(inSpan.rows.length).toBeGreaterThanOrEqual(lost.count)
    expect(inSpan.rows.filter((r) => !lostByLedger.has(r.waybill))).toEqual([])

    // Three hours after the last of them became overdue, the batch is left to the parcel-level rules.
    await run(at + 15 * MIN, at + 5 * HOUR)
    expect(await lanes(at + 5 * HOUR)).toEqual([])
  })
})

describe('what a stop explains afterwards', () => {
  it('is its centre while its hub_silent alert is open, then for its own length and at least 3 h', async () => {
    const db = sys.database.pool
    const now = Date.parse('2026-03-20T12:00:00+08:00')
    const add = (hub: string, openedH: number, resolvedH: number | null) =>
      db.query(
        `INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at, state, resolved_at)
         VALUES ('hub_silent', $1, $2, 'critical', 'stop', $3, $3, $4, $5)`,
        [
          `hub:${hub}:explain:${openedH}`,
          hub,
          new Date(now - openedH * HOUR),
          resolvedH === null ? 'open' : 'resolved',
          resolvedH === null ? null : new Date(now - resolvedH * HOUR),
        ],
      )
    await upsertHubs(db, benchNetwork(DEMO_HUBS, DEMO_COURIERS, OUTLETS).hubs)
    await add('SHA-TC', 1, null) // still stopped
    await add('HGH-SC', 2.5, 2) // a 30-min stop, 2 h ago: within its 3 h
    await add('SHA-O1', 4, 3.5) // a 30-min stop, 3.5 h ago: no longer
    await add('SHA-O1', -1, null) // and one opened after `now` (a replay): not yet
    await add('HGH-O1', 9, 4) // a 5-h stop, 4 h ago: within its own length
    await add('YIW-O1', 9, 6) // a 3-h stop, 6 h ago: no longer
    expect([...(await hubsWithRecentAlerts(db, ['hub_silent'], new Date(now)))].sort()).toEqual([
      'HGH-O1',
      'HGH-SC',
      'SHA-TC',
    ])
    expect([...(await hubsWithRecentAlerts(db, ['hub_backlog'], new Date(now)))]).toEqual([])
  })
})
