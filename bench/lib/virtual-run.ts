/**
 * The product on one virtual clock: the simulator (sim/stepper.ts) hands over
 * what came due, the server's own ingest code stores it, and the workers' jobs
 * run at their normal cadence in simulated time, each with `now` = simulated
 * time: the SLA sweep with its escalation and the minute detection rules every
 * SWEEP_INTERVAL_SECONDS, the anomaly sweep (with the lane and dwell rules)
 * every 5 min, the aggregates' refresh every 15 min. Used by bench/alerts.ts and
 * by test/integration/alerts-scenario.test.ts.
 *
 * A page is what the product pushes, sounds and sends by webhook: an alert
 * opened (or raised from info) as warning or critical, not muted.
 */
import type pg from 'pg'
import type { SlaThresholds } from '../../server/config.ts'
import type { ReferenceData } from '../../server/services/reference.ts'
import type { CalendarService } from '../../server/services/calendar.ts'
import { createShipments } from '../../server/services/shipments.ts'
import { ingestEvents } from '../../server/services/ingest-events.ts'
import { AT_RISK_EVERY_MS, runSweep } from '../../server/services/sla-sweep.ts'
import { runAnomalySweep } from '../../server/services/hub-anomalies.ts'
import { runFastDetection } from '../../server/services/detection.ts'
import { mutedAlertIds } from '../../server/db/silences-repo.ts'
import type { AlertChange } from '../../server/db/alerts-repo.ts'
import type { SimStepper } from '../../sim/stepper.ts'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
export const ANOMALY_EVERY_MS = 5 * MINUTE_MS
export const REFRESH_EVERY_MS = 15 * MINUTE_MS

export interface Page {
  alertId: number
  rule: string
  subject: string
  hubCode: string | null
  severity: 'warning' | 'critical'
  at: number
  itemCount: number
  /** What paged: an alert opened, or raised from info. */
  action: 'opened' | 'raised'
  /** Which job's evaluation made the change. */
  source: 'sla sweep' | 'minute rules' | 'anomaly sweep'
}

export interface VirtualRunOptions {
  db: pg.Pool
  sla: SlaThresholds
  reference: ReferenceData
  calendar: CalendarService
  futureToleranceMs: number
  stepper: SimStepper
  /** Simulated epoch ms: the first step (ingest only until sweepFrom, every `warmupStepMs`). */
  from: number
  sweepFrom: number
  to: number
  warmupStepMs?: number
  onPage?: (p: Page) => void
  onProgress?: (t: number, spent: Record<string, number>, steps: Record<string, number>) => void
}

export interface VirtualRunResult {
  pages: Page[]
  /** Alert id → simulated time it auto-resolved. */
  autoResolved: Map<number, number>
  sweeps: number
  anomalySweeps: number
  escalations: number
  parcels: number
  events: number
  /** Wall ms: ingest, aggregate refresh, SLA sweep (with the minute rules), anomaly sweep. */
  spent: Record<string, number>
  /** Wall ms per step of the SLA sweep. */
  steps: Record<string, number>
}

export async function runVirtual(o: VirtualRunOptions): Promise<VirtualRunResult> {
  const { db, sla } = o
  const hubNames = new Map(
    (await db.query<{ code: string; name: string }>('SELECT code, name FROM hubs')).rows.map((h) => [h.code, h.name]),
  )
  const working = await o.calendar.current()
  const ingest = { db, reference: o.reference, futureToleranceMs: o.futureToleranceMs, maxEventsPerBatch: 50_000 }
  const out: VirtualRunResult = {
    pages: [],
    autoResolved: new Map(),
    sweeps: 0,
    anomalySweeps: 0,
    escalations: 0,
    parcels: 0,
    events: 0,
    spent: {},
    steps: {},
  }
  const spent = { ingest: 0, refresh: 0, sweep: 0, anomaly: 0 }
  /** Wall ms per step of the SLA sweep (SweepResult.steps) and of the minute rules. */
  const steps: Record<string, number> = {}
  const record = async (changes: readonly AlertChange[], at: number, source: Page['source']) => {
    for (const c of changes) if (c.action === 'auto_resolved') out.autoResolved.set(c.id, at)
    const paging = changes.filter((c) => (c.action === 'opened' || c.action === 'raised') && c.severity !== 'info')
    if (paging.length === 0) return
    const muted = await mutedAlertIds(
      db,
      paging.map((c) => c.id),
      new Date(at),
    )
    for (const c of paging) {
      if (muted.has(c.id)) continue
      const page: Page = {
        alertId: c.id,
        rule: c.rule,
        subject: c.subject,
        hubCode: c.hubCode,
        severity: c.severity as 'warning' | 'critical',
        at,
        itemCount: c.itemCount,
        action: c.action as Page['action'],
        source,
      }
      out.pages.push(page)
      o.onPage?.(page)
    }
  }
  let lastRefresh = -Infinity
  const clock = () => performance.now()
  for (let t = o.from; t <= o.to; t += t < o.sweepFrom ? (o.warmupStepMs ?? 5 * MINUTE_MS) : sla.sweepIntervalMs) {
    const now = new Date(t)
    o.onProgress?.(t, spent, steps)
    let c0 = clock()
    const due = o.stepper.advance(t)
    for (let i = 0; i < due.shipments.length; i += 1000) {
      const r = await createShipments(db, o.reference, o.calendar, { shipments: due.shipments.slice(i, i + 1000) })
      out.parcels += r.accepted.length
      if (r.rejected.length > 0) throw new Error(`shipments rejected: ${JSON.stringify(r.rejected.slice(0, 2))}`)
    }
    for (let i = 0; i < due.events.length; i += 20_000) {
      const r = await ingestEvents(ingest, { events: due.events.slice(i, i + 20_000) }, now)
      out.events += r.result.accepted
      if (r.result.rejected.length > 0)
        throw new Error(`events rejected: ${JSON.stringify(r.result.rejected.slice(0, 2))}`)
    }
    spent.ingest += clock() - c0
    c0 = clock()
    if (t - lastRefresh >= REFRESH_EVERY_MS) {
      // What the database's refresh policies do on the real clock, here on the simulated one.
      const upTo = new Date(Math.floor(t / MINUTE_MS) * MINUTE_MS)
      await db.query(
        `CALL refresh_continuous_aggregate('events_per_minute', $1::timestamptz - interval '1 day', $2::timestamptz)`,
        [upTo, upTo],
      )
      const hour = new Date(Math.floor(t / HOUR_MS) * HOUR_MS)
      await db.query(
        `CALL refresh_continuous_aggregate('events_per_hour', $1::timestamptz - interval '1 day', $2::timestamptz)`,
        [hour, hour],
      )
      lastRefresh = t
    }
    spent.refresh += clock() - c0
    if (t < o.sweepFrom) continue
    c0 = clock()
    const result = await runSweep(db, sla, hubNames, now, { atRiskEveryMs: AT_RISK_EVERY_MS })
    for (const [k, v] of Object.entries(result.steps)) steps[k] = (steps[k] ?? 0) + v
    const c1 = clock()
    const minute = await runFastDetection(db, sla, now, { hourlyCache: true })
    steps['minute rules'] = (steps['minute rules'] ?? 0) + clock() - c1
    spent.sweep += clock() - c0
    out.sweeps++
    out.escalations += result.escalated.length
    await record(result.changes, t, 'sla sweep')
    await record(minute, t, 'minute rules')
    if ((t - o.sweepFrom) % ANOMALY_EVERY_MS === 0) {
      c0 = clock()
      await record(await runAnomalySweep(db, sla, working, now), t, 'anomaly sweep')
      spent.anomaly += clock() - c0
      out.anomalySweeps++
    }
  }
  out.spent = { ...spent }
  out.steps = { ...steps }
  return out
}
