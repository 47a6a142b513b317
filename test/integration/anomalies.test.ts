import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, shipment } from '../helpers/builders.ts'
import { courierGroups, runAnomalySweep } from '../../server/services/hub-anomalies.ts'
import { createCalendar } from '../../server/domain/calendar.ts'
import { runFastDetection } from '../../server/services/detection.ts'

let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  await sys.database.pool.query(`UPDATE hubs SET created_at = now() - interval '90 days'`)
})
afterAll(async () => {
  await sys?.stop()
})

const HOUR = 3_600_000
const WEEK = 168 * HOUR
const now = new Date()
const lastHourStart = new Date(Math.floor(now.getTime() / HOUR) * HOUR - HOUR)

/** `count` events at `hub` spread over the hour that starts at `hourStart`. */
async function eventsAt(hub: string, hourStart: Date, count: number, exceptions = 0) {
  const parcels = Array.from({ length: Math.ceil(count / 10) }, () => shipment())
  await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcels })
  const events = Array.from({ length: count }, (_, i) =>
    event(parcels[i % parcels.length]!.waybill, {
      hub,
      time: new Date(hourStart.getTime() + 60_000 + (i * 50 * 60_000) / count).toISOString(),
      ...(i < exceptions ? { type: 'exception', reason: 'damaged' } : {}),
    }),
  )
  const r = await api(sys, { token: sys.token }).post('/api/v1/events', { body: events })
  expect(r.accepted).toBe(count)
}

const activeOf = async (rule: string) =>
  (
    await sys.database.pool.query<{ subject: string; severity: string }>(
      `SELECT subject, severity FROM alerts WHERE rule = $1 AND state <> 'resolved'`,
      [rule],
    )
  ).rows

describe('hub anomalies', () => {
  it('raises one critical alert for a hub that stops scanning, and resolves it when the volume recovers', async () => {
    for (let w = 1; w <= 6; w++) await eventsAt('NKG-SC', new Date(lastHourStart.getTime() - w * WEEK), 60 + w)
    await eventsAt('TSN-SC', lastHourStart, 3) // a quiet hub with no history is not flagged
    await runAnomalySweep(sys.database.pool, sys.config.sla, createCalendar(), now)
    await runAnomalySweep(sys.database.pool, sys.config.sla, createCalendar(), now)
    expect(await activeOf('hub_volume_low')).toEqual([{ subject: 'hub:NKG-SC', severity: 'critical' }])

    await eventsAt('NKG-SC', lastHourStart, 62)
    await runAnomalySweep(sys.database.pool, sys.config.sla, createCalendar(), now)
    expect(await activeOf('hub_volume_low')).toEqual([])
    const history = await sys.database.pool.query(
      `SELECT h.action FROM alert_history h JOIN alerts a ON a.id = h.alert_id WHERE a.rule = 'hub_volume_low' ORDER BY h.id`,
    )
    expect(history.rows.map((r) => r.action)).toEqual(['opened', 'auto_resolved'])
  })

  it('flags a burst of damaged parcels at a hub against its own last week', async () => {
    // The SLA sweep's minute rule (server/services/detection.ts): the last 30 minutes' damage
    // exceptions against the hub's own rate over the week before, up to an hour ago.
    const MIN = 60_000
    async function burstAt(hub: string, from: Date, count: number, exceptions: number) {
      const parcels = Array.from({ length: Math.ceil(count / 10) }, () => shipment())
      await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcels })
      const events = Array.from({ length: count }, (_, i) =>
        event(parcels[i % parcels.length]!.waybill, {
          hub,
          time: new Date(from.getTime() + (i * 24 * MIN) / count).toISOString(),
          ...(i % Math.floor(count / exceptions) === 0 && i / Math.floor(count / exceptions) < exceptions
            ? { type: 'exception', reason: 'damaged' }
            : {}),
        }),
      )
      const r = await api(sys, { token: sys.token }).post('/api/v1/events', { body: events })
      expect(r.accepted).toBe(count)
    }
    for (let d = 1; d <= 6; d++) await burstAt('DLC-O1', new Date(now.getTime() - d * 24 * HOUR - 25 * MIN), 100, 1)
    await runFastDetection(sys.database.pool, sys.config.sla, now)
    expect(await activeOf('hub_exception_spike')).toEqual([]) // its usual rate: nothing to flag
    await burstAt('DLC-O1', new Date(now.getTime() - 25 * MIN), 100, 12)
    await runFastDetection(sys.database.pool, sys.config.sla, now)
    expect(await activeOf('hub_exception_spike')).toEqual([{ subject: 'hub:DLC-O1', severity: 'warning' }])
  })

  it('finds a courier who started late and one who stopped early on a working day', async () => {
    // Tuesday 24 November 2026 at 19:00 Shanghai: the shift (08:30–18:00) is over.
    const evening = new Date('2026-11-24T19:00:00+08:00')
    const at = (hhmm: string) => `2026-11-24T${hhmm}:00+08:00`
    const p = shipment({ collectedAt: '2026-11-24T07:00:00+08:00' })
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: p })
    const scans = [
      ['C-SHA-O1-01', '10:15'],
      ['C-SHA-O1-01', '17:55'],
      ['C-SHA-O1-02', '08:20'],
      ['C-SHA-O1-02', '15:00'],
      ['C-SHA-O1-03', '08:40'],
      ['C-SHA-O1-03', '17:50'],
    ].map(([courier, hhmm]) => event(p.waybill, { type: 'out_for_delivery', hub: 'SHA-O1', courier, time: at(hhmm!) }))
    expect((await api(sys, { token: sys.token }).post('/api/v1/events', { body: scans })).accepted).toBe(6)
    const groups = await courierGroups(sys.database.pool, createCalendar(), evening)
    const lateSubjects = groups.courier_late_start!.map((g) => g.subject)
    expect(lateSubjects).toContain('courier:C-SHA-O1-01')
    expect(lateSubjects).not.toContain('courier:C-SHA-O1-03')
    expect(groups.courier_late_start!.find((g) => g.subject === 'courier:C-SHA-O1-01')!.details).toMatchObject({
      minutesLate: 105,
    })
    expect(groups.courier_early_stop!.map((g) => g.subject)).toEqual(['courier:C-SHA-O1-02'])
    // Couriers with no scan that day are reported absent.
    expect(groups.courier_late_start!.find((g) => g.subject === 'courier:C-SHA-O2-01')!.details).toMatchObject({
      attendance: 'absent',
    })
    // Saturday is not a working day: nothing to judge.
    const saturday = await courierGroups(sys.database.pool, createCalendar(), new Date('2026-11-28T19:00:00+08:00'))
    expect(saturday.courier_late_start).toEqual([])
  })
})
